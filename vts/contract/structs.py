"""msgspec ``Struct`` types generated from the contract: a compiled decoder per event type.

``event_struct(et)`` is a current-version message of ``et`` as msgspec sees it: every
field typed, ``Meta`` constraints from the ``Field`` (bounds, lengths; a UUID's length),
enums as ``Literal``, ``schema_version`` fixed to the current version, unknown fields
forbidden. One ``decoder(et).decode(raw)`` call (C code) parses and checks a message.

The decoder is a *filter*, not a second rule book: it may refuse messages the contract
accepts (``2024.0`` for a whole number, ``1.0`` for the version, a tutorial message, a
duplicated key), because every refused message goes to the exact validator
(``vts.contract.normalise.parse_message``) for its verdict and reason. It must never
accept one the contract refuses; ``ts`` is therefore only typed as a string here and is
judged by the contract's own time rule, and UUIDs get their pattern checked column-wise
(both in ``vts.contract.fast``).
"""

from __future__ import annotations

from functools import cache
from typing import Annotated, Any, Literal

from vts.contract.events import CURRENT_SCHEMA_VERSION, EventType
from vts.contract.fields import Field
from vts.exceptions import NotInstalledError

try:
    import msgspec
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise NotInstalledError("msgspec", extra="spark") from exc

UUID_LENGTH = 36


def _annotation(f: Field) -> Any:
    if f.name == "schema_version":
        return Literal[CURRENT_SCHEMA_VERSION]
    if f.type == "timestamp":
        return str
    if f.type == "string":
        if f.enum is not None:
            if f.max_length is not None and max(map(len, f.enum)) > f.max_length:
                raise ValueError(f"{f.name}: an allowed value is longer than max_length")
            return Literal[f.enum]
        if f.uuid:
            # the canonical form's length; its pattern is checked over the whole column
            # (``vts.contract.fast``), which is cheaper than a regex call per message
            return Annotated[str, msgspec.Meta(min_length=UUID_LENGTH, max_length=UUID_LENGTH)]
        return Annotated[str, msgspec.Meta(max_length=f.max_length)]
    python_type = float if f.type == "double" else int
    if f.minimum is None and f.maximum is None:
        return python_type
    low = None if f.minimum is None else python_type(f.minimum)
    high = None if f.maximum is None else python_type(f.maximum)
    return Annotated[python_type, msgspec.Meta(ge=low, le=high)]


@cache
def event_struct(et: EventType) -> type[msgspec.Struct]:
    """The ``Struct`` type of ``et``'s current-version messages (fields in contract order)."""
    fields: list[tuple[str, Any] | tuple[str, Any, Any]] = []
    for f in et.fields:
        annotation = _annotation(f)
        fields.append((f.name, annotation) if f.required else (f.name, annotation | None, None))
    # required fields first: msgspec (like dataclasses) wants defaults last
    fields.sort(key=len)
    return msgspec.defstruct(
        "".join(part.title() for part in et.name.split("_")),
        fields,
        forbid_unknown_fields=True,
        gc=False,
    )


@cache
def decoder(et: EventType) -> msgspec.json.Decoder[Any]:
    """A reusable JSON decoder into ``event_struct(et)``."""
    return msgspec.json.Decoder(event_struct(et))
