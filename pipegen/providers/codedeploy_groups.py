"""CodeDeploy resources a deploy strategy creates: application, deployment group and config,
the CodeDeploy service role, and the custom resource for EC2 blue/green groups.

The `codedeploy` (EC2/on-premises) and `ecs` providers call these while they emit; each
function adds its resources to the template and returns what the pipeline action names.

- An application is created once however many actions name it (keyed by its name, literal or
  intrinsic); naming one name for an EC2 and an ECS application is an error.
- A custom deployment configuration never gets a fixed name: every property of
  AWS::CodeDeploy::DeploymentConfig is create-only, so a change replaces it, and a fixed name
  would collide with the old one during the replacement.
- CloudFormation's AWS::CodeDeploy::DeploymentGroup cannot create an EC2 blue/green group that
  copies an Auto Scaling group (cloudformation-coverage-roadmap #2071: "Property
  AutoScalingGroups cannot be specified" with it, "Exactly one AutoScaling group must be
  specified" without it). Such a group is created by a custom resource backed by a small
  Lambda function pipegen writes, whose role may manage only the groups this template names.

Not a provider module (no PROVIDERS): the registry skips it.
"""

from __future__ import annotations

import json
from typing import Any

from troposphere import AWSObject, GetAtt, Ref, Sub, awslambda, codedeploy, logs
from troposphere import iam as troposphere_iam

from pipegen import cfn, iam
from pipegen.errors import diag, format_path
from pipegen.naming import logical_id

CODEDEPLOY = "codedeploy.amazonaws.com"
# AWS's managed policies for CodeDeploy service roles; note the ECS one is not under service-role/.
MANAGED = {
    "Server": "arn:${AWS::Partition}:iam::aws:policy/service-role/AWSCodeDeployRole",
    "ECS": "arn:${AWS::Partition}:iam::aws:policy/AWSCodeDeployRoleForECS",
}
SERVICE_ROLE = {"Server": "CodeDeployServiceRole", "ECS": "CodeDeployEcsServiceRole"}
GROUP_PROVIDER = "CodeDeployGroupProvider"  # the custom resource's function
EVENTS = {"failure": "DEPLOYMENT_FAILURE", "alarm": "DEPLOYMENT_STOP_ON_ALARM",
          "stop": "DEPLOYMENT_STOP_ON_REQUEST"}


