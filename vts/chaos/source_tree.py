"""The deployable artifacts the harness runs as AWS would: the simulator Lambda's handler
(``functions/simulator_producer/app.py``) and the Glue job script
(``glue_scripts/vts_streaming_job.py``), from the source checkout ``vts`` is installed from."""

from __future__ import annotations

from pathlib import Path

from vts.chaos.exceptions import ChaosError

ROOT = Path(__file__).resolve().parents[2]
HANDLER = ROOT / "functions" / "simulator_producer" / "app.py"
JOB_SCRIPT = ROOT / "glue_scripts" / "vts_streaming_job.py"


def require(path: Path) -> Path:
    if not path.is_file():
        raise ChaosError(
            f"{path} is missing: vts chaos runs the Lambda handler and the Glue script of a "
            "source checkout",
            hint="run it from a clone of the repository after `make install jars` "
            "(pip install -e '.[dev]')",
        )
    return path
