"""The spec's JSON Schema: composed from fragments, validated, errors turned into diagnostics.

The root (schemas/base.json) lists the common keys; every provider module names a fragment
with its own keys, added here under `if provider == X then fragment`, so a new provider needs
no edit to the root and error messages stay pointed at the offending key. Each jsonschema error
becomes one located Diagnostic with a "did you mean" hint where one helps.
"""

from __future__ import annotations

import difflib
import json
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

import jsonschema

from pipegen import cfn, providers
from pipegen.errors import Diagnostic, SpecError, diag

if TYPE_CHECKING:
    from pipegen.loader import Loaded

# Hints for keys users reach for that the spec language deliberately lacks.
_NO_INTERVAL = ("CodePipeline polling has no interval or frequency: remove the key (codecommit, "
                "s3 and github-v1 sources poll with `trigger: poll`)")
KEY_HINTS = {
    "poll_interval": _NO_INTERVAL,
    "polling_interval": _NO_INTERVAL,
    "poll_frequency": _NO_INTERVAL,
    "frequency": _NO_INTERVAL,
    "branches": "one branch per pipeline: write `branch: NAME` and compile one spec per branch",
    "filters": "`filters` (v2 triggers) apply to connection sources only: github, "
               "github-enterprise, bitbucket, gitlab",
    "connection": "`connection` applies to github, github-enterprise, bitbucket and gitlab "
                  "sources",
    "webhook": "webhooks exist for github-v1 sources only (`trigger: webhook`); connection "
               "sources detect pushes with `trigger: push`",
    "webhook_secret": "webhooks exist for github-v1 sources only (`trigger: webhook`); "
                      "connection sources detect pushes with `trigger: push`",
    "oauth_token": "OAuth tokens are for github-v1 sources only; connection sources use "
                   "`connection`",
}
# Hints for a value a key does not allow, by (key, value).
VALUE_HINTS = {
    ("trigger", "webhook"): "webhooks exist for github-v1 sources only; connection sources "
                            "detect pushes with `trigger: push`, and codecommit, ecr and s3 "
                            "sources use `trigger: events`",
    ("trigger", "poll"): "only codecommit, s3 and github-v1 sources poll; connection sources use "
                         "`trigger: push`, ecr sources `trigger: events`",
    ("trigger", "events"): "EventBridge rules serve codecommit, ecr and s3 sources; connection "
                           "sources use `trigger: push`, github-v1 `trigger: webhook`",
    ("trigger", "push"): "`push` is for connection sources; codecommit, ecr and s3 sources use "
                         "`trigger: events`, github-v1 `trigger: webhook`",
}
# Hints for a wrong type at a key, by key name.
TYPE_HINTS = {
    "branch": "one branch per pipeline: compile one spec per branch instead",
}
# Keys whose value pipegen reads to decide structure: an intrinsic there is PG207.
LITERAL_KEYS = frozenset({
    "name", "provider", "type", "trigger", "filters", "format", "mode", "approve", "strategy",
    "output", "outputs", "inputs", "source_stage", "execution_mode", "when", "namespace",
})


def _read(relative: str) -> dict:
    return json.loads(resources.files("pipegen").joinpath("schemas", relative).read_text("utf-8"))


def _def_key(prefix: str, name: str) -> str:
    return prefix + "_" + "".join(c if c.isalnum() else "_" for c in name)


