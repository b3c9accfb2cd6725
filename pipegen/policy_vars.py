"""A generated policy never contains `#{`: CodePipeline variables are widened to wildcards.

A `#{namespace.variable}` reference resolves when the pipeline runs, inside the action's
Configuration; IAM reads a policy as written and never resolves it. When a value that holds one
also feeds a policy resource (a CloudFormation action's `stack: "#{Vars.StackName}"` gives the
pipeline role rights on `stack/#{Vars.StackName}/*`), the statement would match nothing and the
deploy would be denied at run time. Each reference in a policy resource is therefore replaced by
`*`, the narrowest pattern that still matches every value it can take (`stack/*/*`), and a
warning (PG384) points at the spec value it came from.

This runs once over the emitted template, before the spec's own `resources` are merged, so it
covers every role, bucket, key and topic policy any provider writes.
"""

from __future__ import annotations

import re
from typing import Any

from pipegen.errors import Diagnostic, diag

VARIABLE = re.compile(r"#\{[^}]*\}")
_RESOURCE_KEYS = ("Resource", "NotResource")


def widen(resources: dict, loaded) -> list[Diagnostic]:
    """Widen `#{...}` in every policy statement's resources; one warning per reference."""
    found: list[str] = []
    for body in resources.values():
        if isinstance(body, dict):
            _walk(body.get("Properties"), found)
    warnings = []
    for token in dict.fromkeys(found):
        path = _spec_path(loaded.data, token)
        warnings.append(diag(
            "PG384", f"{token} is resolved by CodePipeline at run time, and IAM never resolves "
            "it: the policy resource built from this value uses '*' in its place",
            loaded.span(path) if path is not None else None, path or (),
            "the grant now covers every value the variable can take; name the target "
            "literally (or with an intrinsic) for a narrower policy, or acknowledge PG384",
            "warning"))
    return warnings


def _walk(node: Any, found: list[str]) -> None:
    if isinstance(node, dict):
        statements = node.get("Statement")
        if isinstance(statements, list):
            for st in statements:
                if isinstance(st, dict):
                    for key in _RESOURCE_KEYS:
                        if key in st:
                            st[key] = _dedupe(_widen_value(st[key], found))
        for value in node.values():
            _walk(value, found)
    elif isinstance(node, list):
        for value in node:
            _walk(value, found)


def _widen_value(value: Any, found: list[str]) -> Any:
    if isinstance(value, str):
        tokens = VARIABLE.findall(value)
        found.extend(tokens)
        return VARIABLE.sub("*", value)
    if isinstance(value, list):
        return [_widen_value(v, found) for v in value]
    if isinstance(value, dict):
        return {k: _widen_value(v, found) for k, v in value.items()}
    return value


def _dedupe(value: Any) -> Any:
    if not isinstance(value, list):
        return value
    out, seen = [], set()
    for v in value:
        key = repr(v)
        if key not in seen:
            seen.add(key)
            out.append(v)
    return out


def _spec_path(data: Any, token: str, path: tuple = ()) -> tuple | None:
    """The first place in the spec (outside raw `resources`/`overrides`) holding the token."""
    if isinstance(data, str):
        return path if token in data else None
    items = data.items() if isinstance(data, dict) else enumerate(data) \
        if isinstance(data, list) else ()
    for k, v in items:
        if not path and k in ("resources", "overrides", "outputs"):
            continue
        found = _spec_path(v, token, path + (k,))
        if found is not None:
            return found
    return None
