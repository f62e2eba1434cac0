"""What both sides of the live store share: the client, the keys of one prefix (their
layout is ``vts.live.store``'s docstring), the Lua scripts, the errors a call raises, and
the sweep that every write and every read runs first. ``StoreReads``
(``vts.live.store_reads``) builds the read side on it, ``LiveStore`` (``vts.live.store``)
the write side on that."""

from __future__ import annotations

import uuid
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any, Self

from vts.live.exceptions import StoreError, StoreUnavailableError
from vts.live.settings import LiveSettings

if TYPE_CHECKING:
    import redis

SWEEP_LIMIT = 10_000  # removals per sweep


@cache
def _lua(name: str) -> str:
    return resources.files("vts.live").joinpath("lua", f"{name}.lua").read_text()


class StoreCore:
    """One key prefix on one server (``client`` from ``connection``)."""

    def __init__(self, client: redis.Redis, settings: LiveSettings, *, url: str = "") -> None:
        self.client = client
        self.settings = settings
        self.url = url or settings.url
        p = "{" + settings.prefix + "}:"
        self.prefix = p
        self.k = {
            name: p + name
            for name in (
                "seq",
                "geo",
                "last",
                "feed",
                "gone",
                "floor",
                "epoch",
                "meta",
                "incidents",
                "active",
                "vj",
                "k",
            )
        }
        self._scripts = {
            name: client.register_script(_lua(name))
            for name in ("write_vehicles", "write_incidents", "sweep", "snapshot", "changes")
        }
        self._new_epoch = uuid.uuid4().hex[:12]

    @classmethod
    def connect(cls, settings: LiveSettings) -> Self:
        from vts.live.connection import connect

        return cls(connect(settings), settings)

    # ---- errors -------------------------------------------------------------------------
    def _call(self, what: str, fn: Any, *args: Any) -> Any:
        import redis

        try:
            return fn(*args)
        except (redis.ConnectionError, redis.TimeoutError) as exc:
            raise StoreUnavailableError(self._where(), str(exc)) from exc
        except redis.RedisError as exc:
            raise StoreError(
                f"the live store refused {what}: {exc}",
                hint="check VTS_LIVE_URL's user and its permissions (ACL), and the server log",
            ) from exc

    def _where(self) -> str:
        from vts.live.connection import redacted

        return redacted(self.url)

    def _sweep(self, pipe: Any) -> None:
        s, k = self.settings, self.k
        keys = [
            k[n]
            for n in (
                "seq",
                "geo",
                "last",
                "feed",
                "gone",
                "floor",
                "incidents",
                "active",
                "vj",
                "k",
            )
        ]
        args: list[Any] = [
            self.prefix,
            str(round(s.silence_s * 1000)),
            str(round(s.incident_ttl_s * 1000)),
            SWEEP_LIMIT,
            s.removed_kept,
        ]
        self._scripts["sweep"](keys=keys, args=args, client=pipe)

    def sweep(self) -> tuple[int, int]:
        """Remove the vehicles silent for longer than ``silence_s`` (and stale incidents);
        ``(vehicles removed, incidents dropped)``."""

        def run() -> tuple[int, int]:
            pipe = self.client.pipeline(transaction=False)
            self._sweep(pipe)
            removed, dropped = pipe.execute()[0]
            return int(removed), int(dropped)

        result: tuple[int, int] = self._call("a sweep", run)
        return result

    def close(self) -> None:
        """Close the client's connections."""
        self.client.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
