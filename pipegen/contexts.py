"""The contexts providers and strategies are handed, and the helpers they share.

This is the provider boundary: a provider or strategy module imports this module (usually
through pipegen.providers.base, which re-exports it) and pipegen's leaf modules (cfn, iam,
naming, errors, model, store, references), never the phases (build, expand, emit, compiler).
The phases import their context from here. tests/test_boundary.py holds the line.

- BuildContext: the build phase's; providers' `check` and strategies' `check` report with
  ctx.error / ctx.warn / ctx.v2_only.
- ExpandContext: the expand phase's; expanders build steps with ctx.step(...).
- EmitContext: the emit phase's; providers add resources (ctx.add), pipeline-role IAM
  (ctx.policy), triggers, and read the store (ctx.bucket, ctx.key_arn, ctx.grant_store).
- minutes, check_artifact_path, is_home_region and the generated logical ids (PIPELINE, ...).
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from troposphere import AWSObject, GetAtt, Ref, Sub, Tags, Template

from pipegen import cfn, iam
from pipegen.errors import CODES, Diagnostic, diag, format_path
from pipegen.model import HOME_REGION

if TYPE_CHECKING:
    from pipegen.loader import Loaded
    from pipegen.model import Action, ArtifactStore, Path, Pipeline, PipelineRole, Source

# Logical ids of the shared resources pipegen may generate (SPEC.md section 8); which of them a
# spec actually generates is references.generated_ids(data).
PIPELINE = "Pipeline"
PIPELINE_ROLE = "PipelineRole"
ARTIFACT_BUCKET = "ArtifactBucket"
ARTIFACT_BUCKET_POLICY = "ArtifactBucketPolicy"
ARTIFACT_KEY = "ArtifactKey"
EVENTS_ROLE = "PipelineEventsRole"
ARTIFACT_FOLDER_LENGTH = 20  # characters of the pipeline name CodePipeline's folder keeps

DURATION_MINUTES = {"s": 1 / 60, "m": 1, "h": 60, "d": 1440}

def minutes(duration: Any) -> Any:
    """'90s' -> 2 (rounded up), '10m' -> 10, '2h' -> 120; an intrinsic is returned as it is
    (SPEC.md: an intrinsic in a duration key resolves in the property's own unit, minutes)."""
    if cfn.is_intrinsic(duration):
        return duration
    n, unit = int(duration[:-1]), duration[-1]
    total = n * DURATION_MINUTES[unit]
    return int(total) if total == int(total) else int(total) + 1


def _severity(code: str, wanted: str) -> None:
    """An error code raised as a warning (or the reverse) is a pipegen bug: the table decides."""
    if code in CODES and CODES[code].severity != wanted:
        raise RuntimeError(f"{code} is an {CODES[code].severity} in pipegen.errors.CODES, "
                           f"raised as an {wanted}")


class BuildContext:
    """What the build phase and providers' checks share: the spec, its spans, the diagnostics."""

    def __init__(self, loaded: Loaded):
        self.loaded = loaded
        self.data: dict = loaded.data
        self.diagnostics: list[Diagnostic] = []
        self.type: str = self.data.get("type", "v2")
        self.sources: list[Source] = []
        self.parameters: dict = self.data.get("parameters", {})
        self.conditions: dict = self.data.get("conditions", {})
        self.resources: dict = self.data.get("resources", {})
        # The model's role and store, built before the checks that read them (references).
        self.role: PipelineRole | None = None
        self.artifacts: ArtifactStore | None = None
        self.unused: dict[str, list[str]] = {}  # section -> declared names nothing uses

    def error(self, code: str, message: str, path: tuple, hint: str | None = None,
              key: bool = False, related: tuple = ()) -> None:
        _severity(code, "error")
        span = self.loaded.key_span(path) if key else self.loaded.span(path)
        self.diagnostics.append(diag(code, message, span, path, hint, "error", related))

    def warn(self, code: str, message: str, path: tuple, hint: str | None = None) -> None:
        _severity(code, "warning")
        self.diagnostics.append(diag(code, message, self.loaded.span(path), path, hint,
                                     "warning"))

    def v2_only(self, feature: str, path: tuple) -> None:
        if self.type == "v1":
            self.error("PG305", f"{feature} needs a v2 pipeline, and this spec says `type: v1`",
                       path, "remove it, or set `type: v2`", key=True)

    @property
    def source_outputs(self) -> list[str]:
        return [s.output for s in self.sources]

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.is_error]


