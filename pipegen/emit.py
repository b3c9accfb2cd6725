"""Model -> troposphere Template: the shared parts (store, role, pipeline) plus provider dispatch.

Providers add their resources and IAM grants through EmitContext; this module owns the
pieces every pipeline has. Every resource records the spec path that produced it, so later
phases (lint, graph) can point back at the user's text.
"""

from __future__ import annotations

import re
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
    Export,
    GetAtt,
    If,
    Output,
    Parameter,
    Ref,
    Sub,
    codepipeline,
    kms,
    s3,
)

from pipegen import action_roles, cfn, iam, providers, references, stage_settings, strategies
from pipegen import store as store_rules
from pipegen.contexts import (
    ARTIFACT_BUCKET,
    ARTIFACT_BUCKET_POLICY,
    ARTIFACT_KEY,
    EVENTS_ROLE,  # noqa: F401  (re-exported)
    PIPELINE,
    PIPELINE_ROLE,
    EmitContext,
)
from pipegen.errors import SpecError, diag
from pipegen.model import Action, Pipeline, Source, Stage
from pipegen.providers.base import Emitted

if TYPE_CHECKING:
    from pipegen.loader import Loaded



PARAMETER_KEYS = {
    "type": "Type", "description": "Description", "default": "Default",
    "allowed_values": "AllowedValues", "allowed_pattern": "AllowedPattern",
    "min_length": "MinLength", "max_length": "MaxLength", "min_value": "MinValue",
    "max_value": "MaxValue", "constraint_description": "ConstraintDescription",
    "no_echo": "NoEcho",
}


def emit(pipeline: Pipeline, loaded: Loaded) -> EmitContext:
    ctx = EmitContext(pipeline, loaded)
    t = ctx.template
    t.set_version("2010-09-09")
    if pipeline.description:
        t.set_description(pipeline.description)
    if pipeline.transform:
        t.set_transform(pipeline.transform)
    _emit_parameters(ctx)
    _waive_unused(ctx)
    for name, m in pipeline.mappings.items():
        t.add_mapping(name, m)
    for name, c in pipeline.conditions.items():
        t.add_condition(name, cfn.value(c))
    for name, rule in pipeline.rules.items():
        t.add_rule(name, cfn.value(rule))
    _emit_store(ctx)

    source_actions = [_conditional_source(ctx, s) for s in pipeline.sources]
    stages = [codepipeline.Stages(Name=pipeline.source_stage, Actions=source_actions)]
    ctx.stage_origins.append((("sources",), [s.path for s in pipeline.sources]))
    for stage in pipeline.stages:
        _contribute(ctx, stage)
        actions = [obj for written, steps in _by_written(stage)
                   for obj in _under(ctx, written.when or stage.when,
                                     lambda w=written, st=steps, c=stage.when:
                                     _expansion(ctx, w, st, c))]
        # Lint findings on an action point at the spec node that wrote it: for an expanded
        # step, its own settings (a change set's `approval:`) within the written action.
        ctx.stage_origins.append((stage.path, [a.path for a in stage.actions]))
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


def _contribute(ctx: EmitContext, stage: Stage) -> None:
    """Strategies' extra resources and IAM, once per written action (pipegen.strategies)."""
    table = strategies.table()
    for written in stage.written:
        use = written.strategy
        entry = table.get((written.provider, use.name)) if use is not None else None
        if entry is not None and entry.emit is not None:
            _under(ctx, written.when or stage.when,
                   lambda w=written, u=use, e=entry: e.emit(w, u, ctx))


def _under(ctx: EmitContext, when: str | None, emit_it):
    """Emit with the pipeline role's new grants under `when` (a stage's or action's
    condition): the statements exist only where the action does (conditional.py)."""
    before = ctx.pipeline_policy.when
    ctx.pipeline_policy.when = when
    try:
        return emit_it()
    finally:
        ctx.pipeline_policy.when = before


