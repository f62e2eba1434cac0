"""What a reader of the lake sees, read with pyarrow as Spectrum, Athena or the crawler would
(local folders or an S3 prefix, through ``vts.catalog.filesystem.LakeFS``): the
``event_id``s of each table, the quarantined rows per topic, and the files that no commit
manifest of the job accounts for (orphans)."""

from __future__ import annotations

import json
import posixpath
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

import pyarrow.parquet as pq

from vts.catalog.exceptions import LakeNotFoundError
from vts.catalog.filesystem import LakeFS
from vts.contract.topics import TOPIC_NAMES
from vts.stream.layout import SINK_STATE_DIR, join


@dataclass
class LakeView:
    ids: dict[str, Counter[str]] = field(default_factory=dict)  # table -> event_id -> copies
    quarantined: Counter[str] = field(default_factory=Counter)  # topic -> rows
    reasons: Counter[str] = field(default_factory=Counter)
    files: list[str] = field(default_factory=list)  # every visible data file (relative)
    orphans: list[str] = field(default_factory=list)
    hidden: int = 0  # files under _-prefixed folders (staging): invisible to readers
    batches: int = 0  # micro-batches with a commit manifest


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


def _published(checkpoint: str, view: LakeView) -> set[str]:
    """Every file name a batch's latest commit manifest publishes."""
    try:
        state = LakeFS.open(join(checkpoint, SINK_STATE_DIR, "manifests"))
        entries = state.list()
    except LakeNotFoundError:
        return set()
    names: set[str] = set()
    for entry in entries:
        if entry.path.endswith(".json"):
            view.batches += 1
            with state.open_input(entry.path) as f:
                manifest = json.loads(f.read().decode())
            names.update(posixpath.basename(p) for p in manifest.get("files", ()))
    return names


def published_batches(checkpoint: str) -> int:
    """How many micro-batches have a commit manifest (the job's progress, as a reader sees)."""
    try:
        entries = LakeFS.open(join(checkpoint, SINK_STATE_DIR, "manifests")).list()
    except LakeNotFoundError:
        return 0
    return sum(1 for e in entries if e.path.endswith(".json"))


def read_lake(lake_root: str, quarantine_root: str, checkpoint: str) -> LakeView:
    view = LakeView()
    for table in TOPIC_NAMES:
        fs = LakeFS.open(join(lake_root, table))
        counts: Counter[str] = Counter()
        for path in _visible_files(fs, view):
            view.files.append(f"{table}/{path}")
            with fs.open_input(path) as f:
                counts.update(pq.read_table(f, columns=["event_id"]).column(0).to_pylist())
        view.ids[table] = counts
    qfs = LakeFS.open(quarantine_root)
    for path in _visible_files(qfs, view):
        view.files.append(f"quarantine/{path}")
        with qfs.open_input(path) as f:
            rows = pq.read_table(f, columns=["topic", "reason"]).to_pylist()
        view.quarantined.update(str(r["topic"]) for r in rows)
        view.reasons.update(str(r["reason"]) for r in rows)
    published = _published(checkpoint, view)
    view.orphans = sorted(f for f in view.files if posixpath.basename(f) not in published)
    return view
