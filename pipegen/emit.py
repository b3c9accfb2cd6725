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
    Export,
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

from pipegen import action_roles, cfn, iam, providers, references, stage_settings
from pipegen import store as store_rules
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
ARTIFACT_FOLDER_LENGTH = 20  # characters of the pipeline name CodePipeline's folder keeps


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
        self.policy = iam.Policy()  # where the action being emitted gets its grants
        self.pipeline_policy = self.policy  # the pipeline role's statements, always
        self.action_roles: list[str] = []  # logical ids of generated action roles
        self.origins: dict[str, tuple] = {}  # logical id -> spec path
        self.triggers: list[Any] = []  # v2 pipeline Triggers
        self.problems: list = []
        # Per template stage: the spec path of the stage and of each emitted action, so lint
        # findings inside the pipeline can point at the action that caused them.
        self.stage_origins: list[tuple[tuple, list[tuple]]] = []
        self.managed_policies: list[Any] = []  # extra managed policies for the pipeline role
        self.shared: dict[str, Any] = {}  # providers' memo: one resource for equal definitions

    # --- resources
    def add(self, resource: AWSObject, origin: tuple) -> AWSObject:
        title = resource.title
        if title in self.pipeline.resources or title in self.pipeline.parameters:
            section = "resources" if title in self.pipeline.resources else "parameters"
            path = (section, title)
            what = "resource" if section == "resources" else "parameter"
            self.problems.append(diag(
                "PG401", f"{what} '{title}' has the logical id pipegen generates for "
                f"{_describe_origin(origin)}", self.loaded.key_span(path), path,
                f"rename the {what}; to use the generated resource instead, reference "
                f"!Ref {title} (docs/logical-ids.md lists the generated ids)"))
            return resource
        if resource.title in self.origins:
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

    @property
    def artifact_prefix(self) -> str | None:
        """The key prefix of this pipeline's artifacts in a bucket it shares, when known.

        CodePipeline keeps a pipeline's artifacts under a folder named after the first 20
        characters of the pipeline's name; with a literal name, access to an existing (maybe
        shared) bucket is scoped to that folder. A generated bucket holds this pipeline only.
        """
        name = self.pipeline.pipeline_name
        if not isinstance(name, str) or name == "generated":
            return None
        return name[:ARTIFACT_FOLDER_LENGTH]

    def objects_arn(self, bucket: Any = None) -> Any:
        """The artifact objects roles may use: the store's, or another region's `bucket`."""
        if bucket is None and self.pipeline.artifacts.generated_bucket:
            return self.bucket_arn(objects=True)
        prefix = self.artifact_prefix
        bucket = self.pipeline.artifacts.bucket if bucket is None else bucket
        if prefix is None:
            return cfn.arn("s3", "{bucket}/*", region=False, account=False, bucket=bucket)
        return cfn.arn("s3", "{bucket}/{prefix}/*", region=False, account=False, bucket=bucket,
                       prefix=prefix)

    def grant_store(self, policy: iam.Policy, write: bool = True) -> None:
        """Let a role read (and, with `write`, write) pipeline artifacts."""
        actions = ["s3:GetObject", "s3:GetObjectVersion"] + (["s3:PutObject"] if write else [])
        policy.allow(actions, self.objects_arn())
        policy.allow(["s3:GetBucketAcl", "s3:GetBucketLocation"], self.bucket_arn())
        self._grant_key(policy, write)

    def grant_store_for(self, policy: iam.Policy, action: Action, write: bool) -> None:
        """The store an action reads and writes: its region's when it runs elsewhere."""
        region = action.region
        spec = self.pipeline.artifacts.regions.get(region) if isinstance(region, str) and \
            isinstance(self.pipeline.artifacts.regions, dict) else None
        if spec is None:
            self.grant_store(policy, write)
            return
        objects = self.objects_arn(spec["bucket"])
        policy.allow(["s3:GetObject", "s3:GetObjectVersion"]
                     + (["s3:PutObject"] if write else []), objects)
        policy.allow(["s3:GetBucketAcl", "s3:GetBucketLocation"],
                     cfn.sub("arn:${AWS::Partition}:s3:::{bucket}", bucket=spec["bucket"]))
        if spec.get("encryption") is not None:
            iam.allow_key(policy, spec["encryption"], None if write else iam.KMS_READ)

    def _grant_key(self, policy: iam.Policy, write: bool = True) -> None:
        store = self.pipeline.artifacts
        actions = None if write else iam.KMS_READ
        if store.encryption == "arn":
            iam.allow_key(policy, store.key, actions)
        elif self.key_arn is not None:
            iam.allow_key(policy, self.key_arn, actions)

    def events_role(self) -> Any:
        """The one role EventBridge rules use to start this pipeline (created on first use)."""
        if EVENTS_ROLE not in self.origins:
            policy = iam.Policy()
            policy.allow("codepipeline:StartPipelineExecution", self.pipeline_arn)
            # EventBridge sets aws:SourceAccount (and the rule's ARN, which this role cannot
            # name: the rules name the role, and their names are CloudFormation's).
            self.add(iam.role(EVENTS_ROLE, "events.amazonaws.com", policy,
                              policy_name="StartPipeline", tags=self.tags(),
                              condition=iam.source_condition()), ("sources",))
        return GetAtt(EVENTS_ROLE, "Arn")


