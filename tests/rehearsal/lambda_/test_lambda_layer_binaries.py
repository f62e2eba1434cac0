"""Every binary in every built layer loads on the Lambda python3.11 runtime's OS.

That runtime is Amazon Linux 2: glibc 2.26, and the template's architecture (x86_64). A
shared object needing a newer glibc symbol version (or built for another machine) fails
there with an ImportError at the function's first import, which no test on this machine's
newer glibc can see; the check reads each ELF file's required GLIBC_x.y versions instead.
"""

from __future__ import annotations

from pathlib import Path

import confluent_kafka
import pytest

from tests.rehearsal.lambda_.elf import is_elf, read_elf
from tests.rehearsal.lambda_.harness import BuiltStack

pytestmark = pytest.mark.integration
AMAZON_LINUX_2_GLIBC = (2, 26)


def binaries(folder: Path) -> list[Path]:
    return sorted(
        p for p in folder.rglob("*") if p.is_file() and p.stat().st_size > 4 and is_elf(p)
    )


def test_every_layer_binary_runs_on_glibc_2_26_and_the_templates_architecture(
    built_stack: BuiltStack,
) -> None:
    architectures = {a for f in built_stack.functions.values() for a in f.architectures}
    assert architectures == {"x86_64"}
    checked = []
    for name, layer in built_stack.layers.items():
        for path in binaries(layer):
            info = read_elf(path)
            where = f"{name}: {path.relative_to(layer)}"
            assert info.machine == "x86_64", f"{where} is built for {info.machine}"
            assert info.glibc is None or info.glibc <= AMAZON_LINUX_2_GLIBC, (
                f"{where} needs GLIBC_{'.'.join(map(str, info.glibc))}, Amazon Linux 2 has 2.26"
            )
            checked.append(path.name)
            if path.parent.name == "msgspec":
                checked.append(f"msgspec/{path.name}")
    # the layer's compiled packages are there to be checked (an empty scan proves nothing)
    assert any(n.startswith("cimpl.") for n in checked)  # confluent-kafka
    assert any(n.startswith("librdkafka") for n in checked)
    assert any(n.startswith("_multiarray_umath.") for n in checked)  # numpy
    assert any(n.startswith("msgspec/_core.") for n in checked)  # the live path's decoder


def test_the_check_sees_a_binary_that_needs_a_newer_glibc() -> None:
    """The dev venv's confluent-kafka (manylinux_2_28) is what the layer must not ship."""
    package = Path(confluent_kafka.__file__).parent
    newest = max(
        read_elf(p).glibc or (0,)
        for p in binaries(package) + binaries(package.parent / "confluent_kafka.libs")
    )
    assert newest > AMAZON_LINUX_2_GLIBC