def _emit_parameters(ctx: EmitContext) -> None:
    for name, spec in ctx.pipeline.parameters.items():
        kwargs = {PARAMETER_KEYS[k]: v for k, v in spec.items()}
        default = kwargs.get("Default")
        if isinstance(default, bool):
            # CloudFormation parameter values are strings; YAML's true is "true" to it.
            kwargs["Default"] = str(default).lower()
        elif isinstance(default, (int, float)) and kwargs["Type"] != "Number":
            kwargs["Default"] = str(default)  # `default: 8080` on a String means "8080"
        if "AllowedValues" in kwargs and kwargs["Type"] != "Number":
            # `allowed_values: [10, 20]` on a String are the strings "10" and "20", like its
            # default: written alike, or cfn-lint (E2015) sees a default outside them.
            kwargs["AllowedValues"] = [str(v).lower() if isinstance(v, bool) else str(v)
                                       for v in kwargs["AllowedValues"]]
        if "NoEcho" in kwargs:
            kwargs["NoEcho"] = bool(kwargs["NoEcho"])
        for key in ("MinLength", "MaxLength", "MinValue", "MaxValue"):
            if isinstance(kwargs.get(key), str):  # "1", as CloudFormation also reads it
                number = float(kwargs[key])
                kwargs[key] = int(number) if number.is_integer() else number
        ctx.template.add_parameter(Parameter(name, **kwargs))


# cfn-lint's rule for each kind of unused declaration.
UNUSED_RULES = {"parameters": "W2001", "conditions": "W8001", "mappings": "W7001"}


def _waive_unused(ctx: EmitContext) -> None:
    """Waive exactly the unused-declaration rules the spec's kept declarations trip.

    cfn-lint has no per-parameter waiver; the template-level one names only these rules,
    and only when the spec keeps an unused declaration of that kind (PG375 warns).
    """
    unused = ctx.pipeline.unused
    if not unused:
        return
    rules = sorted(UNUSED_RULES[k] for k in unused)
    kept = "; ".join(f"{k}: {', '.join(v)}" for k, v in sorted(unused.items()))
    ctx.template.set_metadata({
        "cfn-lint": {"config": {"ignore_checks": rules}},
        "pipegen": {"unused-declarations": f"kept on purpose, the stack's interface ({kept})"},
    })


def _emit_outputs(ctx: EmitContext) -> None:
    """`outputs`: NAME: value, or NAME: {value, description, export, condition}."""
    for name, body in ctx.pipeline.outputs.items():
        if not isinstance(body, dict) or cfn.is_intrinsic(body):
            body = {"value": body}
        elif "Value" in body:  # CloudFormation's own form
            body = {"value": body["Value"], **{k.lower(): v for k, v in body.items()
                                               if k in ("Description", "Condition")},
                    **({"export": body["Export"]["Name"]} if "Export" in body else {})}
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
    if store.access_logs:
        kwargs["LoggingConfiguration"] = s3.LoggingConfiguration(
            DestinationBucketName=cfn.value(store.access_logs["bucket"]),
            **({"LogFilePrefix": cfn.value(store.access_logs["prefix"])}
               if "prefix" in store.access_logs else {}))
    if store.expire_days:
        kwargs["LifecycleConfiguration"] = s3.LifecycleConfiguration(Rules=[s3.LifecycleRule(
            Id="ExpireArtifacts", Status="Enabled", ExpirationInDays=cfn.value(store.expire_days),
            NoncurrentVersionExpiration=s3.NoncurrentVersionExpiration(
                NoncurrentDays=cfn.value(store.expire_days)))])
    if not store.access_logs:
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
    document: Any = PolicyDocument(Version=iam.POLICY_VERSION, Statement=statements)
    if store.policy:  # the spec's own statements (artifacts.bucket.policy), after pipegen's
        document = {"Version": iam.POLICY_VERSION,
                    "Statement": [*statements, *(cfn.value(st) for st in store.policy)]}
    ctx.add(s3.BucketPolicy(ARTIFACT_BUCKET_POLICY, Bucket=Ref(ARTIFACT_BUCKET),
                            PolicyDocument=document), origin)
    _no_second_bucket_policy(ctx)


def _no_second_bucket_policy(ctx: EmitContext) -> None:
    """A bucket has one policy: another one on the artifact bucket (under `resources`) would
    replace pipegen's TLS-only policy at deploy time, whichever CloudFormation writes last."""
    for name, body in ctx.pipeline.resources.items():
        if name != ARTIFACT_BUCKET_POLICY and isinstance(body, dict) and \
                body.get("Type") == "AWS::S3::BucketPolicy" and \
                (body.get("Properties") or {}).get("Bucket") == {"Ref": ARTIFACT_BUCKET}:
            path = ("resources", name)
            ctx.problems.append(diag(
                "PG401", f"resource '{name}' is a second policy for the artifact bucket, whose "
                "policy pipegen writes (ArtifactBucketPolicy); a bucket has one policy, so "
                "one would replace the other", ctx.loaded.key_span(path), path,
                "move its statements under `artifacts.bucket.policy`, and remove the "
                "resource"))


