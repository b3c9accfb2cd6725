"""`pipegen import --choose CONDITION=true|false`: one spec per branch of a template's `!If`.

Some templates pick their source provider per stack (`!If [IsCodeCommit, CodeCommit source,
connection source]`), which a spec cannot hold: its sources are fixed. Choosing a condition's
value takes the chosen branch of every `!If` on it, everywhere in the template, before import
reads it; importing once per value gives a spec per choice. The condition itself stays
declared (resources may still use it): the stack must be deployed with parameters that make it
what was chosen, which the header says.
"""

from __future__ import annotations

from typing import Any

from pipegen.errors import SpecError, diag


def parse(values: tuple[str, ...] | list[str], t) -> dict[str, bool]:
    """`("IsCodeCommit=true",)` -> {"IsCodeCommit": True}; SpecError (PG709) on a bad one."""
    conditions = t.data.get("Conditions") if isinstance(t.data.get("Conditions"), dict) else {}
    where = ("Conditions",) if conditions else ("Resources",)
    out: dict[str, bool] = {}
    for value in values:
        name, sep, flag = value.partition("=")
        if not sep or flag.lower() not in ("true", "false"):
            raise SpecError(diag("PG709", f"--choose {value}: write CONDITION=true or "
                                 "CONDITION=false", t.key_span(where), where,
                                 "for example: --choose " + next(iter(conditions), "IsProd")
                                 + "=true"))
        if name not in conditions:
            raise SpecError(diag("PG709", f"--choose {value}: the template declares no "
                                 f"condition {name}", t.key_span(where), where,
                                 "its conditions: " + (", ".join(conditions) or "none")))
        out[name] = flag.lower() == "true"
    return out


def apply(data: dict, chosen: dict[str, bool]) -> list[tuple[str, str]]:
    """Take the chosen branch of every !If on a chosen condition, in place; notes."""
    if not chosen:
        return []
    for section in ("Resources", "Outputs"):
        if isinstance(data.get(section), dict):
            data[section] = _take(data[section], chosen)
    return [(f"condition {name}", f"--choose {name}={str(value).lower()}: every !If on it takes "
             f"its {'first' if value else 'second'} branch; deploy the stack with parameters "
             f"that make {name} {str(value).lower()}")
            for name, value in sorted(chosen.items())]


NO_VALUE = {"Ref": "AWS::NoValue"}


def _branch(v: Any, chosen: dict[str, bool]) -> Any:
    """The chosen branch of v if v is an !If on a chosen condition (repeatedly), else v."""
    while isinstance(v, dict) and set(v) == {"Fn::If"}:
        args = v["Fn::If"]
        if not (isinstance(args, list) and len(args) == 3 and args[0] in chosen):
            break
        v = args[1] if chosen[args[0]] else args[2]
    return v


def _take(v: Any, chosen: dict[str, bool]) -> Any:
    v = _branch(v, chosen)
    if isinstance(v, dict):
        out = {}
        for k, x in v.items():
            x = _branch(x, chosen)
            if x != NO_VALUE or x == v.get(k):  # a chosen AWS::NoValue removes the key
                out[k] = _take(x, chosen)
        return out
    if isinstance(v, list):
        # A chosen !If whose branch is AWS::NoValue leaves no entry behind.
        return [_take(x, chosen) for x in v if x == NO_VALUE or _branch(x, chosen) != NO_VALUE]
    return v
