"""A v2 pipeline trigger back into a connection source's `filters`, when it has their shape.

The inverse is checked against the forward mapping (git_triggers.trigger): a trigger is typed
only if compiling the filters gives it back exactly; otherwise it stays raw.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from pipegen.cfn import plain
from pipegen.providers import git_triggers

FILTER_ORDER = ("file_paths", "tags", "pull_requests")


def _criteria(spec: Any) -> dict | None:
    if not isinstance(spec, dict):
        return None
    out = {}
    if "Includes" in spec:
        out["include"] = spec["Includes"]
    if "Excludes" in spec:
        out["exclude"] = spec["Excludes"]
    return out


def filters_for(trigger: Any, sources: list[dict]) -> bool | None:
    """Set `filters` on the source the trigger names; None if it cannot be typed."""
    try:
        return _filters_for(trigger, sources)
    except (AttributeError, TypeError, KeyError, ValueError):
        return None  # not the shape CloudFormation documents: kept raw


def _filters_for(trigger: Any, sources: list[dict]) -> bool | None:
    if not isinstance(trigger, dict) or trigger.get("ProviderType") != \
            "CodeStarSourceConnection":
        return None
    git = trigger.get("GitConfiguration") or {}
    if not isinstance(git, dict) or not isinstance(git.get("Push", []), list) or \
            not isinstance(git.get("PullRequest", []), list):
        return None
    name = git.get("SourceActionName")
    source = next((s for s in sources if s.get("name", "GitHub") == name and
                   "connection" in s), None)
    if source is None or "branch" not in source:
        return None
    push = git.get("Push") or []
    filters: dict[str, Any] = {}
    if push and isinstance(push[0], dict) and "FilePaths" in push[0]:
        filters["file_paths"] = _criteria(push[0]["FilePaths"])
    if len(push) > 1 and isinstance(push[1], dict) and "Tags" in push[1]:
        filters["tags"] = _criteria(push[1]["Tags"])
    prs = git.get("PullRequest") or []
    if prs and isinstance(prs[0], dict):
        filters["pull_requests"] = {"events": [e.lower() for e in prs[0].get("Events") or []]}
    if prs and not push:
        if source.get("trigger") == "none":
            return None  # DetectChanges false beside a trigger: not a shape pipegen writes
        # Pull requests alone: `trigger: pull-request`, file paths on the pull-request filter.
        trigger_value = "pull-request"
        if isinstance(prs[0], dict) and "FilePaths" in prs[0]:
            filters["file_paths"] = _criteria(prs[0]["FilePaths"])
    else:
        trigger_value = "push"
    if not filters:
        # An empty `filters` means nothing to pipegen; a push filter on the branch alone.
        filters = {"file_paths": None}
    candidate = {k: v for k, v in filters.items() if v is not None}
    fake = SimpleNamespace(name=name, trigger=trigger_value,
                           settings={**source, "filters": candidate})
    try:
        again = plain(git_triggers.trigger(fake))
    except Exception:  # noqa: BLE001 - a shape the forward mapping cannot take: keep raw
        return None
    if again != trigger:
        return None
    from pipegen.importer.spec import _source_order  # spec imports this module

    if trigger_value == "pull-request":
        source["trigger"] = "pull-request"
    source["filters"] = dict(sorted(candidate.items(), key=lambda kv: FILTER_ORDER.index(kv[0])))
    ordered = _source_order(source)  # in the order every imported source is written
    source.clear()
    source.update(ordered)
    return True