def artifact_of(value: Any) -> str | None:
    """The literal ARTIFACT of an `ARTIFACT::path` value, a plain string or a `!Sub` or
    `!Join` whose text starts with it (`!Sub "Built::stack-${Env}.yaml"`,
    `!Join ["::", [Built, !Ref File]]`); None when there is none to read."""
    if cfn.is_intrinsic(value) and "Fn::If" in value:
        # !If [Cond, "A::x", ""]: every branch that names a file names the same artifact.
        branches = value["Fn::If"][1:] if isinstance(value["Fn::If"], list) else []
        found = {artifact_of(b) for b in branches
                 if b not in ("", {"Ref": "AWS::NoValue"})}
        return found.pop() if len(found) == 1 else None
    if cfn.is_intrinsic(value) and "Fn::Join" in value:
        value = _literal_head(value["Fn::Join"])
    if cfn.is_intrinsic(value) and "Fn::Sub" in value:
        body = value["Fn::Sub"]
        value = body if isinstance(body, str) else body[0] if isinstance(body, list) and \
            body and isinstance(body[0], str) else None
    if not isinstance(value, str) or "::" not in value:
        return None
    artifact = value.split("::", 1)[0]
    return None if "${" in artifact else artifact


def path_after_artifact(value: Any) -> Any:
    """The path part of an `ARTIFACT::path` value whose artifact_of() is known, keeping its
    intrinsic: `!Sub "Built::${Env}/taskdef.json"` -> `!Sub "${Env}/taskdef.json"` (for keys
    CodePipeline takes as an artifact and a path apart)."""
    if isinstance(value, str):
        return value.split("::", 1)[1] if "::" in value else value
    if not cfn.is_intrinsic(value):
        return value
    (fn, arg), = value.items()
    if fn == "Fn::If" and isinstance(arg, list) and len(arg) == 3:
        return {fn: [arg[0], *(b if b in ("", {"Ref": "AWS::NoValue"}) else
                               path_after_artifact(b) for b in arg[1:])]}
    if fn == "Fn::Sub":
        if isinstance(arg, str):
            rest = arg.split("::", 1)[1]
            return {fn: rest} if "${" in rest else rest
        return {fn: [arg[0].split("::", 1)[1], *arg[1:]]}
    if fn == "Fn::Join":
        delimiter, parts = arg
        flat: list = []
        for i, part in enumerate(parts):
            flat += ([delimiter] if i and delimiter else []) + [part]
        merged: list = []
        for part in flat:  # adjacent literals as one, so the head holds "ARTIFACT::"
            if merged and isinstance(part, str) and isinstance(merged[-1], str):
                merged[-1] += part
            else:
                merged.append(part)
        merged[0] = merged[0].split("::", 1)[1]
        merged = [p for p in merged if p != ""]
        return merged[0] if len(merged) == 1 else {fn: ["", merged]}
    return value


def _literal_head(args: Any) -> str | None:
    """The literal text a `Fn::Join` starts with: its leading literal parts, joined, and the
    delimiter after them when an intrinsic part follows (what CloudFormation would write)."""
    if not (isinstance(args, list) and len(args) == 2 and isinstance(args[0], str)
            and isinstance(args[1], list)):
        return None
    delimiter, parts = args
    head = []
    for part in parts:
        if not isinstance(part, str):
            return delimiter.join(head) + delimiter if head else None
        head.append(part)
    return delimiter.join(head)


def check_artifact_path(ctx: BuildContext, action: Action, value: Any, path: tuple) -> None:
    """An `ARTIFACT::path` value must name one of the action's inputs (PG309)."""
    if cfn.is_intrinsic(value) and artifact_of(value) is None:
        ctx.error("PG207", "the artifact part of an ARTIFACT::path must be literal: pipegen "
                  "checks that it names one of the action's inputs, and CodePipeline resolves "
                  "it before CloudFormation could", path, "keep the artifact literal and put "
                  "the intrinsic in the path: !Sub \"ARTIFACT::${Name}.yaml\"")
        return
    artifact = artifact_of(value)
    if artifact is None:
        return
    if artifact not in action.inputs:
        inputs = ", ".join(action.inputs) if action.inputs else "none"
        shown = value if isinstance(value, str) else artifact + "::..."
        ctx.error("PG309", f"'{artifact}' in '{shown}' is not one of the inputs of action "
                  f"'{action.name}'", path, f"the action's inputs: {inputs}; name one of them, "
                  "or add the artifact to `inputs`")


