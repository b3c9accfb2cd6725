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
from pipegen.providers.base import ActionProvider, Emitted, Strategy
from pipegen.providers.deploy_common import acts
from pipegen.providers.strategy_common import warn_all_at_once
from pipegen.providers.strategyutil import PERCENT, percent, whole_minutes

MANAGED_POLICY = "arn:${AWS::Partition}:iam::aws:policy/AdministratorAccess-AWSElasticBeanstalk"
ENVIRONMENT = "AWS::ElasticBeanstalk::Environment"
COMMAND = "aws:elasticbeanstalk:command"
SPLITTING = "aws:elasticbeanstalk:trafficsplitting"
SETTINGS = "aws:elasticbeanstalk:environment"
POLICIES = {"all-at-once": "AllAtOnce", "rolling": "Rolling",
            "min-in-service": "RollingWithAdditionalBatch", "immutable": "Immutable",
            "canary": "TrafficSplitting"}
# Policies that replace instances in batches of a load-balanced fleet (AWS's table of
# supported deployment policies: not for single-instance environments).
LOAD_BALANCED = ("rolling", "min-in-service", "canary")
EVALUATION_MINUTES = (3, 600)  # aws:elasticbeanstalk:trafficsplitting EvaluationTime


def option_settings(use) -> list[dict[str, str]]:
    """The option settings a strategy use stands for (all values are strings)."""
    name, body = use.name, use.settings

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
                option(SPLITTING, "EvaluationTime", whole_minutes(body["bake"]))]
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


def check_policy(action, use, ctx) -> None:
    """The environment is declared here, and the policy fits it (Beanstalk's limits)."""
    name, body = use.name, use.settings
    where = use.path if use.bare else use.path + (use.written,)
    if name == "all-at-once":
        warn_all_at_once(action, ctx, "to every instance of the environment")
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
    if not action.in_home_region:
        ctx.error("PG449", f"resources.{env} is created by this stack, in the pipeline's "
                  "region, and this action deploys to another region",
                  action.path + ("region",), "remove `region`", key=True)
    _check_values(ctx, name, body, where)
    _check_environment(action, use, ctx, env)


def _check_values(ctx, name: str, body: dict, where: tuple) -> None:
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
        if not low <= whole_minutes(body["bake"]) <= high:
            ctx.error("PG452", f"Beanstalk evaluates a traffic split for {low} to {high} "
                      f"minutes; {body['bake']} is outside that", where + ("bake",))


def _check_environment(action, use, ctx, env: str) -> None:
    name = use.name
    resource = ctx.resources[env]
    path = ("resources", env, "Properties", "OptionSettings")
    ours = {(o["Namespace"], o["OptionName"]) for o in option_settings(use)}
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


def _unexpanded(action, use, ctx) -> None:
    """Beanstalk applies its policy itself: the action stays one action."""
    return None


BATCH = {"anyOf": [PERCENT, {"type": "integer", "minimum": 1}]}


class BeanstalkDeploy(ActionProvider):
    kinds = (("deploy", "beanstalk"),)
    schema = "actions/beanstalk.json"
    inputs = (1, 1)
    strategies = (
        Strategy("all-at-once", _unexpanded, check=check_policy,
                 summary="DeploymentPolicy AllAtOnce on the environment in `resources`"),
        Strategy("rolling", _unexpanded, check=check_policy, settings={
            "type": "object", "additionalProperties": False, "required": ["batch"],
            "description": "Batches of instances.", "properties": {
                "batch": {**BATCH, "description": "Instances per batch: a count (BatchSizeType "
                          "Fixed) or a percentage of the fleet (Percentage)."}}},
            summary="Rolling, BatchSizeType Fixed or Percentage"),
        Strategy("min-in-service", _unexpanded, check=check_policy, settings={
            "type": "object", "additionalProperties": False, "required": ["min_healthy"],
            "description": "Rolling with an additional batch: capacity never drops.",
            "properties": {"min_healthy": {**BATCH, "description": "The share of the fleet "
                                           "that keeps serving while a batch is replaced: "
                                           "batches are 100 - min_healthy percent."}}},
            summary="RollingWithAdditionalBatch, batches of 100 - min_healthy percent"),
        Strategy("immutable", _unexpanded, check=check_policy,
                 summary="Immutable: a full set of new instances"),
        Strategy("canary", _unexpanded, check=check_policy, settings={
            "type": "object", "additionalProperties": False, "required": ["step", "bake"],
            "description": "Traffic splitting.", "properties": {
                "step": {**PERCENT, "description": "The share of traffic the new instances get "
                         "while they are evaluated (NewVersionPercent)."},
                "bake": {"$ref": "#/$defs/duration", "description": "How long the split is "
                         "evaluated before all traffic moves (EvaluationTime, 3m to 600m)."}}},
            summary="TrafficSplitting: NewVersionPercent `step`, EvaluationTime `bake` (needs "
                    "an Application Load Balancer)"),
    )
    unsupported = {
        "single-target": "a Beanstalk environment is its own fleet",
        "blue-green": "Beanstalk blue/green swaps two environments' CNAMEs, outside a "
                      "deploy action; the dns provider shifts traffic between two endpoints",
        "linear": "Beanstalk has no linear policy: rolling batches, or canary (traffic "
                  "splitting)",
        "a-b": "a weighted split between two endpoints is the dns provider's",
    }

    def emit(self, action, ctx) -> list[Emitted]:
        if acts(action):
            ctx.managed_policies.append(Sub(MANAGED_POLICY))
        if action.strategy is not None:
            self._set_policy(action, ctx)
        return [Emitted("Deploy", "AWS", "ElasticBeanstalk", {
            "ApplicationName": action.get("application"),
            "EnvironmentName": action.get("environment")})]

    def _set_policy(self, action, ctx) -> None:
        """Add the strategy's option settings to the declared environment (a copy: the spec's
        own data stays as written)."""
        env = declared_environment(action.get("environment"), ctx.pipeline.resources)
        wanted = option_settings(action.strategy)
        key = "beanstalk-policy:" + env
        if key in ctx.shared:
            return  # set by an earlier action, with the same settings (_one_policy_each)
        ctx.shared[key] = action.name
        resource = copy.deepcopy(ctx.pipeline.resources[env])
        properties = resource.setdefault("Properties", {})
        properties["OptionSettings"] = [*_options(resource), *wanted]
        # The compiler merges `resources` into the template after emit.
        ctx.pipeline.resources[env] = resource


def _one_policy_each(pipeline, ctx) -> None:
    """Actions deploying to one declared environment ask for one policy (PG450)."""
    first: dict[str, tuple] = {}
    for stage in pipeline.stages:
        for a in stage.written or stage.actions:
            if a.provider != "beanstalk" or a.strategy is None:
                continue
            env = declared_environment(a.get("environment"), ctx.resources)
            if env is None:
                continue
            settings = option_settings(a.strategy)
            if env not in first:
                first[env] = (a, settings)
            elif first[env][1] != settings:
                other = first[env][0]
                ctx.error("PG450", f"resources.{env} gets its deployment policy from the "
                          f"`strategy` of '{other.name}', and '{a.name}' asks for another",
                          a.path + ("strategy",), "give every action deploying to one "
                          "environment the same strategy: the policy belongs to the "
                          "environment", key=True, related=(ctx.loaded.span(other.path),))


PROVIDERS = [BeanstalkDeploy()]
PIPELINE_CHECKS = [_one_policy_each]
