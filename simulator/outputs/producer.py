"""Publishing event batches to Kafka with confluent-kafka, tuned for throughput.

``Producer`` is idempotent (``enable.idempotence``, hence ``acks=all`` and ordered retries),
compresses (lz4), batches (``linger.ms``/``batch.size``), keys every message by its entity
(vehicle, camera, station, incident) so each entity's events stay ordered in one partition,
counts deliveries and failures per topic (its delivery callback sees every failure; with
``delivery.report.only.error`` off it sees every acknowledgement too), treats ``BufferError``
(local queue full) as backpressure (serve delivery reports, then retry), and flushes on
close with a timeout, raising if messages remain. ``DeliveryReport`` is the outcome.

    with Producer.connect("127.0.0.1:9092") as producer:
        producer.produce_batches(generate(...).values())
    report = producer.report()

With a ``transactional_id`` the producer runs Kafka transactions: ``connect`` calls
``init_transactions`` (which fences any older producer of that id and aborts the
transaction it left open), and ``with producer.transaction():`` makes what is produced
inside one transaction, committed when the block ends and aborted if it raises, so a
``read_committed`` consumer sees all of it or none of it.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

import confluent_kafka
from confluent_kafka import KafkaError, KafkaException

from simulator.events.batch import EventBatch
from simulator.exceptions import (
    DeliveryFailedError,
    FlushTimeoutError,
    ProduceError,
    TransactionFailedError,
)
from simulator.outputs.delivery import DeliveryReport
from simulator.outputs.kafka_client import ClosedClient, KafkaClient
from vts.exceptions import TerminalError
from vts.kafka.auth import KafkaAuth, get_auth
from vts.kafka.exceptions import KafkaAuthError

logger = logging.getLogger(__name__)

# librdkafka settings for throughput; idempotence implies acks=all and bounded in-flight
THROUGHPUT_CONFIG: dict[str, Any] = {
    "enable.idempotence": True,
    "acks": "all",
    "compression.type": "lz4",
    "linger.ms": 50,
    "batch.size": 1_000_000,
    "batch.num.messages": 100_000,
    "queue.buffering.max.messages": 1_000_000,
    "queue.buffering.max.kbytes": 1_048_576,
    "message.timeout.ms": 120_000,
    # Only failures get a delivery report: a message is delivered once flush() has returned
    # with nothing left and no report said it failed (idempotence makes that exact). Saves
    # a Python callback per message; set False to count each acknowledgement as it comes.
    "delivery.report.only.error": True,
}
# librdkafka's own log lines go through Python logging (not straight to stderr)
_LIBRDKAFKA_LOG = logging.getLogger("simulator.librdkafka")
# A window's transaction may stay open as long as the Lambda runs (600 s); 15 minutes is
# the broker's default transaction.max.timeout.ms. A producer killed mid-window leaves its
# transaction open until the next producer of the shard starts, or this runs out.
TRANSACTION_TIMEOUT_MS = 900_000
INIT_STEP_S = 1.0  # init_transactions waits this long between checks for client errors
PRODUCE_SLICE = 10_000  # messages between polls for delivery reports
BACKPRESSURE_POLL_S = 0.05


def producer_config(
    bootstrap: str, auth: KafkaAuth | None = None, **overrides: Any
) -> dict[str, Any]:
    """The librdkafka configuration: throughput defaults, the auth's settings, overrides."""
    config: dict[str, Any] = {"bootstrap.servers": bootstrap, "client.id": "vts-simulator"}
    config.update(THROUGHPUT_CONFIG)
    config.update((auth or get_auth("plaintext")).producer_config())
    config.update(overrides)
    return config


@dataclass
class _Counters:
    delivered: defaultdict[str, int] = field(default_factory=lambda: defaultdict(int))
    failed: defaultdict[str, int] = field(default_factory=lambda: defaultdict(int))
    bytes: int = 0
    failed_bytes: int = 0
    sent: defaultdict[str, int] = field(default_factory=lambda: defaultdict(int))
    sent_bytes: int = 0
    settled: dict[str, int] = field(default_factory=dict)  # ``sent`` when flush() emptied
    settled_bytes: int = 0
    waits: int = 0
    first_error: str | None = None
    auth_error: str | None = None
    fatal_error: str | None = None


