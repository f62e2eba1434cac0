"""Live alerts to an Amazon EventBridge event bus, at least once, in the feed's order.

The alert feed (``vts.live.alerts``: ``{p}:afeed``, every new or updated alert by a
sequence) is the outbox: ``publish_pending`` reads what changed after the cursor it keeps
in ``{p}:apub``, sends it with ``PutEvents`` and only then moves the cursor. A publisher
killed between the two sends those alerts again next time; one that finds another
publishing (``{p}:apublock``, held for at most ``LOCK_MS``) leaves it to that one, so
concurrent invocations do not send the same page twice. Every version of an alert is sent:
raised (``status`` active), each update while it lasts (its ``end_ts`` so far), ended; a
receiver tells a repeat by ``alert_id``, ``status`` and ``end_ts`` (all deterministic: a
resent version is the same event), and a rule that wants one message per alert matches
``detail.raised`` ``true``: the first version of an alert the publisher sends (its raise
was after the cursor), sent once unless the publisher died before moving its cursor, or
``detail.status`` ``ended``. The event: ``Source`` ``vts.live``, ``DetailType``
``vts alert``, ``Detail`` the alert as ``GET /alerts`` serves it, with ``raised``. A rule
on the bus can match ``detail.alert`` (e.g. ``overspeed``) and send it on (the stack's
alarm topic, by email).

``PutEvents`` takes at most 10 entries and 256 KB a call (an entry's size: its
``Source``, ``DetailType``, ``Detail`` and ``Resources`` in UTF-8), so entries are sent in
batches within both. It may accept a call yet refuse some entries (``FailedEntryCount``,
an ``ErrorCode`` per refused entry, e.g. throttling): those, and only those, are sent
again, up to ``ATTEMPTS`` times with a growing pause; what is still refused raises
``PublishError`` and the cursor stays where the page began.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from typing import Any

from vts.live.alerts import LiveAlerts
from vts.live.cursor import Cursor
from vts.live.exceptions import PublishError

logger = logging.getLogger(__name__)

SOURCE = "vts.live"
DETAIL_TYPE = "vts alert"
PUT_LIMIT = 10  # entries per PutEvents call
PUT_MAX_BYTES = 256 * 1024  # per PutEvents call
ATTEMPTS = 4  # sends of an entry EventBridge keeps refusing
PAUSE_S = 0.2  # before the first resend; doubled each time
LOCK_MS = 60_000


def entry_size(entry: dict[str, Any]) -> int:
    """An entry's size as EventBridge counts it (AWS: "Calculating PutEvents event entry
    size")."""
    size = sum(len(entry[k].encode()) for k in ("Source", "DetailType", "Detail"))
    return size + sum(len(r.encode()) for r in entry.get("Resources", ()))


def batches(entries: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """``entries`` in order, in calls of at most ``PUT_LIMIT`` and ``PUT_MAX_BYTES``."""
    out: list[list[dict[str, Any]]] = []
    size = 0
    for entry in entries:
        n = entry_size(entry)
        if not out or len(out[-1]) == PUT_LIMIT or size + n > PUT_MAX_BYTES:
            out.append([])
            size = 0
        out[-1].append(entry)
        size += n
    return out


class EventBridgePublisher:
    """``PutEvents`` to one bus (``client``: a boto3 ``events`` client)."""

    def __init__(self, client: Any, bus_name: str, *, pause_s: float = PAUSE_S) -> None:
        self.client = client
        self.bus_name = bus_name
        self.pause_s = pause_s

    def entry(self, alert: dict[str, Any]) -> dict[str, Any]:
        return {
            "Source": SOURCE,
            "DetailType": DETAIL_TYPE,
            "EventBusName": self.bus_name,
            "Detail": json.dumps(alert, sort_keys=True),
            "Resources": [],
        }

    def put(self, alerts: list[dict[str, Any]]) -> None:
        """Send the alerts; raise ``PublishError`` naming an entry still refused after
        ``ATTEMPTS`` sends (the caller keeps its cursor, so they are sent again)."""
        for batch in batches([self.entry(a) for a in alerts]):
            self._put(batch)

    def _put(self, pending: list[dict[str, Any]]) -> None:
        pause = self.pause_s
        for attempt in range(1, ATTEMPTS + 1):
            reply = self.client.put_events(Entries=pending)
            if not reply.get("FailedEntryCount"):
                return
            refused = [
                (entry, result)
                for entry, result in zip(pending, reply["Entries"], strict=True)
                if result.get("ErrorCode")
            ]
            pending = [entry for entry, _ in refused]
            code, message = refused[0][1].get("ErrorCode"), refused[0][1].get("ErrorMessage")
            logger.warning(
                "EventBridge refused %d of the alerts (%s), attempt %d", len(pending), code, attempt
            )
            if attempt < ATTEMPTS:
                time.sleep(pause)
                pause *= 2
        raise PublishError(
            f"EventBridge refused {len(pending)} alert(s) {ATTEMPTS} times: {code} {message}",
            hint=f"check the bus {self.bus_name!r} exists and the role may PutEvents on it; "
            "they are sent again with the next batch",
        )


_UNLOCK = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


def publish_pending(feed: LiveAlerts, publisher: EventBridgePublisher) -> int:
    """Send every alert changed since the last call; the number sent (0 as well when
    another publisher holds the lock: it sends them)."""
    key, lock = feed.store.prefix + "apub", feed.store.prefix + "apublock"
    client = feed.store.client
    token = uuid.uuid4().hex
    if not client.set(lock, token, nx=True, px=LOCK_MS):
        return 0
    try:
        text = client.get(key)
        cursor = Cursor.parse(str(text)) if text else None
        sent = 0
        while True:
            page = feed.after(cursor)
            alerts = json.loads(page.alerts_json)
            since = 0 if page.reset or cursor is None else cursor.seq
            for alert, raised in zip(
                alerts, feed.raised_after([a["alert_id"] for a in alerts], since), strict=True
            ):
                alert["raised"] = raised
            if alerts:
                publisher.put(alerts)
                sent += len(alerts)
            client.set(key, str(page.cursor))
            cursor = page.cursor
            if not alerts:
                return sent
    finally:
        client.eval(_UNLOCK, 1, lock, token)
