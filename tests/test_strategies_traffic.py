"""Traffic strategies: the dns provider's weighted steps, AppConfig deployment strategies and
Beanstalk deployment policies, as users see them in the template and in errors."""

from __future__ import annotations

import json

import pytest
from helpers import (
    HEAD,
    compile_stages,
    error_report,
    grants,
    stage_actions,
    statements,
    type_id,
)

DNS = """\
  - name: Release
    actions:
      - name: Web
        type: deploy
        provider: dns
        hosted_zone: Z0123456789ABCDEFGHIJ
        record: WWW.Example.com.
        blue: blue.example.com
        green: green.example.com
"""


def steps(template: dict, stage: str = "Release") -> list[tuple]:
    """(name, run order, what it does) per action: the weights, a bake, an approval."""
    out = []
    for a in stage_actions(template, stage):
        provider = a["ActionTypeId"]["Provider"]
        if provider == "StepFunctions":
            assert a["Configuration"]["StateMachineArn"] == {"Ref": "ReleaseWebTrafficShifter"}
            what = json.loads(a["Configuration"]["Input"])
        else:
            what = provider
        out.append((a["Name"], a["RunOrder"], what))
    return out


def test_canary_moves_the_weights_step_by_step_with_bakes(write_spec, linter):
    t = compile_stages(write_spec, DNS + '        strategy: {canary: {steps: ["10%", "50%", '
                       '"100%"], bake: 10m}}\n', linter=linter)
    assert steps(t) == [
        ("Web-Green10", 1, {"blue": 90, "green": 10}),
        ("Web-Bake1", 2, {"bake": 600}),
        ("Web-Green50", 3, {"blue": 50, "green": 50}),
        ("Web-Bake2", 4, {"bake": 600}),
        ("Web-Green100", 5, {"blue": 0, "green": 100}),
    ]
    # The state machine waits for the bake; shifting and waiting are its two paths.
    states = t["Resources"]["ReleaseWebTrafficShifter"]["Properties"]["Definition"]["States"]
    assert states["Bake"] == {"Type": "Wait", "SecondsPath": "$.bake", "End": True}
    assert states["Route"]["Choices"] == [{"Variable": "$.bake", "IsPresent": True,
                                           "Next": "Bake"}]


def test_canary_with_approvals_between_steps(write_spec):
    t = compile_stages(write_spec, DNS + '        strategy: {canary: {steps: ["25%", "100%"], '
                       'bake: approval}}\n        approval: {message: look at the dashboards, '
                       'timeout: 2h}\n')
    assert steps(t) == [("Web-Green25", 1, {"blue": 75, "green": 25}),
                        ("Web-Approve1", 2, "Manual"),
                        ("Web-Green100", 3, {"blue": 0, "green": 100})]
    approval = stage_actions(t, "Release")[1]
    assert approval["ActionTypeId"] == type_id("Manual", "Approval")
    assert approval["Configuration"] == {"CustomData": "look at the dashboards"}
    assert approval["TimeoutInMinutes"] == 120


def test_blue_green_tests_and_approves_green_then_flips_in_one_step(write_spec, linter):
    t = compile_stages(write_spec, DNS + """\
        strategy: red-black
        test:
          name: Smoke
          type: test
          project: {image: "aws/codebuild/standard:7.0", buildspec: smoke.yml}
        approve: true
""", linter=linter)
    assert steps(t) == [("Smoke", 1, "CodeBuild"), ("Web-Approve", 2, "Manual"),
                        ("Web", 3, {"blue": 0, "green": 100})]
    smoke = stage_actions(t, "Release")[0]
    assert smoke["InputArtifacts"] == [{"Name": "AppSource"}]
    assert smoke["Configuration"] == {"ProjectName": {"Ref": "ReleaseSmokeProject"}}


def test_a_b_holds_a_fixed_split_from_the_start(write_spec, linter):
    t = compile_stages(write_spec, DNS + '        strategy: {a-b: {split: "30%"}}\n',
                       linter=linter)
    assert steps(t) == [("Web", 1, {"blue": 70, "green": 30})]
    r = t["Resources"]
    assert (r["ReleaseWebBlueRecord"]["Properties"]["Weight"],
            r["ReleaseWebGreenRecord"]["Properties"]["Weight"]) == (70, 30)


def test_all_at_once_is_one_step_and_traffic_starts_on_blue(write_spec):
    t = compile_stages(write_spec, DNS + "        strategy: all-at-once\n")
    assert steps(t) == [("Web", 1, {"blue": 0, "green": 100})]
    r = t["Resources"]
    assert r["ReleaseWebBlueRecord"]["Properties"] == {
        "HostedZoneId": "Z0123456789ABCDEFGHIJ", "Name": "WWW.Example.com.",
        "Type": "CNAME", "SetIdentifier": "blue", "Weight": 100, "TTL": "60",
        "ResourceRecords": ["blue.example.com"]}
    assert r["ReleaseWebGreenRecord"]["Properties"]["Weight"] == 0
    assert r["ReleaseWebGreenRecord"]["Properties"]["SetIdentifier"] == "green"


