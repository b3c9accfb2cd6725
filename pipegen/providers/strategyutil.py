"""Reading a deploy action's `strategy` (SPEC.md section 5): its name and settings, and the
percentages and durations strategies are written in.

Not a provider module (no PROVIDERS): the registry skips it.
"""

from __future__ import annotations

from typing import Any

ALIASES = {"red-black": "blue-green"}
SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def strategy_of(settings: dict) -> tuple[str | None, dict]:
    """(name, settings) of the action's `strategy`, aliases resolved; (None, {}) when absent."""
    value = settings.get("strategy")
    if value is None:
        return None, {}
    if isinstance(value, str):
        name, body = value, {}
    else:
        name, body = next(iter(value.items()))
    return ALIASES.get(name, name), body or {}


def strategy_path(action) -> tuple:
    """The spec path of the strategy's settings (or of `strategy` itself, for a bare name)."""
    value = action.settings.get("strategy")
    if isinstance(value, dict):
        return action.path + ("strategy", next(iter(value)))
    return action.path + ("strategy",)


def percent(text: Any) -> int:
    """'25%' -> 25."""
    return int(str(text).rstrip("%"))


def seconds(duration: str) -> int:
    """'90s' -> 90, '10m' -> 600."""
    return int(duration[:-1]) * SECONDS[duration[-1]]


# Which deploy providers support each strategy (SPEC.md section 5), for the error on an
# unsupported pair. The strategy registry (issue 9) derives this from the providers' own
# declarations; this table stands in until it lands.
SUPPORTED_BY = {
    "single-target": ("codedeploy",),
    "all-at-once": ("appconfig", "beanstalk", "codedeploy", "dns", "ecs", "lambda"),
    "min-in-service": ("beanstalk", "codedeploy"),
    "rolling": ("appconfig", "beanstalk", "codedeploy", "ecs"),
    "immutable": ("beanstalk",),
    "blue-green": ("codedeploy", "dns", "ecs"),
    "canary": ("appconfig", "beanstalk", "dns", "ecs", "lambda"),
    "linear": ("appconfig", "ecs", "lambda"),
    "a-b": ("dns",),
}


def check_supported(action, ctx, supported: tuple[str, ...]) -> bool:
    """PG440 when the action's strategy is not one its provider supports; True when it is."""
    name, _ = strategy_of(action.settings)
    if name is None or name in supported:
        return True
    others = [p for p in SUPPORTED_BY.get(name, ()) if p != action.provider]
    where = (f"'{name}' is supported by: " + ", ".join(others)) if others else \
        f"no provider has a strategy '{name}'"
    ctx.error("PG440", f"the {action.provider} provider has no strategy '{name}'",
              action.path + ("strategy",), f"{where}; {action.provider} strategies: "
              + ", ".join(supported))
    return False
