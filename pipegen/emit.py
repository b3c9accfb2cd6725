"""Model -> troposphere Template: the shared parts (store, role, pipeline) plus provider dispatch.

Providers add their resources and IAM grants through EmitContext; this module owns the
pieces every pipeline has. Every resource records the spec path that produced it, so later
phases (lint, graph) can point back at the user's text.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from awacs.aws import (
    Action as IamAction,
)
from awacs.aws import (
    Allow,
    Bool,
    Condition,
    Deny,
    PolicyDocument,
    Principal,
    Statement,
)
from troposphere import (
    AWSObject,
    GetAtt,
    If,
    Output,
    Parameter,
    Ref,
    Sub,
    Tags,
    Template,
    codepipeline,
    kms,
    s3,
)

from pipegen import cfn, iam, providers
from pipegen.errors import SpecError, diag
from pipegen.model import Action, Pipeline, Source

if TYPE_CHECKING:
    from pipegen.loader import Loaded

PIPELINE = "Pipeline"
PIPELINE_ROLE = "PipelineRole"
ARTIFACT_BUCKET = "ArtifactBucket"
ARTIFACT_BUCKET_POLICY = "ArtifactBucketPolicy"
ARTIFACT_KEY = "ArtifactKey"
EVENTS_ROLE = "PipelineEventsRole"

KMS_USE = ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey",
           "kms:GenerateDataKeyWithoutPlaintext", "kms:ReEncryptFrom", "kms:ReEncryptTo"]

PARAMETER_KEYS = {
    "type": "Type", "description": "Description", "default": "Default",
    "allowed_values": "AllowedValues", "allowed_pattern": "AllowedPattern",
    "min_length": "MinLength", "max_length": "MaxLength", "min_value": "MinValue",
    "max_value": "MaxValue", "constraint_description": "ConstraintDescription",
    "no_echo": "NoEcho",
}


class EmitContext:
    """What providers emit into: the template, the pipeline role's policy, the store."""

    def __init__(self, pipeline: Pipeline, loaded: Loaded):
        self.pipeline = pipeline
        self.loaded = loaded
        self.template = Template()
        self.policy = iam.Policy()  # the pipeline role's statements
        self.origins: dict[str, tuple] = {}  # logical id -> spec path
        self.triggers: list[Any] = []  # v2 pipeline Triggers
        self.problems: list = []

    # --- resources
    def add(self, resource: AWSObject, origin: tuple) -> AWSObject:
        if resource.title in self.origins or resource.title in self.pipeline.resources:
            if resource.title in self.pipeline.resources:  # point at the user's resource
                origin = ("resources", resource.title)
            self.problems.append(diag(
                "PG401", f"two resources would have the logical id '{resource.title}'",
                self.loaded.key_span(origin), origin,
                "rename the action, source or extra resource so the generated ids differ"))
            return resource
        self.origins[resource.title] = origin
        return self.template.add_resource(resource)

    def tags(self, **extra: Any) -> Tags | None:
        merged = {**{k: cfn.value(v) for k, v in self.pipeline.tags.items()}, **extra}
        return Tags(**merged) if merged else None

    # --- the pipeline and its store
    @property
    def pipeline_arn(self) -> Any:
        return cfn.arn("codepipeline", "${" + PIPELINE + "}")

    @property
    def bucket(self) -> Any:
        store = self.pipeline.artifacts
        return Ref(ARTIFACT_BUCKET) if store.generated_bucket else cfn.value(store.bucket)

    def bucket_arn(self, objects: bool = False) -> Any:
        store = self.pipeline.artifacts
        suffix = "/*" if objects else ""
        if store.generated_bucket:
            return Sub(f"arn:${{AWS::Partition}}:s3:::${{{ARTIFACT_BUCKET}}}{suffix}")
        return cfn.arn("s3", "{bucket}" + suffix, region=False, account=False,
                       bucket=store.bucket)

    @property
    def key_arn(self) -> Any:
        """The artifact store's customer-managed key, or None for the aws/s3 key."""
        store = self.pipeline.artifacts
        if store.encryption == "generated":
            return GetAtt(ARTIFACT_KEY, "Arn")
        if store.encryption == "arn":
            return cfn.value(store.key)
        return None

    def grant_store(self, policy: iam.Policy, write: bool = True) -> None:
        """Let a role read (and write) pipeline artifacts."""
        actions = ["s3:GetObject", "s3:GetObjectVersion"] + (["s3:PutObject"] if write else [])
        policy.allow(actions, self.bucket_arn(objects=True))
        policy.allow(["s3:GetBucketAcl", "s3:GetBucketLocation"], self.bucket_arn())
        self._grant_key(policy)

    def _grant_key(self, policy: iam.Policy) -> None:
        store = self.pipeline.artifacts
        if store.encryption == "arn" and isinstance(store.key, str) and ":alias/" in store.key:
            # IAM cannot name a key by alias: allow the account's keys behind that alias only.
            region, account, alias = _alias_parts(store.key)
            policy.allow(KMS_USE, f"arn:aws:kms:{region}:{account}:key/*",
                         {"ForAnyValue:StringEquals": {"kms:ResourceAliases": alias}})
        elif self.key_arn is not None:
            policy.allow(KMS_USE, self.key_arn)

    def events_role(self) -> Any:
        """The one role EventBridge rules use to start this pipeline (created on first use)."""
        if EVENTS_ROLE not in self.origins:
            policy = iam.Policy()
            policy.allow("codepipeline:StartPipelineExecution", self.pipeline_arn)
            self.add(iam.role(EVENTS_ROLE, "events.amazonaws.com", policy,
                              policy_name="StartPipeline", tags=self.tags()), ("sources",))
        return GetAtt(EVENTS_ROLE, "Arn")


