"""What can be told about CloudFormation conditions without deploying: exclusion and coverage.

A source chosen by a parameter (`SourceCodeProvider: GitHub | CodeCommit`) is two source actions
under two conditions that can never hold together, both producing the same artifact, and one
of which always exists. Only the plain, common shapes are recognised; anything else is "not
known", and the caller keeps its stricter rule:

- `!Equals [!Ref P, a]` and `!Equals [!Ref P, b]` with different literals exclude each other;
- a condition and `!Not [!Condition it]` (or `!Not` of the same expression) exclude each other;
- conditions `!Equals [!Ref P, v]` for every allowed value of P cover every case, and so do a
  condition and its negation.
"""

from __future__ import annotations

from typing import Any


def _resolve(body: Any, conditions: dict) -> Any:
    """A condition body with `{Condition: NAME}` references replaced (bounded depth)."""
    for _ in range(10):
        if isinstance(body, dict) and set(body) == {"Condition"} and \
                isinstance(body["Condition"], str) and body["Condition"] in conditions:
            body = conditions[body["Condition"]]
        else:
            break
    return body


def _equals(body: Any) -> tuple[str, str] | None:
    """(parameter, literal) for `!Equals [!Ref P, "x"]` in either order, else None."""
    if not (isinstance(body, dict) and set(body) == {"Fn::Equals"}):
        return None
    args = body["Fn::Equals"]
    if not (isinstance(args, list) and len(args) == 2):
        return None
    for ref, lit in (args, args[::-1]):
        if isinstance(ref, dict) and set(ref) == {"Ref"} and isinstance(ref["Ref"], str) and \
                isinstance(lit, (str, int, float)) and not isinstance(lit, bool):
            return ref["Ref"], str(lit)
    return None


def _negation_of(body: Any, conditions: dict) -> Any:
    if isinstance(body, dict) and set(body) == {"Fn::Not"} and \
            isinstance(body["Fn::Not"], list) and len(body["Fn::Not"]) == 1:
        return _resolve(body["Fn::Not"][0], conditions)
    return None


def exclusive(a: str, b: str, conditions: dict) -> bool:
    """Whether conditions a and b can never hold together."""
    if a == b or a not in conditions or b not in conditions:
        return False
    ba, bb = _resolve(conditions[a], conditions), _resolve(conditions[b], conditions)
    ea, eb = _equals(ba), _equals(bb)
    if ea and eb and ea[0] == eb[0] and ea[1] != eb[1]:
        return True
    return _negation_of(ba, conditions) == bb or _negation_of(bb, conditions) == ba


def covering(names: set[str], conditions: dict, parameters: dict) -> bool:
    """Whether one of the conditions always holds (so what they produce always exists)."""
    bodies = [_resolve(conditions.get(n), conditions) for n in names]
    if any(b is None for b in bodies):
        return False
    for i, b in enumerate(bodies):
        if any(_negation_of(o, conditions) == b or _negation_of(b, conditions) == o
               for o in bodies[i + 1:]):
            return True
    equals = [_equals(b) for b in bodies]
    if not equals or any(e is None for e in equals) or len({e[0] for e in equals}) != 1:
        return False
    allowed = (parameters.get(equals[0][0]) or {}).get("allowed_values")
    return isinstance(allowed, list) and bool(allowed) and \
        {str(v).lower() if isinstance(v, bool) else str(v) for v in allowed} <= \
        {e[1] for e in equals}
