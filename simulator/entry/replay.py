"""Replay a JSON-lines file written by ``vts simulate --out`` to Kafka, unchanged.

Each line is ``{"topic": ..., "key": ..., "value": {...}}``; the value is sent as compact
JSON with the key, to ``prefix + topic``. Event ids are kept, so a replay is deduplicated
against an earlier delivery of the same events.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

from simulator.exceptions import ConfigError
from simulator.outputs.producer import Producer

CHUNK_LINES = 50_000


def replay(path: Path, producer: Producer) -> int:
    """Produce every line of ``path``; returns the number of messages queued."""
    queued = 0
    pending: defaultdict[str, tuple[list[bytes], list[bytes]]] = defaultdict(lambda: ([], []))

    def send() -> None:
        nonlocal queued
        for topic, (values, keys) in pending.items():
            queued += producer.produce_values(producer.topic_name(topic), values, keys)
        pending.clear()

    with path.open("rb") as fh:
        for number, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                doc = json.loads(line)
                topic, key, value = doc["topic"], doc["key"], doc["value"]
            except (ValueError, KeyError, TypeError) as exc:
                raise ConfigError(
                    f"{path}:{number} is not a {{topic, key, value}} JSON line ({exc})",
                    hint="replay files written by `vts simulate --out FILE.jsonl`",
                ) from None
            values, keys = pending[topic]
            values.append(json.dumps(value, separators=(",", ":")).encode())
            keys.append(str(key).encode())
            if number % CHUNK_LINES == 0:
                send()
    send()
    return queued
