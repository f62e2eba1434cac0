"""Files on local disk or S3: one interface, one module per backend.

- ``base``: ``FileStore`` (the operations and the atomicity the sink's commit relies on)
  and ``BACKENDS``, the registry of backends by URL scheme;
- ``local``, ``s3``: the backends, on ``pyarrow.fs``;
- ``files``: ``ArrowFiles``, the ``FileStore`` over those backends, for any Python process
  (Spark's workers, the crawler, ``vts chaos``), with whole Parquet files in and out;
- ``hadoop``: ``HadoopFiles``, the ``FileStore`` through a SparkSession's Hadoop
  ``FileSystem``, for the driver moving what Spark wrote (the sink, the reports);
- ``lake``: ``LakeFS``, a lake root as the crawler reads it.
"""

from vts.storage.base import BACKENDS, Entry, FileStore, on_s3
from vts.storage.exceptions import LakeNotFoundError
from vts.storage.files import ArrowFiles

__all__ = ["BACKENDS", "ArrowFiles", "Entry", "FileStore", "LakeNotFoundError", "on_s3"]
