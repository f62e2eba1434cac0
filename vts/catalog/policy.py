"""What the crawler does when new files bring columns the catalog table lacks.

Like the Glue crawler's schema-change policy: ``add-columns`` updates the table
(Glue's "update the table definition"), ``log`` keeps the table as it is and registers the
data anyway (Glue's "ignore the change"; the new columns stay invisible until added), and
``fail`` registers nothing that would change the schema and makes the crawl fail.

Only added columns are a schema *change*: files that lack a column read as NULL, and a
column whose type differs is incompatible under every policy (see ``schema_infer``).
"""

from __future__ import annotations

from enum import StrEnum

from vts.exceptions import ConfigError


class SchemaPolicy(StrEnum):
    ADD_COLUMNS = "add-columns"
    LOG = "log"
    FAIL = "fail"

    @classmethod
    def parse(cls, value: str | SchemaPolicy) -> SchemaPolicy:
        try:
            return cls(value)
        except ValueError:
            choices = ", ".join(p.value for p in cls)
            raise ConfigError(
                f"unknown schema-change policy {value!r}", hint=f"use one of {choices}"
            ) from None
