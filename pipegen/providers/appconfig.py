"""AWS AppConfig deploys of a configuration file from the pipeline.

pipegen creates the AppConfig application, environment and configuration profile the spec
names (one of each, however many actions name them), with the profile's location
`codepipeline://<pipeline name>` as AWS requires for this action, and passes their ids to the
action, which takes ids only.

A `strategy` becomes an AWS::AppConfig::DeploymentStrategy (one per distinct definition) that
the action names: all-at-once (growth 100%, no duration, no bake), linear and rolling (LINEAR
growth by the step, lasting every x 100 / step minutes), canary (EXPONENTIAL growth from the
step over `bake`, AWS's own Canary10Percent20Minutes shape). Feature toggles are this
provider itself: the deployed file is the application's toggles.
"""

from __future__ import annotations

from typing import Any

from troposphere import GetAtt, Ref, appconfig

from pipegen import cfn
from pipegen.naming import logical_id
from pipegen.providers.base import ActionProvider, Emitted, Strategy
from pipegen.providers.deploy_common import acts, arn
from pipegen.providers.strategy_common import warn_all_at_once
from pipegen.providers.strategyutil import PERCENT, percent, seconds, whole_minutes

MAX_MINUTES = 1440  # DeploymentDurationInMinutes and FinalBakeTimeInMinutes: 0 to 24 hours


