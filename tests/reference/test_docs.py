"""docs/reference.md's column tables are the schema's (``vts.reference.schema``)."""

from __future__ import annotations

import re
from pathlib import Path

from vts.reference.schema import TABLES

DOC = Path(__file__).resolve().parents[2] / "docs" / "reference.md"


def _tables(text: str) -> dict[str, list[tuple[str, str, str]]]:
    """Each ``## `name` `` section's ``| `column` | type | meaning |`` rows."""
    found: dict[str, list[tuple[str, str, str]]] = {}
    section = None
    for line in text.splitlines():
        if m := re.match(r"^## `(\w+)`", line):
            section = m.group(1)
            found[section] = []
        elif section and (m := re.match(r"^\| `(\w+)` \| (\w+) \| (.+) \|$", line)):
            found[section].append((m.group(1), m.group(2), m.group(3)))
    return found


def test_the_doc_lists_every_column_as_the_schema_defines_it() -> None:
    documented = _tables(DOC.read_text(encoding="utf-8"))
    assert set(documented) == {t.name for t in TABLES}
    for table in TABLES:
        assert documented[table.name] == [(c.name, c.type, c.meaning) for c in table.columns]
