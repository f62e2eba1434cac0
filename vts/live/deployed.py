"""The live consumer as the Lambda runs it, assembled once per container from its environment.

``LiveFunction.from_env()``:

- the store (``VTS_LIVE_*``, ``vts.live.settings``) and the consumer with its alerts;
- the rules' reference tables, ``VTS_LIVE_REFERENCE`` (the live copy in the data bucket,
  ``s3://<bucket>/reference/``: ``vts.live.reference``, read once and looked at again every
  5 minutes; unset: the rules without roads or geofences);
- the alerts' bus, ``VTS_LIVE_EVENT_BUS`` (unset: alerts stay in the store).

``invoke(event)``: an MSK mapping's event is handled as a batch (``LiveConsumer.handle``,
which also raises the silences due); the schedule's ``{"vts": "sweep"}`` (sent while the
topics may be quiet) only raises the silences due. Then every alert not yet on the bus is
sent (``publish_pending``). A refused send does not fail the invocation: the states and
alerts are in the store, and the outbox sends them with the next invocation (the schedule
makes one a minute at least); ``publish_failed`` says so, for a metric. Missing reference
tables do fail it (``LiveReferenceError``), before anything is written, so the mapping
retries the batch.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from vts.live.alerts import LiveAlerts
from vts.live.consumer import BatchReport, LiveConsumer
from vts.live.eventbridge import EventBridgePublisher, publish_pending
from vts.live.exceptions import PublishError
from vts.live.reference import LiveReference
from vts.live.settings import LiveSettings
from vts.live.store import LiveStore
from vts.rules.fold import RuleContext
from vts.rules.params import ReportParams
from vts.settings import env

logger = logging.getLogger(__name__)

SWEEP_EVENT = {"vts": "sweep"}  # what the stack's schedule sends


@dataclass(frozen=True)
class Invocation:
    report: BatchReport | None  # None: a sweep
    silent: int  # silences raised
    published: int  # alert versions sent to the bus
    publish_failed: bool

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = self.report.as_dict() if self.report is not None else {}
        out |= {"silent": self.silent, "published": self.published}
        return out | {"publish_failed": self.publish_failed}


class LiveFunction:
    """One container's consumer, reference tables and publisher."""

    def __init__(
        self,
        store: LiveStore,
        *,
        reference: LiveReference | None = None,
        publisher: EventBridgePublisher | None = None,
        params: ReportParams | None = None,
    ) -> None:
        self.params = params or ReportParams()
        self.reference = reference
        self.alerts = LiveAlerts(store, RuleContext(self.params))
        self.consumer = LiveConsumer(store, alerts=self.alerts)
        self.publisher = publisher

    @classmethod
    def from_env(cls, settings: LiveSettings | None = None) -> LiveFunction:
        settings = settings or LiveSettings.from_env()
        location = env("LIVE_REFERENCE")
        bus = env("LIVE_EVENT_BUS")
        publisher = None
        if bus:
            import boto3

            publisher = EventBridgePublisher(boto3.client("events"), bus)
        return cls(
            LiveStore.connect(settings),
            reference=LiveReference(location) if location else None,
            publisher=publisher,
        )

    def invoke(self, event: Any) -> Invocation:
        if self.reference is not None:  # before any write: missing tables fail the batch
            self.alerts.context = self.reference.context(self.params)
        if isinstance(event, dict) and event.get("vts") == SWEEP_EVENT["vts"]:
            report, silent = None, self.consumer.sweep()
        else:
            report = self.consumer.handle(event)
            silent = report.silent_raised
        published, failed = 0, False
        if self.publisher is not None:
            try:
                published = publish_pending(self.alerts, self.publisher)
            except PublishError as exc:
                logger.error("%s (%s)", exc.message, exc.hint)
                failed = True
            except Exception as exc:  # botocore's: the bus or the network; sent next time
                if type(exc).__module__.split(".")[0] not in ("botocore", "boto3"):
                    raise
                logger.error("alerts not sent to EventBridge: %s (sent again next time)", exc)
                failed = True
        return Invocation(report, silent, published, failed)
