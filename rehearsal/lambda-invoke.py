"""Invoke a built Lambda function the way the python3.11 runtime does, without Lambda.

Run it with the rehearsal venv's interpreter in isolated mode (``python -I``: no
PYTHONPATH, no user site, no working directory on sys.path), so the only libraries are the
runtime's SDK set (the venv) plus what this script mounts, in Lambda's order:

    /var/task                                 --task-root (the function's built folder)
    /opt/python/lib/python3.11/site-packages  --opt  (the function's layers, merged)
    /opt/python
    /var/lang/lib/python3.11/site-packages    the venv's site-packages (boto3, botocore, ...)

``--opt`` is a folder standing in for ``/opt`` (the layers extracted into it in the
template's order); environment values that start with ``/opt/`` are pointed at it, as the
mount would. Each ``--event`` is one invocation, in order, in the same process: a warm
container. The outcome of every invocation (the handler's return value, or Lambda's error
shape), plus where the key libraries were imported from, goes to ``--result`` as JSON.

    .../lambda-python3.11/bin/python -I rehearsal/lambda-invoke.py \\
        --task-root .aws-sam/build/SimulatorFunction --opt /tmp/opt \\
        --handler app.lambda_handler --event events/simulator_manual.json --result out.json
"""

from __future__ import annotations

import argparse
import importlib
import importlib.metadata
import json
import os
import sys
import time
import traceback
import uuid
from pathlib import Path
from typing import Any

RUNTIME = "python3.11"
# Libraries whose origin the rehearsal reports (the runtime's SDK vs a layer's copy).
REPORTED = (
    "boto3",
    "botocore",
    "urllib3",
    "confluent_kafka",
    "numpy",
    "aws_lambda_powertools",
    "aws_msk_iam_sasl_signer",
    "redis",
    "msgspec",
    "vts",
    "simulator",
)
DISTRIBUTIONS = {
    "confluent_kafka": "confluent-kafka",
    "aws_lambda_powertools": "aws-lambda-powertools",
    "aws_msk_iam_sasl_signer": "aws-msk-iam-sasl-signer-python",
}


class Context:
    """The attributes and method of the Lambda context object."""

    def __init__(self, name: str, memory_mb: int, timeout_s: float) -> None:
        region = os.environ.get("AWS_REGION", "us-east-1")
        self.function_name = name
        self.function_version = "$LATEST"
        self.invoked_function_arn = f"arn:aws:lambda:{region}:123456789012:function:{name}"
        self.memory_limit_in_mb = memory_mb
        self.aws_request_id = str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/{name}"
        self.log_stream_name = f"rehearsal/{self.aws_request_id}"
        self.identity = None
        self.client_context = None
        self._deadline = time.monotonic() + timeout_s

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def mount(task_root: Path, opt: Path) -> None:
    """sys.path and the environment as Lambda sets them up for the function."""
    sys.path[0:0] = [
        str(task_root),
        str(opt / "python" / "lib" / RUNTIME / "site-packages"),
        str(opt / "python"),
    ]
    for name, value in list(os.environ.items()):
        if value == "/opt" or value.startswith("/opt/"):
            os.environ[name] = str(opt) + value[len("/opt") :]
    os.environ["LAMBDA_TASK_ROOT"] = str(task_root)
    os.environ.setdefault("AWS_EXECUTION_ENV", f"AWS_Lambda_{RUNTIME}")


def origins() -> dict[str, dict[str, str | None]]:
    found: dict[str, dict[str, str | None]] = {}
    for name in REPORTED:
        module = sys.modules.get(name)
        if module is None:
            continue
        try:
            version: str | None = importlib.metadata.version(DISTRIBUTIONS.get(name, name))
        except importlib.metadata.PackageNotFoundError:
            version = getattr(module, "__version__", None)
        if name == "confluent_kafka":
            version = module.version()[0]  # the loaded extension's own version
        found[name] = {"version": version, "file": getattr(module, "__file__", None)}
    return found


def invoke(handler: Any, event: Any, context: Context) -> dict[str, Any]:
    try:
        return {"ok": True, "result": handler(event, context)}
    except Exception as exc:  # Lambda's error shape, as `sam local invoke` prints it
        return {
            "ok": False,
            "errorType": type(exc).__name__,
            "errorMessage": str(exc),
            "stackTrace": traceback.format_exception(exc),
        }


def main() -> int:
    parser = argparse.ArgumentParser(
        description="Invoke a built Lambda function as the python3.11 runtime would.",
        epilog="example: python -I rehearsal/lambda-invoke.py --task-root "
        ".aws-sam/build/SimulatorFunction --opt /tmp/opt --handler app.lambda_handler "
        "--event events/simulator_manual.json --result out.json",
    )
    parser.add_argument("--task-root", type=Path, required=True, help="plays /var/task")
    parser.add_argument("--opt", type=Path, required=True, help="plays /opt (merged layers)")
    parser.add_argument("--handler", required=True, help="module.function, e.g. app.lambda_handler")
    parser.add_argument("--event", type=Path, action="append", required=True, help="event JSON")
    parser.add_argument("--result", type=Path, required=True, help="where the outcome goes")
    parser.add_argument("--function-name", default="vts-rehearsal")
    parser.add_argument("--memory-mb", type=int, default=256)
    parser.add_argument("--timeout-s", type=float, default=300.0)
    args = parser.parse_args()

    mount(args.task_root.resolve(), args.opt.resolve())
    os.environ.setdefault("AWS_LAMBDA_FUNCTION_NAME", args.function_name)
    os.environ.setdefault("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", str(args.memory_mb))
    os.environ.setdefault("_HANDLER", args.handler)
    module_name, _, function_name = args.handler.rpartition(".")
    outcomes: list[dict[str, Any]] = []
    try:
        handler = getattr(importlib.import_module(module_name), function_name)
    except Exception as exc:  # an init error: Lambda reports Runtime.ImportModuleError
        outcomes.append(
            {
                "ok": False,
                "errorType": "Runtime.ImportModuleError",
                "errorMessage": f"{type(exc).__name__}: {exc}",
                "stackTrace": traceback.format_exception(exc),
            }
        )
    else:
        for path in args.event:
            context = Context(args.function_name, args.memory_mb, args.timeout_s)
            outcomes.append(invoke(handler, json.loads(path.read_text()), context))
    report = {"invocations": outcomes, "modules": origins(), "sys_path": sys.path}
    args.result.write_text(json.dumps(report, default=str, indent=1))
    return 0 if all(o["ok"] for o in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
