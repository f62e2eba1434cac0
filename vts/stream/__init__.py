"""The Glue streaming job as a library: Kafka -> validated, deduplicated Parquet lake.

- ``args``: ``JobArgs`` (Glue job arguments or local flags)
- ``source``: the Kafka source       - ``transforms``: ``DataFrame -> DataFrame`` steps
- ``json_tokens``, ``messages``, ``v0``, ``checks``, ``timestamps``: the contract's rules
  in Spark (the same verdicts as ``vts.contract.validate``)
- ``sink``: the ``foreachBatch`` writer; ``commit``, ``files``, ``layout``: its publishing
- ``job``: ``run(args)`` assembles it all (glue_scripts/vts_streaming_job.py, ``vts job run``)

docs/exactly-once.md explains why every reader sees each event exactly once.
"""

from vts.stream.args import JobArgs
from vts.stream.job import JobResult, run
from vts.stream.sink import BatchReport

__all__ = ["BatchReport", "JobArgs", "JobResult", "run"]