def test_the_shifter_may_change_only_its_one_record(write_spec):
    t = compile_stages(write_spec, DNS + "        strategy: blue-green\n        ttl: 2m\n")
    [change, status] = statements(t, "ReleaseWebTrafficShifterRole")
    assert change == {
        "Action": ["route53:ChangeResourceRecordSets"], "Effect": "Allow",
        "Resource": [{"Fn::Sub": "arn:${AWS::Partition}:route53:::hostedzone/"
                                 "Z0123456789ABCDEFGHIJ"}],
        "Condition": {"ForAllValues:StringEquals": {
            # Route 53 compares the normalized name: lower case, no trailing dot.
            "route53:ChangeResourceRecordSetsNormalizedRecordNames": ["www.example.com"],
            "route53:ChangeResourceRecordSetsRecordTypes": ["CNAME"],
            "route53:ChangeResourceRecordSetsActions": ["UPSERT"]}}}
    assert status["Action"] == ["route53:GetChange"]
    trust = t["Resources"]["ReleaseWebTrafficShifterRole"]["Properties"][
        "AssumeRolePolicyDocument"]["Statement"][0]["Principal"]
    assert trust == {"Service": ["states.amazonaws.com"]}
    # The pipeline role may start and watch this state machine, nothing else of Step Functions.
    g = grants(t)
    assert g["states:StartExecution"] == [{"Ref": "ReleaseWebTrafficShifter"}]
    assert "route53:ChangeResourceRecordSets" not in g
    # Both records UPSERTed whole, with the TTL (Step Functions spells it Ttl).
    shift = t["Resources"]["ReleaseWebTrafficShifter"]["Properties"]["Definition"]["States"][
        "Shift"]
    records = [c["ResourceRecordSet"] for c in shift["Parameters"]["ChangeBatch"]["Changes"]]
    assert [(r["SetIdentifier"], r["Weight.$"], r["Ttl"], r["ResourceRecords"]) for r in
            records] == [("blue", "$.blue", 120, [{"Value": "${Blue}"}]),
                         ("green", "$.green", 120, [{"Value": "${Green}"}])]
    assert t["Resources"]["ReleaseWebTrafficShifter"]["Properties"][
        "DefinitionSubstitutions"] == {"Zone": "Z0123456789ABCDEFGHIJ",
                                       "Record": "WWW.Example.com.",
                                       "Blue": "blue.example.com", "Green": "green.example.com"}


def test_alias_endpoints_make_alias_a_records(write_spec, linter):
    head = HEAD.replace("sources:", "parameters:\n  Zone: {type: String}\n  Lb: {type: String}"
                        "\nsources:")
    t = compile_stages(write_spec, """\
  - name: Release
    actions:
      - name: Web
        type: deploy
        provider: dns
        hosted_zone: !Ref Zone
        record: api.example.com
        blue: {alias: blue-1.us-east-1.elb.amazonaws.com, zone: Z35SXDOTRQ7X7K}
        green: {alias: !Ref Lb, zone: Z35SXDOTRQ7X7K}
        strategy: blue-green
""", head=head, linter=linter)
    green = t["Resources"]["ReleaseWebGreenRecord"]["Properties"]
    assert green["Type"] == "A" and "TTL" not in green
    assert green["AliasTarget"] == {"DNSName": {"Ref": "Lb"}, "HostedZoneId": "Z35SXDOTRQ7X7K",
                                    "EvaluateTargetHealth": False}
    policy = statements(t, "ReleaseWebTrafficShifterRole")[0]
    assert policy["Resource"] == [{"Fn::Sub": "arn:${AWS::Partition}:route53:::hostedzone/"
                                              "${Zone}"}]
    assert policy["Condition"]["ForAllValues:StringEquals"][
        "route53:ChangeResourceRecordSetsRecordTypes"] == ["A"]


@pytest.mark.parametrize(("strategy", "message"), [
    ('{linear: {step: "10%", every: 1m}}',
     "strategy 'linear' is not available for dns deploy actions"),
    ('{canary: {steps: ["10%", "90%"], bake: 5m}}', "the last step is 90%"),
    ('{a-b: {split: "0%"}}', "a split needs both sides"),
])
def test_dns_strategy_mistakes(write_spec, strategy, message):
    assert message in error_report(write_spec, DNS + f"        strategy: {strategy}\n")