def is_home_region(region: Any) -> bool:
    """`region: !Ref AWS::Region` (or no region) runs the action in the pipeline's region.

    For a model action, read `action.in_home_region`.
    """
    return region is None or region == HOME_REGION


class ExpandContext:
    """What expanders get: the written model, the spec's spans, the shared diagnostics."""

    def __init__(self, pipeline: Pipeline, build: BuildContext):
        self.pipeline = pipeline  # as written (Stage.actions not expanded yet)
        self.build = build  # providers' checks of expanded steps run with it
        self.loaded = build.loaded
        self.diagnostics = build.diagnostics
        self._written: dict[Path, Action] = {a.path: a for a in pipeline.actions()}
        self._rename: dict[tuple, str] = {}  # (written path, step) -> rename hint

    def error(self, code: str, message: str, path: tuple, hint: str | None = None,
              key: bool = False, related: tuple = ()) -> None:
        self.build.error(code, message, path, hint, key, related)

    def warn(self, code: str, message: str, path: tuple, hint: str | None = None) -> None:
        self.build.warn(code, message, path, hint)

    def written_of(self, action: Action) -> Action:
        """The written action an action of the plan came from (itself when not expanded)."""
        return self._written.get(action.written_path, action)

    def step(self, action: Action, step: str, name: str, *, name_path: Path | None = None,
             rename: str | None = None, **changes: Any) -> Action:
        """One step of `action`'s expansion: a copy of it with `name` and `changes`.

        Everything not changed is inherited (stage, type, provider, inputs, outputs, settings,
        path, when, region, role, timeout, namespace, configuration): pass what differs, e.g.
        `type="approval", provider="manual", settings={...}, inputs=(), outputs=(),
        role=None, region=None, namespace=None, configuration={}`. `after` names other steps
        of this expansion. `name_path` is where the step's name is written (default: the
        action's `name`); `rename` is the hint for a name clash (default: rename the action).
        """
        changes.setdefault("after", ())
        made = replace(action, name=name, step=step, origin=action.written_path,
                       name_path=name_path or action.name_at, explicit_run_order=None,
                       strategy=None, run_order=0, **changes)
        if rename is not None:
            self._rename[(made.written_path, step)] = rename
        return made

    def rename_hint(self, action: Action) -> str:
        default = f"rename '{self.written_of(action).name}' or the other action"
        return self._rename.get((action.written_path, action.step), default)


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
        # (spec path, condition) of a conditional source being emitted: what it adds for
        # itself alone (its rule, its webhook) exists only under the condition.
        self.conditional_origin: tuple[tuple, str] | None = None
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
                _clash_hint(what, title, resource)))
            return resource
        if resource.title in self.origins:
            self.problems.append(diag(
                "PG401", f"two resources would have the logical id '{resource.title}'",
                self.loaded.key_span(origin), origin,
                "rename the action, source or extra resource so the generated ids differ"))
            return resource
        self.origins[resource.title] = origin
        if self.conditional_origin is not None and origin == self.conditional_origin[0]:
            resource.Condition = self.conditional_origin[1]
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
    if not origin:
        return "the pipeline"
    if origin[0] == "artifacts":
        return "the artifact store"
    if origin[0] == "role":
        return "the pipeline role"
    return format_path(origin)


def _clash_hint(what: str, title: str, resource: AWSObject) -> str:
    if resource.resource_type == "AWS::S3::BucketPolicy":
        # a bucket has one policy: a renamed second one would replace pipegen's at deploy time
        return ("the artifact bucket has one policy, and pipegen writes it: move this "
                "resource's statements under `artifacts.bucket.policy` (with a generated "
                "bucket), and remove the resource")
    return (f"rename the {what}; to use the generated resource instead, reference "
            f"!Ref {title} (docs/logical-ids.md lists the generated ids)")
