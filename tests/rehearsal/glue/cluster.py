"""A Spark standalone cluster whose nodes share no path with the driver.

The cluster rehearsal runs the published Glue job as a driver on this machine and its
executors on pyspark's own standalone master and two workers
(``spark-class org.apache.spark.deploy.master.Master`` / ``...worker.Worker``). Each worker
is a node of its own:

* **its own JVM, Python workers and environment**: started with an environment built
  here, not the test's (no ``PYTHONPATH``, ``VTS_HOME`` or jar cache), so the executors it
  launches and their Python workers inherit only the node's;
* **its own disk**: ``SPARK_WORKER_DIR`` (where executors run and fetch the job's jars
  and ``--py-files``), ``SPARK_LOCAL_DIRS``, ``TMPDIR``/``java.io.tmpdir`` and ``HOME``
  under a node folder outside every path the driver uses;
* **no path shared with the driver**: the worker runs in a mount namespace of its own
  (``unshare --mount``) in which the driver's folders (``hidden``: its home, cwd, tmp and
  ``VTS_HOME``, the checkout, the jar cache) are empty tmpfs mounts. An executor that
  opened a driver path would find nothing there, so the job's code must reach it as Glue
  ships it: ``--py-files`` (the ``vts.zip`` of ``--extra-py-files``) and the jars through
  Spark's file server (``spark.jars``);
* **a node image**, the part every Glue node has preinstalled: Java, the Glue 5.1 Python
  (the rehearsal venv, with pyspark), the S3 connector (here the ``s3a`` jars, on the
  executors' classpath through ``SPARK_DIST_CLASSPATH``) and the job's
  ``--additional-python-modules`` (installed per node, as Glue installs them on every node).
  The venv is bound back into the namespace at its own path when a hidden folder holds it,
  because the driver names the executors' Python by its path (``PYSPARK_PYTHON``);
* **credentials the way a node has them**: Glue gives the job's role to every node, and
  its processes find the credentials themselves (the AWS SDKs' default chains); nothing
  in the job's arguments or Spark's configuration carries them. Here each node's own
  environment holds keys of its own (moto accepts any), so an executor that used the
  driver's would show it (``Node.environ``). Which source Glue's executors offer (the
  environment, a container or instance endpoint) is not something a local run can show;
  pyarrow's chain (AWS SDK for C++) and the JVM's look in the environment first.

The machine is small: each worker offers 1 core and 1 GB, each executor takes 640 MB.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

WORKER_CORES = 1
WORKER_MEMORY = "1g"
EXECUTOR_MEMORY = "640m"
EXECUTOR_CLASS = "org.apache.spark.executor.CoarseGrainedExecutorBackend"
PYTHON_WORKER_MODULES = ("pyspark.daemon", "pyspark.worker")
START_TIMEOUT_S = 120.0
# A node's own folders (the rest of its folder is its image and logs).
SCRATCH = ("home", "tmp", "local", "work")

# Runs in the worker's new mount namespace, then execs the worker. The image's parts are
# bound under the node folder first, so hiding a folder that holds one of them loses
# nothing; the venv is bound back at its own path.
NAMESPACE_SCRIPT = """
set -eu
mount --make-rprivate /
mkdir -p "$NODE/image/venv" "$NODE/image/s3a"
mount --bind "$IMAGE_VENV" "$NODE/image/venv"
mount --bind "$IMAGE_S3A" "$NODE/image/s3a"
for folder in $HIDDEN; do
  [ -d "$folder" ] || continue  # inside a folder hidden already
  mount -t tmpfs -o size=1m,mode=0755 vts-hidden "$folder"
done
if [ ! -x "$IMAGE_VENV/bin/python" ]; then
  mkdir -p "$IMAGE_VENV"
  mount --bind "$NODE/image/venv" "$IMAGE_VENV"
