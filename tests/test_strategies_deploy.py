"""Deployment strategies on codedeploy (EC2/on-premises), ecs and lambda: the resources and
actions that realize each supported pair (read from the samples' goldens, which
test_samples.py keeps equal to a fresh, lint-clean compile), the errors of the pairs and
settings that cannot work, and the custom resource that creates EC2 blue/green groups.
"""

from __future__ import annotations

import json
import sys
import types

import pytest
from conftest import ROOT, TEMPLATES
from helpers import HEAD, action, compile_stages, error_tuples, grants, with_parameters

from pipegen import strategies
from pipegen.providers.codedeploy_groups import PROVIDER_CODE


def golden(name: str) -> dict:
    return json.loads((TEMPLATES / f"{name}.json").read_text("utf-8"))


def resources_of(template: dict, kind: str) -> dict[str, dict]:
    return {k: v["Properties"] for k, v in template["Resources"].items() if v["Type"] == kind}


def only(template: dict, kind: str) -> dict:
    (props,) = resources_of(template, kind).values()
    return props


GROUP = "AWS::CodeDeploy::DeploymentGroup"
CONFIG = "AWS::CodeDeploy::DeploymentConfig"
APP = "AWS::CodeDeploy::Application"


# --- codedeploy (EC2/on-premises)

def test_single_target_targets_one_instance_all_at_once():
    t = golden("deploy-codedeploy-single-target")
    group = only(t, GROUP)
    assert group["DeploymentConfigName"] == "CodeDeployDefault.AllAtOnce"
    assert group["Ec2TagFilters"] == [{"Key": "Name", "Value": "build-box",
                                       "Type": "KEY_AND_VALUE"}]
    assert group["DeploymentStyle"] == {"DeploymentType": "IN_PLACE",
                                        "DeploymentOption": "WITHOUT_TRAFFIC_CONTROL"}
    assert resources_of(t, CONFIG) == {}


def test_all_at_once_on_premises_with_a_brought_service_role():
    t = golden("deploy-codedeploy-all-at-once")
    group = only(t, GROUP)
    assert group["DeploymentConfigName"] == "CodeDeployDefault.AllAtOnce"
    assert group["OnPremisesInstanceTagFilters"] == [
        {"Key": "Fleet", "Value": "lab", "Type": "KEY_AND_VALUE"}]
    assert group["ServiceRoleArn"] == "arn:aws:iam::111111111111:role/codedeploy-lab"
    assert "CodeDeployServiceRole" not in t["Resources"]


