"""The job benchmark's whole runs (``whole``, issue 28): each approach as a process of its
own, timed from its process start to its exit, as a new user runs it, with the CPU seconds
of its process tree (``bench.cpu``)."""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench.context import BenchContext, job_env
from bench.job_approaches import PAIRS, tutorial_queries


def _timed_process(argv: list[str], env: dict[str, str], log: Path) -> dict[str, Any]:
    """Run ``argv`` to its end: wall seconds from its start to its exit, CPU seconds of its
    process tree (sampled every 0.2 s until it exits)."""
    from bench.cpu import tree_cpu

    with log.open("w") as out:
        started = time.monotonic()
        process = subprocess.Popen(  # noqa: S603 - our own scripts, arguments we built
            argv,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=Path(__file__).resolve().parents[1],
            start_new_session=True,
        )
        cpu: dict[str, float] = {}
        while process.poll() is None:
            try:
                cpu = tree_cpu(process.pid)
            except OSError:
                pass
            time.sleep(0.2)
        seconds = time.monotonic() - started
    if process.returncode != 0:
        tail = log.read_text(errors="replace")[-3000:]
        raise RuntimeError(f"{argv[1]} failed (exit {process.returncode}):\n{tail}")
    return {"seconds": round(seconds, 2), "cpu_s": cpu}


def whole_runs(ctx: BenchContext, config: dict[str, Any], size: dict[str, Any]) -> dict[str, Any]:
    """Each approach from process start to exit, ``PAIRS`` pairs in alternating order."""
    root = Path(config["workdir"]) / "whole"
    script = Path(__file__).resolve().parents[1] / "glue_scripts" / "vts_streaming_job.py"
    pairs = []
    for i in range(PAIRS):
        out = root / f"pair{i}"
        out.mkdir(parents=True)
        env = job_env(out / "home")
        vts_argv = [
            sys.executable,
            str(script),
            "--JOB_NAME",
            f"bench-whole-{i}",
            "--bootstrap_servers",
            config["bootstrap"],
            "--topic_prefix",
            size["prefix"],
            "--catalog",
            "none",
            "--output_path",
            str(out / "vts" / "lake"),
            "--quarantine_path",
            str(out / "vts" / "lake" / "quarantine"),
            "--checkpoint_path",
            str(out / "vts" / "checkpoint"),
            "--available_now",
            "true",
        ]
        tutorial = {"bootstrap": config["bootstrap"], "prefix": size["prefix"], "out": str(out)}
        tutorial_argv = [
            sys.executable,
            "-m",
            "bench.bench_job",
            "--tutorial",
            json.dumps(tutorial),
        ]
        runs = {}
        order = ("vts", "tutorial") if i % 2 == 1 else ("tutorial", "vts")
        for which in order:
            argv = vts_argv if which == "vts" else tutorial_argv
            runs[which] = _timed_process(argv, env, out / f"{which}.log")
        landed = sum(1 for _ in (out / "vts" / "lake").rglob("*.parquet"))
        pairs.append(
            {
                "order": ", ".join(order),
                "seconds": runs["vts"]["seconds"],
                "tutorial_seconds": runs["tutorial"]["seconds"],
                "ratio": round(runs["tutorial"]["seconds"] / runs["vts"]["seconds"], 3),
                "cpu_s": runs["vts"]["cpu_s"],
                "tutorial_cpu_s": runs["tutorial"]["cpu_s"],
                "vts_files": landed,
            }
        )
        ctx.say(
            f"job whole run {i}: vts {runs['vts']['seconds']}s, tutorial "
            f"{runs['tutorial']['seconds']}s"
        )
    return {
        "events": size["events"],
        "pairs": pairs,
        "seconds": statistics.median(p["seconds"] for p in pairs),
        "tutorial_seconds": statistics.median(p["tutorial_seconds"] for p in pairs),
        "ratio": round(statistics.median(p["ratio"] for p in pairs), 2),
        "ratio_range": [min(p["ratio"] for p in pairs), max(p["ratio"] for p in pairs)],
        "cpu_total_s": statistics.median(p["cpu_s"].get("total", 0.0) for p in pairs),
        "tutorial_cpu_total_s": statistics.median(
            p["tutorial_cpu_s"].get("total", 0.0) for p in pairs
        ),
        "note": "process start -> exit of each; ratio: tutorial seconds / vts seconds (median "
        "of the pairs'); cpu: the process tree's CPU seconds (driver, JVM, Python workers)",
    }


def tutorial_process(config: dict[str, Any]) -> dict[str, Any]:
    """The tutorial's approach as a user runs it: start a session, run the queries, exit."""
    from vts.settings import LocalPaths
    from vts.spark.session import SparkSettings, build_session

    out = Path(config["out"])
    spark = build_session(SparkSettings.local(LocalPaths(out / "home"), hive=False))
    seconds, batches = tutorial_queries(
        spark, config["bootstrap"], config["prefix"], out / "tutorial", None
    )
    return {"seconds": round(seconds, 2), "batches": batches}
