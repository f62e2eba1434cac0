"""The Glue job as the soak deploys it: its command line (``job_argv``: the freshness
trigger, the Glue catalog, the lake and checkpoint on local disk) and the five tables the
crawler would have made beforehand (``create_tables``)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from bench.soak_processes import DATABASE

SCRIPT = Path(__file__).resolve().parents[1] / "glue_scripts" / "vts_streaming_job.py"


def create_tables(glue_client: Any, lake: Path, quarantine: Path) -> None:
    """The five tables, as the crawler would have made them before (the job registers
    partitions only in tables that exist)."""
    from vts.catalog.base import Column, TableSpec
    from vts.catalog.glue import GlueCatalog
    from vts.contract.events import event_type
    from vts.contract.hive import PARTITION_COLUMNS, hive_columns
    from vts.contract.topics import TOPIC_NAMES

    catalog = GlueCatalog(glue_client)
    catalog.ensure_database(DATABASE)
    for table in TOPIC_NAMES:
        catalog.create_table(
            TableSpec(
                DATABASE,
                table,
                str(lake / table),
                tuple(Column(n, t) for n, t in hive_columns(event_type(table))),
                tuple(Column(n, t) for n, t in PARTITION_COLUMNS),
            )
        )
    del quarantine  # quarantine's table is the crawler's (the job registers it only if there)


def job_argv(
    bootstrap: str, prefix: str, workdir: Path, trigger: int, available_now: bool = False
) -> list[str]:
    lake = workdir / "lake"
    return [
        sys.executable,
        str(SCRIPT),
        "--JOB_NAME",
        "bench-soak",
        "--bootstrap_servers",
        bootstrap,
        "--topic_prefix",
        prefix,
        "--output_path",
        str(lake),
        "--quarantine_path",
        str(lake / "quarantine"),
        "--checkpoint_path",
        str(workdir / "checkpoint"),
        "--trigger_seconds",
        str(trigger),
        "--catalog",
        "glue",
        "--region",
        "us-east-1",
        "--catalog_database",
        DATABASE,
        "--available_now",
        "true" if available_now else "false",
    ]
