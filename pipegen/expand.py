"""The expand phase: each model action that stands for several becomes ordinary model actions.

Between build and emit. A written action expands when its provider's `expand` returns steps
(cloudformation `mode: change-set`: create, approval, execute) or when it has a deployment
`strategy` (the strategy entry's expander, pipegen.strategies). Each step is an ordinary
model action of a registered (type, provider): it has its own name, inputs, outputs, role,
region and settings, remembers the written action it came from (`origin`) and where its name is
written (`name_path`), and is emitted by its own provider. Then, once, over the expanded plan
and for every provider alike: expanded names are valid and unique in their stage (PG366),
RunOrder is computed and artifact flow is checked (pipegen.flow).

The expander API (ActionProvider.expand(action, ctx) and a Strategy's
expand(action, use, ctx)) returns a list of actions built with `ctx.step(...)`:

- a step's `after` names other steps of the same expansion (internal order). Steps with no
  `after` are the expansion's entry: they inherit the written action's `after:` and
  `run_order`. Whoever waited for the written action waits for the steps nothing else in the
  expansion waits for (its exits). Artifacts order steps too, as they order any action.
- a step whose (type, provider) differs from the written action's is checked by its own
  provider here, with the same checks as if it were written (an approval step is a real
  `type: approval`); steps of the written action's own provider are the expander's to get
  right (the written action passed that provider's check in build).
- a written action whose build checks failed is not expanded (its expander never sees
  settings that failed their checks); it stays as written for the plan-wide checks.

Codes: PG366 (an expanded name clashes or is too long); PG410-PG419 are reserved for this
phase and the strategy registry; strategies raise PG420-PG459.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from pipegen import flow, providers, strategies
from pipegen.contexts import ExpandContext
from pipegen.errors import diag

if TYPE_CHECKING:
    from pipegen.contexts import BuildContext
    from pipegen.model import Action, Pipeline, Stage

NAME_MAX = 100  # CodePipeline's limit on an action name


def expand(pipeline: Pipeline, build: BuildContext) -> Pipeline:
    """The expanded plan: every stage's actions expanded, ordered and checked."""
    ctx = ExpandContext(pipeline, build)
    stages = []
    for stage in pipeline.stages:
        plan = _expand_stage(ctx, stage)
        _check_names(ctx, stage, plan)
        levels = flow.run_orders(ctx, plan)
        plan = [replace(a, run_order=level) for a, level in zip(plan, levels, strict=True)]
        stages.append(replace(stage, actions=tuple(plan), written=stage.actions))
    stages = tuple(stages)
    flow.check_artifact_flow(ctx, pipeline.sources, stages)
    return replace(pipeline, stages=stages)


def _expand_stage(ctx: ExpandContext, stage: Stage) -> list[Action]:
    expansions: list[tuple[Action, list[Action]]] = []
    for a in stage.actions:
        steps = None if _failed(ctx, a) else _expand_one(ctx, a)
        expansions.append((a, steps or [a]))
    # Whoever waits for a written action waits for its expansion's exits.
    exits: dict[str, tuple[str, ...]] = {}
    for a, steps in expansions:
        inner = {n for s in steps for n in s.after} if steps != [a] else set()
        exits[a.name] = tuple(s.name for s in steps if s.name not in inner)
    plan = []
    for a, steps in expansions:
        if steps == [a]:
            plan.append(replace(a, after=_waits(a.after, exits)))
            continue
        for s in steps:
            if not s.after:  # an entry step: it keeps the written ordering
                s = replace(s, after=_waits(a.after, exits),
                            explicit_run_order=a.explicit_run_order)
            plan.append(s)
    return plan


def _waits(after: tuple[str, ...], exits: dict[str, tuple[str, ...]]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(n for name in after for n in exits.get(name, (name,))))


def _failed(ctx: ExpandContext, action: Action) -> bool:
    """Whether build reported an error inside the written action."""
    n = len(action.path)
    return any(d.is_error and d.path[:n] == action.path for d in ctx.diagnostics)


def _expand_one(ctx: ExpandContext, a: Action) -> list[Action] | None:
    registry = providers.actions()
    if a.strategy is not None:
        entry = strategies.table().get((a.provider, a.strategy.name))
        if entry is None:
            return None  # PG410/PG411 reported in build
        steps = entry.expand(a, a.strategy, ctx)
    else:
        steps = registry[(a.type, a.provider)].expand(a, ctx)
    if not steps:
        return None
    names = {s.name for s in steps}
    for s in steps:
        if (s.type, s.provider) not in registry:
            raise RuntimeError(f"an expansion of {a.provider} made a {s.type} action of "
                               f"unknown provider {s.provider}")
        if set(s.after) - names:
            raise RuntimeError(f"step {s.name} of {a.name} waits for {set(s.after) - names}, "
                               "which are not steps of its expansion")
        if (s.type, s.provider) != (a.type, a.provider):
            registry[(s.type, s.provider)].check(s, ctx.build)
    return steps


def _check_names(ctx: ExpandContext, stage: Stage, plan: list[Action]) -> None:
    """Expanded names are valid and unique in the stage (written ones are checked in build)."""
    seen: dict[str, Action] = {}
    for a in plan:
        if a.step is not None and len(a.name) > NAME_MAX:
            ctx.error("PG366", f"the expanded action name '{a.name}' is longer than {NAME_MAX} "
                      "characters", a.name_at, ctx.rename_hint(a))
        other = seen.get(a.name)
        if other is None:
            seen[a.name] = a
            continue
        if a.step is None and other.step is None:
            continue  # two written actions: PG301, reported in build
        # Point at the expanded one: its name is the one pipegen made.
        expanded, clash = (a, other) if a.step is not None else (other, a)
        ctx.build.diagnostics.append(diag(
            "PG366", f"the expanded action name '{a.name}' is already used in stage "
            f"'{stage.name}'", ctx.loaded.span(expanded.name_at), expanded.name_at,
            ctx.rename_hint(expanded), related=(ctx.loaded.span(clash.name_at),)))