fi
exec "$@"
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _children() -> dict[int, list[int]]:
    """Every process's children, from /proc."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    return children


def descendants(pid: int) -> list[int]:
    """``pid``'s descendants (children first)."""
    tree = _children()
    found: list[int] = []
    todo = list(tree.get(pid, []))
    while todo:
        child = todo.pop(0)
        found.append(child)
        todo.extend(tree.get(child, []))
    return found


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def environ(pid: int) -> dict[str, str]:
    """A process's environment, as it started."""
    raw = Path(f"/proc/{pid}/environ").read_bytes()
    pairs = (item.split(b"=", 1) for item in raw.split(b"\0") if b"=" in item)
    return {k.decode(): v.decode(errors="replace") for k, v in pairs}


@dataclass
class Node:
    """One worker: its process (the namespace's root), folder and credentials."""

    name: str
    root: Path
    process: subprocess.Popen[bytes]
    credentials: Mapping[str, str]
    log: Path

    def executors(self) -> list[int]:
        return [p for p in descendants(self.process.pid) if EXECUTOR_CLASS in cmdline(p)]

    def python_workers(self) -> list[int]:
        """The executors' Python processes (pyspark's daemon and the workers it forks)."""
        return [
            p
            for e in self.executors()
            for p in descendants(e)
            if any(m in cmdline(p) for m in PYTHON_WORKER_MODULES)
        ]

    def kill_executors(self) -> list[int]:
        """SIGKILL every executor JVM of this node and its Python workers at once."""
        victims = [p for e in self.executors() for p in (e, *descendants(e))]
        for pid in victims:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        return victims

    def view(self, path: Path | str) -> Path:
        """``path`` as this node's processes see it (its mount namespace)."""
        return Path(f"/proc/{self.process.pid}/root") / str(path).lstrip("/")

    def sees(self, folder: Path, image: Path) -> list[str]:
        """What the node finds in ``folder``, one of the driver's: nothing, or the way to
        its ``image`` (the venv, bound back when it lies inside ``folder``)."""
        way = image.relative_to(folder).parts[0] if image.is_relative_to(folder) else None
        seen = self.view(folder)  # absent when it lies in a folder hidden already
        return [p.name for p in seen.iterdir() if p.name != way] if seen.exists() else []

    def files(self) -> list[Path]:
        """Every file the node's processes wrote (its scratch folders, not its image), as
        the node sees them, relative to its folder."""
        root = self.view(self.root)
        return sorted(
            p.relative_to(root) for sub in SCRATCH for p in (root / sub).rglob("*") if p.is_file()
        )


@dataclass
class StandaloneCluster:
    """The master and its workers; ``stop()`` ends every process they started."""

    master_url: str
    web_url: str
    master: subprocess.Popen[bytes]
    hidden: tuple[Path, ...]  # the driver's folders, empty on every node
    nodes: list[Node] = field(default_factory=list)

    def state(self) -> dict[str, object]:
        with urllib.request.urlopen(f"{self.web_url}/json/", timeout=5) as response:  # noqa: S310 - loopback
            state: dict[str, object] = json.load(response)
        return state

    def alive_workers(self) -> int:
        workers = self.state().get("workers", [])
        assert isinstance(workers, list)
        return sum(1 for w in workers if w.get("state") == "ALIVE")

    def stop(self) -> None:
        processes = [n.process for n in self.nodes] + [self.master]
        for process in processes:
            for pid in [*descendants(process.pid), process.pid]:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        for process in processes:
            process.wait(timeout=30)


def _spark_env(venv: Path, folder: Path) -> dict[str, str]:
    """The environment every cluster process starts from (nothing of the test's)."""
    spark_home = next((venv / "lib").glob("python3*/site-packages/pyspark"))
    for name in ("home", "tmp", "logs", "conf"):
        (folder / name).mkdir(parents=True, exist_ok=True)
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "JAVA_HOME": os.environ.get("JAVA_HOME", ""),
        "HOME": str(folder / "home"),
        "TMPDIR": str(folder / "tmp"),
        "SPARK_HOME": str(spark_home),
        "SPARK_CONF_DIR": str(folder / "conf"),  # empty: no spark-defaults of anyone else
        "SPARK_LOG_DIR": str(folder / "logs"),
        "SPARK_LOCAL_IP": "127.0.0.1",
        "JAVA_TOOL_OPTIONS": f"-Djava.io.tmpdir={folder / 'tmp'}",
    }