def _alias_parts(alias_arn: str) -> tuple[str, str, str]:
    parts = alias_arn.split(":")
    return parts[3], parts[4], parts[5]


def emit(pipeline: Pipeline, loaded: Loaded) -> EmitContext:
    ctx = EmitContext(pipeline, loaded)
    t = ctx.template
    t.set_version("2010-09-09")
    if pipeline.description:
        t.set_description(pipeline.description)
    if pipeline.transform:
        t.set_transform(pipeline.transform)
    _emit_parameters(ctx)
    for name, m in pipeline.mappings.items():
        t.add_mapping(name, m)
    for name, c in pipeline.conditions.items():
        t.add_condition(name, cfn.value(c))
    _emit_store(ctx)

    source_actions = [_source_action(ctx, s) for s in pipeline.sources]
    stages = [codepipeline.Stages(Name=pipeline.source_stage, Actions=source_actions)]
    for stage in pipeline.stages:
        actions = []
        for a in stage.actions:
            actions += _actions(ctx, a)
        obj = codepipeline.Stages(Name=stage.name, Actions=actions)
        stages.append(If(stage.when, obj, Ref("AWS::NoValue")) if stage.when else obj)

    _emit_pipeline(ctx, stages)
    for name, body in pipeline.outputs.items():
        t.add_output(Output(name, **{k: cfn.value(v) for k, v in body.items()}))
    if ctx.problems:
        raise SpecError(ctx.problems)
    return ctx


def _emit_parameters(ctx: EmitContext) -> None:
    for name, spec in ctx.pipeline.parameters.items():
        kwargs = {PARAMETER_KEYS[k]: v for k, v in spec.items()}
        if "NoEcho" in kwargs:
            kwargs["NoEcho"] = bool(kwargs["NoEcho"])
        ctx.template.add_parameter(Parameter(name, **kwargs))


def _emit_store(ctx: EmitContext) -> None:
    store = ctx.pipeline.artifacts
    origin = ("artifacts",)
    policy = "Retain" if store.retain else "Delete"
    if store.encryption == "generated":
        key_policy = PolicyDocument(Version=iam.POLICY_VERSION, Statement=[Statement(
            Sid="AccountAdministers", Effect=Allow,
            Principal=Principal("AWS", [Sub("arn:${AWS::Partition}:iam::${AWS::AccountId}:root")]),
            Action=[IamAction("kms", "*")], Resource=["*"])])
        tags = ctx.tags()  # troposphere refuses Tags=None: a spec without tags has none
        ctx.add(kms.Key(ARTIFACT_KEY, Description=Sub("Artifacts of ${AWS::StackName}"),
                        EnableKeyRotation=True, KeyPolicy=key_policy,
                        DeletionPolicy=policy, UpdateReplacePolicy=policy,
                        **({"Tags": tags} if tags else {})), origin)
    if not store.generated_bucket:
        return
    if ctx.key_arn is not None:
        default = s3.ServerSideEncryptionByDefault(SSEAlgorithm="aws:kms",
                                                   KMSMasterKeyID=ctx.key_arn)
    else:
        default = s3.ServerSideEncryptionByDefault(SSEAlgorithm="aws:kms")
    kwargs: dict[str, Any] = dict(
        BucketEncryption=s3.BucketEncryption(ServerSideEncryptionConfiguration=[
            s3.ServerSideEncryptionRule(ServerSideEncryptionByDefault=default,
                                        BucketKeyEnabled=True)]),
        VersioningConfiguration=s3.VersioningConfiguration(Status="Enabled"),
        PublicAccessBlockConfiguration=s3.PublicAccessBlockConfiguration(
            BlockPublicAcls=True, BlockPublicPolicy=True, IgnorePublicAcls=True,
            RestrictPublicBuckets=True),
        OwnershipControls=s3.OwnershipControls(Rules=[
            s3.OwnershipControlsRule(ObjectOwnership="BucketOwnerEnforced")]),
        DeletionPolicy=policy, UpdateReplacePolicy=policy,
    )
    if store.bucket_name is not None:
        kwargs["BucketName"] = cfn.value(store.bucket_name)
    if store.expire_days:
        kwargs["LifecycleConfiguration"] = s3.LifecycleConfiguration(Rules=[s3.LifecycleRule(
            Id="ExpireArtifacts", Status="Enabled", ExpirationInDays=store.expire_days,
            NoncurrentVersionExpiration=s3.NoncurrentVersionExpiration(
                NoncurrentDays=store.expire_days))])
    tags = ctx.tags()
    if tags:
        kwargs["Tags"] = tags
    ctx.add(s3.Bucket(ARTIFACT_BUCKET, **kwargs), origin)
    statements = [Statement(
        Sid="DenyInsecureConnections", Effect=Deny, Principal=Principal("*"),
        Action=[IamAction("s3", "*")], Resource=[ctx.bucket_arn(), ctx.bucket_arn(objects=True)],
        Condition=Condition(Bool("aws:SecureTransport", "false")))]
    ctx.add(s3.BucketPolicy(ARTIFACT_BUCKET_POLICY, Bucket=Ref(ARTIFACT_BUCKET),
                            PolicyDocument=PolicyDocument(Version=iam.POLICY_VERSION,
                                                          Statement=statements)), origin)


