"""AWS Elastic Beanstalk deploys to an application environment, with its deployment policy.

A Beanstalk deploy touches EC2, Auto Scaling, load balancers, CloudFormation and S3 on the
environment's behalf; AWS advises its managed policy for it, which cannot be scoped further,
so the generated pipeline role gets AdministratorAccess-AWSElasticBeanstalk (SPEC.md
section 1). A bring-your-own pipeline role is the user's to grant.

Beanstalk applies a deploy with the environment's own deployment policy, so a `strategy` is
the environment's option settings (namespace aws:elasticbeanstalk:command, and
aws:elasticbeanstalk:trafficsplitting for canary). pipegen can set them only on an
environment this spec declares in `resources`; for one defined elsewhere the strategy is an
error that says where its policy is set.
"""

from __future__ import annotations

import copy
from typing import Any

from troposphere import Sub

from pipegen import cfn
from pipegen.build import is_home_region
from pipegen.errors import diag
from pipegen.providers.base import ActionProvider, Emitted
from pipegen.providers.deploy_common import acts
from pipegen.providers.strategyutil import (
    check_supported,
    percent,
    seconds,
    strategy_of,
    strategy_path,
)

MANAGED_POLICY = "arn:${AWS::Partition}:iam::aws:policy/AdministratorAccess-AWSElasticBeanstalk"
ENVIRONMENT = "AWS::ElasticBeanstalk::Environment"
COMMAND = "aws:elasticbeanstalk:command"
SPLITTING = "aws:elasticbeanstalk:trafficsplitting"
SETTINGS = "aws:elasticbeanstalk:environment"
STRATEGIES = ("all-at-once", "rolling", "min-in-service", "immutable", "canary")
POLICIES = {"all-at-once": "AllAtOnce", "rolling": "Rolling",
            "min-in-service": "RollingWithAdditionalBatch", "immutable": "Immutable",
            "canary": "TrafficSplitting"}
# Policies that replace instances in batches of a load-balanced fleet (AWS's table of
# supported deployment policies: not for single-instance environments).
LOAD_BALANCED = ("rolling", "min-in-service", "canary")
EVALUATION_MINUTES = (3, 600)  # aws:elasticbeanstalk:trafficsplitting EvaluationTime


