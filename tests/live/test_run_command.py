"""The argv the benchmarks and ``vts chaos`` start ``vts live run`` with is one the CLI
accepts, with the options they pass."""

from __future__ import annotations

import sys
from pathlib import Path

from vts.cli.main import build_parser
from vts.live.runner import run_command


def test_the_command_is_vts_live_run_with_the_options_given(tmp_path: Path) -> None:
    argv = run_command(
        "127.0.0.1:9092",
        "redis://127.0.0.1:6379/0",
        "p-",
        group="g1",
        lake=tmp_path,
        window=0.25,
        available_now=True,
        max_batches=None,
    )
    assert argv[:5] == [sys.executable, "-m", "vts.cli.main", "live", "run"]
    args = build_parser().parse_args(argv[3:])
    assert (args.broker, args.live_url, args.topic_prefix, args.group) == (
        "127.0.0.1:9092",
        "redis://127.0.0.1:6379/0",
        "p-",
        "g1",
    )
    assert (Path(args.lake), float(args.window), args.available_now) == (tmp_path, 0.25, True)


def test_a_false_flag_is_left_out() -> None:
    argv = run_command("b:1", "redis://h:1/0", "", group="g", available_now=False)
    assert "--available-now" not in argv
    assert build_parser().parse_args(argv[3:]).available_now is False
