"""`pipegen diff`: what a change to a spec does to its template, for a reviewer.

Compares two CloudFormation templates (the committed one, or any hand-written one, against a
fresh compile) and reports, per pipeline:

- stages added, removed, reordered or changed; actions added, removed or changed, with each
  changed key (configuration included) before and after;
- resources added, removed, modified, and replaced: a change to a property that the resource
  type's registry schema marks `createOnlyProperties` (the schemas cfn-lint bundles) makes
  CloudFormation replace the resource, so it is called out;
- IAM statements broadened or narrowed: actions, resources, principals and conditions that a
  matching statement gains or loses, whole statements added or removed, managed policies
  attached or detached (in roles, policies, and resource policies of buckets, keys, topics,
  queues).

It is a report, not a gate: the command exits 0 whatever the diff (`pipegen check` fails on a
stale template). The same data renders as text, Markdown (a pull-request comment) or JSON.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from functools import cache
from typing import Any

from pipegen.pipeview import ActionView, PipelineView, StageView, pipelines, show, unwrap_if

# Keys under which a resource carries an IAM policy document.
POLICY_KEYS = ("PolicyDocument", "AssumeRolePolicyDocument", "KeyPolicy")


@dataclass
class Change:
    key: str
    before: str | None  # None: the key is new
    after: str | None  # None: the key is gone


@dataclass
class Named:
    """A stage, an action or a resource, and what changed about it."""

    name: str
    detail: str = ""  # an action's provider, a resource's type
    changes: list[Change] = field(default_factory=list)


@dataclass
class StatementChange:
    where: str  # PipelineRole / policy pipeline
    effect: str
    summary: str  # the statement's actions, shortened, to recognise it
    statement: str  # "added" | "removed" | "changed"
    added: dict[str, list[str]] = field(default_factory=dict)  # actions/resources/...
    removed: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class PipelineDiff:
    spec: str
    pipeline: str  # logical id (or "old -> new" when paired across ids)
    compared_with: str  # what the fresh compile is compared with
    new: bool = False  # nothing to compare with: everything is added
    stages_added: list[str] = field(default_factory=list)
    stages_removed: list[str] = field(default_factory=list)
    stage_order: dict[str, list[str]] | None = None  # {before: [...], after: [...]}
    stages_changed: list[Named] = field(default_factory=list)
    actions_added: list[Named] = field(default_factory=list)  # name: Stage/Action
    actions_removed: list[Named] = field(default_factory=list)
    actions_changed: list[Named] = field(default_factory=list)
    resources_added: list[Named] = field(default_factory=list)
    resources_removed: list[Named] = field(default_factory=list)
    resources_replaced: list[Named] = field(default_factory=list)
    resources_modified: list[Named] = field(default_factory=list)
    iam_broadened: list[StatementChange] = field(default_factory=list)
    iam_narrowed: list[StatementChange] = field(default_factory=list)
    # Parameters, Outputs, Conditions, Mappings: "Parameters.Env" with what changed
    template_changed: list[Named] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not any(v for k, v in asdict(self).items()
                       if k not in ("spec", "pipeline", "compared_with", "new"))


# --- pipelines

def _action_detail(a: ActionView) -> str:
    return f"{a.category}: {a.provider}" + (f" ({a.mode})" if a.mode else "")


def _flat(value: Any, prefix: str) -> dict[str, str]:
    """A value as dotted keys -> shown leaves (Configuration.StackName -> 'orders')."""
    if isinstance(value, dict) and value and not _is_intrinsic(value):
        out = {}
        for k in sorted(value):
            out.update(_flat(value[k], f"{prefix}.{k}" if prefix else str(k)))
        return out
    return {prefix: show(value)}


def _is_intrinsic(value: dict) -> bool:
    return len(value) == 1 and next(iter(value)) in ("Ref", "Condition") or \
        len(value) == 1 and next(iter(value)).startswith("Fn::")


def _changes(before: dict[str, str], after: dict[str, str]) -> list[Change]:
    return [Change(k, before.get(k), after.get(k)) for k in sorted(set(before) | set(after))
            if before.get(k) != after.get(k)]


def _action_fields(a: ActionView) -> dict[str, str]:
    fields = a.fields()
    out = {}
    for key, value in fields.items():
        if key in ("InputArtifacts", "OutputArtifacts") or isinstance(value, list):
            out[key] = ", ".join(map(show, value))
        else:
            out.update(_flat(value, key))
    out.update(_flat(a.configuration, "Configuration") if a.configuration else {})
    return out


def _stage_fields(s: StageView) -> dict[str, str]:
    out = _flat(s.settings, "") if s.settings else {}
    if s.condition:
        out["Condition"] = s.condition
    return out


def diff_pipelines(old: PipelineView | None, new: PipelineView, out: PipelineDiff) -> None:
    old_stages = {s.name: s for s in old.stages} if old else {}
    new_stages = {s.name: s for s in new.stages}
    out.stages_added = [s.name for s in new.stages if s.name not in old_stages]
    out.stages_removed = [s.name for s in (old.stages if old else ()) if s.name not in new_stages]
    common_before = [s for s in old_stages if s in new_stages]
    common_after = [s for s in new_stages if s in old_stages]
    if common_before != common_after:
        out.stage_order = {"before": list(old_stages), "after": list(new_stages)}
    for stage in new.stages:
        before = old_stages.get(stage.name)
        if before is None:
            out.actions_added += [Named(f"{stage.name}/{a.name}", _action_detail(a))
                                  for a in stage.actions]
            continue
        changes = _changes(_stage_fields(before), _stage_fields(stage))
        if changes:
            out.stages_changed.append(Named(stage.name, changes=changes))
        old_actions = {a.name: a for a in before.actions}
        new_actions = {a.name: a for a in stage.actions}
        for a in stage.actions:
            if a.name not in old_actions:
                out.actions_added.append(Named(f"{stage.name}/{a.name}", _action_detail(a)))
                continue
            changes = _changes(_action_fields(old_actions[a.name]), _action_fields(a))
            if changes:
                out.actions_changed.append(Named(f"{stage.name}/{a.name}", _action_detail(a),
                                                 changes))
        out.actions_removed += [Named(f"{stage.name}/{a.name}", _action_detail(a))
                                for a in before.actions if a.name not in new_actions]
    for stage in old.stages if old else ():
        if stage.name not in new_stages:
            out.actions_removed += [Named(f"{stage.name}/{a.name}", _action_detail(a))
                                    for a in stage.actions]


# --- resources

@cache
def create_only(resource_type: str) -> tuple[tuple[str, ...], ...]:
    """The property paths whose change replaces a resource (cfn-lint's registry schemas)."""
    from cfnlint.schema import PROVIDER_SCHEMA_MANAGER

    try:
        schema = PROVIDER_SCHEMA_MANAGER.get_resource_schema("us-east-1", resource_type).schema
    except Exception:  # an unknown type (custom resources, modules): nothing known to replace
        return ()
    out = []
    for pointer in schema.get("createOnlyProperties") or []:
        parts = pointer.split("/")
        if parts[:2] == ["", "properties"]:
            out.append(tuple(parts[2:]))
    return tuple(out)


def _paths(value: Any, prefix: tuple = ()) -> dict[tuple, str]:
    """Leaves of a value by path (lists indexed), intrinsics kept whole."""
    if isinstance(value, dict) and value and not _is_intrinsic(value):
        out = {}
        for k in sorted(value):
            out.update(_paths(value[k], (*prefix, str(k))))
        return out
    if isinstance(value, list) and value:
        out = {}
        for i, item in enumerate(value):
            out.update(_paths(item, (*prefix, str(i))))
        return out
    return {prefix: show(value)}


def _matches(changed: tuple, pointer: tuple) -> bool:
    """A changed path lies under (or above) a create-only pointer; '*' is any list index."""
    return all(p in ("*", c) for c, p in zip(changed, pointer, strict=False))


def _replaced_by(rtype: str, changed: list[tuple]) -> list[tuple]:
    return [c for c in changed if any(_matches(c, p) for p in create_only(rtype))]


def diff_resources(old: dict, new: dict, out: PipelineDiff) -> None:
    for rid in sorted(set(new) - set(old)):
        out.resources_added.append(Named(rid, _type(new[rid])))
    for rid in sorted(set(old) - set(new)):
        out.resources_removed.append(Named(rid, _type(old[rid])))
    for rid in sorted(set(old) & set(new)):
        if old[rid] == new[rid]:
            continue
        # A hand-written template may hold anything; a resource that is not a mapping is
        # compared as an empty one (its Type shows as "?").
        before = old[rid] if isinstance(old[rid], dict) else {}
        after = new[rid] if isinstance(new[rid], dict) else {}
        rtype = _type(after)
        if _type(before) != rtype:
            out.resources_replaced.append(Named(rid, rtype, [Change("Type", _type(before),
                                                                    rtype)]))
            continue
        bp = _paths(before.get("Properties") or {})
        ap = _paths(after.get("Properties") or {})
        changed = sorted(k for k in set(bp) | set(ap) if bp.get(k) != ap.get(k))
        changes = [Change(".".join(("Properties", *k)), bp.get(k), ap.get(k)) for k in changed]
        changes += [Change(k, show(before[k]) if k in before else None,
                           show(after[k]) if k in after else None)
                    for k in sorted(set(before) | set(after))
                    if k not in ("Properties", "Type") and before.get(k) != after.get(k)]
        replaced = {".".join(("Properties", *c)) for c in _replaced_by(rtype, changed)}
        if replaced:
            out.resources_replaced.append(Named(rid, rtype, [
                c for c in changes if c.key in replaced]))
        elif changes:
            out.resources_modified.append(Named(rid, rtype, changes))


SECTIONS = ("Parameters", "Conditions", "Mappings", "Outputs")


def diff_sections(old: dict | None, new: dict, out: PipelineDiff) -> None:
    """Entries of the template's other sections added, removed or changed."""
    for section in SECTIONS:
        before = (old or {}).get(section) or {}
        after = new.get(section) or {}
        if not isinstance(before, dict) or not isinstance(after, dict):
            continue
        for name in sorted(set(before) | set(after)):
            if before.get(name) == after.get(name):
                continue
            if name not in before:
                detail = "added"
            elif name not in after:
                detail = "removed"
            else:
                detail = "changed"
            changes = [] if detail != "changed" else _changes(
                _flat(before[name], ""), _flat(after[name], ""))
            out.template_changed.append(Named(f"{section}.{name}", detail, changes))


def _type(resource: Any) -> str:
    return show(resource.get("Type")) if isinstance(resource, dict) else "?"


# --- IAM

@dataclass(frozen=True)
class _Statement:
    sid: str | None
    effect: str
    parts: dict  # actions/resources/principals/conditions -> frozenset[str]


_PARTS = (("actions", ("Action", "NotAction")), ("resources", ("Resource", "NotResource")),
          ("principals", ("Principal", "NotPrincipal")))


def _items(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _statement(raw: Any) -> _Statement | None:
    raw, condition = unwrap_if(raw)
    if not isinstance(raw, dict):
        return None
    parts: dict[str, frozenset[str]] = {}
    for part, keys in _PARTS:
        values = set()
        for key in keys:
            if key not in raw:
                continue
            neg = "not " if key.startswith("Not") else ""
            value = raw[key]
            if part == "principals" and isinstance(value, dict) and not _is_intrinsic(value):
                values |= {f"{neg}{kind}:{show(v)}" for kind, vs in sorted(value.items())
                           for v in _items(vs)}
            else:
                values |= {neg + show(v) for v in _items(value)}
        parts[part] = frozenset(values)
    conditions = set()
    if isinstance(raw.get("Condition"), dict):
        for op, kv in raw["Condition"].items():
            if isinstance(kv, dict):
                conditions |= {f"{op} {k} = {', '.join(show(v) for v in _items(vs))}"
                               for k, vs in kv.items()}
            else:
                conditions.add(f"{op} {show(kv)}")
    if condition:
        conditions.add(f"(template condition {condition})")
    parts["conditions"] = frozenset(conditions)
    return _Statement(show(raw["Sid"]) if "Sid" in raw else None, show(raw.get("Effect")), parts)


def _documents(resources: dict) -> dict[str, list[_Statement]]:
    """'Id / where' -> statements, for every policy document in the template."""
    out: dict[str, list[_Statement]] = {}

    def walk(value: Any, rid: str, where: str) -> None:
        if isinstance(value, dict):
            name = value.get("PolicyName")
            for key, sub in value.items():
                if key in POLICY_KEYS and isinstance(sub, dict):
                    label = f"policy {show(name)}" if name is not None else _label(key, where)
                    stmts = [s for s in map(_statement, _items(sub.get("Statement", [])))
                             if s is not None]
                    out[f"{rid} {label}"] = stmts
                else:
                    walk(sub, rid, key)
        elif isinstance(value, list):
            for item in value:
                walk(unwrap_if(item)[0], rid, where)

    for rid, resource in sorted(resources.items()):
        if isinstance(resource, dict):
            walk(resource.get("Properties") or {}, rid, "")
            props = resource.get("Properties") or {}
            if isinstance(props, dict) and "ManagedPolicyArns" in props:
                out[f"{rid} managed policies"] = [_Statement(None, "Allow", {
                    "managed policies": frozenset(show(v) for v in
                                                  _items(props["ManagedPolicyArns"]))})]
    return out


def _label(key: str, where: str) -> str:
    return {"AssumeRolePolicyDocument": "trust policy", "KeyPolicy": "key policy"}.get(
        key, "policy" if not where or where == "Properties" else f"{where} policy")


def _summary(s: _Statement) -> str:
    actions = sorted(s.parts.get("actions", ())) or sorted(s.parts.get("managed policies", ()))
    head = ", ".join(actions[:3]) + (f", +{len(actions) - 3} more" if len(actions) > 3 else "")
    return (f"{s.sid}: " if s.sid else "") + (head or "(no actions)")


def _score(a: _Statement, b: _Statement) -> int:
    if a.effect != b.effect:
        return -1
    if a.sid and a.sid == b.sid:
        return 10_000
    return sum(len(a.parts.get(k, frozenset()) & b.parts.get(k, frozenset()))
               for k in ("actions", "resources", "principals", "managed policies"))


def diff_iam(old: dict, new: dict, out: PipelineDiff) -> None:
    before, after = _documents(old), _documents(new)
    for where in sorted(set(before) | set(after)):
        olds, news = list(before.get(where, [])), list(after.get(where, []))
        unchanged = [s for s in news if s in olds]
        for s in unchanged:
            olds.remove(s)
            news.remove(s)
        pairs = []
        while olds and news:
            score, o, n = max(((_score(o, n), o, n) for o in olds for n in news),
                              key=lambda t: t[0])
            if score <= 0:
                break
            pairs.append((o, n))
            olds.remove(o)
            news.remove(n)
        for n in news:
            _record(out, StatementChange(where, n.effect, _summary(n), "added",
                                         added=_nonempty(n.parts)), n.effect == "Allow")
        for o in olds:
            _record(out, StatementChange(where, o.effect, _summary(o), "removed",
                                         removed=_nonempty(o.parts)), o.effect != "Allow")
        for o, n in pairs:
            added = {k: sorted(n.parts.get(k, frozenset()) - o.parts.get(k, frozenset()))
                     for k in n.parts}
            removed = {k: sorted(o.parts.get(k, frozenset()) - n.parts.get(k, frozenset()))
                       for k in o.parts}
            added, removed = _nonempty(added), _nonempty(removed)
            change = StatementChange(where, n.effect, _summary(n), "changed", added, removed)
            # More actions, resources or principals, or fewer conditions, allow more.
            wider = any(k != "conditions" for k in added) or "conditions" in removed
            narrower = any(k != "conditions" for k in removed) or "conditions" in added
            allow = n.effect == "Allow"
            if wider:
                _record(out, _half(change, widening=True), allow)
            if narrower:
                _record(out, _half(change, widening=False), not allow)


def _half(change: StatementChange, widening: bool) -> StatementChange:
    """The widening (or narrowing) half of a statement change."""
    if widening:  # additions, and removed conditions
        return StatementChange(change.where, change.effect, change.summary, change.statement,
                               {k: v for k, v in change.added.items() if k != "conditions"},
                               {k: v for k, v in change.removed.items() if k == "conditions"})
    return StatementChange(change.where, change.effect, change.summary, change.statement,
                           {k: v for k, v in change.added.items() if k == "conditions"},
                           {k: v for k, v in change.removed.items() if k != "conditions"})


def _nonempty(parts: dict) -> dict[str, list[str]]:
    return {k: sorted(v) for k, v in parts.items() if v}


def _record(out: PipelineDiff, change: StatementChange, broadens: bool) -> None:
    (out.iam_broadened if broadens else out.iam_narrowed).append(change)


# --- the whole comparison

def _resources(template: dict | None) -> dict:
    res = template.get("Resources") if isinstance(template, dict) else None
    return res if isinstance(res, dict) else {}


def compare(old: dict | None, new: dict, spec: str, compared_with: str) -> list[PipelineDiff]:
    """One PipelineDiff per pipeline of the new template (resources and IAM on the first)."""
    new_views = pipelines(new)
    old_views = {v.logical_id: v for v in pipelines(old)} if old else {}
    results = []
    for i, view in enumerate(new_views or [PipelineView("(no pipeline)", ())]):
        before = old_views.get(view.logical_id)
        label = view.logical_id
        if before is None and len(new_views) == 1 and len(old_views) == 1:
            before = next(iter(old_views.values()))  # a hand-written pipeline's other id
            label = f"{before.logical_id} -> {view.logical_id}"
        d = PipelineDiff(spec, label, compared_with, new=old is None)
        diff_pipelines(before, view, d)
        if i == 0:
            diff_resources(_resources(old), _resources(new), d)
            diff_iam(_resources(old), _resources(new), d)
            diff_sections(old, new, d)
        results.append(d)
    return results


# --- rendering

def _short(value: str | None, limit: int = 120) -> str:
    if value is None:
        return "(none)"
    return value if len(value) <= limit else value[:limit - 3] + "..."


def _iam_text(c: StatementChange) -> str:
    bits = [f"+{k}: {', '.join(v)}" for k, v in c.added.items()] + \
        [f"-{k}: {', '.join(v)}" for k, v in c.removed.items()]
    return f"{c.where}: {c.statement} {c.effect} statement [{c.summary}]" + (
        "; " + "; ".join(bits) if bits else "")


def text(diffs: list[PipelineDiff]) -> str:
    out = []
    for d in diffs:
        out.append(f"{d.spec}: pipeline {d.pipeline} against {d.compared_with}"
                   + (" (new: nothing to compare with)" if d.new else ""))
        if d.empty:
            out.append("  no changes")
            continue
        lines = []
        lines += [f"  + stage {s}" for s in d.stages_added]
        lines += [f"  - stage {s}" for s in d.stages_removed]
        if d.stage_order:
            lines.append(f"  ~ stage order: {', '.join(d.stage_order['before'])} -> "
                         f"{', '.join(d.stage_order['after'])}")
        for n in d.stages_changed:
            lines.append(f"  ~ stage {n.name}")
            lines += [f"      {c.key}: {_short(c.before)} -> {_short(c.after)}" for c in n.changes]
        lines += [f"  + action {n.name} ({n.detail})" for n in d.actions_added]
        lines += [f"  - action {n.name} ({n.detail})" for n in d.actions_removed]
        for n in d.actions_changed:
            lines.append(f"  ~ action {n.name} ({n.detail})")
            lines += [f"      {c.key}: {_short(c.before)} -> {_short(c.after)}" for c in n.changes]
        lines += [f"  + resource {n.name} ({n.detail})" for n in d.resources_added]
        lines += [f"  - resource {n.name} ({n.detail})" for n in d.resources_removed]
        for n in d.resources_replaced:
            lines.append(f"  ! resource {n.name} ({n.detail}) is REPLACED: CloudFormation "
                         "creates a new one and deletes the old")
            lines += [f"      {c.key}: {_short(c.before)} -> {_short(c.after)}" for c in n.changes]
        for n in d.resources_modified:
            lines.append(f"  ~ resource {n.name} ({n.detail}): {_top_keys(n.changes)}")
        lines += [f"  IAM broadened: {_iam_text(c)}" for c in d.iam_broadened]
        lines += [f"  IAM narrowed: {_iam_text(c)}" for c in d.iam_narrowed]
        for n in d.template_changed:
            mark = {"added": "+", "removed": "-"}.get(n.detail, "~")
            lines.append(f"  {mark} {n.name}" + (" (changed)" if mark == "~" else ""))
            lines += [f"      {c.key or '(value)'}: {_short(c.before)} -> {_short(c.after)}"
                      for c in n.changes]
        out += lines
    return "\n".join(out) + "\n"


def _top_keys(changes: list[Change], quote: str = "") -> str:
    """Properties.Policies.0.X -> Properties.Policies: what a modified resource changed."""
    keys = dict.fromkeys(".".join(c.key.split(".")[:2]) if c.key.startswith("Properties.")
                         else c.key for c in changes)
    return ", ".join(f"{quote}{k}{quote}" for k in keys)


def _md(value: str | None) -> str:
    if value is None:
        return "*(none)*"
    value = _short(value, 200).replace("`", "'").replace("|", "\\|")
    return f"`{value}`"


def _md_list(values: list[str]) -> str:
    return "<br>".join(_md(v) for v in values)


def markdown(diffs: list[PipelineDiff]) -> str:
    changed = [d for d in diffs if not d.empty]
    out = ["## pipegen diff", "",
           f"{len(changed)} of {len(diffs)} pipeline(s) change.", ""]
    for d in changed:
        out.append(f"### `{d.spec}`: pipeline `{d.pipeline}`")
        out.append("")
        out.append(f"Compared with `{d.compared_with}`"
                   + (" (new: nothing to compare with)." if d.new else "."))
        out.append("")
        if d.resources_replaced:
            names = ", ".join(f"`{n.name}`" for n in d.resources_replaced)
            out += [f"> [!WARNING]\n> Replaced by CloudFormation (a new resource, the old one "
                    f"deleted): {names}", ""]
        if d.iam_broadened:
            out += [f"> [!IMPORTANT]\n> {len(d.iam_broadened)} IAM statement change(s) "
                    "broaden permissions: review them below.", ""]
        rows = [(f"added stage `{s}`", "") for s in d.stages_added]
        rows += [(f"removed stage `{s}`", "") for s in d.stages_removed]
        if d.stage_order:
            rows.append(("reordered stages", f"{_md(', '.join(d.stage_order['before']))} → "
                         f"{_md(', '.join(d.stage_order['after']))}"))
        rows += [(f"changed stage `{n.name}`", _md_changes(n.changes)) for n in d.stages_changed]
        rows += [(f"added action `{n.name}`", n.detail) for n in d.actions_added]
        rows += [(f"removed action `{n.name}`", n.detail) for n in d.actions_removed]
        rows += [(f"changed action `{n.name}`", _md_changes(n.changes))
                 for n in d.actions_changed]
        if rows:
            out += ["| pipeline | details |", "|---|---|"]
            out += [f"| {a} | {b} |" for a, b in rows]
            out.append("")
        rows = [("added", n.name, n.detail, "") for n in d.resources_added]
        rows += [("removed", n.name, n.detail, "") for n in d.resources_removed]
        rows += [("**replaced**", n.name, n.detail, _md_changes(n.changes))
                 for n in d.resources_replaced]
        rows += [("modified", n.name, n.detail, _top_keys(n.changes, "`"))
                 for n in d.resources_modified]
        if rows:
            out += ["| resource | logical id | type | details |", "|---|---|---|---|"]
            out += [f"| {a} | `{b}` | `{c}` | {e} |" for a, b, c, e in rows]
            out.append("")
        if d.template_changed:
            out += ["| template | entry | details |", "|---|---|---|"]
            out += [f"| {n.detail} | `{n.name}` | {_md_changes(n.changes)} |"
                    for n in d.template_changed]
            out.append("")
        changes = [("broadened", c) for c in d.iam_broadened] + \
            [("narrowed", c) for c in d.iam_narrowed]
        if changes:
            out += ["| IAM | where | statement | added | removed |", "|---|---|---|---|---|"]
            for kind, c in changes:
                out.append(f"| {kind} | `{c.where}` | {c.statement} {c.effect} "
                           f"{_md(c.summary)} | {_md_parts(c.added)} | {_md_parts(c.removed)} |")
            out.append("")
    unchanged = [d for d in diffs if d.empty]
    if unchanged:
        out += ["No changes: " + ", ".join(f"`{d.spec}`" for d in unchanged) + ".", ""]
    return "\n".join(out)


def _md_changes(changes: list[Change]) -> str:
    return "<br>".join(f"`{c.key}`: {_md(c.before)} → {_md(c.after)}" for c in changes)


def _md_parts(parts: dict[str, list[str]]) -> str:
    return "<br>".join(f"{k}: {_md_list(v)}" for k, v in parts.items())


def as_json(diffs: list[PipelineDiff]) -> str:
    return json.dumps({"pipelines": [asdict(d) for d in diffs]}, indent=2, sort_keys=True) + "\n"


def render(diffs: list[PipelineDiff], fmt: str) -> str:
    return {"text": text, "markdown": markdown, "json": as_json}[fmt](diffs)


# --- reading what to compare with

class CompareError(Exception):
    """A template to compare with cannot be read (PG610) or a git ref cannot (PG611)."""

    def __init__(self, code: str, message: str, hint: str):
        super().__init__(message)
        self.code, self.message, self.hint = code, message, hint


def parse_template(text: str, name: str) -> dict:
    """A CloudFormation template, JSON or YAML with short-form tags (cfn-lint's decoder)."""
    from cfnlint.decode import decode_str

    template, matches = decode_str(text)
    if template is None or not isinstance(template, dict):
        why = matches[0].message if matches else "not a mapping"
        raise CompareError("PG610", f"cannot read {name} as a CloudFormation template: {why}",
                           "give a JSON or YAML CloudFormation template")
    return json.loads(json.dumps(template))  # cfn-lint's node types -> plain data


def read_template(path) -> dict:
    from pathlib import Path

    try:
        text = Path(path).read_text("utf-8")
    except (OSError, UnicodeDecodeError) as e:
        reason = getattr(e, "strerror", None) or str(e)
        raise CompareError("PG610", f"cannot read {path}: {reason}",
                           "check the path of the template to compare with") from None
    return parse_template(text, str(path))


def template_at(directory, name: str, ref: str) -> dict | None:
    """DIR/NAME as committed at REF (git show); None when the file is not in that commit."""
    import subprocess

    def git(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(["git", "-C", str(directory), *args], capture_output=True,
                              text=True)

    try:
        found = git("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    except OSError as e:
        raise CompareError("PG611", f"cannot run git for --base {ref}: {e.strerror}",
                           "install git, or compare with the working tree (omit --base)") \
            from None
    if found.returncode != 0:
        why = found.stderr.strip().splitlines()[-1] if found.stderr.strip() else \
            f"no commit {ref!r}"
        raise CompareError("PG611", f"--base {ref}: {why}",
                           "name a commit, branch or tag of the repository that holds "
                           f"{directory} (in CI, fetch the base branch first: "
                           "`git fetch origin BASE --depth=1`)")
    shown = git("show", f"{ref}:./{name}")
    if shown.returncode != 0:
        return None
    return parse_template(shown.stdout, f"{directory}/{name} at {ref}")


TEMPLATE_SUFFIXES = (".json", ".yaml", ".yml", ".template")


def _committed(directory, stem: str, base: str | None) -> tuple[dict | None, str]:
    """The template to compare a spec with, and how to name it in the report."""
    from pathlib import Path

    directory = Path(directory)
    for suffix in TEMPLATE_SUFFIXES:
        name = stem + suffix
        if base is not None:
            found = template_at(directory, name, base)
            if found is not None:
                return found, f"{directory / name} at {base}"
        elif (directory / name).is_file():
            return read_template(directory / name), str(directory / name)
    where = f"{directory / (stem + '.json')}" + (f" at {base}" if base else "")
    return None, where


def diff_specs(specs, templates=None, base=None, against=None):
    """Compile each spec (no lint) and compare; returns (diffs, [(spec, diagnostics)])."""
    from pipegen.compiler import compile_spec
    from pipegen.errors import SpecError, diag

    diffs: list[PipelineDiff] = []
    problems = []
    for spec in specs:
        try:
            compiled = compile_spec(spec, "json", None)
        except SpecError as e:
            problems.append((spec, e.diagnostics))
            continue
        try:
            if against is not None:
                old, label = read_template(against), str(against)
            else:
                old, label = _committed(templates, spec.stem, base)
        except CompareError as e:
            problems.append((spec, [diag(e.code, e.message, hint=e.hint)]))
            continue
        diffs += compare(old, compiled.template, str(spec), label)
    return diffs, problems
