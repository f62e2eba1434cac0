"""SQL files with parameters, in a form both Redshift and Spark SQL run after rendering.

A file starts with comment lines: the first ones describe the query, ``-- @param`` lines
declare its parameters (``-- @param radius_km=1.0  description`` has a default,
``-- @param iam_role  description`` is required). The body uses ``${name}``
placeholders; ``${schema}`` is always there, because Redshift Spectrum only reaches
external tables through a qualified name (search_path does not cover external schemas),
so every table is written ``${schema}.vehicle_data``: the Spark database locally, the
external schema on Redshift.

Values are substituted as text, so they must be plain tokens (numbers, dates, names,
ARNs): quotes, semicolons and spaces are refused rather than escaped.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from vts.query.exceptions import ParamError

PLACEHOLDER = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
PARAM_LINE = re.compile(r"^--\s*@param\s+([A-Za-z_]\w*)(?:=(\S*))?\s*(.*)$")
SAFE_VALUE = re.compile(r"^[A-Za-z0-9_.:/@+=,-]+$")
SCHEMA_PARAM = "schema"


@dataclass(frozen=True)
class Param:
    name: str
    default: str | None
    description: str


@dataclass(frozen=True)
class SqlTemplate:
    """A SQL text with its description and declared parameters."""

    name: str
    text: str
    description: str
    params: tuple[Param, ...]

    @classmethod
    def parse(cls, text: str, name: str = "query") -> SqlTemplate:
        description: list[str] = []
        params: list[Param] = []
        for raw in text.splitlines():
            line = raw.strip()
            if not line:
                continue
            if not line.startswith("--"):
                break
            match = PARAM_LINE.match(line)
            if match:
                params.append(Param(match.group(1), match.group(2), match.group(3).strip()))
            elif not params:
                description.append(line.lstrip("-").strip())
        return cls(name, text, " ".join(d for d in description if d), tuple(params))

    @classmethod
    def from_file(cls, path: str | Path) -> SqlTemplate:
        file = Path(path)
        return cls.parse(file.read_text(encoding="utf-8"), file.stem)

    @property
    def placeholders(self) -> set[str]:
        return set(PLACEHOLDER.findall(self.text))

    def render(self, values: Mapping[str, str] | None = None) -> str:
        """The SQL with every ``${name}`` replaced (values, then declared defaults)."""
        given = dict(values or {})
        unused = sorted(set(given) - self.placeholders - {SCHEMA_PARAM})
        if unused:
            raise ParamError(
                f"{self.name} has no parameter {', '.join(unused)}",
                hint=f"its parameters: {', '.join(sorted(self.placeholders)) or 'none'}",
            )
        defaults = {p.name: p.default for p in self.params if p.default is not None}
        resolved = {**defaults, **given}
        missing = sorted(self.placeholders - set(resolved))
        if missing:
            raise ParamError(
                f"{self.name} needs a value for {', '.join(missing)}",
                hint="pass --param " + " --param ".join(f"{m}=VALUE" for m in missing),
            )
        for key in self.placeholders:
            if not SAFE_VALUE.match(resolved[key]):
                raise ParamError(
                    f"parameter {key}={resolved[key]!r} is not a plain value",
                    hint="values are numbers, dates, names or ARNs: no quotes, spaces or ';'",
                )
        return PLACEHOLDER.sub(lambda m: resolved[m.group(1)], self.text)


def split_statements(sql: str) -> list[str]:
    """Split on ``;`` outside quotes and comments; drop empty and comment-only statements."""
    statements: list[str] = []
    current: list[str] = []
    i, n = 0, len(sql)
    quote: str | None = None
    while i < n:
        ch = sql[i]
        if quote:
            current.append(ch)
            if ch == "\\" and i + 1 < n:
                current.append(sql[i + 1])
                i += 2
                continue
            if ch == quote:
                quote = None
        elif ch in "'\"`":
            quote = ch
            current.append(ch)
        elif sql.startswith("--", i):
            end = sql.find("\n", i)
            end = n if end == -1 else end
            current.append(sql[i:end])
            i = end
            continue
        elif sql.startswith("/*", i):
            end = sql.find("*/", i + 2)
            end = n if end == -1 else end + 2
            current.append(sql[i:end])
            i = end
            continue
        elif ch == ";":
            statements.append("".join(current))
            current = []
        else:
            current.append(ch)
        i += 1
    statements.append("".join(current))
    return [s.strip() for s in statements if _has_code(s)]


def _has_code(statement: str) -> bool:
    without_comments = re.sub(r"--[^\n]*|/\*.*?\*/", "", statement, flags=re.S)
    return bool(without_comments.strip())
