"""Amazon ECS deploys (SPEC.md section 4, the `ecs` row, and section 5):

- a rolling update of an existing service (the ECS action; `strategy: rolling` or none);
- CodeDeployToECS to an existing CodeDeploy application and deployment group, whose traffic
  shifting is the group's own (`strategy` omitted or blue-green); their names may be
  #{ns.var} variables, and then `cluster` and `service` are not needed (the group names them);
- CodeDeployToECS to an application and group pipegen creates from `load_balancer` (target
  group pair, production and optional test listener): all-at-once and blue-green use
  CodeDeployDefault.ECSAllAtOnce, canary and linear AWS's predefined ECS configs when the
  numbers match one (10% and 5 or 15 minutes; 10% every 1 or 3 minutes), else a
  DeploymentConfig with a TimeBasedCanary or TimeBasedLinear TrafficRoutingConfig.
"""

from __future__ import annotations

from typing import Any

from pipegen import cfn
from pipegen.providers import codedeploy_groups as groups
from pipegen.providers.base import (
    ActionProvider,
    Emitted,
    artifact_of,
    check_artifact_path,
    path_after_artifact,
)
from pipegen.providers.codedeploy import grant_deployment, warn_runtime_names
from pipegen.providers.deploy_common import acts, arn, pass_role
from pipegen.providers.strategy_common import (
    check_home_region,
    declare,
    exact_minutes,
    minutes,
    percent,
    runs,
    strategy_path,
    warn_all_at_once,
)

BLUE_GREEN_KEYS = ("task_definition", "appspec", "images")
# The files an ECS deploy reads from its input when the spec names none (SPEC.md section 4).
DEFAULT_FILES = {"task_definition": "taskdef.json", "appspec": "appspec.yaml",
                 "image_definitions": "imagedefinitions.json"}


def file_of(settings: dict, key: str) -> str:
    return settings.get(key, DEFAULT_FILES[key])
TASKS = "ecs-tasks.amazonaws.com"
# What each strategy becomes (the README's strategy table is generated from these).
STRATEGIES = {
    "all-at-once": "CodeDeployToECS, CodeDeployDefault.ECSAllAtOnce (warns, PG420)",
    "rolling": "the ECS action (the service's own rolling update)",
    "blue-green": "CodeDeployToECS, ECSAllAtOnce; group created from `load_balancer` (target "
                  "group pair, listeners) or an existing one",
    "canary": "CodeDeployToECS, ECSCanary10Percent5/15Minutes or a TimeBasedCanary "
              "DeploymentConfig",
    "linear": "CodeDeployToECS, ECSLinear10PercentEvery1/3Minutes or a TimeBasedLinear "
              "DeploymentConfig",
}
# Keys that configure the CodeDeploy group pipegen creates (with `load_balancer`).
GROUP_KEYS = ("service_role", "auto_rollback", "terminate_blue", "ready")
PREDEFINED = {("canary", 10, 5): "ECSCanary10Percent5Minutes",
              ("canary", 10, 15): "ECSCanary10Percent15Minutes",
              ("linear", 10, 1): "ECSLinear10PercentEvery1Minutes",
              ("linear", 10, 3): "ECSLinear10PercentEvery3Minutes"}
MAX_WAIT = 2880  # minutes: CodeDeploy's limit for blue/green waits (2 days)


def _blue_green(settings: dict) -> bool:
    """Whether the deploy goes through CodeDeploy (CodeDeployToECS)."""
    return ("application" in settings or "deployment_group" in settings
            or "load_balancer" in settings)


def _shift(strategy) -> tuple[str, int, int] | None:
    """(canary|linear, percent, minutes) of a traffic-shifting strategy, else None."""
    if strategy is None or strategy.name not in ("canary", "linear"):
        return None
    s = strategy.settings
    wait = s["bake"] if strategy.name == "canary" else s["every"]
    return strategy.name, percent(s["step"]), minutes(wait)


def _split(action, value: Any) -> tuple[str | None, Any]:
    """'ARTIFACT::path' -> (ARTIFACT, path), the path keeping an intrinsic (`!Sub
    "Image::${Env}/taskdef.json"`); a bare path lives in the only input."""
    artifact = artifact_of(value)
    if artifact is not None:
        return artifact, path_after_artifact(value)
    return (action.inputs[0] if len(action.inputs) == 1 else None), value