def test_unsupported_pair_names_the_providers_that_support_it(write_spec):
    text = error_report(write_spec, """\
  - name: Release
    actions:
      - name: Toggles
        type: deploy
        provider: appconfig
        application: demo
        environment: prod
        profile: toggles
        path: toggles.json
        strategy: blue-green
""")
    assert "strategy 'blue-green' is not available for appconfig deploy actions" in text
    assert "deploy providers that run it: codedeploy, dns, ecs" in text


# --- AppConfig

APPCONFIG = """\
  - name: Release
    actions:
      - name: Toggles
        type: deploy
        provider: appconfig
        application: demo
        environment: prod
        profile: toggles
        path: toggles.json
"""


@pytest.mark.parametrize(("strategy", "props"), [
    ("all-at-once", {"GrowthType": "LINEAR", "GrowthFactor": 100,
                     "DeploymentDurationInMinutes": 0}),
    ('{linear: {step: "20%", every: 6m}}', {"GrowthType": "LINEAR", "GrowthFactor": 20,
                                            "DeploymentDurationInMinutes": 30}),
    ('{rolling: {batch: "50%"}}', {"GrowthType": "LINEAR", "GrowthFactor": 50,
                                   "DeploymentDurationInMinutes": 2}),
    ('{linear: {step: "30%", every: 1m}}', {"GrowthType": "LINEAR", "GrowthFactor": 30,
                                            "DeploymentDurationInMinutes": 4}),
    ('{canary: {step: "10%", bake: 20m}}', {"GrowthType": "EXPONENTIAL", "GrowthFactor": 10,
                                            "DeploymentDurationInMinutes": 20}),
])
def test_appconfig_strategy_values(write_spec, linter, strategy, props):
    t = compile_stages(write_spec, APPCONFIG + f"        strategy: {strategy}\n",
                       linter=linter)
    created = {k: v for k, v in t["Resources"].items()
               if v["Type"] == "AWS::AppConfig::DeploymentStrategy"}
    [(title, resource)] = created.items()
    assert resource["Properties"] == {**props, "FinalBakeTimeInMinutes": 0,
                                      "ReplicateTo": "NONE",
                                      "Name": resource["Properties"]["Name"]}
    [deploy] = stage_actions(t, "Release")
    assert deploy["Configuration"]["DeploymentStrategy"] == {"Ref": title}
    # The pipeline role may deploy with this strategy only.
    g = grants(t)
    assert {"Fn::Sub": "arn:${AWS::Partition}:appconfig:${AWS::Region}:${AWS::AccountId}:"
                       "deploymentstrategy/${" + title + "}"} in g["appconfig:StartDeployment"]


def test_appconfig_without_strategy_uses_the_default(write_spec):
    t = compile_stages(write_spec, APPCONFIG)
    [deploy] = stage_actions(t, "Release")
    assert "DeploymentStrategy" not in deploy["Configuration"]
    assert not any(v["Type"] == "AWS::AppConfig::DeploymentStrategy"
                   for v in t["Resources"].values())


def test_equal_appconfig_strategies_share_one_resource(write_spec):
    t = compile_stages(write_spec, APPCONFIG + '        strategy: {linear: {step: "50%", '
                       'every: 1m}}\n' + APPCONFIG.replace("- name: Release", "- name: Again")
                       + '        strategy: {rolling: {batch: "50%"}}\n')
    strategies = [k for k, v in t["Resources"].items()
                  if v["Type"] == "AWS::AppConfig::DeploymentStrategy"]
    assert strategies == ["AppConfigLinear50pct2mStrategy"]


# --- Beanstalk

def beanstalk(strategy: str, options: str = "") -> str:
    return f"""\
  - name: Release
    actions:
      - name: Web
        type: deploy
        provider: beanstalk
        application: demo
        environment: !Ref WebEnvironment
        strategy: {strategy}
resources:
  WebEnvironment:
    Type: AWS::ElasticBeanstalk::Environment
    Properties:
      ApplicationName: demo
      SolutionStackName: 64bit Amazon Linux 2023 v6.6.4 running Node.js 22
      OptionSettings:
        - Namespace: "aws:elasticbeanstalk:environment"
          OptionName: LoadBalancerType
          Value: application
{options}"""


def policy_options(template: dict) -> dict:
    settings = template["Resources"]["WebEnvironment"]["Properties"]["OptionSettings"]
    return {(o["Namespace"].split(":")[-1], o["OptionName"]): o["Value"] for o in settings
            if o["OptionName"] != "LoadBalancerType"}


