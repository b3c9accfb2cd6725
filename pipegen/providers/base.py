"""What a source or action provider module supplies, and the contexts it is handed.

A provider module defines one or more provider classes and lists instances in a module-level
`PROVIDERS`. The registry (pipegen.providers) discovers them; the schema composer adds each
provider's schema fragment; the build phase calls `check`; the expand phase calls `expand`
(and a strategy's expander); the emitter calls `emit`, once per action of the expanded plan.

Deployment strategies (SPEC.md section 5) are declared by the deploy provider that runs them:

    class CodeDeployAction(ActionProvider):
        kinds = (("deploy", "codedeploy"),)
        strategies = (Strategy("blue-green", expand_blue_green, aliases=("red-black",),
                               settings={...JSON Schema of {blue-green: {...}}...},
                               emit=blue_green_resources),)
        unsupported = {"canary": "CodeDeploy EC2 deployments have no canary configs"}

pipegen.strategies derives the schema's `strategy` choices, the unsupported-pair error and the
docs table (docs/strategies.md) from these declarations. See pipegen/strategies/__init__.py for
the expander and contribution signatures.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

# The provider boundary: what providers use from the phases, re-exported from pipegen.contexts
# (providers never import build, expand or emit).
from pipegen.contexts import (  # noqa: F401
    ARTIFACT_BUCKET,
    ARTIFACT_KEY,
    PIPELINE,
    BuildContext,
    EmitContext,
    ExpandContext,
    check_artifact_path,
    is_home_region,
    minutes,
)

if TYPE_CHECKING:
    from pipegen.model import Action, Source, StrategyUse


@dataclass
class Emitted:
    """One pipeline action as a provider produces it; the emitter adds the common fields."""

    category: str
    owner: str
    provider: str
    configuration: dict[str, Any]
    version: str = "1"  # AWS-owned actions are all version 1; custom ones say theirs
    extra: dict[str, Any] = field(default_factory=dict)  # other action properties


class SourceProvider:
    """A source action provider (the `provider:` of an entry in `sources`)."""

    provider: ClassVar[str]
    schema: ClassVar[str]  # fragment file, relative to pipegen/schemas/
    triggers: ClassVar[tuple[str, ...]]  # the first is the default
    default_name: ClassVar[str]
    vcs: ClassVar[bool] = False  # needs exactly one branch
    clone_ref: ClassVar[bool] = False  # supports `format: clone-ref`
    # Dotted keys of the schema fragment that this provider refuses with an error of its own
    # (a fragment shared by several providers): the intrinsics table leaves them out.
    not_applicable: tuple[str, ...] = ()

    def check(self, source: Source, ctx: BuildContext) -> None:
        """Report semantic problems with ctx.error(); the schema has already passed."""

    def emit(self, source: Source, ctx: EmitContext) -> Emitted:
        raise NotImplementedError

    def consumer_permissions(self, source: Source, ctx: EmitContext, policy) -> None:
        """Grants a CodeBuild project needs to read this source's output (clone-ref)."""


class ActionProvider:
    """An action provider for one or more (type, provider) pairs of `stages[].actions[]`."""

    kinds: ClassVar[tuple[tuple[str, str], ...]]  # (type, provider) pairs served
    schema: ClassVar[str]
    inputs: ClassVar[tuple[int, int]] = (0, 0)  # min, max input artifacts
    outputs: ClassVar[tuple[int, int]] = (0, 0)
    consumes_revision: ClassVar[bool] = True  # defaults to the only source output
    v2_only: ClassVar[bool] = False
    reads_clone_ref: ClassVar[bool] = False
    # Made by expanders only (a traffic step, a bake wait): not a `provider:` a spec may write,
    # so the schema does not offer it.
    internal: ClassVar[bool] = False
    # Deploy providers: the strategies they run, and why some strategy names are not available
    # (quoted by the unsupported-pair error). Both feed pipegen.strategies.
    strategies: ClassVar[tuple[Strategy, ...]] = ()
    unsupported: ClassVar[dict[str, str]] = {}
    # Dotted keys of the schema fragment that this provider always refuses with an error of
    # its own (`test.region` of a traffic shift): the intrinsics table leaves them out.
    not_applicable: ClassVar[tuple[str, ...]] = ()

    def expand(self, action: Action, ctx: ExpandContext) -> list[Action] | None:
        """The ordinary actions this written action stands for, or None when it is itself one.

        Called in the expand phase for a written action without a `strategy` (a strategy's
        expander replaces this). Build each step with `ctx.step(action, ...)`; the phase then
        checks names, run order and artifact flow over the whole expanded plan.
        """
        return None

    def default_inputs(self, settings: dict) -> bool:
        """Whether the action defaults to the only source output when `inputs` is omitted."""
        return self.consumes_revision

    def check(self, action: Action, ctx: BuildContext) -> None:
        """Report semantic problems with ctx.error(); the schema has already passed."""

    def emit(self, action: Action, ctx: EmitContext) -> list[Emitted]:
        raise NotImplementedError


Expander = Callable[["Action", "StrategyUse", "ExpandContext"], "list[Action]"]
StrategyCheck = Callable[["Action", "StrategyUse", "BuildContext"], None]
Contribution = Callable[["Action", "StrategyUse", "EmitContext"], None]


@dataclass(frozen=True)
class Strategy:
    """One deployment strategy a deploy provider runs (an entry of its `strategies`).

    - `name`: the canonical name (`canary`); `aliases` are other spellings (`red-black`).
    - `settings`: the JSON Schema of the strategy's settings mapping (`{canary: SETTINGS}`),
      per provider (the dns canary takes `steps`, the others `step`). None: it takes none
      (written as a bare name only). A bare name is allowed when `{}` passes the schema.
    - `expand(action, use, ctx) -> list[Action]`: the steps the deploy action becomes, all in
      its own stage (traffic steps, bake waits, approvals, test actions, the deploy itself);
      build them with `ctx.step(action, ...)`.
    - `check(action, use, ctx)`: semantic checks in the build phase (PG420-PG459).
    - `emit(action, use, ctx)`: extra CloudFormation resources (`ctx.add(resource, origin)`)
      and pipeline-role IAM (`ctx.policy.allow(...)`), called once per written action.
    - `summary`: the docs table's cell for (provider, name).
    """

    name: str
    expand: Expander
    settings: dict[str, Any] | None = None
    aliases: tuple[str, ...] = ()
    check: StrategyCheck | None = None
    emit: Contribution | None = None
    summary: str = ""