def rollout(use) -> dict[str, Any] | None:
    """The DeploymentStrategy properties a strategy use stands for (None: no strategy)."""
    if use is None:
        return None
    name, body = use.name, use.settings
    if name == "all-at-once":
        return {"GrowthType": "LINEAR", "GrowthFactor": 100, "DeploymentDurationInMinutes": 0,
                "FinalBakeTimeInMinutes": 0}
    if name == "canary":
        return {"GrowthType": "EXPONENTIAL", "GrowthFactor": percent(body["step"]),
                "DeploymentDurationInMinutes": whole_minutes(body["bake"]),
                "FinalBakeTimeInMinutes": 0}
    step = percent(body["step"] if name == "linear" else body["batch"])
    every = seconds(body.get("every", "1m"))
    # AppConfig spreads the growth evenly over the duration: one step per every.
    return {"GrowthType": "LINEAR", "GrowthFactor": step,
            "DeploymentDurationInMinutes": -(-every * 100 // (step * 60)),
            "FinalBakeTimeInMinutes": 0}


def _check_all_at_once(action, use, ctx) -> None:
    warn_all_at_once(action, ctx, "the configuration")


def check_rollout(action, use, ctx) -> None:
    """Growth 1% to 100%, a percentage batch, at most 24 hours (AppConfig's limits)."""
    name, body = use.name, use.settings
    where = use.path if use.bare else use.path + (use.written,)
    if name == "rolling" and isinstance(body["batch"], int):
        ctx.error("PG448", "AppConfig does not count its targets, so a batch is a share of "
                  f"them, not {body['batch']} hosts", where + ("batch",),
                  'write a percentage: batch: "25%"')
        return
    for key in ("step", "batch"):
        if key in body and not 1 <= percent(body[key]) <= 100:
            ctx.error("PG447", f"AppConfig grows a deployment by 1% to 100% a step; "
                      f"{body[key]} is outside that", where + (key,))
            return
    props = rollout(use)
    if props["DeploymentDurationInMinutes"] > MAX_MINUTES:
        key = "bake" if name == "canary" else "every"
        ctx.error("PG447", f"this {name} rollout lasts "
                  f"{props['DeploymentDurationInMinutes']} minutes; AppConfig deployments "
                  "last at most 24 hours", where + ((key,) if key in body else ()),
                  "a larger step or a shorter interval" if name != "canary" else
                  "a shorter bake")


def _unexpanded(action, use, ctx) -> None:
    """AppConfig rolls out by itself: the action stays one action, naming the strategy."""
    return None


def describe(props: dict[str, Any]) -> str:
    """A short, stable name for a strategy definition: linear-20pct-10m."""
    if props["GrowthFactor"] == 100 and props["DeploymentDurationInMinutes"] == 0:
        return "all-at-once"
    kind = "canary" if props["GrowthType"] == "EXPONENTIAL" else "linear"
    return f"{kind}-{props['GrowthFactor']}pct-{props['DeploymentDurationInMinutes']}m"


EVERY = {"$ref": "#/$defs/duration"}


class AppConfigDeploy(ActionProvider):
    kinds = (("deploy", "appconfig"),)
    schema = "actions/appconfig.json"
    inputs = (1, 1)
    strategies = (
        Strategy("all-at-once", _unexpanded, check=_check_all_at_once,
                 summary="AWS::AppConfig::DeploymentStrategy: growth 100%, no duration, "
                 "no bake"),
        Strategy("linear", _unexpanded, check=check_rollout, settings={
            "type": "object", "additionalProperties": False, "required": ["step", "every"],
            "description": "Equal steps.", "properties": {
                "step": {**PERCENT, "description": "The share of targets added each interval "
                         "(AppConfig's growth factor)."},
                "every": {**EVERY, "description": "The interval between steps; the deployment "
                          "lasts every x 100 / step (at most 24h)."}}},
            summary="LINEAR growth by `step`, lasting every x 100 / step minutes"),
        Strategy("rolling", _unexpanded, check=check_rollout, settings={
            "type": "object", "additionalProperties": False, "required": ["batch"],
            "description": "Batches of targets: linear growth by `batch`.", "properties": {
                "batch": {"anyOf": [PERCENT, {"type": "integer", "minimum": 1}],
                          "description": "The share of targets per batch (a percentage: "
                                         "AppConfig does not count its targets)."},
                "every": {**EVERY, "description": "The interval between batches (default "
                          "1m)."}}},
            summary="LINEAR growth by `batch`, one batch a minute (or `every`)"),
        Strategy("canary", _unexpanded, check=check_rollout, settings={
            "type": "object", "additionalProperties": False, "required": ["step", "bake"],
            "description": "A small share first, then exponential growth.", "properties": {
                "step": {**PERCENT, "description": "The share of targets that get the file "
                         "first (AppConfig's growth factor, exponential growth)."},
                "bake": {**EVERY, "description": "How long the rollout from the first share to "
                         "all targets lasts (at most 24h)."}}},
            summary="EXPONENTIAL growth from `step` over `bake`"),
    )
    unsupported = {
        "single-target": "AppConfig deploys to every target of an environment",
        "min-in-service": "AppConfig does not count its targets",
        "blue-green": "AppConfig has no second fleet; a toggles file rolls out gradually",
        "a-b": "feature toggles are this provider itself: the file decides what users see; a "
               "weighted traffic split is the dns provider's",
    }

    def check(self, action, ctx) -> None:
        elsewhere = [k for k, off in (("role", action.role is not None),
                                      ("region", not action.in_home_region)) if off]
        for key in elsewhere:
            ctx.error("PG312", "pipegen creates the AppConfig application, environment and "
                      "profile in the pipeline's own account and region, so this action "
                      f"cannot run elsewhere (`{key}`)", action.path + (key,),
                      f"remove `{key}`, or deploy to an AppConfig application there with a "
                      "cloudformation action", key=True)
        if ctx.data.get("pipeline_name") == "generated":
            ctx.error("PG312", "the AppConfig profile's location names the pipeline "
                      "(codepipeline://NAME), and `pipeline_name: generated` leaves the name "
                      "unknown until CloudFormation creates it", ("pipeline_name",),
                      "give the pipeline a name, e.g. `pipeline_name: !Sub "
                      "\"${AWS::StackName}-pipeline\"`")
        if action.get("flags"):
            ctx.error("PG363", "AWS AppConfig feature-flag profiles cannot be fed by a "
                      "pipeline: they take hosted configurations only", action.path + ("flags",),
                      "keep this a freeform profile (remove `flags`), or deploy the flags "
                      "document from a stack (AWS::AppConfig::HostedConfigurationVersion and "
                      "AWS::AppConfig::Deployment) with a cloudformation action", key=True)

    def emit(self, action, ctx) -> list[Emitted]:
        s = action.settings
        origin = action.path
        app = self._resource(ctx, ("AppConfig", s["application"], "Application"), origin,
                             lambda t: appconfig.Application(t, Name=s["application"],
                                                             **_tags(ctx)))
        env = self._resource(ctx, ("AppConfig", s["application"], s["environment"],
                                   "Environment"), origin,
                             lambda t: appconfig.Environment(
                                 t, ApplicationId=GetAtt(app, "ApplicationId"),
                                 Name=s["environment"], **_tags(ctx)))
        location = cfn.sub("codepipeline://{pipeline}", pipeline=ctx.pipeline.pipeline_name)
        profile = self._resource(ctx, ("AppConfig", s["application"], s["profile"], "Profile"),
                                 origin, lambda t: appconfig.ConfigurationProfile(
                                     t, ApplicationId=GetAtt(app, "ApplicationId"),
                                     Name=s["profile"], LocationUri=location,
                                     Type="AWS.Freeform", **_tags(ctx)))
        strategy = self._strategy(action, ctx)
        if acts(action):
            app_id = GetAtt(app, "ApplicationId")
            ctx.policy.allow(["appconfig:StartDeployment", "appconfig:GetDeployment",
                              "appconfig:StopDeployment"], [
                arn(action, "appconfig", "application/{app}", app=app_id),
                arn(action, "appconfig", "application/{app}/*", app=app_id),
                # Without a strategy the action uses AppConfig's default, named by AWS.
                arn(action, "appconfig", "deploymentstrategy/{id}", id=Ref(strategy))
                if strategy else arn(action, "appconfig", "deploymentstrategy/*")])
        config = {
            "Application": GetAtt(app, "ApplicationId"),
            "Environment": GetAtt(env, "EnvironmentId"),
            "ConfigurationProfile": GetAtt(profile, "ConfigurationProfileId"),
            "InputArtifactConfigurationPath": s["path"],
        }
        if strategy:
            config["DeploymentStrategy"] = Ref(strategy)
        return [Emitted("Deploy", "AWS", "AppConfig", config)]

    def _strategy(self, action, ctx) -> str | None:
        """The DeploymentStrategy the action's strategy stands for, one per definition."""
        props = rollout(action.strategy)
        if props is None:
            return None
        name = describe(props)
        return self._resource(ctx, ("AppConfig", name, "Strategy"), action.path + ("strategy",),
                              lambda t: appconfig.DeploymentStrategy(
                                  t, Name=f"{ctx.pipeline.name}-{name}"[:64],
                                  ReplicateTo="NONE", **_typed(props), **_tags(ctx)))

    def _resource(self, ctx, parts: tuple[str, ...], origin: tuple, make) -> str:
        """One resource per distinct name; the logical id derives from the names (a clash
        between names that differ only in punctuation is reported by ctx.add)."""
        title = logical_id(*parts)
        key = "appconfig:" + "\x00".join(parts)
        if key not in ctx.shared:
            ctx.add(make(title), origin)
            ctx.shared[key] = title
        return title


def _typed(props: dict[str, Any]) -> dict[str, Any]:
    """troposphere's GrowthType validator knows LINEAR only; EXPONENTIAL is valid (cfn-lint's
    schema and AWS's API take both), so it passes unvalidated."""
    return {**props, "GrowthType": cfn.Raw(props["GrowthType"])}


def _tags(ctx) -> dict[str, Any]:
    tags = ctx.tags()
    return {"Tags": tags} if tags is not None else {}


PROVIDERS = [AppConfigDeploy()]
