"""What ``make build`` (``sam build``) produced, for the tests that read it.

Nothing is built at test time: ``make test`` runs ``make build`` first. A test that needs
the build calls ``sam_build()``, which fails it, naming the target, when the output is
missing or older than the sources it ships.
"""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
BUILD = REPO / ".aws-sam" / "build"
BUILT_TEMPLATE = BUILD / "template.yaml"
CODE_LAYER = BUILD / "CodeLayer"
MISSING = "the build is missing: run `make build` (sam build -> .aws-sam/build)"


def sam_build(*needed: Path) -> Path:
    """The ``sam build`` output folder, or fail the calling test naming `make build`.

    ``needed``: paths the test reads from the build (default: the built template)."""
    for path in needed or (BUILT_TEMPLATE,):
        if not path.exists():
            pytest.fail(f"{MISSING}: {path.relative_to(REPO)} is absent", pytrace=False)
    return BUILD


def stale(what: str) -> str:
    """The message for a build older than the working tree's ``what``."""
    return f"the build is stale: run `make build` (the built {what} differs from the sources)"
