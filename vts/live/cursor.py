"""The change feed's cursor: ``<epoch>.<sequence>``, opaque to clients.

The sequence is the store's change counter (one step per change, assigned on the
server); the epoch is a random word the store picks when it is first written, so a
cursor from a store that was emptied since cannot be mistaken for a position in it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_FORM = re.compile(r"^([0-9a-f]{1,32})\.([0-9]{1,18})$")


@dataclass(frozen=True)
class Cursor:
    epoch: str
    seq: int

    def __str__(self) -> str:
        return f"{self.epoch}.{self.seq}"

    @classmethod
    def parse(cls, text: str) -> Cursor | None:
        """The cursor ``text`` spells, or ``None`` if it is not one."""
        match = _FORM.match(text)
        if match is None:
            return None
        return cls(match.group(1), int(match.group(2)))
