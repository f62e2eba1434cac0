"""What a reader of the lake sees, read with pyarrow as Spectrum, Athena or the crawler would
(local folders or an S3 prefix, through ``vts.storage``): the
``event_id``s of each table, the quarantined rows per topic, and the files that no
committed batch's final attempt published (orphans), by the sink's own rule
(``vts.stream.ledger.published``), however old the batch."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

import pyarrow as pa
import pyarrow.parquet as pq

from vts.contract.topics import QUARANTINE_TABLE, TOPIC_NAMES
from vts.settings import env
from vts.storage.exceptions import LakeNotFoundError
from vts.storage.files import ArrowFiles
from vts.storage.lake import LakeFS
from vts.stream.layout import LakeLayout, join
from vts.stream.ledger import last_committed, read_published


@dataclass
class LakeView:
    ids: dict[str, Counter[str]] = field(default_factory=dict)  # table -> event_id -> copies
    quarantined: Counter[str] = field(default_factory=Counter)  # topic -> rows
    reasons: Counter[str] = field(default_factory=Counter)
    files: list[str] = field(default_factory=list)  # every visible data file (relative)
    orphans: list[str] = field(default_factory=list)
    hidden: int = 0  # files under _-prefixed folders (staging): invisible to readers
    batches: int = 0  # committed micro-batches that published files


def _visible_files(lake: LakeFS, view: LakeView) -> Iterator[str]:
    try:
        entries = lake.list()
    except LakeNotFoundError:
        return
    for entry in entries:
        if entry.is_dir or not entry.path.endswith(".parquet"):
            continue
        if any(part.startswith(("_", ".")) for part in entry.parts):
            view.hidden += 1
            continue
        yield entry.path


def _files() -> ArrowFiles:
    """The lake and the checkpoint read with pyarrow, as the crawler reads them: no Spark."""
    return ArrowFiles(env("S3_ENDPOINT"))


def committed_batches(checkpoint: str) -> int:
    """How many micro-batches the job has committed (its progress, from Spark's commit log)."""
    layout = LakeLayout("", "", checkpoint)
    last = last_committed(_files().list_files(layout.commit_log))
    return 0 if last is None else last + 1


def read_lake(lake_root: str, quarantine_root: str, checkpoint: str) -> LakeView:
    """The lake as a reader sees it; the roots as the job was given them."""
    view = LakeView()
    layout = LakeLayout(lake_root, quarantine_root, checkpoint)
    where: dict[str, str] = {}  # each visible file (as listed in view.files) -> its location
    for table in TOPIC_NAMES:
        fs = LakeFS.open(join(lake_root, table))
        counts: Counter[str] = Counter()
        for path in _visible_files(fs, view):
            view.files.append(f"{table}/{path}")
            where[view.files[-1]] = join(layout.table_root(table), path)
            with fs.open_input(path) as f:
                counts.update(pq.read_table(f, columns=["event_id"]).column(0).to_pylist())
        view.ids[table] = counts
    qfs = LakeFS.open(quarantine_root)
    for path in _visible_files(qfs, view):
        view.files.append(f"quarantine/{path}")
        where[view.files[-1]] = join(layout.table_root(QUARANTINE_TABLE), path)
        with qfs.open_input(path) as f:
            rows = pq.read_table(f, columns=["topic", "reason"]).to_pylist()
        view.quarantined.update(str(r["topic"]) for r in rows)
        view.reasons.update(str(r["reason"]) for r in rows)
    batches = read_published(_files(), layout)
    published = {path for files in batches.values() for path in files}
    view.batches = len(batches)
    view.orphans = sorted(f for f in view.files if where[f] not in published)
    return view


RANKS = {"vehicle_data": 1, "gps_data": 0}  # the live store's order at equal event times


def newest_fixes(lake_root: str) -> dict[str, tuple[int, str]]:
    """Each vehicle's newest fix in the lake, as the live store orders them (event time,
    then ``vehicle_data`` over ``gps_data``, then the greater ``event_id``; a fix without
    a position is not one): ``vehicle -> (event time in µs, event_id)``."""
    best: dict[str, tuple[int, int, str]] = {}
    for table, rank in RANKS.items():
        fs = LakeFS.open(join(lake_root, table))
        for path in _visible_files(fs, LakeView()):
            with fs.open_input(path) as f:
                t = pq.read_table(f, columns=["vehicle_id", "ts", "event_id", "latitude"])
            micros = t.column("ts").cast(pa.timestamp("us", tz="UTC")).cast(pa.int64())
            rows = zip(
                t.column("vehicle_id").to_pylist(),
                micros.to_pylist(),
                t.column("event_id").to_pylist(),
                t.column("latitude").to_pylist(),
                strict=True,
            )
            for vehicle, ts, event_id, lat in rows:
                if lat is None:
                    continue
                key = (ts, rank, str(event_id))
                if vehicle not in best or key > best[vehicle]:
                    best[vehicle] = key
    return {v: (k[0], k[2]) for v, k in best.items()}
