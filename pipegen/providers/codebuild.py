"""AWS CodeBuild build and test actions, with an existing project or one pipegen creates.

An inline project gets its own least-privilege role: its log group, the artifact store, the
secrets it names, clone-ref access to its sources, plus the spec's `permissions`.
"""

from __future__ import annotations

from typing import Any

import yaml
from troposphere import GetAtt, Ref, Sub, codebuild

from pipegen import cfn, iam
from pipegen.naming import logical_id
from pipegen.providers.base import ActionProvider, Emitted

COMPUTE = {"small": "BUILD_GENERAL1_SMALL", "medium": "BUILD_GENERAL1_MEDIUM",
           "large": "BUILD_GENERAL1_LARGE", "xlarge": "BUILD_GENERAL1_XLARGE",
           "2xlarge": "BUILD_GENERAL1_2XLARGE"}
IMAGE = {"x86-64": "aws/codebuild/standard:7.0",
         "arm64": "aws/codebuild/amazonlinux-aarch64-standard:3.0"}
CONTAINER = {"x86-64": "LINUX_CONTAINER", "arm64": "ARM_CONTAINER"}
LOG_ACTIONS = ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"]


def _is_secrets_manager(ref: Any) -> bool:
    return isinstance(ref, str) and ref.startswith("arn:") and ":secretsmanager:" in ref


def _secret_resource(ref: str) -> str:
    # arn:aws:secretsmanager:region:acct:secret:name[:json-key:stage:version] -> the secret
    return ":".join(ref.split(":")[:7]) + ("*" if ref.count(":") == 6 else "")


def _parameter_resource(ref: Any) -> Any:
    if isinstance(ref, str) and ref.startswith("arn:"):
        return ref
    if isinstance(ref, str):
        return cfn.arn("ssm", "parameter/{name}", name=ref.lstrip("/"))
    return ref


