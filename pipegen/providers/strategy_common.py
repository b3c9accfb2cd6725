"""Deployment strategies as values: what a spec's `strategy:` says, read once for every provider.

The registry (pipegen.strategies) reads `strategy:` into the action's StrategyUse and refuses
pairs a provider does not run (PG410). The codedeploy, ecs and lambda providers declare their
entries with `declare` (settings schemas shared here) and realize them in their own check and
emit: a CodeDeploy deployment configuration, the Lambda deploy action's strategy string; none
adds pipeline actions. The helpers here are the unit conversions they share.

Not a provider module (no PROVIDERS): the registry skips it.
"""

from __future__ import annotations

from pipegen.providers.base import Strategy, minutes  # noqa: F401 (minutes: re-exported)

ALL_AT_ONCE_WARNING = "PG420"
DURATION_MINUTES = {"s": 1 / 60, "m": 1, "h": 60, "d": 1440}
PERCENT = {"type": "string", "pattern": "^(100|[1-9]?[0-9])%$",
           "description": "A percentage: \"25%\"."}
DURATION = {"$ref": "#/$defs/duration"}
# The settings each strategy name takes on codedeploy, ecs and lambda (the dns canary, which
# takes `steps`, is strategies-traffic's).
SETTINGS: dict[str, dict | None] = {
    "single-target": None, "all-at-once": None, "blue-green": None, "rolling": None,
    "min-in-service": {
        "description": "min-in-service settings: {min_healthy}.",
        "type": "object", "additionalProperties": False, "required": ["min_healthy"],
        "properties": {"min_healthy": {
            "anyOf": [{"type": "integer", "minimum": 0}, PERCENT],
            "description": "Hosts that must stay healthy: a count (2) or a share of the fleet "
                           "(\"75%\")."}}},
    "canary": {
        "description": "canary settings: {step, bake}.",
        "type": "object", "additionalProperties": False, "required": ["step", "bake"],
        "properties": {
            "step": {**PERCENT, "description": "The share of traffic moved first (\"10%\")."},
            "bake": {**DURATION, "description": "How long the first share runs before the "
                                                "rest moves (whole minutes)."}}},
    "linear": {
        "description": "linear settings: {step, every}.",
        "type": "object", "additionalProperties": False, "required": ["step", "every"],
        "properties": {
            "step": {**PERCENT, "description": "The share of traffic moved at each step "
                                               "(\"10%\")."},
            "every": {**DURATION, "description": "The wait between steps (whole minutes)."}}},
}
ROLLING = {
    "type": "object", "additionalProperties": False, "required": ["batch"],
    "properties": {"batch": {
        "anyOf": [{"type": "integer", "minimum": 1}, PERCENT],
        "description": "Hosts per batch: 1, or a share of the fleet (\"25%\")."}}}


def no_steps(action, use, ctx) -> list:
    """These strategies add no pipeline actions: the deploy action itself carries them."""
    return []


def declare(summaries: dict[str, str], settings: dict[str, dict | None] | None = None,
            check=None) -> tuple[Strategy, ...]:
    """Registry entries for a provider's strategies: name -> what it emits (the docs cell)."""
    table = {**SETTINGS, **(settings or {})}
    return tuple(Strategy(name, no_steps, settings=table[name], summary=summary, check=check,
                          aliases=("red-black",) if name == "blue-green" else ())
                 for name, summary in summaries.items())


def runs(action, provider):
    """The action's strategy (a StrategyUse) when its provider runs it, else None (an
    unsupported pair is the registry's PG410)."""
    use = action.strategy
    if use is None or use.name not in {s.name for s in provider.strategies}:
        return None
    return use


def percent(text: str) -> int:
    """'25%' -> 25 (the schema has checked the form)."""
    return int(text.rstrip("%"))


def exact_minutes(duration: str) -> bool:
    """Whether a duration is a whole number of minutes (CodeDeploy counts no seconds)."""
    n, unit = int(duration[:-1]), duration[-1]
    return unit != "s" or n % 60 == 0


def strategy_path(action) -> tuple:
    """Where the strategy's settings are in the spec (for located errors)."""
    use = action.strategy
    if use is None:
        return action.path + ("strategy",)
    return use.path if use.bare else use.path + (use.written,)


def warn_all_at_once(action, ctx, what: str) -> None:
    """The all-at-once warning (acknowledgeable with `acknowledge: [PG420]`)."""
    ctx.warn(ALL_AT_ONCE_WARNING, f"'{action.name}' deploys {what} all at once: every target "
             "takes the new revision together, so a bad revision reaches every user before "
             "anything can stop it", action.path + ("strategy",),
             "use rolling, blue-green, canary or linear for production; when all at once is "
             "what you want, acknowledge it: `acknowledge: [PG420]`")


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
