"""Errors not in waves: the build phase runs on the parts of a spec that passed the schema.

When the schema refuses a source or an action, the semantic checks still run on everything
else, so one run reports every independent error (ARCHITECTURE.md). Each refused source or
action is replaced, at the same position (spans keep pointing at the user's text), by a stub
that keeps what its neighbours rely on (its name and, where the spec gives them validly, its
outputs), and findings about the stubs themselves, or about artifacts only they would have
produced, are dropped. Schema errors anywhere else (top-level keys, a stage itself) stop as
before: too much of the pipeline would be guessed.
"""

from __future__ import annotations

import copy
import dataclasses
import re
from typing import TYPE_CHECKING, Any

from pipegen.errors import Diagnostic

if TYPE_CHECKING:
    from pipegen.loader import Loaded

_ARTIFACT = re.compile(r"^[A-Za-z0-9_-]{1,100}$")
_NAME = re.compile(r"^[A-Za-z0-9.@_-]{1,100}$")


def _unit(path: tuple) -> tuple | None:
    """The source or action a diagnostic is in, or None when it is elsewhere."""
    if len(path) >= 2 and path[0] == "sources" and isinstance(path[1], int):
        return path[:2]
    if len(path) >= 4 and path[0] == "stages" and path[2] == "actions" and \
            isinstance(path[1], int) and isinstance(path[3], int):
        return path[:4]
    return None


def stubbed(loaded: Loaded, schema_errors: list[Diagnostic]):
    """(a Loaded whose failing units are stubs, the stubbed paths, their outputs), or None
    when an error lies outside every source and action."""
    units = {_unit(d.path) for d in schema_errors if d.is_error}
    if None in units or not units:
        return None
    data = copy.deepcopy(loaded.data)
    outputs: set[str] = set()
    try:
        for unit in sorted(units):
            if unit[0] == "sources":
                spec = data["sources"][unit[1]]
                data["sources"][unit[1]], made = _source_stub(spec, unit[1])
            else:
                actions = data["stages"][unit[1]]["actions"]
                actions[unit[3]], made = _action_stub(actions[unit[3]], unit[3])
            outputs |= made
    except (KeyError, IndexError, TypeError):
        return None  # the shape around the unit is broken too
    return dataclasses.replace(loaded, data=data), units, outputs


def _name(spec: Any, fallback: str) -> str:
    name = spec.get("name") if isinstance(spec, dict) else None
    return name if isinstance(name, str) and _NAME.match(name) else fallback


def _source_stub(spec: Any, i: int) -> tuple[dict, set[str]]:
    name = _name(spec, f"Source{i}")
    output = spec.get("output") if isinstance(spec, dict) else None
    if not (isinstance(output, str) and _ARTIFACT.match(output)):
        output = f"{name}Source" if _ARTIFACT.match(f"{name}Source") else f"Source{i}Output"
    return ({"name": name, "provider": "codecommit", "repository": "stub", "branch": "main",
             "output": output, "trigger": "none"}, {output})


def _words(value: Any) -> set[str]:
    """Every artifact-like word in a refused unit: what it may have meant to produce (an
    `outptus: [Built]` typo, an `outputs: [Built.zip]` with a bad name)."""
    if isinstance(value, str):
        words = {w for w in re.split(r"[^A-Za-z0-9_-]+", value) if w}
        # `!Sub "${AWS::StackName}-Built"` meant the artifact Built.
        literal = re.sub(r"\$\{[^}]*\}", "", value).strip("-_")
        return words | ({literal} if literal and re.fullmatch(r"[A-Za-z0-9_-]+", literal)
                        else set())
    if isinstance(value, dict):
        return set().union(*(_words(v) for v in value.values())) if value else set()
    if isinstance(value, list):
        return set().union(*(_words(v) for v in value)) if value else set()
    return set()


def _action_stub(spec: Any, j: int) -> tuple[dict, set[str]]:
    stub: dict[str, Any] = {"name": _name(spec, f"Action{j}"), "type": "approval"}
    made = _words(spec)
    after = spec.get("after") if isinstance(spec, dict) else None
    if isinstance(after, list) and all(isinstance(a, str) for a in after):
        stub["after"] = after
    return stub, made


def follow_on(d: Diagnostic, units: set, outputs: set[str], data: dict) -> bool:
    """Whether a build finding only restates a stub (and so is not reported)."""
    if _unit(d.path) in units:
        return True
    if d.code in ("PG302", "PG303", "PG307", "PG309", "PG353"):
        value = data
        for part in d.path:
            try:
                value = value[part]
            except (KeyError, IndexError, TypeError):
                value = None
                break
        if isinstance(value, str) and value in outputs:
            return True
        if isinstance(value, dict):
            inputs = value.get("inputs")
            if isinstance(inputs, list) and {i for i in inputs if isinstance(i, str)} & outputs:
                return True
        return any(f"'{o}'" in d.message for o in outputs)
    return False
