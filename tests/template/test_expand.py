"""The Fn::ForEach expansion every template check and the build read (vts.aws.expand)."""

from __future__ import annotations

import json
import re

import pytest

from tests.template.cfn import REPO, expanded_template, sam_template
from vts.aws.expand import FOR_EACH, ExpansionError, expand, loops

SAM = "AWS::Serverless-2016-10-31"


def small(resources: dict[str, object]) -> dict[str, object]:
    return {
        "Transform": ["AWS::LanguageExtensions", SAM],
        "Parameters": {"Window": {"Type": "String", "Default": "60"}},
        "Mappings": {
            "Names": {"Error": {"Name": "error"}, "Output": {"Name": "output"}},
            "Windows": {"60": {"Rate": "rate(1 minute)"}, "3600": {"Rate": "rate(1 hour)"}},
        },
        "Resources": resources,
    }


def test_loops_are_written_out_where_they_stand_and_nothing_else_is_resolved() -> None:
    template = small(
        {
            "First": {"Type": "AWS::SNS::Topic"},
            "Fn::ForEach::Jobs": [
                "Job",
                ["streaming", "reports"],
                {
                    "Fn::ForEach::Streams": [
                        "Stream",
                        ["Error", "Output"],
                        {
                            "&{Job}${Stream}Group": {
                                "Type": "AWS::Logs::LogGroup",
                                "Condition": "On",
                                "Properties": {
                                    "LogGroupName": {
                                        "Fn::Sub": [
                                            "/jobs/${AWS::StackName}-${Job}/${Name}",
                                            {
                                                "Name": {
                                                    "Fn::FindInMap": [
                                                        "Names",
                                                        {"Ref": "Stream"},
                                                        "Name",
                                                    ]
                                                }
                                            },
                                        ]
                                    },
                                    "RetentionInDays": {"Ref": "Window"},
                                    "Tags": [{"Key": "job", "Value": {"Ref": "Job"}}],
                                },
                            }
                        },
                    ]
                },
            ],
            "Last": {
                "Type": "AWS::Scheduler::Schedule",
                "Properties": {
                    "ScheduleExpression": {"Fn::FindInMap": ["Windows", {"Ref": "Window"}, "Rate"]},
                    "Nothing": None,
                },
            },
        }
    )
    expanded = expand(template)
    assert expanded["Transform"] == SAM
    assert list(expanded["Resources"]) == [
        "First",
        "streamingErrorGroup",
        "streamingOutputGroup",
        "reportsErrorGroup",
        "reportsOutputGroup",
        "Last",
    ]
    group = expanded["Resources"]["reportsOutputGroup"]
    assert group["Condition"] == "On"
    assert group["Properties"] == {
        "LogGroupName": {
            "Fn::Sub": ["/jobs/${AWS::StackName}-reports/${Name}", {"Name": "output"}]
        },
        "RetentionInDays": {"Ref": "Window"},  # a parameter stays a parameter
        "Tags": [{"Key": "job", "Value": "reports"}],
    }
    # outside the loops, exactly as written: a lookup on a parameter is CloudFormation's to
    # make at deploy time (cfn-lint alone would pick one of the map's values), and a null
    # (a state machine's ResultPath: null) stays null
    assert expanded["Resources"]["Last"] == template["Resources"]["Last"]  # type: ignore[index]
    assert FOR_EACH not in json.dumps(expanded)


def test_a_loop_may_not_look_up_a_parameter_nor_make_a_name_twice() -> None:
    with pytest.raises(ExpansionError, match="not the loop's"):
        expand(
            small(
                {
                    "Fn::ForEach::Bad": [
                        "X",
                        ["a"],
                        {
                            "${X}": {
                                "Type": "AWS::SNS::Topic",
                                "Properties": {
                                    "TopicName": {
                                        "Fn::FindInMap": ["Windows", {"Ref": "Window"}, "Rate"]
                                    }
                                },
                            }
                        },
                    ]
                }
            )
        )
    with pytest.raises(ExpansionError, match="already"):
        expand(
            small(
                {
                    "aTopic": {"Type": "AWS::SNS::Topic"},
                    "Fn::ForEach::Twice": ["X", ["a"], {"${X}Topic": {"Type": "AWS::SNS::Topic"}}],
                }
            )
        )


def test_the_template_keeps_every_hand_written_resource_and_adds_the_generated_ones() -> None:
    source = sam_template()
    expanded = expanded_template()
    written = {k: v for k, v in source["Resources"].items() if not k.startswith(FOR_EACH)}
    for logical, body in written.items():
        assert expanded["Resources"][logical] == json.loads(json.dumps(body)), logical
    generated = set(expanded["Resources"]) - set(written)
    assert len(generated) >= 20, sorted(generated)
    assert len(loops(source)) >= 6
    assert expanded["Transform"] == SAM


def test_every_check_and_the_build_read_the_expanded_template() -> None:
    """checkov skips what a loop makes (it scans 139 of the 150 resources of template.yaml)
    and SAM CLI cannot build the loops without parameter values: both must read the
    expansion; cfn-lint (and sam validate --lint) expand the loops themselves."""
    makefile = (REPO / "Makefile").read_text()
    expanded = re.search(r"^EXPANDED := (\S+)$", makefile, re.M)
    assert expanded
    recipe = makefile.split("\ncheck-template:")[1].split("\n\n")[0]
    checkov = [line for line in recipe.splitlines()[1:] if "checkov" in line]
    assert checkov and all("--file $(EXPANDED)" in line for line in checkov)
    assert (
        "cfn-lint template.yaml" in recipe and "validate --lint --template template.yaml" in recipe
    )
    build = makefile.split("\nbuild:")[1].split("\n\n")[0]
    assert "sam build --template $(EXPANDED) --base-dir ." in build
    assert "python -m vts.aws.expand template.yaml $(EXPANDED)" in makefile
