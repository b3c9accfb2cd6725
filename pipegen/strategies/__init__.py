"""The deployment-strategy registry, derived from what each deploy provider declares.

A deploy provider lists the strategies it runs (`strategies = (Strategy(...), ...)`, see
pipegen.providers.base.Strategy) and, optionally, why a strategy name is not available for it
(`unsupported = {"min-in-service": "a setting of the ECS service, which pipegen does not own"}`).
Nothing here is edited to add one. From those declarations come:

- the schema: `strategy` on deploy actions accepts every registered name and alias, as a bare
  name or a one-key mapping `{NAME: SETTINGS}`; SETTINGS is checked against the declaring
  provider's fragment (`schema_for`, used by pipegen.schema);
- the unsupported-pair error PG410, which quotes the provider's reason and names the providers
  that do support the strategy (`check`, run by the build phase), and PG411 for a bare name of
  a strategy that needs settings;
- the documentation table docs/strategies.md (`python -m pipegen.strategies`).

Shared strategy logic lives beside this module, one module per strategy name that several
providers share (pipegen/strategies/canary.py, ...); each provider family's own expanders live
in its provider module.

The lifecycle of a strategy use, phase by phase:
  build   `Action.strategy` is a StrategyUse (canonical name, settings, path); `check` below
          refuses unsupported pairs; then the entry's own `check(action, use, build_ctx)`.
  expand  `expand(action, use, expand_ctx) -> list[Action]` replaces the written action by its
          steps (pipegen.expand: names, run order, artifact flow are then checked on them).
  emit    each step is emitted by its own (type, provider)'s `emit`; the entry's
          `emit(written_action, use, emit_ctx)` is called once per written action, before its
          steps, to add resources (`emit_ctx.add`) and pipeline-role IAM (`emit_ctx.policy`).
Strategies raise their own codes from PG420-PG459; PG410-PG419 belong to the expand phase.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import jsonschema

from pipegen import providers
from pipegen.model import StrategyUse
from pipegen.providers.base import Strategy

if TYPE_CHECKING:
    from pipegen.contexts import BuildContext
    from pipegen.model import Action


def table() -> dict[tuple[str, str], Strategy]:
    """(deploy provider, canonical strategy name) -> its entry, for every declaration."""
    out: dict[tuple[str, str], Strategy] = {}
    for (kind, name), p in sorted(providers.actions().items()):
        if kind != "deploy":
            continue
        for s in p.strategies:
            if (name, s.name) in out:
                raise RuntimeError(f"strategy {s.name} declared twice for {name}")
            out[(name, s.name)] = s
    return out


def aliases() -> dict[str, str]:
    """Every spelling a spec may write -> the canonical name."""
    out: dict[str, str] = {}
    for s in table().values():
        out[s.name] = s.name
        for alias in s.aliases:
            if out.get(alias, s.name) != s.name:
                raise RuntimeError(f"strategy alias {alias} names two strategies")
            out[alias] = s.name
    return dict(sorted(out.items()))


def reasons() -> dict[tuple[str, str], str]:
    """(provider, strategy) -> why that pair is not available, as providers declare it."""
    return {(name, strategy): why for (kind, name), p in sorted(providers.actions().items())
            if kind == "deploy" for strategy, why in p.unsupported.items()}


def supporting(strategy: str) -> list[str]:
    """The deploy providers that run `strategy` (canonical name)."""
    return sorted(p for p, s in table() if s == strategy)


def takes_bare_name(entry: Strategy) -> bool:
    return entry.settings is None or jsonschema.Draft202012Validator(entry.settings).is_valid({})


def use_of(value: Any, path: tuple) -> StrategyUse:
    """The model's StrategyUse for a schema-valid `strategy` value."""
    if isinstance(value, str):
        written, settings = value, {}
    else:
        (written, settings), = value.items()
        settings = settings if isinstance(settings, dict) else {}
    return StrategyUse(name=aliases().get(written, written), written=written,
                       settings=settings, path=path, bare=isinstance(value, str))


def schema_for(provider: str) -> dict | None:
    """The `strategy` settings the provider's strategies take, for its schema branch.

    Only names the provider supports are constrained here: any other registered name passes
    the schema, so the build phase can say which providers do support it (PG410).
    """
    entries = [s for (p, _), s in table().items() if p == provider]
    if not entries:
        return None
    props: dict[str, Any] = {}
    for s in entries:
        shape = s.settings if s.settings is not None else {
            "type": "object", "maxProperties": 0,
            "description": f"`{s.name}` takes no settings: write it as a bare name."}
        for spelling in (s.name, *s.aliases):
            props[spelling] = shape
    return {"properties": {"strategy": {"if": {"type": "object"},
                                        "then": {"properties": props}}}}


def check(action: Action, ctx: BuildContext) -> Strategy | None:
    """The entry for the action's strategy, or None after reporting why there is none."""
    use = action.strategy
    if use is None:
        return None
    entry = table().get((action.provider, use.name))
    if entry is None:
        others = supporting(use.name)
        why = reasons().get((action.provider, use.name))
        ctx.error("PG410", f"strategy '{use.written}' is not available for {action.provider} "
                  f"deploy actions{': ' + why if why else ''}", use.path,
                  _hint(action.provider, others), key=False)
        return None
    if use.bare and not takes_bare_name(entry):
        ctx.error("PG411", f"strategy '{use.written}' needs settings", use.path,
                  f"write `strategy: {{{use.written}: {{...}}}}` (docs/strategies.md lists "
                  "its settings)")
        return None
    return entry


def _hint(provider: str, others: list[str]) -> str:
    mine = sorted({s.name for (p, _), s in table().items() if p == provider})
    parts = []
    if others:
        parts.append("deploy providers that run it: " + ", ".join(others))
    parts.append(f"strategies {provider} runs: " + (", ".join(mine) if mine else "none (omit "
                 "`strategy`: the deploy then uses its target's own configuration)"))
    return "; ".join(parts)


def markdown() -> str:
    """docs/strategies.md: which provider runs which strategy, derived from the declarations."""
    names = sorted({s for _, s in table()} | {s for _, s in reasons()})
    deploys = sorted(name for (kind, name), p in providers.actions().items()
                     if kind == "deploy" and not p.internal)
    out = ["# Deployment strategies", "",
           "Generated by `python -m pipegen.strategies > docs/strategies.md` from the strategies "
           "each deploy provider declares (SPEC.md section 5). A cell marked — is an error "
           "(PG410) that names the providers that do run the strategy.", ""]
    if not names:
        out += ["No deploy provider declares a strategy yet: `strategy` is not accepted, and a "
                "deploy uses its target's own configuration.", ""]
        return "\n".join(out)
    t, why = table(), reasons()
    out.append("| strategy | aliases | " + " | ".join(deploys) + " |")
    out.append("|---|---|" + "---|" * len(deploys))
    for name in names:
        spellings = sorted({a for s in t.values() if s.name == name for a in s.aliases})
        cells = []
        for p in deploys:
            entry = t.get((p, name))
            if entry is not None:
                cells.append(_cell(entry.summary or "yes"))
            else:
                cells.append("— " + _cell(why[(p, name)]) if (p, name) in why else "—")
        out.append(f"| `{name}` | {', '.join(f'`{a}`' for a in spellings)} | "
                   + " | ".join(cells) + " |")
    out.append("")
    return "\n".join(out)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
