"""Errors of the streaming job (Kafka -> validated, deduplicated Parquet lake)."""

from __future__ import annotations

from vts.exceptions import ConfigError, TerminalError, TransientError

__all__ = ["ConfigError", "JobArgsError", "JobFailedError", "SinkCommitError"]


class JobArgsError(ConfigError):
    """A job argument (Glue ``--name`` or CLI flag) is missing or invalid."""

    def __init__(self, name: str, problem: str, *, hint: str) -> None:
        super().__init__(f"job argument --{name}: {problem}", hint=hint)
        self.name = name


class SinkCommitError(TransientError):
    """Moving a micro-batch's staged files into the lake failed; the batch will be replayed.

    The query stops; restarting it from the checkpoint replays the batch, whose files
    overwrite their own earlier copies (see docs/exactly-once.md).
    """

    def __init__(self, batch_id: int, detail: str) -> None:
        super().__init__(
            f"committing micro-batch {batch_id} to the lake failed: {detail}",
            hint="restart the job: it replays the batch from its checkpoint and overwrites "
            "the batch's own files, so nothing is lost or duplicated",
        )
        self.batch_id = batch_id


class JobFailedError(TerminalError):
    """The streaming query stopped with an error."""

    def __init__(self, detail: str, *, checkpoint: str) -> None:
        super().__init__(
            f"the streaming job stopped: {detail}",
            hint=f"fix the cause and run the job again; it resumes from {checkpoint} without "
            "losing or duplicating events",
        )
        self.checkpoint = checkpoint
