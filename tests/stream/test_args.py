"""Job arguments: Glue options and local argv map onto one validated ``JobArgs``."""

from __future__ import annotations

import pytest

from vts.contract.topics import TOPIC_NAMES
from vts.stream.args import GLUE_REQUIRED, JobArgs, glue_option_names, parse_argv
from vts.stream.exceptions import JobArgsError

REQUIRED = {
    "JOB_NAME": "vts-stream",
    "bootstrap_servers": "b-1.msk:9098",
    "output_path": "s3://bucket/data",
    "quarantine_path": "s3://bucket/quarantine",
    "checkpoint_path": "s3://bucket/checkpoints/job",
}


def test_glue_options_with_defaults() -> None:
    args = JobArgs.from_options(REQUIRED, catalog="glue")
    assert args.job_name == "vts-stream"
    assert args.topics == TOPIC_NAMES
    assert (args.kafka_auth, args.starting_offsets, args.trigger_seconds) == (
        "plaintext",
        "earliest",
        60,
    )
    assert (args.catalog, args.catalog_database, args.register_partitions) == ("glue", "vts", True)
    assert (args.watermark, args.v0_timezone, args.max_offsets_per_trigger) == (
        "10 minutes",
        "UTC",
        500_000,  # a batch's rows wait in the workers' memory: the cap bounds it
    )
    assert args.layout.table_root("gps_data") == "s3://bucket/data/gps_data"
    assert args.layout.table_root("quarantine") == "s3://bucket/quarantine"


def test_every_documented_option_is_converted() -> None:
    options = {
        **REQUIRED,
        "topics": "gps_data, vehicle_data",
        "topic_prefix": "prod.",
        "kafka_auth": "iam",
        "kafka_secret_arn": "",
        "trigger_seconds": "30",
        "starting_offsets": "latest",
        "catalog_database": "fleet",
        "v0_timezone": "Europe/London",
        "register_partitions": "false",
        "max_offsets_per_trigger": "50000",
        "watermark": "1 hour",
        "available_now": "true",
        "fail_on_data_loss": "false",
        "shuffle_partitions": "8",
        "region": "eu-west-1",
        "TempDir": "s3://glue-temp/",  # Glue's own arguments are ignored
    }
    args = JobArgs.from_options(options)
    assert args.topics == ("gps_data", "vehicle_data")
    assert args.topic_names == ("prod.gps_data", "prod.vehicle_data")
    assert args.kafka_secret_arn is None
    assert (args.trigger_seconds, args.max_offsets_per_trigger, args.shuffle_partitions) == (
        30,
        50000,
        8,
    )
    assert args.register_partitions is False and args.available_now is True
    assert args.fail_on_data_loss is False
    assert (args.v0_timezone, args.watermark, args.region) == (
        "Europe/London",
        "1 hour",
        "eu-west-1",
    )


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("topics", "gps_data,bicycles"),
        ("kafka_auth", "kerberos"),
        ("starting_offsets", "yesterday"),
        ("trigger_seconds", "0"),
        ("trigger_seconds", "soon"),
        ("watermark", "10"),
        ("v0_timezone", "Mars/Olympus"),
        ("register_partitions", "maybe"),
        ("max_offsets_per_trigger", "-5"),
        ("catalog", "hive"),
    ],
)
def test_invalid_options_name_the_argument(name: str, value: str) -> None:
    with pytest.raises(JobArgsError, match=f"--{name}"):
        JobArgs.from_options({**REQUIRED, name: value})


def test_missing_required_option() -> None:
    with pytest.raises(JobArgsError, match="--output_path"):
        JobArgs.from_options({k: v for k, v in REQUIRED.items() if k != "output_path"})


def test_glue_option_names_resolve_only_what_was_passed() -> None:
    argv = ["script.py", "--JOB_NAME", "j", "--topics", "gps_data", "--watermark=5 minutes"]
    names = glue_option_names(argv)
    assert names[: len(GLUE_REQUIRED)] == list(GLUE_REQUIRED)
    assert set(names) - set(GLUE_REQUIRED) == {"topics", "watermark"}


def test_parse_argv_takes_glue_style_pairs() -> None:
    argv = ["--output_path", "/lake", "--available_now", "--watermark=5 minutes", "stray"]
    assert parse_argv(argv) == {
        "output_path": "/lake",
        "available_now": "true",
        "watermark": "5 minutes",
    }
