"""Errors of the storage backends."""

from __future__ import annotations

from vts.exceptions import TerminalError

__all__ = ["LakeNotFoundError"]


class LakeNotFoundError(TerminalError):
    """The lake folder (or S3 prefix) given to a reader does not exist or is not a folder."""

    def __init__(self, uri: str) -> None:
        super().__init__(
            f"no folder at {uri}",
            hint="pass the lake folder (default $VTS_HOME/lake, written by `vts job run`), "
            "a tutorial data folder, or an s3:// / s3a:// prefix",
        )
        self.uri = uri