def _spark_class(venv: Path) -> str:
    return str(next((venv / "lib").glob("python3*/site-packages/pyspark/bin/spark-class")))


def _wait(
    ready: Callable[[], bool],
    what: str,
    logs: Iterable[Path],
    processes: Iterable[subprocess.Popen[bytes]],
) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline and all(p.poll() is None for p in processes):
        try:
            if ready():
                return
        except OSError:
            pass
        time.sleep(0.5)
    tails = "\n".join(f"--- {p} ---\n{p.read_text(errors='replace')[-3000:]}" for p in logs)
    raise TimeoutError(f"{what} did not start (in {START_TIMEOUT_S:g}s)\n{tails}")


def namespace_prefix() -> list[str]:
    """``unshare`` for a private mount namespace (as root, or in a user namespace)."""
    unshare = shutil.which("unshare")
    if unshare is None:
        raise FileNotFoundError("unshare (util-linux) is needed to give a worker its own mounts")
    if os.geteuid() == 0:
        return [unshare, "--mount"]
    return [unshare, "--user", "--map-root-user", "--mount"]


def start_cluster(
    venv: Path,
    folder: Path,
    *,
    hidden: Iterable[Path],
    s3_connector: Path,
    python_modules: Path,
    node_env: Mapping[str, Mapping[str, str]],
) -> StandaloneCluster:
    """A master and one worker per ``node_env`` entry (name -> the node's own variables,
    e.g. its credentials), under ``folder``; the workers cannot see ``hidden``."""
    spark_class = _spark_class(venv)
    master_dir = folder / "master"
    port, web_port = free_port(), free_port()
    env = _spark_env(venv, master_dir)
    master_log = master_dir / "logs" / "master.log"
    with master_log.open("wb") as out:
        master = subprocess.Popen(
            [
                spark_class,
                "org.apache.spark.deploy.master.Master",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--webui-port",
                str(web_port),
            ],
            env=env,
            cwd=master_dir,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    hidden = tuple(p for p in hidden if p.exists())
    cluster = StandaloneCluster(
        f"spark://127.0.0.1:{port}", f"http://127.0.0.1:{web_port}", master, hidden
    )
    logs = [master_log]
    try:
        _wait(lambda: cluster.state() is not None, "the master", logs, [master])
        hidden_list = " ".join(shlex.quote(str(p)) for p in hidden)
        for name, own in node_env.items():
            root = folder / name
            env = _spark_env(venv, root)
            modules = root / "python-modules"  # --additional-python-modules, per node
            shutil.copytree(python_modules, modules)
            for sub in ("local", "work"):
                (root / sub).mkdir()
            env.update(
                {
                    "NODE": str(root),
                    "IMAGE_VENV": str(venv),
                    "IMAGE_S3A": str(s3_connector),
                    "HIDDEN": hidden_list,
                    "SPARK_DIST_CLASSPATH": f"{root}/image/s3a/*",
                    "SPARK_LOCAL_DIRS": str(root / "local"),
                    "SPARK_WORKER_DIR": str(root / "work"),
                    "PYTHONPATH": str(modules),
                    **own,
                }
            )
            log = root / "logs" / "worker.log"
            with log.open("wb") as out:
                process = subprocess.Popen(
                    [
                        *namespace_prefix(),
                        "sh",
                        "-c",
                        NAMESPACE_SCRIPT,
                        "node",
                        spark_class,
                        "org.apache.spark.deploy.worker.Worker",
                        "--host",
                        "127.0.0.1",
                        "--cores",
                        str(WORKER_CORES),
                        "--memory",
                        WORKER_MEMORY,
                        "--work-dir",
                        str(root / "work"),
                        "--webui-port",
                        str(free_port()),
                        cluster.master_url,
                    ],
                    env=env,
                    cwd=root / "home",
                    stdout=out,
                    stderr=subprocess.STDOUT,
                )
            cluster.nodes.append(Node(name, root, process, dict(own), log))
            logs.append(log)
        _wait(
            lambda: cluster.alive_workers() == len(node_env),
            "the workers",
            logs,
            [master, *(n.process for n in cluster.nodes)],
        )
    except BaseException:
        cluster.stop()
        raise
    return cluster
