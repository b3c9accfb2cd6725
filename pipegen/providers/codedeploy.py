"""AWS CodeDeploy deployments (EC2/on-premises): to an existing application and group, or, with
`targets`, to a deployment group pipegen creates with the deploy strategy (SPEC.md section 5).

What each strategy becomes (the group's DeploymentConfigName and DeploymentStyle):
- single-target, all-at-once: CodeDeployDefault.AllAtOnce (all-at-once warns, PG420);
- min-in-service {min_healthy: N | "P%"}: a DeploymentConfig, HOST_COUNT N or FLEET_PERCENT P;
- rolling {batch: 1}: OneAtATime; "50%": HalfAtATime; "P%": a DeploymentConfig keeping
  FLEET_PERCENT 100-P healthy. An integer batch above 1 has no CodeDeploy equivalent (the
  fleet size is unknown when the template is written). Rolling needs a health signal: a
  load balancer, or `health_check: appspec-hooks` (the revision's ValidateService hooks);
- blue-green (red-black): a BLUE_GREEN group WITH_TRAFFIC_CONTROL that copies the one Auto
  Scaling group in `targets`, created through a custom resource (codedeploy_groups).
Without `strategy` a created group uses CodeDeploy's default configuration (OneAtATime).
"""

from __future__ import annotations

from typing import Any

from pipegen import cfn
from pipegen.providers import codedeploy_groups as groups
from pipegen.providers.base import ActionProvider, Emitted
from pipegen.providers.deploy_common import acts, arn
from pipegen.providers.strategy_common import (
    ROLLING,
    check_home_region,
    declare,
    exact_minutes,
    minutes,
    percent,
    runs,
    strategy_path,
    warn_all_at_once,
)

# What each strategy becomes (the README's strategy table is generated from these).
STRATEGIES = {
    "single-target": "created group targeting one instance by its tags; AllAtOnce",
    "all-at-once": "CodeDeployDefault.AllAtOnce (warns, PG420)",
    "min-in-service": "DeploymentConfig, MinimumHealthyHosts HOST_COUNT N or FLEET_PERCENT P",
    "rolling": "`1` OneAtATime, `\"50%\"` HalfAtATime, `\"P%\"` DeploymentConfig FLEET_PERCENT "
               "100-P; needs `load_balancer` or `health_check: appspec-hooks`",
    "blue-green": "BLUE_GREEN group WITH_TRAFFIC_CONTROL copying the Auto Scaling group, "
                  "created by a generated custom resource; needs `load_balancer`",
}
# Keys that configure the group pipegen creates: meaningless for an existing group.
GROUP_KEYS = ("load_balancer", "health_check", "service_role", "auto_rollback", "green_fleet",
              "terminate_blue", "ready", "strategy")
BLUE_GREEN_KEYS = ("green_fleet", "terminate_blue", "ready")
PREDEFINED = "CodeDeployDefault."
MAX_WAIT = 2880  # minutes: CodeDeploy's limit for blue/green waits (2 days)


def grant_deployment(ctx, action, app: Any, group: Any) -> None:
    """What the pipeline role needs to run a CodeDeploy deployment of app/group."""
    if not acts(action):
        return
    # IAM cannot resolve a #{ns.var} name: the ARN takes "*" in its place (PG434 warns).
    app, group = (_runtime_wildcard(v) for v in (app, group))
    ctx.policy.allow(["codedeploy:CreateDeployment", "codedeploy:GetDeployment"],
                     arn(action, "codedeploy", "deploymentgroup:{app}/{group}", app=app,
                         group=group))
    ctx.policy.allow(["codedeploy:GetApplication", "codedeploy:GetApplicationRevision",
                      "codedeploy:RegisterApplicationRevision"],
                     arn(action, "codedeploy", "application:{app}", app=app))
    # The group's deployment configuration is not named in the spec (it is the group's own).
    ctx.policy.allow("codedeploy:GetDeploymentConfig",
                     arn(action, "codedeploy", "deploymentconfig:*"))


