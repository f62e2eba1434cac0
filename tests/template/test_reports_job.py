"""The reports job in the template: Glue batch job, its code, schedules, tables, IAM."""

from __future__ import annotations

import json
import re

import pytest

from tests.template.cfn import REPO, Stack, glue_table_arn, may
from tests.template.scenarios import SCENARIOS
from vts.aws.glue_assets import REFERENCE_TABLES
from vts.reports.tables import TABLES

REPORT_TABLES = {t.name for t in TABLES}


@pytest.fixture(scope="module", params=sorted(SCENARIOS))
def stack(request: pytest.FixtureRequest) -> Stack:
    return Stack(SCENARIOS[request.param])


def test_the_reports_job_runs_its_published_script_with_vts_alone(stack: Stack) -> None:
    job = stack.props("ReportsJob")
    assert job["GlueVersion"] == "5.1" and job["Command"]["Name"] == "glueetl"
    assert job["Command"]["ScriptLocation"] == "{ReportsGlueAssets.ScriptLocation}"
    assets = stack.props("ReportsGlueAssets")
    assert assets["ScriptName"] == "vts_reports_job.py"
    assert (REPO / "glue_scripts" / assets["ScriptName"]).is_file()
    assert "ExtraPackages" not in assets  # vts.zip alone: the library needs no simulator
    args = job["DefaultArguments"]
    assert args["--extra-py-files"] == "{ReportsGlueAssets.ExtraPyFiles}"
    assert args["--lake_path"] == "s3://{Ref:DataBucket}/data"
    assert "--scenario" not in args  # the roads and geofences are the lake's


def test_the_reports_job_may_read_the_reference_tables_the_deploy_writes(stack: Stack) -> None:
    statements = stack.props("ReportsJobRole")["Policies"][0]["PolicyDocument"]["Statement"]
    readable = {r for s in statements if "s3:GetObject" in s["Action"] for r in s["Resource"]}
    written = stack.props("GlueAssetsRole")["Policies"][0]["PolicyDocument"]["Statement"]
    (reference,) = [s for s in written if s["Sid"] == "WriteReferenceTables"]
    assert set(reference["Resource"]) == {
        f"{{DataBucket.Arn}}/data/{key.split('/')[1]}/*" for _, key in REFERENCE_TABLES.values()
    }
    assert set(reference["Resource"]) <= readable


def test_the_reports_job_may_read_every_stream_its_rules_fold(stack: Stack) -> None:
    # the fixes (vehicle_data or gps_data) and the incidents near_incident needs
    statements = stack.props("ReportsJobRole")["Policies"][0]["PolicyDocument"]["Statement"]
    readable = {r for s in statements if "s3:GetObject" in s["Action"] for r in s["Resource"]}
    for table in ("vehicle_data", "gps_data", "emergency_data"):
        assert f"{{DataBucket.Arn}}/data/{table}/*" in readable, table


def test_schedules_build_yesterday_daily_and_today_hourly(stack: Stack) -> None:
    days = {}
    for logical in ("ReportsDailySchedule", "ReportsHourlySchedule"):
        props = stack.props(logical)
        target = props["Target"]
        assert target["Arn"] == "arn:aws:scheduler:::aws-sdk:glue:startJobRun"
        body = json.loads(target["Input"])
        assert body["JobName"] == "{Ref:ReportsJob}"
        days[logical] = (props["ScheduleExpression"], body["Arguments"]["--day"])
        assert props["State"] == (
            "ENABLED" if stack.params["PipelineEnabled"] == "true" else "DISABLED"
        )
    assert days["ReportsDailySchedule"] == ("cron(20 0 * * ? *)", "yesterday")
    assert days["ReportsHourlySchedule"] == ("cron(5 * * * ? *)", "today")
    statements = stack.props("ReportsSchedulerRole")["Policies"][0]["PolicyDocument"]["Statement"]
    (start,) = [s for s in statements if s["Action"] == "glue:StartJobRun"]
    assert start["Resource"].endswith(":job/{Ref:ReportsJob}")
    # A start the scheduler gives up on lands in a queue an alarm watches.
    (dead_letter,) = [s for s in statements if s["Action"] == "sqs:SendMessage"]
    for logical in days:
        dlq = stack.props(logical)["Target"]["DeadLetterConfig"]["Arn"]
        assert dlq == dead_letter["Resource"] == "{ReportsScheduleDeadLetterQueue.Arn}"
    watched = {
        d["Value"]
        for a in stack.of_type("AWS::CloudWatch::Alarm").values()
        for d in a["Properties"]["Dimensions"]
    }
    assert "{ReportsScheduleDeadLetterQueue.QueueName}" in watched


def test_report_tables_are_written_crawled_and_readable(stack: Stack) -> None:
    statements = stack.props("ReportsJobRole")["Policies"][0]["PolicyDocument"]["Statement"]
    (write,) = [s for s in statements if "s3:PutObject" in s["Action"]]
    written = {
        m.group(1) for r in write["Resource"] if (m := re.search(r"/data/(report_\w+)/\*$", r))
    }
    assert written == REPORT_TABLES
    crawled = {
        t["Path"].rstrip("/").rsplit("/", 1)[1]
        for t in stack.props("Crawler")["Targets"]["S3Targets"]
    }
    assert REPORT_TABLES <= crawled
    for table in REPORT_TABLES:
        arn = glue_table_arn(stack, table)
        assert may(stack, "CrawlerRole", "glue:CreateTable", arn), table
        if stack.condition("HasRedshift"):
            assert may(stack, "SpectrumRole", "glue:GetTable", arn), table
    queried = {
        name
        for path in (REPO / "sql" / "reports").glob("*.sql")
        for name in re.findall(r"\$\{schema\}\.(\w+)", path.read_text())
    }
    assert queried and queried <= REPORT_TABLES
