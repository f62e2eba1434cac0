"""The AWS side of vts that runs inside the deployed stack.

CloudFormation custom resources (``custom_resource`` runs them, ``cfn_response`` reports
to CloudFormation) and the work they do: the Redshift Spectrum external schema
(``redshift_schema``), publishing the Glue job's script and the zipped ``vts`` package
(``glue_assets``), switching the streaming job on and off (``glue_job_switch``) and the
MSK Serverless bootstrap/topics (``msk_topics``). Lambda handlers in ``functions/`` stay
thin and call into here; the custom resources' handlers are made by one skeleton
(``handler``).
"""
