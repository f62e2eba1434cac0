"""What the streaming-job integration tests share, whether the lake is local or on S3.

Input (simulated events, malformed messages, producing them), the Glue job script as a
subprocess held at a commit step (tests/stream/hold_sink.py) and killed with SIGKILL, and
``LakeReader``: the lake's folders as a Hive-style reader lists them through a pyarrow
filesystem (local, or S3 on moto's server), which is how the Glue crawler and Redshift
Spectrum see them, not through Spark's metadata.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pyarrow.dataset as ds
import pyarrow.fs as pafs
import pyarrow.parquet as pq
from confluent_kafka import Producer

from simulator import generate
from tests.contract.tutorial_samples import SAMPLES
from vts.contract.topics import QUARANTINE_TABLE
from vts.stream.args import JobArgs
from vts.stream.layout import STAGING_DIR

REPO = Path(__file__).resolve().parents[2]
GLUE_SCRIPT = REPO / "glue_scripts" / "vts_streaming_job.py"
# a published file's deterministic name; ``key`` is unique per table partition and batch
NAME = re.compile(r"^b(?P<key>\d{10}-[0-9a-f]{8}-\w+-\d{4}-\d{2}-\d{2}-\d{2})-000\.parquet$")


def job_args(bootstrap: str, prefix: str, home: Path, **kw: Any) -> JobArgs:
    """The job's arguments for a lake and checkpoint under ``home``: by default a catch-up
    run (``--available_now``) that registers no partitions; ``kw`` overrides."""
    chosen: dict[str, Any] = {"available_now": True, "catalog": "none", **kw}
    return JobArgs(
        bootstrap_servers=bootstrap,
        output_path=str(home / "lake"),
        quarantine_path=str(home / "lake" / "quarantine"),
        checkpoint_path=str(home / "checkpoint"),
        topic_prefix=prefix,
        **chosen,
    )


def produce(bootstrap: str, messages: Iterable[tuple[str, bytes | None, bytes]]) -> None:
    producer = Producer({"bootstrap.servers": bootstrap, "message.max.bytes": 2_000_000})
    for topic, key, value in messages:
        producer.produce(topic, value=value, key=key)
        producer.poll(0)
    assert producer.flush(30) == 0


def simulated(start: datetime, seconds: int) -> dict[str, list[tuple[bytes, bytes]]]:
    """The city scenario's events (key, JSON value) per table, from ``start``."""
    batches = generate("city", 7, start, seconds, vehicles=6, tick_seconds=5)
    return {
        topic: list(zip(batch.keys.tolist(), batch.to_json_lines(), strict=True))
        for topic, batch in batches.items()
    }


def messages(
    prefix: str, sim: Mapping[str, list[tuple[bytes, bytes]]], limit: int | None = None
) -> list[tuple[str, bytes | None, bytes]]:
    """``(topic, key, value)`` for ``produce``: each table's events (its first ``limit``)."""
    return [(prefix + t, k, v) for t, rows in sim.items() for k, v in rows[:limit]]


def event_ids(rows: Iterable[tuple[bytes, bytes]]) -> set[str]:
    return {json.loads(value)["event_id"] for _, value in rows}


def bad_messages() -> dict[bytes, str]:
    """Malformed ``vehicle_data`` values -> the reason code each must get."""
    good = dict(SAMPLES["vehicle_data"][1])
    good["schema_version"] = 1

    def variant(**changes: Any) -> bytes:
        record = {**good, "event_id": str(uuid.uuid4()), **changes}
        return json.dumps({k: v for k, v in record.items() if v != "DROP"}).encode()

    return {
        b"{not json at all": "invalid_json",
        b'{"a": "\xff\xfe"}': "invalid_utf8",
        b'{"pad": "' + b"x" * 200_000 + b'"}': "oversized",
        variant(speed_kmh="fast"): "wrong_type",
        variant(vehicle_id="DROP"): "missing_field",
        variant(latitude=123.0): "out_of_range",
        variant(ts="1970-01-01T00:00:00+00:00"): "bad_timestamp",
        variant(ts="2999-01-01T00:00:00+00:00"): "bad_timestamp",
        b"[1, 2, 3]": "wrong_type",
    }


