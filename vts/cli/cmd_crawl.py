"""``vts crawl``: the Glue crawler's job, done locally (or against Glue itself)."""

from __future__ import annotations

import argparse
from typing import Any

from vts.catalog.base import AVAILABLE_CATALOGS, DEFAULT_DATABASE, Catalog, get_catalog
from vts.catalog.policy import SchemaPolicy
from vts.catalog.report import CrawlReport
from vts.cli.console import Output, Progress, add_output_options
from vts.settings import LocalPaths

EPILOG = """examples:
  vts crawl                               crawl ./vts-data/lake into the local catalog (db vts)
  vts crawl data/ --database tutorial     the tutorial's layout: data/<topic>/part-*.parquet
  vts crawl --policy fail                 stop instead of adding columns new files bring
  vts crawl s3a://my-bucket/data --s3-endpoint http://127.0.0.1:9000
  vts crawl s3://my-bucket/data --catalog glue --region eu-west-1

Only partition folders the catalog does not know yet are read. Folders holding empty,
non-Parquet, corrupt or incompatible files are reported and skipped, never registered.
"""


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "crawl",
        help="catalog the lake: create tables, add new partitions, apply schema changes",
        description="Walk the lake (local path or S3 prefix), infer table schemas from "
        "Parquet footers, detect key=value partitions and register them in the catalog.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "path", nargs="?", help="lake root (default: $VTS_HOME/lake); s3:// and s3a:// work"
    )
    parser.add_argument("--database", default=DEFAULT_DATABASE, help="catalog database")
    parser.add_argument(
        "--policy",
        choices=[p.value for p in SchemaPolicy],
        default=SchemaPolicy.ADD_COLUMNS.value,
        help="what to do with columns new files bring (default: add-columns)",
    )
    parser.add_argument(
        "--catalog",
        choices=sorted(AVAILABLE_CATALOGS),
        default="spark",
        help="spark: the local Hive metastore under $VTS_HOME (default); glue: AWS Glue",
    )
    parser.add_argument("--region", help="AWS region for --catalog glue and S3")
    parser.add_argument(
        "--s3-endpoint", help="S3-compatible endpoint URL (default: $VTS_S3_ENDPOINT)"
    )
    add_output_options(parser)
    parser.set_defaults(func=run)


def _catalog(name: str, region: str | None) -> Catalog:
    if name == "glue":
        return get_catalog("glue", region_name=region)
    return get_catalog(name)


def run(args: argparse.Namespace, out: Output) -> int:
    from vts.catalog.crawler import crawl
    from vts.storage.lake import LakeFS

    location = args.path or str(LocalPaths.from_env().lake)
    lake = LakeFS.open(location, s3_endpoint=args.s3_endpoint, region=args.region)
    catalog = _catalog(args.catalog, args.region)
    bar: Progress | None = None

    def progress(done: int, total: int) -> None:
        nonlocal bar
        bar = bar or Progress(total, "crawling", unit="tables")
        bar.update(done, f"{done}/{total} tables")

    report = crawl(
        location,
        catalog,
        database=args.database,
        policy=args.policy,
        lake=lake,
        progress=progress,
    )
    if bar:
        bar.close()
    show(report, out)
    return 0 if report.ok else 1


def show(report: CrawlReport, out: Output) -> None:
    """Print a crawl report: JSON as one object; text as a summary and three tables."""
    if out.fmt == "json":
        out.record(report.to_dict())
        return
    tables = [
        {
            "table": t.table,
            "action": t.action,
            "partitions": ",".join(t.partition_keys) or "-",
            "partitions_added": t.partitions_added,
            "files_added": t.files_added,
            "rows_added": t.rows_added,
            "columns": t.columns,
            "location": t.location,
        }
        for t in report.tables
    ]
    if out.fmt == "csv":
        out.table(tables)
        return
    out.record(
        {"root": report.root, "database": report.database, "policy": report.policy} | report.totals,
        title="crawl",
    )
    if tables:
        out.message("")
        out.table(tables)
    if report.schema_changes:
        out.message("\nschema changes")
        out.table([vars(c) for c in report.schema_changes])
    if report.skipped:
        out.message("\nskipped")
        out.table(
            [{"kind": s.kind, "path": s.path, "reason": s.reason} for s in report.skipped],
            columns=("kind", "path", "reason"),
        )
    if not report.ok:
        out.message("\nfailed: the schema-change policy 'fail' rejected new columns")
