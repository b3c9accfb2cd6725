"""Deployment strategies as values: what a spec's `strategy:` says, read once for every provider.

A strategy is a name (`all-at-once`) or a one-key mapping with its settings (`{rolling:
{batch: "25%"}}`); `red-black` is another name for `blue-green`. The providers turn the parsed
value into their own realization (a CodeDeploy deployment configuration, the Lambda deploy
action's strategy string); the helpers here are the unit conversions they share.

Not a provider module (no PROVIDERS): the registry skips it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

ALIASES = {"red-black": "blue-green"}
ALL_AT_ONCE_WARNING = "PG420"
DURATION_MINUTES = {"s": 1 / 60, "m": 1, "h": 60, "d": 1440}


@dataclass(frozen=True)
class Strategy:
    name: str  # the canonical name (aliases resolved)
    written: str  # the name as the spec wrote it
    settings: dict[str, Any] = field(default_factory=dict)


def parse(value: Any) -> Strategy | None:
    """The `strategy:` value of an action (already schema-checked), or None when absent."""
    if value is None:
        return None
    if isinstance(value, str):
        return Strategy(ALIASES.get(value, value), value, {})
    (written, settings), = value.items()
    return Strategy(ALIASES.get(written, written), written, dict(settings or {}))


def percent(text: str) -> int:
    """'25%' -> 25 (the schema has checked the form)."""
    return int(text.rstrip("%"))


def minutes(duration: str) -> int:
    """'90s' -> 2 (rounded up: CodeDeploy and CodePipeline count whole minutes), '2h' -> 120."""
    n, unit = int(duration[:-1]), duration[-1]
    total = n * DURATION_MINUTES[unit]
    return int(total) if total == int(total) else int(total) + 1


def exact_minutes(duration: str) -> bool:
    """Whether a duration is a whole number of minutes (CodeDeploy counts no seconds)."""
    n, unit = int(duration[:-1]), duration[-1]
    return unit != "s" or n % 60 == 0


def strategy_path(action) -> tuple:
    """Where the strategy's settings are in the spec (for located errors)."""
    value = action.settings.get("strategy")
    path = action.path + ("strategy",)
    if isinstance(value, dict):
        path += (next(iter(value)),)
    return path


def warn_all_at_once(action, ctx, what: str) -> None:
    """The all-at-once warning (acknowledgeable with `acknowledge: [PG420]`)."""
    ctx.warn(ALL_AT_ONCE_WARNING, f"'{action.name}' deploys {what} all at once: every target "
             "takes the new revision together, so a bad revision reaches every user before "
             "anything can stop it", action.path + ("strategy",),
             "use rolling, blue-green, canary or linear for production; when all at once is "
             "what you want, acknowledge it: `acknowledge: [PG420]`")


def supporters(strategy: str) -> list[str]:
    """The deploy providers that declare `strategy` (read from the provider registry)."""
    from pipegen import providers

    return sorted(kind[1] for kind, p in providers.actions().items()
                  if strategy in getattr(p, "strategies", ()))


def check_supported(action, ctx, provider) -> Strategy | None:
    """The action's strategy when its provider supports it; else a located PG421 (naming the
    providers that do support it) and None."""
    strategy = parse(action.settings.get("strategy"))
    if strategy is None or strategy.name in provider.strategies:
        return strategy
    reason = getattr(provider, "strategy_reasons", {}).get(strategy.name)
    others = supporters(strategy.name)
    message = f"the {action.provider} provider has no `{strategy.written}` strategy"
    if reason:
        message += f" ({reason})"
    hint = (f"`{strategy.written}` is supported by: {', '.join(others)}. " if others else "")
    hint += f"{action.provider} supports: {', '.join(provider.strategies)}"
    ctx.error("PG421", message, action.path + ("strategy",), hint)
    return None


def check_home_region(action, ctx, key: str) -> None:
    """PG435: resources pipegen creates for a deploy live in the stack's own region, so the
    action that deploys to them must run there too."""
    region = action.region
    if region is not None and region != {"Ref": "AWS::Region"}:
        ctx.error("PG435", f"with `{key}`, pipegen creates the CodeDeploy application and "
                  "deployment group in this stack's region, and this action deploys in "
                  "another one", action.path + ("region",),
                  f"remove `region` (or write `!Ref AWS::Region`), or deploy to an existing "
                  f"group in that region without `{key}`")