def _describe_origin(origin: tuple) -> str:
    """Words for the spec part a generated resource came from."""
    from pipegen.errors import format_path

    if not origin:
        return "the pipeline"
    if origin[0] == "artifacts":
        return "the artifact store"
    if origin[0] == "role":
        return "the pipeline role"
    return format_path(origin)


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
    ctx.stage_origins.append((("sources",), [s.path for s in pipeline.sources]))
    for stage in pipeline.stages:
        actions, action_paths = [], []
        for a in stage.actions:
            emitted = _actions(ctx, a, stage.when)
            actions += emitted
            action_paths += [a.path] * len(emitted)
        ctx.stage_origins.append((stage.path, action_paths))
        obj = codepipeline.Stages(Name=stage.name, Actions=actions,
                                  **stage_settings.emit(stage, ctx))
        stages.append(If(stage.when, obj, Ref("AWS::NoValue")) if stage.when else obj)

    _emit_pipeline(ctx, stages)
    _emit_outputs(ctx)
    for name in pipeline.resources:
        # Merged into the template by the compiler; recorded so lint findings point here.
        ctx.origins.setdefault(name, ("resources", name))
    references.check_generated(ctx)
    if ctx.problems:
        raise SpecError(ctx.problems)
    return ctx


def _emit_parameters(ctx: EmitContext) -> None:
    for name, spec in ctx.pipeline.parameters.items():
        kwargs = {PARAMETER_KEYS[k]: v for k, v in spec.items()}
        default = kwargs.get("Default")
        if isinstance(default, bool):
            # CloudFormation parameter values are strings; YAML's true is "true" to it.
            kwargs["Default"] = str(default).lower()
        elif isinstance(default, (int, float)) and kwargs["Type"] != "Number":
            kwargs["Default"] = str(default)  # `default: 8080` on a String means "8080"
        if "NoEcho" in kwargs:
            kwargs["NoEcho"] = bool(kwargs["NoEcho"])
        ctx.template.add_parameter(Parameter(name, **kwargs))


def _emit_outputs(ctx: EmitContext) -> None:
    """`outputs`: NAME: value, or NAME: {value, description, export, condition}."""
    for name, body in ctx.pipeline.outputs.items():
        if not isinstance(body, dict) or cfn.is_intrinsic(body):
            body = {"value": body}
        kwargs: dict[str, Any] = {"Value": cfn.value(body["value"])}
        if "description" in body:
            kwargs["Description"] = cfn.value(body["description"])
        if "export" in body:
            kwargs["Export"] = Export(cfn.value(body["export"]))
        if "condition" in body:
            kwargs["Condition"] = body["condition"]
        ctx.template.add_output(Output(name, **kwargs))


