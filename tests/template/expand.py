"""template.yaml with its ``AWS::LanguageExtensions`` expanded, as CloudFormation expands it
before the SAM transform runs: every ``Fn::ForEach`` loop written out, nothing else resolved.

The expansion is cfn-lint's own (``language_extension``, the transform cfn-lint lints
through), so the wiring tests (``tests.template.cfn``), checkov (``make check-template``
scans this module's output, since checkov does not expand loops) and cfn-lint all read the
same resources. Parameters, conditions and intrinsic functions other than the loops'
identifiers stay as they are: the expansion holds for every parameter value.

    python -m tests.template.expand template.yaml .aws-sam/expanded-template.json
"""

from __future__ import annotations

import copy
import json
import sys
from pathlib import Path
from typing import Any

LANGUAGE_EXTENSIONS = "AWS::LanguageExtensions"
FOR_EACH = "Fn::ForEach::"


class ExpansionError(ValueError):
    """cfn-lint could not expand the template's loops (it says why)."""


def loops(template: dict[str, Any]) -> dict[str, Any]:
    """The template's ``Fn::ForEach`` blocks by their key (Resources, Outputs)."""
    return {
        key: body
        for section in ("Resources", "Outputs")
        for key, body in template.get(section, {}).items()
        if key.startswith(FOR_EACH)
    }


def expand(template: dict[str, Any]) -> dict[str, Any]:
    """``template`` with its loops written out and ``AWS::LanguageExtensions`` taken from
    its ``Transform`` (a fresh copy; a template without the transform comes back as is)."""
    template = copy.deepcopy(template)
    declared = template.get("Transform", [])
    transforms = declared if isinstance(declared, list) else [declared]
    if LANGUAGE_EXTENSIONS not in transforms:
        return template
    from cfnlint.template import Template
    from cfnlint.template.transforms._language_extensions import language_extension

    matches, expanded = language_extension(Template(None, template, ["us-east-1"]))
    if matches or expanded is None:
        raise ExpansionError("; ".join(str(m.message) for m in matches) or "no template")
    expanded = json.loads(json.dumps(expanded))  # cfn-lint's node types -> plain data
    left = [t for t in transforms if t != LANGUAGE_EXTENSIONS]
    if left:
        expanded["Transform"] = left[0] if len(left) == 1 else left
    else:
        expanded.pop("Transform", None)
    if FOR_EACH in json.dumps(expanded):
        raise ExpansionError("a Fn::ForEach is left after the expansion")
    return expanded


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] in ("-h", "--help"):
        print(__doc__.strip().splitlines()[-1].strip(), file=sys.stderr)
        return 2
    from samcli.yamlhelper import yaml_parse

    source, target = (Path(a) for a in argv)
    expanded = expand(dict(yaml_parse(source.read_text())))
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(expanded, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
