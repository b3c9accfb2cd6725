"""AWS AppConfig deploys of a configuration file from the pipeline.

pipegen creates the AppConfig application, environment and configuration profile the spec
names (one of each, however many actions name them), with the profile's location
`codepipeline://<pipeline name>` as AWS requires for this action, and passes their ids to the
action, which takes ids only.
"""

from __future__ import annotations

from typing import Any

from troposphere import GetAtt, appconfig

from pipegen import cfn
from pipegen.naming import logical_id
from pipegen.providers.base import ActionProvider, Emitted, is_home_region
from pipegen.providers.deploy_common import acts, arn


class AppConfigDeploy(ActionProvider):
    kinds = (("deploy", "appconfig"),)
    schema = "actions/appconfig.json"
    inputs = (1, 1)

    def check(self, action, ctx) -> None:
        elsewhere = [k for k, off in (("role", action.role is not None),
                                      ("region", not is_home_region(action.region))) if off]
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
        if acts(action):
            app_id = GetAtt(app, "ApplicationId")
            ctx.policy.allow(["appconfig:StartDeployment", "appconfig:GetDeployment",
                              "appconfig:StopDeployment"], [
                arn(action, "appconfig", "application/{app}", app=app_id),
                arn(action, "appconfig", "application/{app}/*", app=app_id),
                # The action's deployment strategy is AWS's default, named by AWS.
                arn(action, "appconfig", "deploymentstrategy/*")])
        return [Emitted("Deploy", "AWS", "AppConfig", {
            "Application": GetAtt(app, "ApplicationId"),
            "Environment": GetAtt(env, "EnvironmentId"),
            "ConfigurationProfile": GetAtt(profile, "ConfigurationProfileId"),
            "InputArtifactConfigurationPath": s["path"],
        })]

    def _resource(self, ctx, parts: tuple[str, ...], origin: tuple, make) -> str:
        """One resource per distinct name; the logical id derives from the names (a clash
        between names that differ only in punctuation is reported by ctx.add)."""
        title = logical_id(*parts)
        key = "appconfig:" + "\x00".join(parts)
        if key not in ctx.shared:
            ctx.add(make(title), origin)
            ctx.shared[key] = title
        return title


def _tags(ctx) -> dict[str, Any]:
    tags = ctx.tags()
    return {"Tags": tags} if tags is not None else {}


PROVIDERS = [AppConfigDeploy()]
