"""vts: the Vehicle Tracking System's shared package.

Everything the Lambdas, the Glue job script, the CLI and the tests share lives here:
the event contract (``vts.contract``), Kafka configuration (``vts.kafka``), the local
services (``vts.local``), the streaming transforms (``vts.stream``), the catalog and
crawler (``vts.catalog``) and the CLI (``vts.cli``).
"""

__version__ = "0.1.0"
