"""Local Spark settings (no JVM): the S3 endpoint option and what it configures."""

from __future__ import annotations

from pathlib import Path

import pytest

from vts.local.exceptions import JarsNotInstalledError
from vts.settings import LocalPaths
from vts.spark.session import QUIET_KAFKA_PLUGIN, S3A_FILESYSTEM, SparkSettings, s3_conf


@pytest.fixture
def jar_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for profile, name in (
        ("spark", "spark-sql-kafka.jar"),
        ("vts", "vts-spark.jar"),
        ("s3a", "hadoop-aws-3.3.4.jar"),
    ):
        (tmp_path / "jars" / profile).mkdir(parents=True)
        (tmp_path / "jars" / profile / name).write_bytes(b"")
    monkeypatch.setenv("VTS_JARS_DIR", str(tmp_path / "jars"))
    monkeypatch.delenv("VTS_S3_ENDPOINT", raising=False)
    monkeypatch.delenv("VTS_SPARK_MASTER", raising=False)
    return tmp_path / "jars"


def test_an_http_endpoint_serves_s3a_and_s3_without_tls() -> None:
    conf = s3_conf("http://127.0.0.1:5000", "eu-west-1")
    assert conf == {
        "spark.hadoop.fs.s3a.endpoint": "http://127.0.0.1:5000",
        "spark.hadoop.fs.s3a.path.style.access": "true",
        "spark.hadoop.fs.s3a.connection.ssl.enabled": "false",
        "spark.hadoop.fs.s3a.aws.credentials.provider": (
            "com.amazonaws.auth.EnvironmentVariableCredentialsProvider"
        ),
        "spark.hadoop.fs.s3.impl": S3A_FILESYSTEM,
        "spark.hadoop.fs.s3a.endpoint.region": "eu-west-1",
    }
    assert not any("secret" in key or "access.key" in key for key in conf)  # no credentials


def test_an_endpoint_without_a_scheme_is_https() -> None:
    conf = s3_conf("minio.internal:9000")
    assert conf["spark.hadoop.fs.s3a.endpoint"] == "https://minio.internal:9000"
    assert conf["spark.hadoop.fs.s3a.connection.ssl.enabled"] == "true"
    assert "spark.hadoop.fs.s3a.endpoint.region" not in conf


def test_vts_s3_endpoint_adds_the_s3a_jars(
    jar_cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plain = SparkSettings.local(LocalPaths(tmp_path))
    assert plain.s3_endpoint is None and plain.classpath == ()
    monkeypatch.setenv("VTS_S3_ENDPOINT", "http://127.0.0.1:5000")
    on_s3 = SparkSettings.local(LocalPaths(tmp_path), kafka=False)
    assert on_s3.s3_endpoint == "http://127.0.0.1:5000"
    assert on_s3.classpath == (jar_cache / "s3a" / "hadoop-aws-3.3.4.jar",)
    assert on_s3.jars == ()


def test_an_endpoint_without_the_s3a_jars_says_run_make_jars(
    jar_cache: Path, tmp_path: Path
) -> None:
    (jar_cache / "s3a" / "hadoop-aws-3.3.4.jar").unlink()
    with pytest.raises(JarsNotInstalledError, match="'s3a' jars") as caught:
        SparkSettings.local(LocalPaths(tmp_path), s3_endpoint="http://127.0.0.1:5000")
    assert "make jars" in (caught.value.hint or "")


def test_a_session_that_reads_kafka_loads_vts_s_plugin_from_its_jar(
    jar_cache: Path, tmp_path: Path
) -> None:
    kafka = SparkSettings.local(LocalPaths(tmp_path))
    assert kafka.plugins == (QUIET_KAFKA_PLUGIN,)
    assert jar_cache / "vts" / "vts-spark.jar" in kafka.jars
    assert SparkSettings.local(LocalPaths(tmp_path), kafka=False).plugins == ()


def test_vts_spark_master_puts_the_session_on_a_cluster(
    jar_cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert SparkSettings.local(LocalPaths(tmp_path)).master == "local[2]"
    monkeypatch.setenv("VTS_SPARK_MASTER", "spark://127.0.0.1:7077")
    assert SparkSettings.local(LocalPaths(tmp_path)).master == "spark://127.0.0.1:7077"


def test_a_built_class_archive_is_passed_to_the_driver_jvm(
    jar_cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`make jars` builds it; a session finds it by its classpath's key, and only then."""
    from vts.spark import class_archive

    monkeypatch.delenv("VTS_SPARK_CLASS_ARCHIVE", raising=False)
    assert SparkSettings.local(LocalPaths(tmp_path)).class_archive is None  # not built
    settings = SparkSettings.local(LocalPaths(tmp_path))
    archive = class_archive.archive_path(jar_cache, settings.classpath, settings.jars)
    archive.parent.mkdir(parents=True)
    archive.write_bytes(b"")
    assert SparkSettings.local(LocalPaths(tmp_path)).class_archive == archive
    options = class_archive.java_options(archive)
    assert f"-XX:SharedArchiveFile={archive}" in options
    assert "-Xlog:all=warning:stderr" in options  # a stale archive's warning: not on stdout
    # another classpath (the s3a jars) is another archive, which was not built
    monkeypatch.setenv("VTS_S3_ENDPOINT", "http://127.0.0.1:5000")
    assert SparkSettings.local(LocalPaths(tmp_path)).class_archive is None
    monkeypatch.delenv("VTS_S3_ENDPOINT")
    monkeypatch.setenv("VTS_SPARK_CLASS_ARCHIVE", "off")
    assert SparkSettings.local(LocalPaths(tmp_path)).class_archive is None


def test_the_local_driver_compiles_with_c1_only(jar_cache: Path, tmp_path: Path) -> None:
    """Local runs are start-up-bound: C2's compiler threads cost more than they save."""
    assert "-XX:TieredStopAtLevel=1" in SparkSettings.local(LocalPaths(tmp_path)).java_options