def _runtime_wildcard(value: Any) -> Any:
    return "*" if isinstance(value, str) and "#{" in value else value


def warn_runtime_names(action, ctx) -> None:
    """PG434: the pipeline role's grant is widened for names only known at run time."""
    s = action.settings
    names = [k for k in ("application", "deployment_group")
             if isinstance(s.get(k), str) and "#{" in s[k]]
    if names and acts(action):
        ctx.warn("PG434", f"`{names[0]}` is resolved only when the pipeline runs, which IAM "
                 "cannot do: the pipeline role may deploy to any "
                 + ("application's groups" if "application" in names else "group of the "
                    "application"), action.path + (names[0],),
                 "name the application and group in the spec to keep the grant to them; "
                 "or acknowledge the warning (`acknowledge: [PG434]`)")


def _health_checked(s: dict) -> bool:
    return "load_balancer" in s or s.get("health_check") == "appspec-hooks"


class CodeDeployAction(ActionProvider):
    kinds = (("deploy", "codedeploy"),)
    schema = "actions/codedeploy.json"
    inputs = (1, 1)
    strategies = declare(STRATEGIES, {"rolling": ROLLING})

    def check(self, action, ctx) -> None:
        s, path = action.settings, action.path
        own = action.strategy is not None and action.strategy.name in STRATEGIES
        if "targets" not in s:
            warn_runtime_names(action, ctx)
            for key in GROUP_KEYS:
                if key in s and (key != "strategy" or own):
                    ctx.error("PG425", f"`{key}` configures the deployment group pipegen "
                              "creates, and this action deploys to an existing group (it has "
                              "no `targets`)", path + (key,), "add `targets` to create the "
                              "group, or remove it: an existing group keeps its own "
                              "configuration", key=True)
            return
        check_home_region(action, ctx, "targets")
        for key in ("application", "deployment_group"):
            if isinstance(s[key], str) and "#{" in s[key]:
                ctx.error("PG425", f"`{key}` names the {key.replace('_', ' ')} pipegen "
                          "creates from `targets`; a #{...} variable is resolved only when "
                          "the pipeline runs", path + (key,), "write a name or an intrinsic")
        if action.strategy is not None and (runs(action, self) is None or not own):
            return  # PG410 (the registry's), or another module's strategy and its checks
        strategy = action.strategy
        name = strategy.name if strategy else None
        if name != "blue-green":
            for key in BLUE_GREEN_KEYS:
                if key in s:
                    ctx.error("PG426", f"`{key}` applies to blue-green deploys, and this "
                              f"action's strategy is {name or 'not set'}", path + (key,),
                              "remove it, or use `strategy: blue-green`", key=True)
        if s.get("health_check") == "load-balancer" and "load_balancer" not in s:
            ctx.error("PG423", "`health_check: load-balancer` needs the `load_balancer` "
                      "whose target group reports instance health", path + ("health_check",),
                      "add `load_balancer: {target_group: NAME}`, or use `health_check: "
                      "appspec-hooks`")
        rollback = s.get("auto_rollback", {})
        if "alarm" in rollback.get("events", ()) and not rollback.get("alarms"):
            ctx.error("PG428", "the `alarm` rollback event needs the CloudWatch alarms that "
                      "stop the deployment", path + ("auto_rollback",),
                      "add `alarms: [NAME, ...]` to `auto_rollback`")
        where = strategy_path(action)
        if name == "all-at-once":
            warn_all_at_once(action, ctx, "to every instance of the group")
        elif name == "single-target":
            if "autoscaling_groups" in s["targets"]:
                ctx.error("PG427", "single-target deploys to one server, and an Auto Scaling "
                          "group is a fleet", path + ("targets", "autoscaling_groups"),
                          "target the one instance by its tags (`ec2_tags` or "
                          "`on_premises_tags`), or use another strategy")
        elif name == "min-in-service":
            value = strategy.settings["min_healthy"]
            if isinstance(value, str) and percent(value) >= 100:
                ctx.error("PG433", "`min_healthy: 100%` leaves no host to deploy to",
                          where + ("min_healthy",), "use a share below 100%, or a host count")
        elif name == "rolling":
            self._check_rolling(action, ctx, strategy.settings["batch"], where)
        elif name == "blue-green":
            self._check_blue_green(action, ctx)

    def _check_rolling(self, action, ctx, batch: Any, where: tuple) -> None:
        if isinstance(batch, int) and batch > 1:
            ctx.error("PG422", f"`batch: {batch}` has no CodeDeploy equivalent: CodeDeploy "
                      "keeps a minimum of healthy hosts, and the fleet's size is not known "
                      "when the template is written", where + ("batch",),
                      "write a share of the fleet (`batch: \"25%\"`), or keep a number of "
                      "hosts in service with `strategy: {min-in-service: {min_healthy: "
                      "N}}`")
        elif isinstance(batch, str) and percent(batch) in (0, 100):
            ctx.error("PG433", f"`batch: \"{batch}\"` is not a rolling deploy",
                      where + ("batch",), "use a share between 1% and 99% (100% is "
                      "`strategy: all-at-once`)")
        if not _health_checked(action.settings):
            ctx.error("PG423", "a rolling deploy needs health checks: CodeDeploy moves to the "
                      "next batch only when the last one is healthy, and nothing here tells "
                      "it so", action.path + ("strategy",),
                      "add `load_balancer: {target_group: NAME}`, or `health_check: "
                      "appspec-hooks` when the revision's ValidateService hooks check the "
                      "application")

    def _check_blue_green(self, action, ctx) -> None:
        s, path = action.settings, action.path
        if "load_balancer" not in s:
            ctx.error("PG424", "a blue-green deploy moves traffic from the old fleet to the "
                      "new one through a load balancer, and this action has none",
                      path + ("strategy",), "add `load_balancer: {target_group: NAME}`")
        if s.get("green_fleet") == "discover":
            ctx.error("PG427", "`green_fleet: discover` (manually provisioned instances) "
                      "needs the replacement instances named when each deployment starts, "
                      "which CodePipeline's CodeDeploy action cannot do",
                      path + ("green_fleet",), "use `green_fleet: copy-autoscaling-group` "
                      "(the default), or deploy to an existing blue/green group without "
                      "`targets`")
        else:
            targets = s["targets"]
            asgs = targets.get("autoscaling_groups", [])
            tags = [k for k in ("ec2_tags", "on_premises_tags") if k in targets]
            if len(asgs) != 1 or tags:
                ctx.error("PG427", "a blue-green deploy copies exactly one Auto Scaling group "
                          "(the original fleet) into the replacement fleet", path + ("targets",),
                          "give `targets: {autoscaling_groups: [NAME]}` and nothing else")
        self._warn_stack_fleet(action, ctx)
        for key in ("terminate_blue", "ready"):
            value = s.get(key)
            if value in (None, "keep", "continue"):
                continue
            if not exact_minutes(value) or minutes(value) > MAX_WAIT:
                ctx.error("PG433", f"`{key}: {value}` must be whole minutes, at most 2 days "
                          "(CodeDeploy counts minutes, up to 2880)", path + (key,))

    def _warn_stack_fleet(self, action, ctx) -> None:
        """PG432: CodeDeploy replaces the copied Auto Scaling group; one this stack declares
        would be deleted (or left stale) behind CloudFormation's back."""
        s = action.settings
        asgs = s["targets"].get("autoscaling_groups", [])
        if len(asgs) != 1 or s.get("terminate_blue") == "keep" \
                or not isinstance(asgs[0], dict) or "Ref" not in asgs[0]:
            return
        resource = ctx.resources.get(asgs[0]["Ref"])
        if isinstance(resource, dict) and resource.get("Type") == \
                "AWS::AutoScaling::AutoScalingGroup":
            ctx.warn("PG432", f"the blue-green deploy replaces Auto Scaling group "
                     f"'{asgs[0]['Ref']}' with CodeDeploy's copy and terminates the original, "
                     "which this stack declares: the stack's next update would act on a "
                     "group that no longer exists", action.path + ("targets",
                                                                   "autoscaling_groups", 0),
                     "declare the Auto Scaling group in another stack, or keep the original "
                     "fleet (`terminate_blue: keep`); acknowledge PG432 when the stack never "
                     "updates the group")

    # --- emit

    def emit(self, action, ctx) -> list[Emitted]:
        s = action.settings
        app, group = s.get("application"), s.get("deployment_group")
        if "targets" in s:
            app, group = self._create(action, ctx)
        grant_deployment(ctx, action, app, group)
        return [Emitted("Deploy", "AWS", "CodeDeploy",
                        {"ApplicationName": app, "DeploymentGroupName": group})]

    def _create(self, action, ctx) -> tuple[Any, Any]:
        s = action.settings
        strategy = action.strategy
        name = strategy.name if strategy else None
        blue_green = name == "blue-green"
        app = groups.application(ctx, action, s["application"], "Server")
        props: dict[str, Any] = {
            "ApplicationName": app,
            "DeploymentGroupName": cfn.value(s["deployment_group"]),
            "ServiceRoleArn": groups.service_role(ctx, action, "Server", copies_asg=blue_green),
        }
        config = self._config(action, ctx, strategy)
        if config is not None:
            props["DeploymentConfigName"] = config
        lb = "load_balancer" in s
        props["DeploymentStyle"] = {
            "DeploymentType": "BLUE_GREEN" if blue_green else "IN_PLACE",
            "DeploymentOption": "WITH_TRAFFIC_CONTROL" if lb else "WITHOUT_TRAFFIC_CONTROL"}
        props.update(groups.target_properties(s["targets"]))
        if lb:
            props["LoadBalancerInfo"] = {"TargetGroupInfoList": [
                {"Name": cfn.value(s["load_balancer"]["target_group"])}]}
        props.update(groups.rollback_properties(action))
        if not blue_green:
            return app, groups.deployment_group(ctx, action, props)
        terminate = s.get("terminate_blue", "1h")
        ready = s.get("ready", "continue")
        props["BlueGreenDeploymentConfiguration"] = {
            "GreenFleetProvisioningOption": {"Action": "COPY_AUTO_SCALING_GROUP"},
            "TerminateBlueInstancesOnDeploymentSuccess": (
                {"Action": "KEEP_ALIVE"} if terminate == "keep" else
                {"Action": "TERMINATE", "TerminationWaitTimeInMinutes": minutes(terminate)}),
            "DeploymentReadyOption": (
                {"ActionOnTimeout": "CONTINUE_DEPLOYMENT"} if ready == "continue" else
                {"ActionOnTimeout": "STOP_DEPLOYMENT", "WaitTimeInMinutes": minutes(ready)}),
        }
        group = groups.copied_asg_group(ctx, action, props, s["application"],
                                        s["deployment_group"])
        return app, group

    def _config(self, action, ctx, strategy) -> Any:
        """The group's DeploymentConfigName for the strategy (None: CodeDeploy's default)."""
        if strategy is None or strategy.name not in STRATEGIES:
            return None
        name = strategy.name
        if name in ("single-target", "all-at-once", "blue-green"):
            # blue-green: the new revision goes to every replacement instance at once; no
            # traffic reaches them before the whole replacement fleet is ready.
            return PREDEFINED + "AllAtOnce"
        if name == "min-in-service":
            value = strategy.settings["min_healthy"]
            if isinstance(value, int):
                return groups.minimum_healthy_config(ctx, action, "HOST_COUNT", value)
            return groups.minimum_healthy_config(ctx, action, "FLEET_PERCENT", percent(value))
        batch = strategy.settings["batch"]  # rolling
        if batch == 1:
            return PREDEFINED + "OneAtATime"
        if batch == "50%":
            return PREDEFINED + "HalfAtATime"
        return groups.minimum_healthy_config(ctx, action, "FLEET_PERCENT", 100 - percent(batch))


PROVIDERS = [CodeDeployAction()]
