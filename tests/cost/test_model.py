"""The cost model against figures computed by hand from the price table."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from vts.cost.markdown import render_markdown
from vts.cost.model import HOURS_PER_MONTH, estimate
from vts.cost.prices import US_EAST_1 as P
from vts.cost.workload import PRESETS, Workload
from vts.exceptions import ConfigError

REPO_DOCS = Path(__file__).resolve().parents[2] / "docs" / "cost"


def line(est: object, component: str) -> float:
    (match,) = [x for x in est.lines if x.component == component]  # type: ignore[attr-defined]
    return float(match.hourly)


def test_the_demo_lines_match_a_hand_calculation() -> None:
    est = estimate(PRESETS["demo"])
    # 100 vehicles x 2 events/s x 60 s = 12,000 events per invocation, 60 invocations/h.
    seconds = 1.0 + 12_000 / 100_000
    assert line(est, "Lambda simulator") == pytest.approx(
        60 * seconds * 1.0 * P.lambda_gb_second + 60 * 0.20 / 1e6
    )
    assert line(est, "MSK Serverless cluster-hours") == 0.75
    assert line(est, "MSK Serverless partitions") == pytest.approx(5 * 6 * 0.0015)
    gb_in = 100 * 2.0 * 3600 * 312 / 4 / 1e9
    assert line(est, "MSK Serverless data in/out") == pytest.approx(gb_in * (0.10 + 0.05))
    assert line(est, "Glue streaming job") == pytest.approx(2 * 0.25 * 0.44)
    assert line(est, "Glue crawler") == pytest.approx(4 * (10 / 60) * 2 * 0.44 / 24)
    assert line(est, "Redshift Serverless queries") == pytest.approx(
        20 * 60 / 3600 * 8 * 0.375 / 24
    )


def test_totals_leave_out_the_alternatives_and_scale_to_a_month() -> None:
    est = estimate(PRESETS["demo"])
    included = sum(x.hourly for x in est.lines if x.in_total)
    excluded = [x.component for x in est.lines if not x.in_total]
    assert est.hourly == pytest.approx(included)
    assert est.monthly == pytest.approx(included * HOURS_PER_MONTH)
    assert excluded == [
        "(alternative) Spectrum on a provisioned cluster",
        "(alternative) NAT gateway",
    ]
    assert est.per_million_events == pytest.approx(est.hourly / 0.72)  # 720,000 events/h
    with_nat = estimate(replace(PRESETS["demo"], network="nat-gateway"))
    endpoints = line(est, "VPC interface endpoints")
    assert with_nat.hourly == pytest.approx(est.hourly - endpoints + line(with_nat, "NAT gateway"))
    existing = estimate(replace(PRESETS["demo"], network="existing-vpc"))
    assert existing.hourly == pytest.approx(est.hourly - endpoints)


def test_the_network_is_priced_as_the_template_builds_it() -> None:
    """The default deploy's own VPC: its interface endpoints in two zones, by the hour."""
    from tests.template.cfn import Stack
    from vts.cost.model import ALARMS, ENDPOINT_ZONES, INTERFACE_ENDPOINTS

    stack = Stack()
    interface = [
        e["Properties"]
        for e in stack.of_type("AWS::EC2::VPCEndpoint").values()
        if e["Properties"]["VpcEndpointType"] == "Interface"
    ]
    assert len(interface) == INTERFACE_ENDPOINTS
    assert {len(e["SubnetIds"]) for e in interface} == {ENDPOINT_ZONES}
    assert len(stack.of_type("AWS::CloudWatch::Alarm")) == ALARMS
    est = estimate(PRESETS["demo"])
    logs = 1.0 / HOURS_PER_MONTH * 0.01
    assert line(est, "VPC interface endpoints") == pytest.approx(9 * 2 * 0.01 + logs)


def test_msk_serverless_cluster_hours_dominate_a_demo_and_provisioned_is_cheaper() -> None:
    demo = estimate(PRESETS["demo"])
    assert line(demo, "MSK Serverless cluster-hours") > demo.hourly / 2
    assert estimate(PRESETS["demo-cheapest"]).hourly < demo.hourly / 2


def test_a_short_crawl_is_billed_the_ten_minute_minimum() -> None:
    short = estimate(replace(PRESETS["demo"], crawl_minutes=1))
    assert line(short, "Glue crawler") == line(estimate(PRESETS["demo"]), "Glue crawler")
    longer = estimate(replace(PRESETS["demo"], crawl_minutes=20))
    assert line(longer, "Glue crawler") == pytest.approx(2 * line(short, "Glue crawler"))


def test_the_fleet_costs_less_per_event_than_the_demo() -> None:
    assert estimate(PRESETS["fleet-10k"]).per_million_events < (
        estimate(PRESETS["demo"]).per_million_events / 10
    )


