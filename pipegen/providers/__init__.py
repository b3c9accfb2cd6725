"""The provider registry: discovers every provider module in this package.

A module contributes by defining `PROVIDERS = [...]` with SourceProvider and ActionProvider
instances, and rules that span several sources or actions by defining `PIPELINE_CHECKS =
[check, ...]`: each `check(pipeline, ctx)` runs once, when the model is complete and
expanded, with the build context (ctx.error / ctx.warn). Nothing here is edited to add one.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache

from pipegen.providers.base import ActionProvider, SourceProvider

# Providers used when an action omits `provider:`.
DEFAULT_PROVIDER = {"build": "codebuild", "test": "codebuild", "approval": "manual"}


def _modules():
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        if info.name != "base":
            yield importlib.import_module(f"{__name__}.{info.name}")


@cache
def pipeline_checks() -> tuple:
    """Every module's PIPELINE_CHECKS, in module order: rules over the whole model."""
    return tuple(check for module in _modules() for check in getattr(module, "PIPELINE_CHECKS",
                                                                       ()))


@cache
def _discover() -> tuple[dict[str, SourceProvider], dict[tuple[str, str], ActionProvider]]:
    sources: dict[str, SourceProvider] = {}
    actions: dict[tuple[str, str], ActionProvider] = {}
    for module in _modules():
        for p in getattr(module, "PROVIDERS", ()):
            if isinstance(p, SourceProvider):
                if p.provider in sources:
                    raise RuntimeError(f"source provider {p.provider} registered twice")
                sources[p.provider] = p
            elif isinstance(p, ActionProvider):
                for kind in p.kinds:
                    if kind in actions:
                        raise RuntimeError(f"action provider {kind} registered twice")
                    actions[kind] = p
    return sources, actions


def sources() -> dict[str, SourceProvider]:
    return _discover()[0]


def actions() -> dict[tuple[str, str], ActionProvider]:
    return _discover()[1]


def providers_for(action_type: str) -> list[str]:
    """The providers a spec may write for an action type (internal ones are for expanders)."""
    return sorted(p for (t, p), impl in actions().items()
                  if t == action_type and not impl.internal)