def glue_argv(args: JobArgs, *extra: str) -> list[str]:
    """The Glue job script's command line for ``args`` (available-now, no catalog)."""
    argv = [
        sys.executable,
        str(GLUE_SCRIPT),
        "--bootstrap_servers",
        args.bootstrap_servers,
        "--output_path",
        args.output_path,
        "--quarantine_path",
        args.quarantine_path,
        "--checkpoint_path",
        args.checkpoint_path,
        "--topic_prefix",
        args.topic_prefix,
        "--topics",
        ",".join(args.topics),
        "--catalog",
        "none",
        "--available_now",
        "true",
    ]
    for name in ("max_offsets_per_trigger", "shuffle_partitions"):
        if getattr(args, name) is not None:
            argv += [f"--{name}", str(getattr(args, name))]
    return [*argv, *extra]


def kill_when(proc: subprocess.Popen[bytes], marker: Path) -> bool:
    """SIGKILL the job once it holds at the marker (it is mid-publish of a batch)."""
    deadline = time.monotonic() + 300
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            if marker.exists():
                os.kill(proc.pid, signal.SIGKILL)
                return True
            time.sleep(0.05)
        return False
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=60)


def kill_at(argv: list[str], env: Mapping[str, str], step: str, workdir: Path) -> None:
    """Run the job script (``argv``: ``glue_argv``'s) until its sink holds at ``step``
    (``<step>@<batch>``, see tests/stream/hold_sink.py), then SIGKILL it."""
    tag = re.sub(r"\W", "-", step)
    marker = workdir / f"held-{tag}"
    log = workdir / f"job-{tag}.log"
    held_argv = [sys.executable, "-m", "tests.stream.hold_sink", step, str(marker), *argv[1:]]
    with log.open("wb") as err:
        proc = subprocess.Popen(held_argv, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=err)
        held = kill_when(proc, marker)
    assert held, f"the job never reached {step}:\n" + log.read_text(errors="replace")[-3000:]


def _hidden(relative: str) -> bool:
    return any(part.startswith(("_", ".")) for part in relative.split("/"))


@dataclass(frozen=True)
class LakeReader:
    """The lake's objects under ``root`` (a pyarrow path: a folder, or ``bucket/prefix``)."""

    fs: pafs.FileSystem
    root: str

    @classmethod
    def local(cls, lake: Path) -> LakeReader:
        return cls(pafs.LocalFileSystem(), str(lake))

    def objects(self, under: str = "") -> list[str]:
        """Every file below ``root/under``, relative to ``root``, hidden ones included."""
        base = f"{self.root}/{under}".rstrip("/")
        selector = pafs.FileSelector(base, recursive=True, allow_not_found=True)
        return sorted(
            info.path[len(self.root) + 1 :]
            for info in self.fs.get_file_info(selector)
            if info.type == pafs.FileType.File
        )

    def visible(self, table: str = "") -> list[str]:
        """The Parquet files a Hive-style reader lists (no ``_``/``.``-prefixed part)."""
        return [p for p in self.objects(table) if p.endswith(".parquet") and not _hidden(p)]

    def staging(self) -> list[str]:
        """Everything left in (or leaked from) the sink's staging folders."""
        return [p for p in self.objects() if STAGING_DIR in p.split("/")]

    def table(self, table: str, columns: list[str] | None = None) -> list[dict[str, Any]]:
        files = [f"{self.root}/{p}" for p in self.visible(table)]
        if not files:
            return []
        dataset = ds.dataset(files, filesystem=self.fs, format="parquet")
        return dataset.to_table(columns=columns).to_pylist()

    def ids(self, table: str) -> list[str]:
        return [row["event_id"] for row in self.table(table, ["event_id"])]

    def quarantine(self) -> list[dict[str, Any]]:
        return self.table(QUARANTINE_TABLE)

    def assert_complete(self) -> None:
        """Every visible file is a whole Parquet file (its footer reads)."""
        for path in self.visible():
            with self.fs.open_input_file(f"{self.root}/{path}") as handle:
                pq.read_metadata(handle)