@pytest.mark.parametrize(
    "bad", [{"vehicles": 0}, {"glue_worker_type": "G.3X"}, {"kafka": "confluent-cloud"}]
)
def test_impossible_workloads_are_config_errors(bad: dict[str, object]) -> None:
    with pytest.raises(ConfigError) as caught:
        Workload("x", **{"vehicles": 10, **bad})  # type: ignore[arg-type]
    assert caught.value.hint


def test_the_docs_table_is_the_scripts_output() -> None:
    expected = render_markdown(estimate(w) for w in PRESETS.values())
    assert (REPO_DOCS / "estimates.md").read_text() == expected, (
        "regenerate: vts cost --all --markdown > docs/cost/estimates.md"
    )
    assert P.recorded in expected and P.region in expected


def test_the_live_lines_match_a_hand_calculation() -> None:
    demo = estimate(PRESETS["demo"])
    # 200 records/s on two busy topics: a batch per topic per second (the 1 s window).
    invocations = 2 * 3600
    seconds = 0.02 + (200 * 3600 / invocations) / 50_000
    assert line(demo, "Lambda live consumer") == pytest.approx(
        invocations * (seconds * 0.5 * P.lambda_gb_second + 0.20 / 1e6)
    )
    # three mappings with one poller each share one poller group: one EPU
    assert line(demo, "Lambda live mappings' event pollers") == pytest.approx(0.185)
    # 100 vehicles x (1 KB + 600 s x 2 fixes/s x 153 B) = 18.5 MB: the 100 MB minimum
    assert line(demo, "ElastiCache Serverless (Valkey) data") == pytest.approx(0.1 * 0.084)
    ecpu = 200 * 3600 * 3.0 + 3600 * 100 * 0.3
    assert line(demo, "ElastiCache Serverless (Valkey) ECPUs") == pytest.approx(ecpu / 1e6 * 0.0023)
    assert line(demo, "Lambda live API (Function URL)") == pytest.approx(
        3600 * (0.05 * 0.5 * P.lambda_gb_second + 0.20 / 1e6)
    )
    fleet = estimate(PRESETS["fleet-10k"])
    assert line(fleet, "ElastiCache Serverless (Valkey) data") == pytest.approx(
        10_000 * (1_000 + 600 * 2 * 153) / 1e9 * 0.084
    )
    # 10,000 records/s per topic x 312 B = 3.1 MB/s: one poller each still
    assert line(fleet, "Lambda live mappings' event pollers") == pytest.approx(0.185)
    more = estimate(replace(PRESETS["fleet-10k"], vehicles=50_000))  # 15.6 MB/s per topic
    assert line(more, "Lambda live mappings' event pollers") == pytest.approx(0.185)  # 9 pollers
    most = estimate(replace(PRESETS["fleet-10k"], vehicles=100_000))  # 31.2 MB/s: 7 each
    assert line(most, "Lambda live mappings' event pollers") == pytest.approx(2 * 0.185)
    viewers = estimate(replace(PRESETS["fleet-10k"], live_viewers=20))
    assert line(viewers, "Lambda live API (Function URL)") == pytest.approx(
        20 * line(fleet, "Lambda live API (Function URL)")
    )


def test_the_live_alerts_lines_match_a_hand_calculation() -> None:
    demo = estimate(PRESETS["demo"])
    # 100 vehicles x 1 alert per vehicle-hour (the guess), each put twice (raised, ended)
    assert line(demo, "EventBridge live alerts bus") == pytest.approx(200 / 1e6 * 1.00)
    # one sweep a minute: 43,800 a month, far inside the Scheduler's 14 M free
    assert line(demo, "EventBridge Scheduler live sweep") == 0.0
    assert line(demo, "Lambda live sweep") == pytest.approx(
        60 * (0.05 * 0.5 * P.lambda_gb_second + 0.20 / 1e6)
    )
    chatty = estimate(replace(PRESETS["fleet-10k"], live_alerts_per_vehicle_hour=6))
    assert line(chatty, "EventBridge live alerts bus") == pytest.approx(10_000 * 6 * 2 / 1e6)
    assert line(chatty, "Lambda live sweep") == line(demo, "Lambda live sweep")  # fleet-blind
    no_free = replace(P, scheduler_free_invocations_month=0)
    assert line(estimate(PRESETS["demo"], no_free), "EventBridge Scheduler live sweep") == (
        pytest.approx(60 / 1e6 * 1.00)
    )


def test_the_live_alerts_are_priced_as_the_template_builds_them() -> None:
    """A bus the consumer puts alerts on, and a schedule invoking it once a minute."""
    from tests.template.cfn import Stack
    from vts.cost.model import SWEEPS_PER_HOUR

    stack = Stack()
    assert len(stack.of_type("AWS::Events::EventBus")) == 1
    schedule = stack.props("LiveSweepSchedule")
    assert schedule["ScheduleExpression"] == "rate(1 minute)"
    assert SWEEPS_PER_HOUR == 60
    target = schedule["Target"]
    assert target["Arn"] == "{LiveConsumerFunction.Arn}"  # the consumer, at its memory size
    assert target["Input"] == '{"vts": "sweep"}'