@cache
def composed() -> dict:
    """The whole schema: the root plus every registered provider's fragment."""
    schema = _read("base.json")
    defs = schema["$defs"]

    source = defs["source"]
    source_providers = providers.sources()
    source["properties"]["provider"]["enum"] = sorted(source_providers)
    for name, p in sorted(source_providers.items()):
        key = _def_key("source", name)
        defs[key] = _read(p.schema)
        source["allOf"].append({
            "if": {"properties": {"provider": {"const": name}}, "required": ["provider"]},
            "then": {"$ref": f"#/$defs/{key}"},
        })

    action = defs["action"]
    action_providers = providers.actions()
    action["properties"]["provider"]["enum"] = sorted({p for _, p in action_providers})
    for t in action["properties"]["type"]["enum"]:
        then: dict[str, Any] = {"properties": {"provider": {"enum": providers.providers_for(t)}}}
        if t not in providers.DEFAULT_PROVIDER:
            then["required"] = ["provider"]
        action["allOf"].append({
            "if": {"properties": {"type": {"const": t}}, "required": ["type"]}, "then": then})
    for (t, name), p in sorted(action_providers.items()):
        key = _def_key("action", p.schema.removesuffix(".json").replace("/", "_"))
        defs.setdefault(key, _read(p.schema))
        required = ["type"] if providers.DEFAULT_PROVIDER.get(t) == name else ["type", "provider"]
        action["allOf"].append({
            "if": {"properties": {"type": {"const": t}, "provider": {"const": name}},
                   "required": required},
            "then": {"$ref": f"#/$defs/{key}"},
        })
    return schema


def published() -> str:
    """The schema as committed to schemas/pipeline.schema.json and printed by `pipegen schema`."""
    return json.dumps(composed(), indent=2, sort_keys=False) + "\n"


@cache
def _validator() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(composed())


def validate(loaded: Loaded) -> None:
    """Raise SpecError with one diagnostic per problem the schema finds."""
    validator = _validator()
    found: dict[tuple, Diagnostic] = {}
    for error in sorted(validator.iter_errors(loaded.data), key=_error_order):
        for d in _diagnose(error, loaded, validator):
            found.setdefault((d.path, d.code, d.message), d)
    if found:
        raise SpecError(_prune(list(found.values())))


def _error_order(e: jsonschema.ValidationError):
    return (list(map(str, e.absolute_path)), e.validator, str(e.message))


def _prune(diags: list[Diagnostic]) -> list[Diagnostic]:
    """Drop follow-on errors: an unknown key inside a node already reported is noise."""
    paths = {d.path for d in diags}
    keep = [d for d in diags
            if not any(d.path[: len(p)] == p and len(p) < len(d.path) for p in paths
                       if _is_blocking(diags, p))]
    return sorted(keep, key=lambda d: (d.span.line if d.span else 0, d.span.col if d.span else 0,
                                       d.code, d.message))


def _is_blocking(diags: list[Diagnostic], path: tuple) -> bool:
    return any(d.path == path and d.code in ("PG203", "PG207") for d in diags)


def _resolve(schema: dict) -> dict:
    ref = schema.get("$ref")
    if ref and ref.startswith("#/$defs/"):
        return composed()["$defs"][ref.removeprefix("#/$defs/")]
    return schema


def _allowed_keys(schema: dict, instance: dict, validator) -> list[str]:
    """Property names an object may have under schema, following matching if/then branches."""
    schema = _resolve(schema)
    keys = list(schema.get("properties", {}))
    for sub in schema.get("allOf", []):
        if "if" in sub and validator.evolve(schema=sub["if"]).is_valid(instance):
            keys += _allowed_keys(sub.get("then", {}), instance, validator)
        elif "if" not in sub:
            keys += _allowed_keys(sub, instance, validator)
    return list(dict.fromkeys(keys))


def _suggest(word: str, options: list[str]) -> str | None:
    match = difflib.get_close_matches(str(word), [str(o) for o in options], n=1, cutoff=0.6)
    return f"did you mean '{match[0]}'?" if match else None


def _type_name(value: Any) -> str:
    if cfn.is_intrinsic(value):
        return "an intrinsic function"
    return {dict: "a mapping", list: "a list", str: "a string", bool: "a boolean",
            int: "an integer", float: "a number", type(None): "null"}.get(type(value), "a value")


_TYPE_WORDS = {"string": "a string", "object": "a mapping", "array": "a list",
               "boolean": "true or false", "integer": "an integer", "number": "a number",
               "null": "null"}


