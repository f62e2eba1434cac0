"""The job's arguments: one frozen record, from Glue job arguments or local flags.

On AWS Glue the arguments arrive as ``--name value`` pairs that ``getResolvedOptions``
resolves; locally the same script takes the same pairs (``parse_argv``), and ``vts job
run`` maps its flags onto the same record. Names (the SAM template passes these):

=============================  ========  ===================================================
``--JOB_NAME``                 Glue      the job's name
``--bootstrap_servers``        required  Kafka bootstrap servers
``--output_path``              required  the lake: ``<output>/<table>/dt=…/hr=…/``
``--quarantine_path``          required  invalid messages: ``<quarantine>/dt=…/hr=…/``
``--checkpoint_path``          required  Spark's checkpoint (and the sink's manifests)
``--topics``                   all five  comma list of tables to read
``--topic_prefix``             ""        topic name = prefix + table
``--kafka_auth``               plaintext plaintext, scram or iam
``--kafka_secret_arn``                   SCRAM credentials in Secrets Manager
``--trigger_seconds``          60        micro-batch interval
``--starting_offsets``         earliest  earliest or latest (first run only)
``--catalog_database``         vts       where partitions are registered
``--v0_timezone``              UTC       time zone of tutorial (v0) timestamps
``--register_partitions``      true      register new partitions after each batch
``--max_offsets_per_trigger``  500000    cap on records per micro-batch (bounds its memory)
``--watermark``                10 min    a repeated ``event_id`` this soon is dropped (kept so long)
``--available_now``            false     process what is there, then stop
``--fail_on_data_loss``        true      stop if Kafka deleted unread records
``--shuffle_partitions``                 Spark shuffle/state partitions (fixed at first run)
``--catalog``                  spark     spark (Hive metastore), glue, or none
``--region``                             AWS region (Glue catalog, SCRAM secret, IAM)
``--metrics``                  log       per-batch metrics: log, or cloudwatch
``--metrics_namespace``                  CloudWatch namespace (vts/streaming; dimension JobName)
=============================  ========  ===================================================
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from vts.contract.topics import TOPIC_NAMES
from vts.stream.exceptions import JobArgsError
from vts.stream.layout import LakeLayout

# A micro-batch's rows wait in the Python workers' memory until the workers write them
# (``vts.stream.staging``): the cap bounds that, e.g. when a restarted job catches up.
DEFAULT_MAX_OFFSETS_PER_TRIGGER = 500_000

GLUE_REQUIRED = (
    "JOB_NAME",
    "bootstrap_servers",
    "output_path",
    "quarantine_path",
    "checkpoint_path",
)
GLUE_OPTIONAL = (
    "topics",
    "topic_prefix",
    "kafka_auth",
    "kafka_secret_arn",
    "trigger_seconds",
    "starting_offsets",
    "catalog_database",
    "v0_timezone",
    "register_partitions",
    "max_offsets_per_trigger",
    "watermark",
    "available_now",
    "fail_on_data_loss",
    "shuffle_partitions",
    "catalog",
    "region",
    "metrics",
    "metrics_namespace",
)
AUTH_MODES = ("plaintext", "scram", "iam")
CATALOGS = ("spark", "glue", "none")
METRICS = ("log", "cloudwatch")
_INTERVAL = re.compile(r"^\s*(\d+)\s+(second|minute|hour|day)s?\s*$", re.IGNORECASE)
_UNIT_SECONDS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}
_TRUE = ("true", "1", "yes")
_FALSE = ("false", "0", "no")


@dataclass(frozen=True)
class JobArgs:
    """Everything the streaming job needs to know; validated on construction."""

    bootstrap_servers: str
    output_path: str
    quarantine_path: str
    checkpoint_path: str
    topics: tuple[str, ...] = TOPIC_NAMES
    topic_prefix: str = ""
    kafka_auth: str = "plaintext"
    kafka_secret_arn: str | None = None
    region: str | None = None
    trigger_seconds: int = 60
    available_now: bool = False
    starting_offsets: str = "earliest"
    max_offsets_per_trigger: int = DEFAULT_MAX_OFFSETS_PER_TRIGGER
    watermark: str = "10 minutes"
    catalog: str = "spark"
    catalog_database: str = "vts"
    register_partitions: bool = True
    v0_timezone: str = "UTC"
    fail_on_data_loss: bool = True
    shuffle_partitions: int | None = None
    metrics: str = "log"
    metrics_namespace: str = "vts/streaming"
    job_name: str = "vts-streaming-job"

    def __post_init__(self) -> None:
        for name in ("bootstrap_servers", "output_path", "quarantine_path", "checkpoint_path"):
            if not getattr(self, name):
                raise JobArgsError(name, "is required", hint=f"pass --{name}")
        unknown = sorted(set(self.topics) - set(TOPIC_NAMES))
        if unknown or not self.topics:
            raise JobArgsError(
                "topics",
                f"unknown tables {unknown}" if unknown else "is empty",
                hint=f"use a comma list of {', '.join(TOPIC_NAMES)}",
            )
        _choice("kafka_auth", self.kafka_auth, AUTH_MODES)
        _choice("starting_offsets", self.starting_offsets, ("earliest", "latest"))
        _choice("catalog", self.catalog, CATALOGS)
        _choice("metrics", self.metrics, METRICS)
        if self.trigger_seconds < 1:
            raise JobArgsError("trigger_seconds", "must be at least 1", hint="e.g. 60")
        for name in ("max_offsets_per_trigger", "shuffle_partitions"):
            value = getattr(self, name)
            if value is not None and value < 1:
                raise JobArgsError(name, "must be a positive whole number", hint="or leave it out")
        try:
            interval_seconds(self.watermark)
        except ValueError:
            raise JobArgsError(
                "watermark",
                f"{self.watermark!r} is not an interval",
                hint='write it like "10 minutes" or "1 hour"',
            ) from None
        try:
            ZoneInfo(self.v0_timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise JobArgsError(
                "v0_timezone",
                f"{self.v0_timezone!r} is not a time zone",
                hint="use an IANA name such as UTC or Europe/London",
            ) from None

    @property
    def topic_names(self) -> tuple[str, ...]:
        """The Kafka topics read (prefix + table)."""
        return tuple(self.topic_prefix + t for t in self.topics)

    @property
    def layout(self) -> LakeLayout:
        return LakeLayout(self.output_path, self.quarantine_path, self.checkpoint_path)

    @classmethod
    def from_options(cls, options: Mapping[str, str], **defaults: Any) -> JobArgs:
        """Build from Glue-style ``name -> text`` options (``getResolvedOptions`` output).

        ``defaults`` fill in what the options leave out (e.g. ``catalog="glue"`` on Glue).
        Unknown names (Glue adds its own, such as ``TempDir``) are ignored.
        """
        known = {f.name: f for f in fields(cls)}
        values: dict[str, Any] = dict(defaults)
        if "JOB_NAME" in options:
            values["job_name"] = options["JOB_NAME"]
        for name, text in options.items():
            if name not in known or name == "job_name" or text is None:
                continue
            values[name] = _convert(name, str(text), known[name].type)
        for name in GLUE_REQUIRED[1:]:
            if not values.get(name):
                raise JobArgsError(name, "is required", hint=f"pass --{name}")
        return cls(**values)


def interval_seconds(text: str) -> int:
    """An interval such as ``"10 minutes"`` (``--watermark``) in seconds."""
    found = _INTERVAL.match(text)
    if found is None:
        raise ValueError(f"{text!r} is not an interval such as '10 minutes'")
    return int(found[1]) * _UNIT_SECONDS[found[2].lower()]


def _choice(name: str, value: str, allowed: Sequence[str]) -> None:
    if value not in allowed:
        raise JobArgsError(name, f"{value!r} is not one of {', '.join(allowed)}", hint="")


def _convert(name: str, text: str, annotation: Any) -> Any:
    kind = str(annotation)
    if name == "topics":
        return tuple(t.strip() for t in text.split(",") if t.strip())
    if kind.startswith("bool"):
        lowered = text.strip().lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
        raise JobArgsError(name, f"{text!r} is not true or false", hint="pass true or false")
    if kind.startswith("int"):
        try:
            return int(text)
        except ValueError:
            raise JobArgsError(name, f"{text!r} is not a whole number", hint="e.g. 60") from None
    if not text and "None" in kind:
        return None
    return text


def glue_option_names(argv: Sequence[str]) -> list[str]:
    """The names to resolve with ``getResolvedOptions``: the required ones, and each
    optional one that ``argv`` passes (``getResolvedOptions`` fails on absent names)."""
    given = {a.split("=", 1)[0][2:] for a in argv if a.startswith("--")}
    return [*GLUE_REQUIRED, *[n for n in GLUE_OPTIONAL if n in given]]


def parse_argv(argv: Sequence[str]) -> dict[str, str]:
    """Glue-style ``--name value`` (or ``--name=value``) pairs, as a local run gets them."""
    options: dict[str, str] = {}
    items = list(argv)
    i = 0
    while i < len(items):
        item = items[i]
        if not item.startswith("--"):
            i += 1
            continue
        name, eq, value = item[2:].partition("=")
        if not eq:
            if i + 1 < len(items) and not items[i + 1].startswith("--"):
                value = items[i + 1]
                i += 1
            else:
                value = "true"
        options[name] = value
        i += 1
    return options