def _emit_store(ctx: EmitContext) -> None:
    store = ctx.pipeline.artifacts
    origin = ("artifacts",)
    policy = "Retain" if store.retain else "Delete"
    grant, writers = list(store.grant), list(store.grant_write)
    if store.encryption == "generated":
        # The account administers the key, which also lets IAM policies in this account (the
        # pipeline and project roles) grant its use; `grant` roles of other accounts need the
        # key policy itself to allow them. kms:* on "*" is the key's own administration: in a
        # key policy, "*" means this key.
        key_policy = PolicyDocument(Version=iam.POLICY_VERSION, Statement=[Statement(
            Sid="AccountAdministers", Effect=Allow,
            Principal=Principal("AWS", [Sub("arn:${AWS::Partition}:iam::${AWS::AccountId}:root")]),
            Action=[IamAction("kms", "*")], Resource=["*"]),
            *store_rules.key_statements(grant, writers)])
        key = kms.Key(ARTIFACT_KEY, Description=Sub("Artifacts of ${AWS::StackName}"),
                      EnableKeyRotation=True, KeyPolicy=key_policy,
                      DeletionPolicy=policy, UpdateReplacePolicy=policy)
        if ctx.tags() is not None:
            key.Tags = ctx.tags()
        ctx.add(key, origin)
    if not store.generated_bucket:
        if grant:
            # The policy replaces the existing bucket's own (PG390 warns about that).
            statements = [_deny_insecure(ctx), *store_rules.bucket_statements(
                grant, ctx.bucket_arn(), ctx.objects_arn(), writers)]
            ctx.add(s3.BucketPolicy(ARTIFACT_BUCKET_POLICY, Bucket=ctx.bucket,
                                    PolicyDocument=PolicyDocument(Version=iam.POLICY_VERSION,
                                                                  Statement=statements)),
                    origin + ("grant",))
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
    if store.access_logs:
        logs = store.access_logs
        kwargs["LoggingConfiguration"] = s3.LoggingConfiguration(
            DestinationBucketName=cfn.value(logs["bucket"]),
            **({"LogFilePrefix": cfn.value(logs["prefix"])} if "prefix" in logs else {}))
    else:
        # Scanners expect access logs on every bucket; where they go is the account's choice.
        kwargs["Metadata"] = {"checkov": {"skip": [{
            "id": "CKV_AWS_18", "comment": "no `artifacts.bucket.access_logs` in the spec: "
            "access to artifacts is recorded by CloudTrail data events if the account enables "
            "them; set access_logs to a logging bucket for S3 server access logs"}]}}
    tags = ctx.tags()
    if tags:
        kwargs["Tags"] = tags
    ctx.add(s3.Bucket(ARTIFACT_BUCKET, **kwargs), origin)
    statements = [_deny_insecure(ctx), *store_rules.bucket_statements(
        grant, ctx.bucket_arn(), ctx.objects_arn(), writers)]
    ctx.add(s3.BucketPolicy(ARTIFACT_BUCKET_POLICY, Bucket=Ref(ARTIFACT_BUCKET),
                            PolicyDocument=PolicyDocument(Version=iam.POLICY_VERSION,
                                                          Statement=statements)), origin)


def _deny_insecure(ctx: EmitContext) -> Statement:
    return Statement(
        Sid="DenyInsecureConnections", Effect=Deny, Principal=Principal("*"),
        Action=[IamAction("s3", "*")], Resource=[ctx.bucket_arn(), ctx.bucket_arn(objects=True)],
        Condition=Condition(Bool("aws:SecureTransport", "false")))


def _artifacts(cls, names) -> list:
    return [cls(Name=n) for n in names]