def option_settings(settings: dict) -> list[dict[str, str]]:
    """The option settings the action's strategy stands for (all values are strings)."""
    name, body = strategy_of(settings)

    def option(namespace: str, option_name: str, value: Any) -> dict[str, str]:
        return {"Namespace": namespace, "OptionName": option_name, "Value": str(value)}

    out = [option(COMMAND, "DeploymentPolicy", POLICIES[name])]
    if name == "rolling":
        batch = body["batch"]
        if isinstance(batch, int):
            out += [option(COMMAND, "BatchSizeType", "Fixed"), option(COMMAND, "BatchSize", batch)]
        else:
            out += [option(COMMAND, "BatchSizeType", "Percentage"),
                    option(COMMAND, "BatchSize", percent(batch))]
    elif name == "min-in-service":
        out += [option(COMMAND, "BatchSizeType", "Percentage"),
                option(COMMAND, "BatchSize", 100 - percent(body["min_healthy"]))]
    elif name == "canary":
        out += [option(SPLITTING, "NewVersionPercent", percent(body["step"])),
                option(SPLITTING, "EvaluationTime", -(-seconds(body["bake"]) // 60))]
    return out


def declared_environment(environment: Any, resources: dict) -> str | None:
    """The logical id of the `resources` environment the action deploys to, if any."""
    if isinstance(environment, dict) and set(environment) == {"Ref"}:
        ref = environment["Ref"]
        body = resources.get(ref)
        if isinstance(body, dict) and body.get("Type") == ENVIRONMENT:
            return ref
        return None
    if isinstance(environment, str):
        for name, body in resources.items():
            if isinstance(body, dict) and body.get("Type") == ENVIRONMENT and \
                    (body.get("Properties") or {}).get("EnvironmentName") == environment:
                return name
    return None


def _options(resource: dict) -> list:
    settings = (resource.get("Properties") or {}).get("OptionSettings")
    return settings if isinstance(settings, list) else []


def _option(resource: dict, namespace: str, name: str) -> Any:
    for entry in _options(resource):
        if isinstance(entry, dict) and entry.get("Namespace") == namespace and \
                entry.get("OptionName") == name:
            return entry.get("Value")
    return None


class BeanstalkDeploy(ActionProvider):
    kinds = (("deploy", "beanstalk"),)
    schema = "actions/beanstalk.json"
    inputs = (1, 1)

    def check(self, action, ctx) -> None:
        name, body = strategy_of(action.settings)
        if name is None or not check_supported(action, ctx, STRATEGIES):
            return
        where = strategy_path(action)
        env = declared_environment(action.get("environment"), ctx.resources)
        if env is None:
            ctx.error("PG449", "pipegen sets a deployment policy only on an environment "
                      "declared in this spec's `resources`, and this one is defined elsewhere",
                      action.path + ("strategy",), "its policy is the environment's own "
                      f"option setting ({COMMAND} DeploymentPolicy), set where the environment "
                      "is defined (its template, the console, or .ebextensions); remove "
                      "`strategy` here, or declare the environment under `resources` and write "
                      "`environment: !Ref NAME`", key=True)
            return
        if not is_home_region(action.region):
            ctx.error("PG449", f"resources.{env} is created by this stack, in the pipeline's "
                      "region, and this action deploys to another region",
                      action.path + ("region",), "remove `region`", key=True)
        self._check_values(ctx, name, body, where)
        self._check_environment(action, ctx, env, name)

    def _check_values(self, ctx, name: str, body: dict, where: tuple) -> None:
        if name == "rolling" and isinstance(body["batch"], str) and \
                not 1 <= percent(body["batch"]) <= 100:
            ctx.error("PG452", f"a batch is 1% to 100% of the fleet; {body['batch']} is outside "
                      "that", where + ("batch",))
        if name == "min-in-service":
            healthy = body["min_healthy"]
            if isinstance(healthy, int):
                ctx.error("PG452", "Beanstalk sizes batches, not a floor of healthy hosts, and "
                          "the fleet size is not known here", where + ("min_healthy",),
                          'write a percentage: min_healthy: "75%" (batches of 25%)')
            elif not 0 <= percent(healthy) <= 99:
                ctx.error("PG452", f"min_healthy {healthy} leaves no room for a batch",
                          where + ("min_healthy",), "write 0% to 99%")
        if name == "canary":
            step = percent(body["step"])
            if not 1 <= step <= 100:
                ctx.error("PG452", f"traffic splitting sends 1% to 100% to the new version; "
                          f"{body['step']} is outside that", where + ("step",))
            low, high = EVALUATION_MINUTES
            evaluation = -(-seconds(body["bake"]) // 60)
            if not low <= evaluation <= high:
                ctx.error("PG452", f"Beanstalk evaluates a traffic split for {low} to {high} "
                          f"minutes; {body['bake']} is outside that", where + ("bake",))

    def _check_environment(self, action, ctx, env: str, name: str) -> None:
        resource = ctx.resources[env]
        path = ("resources", env, "Properties", "OptionSettings")
        ours = {(o["Namespace"], o["OptionName"]) for o in option_settings(action.settings)}
        for i, entry in enumerate(_options(resource)):
            if isinstance(entry, dict) and (entry.get("Namespace"), entry.get("OptionName")) \
                    in ours:
                ctx.error("PG450", f"{entry['Namespace']} {entry['OptionName']} is set both by "
                          f"the `strategy` of '{action.name}' and in resources.{env}", path + (i,),
                          "remove the option setting here (the strategy sets it), or remove "
                          "`strategy`")
        kind = _option(resource, SETTINGS, "EnvironmentType")
        if name in LOAD_BALANCED and kind == "SingleInstance":
            ctx.error("PG451", f"{POLICIES[name]} deploys need a load-balanced environment, and "
                      f"resources.{env} is a SingleInstance environment",
                      action.path + ("strategy",), "use all-at-once or immutable, or make the "
                      "environment LoadBalanced", key=True)
        balancer = _option(resource, SETTINGS, "LoadBalancerType")
        if name == "canary" and kind != "SingleInstance" and not cfn.is_intrinsic(balancer) \
                and balancer != "application":
            ctx.error("PG451", "traffic splitting needs an Application Load Balancer, and "
                      f"resources.{env} " + (f"uses LoadBalancerType {balancer}" if balancer
                                             else "does not set LoadBalancerType (the default "
                                             "is a Classic Load Balancer)"),
                      action.path + ("strategy",), f"add the option setting {{Namespace: "
                      f"{SETTINGS}, OptionName: LoadBalancerType, Value: application}} to "
                      f"resources.{env}", key=True)

    def emit(self, action, ctx) -> list[Emitted]:
        if acts(action):
            ctx.managed_policies.append(Sub(MANAGED_POLICY))
        if strategy_of(action.settings)[0] is not None:
            self._set_policy(action, ctx)
        return [Emitted("Deploy", "AWS", "ElasticBeanstalk", {
            "ApplicationName": action.get("application"),
            "EnvironmentName": action.get("environment")})]

    def _set_policy(self, action, ctx) -> None:
        """Add the strategy's option settings to the declared environment (a copy: the spec's
        own data stays as written)."""
        env = declared_environment(action.get("environment"), ctx.pipeline.resources)
        wanted = option_settings(action.settings)
        key = "beanstalk-policy:" + env
        if key in ctx.shared:
            first, settings = ctx.shared[key]
            if settings != wanted:
                path = action.path + ("strategy",)
                ctx.problems.append(diag(
                    "PG450", f"resources.{env} gets its deployment policy from the `strategy` "
                    f"of '{first}', and '{action.name}' asks for another", ctx.loaded.key_span(
                        path), path, "give every action deploying to one environment the same "
                    "strategy: the policy belongs to the environment"))
            return
        ctx.shared[key] = (action.name, wanted)
        resource = copy.deepcopy(ctx.pipeline.resources[env])
        properties = resource.setdefault("Properties", {})
        properties["OptionSettings"] = [*_options(resource), *wanted]
        # The compiler merges `resources` into the template after emit.
        ctx.pipeline.resources[env] = resource


PROVIDERS = [BeanstalkDeploy()]
