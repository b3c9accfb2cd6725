"""The validated spec as a frozen model: what the emitters read.

Every node keeps `path`, its place in the spec, so later phases can still point at the user's
text. Provider-specific keys stay in `settings` (the node's validated mapping): each provider
module reads its own keys, so adding a provider needs no change here.

Build produces the actions as written; the expand phase (pipegen/expand.py) rewrites each
action that stands for several (a change set with approval, a deployment strategy) into
ordinary actions, each remembering the written action it came from (`origin`) and where its
name is written (`name_path`), so every later diagnostic still points at the spec.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

Path = tuple

HOME_REGION = {"Ref": "AWS::Region"}  # `region: !Ref AWS::Region`: the pipeline's own region


@dataclass(frozen=True)
class Source:
    name: str
    provider: str
    output: str
    trigger: str
    format: str  # zip | clone-ref
    namespace: str | None
    settings: dict[str, Any]
    path: Path
    run_order: int = 1  # from `after:` / `run_order:` among the sources
    when: str | None = None  # the CloudFormation condition the source exists under


@dataclass(frozen=True)
class Action:
    name: str
    stage: str
    type: str  # build | test | approval | invoke | deploy
    provider: str
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    run_order: int
    namespace: str | None
    when: str | None
    region: Any
    role: Any
    timeout_minutes: Any  # int, an intrinsic (in minutes), or None
    configuration: dict[str, Any]
    settings: dict[str, Any]
    path: Path  # where the action's settings are written (checks report under it)
    # Names (in the same stage) this action waits for besides artifact flow: the written
    # `after:` in build; in the expanded plan, names of expanded actions.
    after: tuple[str, ...] = ()
    explicit_run_order: int | None = None  # a written `run_order` (the first steps keep it)
    strategy: StrategyUse | None = None  # a deploy action's `strategy`, as written
    origin: Path | None = None  # the written action an expanded one came from (None: itself)
    step: str | None = None  # its expansion step ("create", "approve", ...); None: as written
    name_path: Path | None = None  # where its name is written (None: path + ("name",))

    def get(self, key: str, default: Any = None) -> Any:
        return self.settings.get(key, default)

    @property
    def in_home_region(self) -> bool:
        """Whether the action runs in the pipeline's region (no `region`, or !Ref AWS::Region)."""
        return self.region is None or self.region == HOME_REGION

    @property
    def written_path(self) -> Path:
        """The path of the spec action this model action stands for (lint maps findings here)."""
        return self.origin if self.origin is not None else self.path

    @property
    def name_at(self) -> Path:
        return self.name_path if self.name_path is not None else self.path + ("name",)


@dataclass(frozen=True)
class StrategyUse:
    """A deploy action's `strategy:` as written: `canary` or `{canary: {step: "10%"}}`."""

    name: str  # canonical (an alias such as red-black is resolved to blue-green)
    written: str  # as the spec spells it
    settings: dict[str, Any]
    path: Path  # of the `strategy` value
    bare: bool = False  # written as a bare name, without settings


@dataclass(frozen=True)
class Stage:
    name: str
    actions: tuple[Action, ...]
    when: str | None
    settings: dict[str, Any]
    path: Path
    written: tuple[Action, ...] = ()  # the actions as written, before expansion


@dataclass(frozen=True)
class ArtifactStore:
    bucket: Any  # None when generated, else an existing bucket name (literal or intrinsic)
    bucket_name: Any  # fixed name for a generated bucket, or None
    retain: bool
    expire_days: Any  # whole days, or an intrinsic yielding them; None: never
    encryption: str  # aws-managed | generated | arn
    key: Any  # the KMS key (or alias) ARN when encryption == "arn"
    grant: tuple[Any, ...]  # every role `artifacts.grant` names (all may read)
    regions: Any  # {REGION: {bucket, encryption}} or [{region, bucket, encryption}]
    grant_write: tuple[Any, ...] = ()  # the roles among them that may also write
    access_logs: dict[str, Any] | None = None  # {bucket, prefix} for a generated bucket
    policy: tuple[Any, ...] = ()  # extra bucket-policy statements for a generated bucket

    @property
    def generated_bucket(self) -> bool:
        return self.bucket is None


@dataclass(frozen=True)
class PipelineRole:
    arn: Any  # an existing role, or None to generate one
    name: Any = None
    permissions_boundary: Any = None
    extra_policies: tuple[Any, ...] = ()
    permissions: tuple[dict[str, Any], ...] = ()  # extra statements: {actions, resources}


def generated_ids(role: PipelineRole, store: ArtifactStore) -> frozenset[str]:
    """The documented core logical ids pipegen generates for this role and store."""
    ids = {"Pipeline"}
    if role.arn is None:
        ids.add("PipelineRole")
    if store.generated_bucket:
        ids |= {"ArtifactBucket", "ArtifactBucketPolicy"}
    elif store.grant:
        ids.add("ArtifactBucketPolicy")
    if store.encryption == "generated":
        ids.add("ArtifactKey")
    return frozenset(ids)


@dataclass(frozen=True)
class Pipeline:
    file: str
    name: str
    pipeline_name: Any  # None: `generated`, CloudFormation names it
    description: str | None
    type: str  # v1 | v2
    execution_mode: str
    restart_on_update: Any  # true, false, an intrinsic, or None
    transform: str | None
    tags: dict[str, Any]
    parameters: dict[str, dict[str, Any]]
    mappings: dict[str, Any]
    conditions: dict[str, Any]
    variables: dict[str, dict[str, Any]]
    role: PipelineRole
    artifacts: ArtifactStore
    source_stage: str
    sources: tuple[Source, ...]
    stages: tuple[Stage, ...]
    resources: dict[str, Any]
    outputs: dict[str, Any]
    overrides: dict[str, Any]
    acknowledge: frozenset[str] = field(default_factory=frozenset)
    depends_on: tuple[str, ...] = ()  # DependsOn of the pipeline resource
    rules: dict[str, Any] = field(default_factory=dict)  # CloudFormation Rules, as written
    # Declared parameters, conditions and mappings nothing uses (kept, with a warning).
    unused: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def generated_ids(self) -> frozenset[str]:
        return generated_ids(self.role, self.artifacts)

    def actions(self):
        for stage in self.stages:
            yield from stage.actions
