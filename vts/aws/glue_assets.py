"""Publish what the Glue job needs to the data bucket on deploy.

``sam build`` puts ``vts/``, ``simulator/``, ``glue_scripts/``, ``glue_assets/`` and
``reference/`` in the code layer (layers/code/Makefile); the ``Custom::GlueAssets``
resource's function carries that layer, so on every deploy it holds exactly what was built.
It zips the ``vts`` package (deterministically: sorted entries, fixed timestamps, no
``__pycache__``) and uploads, under ``<prefix><digest>/`` where ``digest`` is a hash of all of it:

* the job script and ``vts.zip`` (the job's ``ScriptLocation`` and ``--extra-py-files``);
* ``jars/*.jar`` from the layer's ``glue_assets/jars/`` (the job's ``--extra-jars``: the
  MSK IAM login module, shipped rather than trusted to be on Glue's classpath, and vts's
  executor plugin, which the job's ``--conf`` loads);
* ``python/*.whl`` from the layer's ``glue_assets/python/`` (the job's
  ``--additional-python-modules``: packages Glue 5.1 does not preinstall).

It also writes the scenario's reference tables into the lake under deterministic names
(``data/roads/roads.parquet``, ``data/geofences/geofences.parquet``: ``vts.reference``),
from the Parquet files the build wrote with the same code as a local run
(``simulator.outputs.reference.write_reference``), so the crawler catalogs them, Spectrum can join
them and the reports job reads them; a redeploy replaces them. Their plain-text copy (the
same rows: ``vts.live.reference``, built beside them) goes under ``reference/`` in the same
bucket (``LiveReference`` attribute), where the live consumer, which has no Parquet reader,
reads them.

The job's arguments come from this resource's attributes, so:

* there is no manual upload step, and the Glue role reads only from the stack's own bucket;
* changed code gives a new digest, new keys and an updated job definition; unchanged code
  gives the same keys, so an unrelated deploy does not touch the job;
* CloudFormation deletes the previous digest's objects after a successful update (the
  physical id is the digest's prefix), and keeps them if the update rolls back.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vts.aws.cfn_response import CustomResourceRequest
from vts.aws.custom_resource import CustomResource, Deadline, Outcome, is_failed_create
from vts.aws.exceptions import InvalidPropertyError
from vts.exceptions import ConfigError
from vts.reference.schema import LIVE_COPY_FILES, LIVE_COPY_PREFIX, TABLES

logger = logging.getLogger(__name__)

PACKAGE_ZIP_NAME = "vts.zip"
# Reference tables: name -> the file the build writes per scenario (a lake of its own,
# <reference>/<scenario>/<table>/<table>.parquet) and its key in the data bucket.
REFERENCE_TABLES = {
    t.name: (f"{t.name}/{t.file_name}", f"data/{t.name}/{t.file_name}") for t in TABLES
}
# The live copy: the build's <reference>/<scenario>/live/<file> -> reference/<file>.
LIVE_REFERENCE = {
    name: (f"live/{file_name}", f"{LIVE_COPY_PREFIX}{file_name}")
    for name, file_name in LIVE_COPY_FILES.items()
}
_ZIP_TIMESTAMP = (1980, 1, 1, 0, 0, 0)
_SKIP_DIRS = {"__pycache__", ".mypy_cache", ".pytest_cache"}
_SKIP_SUFFIXES = (".pyc", ".pyo")
_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_PREFIX = re.compile(r"^([A-Za-z0-9!_.*'()-]+/)*$")
# Where the code layer puts things inside the Lambda (layers unpack under /opt).
DEFAULT_SCRIPTS_DIR = "/opt/glue_scripts"
DEFAULT_ASSETS_DIR = "/opt/glue_assets"  # jars/ and python/ (wheels)
DEFAULT_REFERENCE_DIR = "/opt/reference"  # <scenario>/<table>/<table>.parquet


def _package_files(package_dir: Path) -> Iterator[Path]:
    for root, dirs, files in os.walk(package_dir):
        dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS)
        for name in sorted(files):
            if not name.endswith(_SKIP_SUFFIXES):
                yield Path(root) / name


def build_package_zip(package_dir: Path) -> bytes:
    """Zip a Python package so that ``import <package>`` works with the zip on ``sys.path``.

    The same files always give the same bytes (sorted entries, fixed timestamps and modes).
    """
    if not (package_dir / "__init__.py").is_file():
        raise ConfigError(
            f"{package_dir} is not a Python package (no __init__.py)",
            hint="point the Glue assets at the vts package directory",
        )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in _package_files(package_dir):
            arcname = f"{package_dir.name}/{path.relative_to(package_dir).as_posix()}"
            info = zipfile.ZipInfo(arcname, date_time=_ZIP_TIMESTAMP)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, path.read_bytes())
    return buffer.getvalue()


@dataclass(frozen=True)
class GlueAssets:
    """The published objects: where the job's script and extra Python files are."""

    bucket: str
    prefix: str
    digest: str
    script_name: str
    jar_names: tuple[str, ...] = ()
    wheel_names: tuple[str, ...] = ()

    @property
    def folder(self) -> str:
        return f"{self.prefix}{self.digest}/"

    @property
    def script_key(self) -> str:
        return self.folder + self.script_name

    @property
    def package_key(self) -> str:
        return self.folder + PACKAGE_ZIP_NAME

    @property
    def script_location(self) -> str:
        return f"s3://{self.bucket}/{self.script_key}"

    @property
    def extra_py_files(self) -> str:
        return f"s3://{self.bucket}/{self.package_key}"

    @property
    def extra_jars(self) -> str:
        return ",".join(f"s3://{self.bucket}/{self.folder}jars/{n}" for n in self.jar_names)

    @property
    def additional_python_modules(self) -> str:
        return ",".join(f"s3://{self.bucket}/{self.folder}python/{n}" for n in self.wheel_names)

    @property
    def physical_id(self) -> str:
        return f"s3://{self.bucket}/{self.folder}"


