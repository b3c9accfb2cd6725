"""What a source or action provider module supplies, and the contexts it is handed.

A provider module defines one or more provider classes and lists instances in a module-level
`PROVIDERS`. The registry (pipegen.providers) discovers them; the schema composer adds each
provider's schema fragment; the build phase calls `check`; the emitter calls `emit`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from pipegen.build import BuildContext
    from pipegen.emit import EmitContext
    from pipegen.model import Action, Source


@dataclass
class Emitted:
    """One pipeline action as a provider produces it; the emitter adds the common fields."""

    category: str
    owner: str
    provider: str
    configuration: dict[str, Any]
    name: str | None = None  # default: the spec action's name
    inputs: tuple[str, ...] | None = None  # default: the spec action's inputs
    outputs: tuple[str, ...] | None = None  # default: the spec action's outputs
    step: int = 0  # run-order offset inside an expansion (change set: 0, 1, 2)
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

    def steps(self, settings: dict) -> int:
        """How many run-order levels the action occupies (expansions use more than one)."""
        return 1

    def default_inputs(self, settings: dict) -> bool:
        """Whether the action defaults to the only source output when `inputs` is omitted."""
        return self.consumes_revision

    def check(self, action: Action, ctx: BuildContext) -> None:
        """Report semantic problems with ctx.error(); the schema has already passed."""

    def emit(self, action: Action, ctx: EmitContext) -> list[Emitted]:
        raise NotImplementedError