def _key(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


def application(ctx, action, name: Any, platform: str) -> Any:
    """The created application named `name` (once per name; None lets CloudFormation name
    it); returns its Ref (the name).

    Returns None after reporting PG436 when the name already belongs to an application of
    another compute platform.
    """
    apps = ctx.shared.setdefault("codedeploy-applications", {})
    # An unnamed application (CloudFormation names it) is this action's alone.
    key = _key(name) if name is not None else _key(list(action.path))
    if key in apps:
        title, existing, path = apps[key]
        if existing != platform:
            where = action.path + ("application",)
            ctx.problems.append(diag(
                "PG436", f"application {json.dumps(cfn.plain(name))} is created for "
                f"{existing} deployments by {format_path(path)}, and this action needs one "
                f"for {platform}", ctx.loaded.span(where), where,
                "a CodeDeploy application has one compute platform: give this action's "
                "application another name"))
            return Ref(title)
        return Ref(title)
    title = logical_id(action.stage, action.name, "Application")
    kwargs: dict[str, Any] = {"ComputePlatform": platform}
    if name is not None:
        kwargs["ApplicationName"] = cfn.value(name)
    tags = ctx.tags()
    if tags is not None:
        kwargs["Tags"] = tags
    ctx.add(codedeploy.Application(title, **kwargs), action.path + ("application",))
    apps[key] = (title, platform, action.path)
    return Ref(title)


def service_role(ctx, action, platform: str, copies_asg: bool = False) -> Any:
    """The role CodeDeploy assumes: the spec's `service_role`, or the shared generated one."""
    given = action.settings.get("service_role")
    if given is not None:
        return cfn.value(given)
    title = SERVICE_ROLE[platform]
    roles = ctx.shared.setdefault("codedeploy-roles", {})
    if title not in roles:
        role = iam.role(title, CODEDEPLOY, iam.Policy(), policy_name="LaunchTemplateFleets",
                        managed=[Sub(MANAGED[platform])], tags=ctx.tags())
        roles[title] = (role, iam.Policy())
        ctx.add(role, action.path)
    if copies_asg:
        # Copying an Auto Scaling group that uses a launch template launches instances with
        # the template's instance profile: AWS's managed policy lacks these three grants.
        # The template, its AMI, subnets and profile role are not named in the spec: "*",
        # limited to instance launches and to passing roles to EC2.
        role, policy = roles[title]
        policy.allow("ec2:RunInstances", "*")
        policy.allow("ec2:CreateTags", "*", {"StringEquals": {"ec2:CreateAction": "RunInstances"}})
        policy.allow("iam:PassRole", "*",
                     {"StringEquals": {"iam:PassedToService": "ec2.amazonaws.com"}})
        _set_policy(role, policy, "LaunchTemplateFleets")
        role.Metadata = _skip(("CKV_AWS_111", "ec2:RunInstances on '*': the instances a "
                               "blue/green copy launches, their AMI, subnets and launch "
                               "template are not known when the template is written; the "
                               "grant is limited to launches, tags at launch and roles passed "
                               "to EC2"))
    return GetAtt(title, "Arn")


def _skip(*checks: tuple[str, str]) -> dict:
    """checkov skips on a resource pipegen generates, each with the reason it does not apply."""
    return {"checkov": {"skip": [{"id": i, "comment": c} for i, c in checks]}}


def _set_policy(role, policy: iam.Policy, name: str) -> None:
    """(Re)write a shared role's inline policy after a grant was added to it."""
    role.Policies = [troposphere_iam.Policy(PolicyName=name, PolicyDocument=policy.document())]


def minimum_healthy_config(ctx, action, kind: str, value: int) -> Any:
    """A Server deployment configuration keeping `value` hosts (HOST_COUNT) or percent
    (FLEET_PERCENT) healthy; returns its Ref, the generated name."""
    title = logical_id(action.stage, action.name, "DeploymentConfig")
    ctx.add(codedeploy.DeploymentConfig.from_dict(title, {
        "ComputePlatform": "Server",
        "MinimumHealthyHosts": {"Type": kind, "Value": value},
    }), action.path + ("strategy",))
    return Ref(title)


def traffic_config(ctx, action, platform: str, routing: dict) -> Any:
    """An ECS or Lambda deployment configuration with a TrafficRoutingConfig; returns its Ref."""
    title = logical_id(action.stage, action.name, "DeploymentConfig")
    ctx.add(codedeploy.DeploymentConfig.from_dict(title, {
        "ComputePlatform": platform, "TrafficRoutingConfig": routing,
    }), action.path + ("strategy",))
    return Ref(title)


def tag_filters(tags: Any) -> list[dict]:
    """`{K: V}` or `[{key, value}]` -> CodeDeploy tag filters (KEY_AND_VALUE)."""
    pairs = tags.items() if isinstance(tags, dict) else [(t["key"], t["value"]) for t in tags]
    return [{"Key": cfn.value(k), "Value": cfn.value(v), "Type": "KEY_AND_VALUE"}
            for k, v in pairs]


def target_properties(targets: dict) -> dict:
    """The group's targets. One tag is a plain filter list; several become a tag set with one
    group per tag, so that an instance must carry every tag (a filter list matches any)."""
    out: dict[str, Any] = {}
    for key, plain_key, set_key, list_key, group_key in (
            ("ec2_tags", "Ec2TagFilters", "Ec2TagSet", "Ec2TagSetList", "Ec2TagGroup"),
            ("on_premises_tags", "OnPremisesInstanceTagFilters", "OnPremisesTagSet",
             "OnPremisesTagSetList", "OnPremisesTagGroup")):
        if key not in targets:
            continue
        filters = tag_filters(targets[key])
        if len(filters) == 1:
            out[plain_key] = filters
        else:
            out[set_key] = {list_key: [{group_key: [f]} for f in filters]}
    if "autoscaling_groups" in targets:
        out["AutoScalingGroups"] = [cfn.value(g) for g in targets["autoscaling_groups"]]
    return out


def rollback_properties(action) -> dict:
    """`auto_rollback` -> AutoRollbackConfiguration and AlarmConfiguration."""
    spec = action.settings.get("auto_rollback")
    if not spec:
        return {}
    out: dict[str, Any] = {"AutoRollbackConfiguration": {
        "Enabled": True, "Events": [EVENTS[e] for e in spec["events"]]}}
    if spec.get("alarms"):
        out["AlarmConfiguration"] = {"Enabled": True, "Alarms": [
            {"Name": cfn.value(a)} for a in spec["alarms"]]}
    return out


def deployment_group(ctx, action, properties: dict) -> Any:
    """An AWS::CodeDeploy::DeploymentGroup; returns its Ref (the group name)."""
    title = logical_id(action.stage, action.name, "DeploymentGroup")
    ctx.add(codedeploy.DeploymentGroup.from_dict(title, properties), action.path)
    return Ref(title)


# --- EC2 blue/green with a copied Auto Scaling group: the custom resource

# API (camelCase) names of the group's properties, as the custom resource passes them on.
_API_NAMES = {
    "ApplicationName": "applicationName", "DeploymentGroupName": "deploymentGroupName",
    "ServiceRoleArn": "serviceRoleArn", "DeploymentConfigName": "deploymentConfigName",
    "AutoScalingGroups": "autoScalingGroups", "DeploymentStyle": "deploymentStyle",
    "DeploymentType": "deploymentType", "DeploymentOption": "deploymentOption",
    "BlueGreenDeploymentConfiguration": "blueGreenDeploymentConfiguration",
    "DeploymentReadyOption": "deploymentReadyOption", "ActionOnTimeout": "actionOnTimeout",
    "WaitTimeInMinutes": "waitTimeInMinutes",
    "GreenFleetProvisioningOption": "greenFleetProvisioningOption", "Action": "action",
    "TerminateBlueInstancesOnDeploymentSuccess": "terminateBlueInstancesOnDeploymentSuccess",
    "TerminationWaitTimeInMinutes": "terminationWaitTimeInMinutes",
    "LoadBalancerInfo": "loadBalancerInfo", "TargetGroupInfoList": "targetGroupInfoList",
    "Name": "name", "AutoRollbackConfiguration": "autoRollbackConfiguration",
    "Enabled": "enabled", "Events": "events", "AlarmConfiguration": "alarmConfiguration",
    "Alarms": "alarms",
}

# The function behind the custom resource. CloudFormation hands custom resources every
# scalar as a string, so numbers and booleans are restored by key. On update, the Auto
# Scaling group is passed only when the spec changed it: after a blue/green deployment the
# group deploys to CodeDeploy's copy, which a stale name must not replace. A service role
# created in the same stack may not have propagated yet: InvalidRoleException is retried.
PROVIDER_CODE = """\
import json, time, urllib.request
import boto3

cd = boto3.client("codedeploy")
INTS = {"waitTimeInMinutes", "terminationWaitTimeInMinutes"}
BOOLS = {"enabled"}


def fix(v, k=None):
    if isinstance(v, dict):
        return {a: fix(b, a) for a, b in v.items()}
    if isinstance(v, list):
        return [fix(x) for x in v]
    if k in INTS:
        return int(v)
    if k in BOOLS:
        return str(v).lower() == "true"
    return v


def retried(call, **kw):
    for attempt in range(8):
        try:
            return call(**kw)
        except cd.exceptions.ClientError as e:
            if e.response["Error"]["Code"] != "InvalidRoleException" or attempt == 7:
                raise
            time.sleep(10)


def apply(event):
    new = fix(event["ResourceProperties"]["Group"])
    kind, pid = event["RequestType"], event.get("PhysicalResourceId")
    if kind == "Delete":
        if pid == new["deploymentGroupName"]:
            try:
                cd.delete_deployment_group(applicationName=new["applicationName"],
                                           deploymentGroupName=pid)
            except cd.exceptions.ClientError as e:
                if not e.response["Error"]["Code"].endswith("DoesNotExistException"):
                    raise
        return pid
    old = fix(event.get("OldResourceProperties", {}).get("Group", {}))
    same = [old.get(k) for k in ("applicationName", "deploymentGroupName")] == [
        new["applicationName"], new["deploymentGroupName"]]
    if kind == "Update" and same:
        if old.get("autoScalingGroups") == new["autoScalingGroups"]:
            del new["autoScalingGroups"]
        new["currentDeploymentGroupName"] = new.pop("deploymentGroupName")
        retried(cd.update_deployment_group, **new)
    else:
        retried(cd.create_deployment_group, **new)
    return new.get("deploymentGroupName", pid)


def handler(event, context):
    status, reason, pid = "SUCCESS", "", event.get("PhysicalResourceId", "none")
    try:
        pid = apply(event)
    except Exception as e:
        status, reason = "FAILED", f"{e} (log stream {context.log_stream_name})"
    body = json.dumps({"Status": status, "Reason": reason[:1000], "PhysicalResourceId": pid,
                       "StackId": event["StackId"], "RequestId": event["RequestId"],
                       "LogicalResourceId": event["LogicalResourceId"]}).encode()
    request = urllib.request.Request(event["ResponseURL"], data=body, method="PUT",
                                     headers={"Content-Type": ""})
    urllib.request.urlopen(request, timeout=30)
"""


def _api(value: Any) -> Any:
    if isinstance(value, dict) and not cfn.is_intrinsic(value):
        return {_API_NAMES[k]: _api(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_api(v) for v in value]
    return value


def _group_provider(ctx, action) -> tuple[Any, tuple]:
    """The one function (and its role and log group) behind every custom-resource group."""
    if GROUP_PROVIDER not in ctx.shared:
        role_title, log_title = GROUP_PROVIDER + "Role", GROUP_PROVIDER + "Logs"
        policy = iam.Policy()
        ctx.add(logs.LogGroup(log_title, RetentionInDays=30, Metadata=_skip((
            "CKV_AWS_158", "holds the custom resource's own request logs (group names and "
            "CodeDeploy errors), no application data; CloudWatch Logs encrypts them at rest"))),
            action.path)
        policy.allow(["logs:CreateLogStream", "logs:PutLogEvents"],
                     GetAtt(log_title, "Arn"))
        role = iam.role(role_title, "lambda.amazonaws.com", policy,
                        policy_name="ManageDeploymentGroups", tags=ctx.tags())
        ctx.add(role, action.path)
        ctx.add(awslambda.Function(
            GROUP_PROVIDER,
            Description="pipegen: creates CodeDeploy EC2 blue/green deployment groups that "
                        "copy an Auto Scaling group, which CloudFormation's resource cannot",
            Runtime="python3.12", Handler="index.handler", Timeout=120,
            Role=GetAtt(role_title, "Arn"),
            Code=awslambda.Code(ZipFile=PROVIDER_CODE),
            LoggingConfig=awslambda.LoggingConfig(LogGroup=Ref(log_title)),
            Metadata=_skip(
                ("CKV_AWS_116", "a CloudFormation custom resource is invoked synchronously by "
                 "CloudFormation, which records a failed request itself; a dead-letter queue "
                 "would never receive one"),
                ("CKV_AWS_117", "it calls only the CodeDeploy API and CloudFormation's "
                 "response URL; a VPC would add NAT or endpoints and nothing to protect"),
                ("CKV_AWS_115", "runs only when CloudFormation changes this stack's "
                 "deployment groups: one request at a time"))), action.path)
        ctx.shared[GROUP_PROVIDER] = (role, policy)
    return GetAtt(GROUP_PROVIDER, "Arn"), ctx.shared[GROUP_PROVIDER]


def copied_asg_group(ctx, action, properties: dict, app_name: Any, group_name: Any) -> Any:
    """The EC2 blue/green group as a custom resource; returns its Ref (the group name)."""
    token, (role, policy) = _group_provider(ctx, action)
    # Only this group: its ARN names the application and the group.
    policy.allow(["codedeploy:CreateDeploymentGroup", "codedeploy:UpdateDeploymentGroup",
                  "codedeploy:DeleteDeploymentGroup", "codedeploy:GetDeploymentGroup"],
                 cfn.arn("codedeploy", "deploymentgroup:{app}/{group}", app=app_name,
                         group=group_name))
    policy.allow("iam:PassRole", properties["ServiceRoleArn"],
                 {"StringEquals": {"iam:PassedToService": CODEDEPLOY}})
    _set_policy(role, policy, "ManageDeploymentGroups")
    title = logical_id(action.stage, action.name, "DeploymentGroup")
    group = _api(properties)
    # Every setting is passed on each update, so removing one from the spec clears it.
    group.setdefault("autoRollbackConfiguration", {"enabled": False, "events": []})
    group.setdefault("alarmConfiguration", {"enabled": False, "alarms": []})
    ctx.add(_GroupResource(title, ServiceToken=token, Group=cfn.value(cfn.plain(group))),
            action.path)
    return Ref(title)


class _GroupResource(AWSObject):
    resource_type = "Custom::CodeDeployDeploymentGroup"
    props = {"ServiceToken": (object, True), "Group": (object, True)}