def _artifacts(cls, names) -> list:
    return [cls(Name=n) for n in names]


def _source_action(ctx: EmitContext, source: Source) -> codepipeline.Actions:
    p = providers.sources()[source.provider]
    e = p.emit(source, ctx)
    kwargs: dict[str, Any] = dict(
        Name=source.name,
        ActionTypeId=codepipeline.ActionTypeId(Category=e.category, Owner=e.owner,
                                               Provider=e.provider, Version="1"),
        Configuration=cfn.value(e.configuration),
        OutputArtifacts=_artifacts(codepipeline.OutputArtifacts, [source.output]),
        RunOrder=1,
    )
    if source.namespace:
        kwargs["Namespace"] = source.namespace
    if source.settings.get("role") is not None:
        kwargs["RoleArn"] = cfn.value(source.settings["role"])
    kwargs.update(e.extra)
    return codepipeline.Actions(**kwargs)


def _actions(ctx: EmitContext, action: Action) -> list:
    p = providers.actions()[(action.type, action.provider)]
    out = []
    for e in p.emit(action, ctx):
        configuration = {**e.configuration}
        for k, v in action.configuration.items():
            configuration[k] = v
        kwargs: dict[str, Any] = dict(
            Name=e.name or action.name,
            ActionTypeId=codepipeline.ActionTypeId(Category=e.category, Owner=e.owner,
                                                   Provider=e.provider, Version="1"),
            RunOrder=action.run_order + e.step,
        )
        if configuration:
            kwargs["Configuration"] = cfn.value(configuration)
        inputs = action.inputs if e.inputs is None else e.inputs
        outputs = action.outputs if e.outputs is None else e.outputs
        if inputs:
            kwargs["InputArtifacts"] = _artifacts(codepipeline.InputArtifacts, inputs)
        if outputs:
            kwargs["OutputArtifacts"] = _artifacts(codepipeline.OutputArtifacts, outputs)
        if action.namespace and e.step == p.steps(action.settings) - 1:
            kwargs["Namespace"] = action.namespace
        if action.region is not None:
            kwargs["Region"] = cfn.value(action.region)
        if action.role is not None:
            kwargs["RoleArn"] = cfn.value(action.role)
        if action.timeout_minutes is not None:
            kwargs["TimeoutInMinutes"] = action.timeout_minutes
        kwargs.update(e.extra)
        obj = codepipeline.Actions(**kwargs)
        out.append(If(action.when, obj, Ref("AWS::NoValue")) if action.when else obj)
    return out


def _emit_pipeline(ctx: EmitContext, stages: list) -> None:
    pl = ctx.pipeline
    store = codepipeline.ArtifactStore(Type="S3", Location=ctx.bucket)
    if ctx.key_arn is not None:
        store.EncryptionKey = codepipeline.EncryptionKey(Id=ctx.key_arn, Type="KMS")
    kwargs: dict[str, Any] = dict(
        Name=cfn.value(pl.pipeline_name),
        PipelineType=pl.type.upper(),
        ExecutionMode=pl.execution_mode.upper(),
        Stages=stages,
    )
    kwargs["ArtifactStore"] = store
    if pl.restart_on_update is not None:
        kwargs["RestartExecutionOnUpdate"] = pl.restart_on_update
    if pl.variables:
        kwargs["Variables"] = [
            codepipeline.VariableDeclaration(
                Name=name, **({"DefaultValue": v["default"]} if "default" in v else {}),
                **({"Description": v["description"]} if "description" in v else {}))
            for name, v in pl.variables.items()]
    if ctx.triggers:
        kwargs["Triggers"] = ctx.triggers
    tags = ctx.tags()
    if tags:
        kwargs["Tags"] = tags

    if pl.role.arn is None:
        ctx.grant_store(ctx.policy)
        role = pl.role
        ctx.add(iam.role(PIPELINE_ROLE, "codepipeline.amazonaws.com", ctx.policy,
                         policy_name="PipelineLeastPrivilege",
                         managed=list(role.extra_policies), boundary=role.permissions_boundary,
                         name=role.name, tags=tags), ("role",))
        kwargs["RoleArn"] = GetAtt(PIPELINE_ROLE, "Arn")
    else:
        kwargs["RoleArn"] = cfn.value(pl.role.arn)
    ctx.add(codepipeline.Pipeline(PIPELINE, **kwargs), ())
