"""The analytics in ``sql/analytics`` (and other SQL files in ``sql/``), found by name.

The ``sql/`` folder sits at the top of the repository, next to this package
(``VTS_SQL_DIR`` points elsewhere). ``resolve`` turns what a user typed into a template:
a path to a ``.sql`` file, an analytic's name (``latest_position``), or SQL text.
"""

from __future__ import annotations

import re
from pathlib import Path

from vts.query.exceptions import QueryNotFoundError
from vts.query.template import SqlTemplate
from vts.settings import env

_SQL_WORDS = (
    "select",
    "with",
    "show",
    "describe",
    "desc",
    "explain",
    "set",
    "use",
    "create",
    "alter",
    "drop",
    "msck",
    "refresh",
    "cache",
    "values",
    "(",
)


def sql_dir() -> Path:
    """The repository's ``sql/`` folder (``VTS_SQL_DIR`` overrides)."""
    configured = env("SQL_DIR")
    return Path(configured) if configured else Path(__file__).resolve().parents[2] / "sql"


def analytics_dir() -> Path:
    return sql_dir() / "analytics"


def list_analytics() -> list[SqlTemplate]:
    """Every ``sql/analytics/*.sql``, sorted by name."""
    folder = analytics_dir()
    return [SqlTemplate.from_file(p) for p in sorted(folder.glob("*.sql"))]


def resolve(target: str) -> SqlTemplate:
    """A ``.sql`` file, an analytic by name, or SQL text, as a template."""
    if target.strip().lower().startswith(_SQL_WORDS):
        return SqlTemplate.parse(target, "query")
    if re.fullmatch(r"\w+", target):
        named = analytics_dir() / f"{target}.sql"
        if named.is_file():
            return SqlTemplate.from_file(named)
    path = Path(target)
    if path.is_file():
        return SqlTemplate.from_file(path)
    raise QueryNotFoundError(target, [t.name for t in list_analytics()])
