"""Find the datasets in a lake listing: one per table folder, with its Hive partitions.

Pure functions over ``Entry`` lists (no I/O), so the layout rules are tested on their own:

- The lake root holds one folder per table (``<lake>/<table>/…``). A root that itself holds
  ``key=value`` folders, or only files, is one table named after the root folder.
- Names starting with ``_`` or ``.`` are ignored at every level, as Spark and Glue ignore
  them (``_SUCCESS``, ``_spark_metadata``, ``.crc`` files, ``_temporary`` folders).
- Inside a table folder, the leading ``key=value`` folders of a file's path are its
  partition. The table's partition keys are the key sequence most files have; files
  elsewhere (another key sequence, or outside the partition folders) are skipped with a
  reason, as are empty table and partition folders.
- A *unit* is what gets registered in one go: a partition folder, or the whole folder of an
  unpartitioned table. Every file below a unit belongs to it (readers list recursively).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import unquote

from vts.storage.base import Entry

_PARTITION_DIR = re.compile(r"^([^=/]+)=(.*)$")
_BAD_NAME_CHARS = re.compile(r"[^a-z0-9_]+")


@dataclass(frozen=True)
class Skip:
    """Something the crawler did not register: where, a stable ``kind`` code and why."""

    table: str | None
    path: str
    kind: str
    reason: str


@dataclass(frozen=True)
class Unit:
    """A partition folder (``values`` in key order), or an unpartitioned table's folder."""

    path: str
    values: tuple[tuple[str, str], ...]
    files: tuple[Entry, ...]

    @property
    def spec(self) -> str:
        return "/".join(f"{k}={v}" for k, v in self.values)


@dataclass(frozen=True)
class Dataset:
    """One table folder: its name, folder, partition keys and units."""

    name: str
    folder: str
    partition_keys: tuple[str, ...]
    units: tuple[Unit, ...]
    skipped: tuple[Skip, ...] = ()

    @property
    def files(self) -> int:
        return sum(len(u.files) for u in self.units)


@dataclass(frozen=True)
class Layout:
    datasets: tuple[Dataset, ...]
    skipped: tuple[Skip, ...]


def table_name(folder_name: str) -> str:
    """A catalog-safe table name for a folder: lower case, ``[a-z0-9_]``."""
    name = _BAD_NAME_CHARS.sub("_", folder_name.lower()).strip("_")
    return name or "table"


def is_hidden(parts: Sequence[str]) -> bool:
    return any(p.startswith(("_", ".")) for p in parts)


def partition_of(parts: Sequence[str]) -> tuple[tuple[str, str], ...]:
    """The leading ``key=value`` folders of a file's folder path, values unescaped."""
    values = []
    for part in parts:
        match = _PARTITION_DIR.match(part)
        if not match:
            break
        values.append((match.group(1).lower(), unquote(match.group(2))))
    return tuple(values)


def discover(entries: Iterable[Entry], root_name: str) -> Layout:
    """Group a recursive listing of the lake root into datasets (see the module doc)."""
    visible = [e for e in entries if not is_hidden(e.parts)]
    top_dirs = {e.parts[0] for e in visible if e.is_dir and len(e.parts) == 1}
    top_files = [e for e in visible if not e.is_dir and len(e.parts) == 1]
    if any(_PARTITION_DIR.match(d) for d in top_dirs) or (top_files and not top_dirs):
        return Layout((_dataset(table_name(root_name), "", visible),), ())

    skipped = [
        Skip(None, e.path, "outside_table", "file at the lake root belongs to no table folder")
        for e in top_files
    ]
    by_table: dict[str, list[Entry]] = defaultdict(list)
    for entry in visible:
        if len(entry.parts) > 1:
            by_table[entry.parts[0]].append(_relative(entry, 1))
    datasets = []
    for folder in sorted(top_dirs):
        datasets.append(_dataset(table_name(folder), folder, by_table.get(folder, [])))
    return Layout(tuple(datasets), tuple(skipped))


def _relative(entry: Entry, strip: int) -> Entry:
    return Entry("/".join(entry.parts[strip:]), entry.is_dir, entry.size)


def _join(folder: str, path: str) -> str:
    return f"{folder}/{path}" if folder and path else folder or path


def _dataset(name: str, folder: str, entries: Sequence[Entry]) -> Dataset:
    """One table folder's units; ``entries`` are relative to the folder."""
    files = [e for e in entries if not e.is_dir]
    if not files:
        skip = Skip(name, folder, "empty", "empty folder: no data files to register")
        return Dataset(name, folder, (), (), (skip,))

    keyed = [(f, partition_of(f.parts[:-1])) for f in files]
    key_counts = Counter(tuple(k for k, _ in values) for _, values in keyed)
    keys = max(key_counts, key=lambda ks: (key_counts[ks], len(ks), ks))
    skipped: list[Skip] = []
    groups: dict[tuple[tuple[str, str], ...], list[Entry]] = defaultdict(list)
    unit_dirs: dict[tuple[tuple[str, str], ...], str] = {}
    for entry, values in keyed:
        have = tuple(k for k, _ in values)
        if have != keys:
            skipped.append(_misplaced(name, _join(folder, entry.path), have, keys))
            continue
        groups[values].append(Entry(_join(folder, entry.path), False, entry.size))
        unit_dirs.setdefault(values, _join(folder, "/".join(entry.parts[: len(keys)])))

    units = tuple(Unit(unit_dirs[v], v, tuple(fs)) for v, fs in sorted(groups.items()))
    for path in _empty_dirs(entries):
        reason = "empty folder: nothing to register"
        skipped.append(Skip(name, _join(folder, path), "empty", reason))
    return Dataset(name, folder, keys, units, tuple(skipped))


def _empty_dirs(entries: Sequence[Entry]) -> list[str]:
    """Folders with nothing below them."""
    parents = {"/".join(e.parts[:i]) for e in entries for i in range(1, len(e.parts))}
    return sorted(e.path for e in entries if e.is_dir and e.path not in parents)


def _misplaced(table: str, path: str, have: tuple[str, ...], keys: tuple[str, ...]) -> Skip:
    if keys and not have:
        why = f"file outside the partition folders ({', '.join(keys)}) of the table"
    elif not keys:
        why = f"in partition folders ({', '.join(have)}) but the table's files are not"
    else:
        why = f"partition folders ({', '.join(have)}) differ from the table's ({', '.join(keys)})"
    return Skip(table, path, "layout", why)
