"""The Glue streaming job as a library: Kafka -> validated, deduplicated Parquet lake.

- ``args``: ``JobArgs`` (Glue job arguments or local flags)
- ``source``: the Kafka source       - ``transforms``: ``DataFrame -> DataFrame`` steps
- ``validation``: the Python workers' side of ``mapInArrow``, where the contract's own
  code (``vts.contract.fast``) judges every record; ``staging``: where the workers write
  the judged rows (``objects``: their Parquet I/O) and hand the JVM only their keys
- ``sink``: the ``foreachBatch`` writer; ``commit``, ``files``, ``layout``: its publishing
- ``job``: ``run(args)`` assembles it all (glue_scripts/vts_streaming_job.py, ``vts job run``)

docs/exactly-once.md explains why every reader sees each event exactly once.
"""

from vts.stream.args import JobArgs
from vts.stream.job import JobResult, run
from vts.stream.sink import BatchReport

__all__ = ["BatchReport", "JobArgs", "JobResult", "run"]
