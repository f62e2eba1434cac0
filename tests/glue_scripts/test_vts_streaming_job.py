"""The Glue entry script: it resolves its arguments with ``getResolvedOptions`` wherever
``awsglue`` is installed, takes its session from ``GlueContext`` only on Glue, and parses
the same arguments itself where ``awsglue`` is absent.

These tests install a stand-in ``awsglue`` that records the calls (no AWS service is
involved); the Glue rehearsal (tests/rehearsal/glue) runs the script with the real
``awsglue`` package and Glue 5.1's library set."""

from __future__ import annotations

import importlib.util
import sys
import types
from pathlib import Path
from typing import Any

import pytest

from vts.stream.args import JobArgs
from vts.stream.job import JobResult

SCRIPT = Path(__file__).resolve().parents[2] / "glue_scripts" / "vts_streaming_job.py"
ARGV = [
    "vts_streaming_job.py",
    "--JOB_NAME",
    "vts-stream",
    "--bootstrap_servers",
    "b-1.msk:9098",
    "--output_path",
    "s3://bucket/data",
    "--quarantine_path",
    "s3://bucket/quarantine",
    "--checkpoint_path",
    "s3://bucket/checkpoints/job",
    "--kafka_auth",
    "iam",
    "--trigger_seconds",
    "30",
    "--job-bookmark-option",
    "job-bookmark-disable",
]
RESULT = JobResult(batches=1, rows={}, quarantined=0, files=0, seconds=0.1, stopped="test")


def _load_script() -> types.ModuleType:
    spec = importlib.util.spec_from_file_location("vts_streaming_job_under_test", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def runs(monkeypatch: pytest.MonkeyPatch) -> tuple[types.ModuleType, list[dict[str, Any]]]:
    """The script with ``run`` replaced by a recorder."""
    script = _load_script()
    calls: list[dict[str, Any]] = []

    def fake_run(args: JobArgs, **kwargs: Any) -> JobResult:
        calls.append({"args": args, **kwargs})
        return RESULT

    monkeypatch.setattr(script, "run", fake_run)
    return script, calls


def _fake_awsglue(monkeypatch: pytest.MonkeyPatch, events: list[tuple[str, Any]]) -> None:
    def get_resolved_options(argv: list[str], names: list[str]) -> dict[str, str]:
        events.append(("getResolvedOptions", names))
        pairs = dict(zip(argv[1::2], argv[2::2], strict=False))
        return {n: pairs[f"--{n}"] for n in names}

    class GlueContext:
        def __init__(self, sc: Any) -> None:
            self.spark_session = "the Glue session"
            events.append(("GlueContext", sc))

    class Job:
        def __init__(self, context: GlueContext) -> None:
            self.context = context

        def init(self, name: str, options: dict[str, str]) -> None:
            events.append(("Job.init", name))

        def commit(self) -> None:
            events.append(("Job.commit", None))

    class SparkContext:
        @staticmethod
        def getOrCreate() -> str:
            return "the SparkContext"

    modules = {
        "awsglue": types.ModuleType("awsglue"),
        "awsglue.utils": types.SimpleNamespace(getResolvedOptions=get_resolved_options),
        "awsglue.context": types.SimpleNamespace(GlueContext=GlueContext),
        "awsglue.job": types.SimpleNamespace(Job=Job),
    }
    for name, module in modules.items():
        monkeypatch.setitem(sys.modules, name, module)
    monkeypatch.setattr("pyspark.context.SparkContext", SparkContext)


def test_on_glue_it_uses_resolved_options_glue_context_and_the_glue_catalog(
    runs: tuple[types.ModuleType, list[dict[str, Any]]], monkeypatch: pytest.MonkeyPatch
) -> None:
    script, calls = runs
    events: list[tuple[str, Any]] = []
    _fake_awsglue(monkeypatch, events)
    monkeypatch.setattr(script, "running_on_glue", lambda: True)

    assert script.main(ARGV) == 0

    names = dict(events)["getResolvedOptions"]
    assert set(names) == {
        "JOB_NAME",
        "bootstrap_servers",
        "output_path",
        "quarantine_path",
        "checkpoint_path",
        "kafka_auth",
        "trigger_seconds",
    }
    assert [e[0] for e in events] == ["getResolvedOptions", "GlueContext", "Job.init", "Job.commit"]
    (call,) = calls
    args: JobArgs = call["args"]
    assert call["spark"] == "the Glue session"
    assert (args.job_name, args.kafka_auth, args.trigger_seconds) == ("vts-stream", "iam", 30)
    assert args.catalog == "glue" and args.output_path == "s3://bucket/data"
    assert args.shuffle_partitions == script.GLUE_STATE_PARTITIONS


def test_locally_the_same_arguments_run_under_pyspark(
    runs: tuple[types.ModuleType, list[dict[str, Any]]], monkeypatch: pytest.MonkeyPatch
) -> None:
    script, calls = runs
    monkeypatch.setitem(sys.modules, "awsglue", None)  # not on Glue

    assert script.main([*ARGV, "--available_now", "true"]) == 0

    (call,) = calls
    args: JobArgs = call["args"]
    assert "spark" not in call or call["spark"] is None  # a local session is built
    assert (args.kafka_auth, args.trigger_seconds, args.available_now) == ("iam", 30, True)
    assert args.catalog == "spark"


def test_with_awsglue_installed_but_no_glue_jvm_it_runs_locally_with_glues_parser(
    runs: tuple[types.ModuleType, list[dict[str, Any]]], monkeypatch: pytest.MonkeyPatch
) -> None:
    script, calls = runs
    events: list[tuple[str, Any]] = []
    _fake_awsglue(monkeypatch, events)  # importable, as in the Glue rehearsal
    monkeypatch.delenv("PYSPARK_GATEWAY_PORT", raising=False)  # not started by Glue's JVM

    assert script.running_on_glue() is False
    assert script.main(ARGV) == 0

    assert [e[0] for e in events] == ["getResolvedOptions"]  # no GlueContext, no Job
    (call,) = calls
    assert call.get("spark") is None and call["args"].kafka_auth == "iam"
