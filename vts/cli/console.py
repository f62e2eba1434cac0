"""The one output layer of the CLI: text tables or JSON, progress on stderr.

Commands build plain Python values (dicts, lists of rows) and hand them to ``Output``;
they never print directly, so ``--format json`` works everywhere.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Mapping, Sequence
from typing import Any, TextIO


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:,.3f}" if abs(value) < 1000 else f"{value:,.0f}"
    return str(value)


def add_command(sub: Any, name: str, help_text: str, epilog: str, **kw: Any) -> Any:
    """A sub-command whose ``--help`` ends with the module's examples (kept as written)."""
    return sub.add_parser(
        name,
        help=help_text,
        epilog=epilog,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        **kw,
    )


def add_output_options(parser: argparse.ArgumentParser) -> None:
    """Let a sub-command take ``--format`` too (``vts local status --format json``)."""
    parser.add_argument(
        "--format",
        choices=("text", "json", "csv"),
        default=argparse.SUPPRESS,
        help="output format (default: text)",
    )


class Output:
    """Render results as ``text`` (aligned tables) or ``json``."""

    def __init__(self, fmt: str = "text", stream: TextIO | None = None) -> None:
        if fmt not in ("text", "json", "csv"):
            raise ValueError(f"unknown output format {fmt!r}")
        self.fmt = fmt
        self.stream = stream or sys.stdout

    def message(self, text: str) -> None:
        """A human message: stdout in text mode, stderr in JSON/CSV mode (keeps JSON clean).

        Flushed at once: through a pipe (``| tee``, a supervisor, a test) stdout is block
        buffered, and a message such as a server's URL must not wait for the process to end.
        """
        print(text, file=self.stream if self.fmt == "text" else sys.stderr, flush=True)

    def record(self, data: Mapping[str, Any], title: str | None = None) -> None:
        """One object: key/value lines, or a JSON object."""
        if self.fmt == "json":
            print(json.dumps(data, default=str, indent=2), file=self.stream)
            return
        if title:
            print(title, file=self.stream)
        width = max((len(k) for k in data), default=0)
        for key, value in data.items():
            shown = json.dumps(value, default=str) if isinstance(value, dict | list) else value
            print(f"  {key.ljust(width)}  {_cell(shown)}", file=self.stream)

    def table(
        self, rows: Sequence[Mapping[str, Any]], columns: Sequence[str] | None = None
    ) -> None:
        """Rows as an aligned table, CSV, or a JSON list."""
        cols = list(columns or (rows[0].keys() if rows else []))
        if self.fmt == "json":
            print(json.dumps([dict(r) for r in rows], default=str, indent=2), file=self.stream)
            return
        if self.fmt == "csv":
            import csv

            writer = csv.DictWriter(self.stream, fieldnames=cols, extrasaction="ignore")
            writer.writeheader()
            writer.writerows(rows)
            return
        cells = [[_cell(r.get(c)) for c in cols] for r in rows]
        widths = [max([len(c)] + [len(row[i]) for row in cells]) for i, c in enumerate(cols)]
        print("  ".join(c.ljust(w) for c, w in zip(cols, widths, strict=True)), file=self.stream)
        print("  ".join("-" * w for w in widths), file=self.stream)
        for row in cells:
            print("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)), file=self.stream)


class Progress:
    """A small progress bar on stderr (silent when stderr is not a terminal, unless forced).

    Long work reports through this, so users see it is moving.
    """

    def __init__(
        self, total: float, label: str, *, unit: str = "", enabled: bool | None = None
    ) -> None:
        self.total = max(total, 1e-9)
        self.label = label
        self.unit = unit
        self.done = 0.0
        self.enabled = sys.stderr.isatty() if enabled is None else enabled
        self._start = time.monotonic()
        self._last = 0.0

    def update(self, done: float, extra: str = "") -> None:
        self.done = done
        now = time.monotonic()
        if not self.enabled or (now - self._last < 0.2 and done < self.total):
            return
        self._last = now
        frac = min(done / self.total, 1.0)
        bar = "#" * int(frac * 30)
        print(
            f"\r{self.label} [{bar:<30}] {frac * 100:5.1f}% {extra}",
            end="",
            file=sys.stderr,
            flush=True,
        )

    def close(self) -> None:
        if self.enabled:
            self.update(self.total)
            print(file=sys.stderr, flush=True)