def _source_action(ctx: EmitContext, source: Source) -> codepipeline.Actions:
    p = providers.sources()[source.provider]
    e = p.emit(source, ctx)
    kwargs: dict[str, Any] = dict(
        Name=source.name,
        ActionTypeId=codepipeline.ActionTypeId(Category=e.category, Owner=e.owner,
                                               Provider=e.provider, Version=e.version),
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


def _actions(ctx: EmitContext, action: Action, stage_when: str | None = None) -> list:
    p = providers.actions()[(action.type, action.provider)]
    out = []
    own_role = None
    if ctx.pipeline.role.arn is None and action_roles.reason(action):
        # The provider's grants go to the action's own role, not the pipeline role.
        saved = ctx.policy, ctx.managed_policies
        ctx.policy, ctx.managed_policies = iam.Policy(), []
        try:
            emitted = p.emit(action, ctx)
            own = ctx.policy, ctx.managed_policies
        finally:
            ctx.policy, ctx.managed_policies = saved
        own_role = action_roles.add_role(ctx, action, *own)
    else:
        emitted = p.emit(action, ctx)
    for e in emitted:
        configuration = {**e.configuration}
        # Raw keys go to the action's first step only: an expansion's later steps (the
        # approval and execution of a change set) are pipegen's, not the user's.
        if e is emitted[0]:
            for key, raw in action.configuration.items():
                if key in configuration:
                    path = action.path + ("configuration", key)
                    ctx.problems.append(diag(
                        "PG352", f"configuration key '{key}' is already set by the action's "
                        "typed keys", ctx.loaded.key_span(path), path,
                        "remove it from `configuration:` and use the typed key"))
                else:
                    configuration[key] = raw
        kwargs: dict[str, Any] = dict(
            Name=e.name or action.name,
            ActionTypeId=codepipeline.ActionTypeId(Category=e.category, Owner=e.owner,
                                                   Provider=e.provider, Version=e.version),
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
            # The pipeline role assumes the action role; the provider's grants live there.
            ctx.policy.allow("sts:AssumeRole", cfn.value(action.role))
        elif own_role is not None and e.category != "Approval":
            # A manual approval step of an expansion runs as the pipeline role.
            kwargs["RoleArn"] = own_role
        if action.timeout_minutes is not None:
            kwargs["TimeoutInMinutes"] = action.timeout_minutes
        kwargs.update(e.extra)
        obj = codepipeline.Actions(**kwargs)
        # Under its stage's own condition the action needs no Fn::If of its own (a nested,
        # identical Fn::If is dead code to cfn-lint, W1028).
        gated = action.when and action.when != stage_when
        out.append(If(action.when, obj, Ref("AWS::NoValue")) if gated else obj)
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
    regional = _regional_stores(ctx)
    if regional:
        home = codepipeline.ArtifactStoreMap(Region=Ref("AWS::Region"), ArtifactStore=store)
        kwargs["ArtifactStores"] = [home] + regional
    else:
        kwargs["ArtifactStore"] = store
    if pl.restart_on_update is not None:
        kwargs["RestartExecutionOnUpdate"] = pl.restart_on_update
    if pl.variables:
        kwargs["Variables"] = [
            codepipeline.VariableDeclaration(
                Name=name, **({"DefaultValue": cfn.value(v["default"])} if "default" in v else {}),
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
        iam.add_permissions(ctx.policy, role.permissions)
        ctx.add(iam.role(PIPELINE_ROLE, "codepipeline.amazonaws.com", ctx.policy,
                         policy_name="PipelineLeastPrivilege",
                         managed=iam.unique(list(role.extra_policies) + ctx.managed_policies),
                         boundary=role.permissions_boundary,
                         name=role.name, tags=tags), ("role",))
        kwargs["RoleArn"] = GetAtt(PIPELINE_ROLE, "Arn")
        assume = action_roles.finish(ctx)
        if assume is not None:
            # The first run starts when the pipeline is created: the grant must exist then.
            kwargs["DependsOn"] = [assume]
    else:
        kwargs["RoleArn"] = cfn.value(pl.role.arn)
    ctx.add(codepipeline.Pipeline(PIPELINE, **kwargs), ())


def home_condition(region: str) -> str:
    """The template condition that is true when the stack's own region is `region`."""
    return "PipegenHomeIs" + "".join(p.capitalize() for p in region.split("-"))


def _regional_stores(ctx: EmitContext) -> list:
    """ArtifactStores entries for the regions cross-region actions use (artifacts.regions).

    The home region's entry is emitted by the caller. A listed region may turn out to be the
    stack's own region when the template is deployed: its entry is then dropped (Fn::If), since
    CodePipeline allows one store per region.
    """
    pl = ctx.pipeline
    used = []
    for a in pl.actions():
        if isinstance(a.region, str) and a.region not in used:
            used.append(a.region)
    out = []
    for region in sorted(used):
        spec = pl.artifacts.regions[region]
        bucket = cfn.value(spec["bucket"])
        store = codepipeline.ArtifactStore(Type="S3", Location=bucket)
        key = spec.get("encryption")
        if key is not None:
            store.EncryptionKey = codepipeline.EncryptionKey(Id=cfn.value(key), Type="KMS")
        condition = home_condition(region)
        if condition in pl.conditions:
            ctx.problems.append(diag(
                "PG357", f"the condition name '{condition}' is reserved for the {region} "
                "artifact store", ctx.loaded.span(("conditions", condition)),
                ("conditions", condition), "rename the condition"))
        ctx.template.add_condition(condition, {"Fn::Equals": [Ref("AWS::Region"), region]})
        entry = codepipeline.ArtifactStoreMap(Region=region, ArtifactStore=store)
        out.append(If(condition, Ref("AWS::NoValue"), entry))
        # The pipeline role reads and writes artifacts in every store its actions use.
        objects = ctx.objects_arn(spec["bucket"])
        ctx.policy.allow(["s3:GetObject", "s3:GetObjectVersion", "s3:PutObject"], objects)
        ctx.policy.allow(["s3:GetBucketAcl", "s3:GetBucketLocation"],
                         cfn.sub("arn:${AWS::Partition}:s3:::{bucket}", bucket=spec["bucket"]))
        if key is not None:
            iam.allow_key(ctx.policy, key)
    return out
