"""The simulator's layers, as docs/simulator.md lays them out: its entry points use its
outputs, the outputs use the model, the model makes events; all may raise its exceptions."""

from __future__ import annotations

from tests.test_architecture import GRAPH

LAYERS = ("simulator.events", "simulator.model", "simulator.outputs", "simulator.entry")


def _layer(module: str) -> int:
    """The module's layer (its index in ``LAYERS``), or one above them all."""
    for n, layer in enumerate(LAYERS):
        if module == layer or module.startswith(layer + "."):
            return n
    return len(LAYERS)


def test_each_layer_imports_only_itself_and_the_layers_below() -> None:
    modules = [m for m in GRAPH if _layer(m) < len(LAYERS)]
    assert {_layer(m) for m in modules} == set(range(len(LAYERS)))
    upward = {
        f"{source} -> {target}"
        for source in modules
        for target in GRAPH[source]
        if target.startswith("simulator") and target != "simulator.exceptions"
        if _layer(target) > _layer(source)
    }
    assert upward == set()
