"""Run SQL over the lake: the ``sql/`` analytics (written for Redshift Spectrum and Spark
SQL alike) and ad-hoc statements, on local Spark with the Hive metastore as catalog.

``template`` parses a SQL file's ``-- @param`` header and renders ``${name}`` placeholders;
``analytics`` finds the files in ``sql/analytics``; ``runner`` executes on Spark.
"""

from vts.query.runner import QueryResult, run_sql, run_template
from vts.query.template import SqlTemplate

__all__ = ["QueryResult", "SqlTemplate", "run_sql", "run_template"]