class CodeBuildAction(ActionProvider):
    kinds = (("build", "codebuild"), ("test", "codebuild"))
    schema = "actions/codebuild.json"
    inputs = (1, 5)
    outputs = (0, 5)
    reads_clone_ref = True

    def check(self, action, ctx) -> None:
        if len(action.inputs) > 1 and "primary_source" not in action.settings:
            ctx.error("PG303", f"action '{action.name}' has {len(action.inputs)} inputs and "
                      "needs `primary_source`", action.path, "name the input CodeBuild checks "
                      "out as its primary source: one of " + ", ".join(action.inputs), key=True)
        primary = action.get("primary_source")
        if primary is not None and primary not in action.inputs:
            ctx.error("PG309", f"primary_source '{primary}' is not one of the action's inputs",
                      action.path + ("primary_source",), "inputs: " + ", ".join(action.inputs))

    def emit(self, action, ctx) -> list[Emitted]:
        project = action.get("project")
        if isinstance(project, dict) and not cfn.is_intrinsic(project):
            title = self._inline_project(action, project, ctx)
            name, project_arn = Ref(title), GetAtt(title, "Arn")
        else:
            name = project
            project_arn = cfn.arn("codebuild", "project/{name}", name=project)
        ctx.policy.allow(["codebuild:BatchGetBuilds", "codebuild:StartBuild"], project_arn)

        config: dict[str, Any] = {"ProjectName": name}
        if "primary_source" in action.settings:
            config["PrimarySource"] = action.get("primary_source")
        env = action.get("environment_variables")
        if env:
            config["EnvironmentVariables"] = cfn.json_string(
                [{"name": k, "value": v, "type": "PLAINTEXT"} for k, v in env.items()])
        category = "Build" if action.type == "build" else "Test"
        return [Emitted(category, "AWS", "CodeBuild", config)]

    def _inline_project(self, action, spec: dict, ctx) -> str:
        title = logical_id(action.stage, action.name, "Project")
        role_title = title + "Role"
        arch = spec.get("arch", "x86-64")
        if "name" in spec:
            project_name = cfn.value(spec["name"])
        else:
            project_name = Sub("${AWS::StackName}-" + title.removesuffix("Project"))

        variables = [codebuild.EnvironmentVariable(Name=k, Value=cfn.value(v), Type="PLAINTEXT")
                     for k, v in spec.get("environment", {}).items()]
        policy = iam.Policy()
        for k, ref in spec.get("secrets", {}).items():
            if _is_secrets_manager(ref):
                variables.append(codebuild.EnvironmentVariable(Name=k, Value=ref,
                                                               Type="SECRETS_MANAGER"))
                policy.allow("secretsmanager:GetSecretValue", _secret_resource(ref))
            else:
                variables.append(codebuild.EnvironmentVariable(Name=k, Value=cfn.value(ref),
                                                               Type="PARAMETER_STORE"))
                policy.allow("ssm:GetParameters", _parameter_resource(ref))

        environment = codebuild.Environment(
            Type=CONTAINER[arch],
            ComputeType=cfn.value(_compute_type(spec.get("compute", "small"))),
            Image=cfn.value(spec.get("image", IMAGE[arch])),
        )
        if variables:
            environment.EnvironmentVariables = variables
        if spec.get("privileged"):
            environment.PrivilegedMode = True

        source = codebuild.Source(Type="CODEPIPELINE")
        buildspec = spec.get("buildspec")
        if isinstance(buildspec, dict):
            source.BuildSpec = yaml.safe_dump(buildspec, sort_keys=False, width=1000)
        elif buildspec:
            source.BuildSpec = buildspec

        kwargs: dict[str, Any] = dict(
            Name=project_name, Source=source, Environment=environment,
            Artifacts=codebuild.Artifacts(Type="CODEPIPELINE"),
        )
        if "timeout" in spec:
            from pipegen.build import minutes
            kwargs["TimeoutInMinutes"] = max(5, minutes(spec["timeout"]))
        key = spec.get("encryption_key")
        if key is not None:
            kwargs["EncryptionKey"] = cfn.value(key)
            policy.allow(["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"], cfn.value(key))
        elif ctx.key_arn is not None:
            kwargs["EncryptionKey"] = ctx.key_arn

        log_group = spec.get("logs", {}).get("group")
        if log_group:
            kwargs["LogsConfig"] = codebuild.LogsConfig(CloudWatchLogs=codebuild.CloudWatchLogs(
                Status="ENABLED", GroupName=log_group,
                **({"StreamName": spec["logs"]["stream"]} if "stream" in spec["logs"] else {})))
        elif "name" in spec:
            log_group = cfn.sub("/aws/codebuild/{name}", name=spec["name"])
        else:
            log_group = Sub("/aws/codebuild/${AWS::StackName}-" + title.removesuffix("Project"))
        group_arn = cfn.arn("logs", "log-group:{group}", group=log_group) \
            if not isinstance(log_group, Sub) else Sub(
                "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:"
                + log_group.data["Fn::Sub"])
        policy.allow(LOG_ACTIONS, [group_arn, _with_suffix(group_arn, ":*")])
        ctx.grant_store(policy)
        for source_model in ctx.pipeline.sources:
            if source_model.output in action.inputs and source_model.format == "clone-ref":
                from pipegen import providers
                providers.sources()[source_model.provider].consumer_permissions(
                    source_model, ctx, policy)
        for statement in spec.get("permissions", []):
            policy.allow(statement["actions"], [cfn.value(r) for r in statement["resources"]])

        if "service_role" in spec:
            kwargs["ServiceRole"] = cfn.value(spec["service_role"])
        else:
            ctx.add(iam.role(role_title, "codebuild.amazonaws.com", policy,
                             policy_name="CodeBuildLeastPrivilege",
                             managed=spec.get("managed_policies"), tags=ctx.tags()),
                    action.path + ("project",))
            kwargs["ServiceRole"] = GetAtt(role_title, "Arn")
        tags = ctx.tags()
        if tags:
            kwargs["Tags"] = tags
        ctx.add(codebuild.Project(title, **kwargs), action.path + ("project",))
        return title



def _compute_type(compute: Any) -> Any:
    """small -> BUILD_GENERAL1_SMALL; a raw BUILD_* value or an intrinsic passes through."""
    return COMPUTE.get(compute, compute) if isinstance(compute, str) else compute


def _with_suffix(arn: Any, suffix: str) -> Any:
    if isinstance(arn, str):
        return arn + suffix
    body = arn.data["Fn::Sub"]
    if isinstance(body, str):
        return Sub(body + suffix)
    return Sub(body[0] + suffix, **body[1])


PROVIDERS = [CodeBuildAction()]
