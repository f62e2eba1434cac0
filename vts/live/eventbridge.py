"""Live alerts to an Amazon EventBridge event bus, at least once, in the feed's order.

The alert feed (``vts.live.alerts``: ``{p}:afeed``, every new or updated alert by a
sequence) is the outbox: ``publish_pending`` reads what changed after the cursor it keeps
in ``{p}:apub``, sends it with ``PutEvents`` (10 entries a call, the API's limit) and only
then moves the cursor. A publisher killed between the two sends those alerts again next
time. Every version of an alert is sent: raised (``status`` active), each update while
it lasts (its ``end_ts`` so far), ended; a receiver tells a repeat by ``alert_id``,
``status`` and ``end_ts``, and a rule that wants one message per alert matches
``detail.status`` ``ended`` (or keeps the first ``alert_id`` it sees). The event:
``Source`` ``vts.live``, ``DetailType`` ``vts alert``, ``Detail`` the alert as
``GET /alerts`` serves it. A rule on the bus can match ``detail.alert`` (e.g.
``overspeed``) and send it on (the stack's alarm topic, by email).
"""

from __future__ import annotations

import json
import logging
from typing import Any

from vts.live.alerts import LiveAlerts
from vts.live.cursor import Cursor
from vts.live.exceptions import StoreError

logger = logging.getLogger(__name__)

SOURCE = "vts.live"
DETAIL_TYPE = "vts alert"
PUT_LIMIT = 10  # entries per PutEvents call


class EventBridgePublisher:
    """``PutEvents`` to one bus (``client``: a boto3 ``events`` client)."""

    def __init__(self, client: Any, bus_name: str) -> None:
        self.client = client
        self.bus_name = bus_name

    def put(self, alerts: list[dict[str, Any]]) -> None:
        """Send the alerts; raise ``StoreError`` naming the first failed entry (the caller
        keeps its cursor, so they are sent again)."""
        for at in range(0, len(alerts), PUT_LIMIT):
            entries = [
                {
                    "Source": SOURCE,
                    "DetailType": DETAIL_TYPE,
                    "EventBusName": self.bus_name,
                    "Detail": json.dumps(a, sort_keys=True),
                    "Resources": [],
                }
                for a in alerts[at : at + PUT_LIMIT]
            ]
            reply = self.client.put_events(Entries=entries)
            if reply.get("FailedEntryCount"):
                bad = next(e for e in reply["Entries"] if e.get("ErrorCode"))
                why = f"{bad.get('ErrorCode')} {bad.get('ErrorMessage')}"
                raise StoreError(
                    f"EventBridge refused an alert: {why}",
                    hint=f"check the bus {self.bus_name!r} exists and the role may PutEvents on it",
                )


def publish_pending(feed: LiveAlerts, publisher: EventBridgePublisher) -> int:
    """Send every alert changed since the last call; the number sent."""
    key = feed.store.prefix + "apub"
    client = feed.store.client
    text = client.get(key)
    cursor = Cursor.parse(str(text)) if text else None
    sent = 0
    while True:
        page = feed.after(cursor)
        alerts = json.loads(page.alerts_json)
        if alerts:
            publisher.put(alerts)
            sent += len(alerts)
        client.set(key, str(page.cursor))
        cursor = page.cursor
        if not alerts:
            return sent
