"""Which spec keys take CloudFormation intrinsics and `#{ns.var}` references: one table.

SPEC.md states one rule (its opening section): a key whose value CloudFormation could take as
an intrinsic takes one, except the keys pipegen reads to decide structure. The table is derived
from the composed schema, so it cannot disagree with validation: a key takes intrinsics exactly
when its schema admits `#/$defs/intrinsic`. Three things use it:

- the docs (`python -m pipegen.intrinsic_keys > docs/intrinsics.md`, checked by a test),
- the schema errors: an intrinsic in a literal-only key is PG207 with `literal_reason`,
- the property test (tests/test_intrinsics_table.py), which puts `!Ref`, `!Sub`, `!If` and,
  where allowed, `#{ns.var}` into every intrinsic-capable key and an intrinsic into every
  literal-only one.

`#{ns.var}` references resolve when the pipeline runs, inside an action's Configuration; a key
takes them when its value is written there (VARIABLE_KEYS). Where such a value also names a
policy resource, the policy is widened (PG384).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from functools import cache
from typing import Any

# Keys written into a (non-source) action's Configuration, where CodePipeline resolves
# #{namespace.variable} at run time; by schema fragment, then dotted key ("*" = any entry).
# Keys whose literal form pipegen validates as an ARN or address (an approval's topic and
# link, a role, a function or state machine ARN) are not listed: their literal check would
# refuse the reference.
VARIABLE_KEYS: dict[str, frozenset[str]] = {
    # A stage's variable check reads a variable (the rule's Configuration, resolved at run time).
    "": frozenset(f"{c}.rules[].variable_check.variable"
                  for c in ("on_failure", "on_success", "before_entry")),
    "actions/codebuild.json": frozenset({"project", "environment_variables.*"}),
    "actions/cloudformation.json": frozenset({
        "stack", "change_set", "template", "template_configuration", "parameter_overrides.*",
        "output_file"}),
    "actions/manual.json": frozenset({"message"}),
    "actions/lambda_invoke.json": frozenset({"user_parameters"}),
    "actions/step_functions.json": frozenset({"input", "input_file", "execution_name_prefix"}),
    "actions/s3_deploy.json": frozenset({"bucket", "key", "cache_control"}),
    "actions/ecs.json": frozenset({"cluster", "service", "image_definitions"}),
    "actions/beanstalk.json": frozenset({"application", "environment"}),
    "actions/lambda_deploy.json": frozenset({"function", "alias", "version"}),
    "actions/devicefarm.json": frozenset({"app", "test", "test_spec"}),
}

# Why a key pipegen reads must be literal, and what to write instead; by key name.
_STRUCTURE = ("pipegen reads it to decide the pipeline's structure (which resources and "
              "actions to emit)")
LITERAL_REASONS: dict[str, str] = {
    "name": "names become logical ids and are what `after:`, inputs and errors refer to; "
            "to vary the deployed name, use `pipeline_name` (or the project's `name`)",
    "provider": "it selects the provider, and so which keys apply",
    "type": "it selects the action type (or pipeline type), and so which keys apply",
    "trigger": _STRUCTURE + ": a rule, a webhook or polling",
    "filters": _STRUCTURE + " (v2 triggers)",
    "format": _STRUCTURE,
    "mode": _STRUCTURE + " (a change set expands into several actions)",
    "approve": _STRUCTURE + " (an approval step)",
    "strategy": _STRUCTURE + " (a strategy may add resources and actions)",
    "output": "artifact names are checked for flow before anything is emitted",
    "outputs": "artifact names are checked for flow before anything is emitted",
    "inputs": "artifact names are checked for flow before anything is emitted",
    "primary_source": "it must name one of the action's inputs, checked before emitting",
    "namespace": "output-variable namespaces are CodePipeline's own names, fixed in the "
                 "pipeline",
    "when": "a condition's name: write `when: NAME` and declare NAME under `conditions:`",
    "execution_mode": "v1/v2 rules are checked against it before emitting",
    "source_stage": "stage names are fixed in the pipeline",
    "after": "it names actions of the same stage, to compute RunOrder",
    "run_order": "pipegen checks it against `after:` and artifact flow",
    "identifier": "it names the CODEBUILD_<identifier> environment variable",
}


@dataclass(frozen=True)
class Key:
    """One spec key: where it is, and what it takes."""

    path: str  # e.g. stages[].actions[deploy/cloudformation].change_set
    fragment: str | None  # the provider's schema fragment, None for the common keys
    key: str  # the dotted key inside its node, e.g. project.logs.group
    intrinsic: bool
    variables: bool
    reason: str | None  # why it is literal (None when it takes intrinsics)


def literal_reason(key: str, schema: dict | None = None) -> str:
    """Why the key must be literal: from its name, else from the kind of value it takes."""
    if key in LITERAL_REASONS:
        return LITERAL_REASONS[key]
    kinds = _kinds(schema or {})
    if kinds & {"boolean"}:
        return "pipegen translates true/false into what it emits"
    if kinds & {"enum"}:
        return "an enumerated choice that pipegen maps to CloudFormation's own value"
    if kinds & {"integer", "number"}:
        return "pipegen checks and converts the number before emitting"
    if kinds & {"duration"}:
        return "pipegen converts the duration into the property's unit"
    return "pipegen reads the value to build the template"


def _kinds(schema: dict) -> set[str]:
    from pipegen.schema import _alternatives

    out = set()
    for leaf in _alternatives(schema):
        t = leaf.get("type")
        out |= set(t) if isinstance(t, list) else {t} if t else set()
        if "enum" in leaf or "const" in leaf:
            out.add("enum")
        if leaf.get("pattern", "").startswith("^[0-9]+(s|m|h|d)$"):
            out.add("duration")
    return out


@cache
def table() -> tuple[Key, ...]:
    """Every structured spec key, in schema order."""
    from pipegen import providers
    from pipegen.schema import composed

    schema = composed()
    defs = schema["$defs"]
    out: list[Key] = []
    skip = {"parameters", "mappings", "conditions", "resources", "outputs", "overrides", "tags",
            "variables", "acknowledge", "pipegen", "transform", "sources", "stages"}
    _walk(schema, "", None, "", out, defs, skip)
    _walk(defs["source"], "sources[]", None, "", out, defs, set())
    for name, p in sorted(providers.sources().items()):
        _walk(_read(p.schema), f"sources[{name}]", p.schema, "", out, defs, set(),
              set(p.not_applicable))
    _walk(defs["stage"], "stages[]", None, "", out, defs, {"actions"})
    _walk(defs["action"], "stages[].actions[]", None, "", out, defs, {"configuration"})
    seen: set[str] = set()
    for _, p in sorted(providers.actions().items()):
        if p.schema in seen:
            continue
        seen.add(p.schema)
        sharing = [k for k in sorted(providers.actions()) if
                   providers.actions()[k].schema == p.schema]
        kinds = "|".join(f"{k}/{n}" for k, n in sharing)
        # A key is left out when every provider of the fragment refuses it.
        refused = set.intersection(*(set(providers.actions()[k].not_applicable)
                                     for k in sharing))
        _walk(_read(p.schema), f"stages[].actions[{kinds}]", p.schema, "", out, defs, set(),
              refused)
    return tuple(out)


def _read(fragment: str) -> dict:
    from pipegen.schema import _read as read

    return read(fragment)


def _resolve(node: Any, defs: dict) -> Any:
    seen = 0
    while isinstance(node, dict) and "$ref" in node and seen < 10:
        target = defs.get(node["$ref"].rsplit("/", 1)[-1], {})
        node = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
        seen += 1
    return node


def _is_intrinsic(node: Any, defs: dict, depth: int = 0) -> bool:
    if not isinstance(node, dict) or depth > 8:
        return False
    if node.get("$ref") == "#/$defs/intrinsic":
        return True
    if "$ref" in node:
        return _is_intrinsic(defs.get(node["$ref"].rsplit("/", 1)[-1]), defs, depth + 1)
    return any(_is_intrinsic(b, defs, depth + 1) for b in node.get("anyOf", []) +
               node.get("oneOf", []))


def _objects(node: dict, defs: dict) -> list[dict]:
    """The object forms of a node (itself, or its object alternatives)."""
    node = _resolve(node, defs)
    if not isinstance(node, dict) or _is_intrinsic_def(node):
        return []
    forms = [node] if "properties" in node else []
    for alt in node.get("anyOf", []) + node.get("oneOf", []):
        alt = _resolve(alt, defs)
        if isinstance(alt, dict) and "properties" in alt and not _is_intrinsic_def(alt):
            forms.append(alt)
    return forms


def _is_intrinsic_def(node: dict) -> bool:
    names = node.get("propertyNames", {})
    return isinstance(names, dict) and "Ref" in names.get("enum", ())


def _scalar(node: dict, defs: dict) -> bool:
    node = _resolve(node, defs)
    if not isinstance(node, dict):
        return False
    if "enum" in node or "const" in node or node.get("type") in ("string", "boolean",
                                                                 "integer", "number"):
        return True
    return any(_scalar(a, defs) for a in node.get("anyOf", []) + node.get("oneOf", [])
               if not _is_intrinsic(a, defs))


def _walk(node: dict, prefix: str, fragment: str | None, inner: str, out: list[Key],
          defs: dict, skip: set, refused: set = frozenset()) -> None:
    """Keys under `node`; `skip` names keys of this level to leave out, `refused` dotted
    keys (at any depth) that the provider refuses (Provider.not_applicable)."""
    if inner.count(".") > 6:
        return
    for form in _objects(node, defs):
        for key, sub in form.get("properties", {}).items():
            dotted = f"{inner}.{key}" if inner else key
            if key in skip or dotted in refused or any(
                    k.path == _join(prefix, inner, key) for k in out):
                continue
            _entry(sub, prefix, fragment, dotted, out, defs, refused)


def _join(prefix: str, inner: str, key: str) -> str:
    dotted = f"{inner}.{key}" if inner else key
    return f"{prefix}.{dotted}" if prefix else dotted


def _entry(sub: dict, prefix: str, fragment: str | None, dotted: str, out: list[Key],
           defs: dict, refused: set = frozenset()) -> None:
    resolved = _resolve(sub, defs)
    intrinsic = _is_intrinsic(sub, defs)
    path = f"{prefix}.{dotted}" if prefix else dotted
    last = dotted.rsplit(".", 1)[-1]
    if intrinsic or _scalar(sub, defs):
        variables = intrinsic and dotted in VARIABLE_KEYS.get(fragment or "", ())
        out.append(Key(path, fragment, dotted, intrinsic, variables,
                       None if intrinsic else literal_reason(last, resolved)))
    elif isinstance(resolved, dict) and resolved.get("type") == "array":
        items = resolved.get("items", {})
        if _scalar(items, defs) or _is_intrinsic(items, defs):
            item_intrinsic = _is_intrinsic(items, defs)
            out.append(Key(path + "[]", fragment, dotted + "[]", item_intrinsic, False,
                           None if item_intrinsic else literal_reason(last, _resolve(items,
                                                                                     defs))))
        else:
            _walk(items, prefix, fragment, dotted + "[]", out, defs, set(), refused)
    if isinstance(resolved, dict) and isinstance(resolved.get("additionalProperties"), dict):
        values = resolved["additionalProperties"]
        if _is_intrinsic(values, defs) or _scalar(values, defs):
            star = _is_intrinsic(values, defs)
            out.append(Key(path + ".*", fragment, dotted + ".*", star,
                           star and dotted + ".*" in VARIABLE_KEYS.get(fragment or "", ()),
                           None if star else literal_reason(last)))
    for form in _objects(sub, defs):
        if form is not resolved or "properties" in resolved:
            _walk(form, prefix, fragment, dotted, out, defs, set(), refused)


def markdown() -> str:
    """docs/intrinsics.md: the table, one row per key."""
    lines = [
        "# Which keys take intrinsics and `#{ns.var}`",
        "",
        "Generated from the schema by `python -m pipegen.intrinsic_keys > docs/intrinsics.md`;",
        "a test fails when this page differs. The rule (SPEC.md, opening section): a key whose",
        "value CloudFormation could take as an intrinsic takes one (`!Ref`, `!Sub`, `!GetAtt`,",
        "`!ImportValue`, `!Join`, `!Select`, `!Split`, `!FindInMap`, `!If`), and every use of",
        "it (an ARN, a policy resource, a log group) stays an intrinsic. Keys pipegen reads to",
        "decide structure stay literal; an intrinsic there is error PG207, which says why.",
        "",
        "`#{ns.var}` (CodePipeline variables) resolve when the pipeline runs, in an action's",
        "Configuration: the keys marked so are written there. Where such a value also names a",
        "policy resource, pipegen widens that resource to the narrowest pattern that still",
        "matches (each reference becomes `*`) and warns (PG384): a policy never contains `#{`.",
        "Durations given as intrinsics resolve in the CloudFormation property's own unit (days",
        "for `expire_after`, minutes for timeouts).",
        "",
        "| key | intrinsics | `#{ns.var}` | literal because |",
        "|---|---|---|---|",
    ]
    for k in table():
        lines.append(f"| `{k.path}` | {'yes' if k.intrinsic else 'no'} | "
                     f"{'yes' if k.variables else 'no'} | {k.reason or ''} |")
    return "\n".join(lines) + "\n"


def main() -> int:
    sys.stdout.write(markdown())
    return 0


if __name__ == "__main__":
    sys.exit(main())
