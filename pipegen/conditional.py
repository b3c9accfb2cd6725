"""Generated resources that only a conditional stage or action uses exist only under its condition.

A stage or action with `when: IsProd` is wrapped in `Fn::If` inside the pipeline, and its grants
in the pipeline role's policy are too (iam.Policy.when). The resources generated for it (an
inline CodeBuild project, its role, a CodeDeploy application) would otherwise be created in every
stack, and fail there when they are built from values that are meaningful only under the
condition (a service role named by a parameter left empty when the stage is off).

`guard_statements` handles the other way a value is optional: a granted role or a resource
written `!If [C, ARN, !Ref AWS::NoValue]`. When every principal (or every resource) of a
generated policy statement is optional under one condition C, the statement would be left with
none when C is false, which IAM, S3 and KMS refuse; it is wrapped in `Fn::If` on C instead.

This pass runs on the emitted template (before the spec's own `resources` are merged): a
generated resource whose every reference lies under one same condition (inside the true branch
of an `Fn::If` on it, or in a resource or output that has it as its `Condition`) gets that
`Condition`, repeated until nothing changes (a project's role is referenced only by the
project). A resource nothing references is left as it is.
"""

from __future__ import annotations

import re
from typing import Any

_SUB_VAR = re.compile(r"\$\{([^}!][^}]*)\}")


def apply(doc: dict, keep: frozenset[str] = frozenset()) -> None:
    """Give conditions to the generated resources of `doc` (not those in `keep`) in place."""
    resources = doc.get("Resources") or {}
    while True:
        uses = _uses(doc)
        changed = False
        for name, body in resources.items():
            if name in keep or not isinstance(body, dict) or "Condition" in body:
                continue
            contexts = uses.get(name)
            if not contexts:
                continue
            common = frozenset.intersection(*contexts)
            if common:
                body["Condition"] = sorted(common)[0]
                changed = True
        if not changed:
            return


_POLICY_KEYS = ("PolicyDocument", "KeyPolicy")
_NO_VALUE = {"Ref": "AWS::NoValue"}


def guard_statements(doc: dict, keep: frozenset[str] = frozenset()) -> None:
    """Wrap generated statements whose principals or resources may all vanish (in place)."""
    for name, body in (doc.get("Resources") or {}).items():
        if name in keep or not isinstance(body, dict):
            continue
        props = body.get("Properties") or {}
        documents = [props.get(k) for k in _POLICY_KEYS]
        documents += [p.get("PolicyDocument") for p in props.get("Policies") or []
                      if isinstance(p, dict)]
        for document in documents:
            if isinstance(document, dict) and isinstance(document.get("Statement"), list):
                document["Statement"] = [_guarded(st) for st in document["Statement"]]


def _guarded(statement: Any) -> Any:
    if not isinstance(statement, dict):
        return statement
    for holder, key in ((statement, "Resource"), (statement.get("Principal"), "AWS")):
        if not isinstance(holder, dict):
            continue
        values = holder.get(key)
        values = [values] if isinstance(values, dict) else values
        if not isinstance(values, list) or not values:
            continue
        branches = [v.get("Fn::If") if isinstance(v, dict) and len(v) == 1 else None
                    for v in values]
        if all(isinstance(b, list) and len(b) == 3 and b[2] == _NO_VALUE for b in branches):
            conditions = {b[0] for b in branches}
            if len(conditions) == 1 and isinstance(next(iter(conditions)), str):
                holder[key] = [b[1] for b in branches]
                return {"Fn::If": [conditions.pop(), statement, _NO_VALUE]}
    return statement


def _uses(doc: dict) -> dict[str, list[frozenset[str]]]:
    """For each logical id, the set of conditions in force at each place that references it."""
    out: dict[str, list[frozenset[str]]] = {}
    for body in (doc.get("Resources") or {}).values():
        if not isinstance(body, dict):
            continue
        base = frozenset([body["Condition"]]) if isinstance(body.get("Condition"), str) \
            else frozenset()
        deps = body.get("DependsOn")
        for dep in [deps] if isinstance(deps, str) else deps or []:
            if isinstance(dep, str):
                out.setdefault(dep, []).append(base)
        for key in ("Properties", "Metadata", "UpdatePolicy", "CreationPolicy"):
            if key in body:
                _walk(body[key], base, out)
    for body in (doc.get("Outputs") or {}).values():
        if isinstance(body, dict):
            base = frozenset([body["Condition"]]) if isinstance(body.get("Condition"), str) \
                else frozenset()
            _walk(body, base, out)
    return out


def _walk(value: Any, under: frozenset[str], out: dict) -> None:
    if isinstance(value, list):
        for v in value:
            _walk(v, under, out)
        return
    if not isinstance(value, dict):
        return
    if len(value) == 1:
        fn, arg = next(iter(value.items()))
        if fn == "Fn::If" and isinstance(arg, list) and len(arg) == 3 and \
                isinstance(arg[0], str):
            _walk(arg[1], under | {arg[0]}, out)
            _walk(arg[2], under, out)  # the other branch: the condition's negation
            return
        if fn == "Ref" and isinstance(arg, str):
            out.setdefault(arg, []).append(under)
            return
        if fn == "Fn::GetAtt":
            target = arg.split(".", 1)[0] if isinstance(arg, str) else (
                arg[0] if isinstance(arg, list) and arg else None)
            if isinstance(target, str):
                out.setdefault(target, []).append(under)
            return
        if fn == "Fn::Sub":
            text, variables = (arg, {}) if isinstance(arg, str) else (
                (list(arg) + [{}])[:2] if isinstance(arg, list) else ("", {}))
            if isinstance(text, str):
                for m in _SUB_VAR.findall(text):
                    if not isinstance(variables, dict) or m not in variables:
                        out.setdefault(m.split(".", 1)[0], []).append(under)
            _walk(variables, under, out)
            return
    for v in value.values():
        _walk(v, under, out)