def _expected(schema: dict) -> str:
    """Words for what a (sub)schema accepts, for 'expected ...' messages."""
    schema = _resolve(schema)
    if "const" in schema:
        return json.dumps(schema["const"])
    if "enum" in schema:
        return "one of " + ", ".join(map(str, schema["enum"]))
    if "anyOf" in schema or "oneOf" in schema:
        parts = [_expected(s) for s in schema.get("anyOf", schema.get("oneOf"))]
        return " or ".join(dict.fromkeys(parts))
    if schema.get("propertyNames", {}).get("enum") and schema.get("maxProperties") == 1:
        return "an intrinsic function"
    t = schema.get("type")
    if isinstance(t, list):
        return " or ".join(_TYPE_WORDS.get(x, x) for x in t)
    if "pattern" in schema and t == "string":
        return f"a string matching {schema['pattern']}"
    return _TYPE_WORDS.get(t, "a valid value")


def _diagnose(error: jsonschema.ValidationError, loaded: Loaded, validator) -> list[Diagnostic]:
    path = tuple(error.absolute_path)
    inst = error.instance
    v = error.validator
    span = loaded.span(path)
    last = path[-1] if path else None

    if v in ("unevaluatedProperties", "additionalProperties"):
        allowed = _allowed_keys(error.schema, inst, validator)
        out = []
        for key in sorted(k for k in inst if k not in allowed):
            hint = KEY_HINTS.get(key) or _suggest(key, allowed) or (
                "allowed keys here: " + ", ".join(sorted(allowed)))
            out.append(diag("PG201", f"unknown key '{key}'", loaded.key_span(path + (key,)),
                            path + (key,), hint))
        return out
    if v == "required":
        missing = [k for k in error.validator_value if k not in inst]
        return [diag("PG202", f"missing required key '{k}'", loaded.key_span(path) if path
                     else span, path, f"add `{k}:` here") for k in missing]
    if path == ("pipegen",):
        return [diag("PG206", f"spec version {json.dumps(inst)} is not supported; this pipegen "
                     "reads version 1", span, path, "write `pipegen: 1`")]
    if cfn.is_intrinsic(inst) and last in LITERAL_KEYS | {"provider"}:
        return [diag("PG207", f"'{last}' must be a literal value, not an intrinsic function",
                     span, path, "pipegen reads this key to decide the pipeline's structure")]
    intrinsic = _intrinsic_problem(_value_at(loaded.data, path), path, span)
    if intrinsic is not None:
        return [intrinsic]
    if v in ("anyOf", "oneOf"):
        return [_diagnose_alternatives(error, loaded, validator)]
    if v == "type":
        hint = TYPE_HINTS.get(last) if isinstance(last, str) else None
        return [diag("PG203", f"expected {_expected(error.schema)}, got {_type_name(inst)}",
                     span, path, hint)]
    if v in ("enum", "const"):
        options = error.validator_value if v == "enum" else [error.validator_value]
        hint = _suggest(inst, options) if isinstance(inst, str) else None
        if isinstance(last, str) and isinstance(inst, str):
            hint = VALUE_HINTS.get((last, inst), hint)
        if isinstance(inst, (dict, list)):
            return [diag("PG203", f"expected {_expected(error.schema)}, got {_type_name(inst)}",
                         span, path)]
        return [diag("PG204", f"{json.dumps(inst)} is not allowed here; expected "
                     f"{_expected(error.schema)}", span, path, hint)]
    return [diag("PG205", _bound_message(error), span, path)]


def _value_at(data: Any, path: tuple) -> Any:
    """The spec value at path (an error's instance may be a key, as with propertyNames)."""
    for part in path:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return None
    return data


