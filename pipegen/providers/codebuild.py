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
from pipegen.providers import actionutil
from pipegen.providers.base import ActionProvider, Emitted, minutes

COMPUTE = {"small": "BUILD_GENERAL1_SMALL", "medium": "BUILD_GENERAL1_MEDIUM",
           "large": "BUILD_GENERAL1_LARGE", "xlarge": "BUILD_GENERAL1_XLARGE",
           "2xlarge": "BUILD_GENERAL1_2XLARGE"}
IMAGE = {"x86-64": "aws/codebuild/standard:7.0",
         "arm64": "aws/codebuild/amazonlinux-aarch64-standard:3.0"}
CONTAINER = {"x86-64": "LINUX_CONTAINER", "arm64": "ARM_CONTAINER"}
LOG_ACTIONS = ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"]


TIMEOUT_RANGE = (5, 2160)  # CodeBuild TimeoutInMinutes bounds
QUEUED_RANGE = (5, 480)  # QueuedTimeoutInMinutes bounds
CACHE_MODES = {"docker-layer": "LOCAL_DOCKER_LAYER_CACHE", "source": "LOCAL_SOURCE_CACHE",
               "custom": "LOCAL_CUSTOM_CACHE"}
# What CodeBuild does in a VPC (AWS's documented policy): the Describe calls and creating an
# interface name no resource ARN; the permission grant is limited to CodeBuild by condition.
VPC_DESCRIBE = ["ec2:CreateNetworkInterface", "ec2:DescribeDhcpOptions",
                "ec2:DescribeNetworkInterfaces", "ec2:DeleteNetworkInterface",
                "ec2:DescribeSubnets", "ec2:DescribeSecurityGroups", "ec2:DescribeVpcs"]


def secret_store(ref: Any) -> tuple[str | None, Any]:
    """('SECRETS_MANAGER' | 'PARAMETER_STORE' | None, value) for one `secrets` entry.

    A Secrets Manager ARN goes to Secrets Manager; any other literal (a parameter name or ARN)
    to Parameter Store; `{secrets_manager: X}` / `{parameter_store: X}` say it outright. An
    intrinsic alone is ambiguous (None).
    """
    if isinstance(ref, dict) and "secrets_manager" in ref:
        return "SECRETS_MANAGER", ref["secrets_manager"]
    if isinstance(ref, dict) and "parameter_store" in ref:
        return "PARAMETER_STORE", ref["parameter_store"]
    if cfn.is_intrinsic(ref):
        return None, ref
    if actionutil.is_arn(ref, "secretsmanager"):
        return "SECRETS_MANAGER", ref
    return "PARAMETER_STORE", ref


def secret_resources(ref: Any, parameters: dict | None = None) -> list[Any]:
    """The secret a Secrets Manager reference names, for secretsmanager:GetSecretValue.

    A reference may carry `:json-key:stage:version` after the secret; a partial ARN or a name
    lacks the 6-character suffix Secrets Manager appends, hence the `-??????` form beside the
    exact one. An intrinsic is taken for the secret's ARN, unless it is a `!Ref` to a
    parameter whose default is a name: IAM refuses a policy whose resource is a bare name.
    """
    if isinstance(ref, str) and ref.startswith("arn:"):
        base = ":".join(ref.split(":")[:7])
        return [base, base + "-??????"]
    if isinstance(ref, str) or _parameter_holding_a_name(ref, parameters or {}):
        name = ref.split(":")[0] if isinstance(ref, str) else ref
        return [cfn.arn("secretsmanager", "secret:{name}", name=name),
                cfn.arn("secretsmanager", "secret:{name}-??????", name=name)]
    return [ref]


def _parameter_holding_a_name(ref: Any, parameters: dict) -> bool:
    if not (isinstance(ref, dict) and list(ref) == ["Ref"] and isinstance(ref["Ref"], str)):
        return False
    default = (parameters.get(ref["Ref"]) or {}).get("default")
    return isinstance(default, str) and not default.startswith("arn:")


def parameter_resources(ref: Any) -> list[Any]:
    """The Parameter Store parameter a reference names, for ssm:GetParameters."""
    if isinstance(ref, str) and ref.startswith("arn:"):
        return [ref]
    if isinstance(ref, str):
        return [cfn.arn("ssm", "parameter/{name}", name=ref.lstrip("/"))]
    # An intrinsic name may or may not start with '/': grant the one ARN each form maps to.
    return [cfn.arn("ssm", "parameter{name}", name=ref),
            cfn.arn("ssm", "parameter/{name}", name=ref)]


def _check_secrets(secrets: dict, path: tuple, ctx) -> None:
    for name, ref in secrets.items():
        if secret_store(ref)[0] is None:
            ctx.error("PG347", f"secret '{name}' is an intrinsic function, so pipegen cannot "
                      "tell which store it names", path + (name,),
                      "write `{secrets_manager: ...}` or `{parameter_store: ...}`")