def test_rolling_percentage_is_a_config_keeping_the_rest_healthy():
    t = golden("deploy-codedeploy-rolling")
    config = only(t, CONFIG)
    assert config == {"ComputePlatform": "Server",
                      "MinimumHealthyHosts": {"Type": "FLEET_PERCENT", "Value": 75}}
    assert "DeploymentConfigName" not in config  # replaced on change: never a fixed name
    group = only(t, GROUP)
    assert group["DeploymentConfigName"] == {"Ref": "DeployWebDeploymentConfig"}
    assert group["DeploymentStyle"]["DeploymentOption"] == "WITH_TRAFFIC_CONTROL"
    assert group["LoadBalancerInfo"] == {"TargetGroupInfoList": [{"Name": "web-tg"}]}
    # Two tags, both required: one tag group per tag (a filter list would match either).
    assert group["Ec2TagSet"] == {"Ec2TagSetList": [
        {"Ec2TagGroup": [{"Key": "Role", "Value": "web", "Type": "KEY_AND_VALUE"}]},
        {"Ec2TagGroup": [{"Key": "Env", "Value": {"Ref": "Env"}, "Type": "KEY_AND_VALUE"}]}]}
    assert group["AutoRollbackConfiguration"] == {
        "Enabled": True, "Events": ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM"]}
    assert group["AlarmConfiguration"] == {"Enabled": True, "Alarms": [{"Name": "web-5xx"}]}
    assert group["DeploymentGroupName"] == {"Fn::Sub": "web-${Env}"}
    role = t["Resources"]["CodeDeployServiceRole"]["Properties"]
    assert role["ManagedPolicyArns"] == [
        {"Fn::Sub": "arn:${AWS::Partition}:iam::aws:policy/service-role/AWSCodeDeployRole"}]
    assert role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {
        "Service": ["codedeploy.amazonaws.com"]}
    deploy = action(t, "Web")
    assert deploy["Configuration"] == {"ApplicationName": {"Ref": "DeployWebApplication"},
                                       "DeploymentGroupName": {"Ref": "DeployWebDeploymentGroup"}}


def test_min_in_service_host_count_and_one_application_for_two_actions():
    t = golden("deploy-codedeploy-min-in-service")
    assert resources_of(t, APP) == {"DeployApiApplication": {"ApplicationName": "api",
                                                             "ComputePlatform": "Server"}}
    assert only(t, CONFIG)["MinimumHealthyHosts"] == {"Type": "HOST_COUNT", "Value": 2}
    groups = resources_of(t, GROUP)
    assert groups["DeployBatchDeploymentGroup"]["DeploymentConfigName"] == (
        "CodeDeployDefault.OneAtATime")
    assert groups["DeployBatchDeploymentGroup"]["ApplicationName"] == {
        "Ref": "DeployApiApplication"}
    api = groups["DeployApiDeploymentGroup"]
    assert api["AutoScalingGroups"] == ["api-asg"]
    # appspec-hooks: in place, no load balancer.
    assert api["DeploymentStyle"] == {"DeploymentType": "IN_PLACE",
                                      "DeploymentOption": "WITHOUT_TRAFFIC_CONTROL"}


def test_rolling_half_is_half_at_a_time(write_spec):
    t = compile_stages(write_spec, """\
      - name: Deploy
        actions:
          - name: Web
            type: deploy
            provider: codedeploy
            application: web
            deployment_group: web
            targets: {ec2_tags: {Role: web}}
            load_balancer: {target_group: web-tg}
            strategy: {rolling: {batch: "50%"}}
    """)
    assert only(t, GROUP)["DeploymentConfigName"] == "CodeDeployDefault.HalfAtATime"
    assert resources_of(t, CONFIG) == {}


def test_blue_green_is_a_custom_resource_scoped_to_its_group():
    t = golden("deploy-codedeploy-blue-green")
    assert resources_of(t, GROUP) == {}  # CloudFormation's resource cannot copy an ASG
    res = t["Resources"]["DeployWebDeploymentGroup"]
    assert res["Type"] == "Custom::CodeDeployDeploymentGroup"
    group = res["Properties"]["Group"]
    assert group["deploymentStyle"] == {"deploymentType": "BLUE_GREEN",
                                        "deploymentOption": "WITH_TRAFFIC_CONTROL"}
    assert group["blueGreenDeploymentConfiguration"] == {
        "greenFleetProvisioningOption": {"action": "COPY_AUTO_SCALING_GROUP"},
        "terminateBlueInstancesOnDeploymentSuccess": {"action": "TERMINATE",
                                                      "terminationWaitTimeInMinutes": 30},
        "deploymentReadyOption": {"actionOnTimeout": "STOP_DEPLOYMENT",
                                  "waitTimeInMinutes": 120}}
    assert group["autoScalingGroups"] == ["web-asg"]
    assert group["loadBalancerInfo"] == {"targetGroupInfoList": [{"name": "web-tg"}]}
    assert group["autoRollbackConfiguration"] == {
        "enabled": True, "events": ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_REQUEST"]}
    assert group["alarmConfiguration"] == {"enabled": False, "alarms": []}
    provider = grants(t, "CodeDeployGroupProviderRole")
    group_arn = {"Fn::Sub": "arn:${AWS::Partition}:codedeploy:${AWS::Region}:"
                 "${AWS::AccountId}:deploymentgroup:web/web-prod"}
    for verb in ("Create", "Update", "Delete", "Get"):
        assert provider[f"codedeploy:{verb}DeploymentGroup"] == [group_arn]
    assert provider["iam:PassRole"] == [{"Fn::GetAtt": ["CodeDeployServiceRole", "Arn"]}]
    assert set(provider) == {"codedeploy:CreateDeploymentGroup",
                             "codedeploy:UpdateDeploymentGroup",
                             "codedeploy:DeleteDeploymentGroup",
                             "codedeploy:GetDeploymentGroup", "iam:PassRole",
                             "logs:CreateLogStream", "logs:PutLogEvents"}
    # Copying a launch-template ASG launches instances: the service role may do that.
    assert "ec2:RunInstances" in grants(t, "CodeDeployServiceRole")


# --- the custom resource's function, run against a fake CodeDeploy

class FakeCodeDeploy:
    def __init__(self):
        self.calls = []

        class ClientError(Exception):
            def __init__(self, code):
                self.response = {"Error": {"Code": code}}

        self.exceptions = types.SimpleNamespace(ClientError=ClientError)

    def create_deployment_group(self, **kw):
        self.calls.append(("create", kw))

    def update_deployment_group(self, **kw):
        self.calls.append(("update", kw))

    def delete_deployment_group(self, **kw):
        self.calls.append(("delete", kw))
        raise self.exceptions.ClientError("DeploymentGroupDoesNotExistException")


@pytest.fixture
def provider(monkeypatch):
    fake = FakeCodeDeploy()
    monkeypatch.setitem(sys.modules, "boto3", types.SimpleNamespace(client=lambda _: fake))
    sent = []
    import urllib.request

    monkeypatch.setattr(urllib.request, "urlopen",
                        lambda req, timeout: sent.append(json.loads(req.data)))
    namespace: dict = {}
    exec(PROVIDER_CODE, namespace)  # noqa: S102  (the template's own inline code)

    def run(kind, props, old=None, pid=None):
        event = {"RequestType": kind, "ResourceProperties": {"Group": props},
                 "StackId": "s", "RequestId": "r", "LogicalResourceId": "G",
                 "ResponseURL": "https://example.invalid/"}
        if old is not None:
            event["OldResourceProperties"] = {"Group": old}
        if pid is not None:
            event["PhysicalResourceId"] = pid
        namespace["handler"](event, types.SimpleNamespace(log_stream_name="ls"))
        return sent[-1]

    run.fake = fake
    return run


def _group(**over):
    # As CloudFormation hands it over: every scalar a string.
    g = {"applicationName": "web", "deploymentGroupName": "web-prod",
         "autoScalingGroups": ["web-asg"],
         "blueGreenDeploymentConfiguration": {"terminateBlueInstancesOnDeploymentSuccess": {
             "action": "TERMINATE", "terminationWaitTimeInMinutes": "30"}},
         "autoRollbackConfiguration": {"enabled": "true", "events": ["DEPLOYMENT_FAILURE"]}}
    g.update(over)
    return g


def test_provider_creates_with_typed_values(provider):
    reply = provider("Create", _group())
    assert reply["Status"] == "SUCCESS" and reply["PhysicalResourceId"] == "web-prod"
    (kind, kw), = provider.fake.calls
    assert kind == "create"
    assert kw["blueGreenDeploymentConfiguration"]["terminateBlueInstancesOnDeploymentSuccess"][
        "terminationWaitTimeInMinutes"] == 30
    assert kw["autoRollbackConfiguration"]["enabled"] is True


def test_provider_update_keeps_codedeploys_copied_asg(provider):
    reply = provider("Update", _group(autoRollbackConfiguration={"enabled": "false",
                                                                 "events": []}),
                     old=_group(), pid="web-prod")
    assert reply["Status"] == "SUCCESS"
    (kind, kw), = provider.fake.calls
    assert kind == "update"
    assert "autoScalingGroups" not in kw  # CodeDeploy's copy stays the group's fleet
    assert kw["currentDeploymentGroupName"] == "web-prod"
    assert kw["autoRollbackConfiguration"] == {"enabled": False, "events": []}


def test_provider_update_passes_a_changed_asg(provider):
    provider("Update", _group(autoScalingGroups=["web-asg-2"]), old=_group(), pid="web-prod")
    assert provider.fake.calls[0][1]["autoScalingGroups"] == ["web-asg-2"]


def test_provider_rename_creates_a_new_group(provider):
    reply = provider("Update", _group(deploymentGroupName="web-live"), old=_group(),
                     pid="web-prod")
    assert provider.fake.calls[0][0] == "create"
    assert reply["PhysicalResourceId"] == "web-live"  # CloudFormation then deletes web-prod


def test_provider_delete_of_a_missing_group_succeeds(provider):
    assert provider("Delete", _group(), pid="web-prod")["Status"] == "SUCCESS"
    # A create that failed left no group: nothing to delete.
    provider.fake.calls.clear()
    assert provider("Delete", _group(), pid="none")["Status"] == "SUCCESS"
    assert provider.fake.calls == []


def test_provider_waits_for_a_new_service_role(provider, monkeypatch):
    import time

    monkeypatch.setattr(time, "sleep", lambda _: None)
    fake, attempts = provider.fake, []

    def create(**kw):
        attempts.append(kw)
        if len(attempts) < 3:
            raise fake.exceptions.ClientError("InvalidRoleException")

    fake.create_deployment_group = create
    assert provider("Create", _group())["Status"] == "SUCCESS"
    assert len(attempts) == 3


def test_provider_reports_failures(provider):
    provider.fake.create_deployment_group = lambda **kw: (_ for _ in ()).throw(
        ValueError("bad role"))
    reply = provider("Create", _group())
    assert reply["Status"] == "FAILED" and "bad role" in reply["Reason"]


# --- ecs

def test_ecs_rolling_is_the_ecs_action():
    t = golden("deploy-ecs-rolling")
    assert action(t, "Api")["ActionTypeId"]["Provider"] == "ECS"
    assert resources_of(t, GROUP) == {}


def test_ecs_canary_creates_application_group_and_custom_config():
    t = golden("deploy-ecs-canary")
    assert only(t, APP) == {"ComputePlatform": "ECS"}
    assert only(t, CONFIG) == {"ComputePlatform": "ECS", "TrafficRoutingConfig": {
        "Type": "TimeBasedCanary",
        "TimeBasedCanary": {"CanaryPercentage": 20, "CanaryInterval": 10}}}
    group = only(t, GROUP)
    assert group["DeploymentStyle"] == {"DeploymentType": "BLUE_GREEN",
                                        "DeploymentOption": "WITH_TRAFFIC_CONTROL"}
    assert group["ECSServices"] == [{"ClusterName": "orders", "ServiceName": "orders-api"}]
    (pair,) = group["LoadBalancerInfo"]["TargetGroupPairInfoList"]
    assert pair["TargetGroups"] == [{"Name": "orders-blue"}, {"Name": "orders-green"}]
    assert pair["ProdTrafficRoute"]["ListenerArns"][0].endswith("/0123456789abcdef")
    assert pair["TestTrafficRoute"]["ListenerArns"][0].endswith("/fedcba9876543210")
    assert group["AutoRollbackConfiguration"]["Events"] == ["DEPLOYMENT_FAILURE",
                                                           "DEPLOYMENT_STOP_ON_ALARM"]
    role = t["Resources"]["CodeDeployEcsServiceRole"]["Properties"]
    assert role["ManagedPolicyArns"] == [
        {"Fn::Sub": "arn:${AWS::Partition}:iam::aws:policy/AWSCodeDeployRoleForECS"}]
    deploy = action(t, "Api")
    assert deploy["ActionTypeId"]["Provider"] == "CodeDeployToECS"
    assert deploy["Configuration"]["DeploymentGroupName"] == {"Ref": "DeployApiDeploymentGroup"}


def test_ecs_linear_uses_the_predefined_config_when_it_matches():
    t = golden("deploy-ecs-linear")
    assert resources_of(t, CONFIG) == {}
    group = only(t, GROUP)
    assert group["DeploymentConfigName"] == "CodeDeployDefault.ECSLinear10PercentEvery3Minutes"
    assert group["DeploymentGroupName"] == "orders-api"
    assert group["BlueGreenDeploymentConfiguration"][
        "TerminateBlueInstancesOnDeploymentSuccess"] == {
        "Action": "TERMINATE", "TerminationWaitTimeInMinutes": 120}
    assert group["LoadBalancerInfo"]["TargetGroupPairInfoList"][0]["ProdTrafficRoute"] == {
        "ListenerArns": [{"Fn::ImportValue": "orders-prod-listener"}]}


def test_ecs_blue_green_waits_for_a_manual_reroute():
    group = only(golden("deploy-ecs-blue-green"), GROUP)
    assert group["DeploymentConfigName"] == "CodeDeployDefault.ECSAllAtOnce"
    assert group["BlueGreenDeploymentConfiguration"]["DeploymentReadyOption"] == {
        "ActionOnTimeout": "STOP_DEPLOYMENT", "WaitTimeInMinutes": 60}


def test_ecs_all_at_once_and_an_existing_group_named_by_variables():
    t = golden("deploy-ecs-all-at-once")
    assert only(t, GROUP)["DeploymentConfigName"] == "CodeDeployDefault.ECSAllAtOnce"
    prod = [a for a in t["Resources"]["Pipeline"]["Properties"]["Stages"][3]["Actions"]
            if a["Name"] == "Api"][0]
    assert prod["Configuration"]["ApplicationName"] == "#{Group.Application}"
    # IAM cannot resolve the variables: the grant is widened, never written with #{.
    roles = {k: v for k, v in t["Resources"].items() if v["Type"] == "AWS::IAM::Role"}
    assert "#{" not in json.dumps(roles)
    widened = [r for r in json.dumps(roles).split('"') if "deploymentgroup:" in r]
    assert any(r.endswith("deploymentgroup:*/*") for r in widened), widened


@pytest.mark.parametrize("strategy, config", [
    ('{canary: {step: "10%", bake: 15m}}', "CodeDeployDefault.ECSCanary10Percent15Minutes"),
    ('{linear: {step: "10%", every: 1m}}', "CodeDeployDefault.ECSLinear10PercentEvery1Minutes"),
])
def test_ecs_predefined_configs(write_spec, strategy, config):
    t = compile_stages(write_spec, f"""\
      - name: Deploy
        actions:
          - name: Api
            type: deploy
            provider: ecs
            cluster: c
            service: s
            load_balancer:
              target_groups: [b, g]
              listener: !ImportValue listener
            strategy: {strategy}
    """)
    assert only(t, GROUP)["DeploymentConfigName"] == config


# --- lambda

@pytest.mark.parametrize("sample, expected", [
    ("deploy-lambda-canary", "Canary10Percent5Minutes"),
    ("deploy-lambda-linear", "Linear25PercentEvery2Minutes"),
    ("deploy-lambda-all-at-once", "AllAtOnce"),
])
def test_lambda_strategy_strings(sample, expected):
    config = action(golden(sample), "Live")["Configuration"]
    assert config["DeployStrategy"] == expected
    assert config["FunctionAlias"] == "live"
    assert resources_of(golden(sample), GROUP) == {}  # the action's own strategy, no CodeDeploy


def test_lambda_one_minute_is_singular(write_spec):
    t = compile_stages(write_spec, """\
      - name: Deploy
        actions:
          - name: Live
            type: deploy
            provider: lambda
            function: f
            alias: live
            strategy: {linear: {step: "10%", every: 1m}}
    """)
    assert action(t, "Live")["Configuration"]["DeployStrategy"] == "Linear10PercentEvery1Minute"


def test_lambda_two_days_in_all_is_accepted(write_spec):
    # 50% then 50% after 2880 minutes: exactly the limit.
    t = compile_stages(write_spec, """\
      - name: Deploy
        actions:
          - name: Live
            type: deploy
            provider: lambda
            function: f
            alias: live
            strategy: {linear: {step: "50%", every: 2d}}
    """)
    assert action(t, "Live")["Configuration"]["DeployStrategy"] == (
        "Linear50PercentEvery2880Minutes")


# --- errors

CODEDEPLOY = """\
      - name: Deploy
        actions:
          - name: Web
            type: deploy
            provider: codedeploy
            application: web
            deployment_group: web
"""


def _codes(tmp_path, body: str, head: str = HEAD) -> list[tuple]:
    return [(c, p, m) for c, m, p, *_ in error_tuples(tmp_path, head + body)]


def test_green_fleet_discover_is_refused(tmp_path):
    found = _codes(tmp_path, CODEDEPLOY + """\
            targets: {ec2_tags: {Role: web}}
            load_balancer: {target_group: tg}
            strategy: blue-green
            green_fleet: discover
    """)
    assert [(c, p) for c, p, _ in found] == [("PG427", "stages[0].actions[0].green_fleet")]
    assert "CodePipeline's CodeDeploy action cannot" in found[0][2]


def test_single_target_with_an_autoscaling_group(tmp_path):
    found = _codes(tmp_path, CODEDEPLOY + """\
            targets: {autoscaling_groups: [asg]}
            strategy: single-target
    """)
    assert [(c, p) for c, p, _ in found] == [
        ("PG427", "stages[0].actions[0].targets.autoscaling_groups")]


def test_health_check_load_balancer_needs_one(tmp_path):
    found = _codes(tmp_path, CODEDEPLOY + """\
            targets: {ec2_tags: {Role: web}}
            health_check: load-balancer
            strategy: {rolling: {batch: 1}}
    """)
    assert [c for c, _, _ in found] == ["PG423", "PG423"]


def test_created_group_name_cannot_be_a_runtime_variable(tmp_path):
    found = _codes(tmp_path, CODEDEPLOY.replace("deployment_group: web",
                                                'deployment_group: "#{V.G}"') + """\
            targets: {ec2_tags: {Role: web}}
    """)
    assert [(c, p) for c, p, _ in found] == [("PG425", "stages[0].actions[0].deployment_group")]


@pytest.mark.parametrize("strategy, code", [
    ("blue-green", "PG424"),
    ('{canary: {step: "10%", bake: 5m}}', "PG431"),
])
def test_ecs_codedeploy_strategy_needs_a_group(tmp_path, strategy, code):
    found = _codes(tmp_path, f"""\
      - name: Deploy
        actions:
          - name: Api
            type: deploy
            provider: ecs
            cluster: c
            service: s
            strategy: {strategy}
    """)
    assert [(c, p) for c, p, _ in found] == [(code, "stages[0].actions[0].strategy")]


def test_ecs_rolling_with_a_load_balancer(tmp_path):
    found = _codes(tmp_path, """\
      - name: Deploy
        actions:
          - name: Api
            type: deploy
            provider: ecs
            cluster: c
            service: s
            load_balancer: {target_groups: [b, g], listener: l}
            strategy: rolling
    """)
    assert [c for c, _, _ in found] == ["PG431"]


def test_ecs_needs_cluster_and_service_unless_the_group_exists(tmp_path):
    found = _codes(tmp_path, """\
      - name: Deploy
        actions:
          - name: Api
            type: deploy
            provider: ecs
            service: s
    """)
    assert [(c, p) for c, p, m in found] == [("PG202", "stages[0].actions[0]")]
    assert "`cluster`" in found[0][2]


def test_lambda_canary_step_in_seconds(tmp_path):
    found = _codes(tmp_path, """\
      - name: Deploy
        actions:
          - name: Live
            type: deploy
            provider: lambda
            function: f
            alias: live
            strategy: {canary: {step: "10%", bake: 90s}}
    """)
    assert [(c, p) for c, p, _ in found] == [
        ("PG433", "stages[0].actions[0].strategy.canary.bake")]


# --- every unsupported (provider, strategy) pair, from the strategy registry

# A minimal action of each deploy provider that runs strategies (its other keys; the
# strategy is added by the test). A provider that declares strategies and is missing here
# fails test_every_strategy_provider_has_a_base_action: add its entry, and every pair it does
# not run is then tested.
BASE_ACTIONS = {
    "codedeploy": "application: web\ndeployment_group: web\ntargets: {ec2_tags: {Role: web}}",
    "ecs": "cluster: c\nservice: s",
    "lambda": "function: f\nalias: live",
    "dns": "hosted_zone: Z0123456789ABC\nrecord: www.example.com\nblue: blue.example.com\n"
           "green: green.example.com\ninputs: []",
    "appconfig": "application: web\nenvironment: prod\nprofile: flags\npath: flags.json",
    "beanstalk": "application: web\nenvironment: web-prod",
}


def _strategy_value(name: str) -> str:
    """A valid spelling of a registered strategy, with settings from any provider that runs it
    (the schema lets an unsupported name through to PG410 whatever its settings)."""
    canonical = strategies.aliases()[name]
    for (_, n), entry in sorted(strategies.table().items()):
        if n == canonical:
            if strategies.takes_bare_name(entry):
                return name
            example = {"min_healthy": 1, "batch": 1, "step": "10%", "bake": "5m",
                       "every": "1m", "steps": ["10%", "100%"], "split": "50%"}
            props = entry.settings.get("properties", {})
            required = entry.settings.get("required", list(props))
            return json.dumps({name: {k: example[k] for k in required}})
    raise AssertionError(name)


def _deploy_providers() -> list[str]:
    return sorted({p for p, _ in strategies.table()})


def test_every_strategy_provider_has_a_base_action():
    assert {"codedeploy", "ecs", "lambda"} <= set(_deploy_providers())
    assert set(_deploy_providers()) - set(BASE_ACTIONS) == set()


def _base_deploy(provider: str, strategy: str) -> str:
    """A spec whose one deploy action is the provider's base action with `strategy`."""
    body = "".join(f"        {line}\n" for line in BASE_ACTIONS[provider].splitlines())
    return HEAD + f"""\
  - name: Deploy
    actions:
      - name: Target
        type: deploy
        provider: {provider}
{body}        strategy: {strategy}
"""


UNSUPPORTED = [(provider, spelling) for provider in _deploy_providers() if provider in BASE_ACTIONS
               for spelling in strategies.aliases()
               if (provider, strategies.aliases()[spelling]) not in strategies.table()]


@pytest.mark.parametrize("provider, strategy", UNSUPPORTED)
def test_unsupported_pair_is_a_located_error_naming_the_providers(tmp_path, provider, strategy):
    value = _strategy_value(strategy)
    spec = _base_deploy(provider, value)
    found = error_tuples(tmp_path, spec)
    # The provider's own checks may report other things about this minimal action first.
    code, message, path, line, col, hint = next(f for f in found if f[0] == "PG410")
    assert path == "stages[0].actions[0].strategy", found
    assert line == spec.splitlines().index(f"        strategy: {value}") + 1
    others = strategies.supporting(strategies.aliases()[strategy])
    assert f"strategy '{strategy}' is not available for {provider}" in message
    if others:
        assert "deploy providers that run it: " + ", ".join(others) in hint


NEEDS_SETTINGS = [(provider, name) for (provider, name), entry in sorted(strategies.table().items())
                  if provider in BASE_ACTIONS and not strategies.takes_bare_name(entry)]


@pytest.mark.parametrize("provider, strategy", NEEDS_SETTINGS)
def test_a_bare_name_that_needs_settings_is_one_located_error(tmp_path, provider, strategy):
    # Found by mutation fuzzing: the provider's own check read the missing settings (PG901).
    found = error_tuples(tmp_path, _base_deploy(provider, strategy))
    assert ("PG411", f"strategy '{strategy}' needs settings",
            "stages[0].actions[0].strategy") in [f[:3] for f in found]


def test_a_refused_strategy_is_not_read_by_pipeline_wide_checks(tmp_path):
    # Found by mutation fuzzing: Beanstalk's one-policy-per-environment check looked the
    # refused strategy up among the policies (PG901).
    found = error_tuples(tmp_path, HEAD + """\
  - name: Deploy
    actions:
      - name: Web
        type: deploy
        provider: beanstalk
        application: !Ref WebApplication
        environment: !Ref WebEnvironment
        strategy: blue-green
resources:
  WebApplication:
    Type: AWS::ElasticBeanstalk::Application
  WebEnvironment:
    Type: AWS::ElasticBeanstalk::Environment
    Properties:
      ApplicationName: !Ref WebApplication
      SolutionStackName: 64bit Amazon Linux 2023 v6.1.0 running Node.js 20
""")
    assert [f[0] for f in found] == ["PG410"]


def test_ecs_min_in_service_says_why(tmp_path):
    found = error_tuples(tmp_path, HEAD + """\
  - name: Deploy
    actions:
      - name: Api
        type: deploy
        provider: ecs
        cluster: c
        service: s
        strategy: {min-in-service: {min_healthy: 2}}
""")
    assert found[0][0] == "PG410"
    assert "a setting of the ECS service" in found[0][1]


# --- the README's strategy table

def test_readme_strategy_table_is_current():
    from conftest import ROOT

    from pipegen import doc_strategies

    readme = (ROOT / "README.md").read_text("utf-8")
    assert doc_strategies.section() in readme, (
        "run `python -m pipegen.doc_strategies README.md`")


def test_strategy_table_is_the_declarations():
    from pipegen import doc_strategies

    table = doc_strategies.render()
    for provider, declared in doc_strategies.declared().items():
        assert f"`{provider}`" in table.splitlines()[0]
        for name in declared:
            assert f"| `{name}`" in table
    # An unsupported pair is a dash, with the provider's reason when it gives one (PG410).
    row = next(line for line in table.splitlines() if line.startswith("| `min-in-service` |"))
    assert "— it is a setting of the ECS service" in row


SERVICE_SPEC = HEAD + """\
  - name: Deploy
    actions:
      - name: Api
        type: deploy
        provider: ecs
        cluster: demo
        service: {service}
        load_balancer:
          target_groups: [blue, green]
          listener: !ImportValue listener
        strategy: blue-green
resources:
  Api:
    Type: AWS::ECS::Service
    Properties:
      Cluster: demo
      TaskDefinition: demo
      DesiredCount: 1
      DeploymentController: {{Type: CODE_DEPLOY}}
"""


def test_ecs_service_declared_in_the_spec_by_its_name(tmp_path):
    from helpers import compile_template

    t = compile_template(tmp_path, SERVICE_SPEC.format(service="!GetAtt Api.Name"))
    assert only(t, GROUP)["ECSServices"] == [{"ClusterName": "demo",
                                              "ServiceName": {"Fn::GetAtt": ["Api", "Name"]}}]


def test_ecs_service_by_ref_is_its_arn(tmp_path):
    found = error_tuples(tmp_path, SERVICE_SPEC.format(service="!Ref Api"))
    assert [(c, p) for c, _, p, *_ in found] == [("PG437", "stages[0].actions[0].service")]
    assert found[0][5] == "write `!GetAtt Api.Name`"


def test_provider_code_fits_an_inline_zipfile():
    # CloudFormation takes at most 4096 characters of inline (ZipFile) function code.
    assert len(PROVIDER_CODE) <= 4096
    compile(PROVIDER_CODE, "index.py", "exec")


def test_blue_green_fleet_in_this_stack_is_fine_when_kept(tmp_path):
    from helpers import compile_result

    spec = (ROOT / "tests" / "errors" / "PG432-blue-green-fleet-in-this-stack.yaml").read_text(
        "utf-8").replace("strategy: blue-green", "strategy: blue-green\n        "
                         "terminate_blue: keep")
    result = compile_result(tmp_path, spec)
    assert [w.code for w in result.warnings] == []
    group = result.template["Resources"]["DeployWebDeploymentGroup"]["Properties"]["Group"]
    assert group["autoScalingGroups"] == [{"Ref": "WebFleet"}]
    assert group["blueGreenDeploymentConfiguration"][
        "terminateBlueInstancesOnDeploymentSuccess"] == {"action": "KEEP_ALIVE"}


def test_strategy_settings_are_literal(tmp_path):
    found = error_tuples(tmp_path, with_parameters("Share") + """\
  - name: Deploy
    actions:
      - name: Web
        type: deploy
        provider: codedeploy
        application: web
        deployment_group: web
        targets: {ec2_tags: {Role: web}}
        health_check: appspec-hooks
        strategy: {rolling: {batch: !Ref Share}}
""")
    assert [(c, m, p) for c, m, p, *_ in found] == [
        ("PG207", "'batch' must be a literal value, not an intrinsic function: pipegen checks "
         "and converts the number before emitting",
         "stages[0].actions[0].strategy.rolling.batch")]
