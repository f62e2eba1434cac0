"""The crawler: what the Glue crawler does, done by ``vts`` against any ``Catalog``.

``crawl(location, catalog)`` lists the lake once, finds one dataset per table folder
(``discovery``), and for each dataset:

1. compares it with the catalog table, if there is one: the catalog's partitions are the
   crawler's memory, so only partition folders not registered yet are read ("crawl new
   folders only"; an unpartitioned table is re-read to see schema changes);
2. reads the Parquet footers of those folders (``schema_infer``, in a few threads, since
   on S3 each footer is a round trip) and merges their schemas in partition order;
3. skips, with a reason, every unit (partition folder, or unpartitioned table) holding an
   empty, non-Parquet, corrupt or incompatible file: a registered folder would be read by
   every query, so it is registered whole or not at all;
4. creates the external table, applies the schema-change ``policy`` to new columns, and
   registers the new partitions.

Everything is decided before the catalog is touched, and the result is a ``CrawlReport``.

As with Glue's "crawl new folders only", files added later to a registered partition are
read by queries (a partition is a folder) but not checked by the crawler; a partition that
was skipped is tried again on the next crawl, since the catalog does not know it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from vts.catalog.base import DEFAULT_DATABASE, Catalog, Column, Partition, TableSpec
from vts.catalog.discovery import Dataset, Skip, Unit, discover
from vts.catalog.exceptions import CatalogError, UnusableFileError
from vts.catalog.policy import SchemaPolicy
from vts.catalog.report import CrawlReport, SchemaChange, TableResult
from vts.catalog.schema_infer import FileSchema, merge, read_file_schema
from vts.storage.base import Entry
from vts.storage.lake import LakeFS

logger = logging.getLogger(__name__)

PARTITION_TYPE = "string"  # as the Glue crawler types key=value folders
READ_THREADS = 8

ProgressCallback = Callable[[int, int], None]


@dataclass
class _Accepted:
    unit: Unit
    rows: int
    added: tuple[Column, ...]


@dataclass
class _Plan:
    """What to do for one dataset, decided before the catalog is changed."""

    dataset: Dataset
    existing: TableSpec | None
    columns: list[Column]
    accepted: list[_Accepted] = field(default_factory=list)
    skipped: list[Skip] = field(default_factory=list)
    changes: list[SchemaChange] = field(default_factory=list)


def crawl(
    location: str | Path,
    catalog: Catalog,
    *,
    database: str = DEFAULT_DATABASE,
    policy: SchemaPolicy | str = SchemaPolicy.ADD_COLUMNS,
    lake: LakeFS | None = None,
    progress: ProgressCallback | None = None,
) -> CrawlReport:
    """Crawl the lake at ``location`` into ``database`` of ``catalog``; report what changed.

    ``location`` is a local path, ``file://``, ``s3://`` or ``s3a://`` prefix (pass an opened
    ``lake`` to reuse one). ``progress(done, total)`` is called as table folders finish.
    Raises ``LakeNotFoundError`` for a missing root and lets ``CatalogUnavailableError``
    (transient) through; everything else that goes wrong is in the report.
    """
    mode = SchemaPolicy.parse(policy)
    lake = lake or LakeFS.open(location)
    layout = discover(lake.list(), lake.name)
    catalog.ensure_database(database)
    tables: list[TableResult] = []
    changes: list[SchemaChange] = []
    skipped: list[Skip] = list(layout.skipped)
    total = len(layout.datasets)
    with ThreadPoolExecutor(READ_THREADS, thread_name_prefix="vts-footer") as pool:
        for done, dataset in enumerate(layout.datasets, start=1):
            try:
                plan = _plan(dataset, lake, catalog, database, mode, pool)
                result = _apply(plan, lake, catalog, database, mode)
            except CatalogError as exc:
                logger.warning("table %s: %s", dataset.name, exc)
                skipped.append(Skip(dataset.name, dataset.folder, "catalog_error", exc.message))
                continue
            skipped.extend(plan.skipped)
            changes.extend(plan.changes)
            if result is not None:
                tables.append(result)
            if progress:
                progress(done, total)
    report = CrawlReport(
        database, lake.root_uri, mode.value, tuple(tables), tuple(changes), tuple(skipped)
    )
    logger.info("crawled %s into %s: %s", lake.root_uri, database, report.totals)
    return report


def _plan(
    dataset: Dataset,
    lake: LakeFS,
    catalog: Catalog,
    database: str,
    policy: SchemaPolicy,
    pool: ThreadPoolExecutor,
) -> _Plan:
    existing = catalog.get_table(database, dataset.name) if dataset.units else None
    plan = _Plan(dataset, existing, list(existing.columns) if existing else [])
    plan.skipped.extend(dataset.skipped)
    keys = dataset.partition_keys
    todo: Sequence[Unit] = dataset.units
    if existing is not None:
        have = tuple(c.name for c in existing.partition_columns)
        if have != keys:
            plan.skipped.append(
                Skip(
                    dataset.name,
                    dataset.folder,
                    "layout",
                    f"the catalog table is partitioned by ({', '.join(have)}) but the folders "
                    f"by ({', '.join(keys)}); drop the table or move the files",
                )
            )
            return plan
        if keys:
            registered = catalog.list_partitions(database, dataset.name)
            todo = [u for u in dataset.units if u.spec not in registered]
            logger.debug(
                "%s: %d of %d partitions are new", dataset.name, len(todo), len(dataset.units)
            )

    schemas = _read_schemas(lake, [f for u in todo for f in u.files], pool)
    for unit in todo:
        _plan_unit(plan, unit, schemas, policy)
    return plan


def _read_schemas(
    lake: LakeFS, files: Sequence[Entry], pool: ThreadPoolExecutor
) -> dict[str, FileSchema | UnusableFileError]:
    def read(entry: Entry) -> FileSchema | UnusableFileError:
        try:
            return read_file_schema(lake, entry.path, entry.size)
        except UnusableFileError as exc:
            return exc

    return dict(zip((f.path for f in files), pool.map(read, files), strict=True))


def _plan_unit(
    plan: _Plan,
    unit: Unit,
    schemas: dict[str, FileSchema | UnusableFileError],
    policy: SchemaPolicy,
) -> None:
    name = plan.dataset.name
    keys = set(plan.dataset.partition_keys)
    results = [(f.path, schemas[f.path]) for f in unit.files]
    bad = [(path, r) for path, r in results if isinstance(r, UnusableFileError)]
    good = [(path, r) for path, r in results if isinstance(r, FileSchema)]
    if bad:
        what = "partition" if unit.values else "table"
        for path, problem in bad:
            reason = f"{problem.reason}; the {what} {unit.path or name} is not registered"
            plan.skipped.append(Skip(name, path, problem.kind, reason))
        return
    columns: list[Column] = []
    rows = 0
    for path, schema in good:
        file_columns = [c for c in schema.columns if c.name not in keys]
        merged = merge(columns, file_columns, source=path)
        if not merged.ok:
            plan.skipped.append(_incompatible(name, unit, merged.conflicts))
            return
        columns = list(merged.columns)
        rows += schema.rows
    merged = merge(plan.columns, columns, source=unit.path or name)
    if not merged.ok:
        plan.skipped.append(_incompatible(name, unit, merged.conflicts))
        return
    if plan.existing is not None and merged.added and policy is SchemaPolicy.FAIL:
        new = ", ".join(f"{c.name} {c.type}" for c in merged.added)
        plan.skipped.append(
            Skip(
                name,
                unit.path,
                "schema_change",
                f"new columns ({new}) and the schema-change policy is 'fail'",
            )
        )
        known = {(c.table, c.column) for c in plan.changes}
        plan.changes.extend(
            SchemaChange(name, c.name, c.type, "rejected")
            for c in merged.added
            if (name, c.name) not in known
        )
        return
    plan.columns = list(merged.columns)
    plan.accepted.append(_Accepted(unit, rows, merged.added))


def _incompatible(table: str, unit: Unit, conflicts: Sequence[str]) -> Skip:
    what = "partition" if unit.values else "table"
    reason = f"incompatible schema: {'; '.join(conflicts)}; the {what} is not registered"
    return Skip(table, unit.path or table, "incompatible", reason)


def _apply(
    plan: _Plan, lake: LakeFS, catalog: Catalog, database: str, policy: SchemaPolicy
) -> TableResult | None:
    dataset, existing = plan.dataset, plan.existing
    keys = dataset.partition_keys
    location = lake.uri(dataset.folder)
    if not plan.accepted:
        if existing is None and dataset.units:
            plan.skipped.append(
                Skip(
                    dataset.name,
                    dataset.folder,
                    "no_table",
                    "table not created: none of its files could be registered (see above)",
                )
            )
        if existing is None:
            return None
        return _result(existing, "unchanged", [], 0, new_data=False)

    action = "unchanged"
    if existing is None:
        spec = TableSpec(
            database,
            dataset.name,
            location,
            tuple(plan.columns),
            tuple(Column(k, PARTITION_TYPE) for k in keys),
        )
        catalog.create_table(spec)
        action = "created"
        logger.info("created %s.%s at %s", database, dataset.name, location)
    else:
        spec = existing
        added = [c for a in plan.accepted for c in a.added]
        if added:
            verb = "added" if policy is SchemaPolicy.ADD_COLUMNS else "ignored"
            plan.changes.extend(SchemaChange(dataset.name, c.name, c.type, verb) for c in added)
            if policy is SchemaPolicy.ADD_COLUMNS:
                catalog.add_columns(database, dataset.name, added)
                spec = TableSpec(
                    database,
                    dataset.name,
                    existing.location,
                    existing.columns + tuple(added),
                    existing.partition_columns,
                )
                action = "updated"
            else:
                logger.warning(
                    "%s: new columns %s not added (policy log)",
                    dataset.name,
                    [c.name for c in added],
                )

    registered = 0
    if keys:
        partitions = [Partition(a.unit.values, lake.uri(a.unit.path)) for a in plan.accepted]
        registered = catalog.add_partitions(database, dataset.name, partitions)
        action = "updated" if action == "unchanged" and registered else action
    new_data = bool(keys) or existing is None
    return _result(spec, action, plan.accepted, registered, new_data=new_data)


def _result(
    spec: TableSpec,
    action: str,
    accepted: Sequence[_Accepted],
    partitions_added: int,
    *,
    new_data: bool,
) -> TableResult:
    return TableResult(
        table=spec.name,
        location=spec.location,
        action=action,
        partition_keys=tuple(c.name for c in spec.partition_columns),
        partitions_added=partitions_added,
        files_added=sum(len(a.unit.files) for a in accepted) if new_data else 0,
        rows_added=sum(a.rows for a in accepted) if new_data else 0,
        columns=len(spec.columns),
    )