def _deny_insecure(ctx: EmitContext) -> Statement:
    return Statement(
        Sid="DenyInsecureConnections", Effect=Deny, Principal=Principal("*"),
        Action=[IamAction("s3", "*")], Resource=[ctx.bucket_arn(), ctx.bucket_arn(objects=True)],
        Condition=Condition(Bool("aws:SecureTransport", "false")))


def _artifacts(cls, names) -> list:
    return [cls(Name=n) for n in names]


def _conditional_source(ctx: EmitContext, source: Source) -> Any:
    """A source action; with `when`, it, its grants, its trigger resources (rule, webhook) and
    its v2 trigger exist only under the condition."""
    if not source.when:
        return _source_action(ctx, source)
    triggers = len(ctx.triggers)
    ctx.conditional_origin = (source.path, source.when)
    try:
        obj = _under(ctx, source.when, lambda: _source_action(ctx, source))
    finally:
        ctx.conditional_origin = None
    ctx.triggers[triggers:] = [If(source.when, t, Ref("AWS::NoValue"))
                               for t in ctx.triggers[triggers:]]
    return If(source.when, obj, Ref("AWS::NoValue"))


def _source_action(ctx: EmitContext, source: Source) -> codepipeline.Actions:
    p = providers.sources()[source.provider]
    e = p.emit(source, ctx)
    kwargs: dict[str, Any] = dict(
        Name=source.name,
        ActionTypeId=codepipeline.ActionTypeId(Category=e.category, Owner=e.owner,
                                               Provider=e.provider, Version=e.version),
        Configuration=cfn.value(e.configuration),
        OutputArtifacts=_artifacts(codepipeline.OutputArtifacts, [source.output]),
        RunOrder=source.run_order,
    )
    if source.namespace:
        kwargs["Namespace"] = source.namespace
    if source.settings.get("role") is not None:
        kwargs["RoleArn"] = cfn.value(source.settings["role"])
    kwargs.update(e.extra)
    return codepipeline.Actions(**kwargs)


def _expansion(ctx: EmitContext, written: Action, steps: list[Action],
               stage_when: str | None) -> list:
    """The actions of the plan that one written action became, emitted by their providers.

    A written action that gets a role of its own (action_roles) shares it among its steps of
    its own provider; steps of other providers (the approval of a change set) run as, and
    grant to, the pipeline role.
    """
    if ctx.pipeline.role.arn is not None or not action_roles.reason(written):
        return [_action(ctx, a, _emit_one(ctx, a), stage_when) for a in steps]
    kind = (written.type, written.provider)
    pipeline_grants = ctx.policy, ctx.managed_policies
    ctx.policy, ctx.managed_policies = iam.Policy(), []
    emitted = []
    try:
        for a in steps:
            if (a.type, a.provider) == kind:
                emitted.append(_emit_one(ctx, a))
                continue
            own = ctx.policy, ctx.managed_policies
            ctx.policy, ctx.managed_policies = pipeline_grants
            try:
                emitted.append(_emit_one(ctx, a))
            finally:
                ctx.policy, ctx.managed_policies = own
        own = ctx.policy, ctx.managed_policies
    finally:
        ctx.policy, ctx.managed_policies = pipeline_grants
    role = action_roles.add_role(ctx, written, *own)
    return [_action(ctx, a, e, stage_when, role if (a.type, a.provider) == kind else None)
            for a, e in zip(steps, emitted, strict=True)]


def _emit_one(ctx: EmitContext, action: Action) -> Emitted:
    emitted = providers.actions()[(action.type, action.provider)].emit(action, ctx)
    if len(emitted) != 1:
        raise RuntimeError(f"the {action.provider} provider emitted {len(emitted)} actions for "
                           f"'{action.name}'; expansions belong to the expand phase")
    return emitted[0]