class Producer:
    """Produces ``EventBatch``es; one per process (a Lambda container keeps it warm)."""

    def __init__(
        self,
        config: Mapping[str, Any],
        *,
        topic_prefix: str = "",
        flush_timeout_s: float = 60.0,
        auth_mode: str = "plaintext",
        auth_hint: str = "",
        client_factory: Callable[[dict[str, Any]], KafkaClient] | None = None,
    ) -> None:
        self.topic_prefix = topic_prefix
        self.flush_timeout_s = flush_timeout_s
        self.bootstrap = str(config.get("bootstrap.servers", "?"))
        self._auth_mode = auth_mode
        self._auth_hint = auth_hint
        self._counts = _Counters()
        self._started = time.monotonic()
        self._only_errors = str(config.get("delivery.report.only.error", False)).lower() in (
            "true",
            "1",
        )
        settings = dict(config)
        self.broken = False  # a fatal error (fenced, ...): make a new producer
        settings["on_delivery"] = self._on_delivery
        settings["error_cb"] = self._on_error
        settings.setdefault("logger", _LIBRDKAFKA_LOG)
        self._client: KafkaClient = (client_factory or confluent_kafka.Producer)(settings)
        self.transactional_id: str | None = config.get("transactional.id")
        if self.transactional_id:
            self._init_transactions()

    @classmethod
    def connect(
        cls,
        bootstrap: str,
        auth: KafkaAuth | None = None,
        *,
        topic_prefix: str = "",
        flush_timeout_s: float = 60.0,
        transactional_id: str | None = None,
        **overrides: Any,
    ) -> Producer:
        """A producer for ``bootstrap`` with ``auth`` (default plaintext); transactional
        (``init_transactions`` done) when given a ``transactional_id``."""
        auth = auth or get_auth("plaintext")
        if transactional_id:
            overrides = {
                "transactional.id": transactional_id,
                "transaction.timeout.ms": TRANSACTION_TIMEOUT_MS,
                **overrides,
            }
        return cls(
            producer_config(bootstrap, auth, **overrides),
            topic_prefix=topic_prefix,
            flush_timeout_s=flush_timeout_s,
            auth_mode=auth.describe(),
            auth_hint=auth.failure_hint(),
        )

    # --- callbacks (run inside poll/flush) -------------------------------------------------
    def _on_delivery(self, err: Any, msg: Any) -> None:
        c = self._counts
        if err is None:
            c.delivered[msg.topic()] += 1
            c.bytes += len(msg)
        else:
            c.failed[msg.topic()] += 1
            c.failed_bytes += len(msg)
            if c.first_error is None:
                c.first_error = str(err)
                logger.warning("delivery to %s failed: %s", msg.topic(), err)

    def _on_error(self, err: Any) -> None:
        c = self._counts
        if err.code() in (KafkaError._AUTHENTICATION, KafkaError.SASL_AUTHENTICATION_FAILED):
            c.auth_error = c.auth_error or err.str()
        elif err.fatal():
            c.fatal_error = c.fatal_error or err.str()
            self.broken = True
        logger.warning("Kafka client error: %s", err)

    def _raise_client_errors(self) -> None:
        c = self._counts
        if c.auth_error:
            raise KafkaAuthError(
                self.bootstrap, self._auth_mode, c.auth_error, hint=self._auth_hint
            )
        if c.fatal_error:
            raise TerminalError(
                f"the Kafka producer hit a fatal error: {c.fatal_error}",
                hint="create a new producer; the events of the window can be re-sent safely",
            )

    # --- transactions ------------------------------------------------------------------------
    def _transactional(self, step: str, call: Callable[..., None], *args: Any) -> None:
        """Run one transaction API call; ``TransactionFailedError`` if Kafka refuses it."""
        try:
            call(*args)
        except KafkaException as exc:
            err = exc.args[0] if exc.args else None
            fatal = bool(err is not None and hasattr(err, "fatal") and err.fatal())
            self.broken = self.broken or fatal
            self._raise_client_errors()
            detail = err.str() if err is not None and hasattr(err, "str") else str(exc)
            raise TransactionFailedError(
                step, str(self.transactional_id), self.bootstrap, detail, fatal=fatal
            ) from exc

    def _init_transactions(self) -> None:
        """Register the transactional id (fencing older producers), in short steps that
        serve the client's error callback, so a refused login fails fast and says so."""
        deadline = time.monotonic() + self.flush_timeout_s
        while True:
            try:
                self._client.init_transactions(INIT_STEP_S)
                return
            except KafkaException as exc:
                err = exc.args[0] if exc.args else None
                self._client.poll(0)
                self._raise_client_errors()
                retriable = bool(err is not None and hasattr(err, "retriable") and err.retriable())
                if not retriable or time.monotonic() >= deadline:
                    self._transactional("init_transactions", _raise, exc)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Everything produced in the block is one transaction: flushed and committed at the
        end, aborted if the block raises. A no-op wrapper without a ``transactional_id``."""
        if not self.transactional_id:
            yield
            return
        timeout = self.flush_timeout_s
        self._transactional("begin_transaction", self._client.begin_transaction)
        try:
            yield
            self.flush()
            self._transactional("commit_transaction", self._client.commit_transaction, timeout)
        except BaseException:
            if not self.broken:
                try:
                    self._client.abort_transaction(timeout)
                except KafkaException:
                    logger.warning("aborting the transaction failed", exc_info=True)
                    self.broken = True
            raise

    # --- producing ----------------------------------------------------------------------------
    def topic_name(self, topic: str) -> str:
        return self.topic_prefix + topic

    def produce_batch(self, batch: EventBatch) -> int:
        """Queue every event of ``batch`` (JSON value, entity key); returns how many."""
        if not len(batch):
            return 0
        return self.produce_values(
            self.topic_name(batch.topic), batch.to_json_lines(), batch.keys.tolist()
        )

    def produce_batches(self, batches: Iterable[EventBatch]) -> int:
        return sum(self.produce_batch(b) for b in batches)

    def produce_values(self, topic: str, values: list[bytes], keys: list[bytes]) -> int:
        """Queue ``values`` with ``keys`` to ``topic`` (full name); ``BufferError`` = wait."""
        try:
            self._produce_all(topic, values, keys)
        except KafkaException as exc:
            raise ProduceError(topic, self.bootstrap, exc) from exc
        self._counts.sent[topic] += len(values)
        self._counts.sent_bytes += sum(map(len, values))
        return len(values)

    def _produce_all(self, topic: str, values: list[bytes], keys: list[bytes]) -> None:
        produce, poll = self._client.produce, self._client.poll
        for start in range(0, len(values), PRODUCE_SLICE):
            part = zip(
                values[start : start + PRODUCE_SLICE],
                keys[start : start + PRODUCE_SLICE],
                strict=True,
            )
            for value, key in part:
                try:
                    produce(topic, value, key)
                except BufferError:  # the local queue is full: let deliveries drain it
                    self._wait_and_produce(topic, value, key)
            poll(0)
            self._raise_client_errors()

    def _wait_and_produce(self, topic: str, value: bytes, key: bytes) -> None:
        while True:
            self._counts.waits += 1
            self._client.poll(BACKPRESSURE_POLL_S)
            self._raise_client_errors()
            try:
                self._client.produce(topic, value, key)
                return
            except BufferError:
                continue

    def poll(self, timeout: float = 0.0) -> None:
        self._client.poll(timeout)
        self._raise_client_errors()

    def flush(self, timeout_s: float | None = None) -> DeliveryReport:
        """Wait for every queued message; raises ``FlushTimeoutError`` if some remain."""
        timeout = self.flush_timeout_s if timeout_s is None else timeout_s
        remaining = self._client.flush(timeout)
        self._raise_client_errors()
        if remaining:
            raise FlushTimeoutError(remaining, timeout, self.bootstrap)
        self._counts.settled = dict(self._counts.sent)
        self._counts.settled_bytes = self._counts.sent_bytes
        return self.report()

    def report(self, *, reset: bool = False) -> DeliveryReport:
        """Counts so far (``reset``: start counting afresh, e.g. per Lambda invocation).

        With failure-only delivery reports (the default) messages count as delivered once a
        ``flush`` has settled them, so the figures are final after ``flush``/``close``.
        """
        c = self._counts
        strip = len(self.topic_prefix)
        if self._only_errors:
            delivered = {t: max(n - c.failed.get(t, 0), 0) for t, n in c.settled.items()}
            delivered_bytes = max(c.settled_bytes - c.failed_bytes, 0)
        else:
            delivered, delivered_bytes = dict(c.delivered), c.bytes
        report = DeliveryReport(
            delivered={t[strip:]: n for t, n in delivered.items() if n},
            failed={t[strip:]: n for t, n in c.failed.items()},
            bytes=delivered_bytes,
            elapsed_s=time.monotonic() - self._started,
            backpressure_waits=c.waits,
            first_error=c.first_error,
        )
        if reset:
            self._counts = _Counters()
            self._started = time.monotonic()
        return report

    def raise_for_failures(self, report: DeliveryReport | None = None) -> DeliveryReport:
        """``DeliveryFailedError`` if any message failed."""
        report = report or self.report()
        if not report.ok:
            raise DeliveryFailedError(report.failed, report.first_error)
        return report

    def close(self, timeout_s: float | None = None) -> DeliveryReport:
        """Flush, then release the client (its connections close); the report of it all."""
        try:
            return self.flush(timeout_s)
        finally:
            self._client = ClosedClient()

    def __enter__(self) -> Producer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is None:
            self.close()
            return
        try:  # deliver what was queued, but never hide the original error
            self._client.flush(min(self.flush_timeout_s, 10.0))
        except Exception:
            logger.debug("flush after an error failed", exc_info=True)
        finally:
            self._client = ClosedClient()


def _raise(exc: BaseException) -> None:
    raise exc