@pytest.mark.parametrize(("strategy", "options"), [
    ("all-at-once", {("command", "DeploymentPolicy"): "AllAtOnce"}),
    ("immutable", {("command", "DeploymentPolicy"): "Immutable"}),
    ("{rolling: {batch: 2}}", {("command", "DeploymentPolicy"): "Rolling",
                               ("command", "BatchSizeType"): "Fixed",
                               ("command", "BatchSize"): "2"}),
    ('{rolling: {batch: "25%"}}', {("command", "DeploymentPolicy"): "Rolling",
                                   ("command", "BatchSizeType"): "Percentage",
                                   ("command", "BatchSize"): "25"}),
    ('{min-in-service: {min_healthy: "75%"}}', {
        ("command", "DeploymentPolicy"): "RollingWithAdditionalBatch",
        ("command", "BatchSizeType"): "Percentage", ("command", "BatchSize"): "25"}),
    ('{canary: {step: "15%", bake: 2h}}', {
        ("command", "DeploymentPolicy"): "TrafficSplitting",
        ("trafficsplitting", "NewVersionPercent"): "15",
        ("trafficsplitting", "EvaluationTime"): "120"}),
])
def test_beanstalk_policy_option_settings(write_spec, linter, strategy, options):
    t = compile_stages(write_spec, beanstalk(strategy), linter=linter)
    assert policy_options(t) == options
    [deploy] = stage_actions(t, "Release")
    assert deploy["Configuration"]["EnvironmentName"] == {"Ref": "WebEnvironment"}


def test_beanstalk_environment_named_by_its_environment_name(write_spec):
    text = beanstalk("immutable").replace("environment: !Ref WebEnvironment",
                                          "environment: demo-prod")
    text = text.replace("      ApplicationName: demo\n",
                        "      ApplicationName: demo\n      EnvironmentName: demo-prod\n")
    t = compile_stages(write_spec, text)
    assert policy_options(t) == {("command", "DeploymentPolicy"): "Immutable"}


def test_beanstalk_environment_elsewhere_says_where_its_policy_is(write_spec):
    text = error_report(write_spec, beanstalk("immutable").replace(
        "environment: !Ref WebEnvironment", "environment: orders-prod"))
    assert "error PG449" in text
    assert "aws:elasticbeanstalk:command DeploymentPolicy" in text
    assert "spec.yaml:16:9" in text  # the `strategy` key


def test_beanstalk_single_instance_cannot_roll(write_spec):
    text = error_report(write_spec, beanstalk('{rolling: {batch: 1}}', """\
        - Namespace: "aws:elasticbeanstalk:environment"
          OptionName: EnvironmentType
          Value: SingleInstance
"""))
    assert "Rolling deploys need a load-balanced environment" in text


def test_two_actions_asking_one_environment_for_different_policies(write_spec):
    text = beanstalk("immutable").replace("resources:", """\
  - name: Again
    actions:
      - name: Web
        type: deploy
        provider: beanstalk
        application: demo
        environment: !Ref WebEnvironment
        strategy: all-at-once
resources:""")
    assert "'Web' asks for another" in error_report(write_spec, text)


def test_dns_namespace_goes_to_the_last_traffic_step(write_spec):
    t = compile_stages(write_spec, DNS + '        namespace: Shift\n        strategy: {canary: '
                       '{steps: ["50%", "100%"], bake: 1m}}\n')
    assert [(a["Name"], a.get("Namespace")) for a in stage_actions(t, "Release")] == [
        ("Web-Green50", None), ("Web-Bake1", None), ("Web-Green100", "Shift")]


def test_dns_test_reads_source_outputs_like_any_action(write_spec):
    text = error_report(write_spec, DNS + """\
        strategy: blue-green
        test:
          name: Smoke
          type: test
          project: smoke-tests
          inputs: [Nowhere]
""")
    assert "error PG302 input 'Nowhere' is not produced by any earlier action" in text


@pytest.mark.parametrize(("sample", "action", "what"), [
    ("deploy-dns-all-at-once", "Switch", "the record's traffic"),
    ("deploy-appconfig-all-at-once", "Toggles", "the configuration"),
    ("deploy-beanstalk-all-at-once", "Web", "to every instance of the environment"),
])
def test_all_at_once_warns_on_traffic_providers_too(write_spec, sample, action, what):
    from conftest import SAMPLES

    from pipegen.compiler import compile_spec

    text = (SAMPLES / f"{sample}.yaml").read_text(encoding="utf-8")
    assert "acknowledge: [PG420]\n" in text
    result = compile_spec(write_spec(text.replace("acknowledge: [PG420]\n", "")))
    assert [(w.code, w.message.split(":")[0], w.path[-1]) for w in result.warnings] == [
        ("PG420", f"'{action}' deploys {what} all at once", "strategy")]
    assert compile_spec(write_spec(text)).warnings == []