def _files(folder: Path | None, suffix: str) -> list[Path]:
    if folder is None or not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_file() and p.name.endswith(suffix))


def publish_glue_assets(
    s3: Any,
    bucket: str,
    prefix: str,
    script: Path,
    package_dir: Path,
    assets_dir: Path | None = None,
) -> GlueAssets:
    """Upload the script, the package zip, jars and wheels under a content-addressed folder."""
    if not script.is_file():
        raise ConfigError(
            f"the Glue job script {script} does not exist",
            hint="check that the code layer was built with glue_scripts/ (sam build)",
        )
    script_bytes = script.read_bytes()
    package_zip = build_package_zip(package_dir)
    jars = _files(assets_dir / "jars" if assets_dir else None, ".jar")
    wheels = _files(assets_dir / "python" if assets_dir else None, ".whl")
    digest_input = hashlib.sha256(script_bytes + b"\0" + package_zip)
    for path in (*jars, *wheels):
        digest_input.update(b"\0" + path.name.encode() + b"\0" + path.read_bytes())
    assets = GlueAssets(
        bucket=bucket,
        prefix=prefix,
        digest=digest_input.hexdigest()[:16],
        script_name=script.name,
        jar_names=tuple(p.name for p in jars),
        wheel_names=tuple(p.name for p in wheels),
    )
    s3.put_object(Bucket=bucket, Key=assets.script_key, Body=script_bytes)
    s3.put_object(Bucket=bucket, Key=assets.package_key, Body=package_zip)
    for folder, paths in (("jars", jars), ("python", wheels)):
        for path in paths:
            s3.put_object(
                Bucket=bucket, Key=f"{assets.folder}{folder}/{path.name}", Body=path.read_bytes()
            )
    logger.info(
        "published %s (%d bytes), %s (%d bytes), %d jars and %d wheels",
        assets.script_location,
        len(script_bytes),
        assets.extra_py_files,
        len(package_zip),
        len(jars),
        len(wheels),
    )
    return assets


def publish_reference_tables(s3: Any, bucket: str, reference_dir: Path, scenario: str) -> list[str]:
    """Copy the scenario's reference tables (built by ``sam build``) into the lake."""
    folder = reference_dir / scenario
    if not folder.is_dir():
        built = sorted(p.name for p in reference_dir.iterdir()) if reference_dir.is_dir() else []
        raise ConfigError(
            f"no reference tables were built for scenario {scenario!r} (built: {built or 'none'})",
            hint="pass a Scenario the simulator knows, and build with `make build`",
        )
    keys = []
    for name, (file_name, key) in [*REFERENCE_TABLES.items(), *LIVE_REFERENCE.items()]:
        body = (folder / file_name).read_bytes()
        s3.put_object(Bucket=bucket, Key=key, Body=body)
        logger.info("wrote the %s table of %s to s3://%s/%s", name, scenario, bucket, key)
        keys.append(key)
    return keys


