"""The broker's JVM command line and the one-time ``kafka-storage format`` of its data dir."""

from __future__ import annotations

import logging
import subprocess
from collections.abc import Callable, Sequence
from pathlib import Path

from vts.local.exceptions import BrokerStartError
from vts.local.kafka_config import ScramUser, new_cluster_id

logger = logging.getLogger(__name__)


def jvm_command(
    java: str, classpath: Sequence[str], *, heap: str, log4j_file: Path, log_dir: Path
) -> list[str]:
    """``java`` with a small heap, our log4j2 file and the classpath (main class not included)."""
    return [
        java,
        f"-Xmx{heap}",
        "-Xms64m",
        "-Djava.awt.headless=true",
        f"-Dlog4j2.configurationFile={log4j_file}",
        f"-Dkafka.logs.dir={log_dir}",
        "-cp",
        ":".join(classpath),
    ]


def is_formatted(data_dir: Path) -> bool:
    return (data_dir / "meta.properties").exists()


def format_storage(
    jvm: Sequence[str],
    *,
    properties_file: Path,
    data_dir: Path,
    users: Sequence[ScramUser],
    log_file: Path,
    report: Callable[[str], None],
) -> bool:
    """Format ``data_dir`` for KRaft with a new cluster id unless it is formatted already;
    SCRAM users are added at format time. True if it formatted now."""
    if is_formatted(data_dir):
        return False
    report(f"formatting Kafka storage in {data_dir}")
    argv = [
        *jvm,
        "kafka.tools.StorageTool",
        "format",
        "--config",
        str(properties_file),
        "--cluster-id",
        new_cluster_id(),
    ]
    for user in users:
        argv += ["--add-scram", user.storage_tool_arg()]
    done = subprocess.run(  # noqa: S603 - our own argv
        argv,
        cwd=properties_file.parent,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if done.returncode != 0:
        output = done.stdout + done.stderr
        for user in users:
            output = output.replace(user.password, "***")
        raise BrokerStartError(
            f"formatting storage in {data_dir} failed (exit {done.returncode})",
            log_file=log_file,
            tail="\n".join("    " + line for line in output.splitlines()[-15:]),
            tail_from="the storage tool's output",
        )
    logger.debug("formatted %s", data_dir)
    return True
