"""Publishing the Glue job's script and the zipped vts package, against moto's S3 (a mock)."""

from __future__ import annotations

import io
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pyarrow.parquet as pq
import pytest
from moto import mock_aws

import vts
from tests.aws.lambda_support import REGION, resource_request
from vts.aws.cfn_response import CustomResourceRequest, RequestType
from vts.aws.custom_resource import Deadline
from vts.aws.glue_assets import GlueAssetsResource, build_package_zip, publish_glue_assets

BUCKET = "vts-test-lake"
PACKAGE = Path(vts.__file__).parent


@pytest.fixture
def s3(aws_env: None) -> Iterator[Any]:
    with mock_aws():
        client = boto3.client("s3", region_name=REGION)
        client.create_bucket(Bucket=BUCKET)
        yield client


@pytest.fixture
def script(tmp_path: Path) -> Path:
    path = tmp_path / "scripts" / "vts_streaming_job.py"
    path.parent.mkdir()
    path.write_text("print('the streaming job')\n")
    return path


def keys(s3: Any) -> list[str]:
    return sorted(o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET).get("Contents", []))


def test_the_zip_is_deterministic_and_holds_only_sources(tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    (package / "__pycache__").mkdir(parents=True)
    (package / "__init__.py").write_text("X = 1\n")
    (package / "mod.py").write_text("Y = 2\n")
    (package / "__pycache__" / "mod.cpython-311.pyc").write_bytes(b"\0")
    first = build_package_zip(package)
    (package / "mod.py").touch()  # a new mtime must not change the bytes
    assert build_package_zip(package) == first
    (tmp_path / "pkg.zip").write_bytes(first)
    assert zipfile.ZipFile(tmp_path / "pkg.zip").namelist() == ["pkg/__init__.py", "pkg/mod.py"]


def test_the_vts_zip_is_importable_the_way_glue_adds_extra_py_files(tmp_path: Path) -> None:
    archive = tmp_path / "vts.zip"
    archive.write_bytes(build_package_zip(PACKAGE))
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]); "
        "import vts.aws.glue_assets, vts.exceptions; print(vts.aws.glue_assets.__file__)"
    )
    # -I: no site-packages and no working directory, so only the zip can provide vts.
    done = subprocess.run(
        [sys.executable, "-I", "-c", code, str(archive)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.strip().startswith(str(archive))


def test_publish_writes_script_and_zip_under_a_content_digest_moto(s3: Any, script: Path) -> None:
    assets = publish_glue_assets(s3, BUCKET, "glue/", script, PACKAGE)
    assert keys(s3) == [
        f"glue/{assets.digest}/vts.zip",
        f"glue/{assets.digest}/vts_streaming_job.py",
    ]
    assert assets.script_location == f"s3://{BUCKET}/glue/{assets.digest}/vts_streaming_job.py"
    assert assets.extra_py_files == f"s3://{BUCKET}/glue/{assets.digest}/vts.zip"
    body = s3.get_object(Bucket=BUCKET, Key=assets.script_key)["Body"].read()
    assert body == script.read_bytes()

    again = publish_glue_assets(s3, BUCKET, "glue/", script, PACKAGE)
    assert again.digest == assets.digest  # unchanged code: same keys, no job update
    script.write_text("print('changed')\n")
    changed = publish_glue_assets(s3, BUCKET, "glue/", script, PACKAGE)
    assert changed.digest != assets.digest


def request(
    kind: RequestType, props: dict[str, Any] | None = None, **extra: Any
) -> CustomResourceRequest:
    """A request for the streaming job's assets; ``props`` add or replace properties."""
    properties = {"Bucket": BUCKET, "Prefix": "glue/", "ScriptName": "vts_streaming_job.py"}
    return resource_request(
        kind, "GlueAssets", "Custom::GlueAssets", {**properties, **(props or {})}, **extra
    )


def test_resource_create_then_delete_of_the_old_digest_moto(s3: Any, script: Path) -> None:
    resource = GlueAssetsResource(s3, PACKAGE, script.parent)
    created = resource.create(request("Create"), Deadline.after(30))
    assert created.physical_resource_id == f"s3://{BUCKET}/glue/{created.data['Digest']}/"
    assert created.data["ScriptLocation"].endswith("/vts_streaming_job.py")

    script.write_text("print('v2')\n")
    updated = resource.update(
        request("Update", physical_resource_id=created.physical_resource_id),
        Deadline.after(30),
    )
    assert updated.physical_resource_id != created.physical_resource_id
    assert len(keys(s3)) == 4

    # CloudFormation's clean-up after a successful update deletes the old id only.
    resource.delete(
        request("Delete", physical_resource_id=created.physical_resource_id), Deadline.after(30)
    )
    assert keys(s3) == [
        f"glue/{updated.data['Digest']}/vts.zip",
        f"glue/{updated.data['Digest']}/vts_streaming_job.py",
    ]


def test_a_missing_script_fails_with_a_hint_moto(s3: Any, tmp_path: Path) -> None:
    resource = GlueAssetsResource(s3, PACKAGE, tmp_path)
    with pytest.raises(vts.exceptions.ConfigError) as caught:
        resource.create(request("Create"), Deadline.after(30))
    assert "sam build" in str(caught.value)
    assert keys(s3) == []


def _layer_assets(tmp_path: Path) -> tuple[Path, Path]:
    """A code layer's glue_assets/ (one jar, one wheel) and reference/ (the city's tables)."""
    from simulator.outputs.reference import write_reference

    assets = tmp_path / "glue_assets"
    (assets / "jars").mkdir(parents=True)
    (assets / "python").mkdir()
    (assets / "jars" / "aws-msk-iam-auth-2.3.2-all.jar").write_bytes(b"PK jar")
    (assets / "python" / "pkg-1.0-cp311-manylinux2014_x86_64.whl").write_bytes(b"PK whl")
    from vts.live.reference import write_live_copy

    reference = tmp_path / "reference"
    write_reference("city", reference / "city")
    write_live_copy(reference / "city", reference / "city" / "live")  # as the build does
    return assets, reference


def test_jars_and_wheels_are_published_for_the_job_arguments_moto(
    s3: Any, script: Path, tmp_path: Path
) -> None:
    assets_dir, _ = _layer_assets(tmp_path)
    assets = publish_glue_assets(s3, BUCKET, "glue/", script, PACKAGE, assets_dir)
    folder = f"s3://{BUCKET}/glue/{assets.digest}/"
    assert assets.extra_jars == folder + "jars/aws-msk-iam-auth-2.3.2-all.jar"
    assert assets.additional_python_modules == (
        folder + "python/pkg-1.0-cp311-manylinux2014_x86_64.whl"
    )
    jar = s3.get_object(Bucket=BUCKET, Key=f"glue/{assets.digest}/jars/{assets.jar_names[0]}")
    assert jar["Body"].read() == b"PK jar"
    # A changed jar is changed code: a new digest, so the job definition changes too.
    (assets_dir / "jars" / "aws-msk-iam-auth-2.3.2-all.jar").write_bytes(b"PK jar v2")
    assert publish_glue_assets(s3, BUCKET, "glue/", script, PACKAGE, assets_dir).digest != (
        assets.digest
    )


def test_the_scenarios_reference_tables_land_in_the_lake_and_survive_a_later_delete_moto(
    s3: Any, script: Path, tmp_path: Path
) -> None:
    assets_dir, reference = _layer_assets(tmp_path)
    resource = GlueAssetsResource(s3, PACKAGE, script.parent, assets_dir, reference)
    create = request("Create", {"Scenario": "city"})
    created = resource.create(create, Deadline.after(30))

    tables = ["data/roads/roads.parquet", "data/geofences/geofences.parquet"]
    live = ["reference/roads.csv", "reference/geofences.geojson"]
    assert created.data["ReferenceTables"] == ",".join(tables + live)
    assert created.data["LiveReference"] == f"s3://{BUCKET}/reference/"
    body = s3.get_object(Bucket=BUCKET, Key=tables[0])["Body"].read()
    roads = pq.read_table(io.BytesIO(body))
    assert roads.num_rows > 100 and "speed_limit_kmh" in roads.column_names
    body = s3.get_object(Bucket=BUCKET, Key=tables[1])["Body"].read()
    fences = pq.read_table(io.BytesIO(body)).to_pylist()
    assert {f["kind"] for f in fences} == {"depot", "place", "low_emission_zone", "school_zone"}
    resource.delete(
        request("Delete", physical_resource_id=created.physical_resource_id), Deadline.after(30)
    )
    assert keys(s3) == sorted(tables + live)  # lake data stays with the bucket


def test_an_unknown_scenario_fails_naming_the_built_ones_moto(
    s3: Any, script: Path, tmp_path: Path
) -> None:
    assets_dir, reference = _layer_assets(tmp_path)
    resource = GlueAssetsResource(s3, PACKAGE, script.parent, assets_dir, reference)
    create = request("Create", {"Scenario": "atlantis"})
    with pytest.raises(vts.exceptions.ConfigError, match="built: \\['city'\\]"):
        resource.create(create, Deadline.after(30))


def test_the_wheels_sam_build_fetches_for_glue_pin_what_the_dev_venv_runs() -> None:
    """layers/code/glue-python-modules.txt (what Glue installs) equals pyproject's pins and
    the installed versions, so the job runs on Glue with the decoder the tests ran."""
    import importlib.metadata
    import re
    import tomllib

    root = Path(__file__).resolve().parents[2]
    lines = (root / "layers" / "code" / "glue-python-modules.txt").read_text().splitlines()
    pins = dict(line.split("==") for line in lines if line and not line.startswith("#"))
    extras = tomllib.loads((root / "pyproject.toml").read_text())["project"]
    declared = {
        m.group(1): m.group(2)
        for spec in extras["optional-dependencies"]["spark"]
        if (m := re.match(r"^([\w-]+)==([\w.]+)$", spec))
    }
    assert "msgspec" in pins
    for name, version in pins.items():
        assert declared.get(name) == version, f"pyproject's spark extra pins {name} otherwise"
        assert importlib.metadata.version(name) == version, f"the venv has another {name}"


# The reports job reads its roads and geofences from the lake: it ships vts alone.
def test_the_reports_job_ships_vts_alone_moto(s3: Any) -> None:
    scripts = PACKAGE.resolve().parent / "glue_scripts"  # the real ones: both jobs
    created = GlueAssetsResource(s3, PACKAGE, scripts).create(
        request("Create", {"ScriptName": "vts_reports_job.py"}), Deadline.after(60)
    )
    folder = f"s3://{BUCKET}/glue/{created.data['Digest']}/"
    assert created.data["ExtraPyFiles"] == f"{folder}vts.zip"
    body = s3.get_object(Bucket=BUCKET, Key=f"glue/{created.data['Digest']}/vts.zip")["Body"]
    names = zipfile.ZipFile(io.BytesIO(body.read())).namelist()
    assert {"vts/geo.py", "vts/reference/roads.py", "vts/reference/geofences.py"} <= set(names)