def _action(ctx: EmitContext, action: Action, e: Emitted, stage_when: str | None,
            own_role: Any = None) -> Any:
    """One action of the expanded plan, with what its provider emitted."""
    configuration = {**e.configuration}
    for key, raw in action.configuration.items():
        if key in configuration:
            path = action.path + ("configuration", key)
            ctx.problems.append(diag(
                "PG352", f"configuration key '{key}' is already set by the action's "
                "typed keys", ctx.loaded.key_span(path), path,
                "remove it from `configuration:` and use the typed key"))
        else:
            configuration[key] = _config_text(raw)
    kwargs: dict[str, Any] = dict(
        Name=action.name,
        ActionTypeId=codepipeline.ActionTypeId(Category=e.category, Owner=e.owner,
                                               Provider=e.provider, Version=e.version),
        RunOrder=action.run_order,
    )
    if configuration:
        kwargs["Configuration"] = cfn.value(configuration)
    if action.inputs:
        kwargs["InputArtifacts"] = _artifacts(codepipeline.InputArtifacts, action.inputs)
    if action.outputs:
        kwargs["OutputArtifacts"] = _artifacts(codepipeline.OutputArtifacts, action.outputs)
    if action.namespace:
        kwargs["Namespace"] = action.namespace
    if action.region is not None:
        kwargs["Region"] = cfn.value(action.region)
    if action.role is not None:
        kwargs["RoleArn"] = cfn.value(action.role)
        # The pipeline role assumes the action role; the provider's grants live there.
        ctx.policy.allow("sts:AssumeRole", cfn.value(action.role))
    elif own_role is not None:
        kwargs["RoleArn"] = own_role
    if action.timeout_minutes is not None:
        kwargs["TimeoutInMinutes"] = cfn.value(action.timeout_minutes)
    kwargs.update(e.extra)
    obj = codepipeline.Actions(**kwargs)
    # Under its stage's own condition the action needs no Fn::If of its own (a nested,
    # identical Fn::If is dead code to cfn-lint, W1028).
    gated = action.when and action.when != stage_when
    return If(action.when, obj, Ref("AWS::NoValue")) if gated else obj


def _by_written(stage: Stage):
    """(written action, its actions in the plan), in plan order (an expansion is contiguous)."""
    written = {a.path: a for a in stage.written}
    groups: list[tuple[Action, list[Action]]] = []
    for a in stage.actions:
        w = written.get(a.written_path, a)
        if groups and groups[-1][0] is w:
            groups[-1][1].append(a)
        else:
            groups.append((w, [a]))
    return groups


def _config_text(raw: Any) -> Any:
    """A raw Configuration value as CodePipeline reads it: booleans and numbers as strings."""
    if isinstance(raw, bool):
        return "true" if raw else "false"
    if isinstance(raw, (int, float)):
        return str(raw)
    return raw


