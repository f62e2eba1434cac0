"""The live handler's work on the bench's events, for ``bench.callgrind.run_counted``.

``python -m bench.handler_count EVENTS.json`` reads MSK events (a JSON list), handles
the first uncounted (imports, caches), then counts two stages over the others: reading,
judging and coalescing them (``LiveConsumer.coalesce``), then encoding their writes
(``LiveStore.prepare``), as ``handle`` does with the garbage collector paused; no store
is reached. Prints ``{"records": N}``, the records counted.
"""

from __future__ import annotations

import gc
import json
import sys
from pathlib import Path

from bench import callgrind


def main(argv: list[str]) -> int:
    import redis

    from vts.contract.reader import utc_now
    from vts.live.consumer import BatchReport, LiveConsumer
    from vts.live.esm import read_columns
    from vts.live.settings import LiveSettings
    from vts.live.store import LiveStore

    events = json.loads(Path(argv[0]).read_text())
    url = "redis://127.0.0.1:1/0"  # never connected: prepare does no I/O
    store = LiveStore(redis.Redis.from_url(url), LiveSettings(url=url, prefix="c", silence_s=0))
    consumer = LiveConsumer(store)
    now = utc_now()
    gc.disable()

    def stages(batch: list[dict], counted: bool) -> int:
        columns = [read_columns(event) for event in batch]
        coalesced = [consumer.coalesce(c, now, BatchReport()) for c in columns]
        if counted:
            callgrind.dump()
        for c in coalesced:
            store.prepare(list(c.vehicles.values()), list(c.incidents.values()))
        if counted:
            callgrind.dump()
        return sum(c.count for c in columns)

    stages(events[:1], counted=False)
    callgrind.count_on()
    records = stages(events[1:], counted=True)
    print(json.dumps({"records": records}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