def _intrinsic_at(v: Any, path: tuple = ()) -> tuple | None:
    """The relative path of the first intrinsic inside v, or None."""
    if cfn.is_intrinsic(v):
        return path
    items = v.items() if isinstance(v, dict) else enumerate(v) if isinstance(v, list) else ()
    for k, x in items:
        found = _intrinsic_at(x, path + (k,))
        if found is not None:
            return found
    return None


def _compute(compute: Any) -> Any:
    # An intrinsic (!Ref, !FindInMap) is passed through; it cannot be a dict key.
    return COMPUTE.get(compute, compute) if isinstance(compute, str) else compute


class CodeBuildAction(ActionProvider):
    kinds = (("build", "codebuild"), ("test", "codebuild"))
    schema = "actions/codebuild.json"
    inputs = (1, 5)
    outputs = (0, 5)
    reads_clone_ref = True

    def check(self, action, ctx) -> None:
        actionutil.no_action_timeout(action, ctx)
        if len(action.inputs) > 1 and "primary_source" not in action.settings:
            ctx.error("PG342", f"action '{action.name}' has {len(action.inputs)} inputs and "
                      "needs `primary_source`", action.path + ("inputs",), "name the input "
                      "CodeBuild checks out as its primary source: one of "
                      + ", ".join(action.inputs), key=True)
        primary = action.get("primary_source")
        if primary is not None and primary not in action.inputs:
            ctx.error("PG343", f"primary_source '{primary}' is not one of the action's inputs",
                      action.path + ("primary_source",), "inputs: "
                      + (", ".join(action.inputs) or "none"))
        if isinstance(action.get("project"), dict) and \
                actionutil.region_of(action) != actionutil.HOME_REGION:
            # This stack creates the project in its own region; the action would look for it
            # in `region` and not find it.
            ctx.error("PG312", f"action '{action.name}' runs in {action.region}, and an inline "
                      "project is created in the pipeline's region", action.path + ("region",),
                      "name an existing project in that region (`project: NAME`), or drop "
                      "`region`")
        project = action.get("project")
        if isinstance(project, dict) and not cfn.is_intrinsic(project):
            self._check_project(action, project, ctx)
        _check_secrets(action.get("secrets", {}), action.path + ("secrets",), ctx)

    def _check_project(self, action, spec: dict, ctx) -> None:
        path = action.path + ("project",)
        if "timeout" in spec and not cfn.is_intrinsic(spec["timeout"]):
            lo, hi = TIMEOUT_RANGE
            if not lo <= minutes(spec["timeout"]) <= hi:
                ctx.error("PG341", f"a CodeBuild timeout is 5m to 36h; {spec['timeout']} is "
                          "outside that", path + ("timeout",))
        queued = spec.get("queued_timeout")
        if queued is not None and not cfn.is_intrinsic(queued):
            lo, hi = QUEUED_RANGE
            if not lo <= minutes(queued) <= hi:
                ctx.error("PG341", f"a CodeBuild queued timeout is 5m to 8h; {queued} is "
                          "outside that", path + ("queued_timeout",))
        if "file_systems" in spec and "vpc" not in spec:
            ctx.error("PG313", "EFS file systems are reached through a VPC, and this project "
                      "has no `vpc`", path + ("file_systems",), "add `vpc: {id, subnets, "
                      "security_groups}` with subnets that reach the file system's mount "
                      "targets", key=True)
        if "service_role" in spec:
            for key in ("permissions", "managed_policies"):
                if key in spec:
                    ctx.error("PG344", f"`{key}` extends the role pipegen generates, and "
                              "`service_role` names an existing one", path + (key,),
                              "remove `service_role` to let pipegen generate the role, or "
                              f"grant these in your role and drop `{key}`", key=True)
        _check_secrets(spec.get("secrets", {}), path + ("secrets",), ctx)
        buildspec = spec.get("buildspec")
        inner = _intrinsic_at(buildspec) if isinstance(buildspec, dict) and \
            not cfn.is_intrinsic(buildspec) else None
        if inner is not None:
            ctx.error("PG349", "an inline buildspec cannot hold CloudFormation intrinsic "
                      "functions", path + ("buildspec", *inner), "pass the value in the "
                      "project's `environment` and read the variable in the buildspec")

    def emit(self, action, ctx) -> list[Emitted]:
        project = action.get("project")
        if isinstance(project, dict) and not cfn.is_intrinsic(project):
            title = self._inline_project(action, project, ctx)
            name, project_arn = Ref(title), GetAtt(title, "Arn")
        else:
            name = project
            project_arn = actionutil.regional_arn(action, "codebuild", "project/{name}",
                                                  name=project)
        ctx.policy.allow(["codebuild:BatchGetBuilds", "codebuild:StartBuild"], project_arn)

        config: dict[str, Any] = {"ProjectName": name}
        if "primary_source" in action.settings:
            config["PrimarySource"] = action.get("primary_source")
        if action.settings.get("batch") is False:
            config["BatchEnabled"] = "false"  # written as the spec says it (AWS's default)
        if action.get("batch") or action.configuration.get("BatchEnabled") in ("true", True):
            if action.get("batch"):
                config["BatchEnabled"] = "true"
            ctx.policy.allow(["codebuild:BatchGetBuildBatches", "codebuild:StartBuildBatch"],
                             project_arn)
        variables = [{"name": k, "value": v, "type": "PLAINTEXT"}
                     for k, v in action.get("environment_variables", {}).items()]
        for k, ref in action.get("secrets", {}).items():
            store, value = secret_store(ref)
            variables.append({"name": k, "value": value, "type": store})
        if variables:
            config["EnvironmentVariables"] = cfn.json_string(variables)
        category = "Build" if action.type == "build" else "Test"
        return [Emitted(category, "AWS", "CodeBuild", config)]

    def _inline_project(self, action, spec: dict, ctx) -> str:
        title = logical_id(action.stage, action.name, "Project")
        role_title = title + "Role"
        arch = spec.get("arch", "x86-64")
        if "name" in spec:
            project_name = cfn.value(spec["name"])
            project_arn = cfn.arn("codebuild", "project/{name}", name=spec["name"])
        else:
            project_name = Sub("${AWS::StackName}-" + title.removesuffix("Project"))
            project_arn = Sub("arn:${AWS::Partition}:codebuild:${AWS::Region}:${AWS::AccountId}"
                              ":project/${AWS::StackName}-" + title.removesuffix("Project"))

        variables = [codebuild.EnvironmentVariable(Name=k, Value=cfn.value(v), Type="PLAINTEXT")
                     for k, v in spec.get("environment", {}).items()]
        policy = iam.Policy()
        for k, ref in spec.get("secrets", {}).items():
            store, value = secret_store(ref)
            variables.append(codebuild.EnvironmentVariable(Name=k, Value=cfn.value(value),
                                                           Type=store))
        # The project's own secrets and the action's: the build reads both with this role.
        for ref in [*spec.get("secrets", {}).values(), *action.get("secrets", {}).values()]:
            store, value = secret_store(ref)
            if store == "SECRETS_MANAGER":
                policy.allow("secretsmanager:GetSecretValue",
                             secret_resources(value, ctx.pipeline.parameters))
            else:
                policy.allow("ssm:GetParameters", parameter_resources(value))

        environment = codebuild.Environment(
            Type=cfn.value(spec.get("environment_type", CONTAINER[arch])),
            ComputeType=cfn.value(_compute(spec.get("compute", "small"))),
            Image=cfn.value(spec.get("image", IMAGE[arch])),
        )
        if variables:
            environment.EnvironmentVariables = variables
        privileged = spec.get("privileged")
        if cfn.is_intrinsic(privileged):
            environment.PrivilegedMode = cfn.value(privileged)
        elif privileged:
            environment.PrivilegedMode = True

        source = codebuild.Source(Type="CODEPIPELINE")
        buildspec = spec.get("buildspec")
        if isinstance(buildspec, dict) and not cfn.is_intrinsic(buildspec):
            source.BuildSpec = yaml.safe_dump(buildspec, sort_keys=False, width=1000)
        elif buildspec:
            source.BuildSpec = cfn.value(buildspec)

        kwargs: dict[str, Any] = dict(
            Name=project_name, Source=source, Environment=environment,
            Artifacts=codebuild.Artifacts(Type="CODEPIPELINE"),
        )
        if "timeout" in spec:
            kwargs["TimeoutInMinutes"] = _minutes(spec["timeout"])
        if "queued_timeout" in spec:
            kwargs["QueuedTimeoutInMinutes"] = _minutes(spec["queued_timeout"])
        if "description" in spec:
            kwargs["Description"] = cfn.value(spec["description"])
        if "cache" in spec:
            kwargs["Cache"] = _cache(spec["cache"], policy)
        if "vpc" in spec:
            kwargs["VpcConfig"] = _vpc(spec["vpc"], policy)
        if "file_systems" in spec:
            kwargs["FileSystemLocations"] = [_file_system(fs) for fs in spec["file_systems"]]
        key = spec.get("encryption_key")
        if key is not None:
            kwargs["EncryptionKey"] = cfn.value(key)
            iam.allow_key(policy, key, ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"])
        elif ctx.key_arn is not None:
            kwargs["EncryptionKey"] = ctx.key_arn

        log_group = spec.get("logs", {}).get("group")
        if log_group:
            kwargs["LogsConfig"] = codebuild.LogsConfig(CloudWatchLogs=codebuild.CloudWatchLogs(
                Status="ENABLED", GroupName=cfn.value(log_group),
                **({"StreamName": cfn.value(spec["logs"]["stream"])}
                   if "stream" in spec["logs"] else {})))
        elif "name" in spec:
            log_group = cfn.sub("/aws/codebuild/{name}", name=spec["name"])
        else:
            log_group = Sub("/aws/codebuild/${AWS::StackName}-" + title.removesuffix("Project"))
        # The group may be an intrinsic (a project named `!Sub "${AWS::StackName}-build"`):
        # the ARN stays one Fn::Sub with the name inlined.
        group_arn = cfn.arn("logs", "log-group:{group}", group=log_group)
        policy.allow(LOG_ACTIONS, [group_arn, cfn.with_suffix(group_arn, ":*")])
        # Writing is for outputs: a project without them only reads its inputs.
        ctx.grant_store(policy, write=bool(action.outputs))
        for source_model in ctx.pipeline.sources:
            if source_model.output in action.inputs and source_model.format == "clone-ref":
                from pipegen import providers
                providers.sources()[source_model.provider].consumer_permissions(
                    source_model, ctx, policy)
        iam.add_permissions(policy, spec.get("permissions"))

        if "service_role" in spec:
            kwargs["ServiceRole"] = cfn.value(spec["service_role"])
        else:
            # CodeBuild sets aws:SourceAccount and aws:SourceArn (the project) when it assumes
            # its service role; the project's ARN is built from its name, not a reference to
            # the project (which names this role: a cycle).
            ctx.add(iam.role(role_title, "codebuild.amazonaws.com", policy,
                             policy_name="CodeBuildLeastPrivilege",
                             managed=spec.get("managed_policies"), tags=ctx.tags(),
                             condition=iam.source_condition(project_arn)),
                    action.path + ("project",))
            kwargs["ServiceRole"] = GetAtt(role_title, "Arn")
        tags = ctx.tags()
        if tags:
            kwargs["Tags"] = tags
        ctx.add(codebuild.Project(title, **kwargs), action.path + ("project",))
        return title


def _minutes(value: Any) -> Any:
    """A duration in minutes; an intrinsic already is (SPEC.md: the property's own unit)."""
    return cfn.value(value) if cfn.is_intrinsic(value) else minutes(value)


def _cache(spec: dict, policy: iam.Policy) -> codebuild.ProjectCache:
    if spec["type"] == "local":
        return codebuild.ProjectCache(Type="LOCAL",
                                      Modes=[CACHE_MODES[m] for m in spec["modes"]])
    location = spec["location"]
    # BUCKET/PREFIX: the project reads and writes cache objects under it.
    policy.allow(["s3:GetObject", "s3:PutObject"],
                 cfn.arn("s3", "{location}/*", region=False, account=False, location=location))
    if isinstance(location, str):
        bucket = location.split("/", 1)[0]
        policy.allow(["s3:GetBucketAcl", "s3:GetBucketLocation"],
                     cfn.arn("s3", "{bucket}", region=False, account=False, bucket=bucket))
    return codebuild.ProjectCache(Type="S3", Location=cfn.value(location))


def _vpc(spec: dict, policy: iam.Policy) -> codebuild.VpcConfig:
    policy.allow(VPC_DESCRIBE, "*")
    condition: dict[str, Any] = {"ec2:AuthorizedService": "codebuild.amazonaws.com"}
    subnets = spec["subnets"]
    if isinstance(subnets, list):
        condition = {"ArnEquals": {"ec2:Subnet": [
            cfn.arn("ec2", "subnet/{subnet}", subnet=s) for s in subnets]},
            "StringEquals": condition}
    else:
        condition = {"StringEquals": condition}
    policy.allow("ec2:CreateNetworkInterfacePermission",
                 cfn.arn("ec2", "network-interface/*"), cfn.plain(condition))
    return codebuild.VpcConfig(VpcId=cfn.value(spec["id"]), Subnets=cfn.value(subnets),
                               SecurityGroupIds=cfn.value(spec["security_groups"]))


def _file_system(spec: dict) -> codebuild.ProjectFileSystemLocation:
    location = cfn.sub("{id}.efs.${AWS::Region}.amazonaws.com:{path}", id=spec["id"],
                       path=spec.get("path", "/"))
    kwargs: dict[str, Any] = dict(Type="EFS", Location=location,
                                  MountPoint=cfn.value(spec["mount"]),
                                  Identifier=spec["identifier"])
    if "options" in spec:
        kwargs["MountOptions"] = cfn.value(spec["options"])
    return codebuild.ProjectFileSystemLocation(**kwargs)


PROVIDERS = [CodeBuildAction()]
