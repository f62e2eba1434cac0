"""Write every scenario's reference tables for the code layer (run by this folder's Makefile).

    python layers/code/reference_tables.py OUT_DIR   # -> OUT_DIR/<scenario>/<table>/<table>.parquet
                                                     #    and OUT_DIR/<scenario>/live/*

The files are made by the same code a local run uses (``simulator.outputs.reference``), so the
lake on AWS gets the same ``roads`` and ``geofences`` tables (``vts.reference``) as
``make demo``; ``Custom::GlueAssets`` copies the deployed scenario's files into the lake, and
their plain-text copy (``live/``: ``vts.live.reference.write_live_copy``, from the same rows)
beside it, for the live consumer, which has no Parquet reader.
Needs the project's environment (numpy and pyarrow): build with ``make build``,
or ``sam build`` with .venv/bin first on PATH.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Write each scenario's reference tables (roads, geofences) as Parquet.",
        epilog="example: python layers/code/reference_tables.py .aws-sam/reference",
    )
    parser.add_argument(
        "out_dir", type=Path, help="folder to write <scenario>/<table>/<table>.parquet to"
    )
    args = parser.parse_args(argv)
    try:
        from simulator.model.scenario import SCENARIOS
        from simulator.outputs.reference import write_reference
        from vts.live.reference import write_live_copy
    except ImportError as exc:
        print(
            f"cannot import the simulator ({exc}): run this with the project's venv "
            "(make install), e.g. via make build",
            file=sys.stderr,
        )
        return 2
    for name in sorted(SCENARIOS):
        for path in write_reference(name, args.out_dir / name).values():
            print(f"wrote {path}", file=sys.stderr)
        for path in write_live_copy(args.out_dir / name, args.out_dir / name / "live"):
            print(f"wrote {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
