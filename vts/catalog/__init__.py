"""The table catalog: Glue Data Catalog on AWS, Spark's Hive metastore locally.

``base.Catalog`` is the small interface; ``spark_sql`` and ``glue`` are its backends,
picked by name through ``get_catalog``. The crawler and the streaming job only talk to
the interface.
"""

from vts.catalog.base import Catalog, Partition, get_catalog

__all__ = ["Catalog", "Partition", "get_catalog"]