def _intrinsic_problem(inst: Any, path: tuple, span) -> Diagnostic | None:
    """PG372/PG373: a condition function outside `conditions:`, or an unknown Fn:: key."""
    if not (isinstance(inst, dict) and len(inst) == 1):
        return None
    from pipegen.references import CONDITION_FUNCTIONS, short

    key = next(iter(inst))
    if path[:1] == ("conditions",) and len(path) == 2:
        if key in cfn.INTRINSIC_KEYS and key not in CONDITION_FUNCTIONS:
            return diag("PG372", f"condition '{path[1]}' must be a condition function, not "
                        f"{short(key)}", span, path,
                        "write !Equals [a, b], !And [...], !Or [...] or !Not [...]")
        return None
    if key in CONDITION_FUNCTIONS:
        return diag("PG372", f"{short(key)} is a condition function; it may be used only under "
                    "`conditions:`", span, path, "declare a condition under `conditions:` and "
                    "choose a value here with !If [CONDITION, value, other value]")
    if isinstance(key, str) and key.startswith("Fn::") and key not in cfn.INTRINSIC_KEYS:
        close = difflib.get_close_matches(key, sorted(cfn.INTRINSIC_KEYS), n=1)
        return diag("PG373", f"'{key}' is not a CloudFormation intrinsic function", span, path,
                    f"did you mean '{close[0]}'?" if close else None)
    return None


def _bound_message(error: jsonschema.ValidationError) -> str:
    v, val, inst = error.validator, error.validator_value, error.instance
    if v == "pattern":
        desc = error.schema.get("description")
        return f"{json.dumps(inst)} is not valid here" + (f": {desc}" if desc else
                                                           f"; it must match {val}")
    words = {
        "minLength": f"must be at least {val} characters long",
        "maxLength": f"must be at most {val} characters long",
        "minimum": f"must be at least {val}", "maximum": f"must be at most {val}",
        "minItems": f"needs at least {val} item{'s' if val != 1 else ''}",
        "maxItems": f"takes at most {val} items",
        "maxProperties": f"takes at most {val} entries",
        "minProperties": f"needs at least {val} entr{'ies' if val != 1 else 'y'}",
    }
    if v in words:
        shown = json.dumps(inst) if isinstance(inst, (str, int, float)) else "this value"
        return f"{shown} {words[v]}"
    if v == "propertyNames":
        return f"invalid key: {error.message}"
    return error.message


def _diagnose_alternatives(error, loaded: Loaded, validator) -> Diagnostic:
    """anyOf/oneOf: report against the alternative that fits the value's shape, not all of them."""
    path = tuple(error.absolute_path)
    inst = error.instance
    span = loaded.span(path)
    branches = error.schema.get("anyOf") or error.schema.get("oneOf")
    if isinstance(inst, dict) and not cfn.is_intrinsic(inst):
        # A mapping: explain against the mapping alternative, if there is one.
        for b in branches:
            b = _resolve(b)
            if b.get("type") == "object" and "maxProperties" not in b:
                sub = list(validator.evolve(schema=b).iter_errors(inst))
                if sub:
                    best = jsonschema.exceptions.best_match(sub)
                    # best may be nested in sub's anyOf context: re-root its whole path.
                    full = [*error.absolute_path, *best.absolute_path]
                    best.parent = None
                    best.path.clear()
                    best.path.extend(full)
                    return _diagnose(best, loaded, validator)[0]
    if isinstance(inst, str):
        # A string: explain against a string alternative that failed for a reason beyond type.
        pattern_errors = [e for e in error.context if e.validator == "pattern"]
        if pattern_errors:
            return diag("PG205", f"{json.dumps(inst)} is not valid here; expected "
                        f"{_expected(error.schema)}", span, path,
                        error.schema.get("description"))
        options = [b.get("const") for b in map(_resolve, branches) if "const" in b]
        options += [x for b in map(_resolve, branches) for x in b.get("enum", [])]
        return diag("PG204", f"{json.dumps(inst)} is not allowed here; expected "
                    f"{_expected(error.schema)}", span, path,
                    _suggest(inst, options) if options else None)
    return diag("PG203", f"expected {_expected(error.schema)}, got {_type_name(inst)}", span, path)