def _emit_pipeline(ctx: EmitContext, stages: list) -> None:
    pl = ctx.pipeline
    store = codepipeline.ArtifactStore(Type="S3", Location=ctx.bucket)
    if ctx.key_arn is not None:
        store.EncryptionKey = codepipeline.EncryptionKey(Id=ctx.key_arn, Type="KMS")
    kwargs: dict[str, Any] = dict(
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
    if pl.pipeline_name is not None:
        kwargs["Name"] = cfn.value(pl.pipeline_name)
    if pl.restart_on_update is not None:
        kwargs["RestartExecutionOnUpdate"] = cfn.value(pl.restart_on_update)
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
    else:
        kwargs["RoleArn"] = cfn.value(pl.role.arn)
        assume = None
    # The spec's `depends_on`, and the action-role grant (the first run starts when the pipeline
    # is created: the grant must exist then). A resource the pipeline already references is
    # waited for anyway; naming it again is what cfn-lint's W3005 refuses, so it is left out.
    referenced = _referenced(cfn.plain(kwargs))
    depends = [d for d in dict.fromkeys([*pl.depends_on, *([assume] if assume else [])])
               if d not in referenced]
    if depends:
        kwargs["DependsOn"] = depends
    ctx.add(codepipeline.Pipeline(PIPELINE, **kwargs), ())


def _referenced(value: Any) -> set[str]:
    """Logical ids a template value names through Ref, Fn::GetAtt or a ${Name} in Fn::Sub."""
    found: set[str] = set()
    if isinstance(value, dict):
        if len(value) == 1:
            fn, arg = next(iter(value.items()))
            if fn == "Ref" and isinstance(arg, str):
                return {arg}
            if fn == "Fn::GetAtt":
                target = arg.split(".", 1)[0] if isinstance(arg, str) else (
                    arg[0] if isinstance(arg, list) and arg else None)
                return {target} if isinstance(target, str) else set()
            if fn == "Fn::Sub":
                text, variables = (arg, {}) if isinstance(arg, str) else (
                    (arg + [{}])[:2] if isinstance(arg, list) else ("", {}))
                if isinstance(text, str):
                    found |= {m.split(".", 1)[0] for m in re.findall(r"\$\{([^}!]*)\}", text)
                              if not isinstance(variables, dict) or m not in variables}
                return found | _referenced(variables)
        for v in value.values():
            found |= _referenced(v)
    elif isinstance(value, list):
        for v in value:
            found |= _referenced(v)
    return found


def home_condition(region: Any, index: int = 0) -> str | None:
    """The template condition that is true when the stack's own region is `region`.

    For an intrinsic region it is named after the parameter (`!Ref SecondRegion`:
    PipegenHomeIsSecondRegion) or numbered; None when a condition cannot evaluate it (only
    parameters, mappings and pseudo parameters may appear in conditions).
    """
    if isinstance(region, str):
        return "PipegenHomeIs" + "".join(p.capitalize() for p in region.split("-"))
    if _condition_safe(region) is False:
        return None
    if set(region) == {"Ref"}:
        return "PipegenHomeIs" + "".join(c for c in region["Ref"] if c.isalnum())
    return f"PipegenHomeIsRegion{index}"


def _condition_safe(value: Any) -> bool:
    if isinstance(value, dict):
        if any(k in ("Fn::GetAtt", "Fn::ImportValue", "Fn::GetAZs") for k in value):
            return False
        if "Fn::Sub" in value:
            return False  # ${Resource} inside cannot be told from ${Parameter} here
        return all(_condition_safe(v) for v in value.values())
    if isinstance(value, list):
        return all(_condition_safe(v) for v in value)
    return True


def _regional_stores(ctx: EmitContext) -> list:
    """ArtifactStores entries for the regions cross-region actions use (artifacts.regions).

    The home region's entry is emitted by the caller. A listed region may turn out to be the
    stack's own region when the template is deployed: its entry is then dropped (Fn::If), since
    CodePipeline allows one store per region.
    """
    pl = ctx.pipeline
    used = []
    for a in pl.actions():
        if a.region is None or a.region == {"Ref": "AWS::Region"}:
            continue
        # A !FindInMap region needs the store of every region it can name (build checked).
        for region in store_rules.region_candidates(a.region, pl.mappings) or [a.region]:
            if not any(references.same_json(region, u) for u in used):
                used.append(region)
    out = []
    literal = sorted(u for u in used if isinstance(u, str))
    intrinsic = [u for u in used if not isinstance(u, str)]
    for region in literal + intrinsic:
        spec = store_rules.region_store(pl.artifacts.regions, region)
        bucket = cfn.value(spec["bucket"])
        store = codepipeline.ArtifactStore(Type="S3", Location=bucket)
        key = spec.get("encryption")
        if key is not None:
            store.EncryptionKey = codepipeline.EncryptionKey(Id=cfn.value(key), Type="KMS")
        entry = codepipeline.ArtifactStoreMap(Region=cfn.value(region), ArtifactStore=store)
        condition = home_condition(region, intrinsic.index(region) + 1
                                   if region in intrinsic else 0)
        if condition is None:
            # A region CloudFormation conditions cannot read (an import, an attribute): the
            # entry is unconditional, and must name another region than the stack's.
            out.append(entry)
        else:
            if condition in pl.conditions:
                ctx.problems.append(diag(
                    "PG357", f"the condition name '{condition}' is reserved for the "
                    f"{region if isinstance(region, str) else 'intrinsic-region'} artifact "
                    "store", ctx.loaded.span(("conditions", condition)),
                    ("conditions", condition), "rename the condition"))
            ctx.template.add_condition(condition,
                                       {"Fn::Equals": [Ref("AWS::Region"), cfn.value(region)]})
            out.append(If(condition, Ref("AWS::NoValue"), entry))
        # The pipeline role reads and writes artifacts in every store its actions use.
        objects = ctx.objects_arn(spec["bucket"])
        ctx.policy.allow(["s3:GetObject", "s3:GetObjectVersion", "s3:PutObject"], objects)
        ctx.policy.allow(["s3:GetBucketAcl", "s3:GetBucketLocation"],
                         cfn.sub("arn:${AWS::Partition}:s3:::{bucket}", bucket=spec["bucket"]))
        if key is not None:
            iam.allow_key(ctx.policy, key)
    return out
