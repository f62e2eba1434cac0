"""template.yaml with its ``AWS::LanguageExtensions`` expanded, as CloudFormation expands it
before the SAM transform runs: every ``Fn::ForEach`` loop written out, nothing else resolved.

Each loop is expanded by cfn-lint's own code (``language_extension``, the transform cfn-lint
lints through), so the wiring tests (``tests.template.cfn``), ``sam build`` and checkov
(``make build`` and ``make check-template`` read this module's output: SAM CLI cannot
expand the loops without parameter values, and checkov does not scan what they make) and
cfn-lint all see the same resources. Only the loops go through it (cfn-lint also resolves
lookups it can guess, which a linter may do and a build may not): everything outside them
is left as written, so the expansion holds for every parameter value.

    python -m vts.aws.expand template.yaml .aws-sam/expanded/template.json
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
from pathlib import Path
from typing import Any

LANGUAGE_EXTENSIONS = "AWS::LanguageExtensions"
FOR_EACH = "Fn::ForEach::"
SECTIONS = ("Resources", "Outputs")
# cfn-lint's expansion drops keys whose value is null (a state machine's ResultPath: null,
# which means "discard the result"); nulls cross it as this marker instead.
NULL = "\x00vts-null\x00"


def _swap(node: Any, old: Any, new: Any) -> Any:
    if isinstance(node, dict):
        return {key: _swap(value, old, new) for key, value in node.items()}
    if isinstance(node, list):
        return [_swap(item, old, new) for item in node]
    return new if node is old or (old is not None and node == old) else node


class ExpansionError(ValueError):
    """cfn-lint could not expand the template's loops (it says why)."""


def loops(template: dict[str, Any]) -> dict[str, Any]:
    """The template's ``Fn::ForEach`` blocks by their key (Resources, Outputs)."""
    return {
        key: body
        for section in SECTIONS
        for key, body in template.get(section, {}).items()
        if key.startswith(FOR_EACH)
    }


def _check_maps(node: Any, identifiers: frozenset[str], where: str) -> None:
    """A loop body's Fn::FindInMap may look up only literals and the loops' identifiers:
    cfn-lint would resolve a lookup keyed on a parameter to one of the map's values."""
    if isinstance(node, list):
        for item in node:
            _check_maps(item, identifiers, where)
        return
    if not isinstance(node, dict):
        return
    for key, value in node.items():
        if key.startswith(FOR_EACH) and isinstance(value, list) and len(value) == 3:
            _check_maps(value[2], identifiers | {value[0]}, where)
            continue
        if key == "Fn::FindInMap":
            for part in value[:3]:
                literal = isinstance(part, str)
                looped = isinstance(part, dict) and part.get("Ref") in identifiers
                if not (literal or looped):
                    raise ExpansionError(
                        f"{where}: Fn::FindInMap {json.dumps(value)} looks up a value that is "
                        "not the loop's: look it up outside the loop"
                    )
        _check_maps(value, identifiers, where)


def _expand_loop(template: dict[str, Any], section: str, key: str) -> dict[str, Any]:
    from cfnlint.template import Template
    from cfnlint.template.transforms._language_extensions import language_extension

    _check_maps({key: template[section][key]}, frozenset(), key)
    alone = {
        "Transform": LANGUAGE_EXTENSIONS,
        "Parameters": template.get("Parameters", {}),
        "Mappings": template.get("Mappings", {}),
        section: {key: template[section][key]},
    }
    marked = _swap(alone, None, NULL)
    matches, expanded = language_extension(Template(None, marked, ["us-east-1"]))
    if matches or expanded is None:
        raise ExpansionError("; ".join(str(m.message) for m in matches) or f"{key}: no result")
    made: dict[str, Any] = _swap(json.loads(json.dumps(expanded[section])), NULL, None)
    if not made or FOR_EACH in json.dumps(made):
        raise ExpansionError(f"{key}: expanded to {sorted(made)}")
    return made


def expand(template: dict[str, Any]) -> dict[str, Any]:
    """``template`` with its loops written out where they stand and
    ``AWS::LanguageExtensions`` taken from its ``Transform`` (a fresh copy; a template
    without the transform comes back as it is). Only the loops go through cfn-lint's
    expansion: everything else is left exactly as written."""
    template = copy.deepcopy(template)
    declared = template.get("Transform", [])
    transforms = declared if isinstance(declared, list) else [declared]
    if LANGUAGE_EXTENSIONS not in transforms:
        return template
    for section in SECTIONS:
        written: dict[str, Any] = {}
        for key, body in template.get(section, {}).items():
            made = _expand_loop(template, section, key) if key.startswith(FOR_EACH) else {key: body}
            clash = sorted(set(made) & (set(written) | set(template[section])) - {key})
            if key.startswith(FOR_EACH) and clash:
                raise ExpansionError(f"{key} makes {clash}, which the template has already")
            written.update(made)
        if section in template:
            template[section] = written
    left = [t for t in transforms if t != LANGUAGE_EXTENSIONS]
    if left:
        template["Transform"] = left[0] if len(left) == 1 else left
    else:
        template.pop("Transform", None)
    return template


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m vts.aws.expand",
        description="Write template.yaml with its Fn::ForEach loops expanded (what `make build` "
        "builds and `make check-template` checks); nothing else is resolved.",
        epilog="example: python -m vts.aws.expand template.yaml .aws-sam/expanded/template.json",
    )
    parser.add_argument("source", type=Path, help="the SAM template (YAML)")
    parser.add_argument("target", type=Path, help="where to write the expanded template (JSON)")
    args = parser.parse_args(argv)
    from samcli.yamlhelper import yaml_parse

    try:
        text = args.source.read_text()
    except OSError as exc:
        print(
            f"error: cannot read the template: {exc}\n  what to do: name an existing file",
            file=sys.stderr,
        )
        return 1
    try:
        expanded = expand(dict(yaml_parse(text)))
    except ExpansionError as exc:
        print(f"error: {exc}\n  what to do: fix the loop it names", file=sys.stderr)
        return 1
    args.target.parent.mkdir(parents=True, exist_ok=True)
    args.target.write_text(json.dumps(expanded, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