def delete_folder(s3: Any, physical_id: str) -> int:
    """Delete the objects a previous publish wrote (``s3://bucket/prefix/digest/``)."""
    match = re.match(r"^s3://([^/]+)/(.+/)$", physical_id)
    if not match:
        logger.info("physical id %s is not a published folder; nothing to delete", physical_id)
        return 0
    bucket, folder = match.groups()
    deleted = 0
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=folder):
        keys = [{"Key": item["Key"]} for item in page.get("Contents", [])]
        if keys:
            s3.delete_objects(Bucket=bucket, Delete={"Objects": keys, "Quiet": True})
            deleted += len(keys)
    logger.info("deleted %d objects under %s", deleted, physical_id)
    return deleted


class GlueAssetsResource(CustomResource):
    """``Custom::GlueAssets``: properties ``Bucket``, ``Prefix``, ``ScriptName`` and
    (optional) ``Scenario``, whose reference tables are written into the lake. The job
    gets ``vts`` only: nothing a job imports lives outside it.

    Attributes: ``ScriptLocation``, ``ExtraPyFiles``, ``ExtraJars`` and
    ``AdditionalPythonModules`` (s3:// URIs, comma-separated), ``Digest``,
    ``ReferenceTables`` (the keys written: the lake's tables and their live copy) and
    ``LiveReference`` (the live copy's ``s3://`` folder, empty without a ``Scenario``).

    Deleting removes the published folder; the reference tables are lake data and stay
    with the bucket (a new publish has already replaced them when an update deletes the
    previous folder).
    """

    def __init__(
        self,
        s3: Any,
        package_dir: Path,
        scripts_dir: Path,
        assets_dir: Path | None = None,
        reference_dir: Path | None = None,
    ) -> None:
        self._s3 = s3
        self._package_dir = package_dir
        self._scripts_dir = scripts_dir
        self._assets_dir = assets_dir
        self._reference_dir = reference_dir

    def _publish(self, request: CustomResourceRequest) -> Outcome:
        props = request.properties
        bucket = props.get("Bucket")
        if not isinstance(bucket, str) or not _BUCKET.match(bucket):
            raise InvalidPropertyError("Bucket", bucket, "an S3 bucket name")
        prefix = props.get("Prefix", "glue/")
        if not isinstance(prefix, str) or not _PREFIX.match(prefix):
            raise InvalidPropertyError("Prefix", prefix, "a key prefix ending in '/'")
        script_name = props.get("ScriptName")
        if not isinstance(script_name, str) or not re.match(r"^[\w.-]+\.py$", script_name):
            raise InvalidPropertyError("ScriptName", script_name, "a .py file in glue_scripts/")
        scenario = props.get("Scenario")
        if scenario is not None and (
            not isinstance(scenario, str) or not re.match(r"^[a-z0-9_-]+$", scenario)
        ):
            raise InvalidPropertyError("Scenario", scenario, "a simulator scenario name")
        assets = publish_glue_assets(
            self._s3,
            bucket,
            prefix,
            self._scripts_dir / script_name,
            self._package_dir,
            self._assets_dir,
        )
        tables: list[str] = []
        if scenario is not None:
            reference = self._reference_dir or Path(DEFAULT_REFERENCE_DIR)
            tables = publish_reference_tables(self._s3, bucket, reference, scenario)
        return Outcome(
            physical_resource_id=assets.physical_id,
            data={
                "ScriptLocation": assets.script_location,
                "ExtraPyFiles": assets.extra_py_files,
                "ExtraJars": assets.extra_jars,
                "AdditionalPythonModules": assets.additional_python_modules,
                "Digest": assets.digest,
                "ReferenceTables": ",".join(tables),
                "LiveReference": f"s3://{bucket}/{LIVE_COPY_PREFIX}" if tables else "",
            },
            reason=f"published Glue assets {assets.digest}",
        )

    def create(self, request: CustomResourceRequest, deadline: Deadline) -> Outcome:
        return self._publish(request)

    def update(self, request: CustomResourceRequest, deadline: Deadline) -> Outcome:
        return self._publish(request)

    def delete(self, request: CustomResourceRequest, deadline: Deadline) -> Outcome:
        physical = request.physical_resource_id or ""
        if is_failed_create(physical):
            return Outcome(physical, reason="nothing was published")
        try:
            deleted = delete_folder(self._s3, physical)
        except self._s3.exceptions.NoSuchBucket:
            deleted = 0  # the bucket went first (e.g. emptied and deleted by hand)
        return Outcome(physical, reason=f"deleted {deleted} objects")