class EcsDeploy(ActionProvider):
    kinds = (("deploy", "ecs"),)
    schema = "actions/ecs.json"
    inputs = (1, 5)  # rolling: exactly 1 (checked below); blue/green: up to 5

    strategies = declare(STRATEGIES)
    unsupported = {"min-in-service": "it is a setting of the ECS service (its deployment "
                   "minimum healthy percent), which pipegen does not own"}

    def check(self, action, ctx) -> None:
        s, path = action.settings, action.path
        self._check_strategy(action, ctx)
        if not _blue_green(s):
            for key in BLUE_GREEN_KEYS:
                if key in s:
                    ctx.error("PG367", f"`{key}` applies to blue/green ECS deploys, which need "
                              "an existing CodeDeploy `application` and `deployment_group`",
                              path + (key,), "add `application` and `deployment_group`, or "
                              "remove it (rolling deploys read `image_definitions`)", key=True)
            if len(action.inputs) > 1:
                ctx.error("PG307", f"a rolling ecs deploy action takes exactly 1 input, and "
                          f"'{action.name}' has {len(action.inputs)}", path + ("inputs",),
                          "adjust `inputs`")
            return
        for key in ("application", "deployment_group"):
            if key not in s and "load_balancer" not in s:
                ctx.error("PG367", "a blue/green ECS deploy names both an existing "
                          "`application` and its `deployment_group`", path, f"add `{key}:`",
                          key=True)
        if "image_definitions" in s:
            ctx.error("PG367", "`image_definitions` is read by rolling deploys; a blue/green "
                      "deploy reads `task_definition`, `appspec` and `images`",
                      path + ("image_definitions",), "remove it", key=True)
        for key in ("task_definition", "appspec"):
            value = file_of(s, key)
            where = path + ((key,) if key in s else ())
            if artifact_of(value) is not None or (isinstance(value, str) and "::" in value):
                check_artifact_path(ctx, action, value, where)
            elif len(action.inputs) > 1:
                shown = value if isinstance(value, str) else "PATH"
                ctx.error("PG367", f"the action has several inputs, so `{key}` must name its "
                          f"artifact: ARTIFACT::{shown}", where, "inputs: "
                          + ", ".join(action.inputs), key=key not in s)
        for placeholder, artifact in s.get("images", {}).items():
            if artifact not in action.inputs:
                ctx.error("PG309", f"images: '{artifact}' is not one of the inputs of action "
                          f"'{action.name}'", path + ("images", placeholder),
                          "the action's inputs: " + (", ".join(action.inputs) or "none"))

    def emit(self, action, ctx) -> list[Emitted]:
        s = action.settings
        if _blue_green(s):
            return [self._blue_green(action, ctx)]
        cluster, service = s["cluster"], s["service"]  # checked: rolling deploys name them
        if acts(action):
            ctx.policy.allow(["ecs:DescribeServices", "ecs:UpdateService"],
                             arn(action, "ecs", "service/{cluster}/{service}", cluster=cluster,
                                 service=service))
            ctx.policy.allow(["ecs:DescribeTasks"],
                             arn(action, "ecs", "task/{cluster}/*", cluster=cluster))
            # ListTasks is authorized on container instances, which the spec does not name;
            # the ecs:cluster condition keeps it to the service's cluster.
            ctx.policy.allow(["ecs:ListTasks"], "*", {"ArnEquals": {
                "ecs:cluster": arn(action, "ecs", "cluster/{cluster}", cluster=cluster)}})
            self._grant_task_definitions(ctx)
        return [Emitted("Deploy", "AWS", "ECS", {
            "ClusterName": cluster, "ServiceName": service,
            "FileName": file_of(s, "image_definitions")})]

    def _grant_task_definitions(self, ctx) -> None:
        # Task definitions are registered under families the spec does not name, and
        # DescribeTaskDefinition/RegisterTaskDefinition take no resource-level permissions:
        # AWS offers nothing narrower than "*".
        ctx.policy.allow(["ecs:DescribeTaskDefinition", "ecs:RegisterTaskDefinition"], "*")
        # The new revision passes its task and execution roles, which the spec does not name
        # either: "*" limited to the ECS tasks service is AWS's documented practice.
        pass_role(ctx, "*", TASKS)

    def _blue_green(self, action, ctx) -> Emitted:
        s = action.settings
        if "load_balancer" in s:
            app, group = self._create(action, ctx)
        else:
            app, group = s["application"], s["deployment_group"]
        task_artifact, task_path = _split(action, file_of(s, "task_definition"))
        spec_artifact, spec_path = _split(action, file_of(s, "appspec"))
        config: dict[str, Any] = {
            "ApplicationName": app, "DeploymentGroupName": group,
            "TaskDefinitionTemplateArtifact": task_artifact,
            "TaskDefinitionTemplatePath": task_path,
            "AppSpecTemplateArtifact": spec_artifact,
            "AppSpecTemplatePath": spec_path,
        }
        for i, (placeholder, artifact) in enumerate(s.get("images", {}).items(), start=1):
            config[f"Image{i}ArtifactName"] = artifact
            config[f"Image{i}ContainerName"] = placeholder
        grant_deployment(ctx, action, app, group)
        if acts(action):
            self._grant_task_definitions(ctx)
        return Emitted("Deploy", "AWS", "CodeDeployToECS", config)


    # --- strategies

    def _check_strategy(self, action, ctx) -> None:
        s, path = action.settings, action.path
        if action.strategy is not None and runs(action, self) is None:
            return  # not a strategy ecs runs: the registry's PG410
        strategy = action.strategy
        name = strategy.name if strategy else None
        existing = not s.get("load_balancer") and ("application" in s
                                                   or "deployment_group" in s)
        if "load_balancer" in s:
            check_home_region(action, ctx, "load_balancer")
            self._check_declared_service(action, ctx)
            if name == "rolling":
                ctx.error("PG431", "`strategy: rolling` is the ECS service's own rolling "
                          "update, and `load_balancer` creates a CodeDeploy deployment group",
                          path + ("strategy",), "remove `load_balancer` for a rolling "
                          "update, or use all-at-once, blue-green, canary or linear")
            for key in ("application", "deployment_group"):
                if isinstance(s.get(key), str) and "#{" in s[key]:
                    ctx.error("PG425", f"with `load_balancer`, `{key}` names the "
                              f"{key.replace('_', ' ')} pipegen creates; a #{{...}} variable "
                              "is resolved only when the pipeline runs", path + (key,),
                              "write a name or an intrinsic, or remove `load_balancer` to "
                              "deploy to an existing group")
        else:
            for key in GROUP_KEYS:
                if key in s:
                    ctx.error("PG425", f"`{key}` configures the CodeDeploy deployment group "
                              "pipegen creates, and this action has no `load_balancer`",
                              path + (key,), "add `load_balancer` to create the group, or "
                              "remove it: an existing group keeps its own configuration",
                              key=True)
            if existing:
                warn_runtime_names(action, ctx)
            if existing and name not in (None, "blue-green"):
                ctx.error("PG431", f"an existing deployment group shifts traffic its own way, "
                          f"so `{strategy.written}` cannot apply", path + ("strategy",),
                          "omit `strategy` (or write blue-green), or create the group with "
                          "`load_balancer: {target_groups: [BLUE, GREEN], listener: ARN}`")
            elif not existing and name not in (None, "rolling"):
                ctx.error("PG424" if name == "blue-green" else "PG431",
                          f"`{strategy.written}` on ECS is a CodeDeploy deployment, which needs "
                          "a deployment group", path + ("strategy",),
                          "add `load_balancer: {target_groups: [BLUE, GREEN], listener: ARN}` "
                          "to create one, or name an existing `application` and "
                          "`deployment_group`")
        if not existing:
            for key in ("cluster", "service"):
                if key not in s:
                    ctx.error("PG202", f"an ECS deploy needs `{key}` unless it names an "
                              "existing CodeDeploy `application` and `deployment_group`",
                              path, f"add `{key}:`", key=True)
        rollback = s.get("auto_rollback", {})
        if "alarm" in rollback.get("events", ()) and not rollback.get("alarms"):
            ctx.error("PG428", "the `alarm` rollback event needs the CloudWatch alarms that "
                      "stop the deployment", path + ("auto_rollback",),
                      "add `alarms: [NAME, ...]` to `auto_rollback`")
        for key in ("terminate_blue", "ready"):
            value = s.get(key)
            if value not in (None, "continue") and not cfn.is_intrinsic(value) and (
                    not exact_minutes(value) or minutes(value) > MAX_WAIT):
                ctx.error("PG433", f"`{key}: {value}` must be whole minutes, at most 2 days "
                          "(CodeDeploy counts minutes, up to 2880)", path + (key,))
        if name == "all-at-once":
            warn_all_at_once(action, ctx, "the service's traffic")
        shift = _shift(strategy)
        if shift is not None:
            where = strategy_path(action)
            wait = "bake" if shift[0] == "canary" else "every"
            if shift[1] in (0, 100):
                ctx.error("PG433", f"a {shift[0]} step of {shift[1]}% does not shift traffic "
                          "gradually", where + ("step",), "use a share between 1% and 99% "
                          "(100% is `strategy: all-at-once`)")
            value = strategy.settings[wait]
            if not exact_minutes(value) or minutes(value) < 1:
                ctx.error("PG433", f"`{wait}: {value}` must be whole minutes: CodeDeploy "
                          "counts traffic-shifting intervals in minutes", where + (wait,))

    def _check_declared_service(self, action, ctx) -> None:
        """PG437: a service declared in `resources` must be one CodeDeploy can deploy."""
        service = action.settings.get("service")
        if not isinstance(service, dict):
            return
        if "Ref" in service:
            name, attribute = service["Ref"], None
        elif "Fn::GetAtt" in service:
            target = service["Fn::GetAtt"]
            name, attribute = (target.split(".", 1) if isinstance(target, str)
                               else (target[0], target[1]))
        else:
            return
        resource = ctx.resources.get(name)
        if not isinstance(resource, dict) or resource.get("Type") != "AWS::ECS::Service":
            return
        where = action.path + ("service",)
        if attribute is None:
            ctx.error("PG437", f"`!Ref {name}` is the service's ARN, and the deployment group "
                      "names the service by its name", where, f"write `!GetAtt {name}.Name`")
        controller = (resource.get("Properties") or {}).get("DeploymentController") or {}
        if controller.get("Type", "ECS") != "CODE_DEPLOY":
            ctx.error("PG437", f"service '{name}' uses the {controller.get('Type', 'ECS')} "
                      "deployment controller, and CodeDeploy deploys only services created "
                      "with CODE_DEPLOY", where, f"set `DeploymentController: {{Type: "
                      f"CODE_DEPLOY}}` on resources.{name} (the controller is chosen when the "
                      "service is created)")

    def _create(self, action, ctx) -> tuple[Any, Any]:
        """The ECS application, deployment group (and config, role) for the strategy."""
        s = action.settings
        strategy = action.strategy
        app = groups.application(ctx, action, s.get("application"), "ECS")
        lb = s["load_balancer"]
        pair: dict[str, Any] = {
            "TargetGroups": [{"Name": cfn.value(t)} for t in lb["target_groups"]],
            "ProdTrafficRoute": {"ListenerArns": [cfn.value(lb["listener"])]}}
        if "test_listener" in lb:
            pair["TestTrafficRoute"] = {"ListenerArns": [cfn.value(lb["test_listener"])]}
        ready = s.get("ready", "continue")
        props: dict[str, Any] = {
            "ApplicationName": app,
            "ServiceRoleArn": groups.service_role(ctx, action, "ECS"),
            "DeploymentConfigName": self._config(action, ctx, strategy),
            "DeploymentStyle": {"DeploymentType": "BLUE_GREEN",
                                "DeploymentOption": "WITH_TRAFFIC_CONTROL"},
            "ECSServices": [{"ClusterName": cfn.value(s["cluster"]),
                             "ServiceName": cfn.value(s["service"])}],
            "LoadBalancerInfo": {"TargetGroupPairInfoList": [pair]},
            "BlueGreenDeploymentConfiguration": {
                "DeploymentReadyOption": (
                    {"ActionOnTimeout": "CONTINUE_DEPLOYMENT"} if ready == "continue" else
                    {"ActionOnTimeout": "STOP_DEPLOYMENT", "WaitTimeInMinutes": minutes(ready)}),
                "TerminateBlueInstancesOnDeploymentSuccess": {
                    "Action": "TERMINATE",
                    "TerminationWaitTimeInMinutes": cfn.value(
                        minutes(s.get("terminate_blue", "1h")))}},
        }
        if "deployment_group" in s:
            props["DeploymentGroupName"] = cfn.value(s["deployment_group"])
        props.update(groups.rollback_properties(action))
        return app, groups.deployment_group(ctx, action, props)

    def _config(self, action, ctx, strategy) -> Any:
        shift = _shift(strategy)
        if shift is None:  # all-at-once, blue-green, or none with a load balancer
            return "CodeDeployDefault.ECSAllAtOnce"
        if shift in PREDEFINED:
            return "CodeDeployDefault." + PREDEFINED[shift]
        kind, share, interval = shift
        if kind == "canary":
            routing = {"Type": "TimeBasedCanary", "TimeBasedCanary": {
                "CanaryPercentage": share, "CanaryInterval": interval}}
        else:
            routing = {"Type": "TimeBasedLinear", "TimeBasedLinear": {
                "LinearPercentage": share, "LinearInterval": interval}}
        return groups.traffic_config(ctx, action, "ECS", routing)


PROVIDERS = [EcsDeploy()]
