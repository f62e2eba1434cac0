"""A small interpreter of Amazon States Language, for the template's own state machines.

Step Functions cannot run here. ``Run`` interprets a definition with exactly the state
types, paths and intrinsic functions the template uses (anything else fails the test that
meets it), with every Task answered by the test, so a test can see what an execution does:
which calls it makes, how long it waits, where it ends.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from typing import Any

Answer = Callable[[dict[str, Any]], Any]
CONTEXT = {"StateMachine": {"Id": "arn:aws:states:us-east-1:123456789012:stateMachine:m"}}


class TaskFailed(Exception):
    """What a test's task answer raises to fail the Task with an ASL error name."""

    def __init__(self, error: str) -> None:
        super().__init__(error)
        self.error = error


def _path(document: Any, path: str, context: dict[str, Any]) -> Any:
    if path.startswith("$$."):
        document, path = context, "$" + path[2:]
    assert path.startswith("$"), path
    value = document
    for key, index, field, wanted in re.findall(
        r"\.(\w+)|\[(\d+)\]|\[\?\(@\.(\w+) == '([^']*)'\)\]", path[1:]
    ):
        if key:
            value = value[key]
        elif index:
            value = value[int(index)]
        else:
            value = [item for item in value if item.get(field) == wanted]
    return value


def _split_args(text: str) -> list[str]:
    """Top-level comma-separated arguments (a nested call keeps its commas)."""
    args, depth, current = [], 0, ""
    for char in text:
        if char == "," and depth == 0:
            args.append(current.strip())
            current = ""
            continue
        depth += {"(": 1, ")": -1}.get(char, 0)
        current += char
    return [*args, current.strip()]


INTRINSICS: dict[str, Callable[..., Any]] = {
    "States.ArrayLength": lambda items: len(items),
    "States.MathAdd": lambda a, b: a + b,
    "States.ArrayRange": lambda start, end, step: list(range(start, end + 1, step)),
}


def _expression(spec: str, document: Any, context: dict[str, Any]) -> Any:
    """A path, an intrinsic function call (nested calls allowed) or an integer literal."""
    call = re.fullmatch(r"(States\.\w+)\((.*)\)", spec)
    if call is not None:
        args = [_expression(a, document, context) for a in _split_args(call.group(2))]
        return INTRINSICS[call.group(1)](*args)
    if re.fullmatch(r"-?\d+", spec):
        return int(spec)
    return _path(document, spec, context)


def _value(template: Any, document: Any, context: dict[str, Any]) -> Any:
    """Parameters, ResultSelector, ItemSelector: keys ending in .$ are evaluated."""
    if not isinstance(template, dict):
        return template
    out = {}
    for key, spec in template.items():
        if key.endswith(".$"):
            out[key[:-2]] = _expression(spec, document, context)
        else:
            out[key] = _value(spec, document, context)
    return out


def _set(document: Any, path: str | None, result: Any) -> Any:
    if path is None:
        return document
    if path == "$":
        return result
    document = copy.deepcopy(document)
    target = document
    *parents, last = path[2:].split(".")
    for part in parents:
        target = target.setdefault(part, {})
    target[last] = result
    return document


def _matches(choice: dict[str, Any], document: Any, context: dict[str, Any]) -> bool:
    if "IsPresent" in choice:
        try:
            _path(document, choice["Variable"], context)
            present = True
        except (KeyError, IndexError):
            present = False
        return present is choice["IsPresent"]
    value = _path(document, choice["Variable"], context)
    if "NumericGreaterThan" in choice:
        return bool(value > choice["NumericGreaterThan"])
    raise AssertionError(f"choice {choice} is not interpreted here")


class Run:
    """Executions of one definition; ``tasks`` answers each Task by its resource."""

    def __init__(self, definition: dict[str, Any], tasks: dict[str, Answer]) -> None:
        self.definition = definition
        self.tasks = tasks
        self.waits: list[int] = []
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def __call__(self, event: Any) -> str:
        """Run the definition on ``event``; the name of the state it ended in."""
        return self._execute(self.definition, event, CONTEXT)[0]

    def _execute(
        self, machine: dict[str, Any], document: Any, context: dict[str, Any]
    ) -> tuple[str, Any]:
        name = machine["StartAt"]
        for _ in range(500):
            state = machine["States"][name]
            kind = state["Type"]
            if kind == "Succeed":
                return name, document
            if kind == "Choice":
                nexts = [c["Next"] for c in state["Choices"] if _matches(c, document, context)]
                name = nexts[0] if nexts else state["Default"]
                continue
            if kind == "Pass":
                result = (
                    _value(state["Parameters"], document, context)
                    if "Parameters" in state
                    else state["Result"]
                )
                document = _set(document, state["ResultPath"], result)
            elif kind == "Wait":
                seconds = state.get("Seconds")
                if seconds is None:
                    seconds = _path(document, state["SecondsPath"], context)
                self.waits.append(int(seconds))
            elif kind == "Task":
                params = _value(state["Parameters"], document, context)
                self.calls.append((state["Resource"], params))
                try:
                    raw = self.tasks[state["Resource"]](params)
                except TaskFailed as failure:
                    (catch,) = [c for c in state["Catch"] if failure.error in c["ErrorEquals"]]
                    name = catch["Next"]
                    continue
                if "ResultSelector" in state:
                    raw = _value(state["ResultSelector"], raw, context)
                document = _set(document, state.get("ResultPath", "$"), raw)
            elif kind == "Map":
                outputs = []
                items = _path(document, state["ItemsPath"], context)
                for index, item in enumerate(items):
                    element = {**context, "Map": {"Item": {"Index": index, "Value": item}}}
                    selected = _value(state["ItemSelector"], document, element)
                    outputs.append(self._execute(state["ItemProcessor"], selected, element)[1])
                document = _set(document, state.get("ResultPath", "$"), outputs)
            else:
                raise AssertionError(f"state type {kind} is not interpreted here")
            if state.get("End"):
                return name, document
            name = state["Next"]
        raise AssertionError("the execution never ends")


def definition(stack: Any, logical: str) -> dict[str, Any]:
    """A state machine's definition from the resolved stack, DefinitionSubstitutions applied."""
    machine = stack.props(logical)
    text = json.dumps(machine["Definition"])
    for name, value in machine.get("DefinitionSubstitutions", {}).items():
        text = text.replace("${" + name + "}", str(value))
    return dict(json.loads(text))
