"""``vts contracts``: the event contract — list the event types, export JSON Schemas."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from vts.cli.console import Output, add_command, add_output_options
from vts.contract import EVENT_TYPES
from vts.contract.jsonschema import export

EPILOG = """examples:
  vts contracts list                      the five event types and their Kafka keys
  vts contracts show gps_data             one event type's fields and rules
  vts contracts export schemas/           write <event type>.schema.json for producers
"""


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "contracts",
        help="the event contract: list, show, export JSON Schemas",
        description="The five event types, defined once in vts.contract.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    verbs = parser.add_subparsers(dest="verb", metavar="VERB", required=True)

    p = add_command(verbs, "list", "list the event types", EPILOG)
    add_output_options(p)
    p.set_defaults(func=_list)

    p = add_command(verbs, "show", "show one event type's fields", EPILOG)
    p.add_argument("event_type", choices=sorted(EVENT_TYPES))
    add_output_options(p)
    p.set_defaults(func=_show)

    p = add_command(verbs, "export", "write JSON Schema documents to DIR", EPILOG)
    p.add_argument("directory", type=Path, help="folder to write into (created if missing)")
    add_output_options(p)
    p.set_defaults(func=_export)


def _list(args: argparse.Namespace, out: Output) -> int:
    out.table(
        [
            {
                "event_type": et.name,
                "kafka_key": et.key_field,
                "fields": len(et.fields),
                "description": et.description,
            }
            for et in EVENT_TYPES.values()
        ]
    )
    return 0


def _show(args: argparse.Namespace, out: Output) -> int:
    et = EVENT_TYPES[args.event_type]
    rows = []
    for f in et.fields:
        rules = []
        if f.minimum is not None or f.maximum is not None:
            rules.append(f"{f.minimum:g}..{f.maximum:g}")
        if f.enum:
            rules.append("|".join(f.enum))
        if f.uuid:
            rules.append("uuid")
        rows.append(
            {
                "field": f.name,
                "type": f.type,
                "required": f.required,
                "unit": f.unit,
                "rules": " ".join(rules),
                "description": f.description,
            }
        )
    out.table(rows)
    return 0


def _export(args: argparse.Namespace, out: Output) -> int:
    paths = export(args.directory)
    out.table([{"event_type": p.name.split(".")[0], "path": str(p)} for p in paths])
    return 0
