"""Errors of the chaos harness."""

from __future__ import annotations

from vts.exceptions import TerminalError


class ChaosError(TerminalError):
    """The harness could not set up or drive a run (not a finding about the pipeline)."""
