"""Errors of the event contract."""

from __future__ import annotations

from vts.exceptions import TerminalError


class ContractViolation(TerminalError):
    """A message that does not satisfy the contract; ``reason`` is the quarantine reason.

    ``reason`` is a stable, machine-readable code followed by detail, for example
    ``out_of_range: speed_kmh=-3.0 is below 0`` or ``missing_field: vehicle_id``.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(
            reason, hint="the message goes to quarantine with this reason and its raw payload"
        )
        self.reason = reason

    @property
    def code(self) -> str:
        return self.reason.split(":", 1)[0]
