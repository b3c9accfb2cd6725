"""The Commands action (v2 pipelines): shell commands on CodePipeline-managed CodeBuild compute.

CodePipeline files it under the Compute category. Its output artifact holds the files the
action's `files` globs match. The action writes its logs to the log group
/aws/codepipeline/<pipeline name>, which the pipeline role must be able to create and write.
"""

from __future__ import annotations

from troposphere import codepipeline

from pipegen import cfn
from pipegen.providers import actionutil
from pipegen.providers.base import ActionProvider, Emitted
from pipegen.providers.codebuild import secret_resources

LOG_ACTIONS = ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"]
MAX_VARIABLES = 10  # EnvironmentVariables per Commands action


class CommandsAction(ActionProvider):
    kinds = (("build", "commands"),)
    schema = "actions/commands.json"
    inputs = (1, 10)
    outputs = (0, 1)
    v2_only = True

    def check(self, action, ctx) -> None:
        actionutil.no_action_timeout(action, ctx)
        if "files" in action.settings and not action.outputs:
            ctx.error("PG344", "`files` says what goes into the output artifact, and the "
                      "action has no `outputs`", action.path + ("files",),
                      "add `outputs: [NAME]`, or remove `files`", key=True)
        if action.outputs and "files" not in action.settings:
            ctx.error("PG351", f"the Commands action '{action.name}' outputs "
                      f"'{action.outputs[0]}' but does not say which files it holds",
                      action.path + ("outputs",), "add `files: [GLOB, ...]` (for example "
                      "`files: [dist/**]`)", key=True)
        if ctx.data.get("pipeline_name") == "generated":
            ctx.warn("PG386", "with `pipeline_name: generated` the pipeline's name is known "
                     "only once CloudFormation creates it, so the log-group grant of this "
                     "Commands action covers /aws/codepipeline/<stack name>-Pipeline-*",
                     ("pipeline_name",), "give the pipeline a name (`!Sub "
                     "\"${AWS::StackName}-pipeline\"`) for a narrower grant, or acknowledge "
                     "PG386")
        count = len(action.get("environment_variables", {})) + len(action.get("secrets", {}))
        if count > MAX_VARIABLES:
            ctx.error("PG341", f"a Commands action takes at most {MAX_VARIABLES} environment "
                      f"variables and secrets together; '{action.name}' has {count}",
                      action.path + (("secrets",) if "secrets" in action.settings
                                     else ("environment_variables",)), key=True)

    def emit(self, action, ctx) -> list[Emitted]:
        name = ctx.pipeline.pipeline_name
        if name is None:
            # `pipeline_name: generated`: CloudFormation names it <stack>-Pipeline-<suffix>,
            # unknown here (PG386 warned): the log group pattern covers that prefix.
            name = {"Fn::Sub": "${AWS::StackName}-Pipeline-*"}
        group = cfn.arn("logs", "log-group:/aws/codepipeline/{name}", name=name)
        streams = cfn.arn("logs", "log-group:/aws/codepipeline/{name}:*", name=name)
        ctx.policy.allow(LOG_ACTIONS, [group, streams])

        extra: dict = {"Commands": list(action.get("commands"))}
        variables = [codepipeline.EnvironmentVariable(Name=k, Value=cfn.value(v),
                                                      Type="PLAINTEXT")
                     for k, v in action.get("environment_variables", {}).items()]
        for k, ref in action.get("secrets", {}).items():
            # {secrets_manager: X}, the form CodeBuild secrets take, says the same as X.
            if isinstance(ref, dict) and not cfn.is_intrinsic(ref):
                ref = ref["secrets_manager"]
            variables.append(codepipeline.EnvironmentVariable(Name=k, Value=cfn.value(ref),
                                                              Type="SECRETS_MANAGER"))
            ctx.policy.allow("secretsmanager:GetSecretValue", secret_resources(ref))
        if variables:
            extra["EnvironmentVariables"] = variables
        if "output_variables" in action.settings:
            extra["OutputVariables"] = list(action.get("output_variables"))
        if action.outputs:
            extra["OutputArtifacts"] = [codepipeline.OutputArtifacts(
                Name=action.outputs[0], Files=list(action.get("files", ())))]
        return [Emitted("Compute", "AWS", "Commands", {}, extra=extra)]


PROVIDERS = [CommandsAction()]
