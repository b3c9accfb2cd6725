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

from pipegen import cfn, providers, strategies
from pipegen.errors import Diagnostic, SpecError, diag
from pipegen.intrinsics import ARGUMENTS as INTRINSIC_ARGUMENTS
from pipegen.intrinsics import CONDITION_FUNCTIONS, short
from pipegen.intrinsics import USAGE as INTRINSIC_USAGE

if TYPE_CHECKING:
    import jsonschema

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
# Keys SPEC.md documents that this version of pipegen has not built yet, with where SPEC.md
# describes them: reported as "part of the language, not supported yet" (PG208), never as a
# typo. A key leaves this list when a provider's schema fragment accepts it.
NOT_YET = {
    "strategy": "section 5, deployment strategies",
    "targets": "section 4, codedeploy deployment targets",
    "load_balancer": "sections 4 and 5, load balancers of codedeploy and ecs deploys",
    "health_check": "section 4, codedeploy health checks",
    "auto_rollback": "section 4, codedeploy automatic rollback",
    "green_fleet": "section 4, codedeploy blue/green fleets",
    "terminate_blue": "section 4, codedeploy blue/green fleets",
    "ready": "section 4, codedeploy blue/green rerouting",
    "hosted_zone": "section 4, the dns traffic shifter",
    "record": "section 4, the dns traffic shifter",
    "blue": "section 4, the dns traffic shifter",
    "green": "section 4, the dns traffic shifter",
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
    # Strategy settings and the deploy keys that choose what a strategy creates.
    "batch", "min_healthy", "step", "bake", "every", "health_check", "green_fleet",
    "terminate_blue", "ready",
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
    intrinsic_args = defs["intrinsic"].setdefault("properties", {})
    for name, shape in INTRINSIC_ARGUMENTS.items():
        form, example = INTRINSIC_USAGE[name]
        intrinsic_args.setdefault(name, {**shape, "description": f"CloudFormation {name}: "
                                         f"{form}, e.g. {example}."})

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
    # Internal providers are made by expanders only; a spec cannot name them.
    action_providers = {k: p for k, p in providers.actions().items() if not p.internal}
    action["properties"]["provider"]["enum"] = sorted({p for _, p in action_providers})
    spellings = list(strategies.aliases())
    for t in action["properties"]["type"]["enum"]:
        then: dict[str, Any] = {"properties": {"provider": {"enum": providers.providers_for(t)}}}
        if t not in providers.DEFAULT_PROVIDER:
            then["required"] = ["provider"]
        if t == "deploy" and spellings:
            then["properties"]["strategy"] = _strategy_schema(spellings)
        action["allOf"].append({
            "if": {"properties": {"type": {"const": t}}, "required": ["type"]}, "then": then})
    for (t, name), p in sorted(action_providers.items()):
        settings = strategies.schema_for(name) if t == "deploy" else None
        if settings is not None:
            action["allOf"].append({
                "if": {"properties": {"type": {"const": t}, "provider": {"const": name}},
                       "required": ["type", "provider"]},
                "then": settings})
        key = _def_key("action", p.schema.removesuffix(".json").replace("/", "_"))
        defs.setdefault(key, _read(p.schema))
        required = ["type"] if providers.DEFAULT_PROVIDER.get(t) == name else ["type", "provider"]
        action["allOf"].append({
            "if": {"properties": {"type": {"const": t}, "provider": {"const": name}},
                   "required": required},
            "then": {"$ref": f"#/$defs/{key}"},
        })
    return schema


def _strategy_schema(spellings: list[str]) -> dict:
    """`strategy`: a registered name, or a one-key mapping {NAME: SETTINGS} (pipegen.strategies)."""
    return {
        "description": "How the deploy rolls out (SPEC.md section 5; docs/strategies.md lists "
                       "which provider runs which): a name such as `all-at-once`, or a one-key "
                       "mapping with that strategy's settings, such as `{canary: {step: "
                       "\"10%\"}}`. Omitted: the target's own configuration is used.",
        "anyOf": [
            {"enum": spellings},
            {"type": "object", "minProperties": 1, "maxProperties": 1,
             "propertyNames": {"enum": spellings},
             "additionalProperties": {"type": "object"}},
        ],
    }


def published() -> str:
    """The schema as committed to schemas/pipeline.schema.json and printed by `pipegen schema`."""
    return json.dumps(composed(), indent=2, sort_keys=False) + "\n"


@cache
def _validator() -> jsonschema.Draft202012Validator:
    import jsonschema  # not at module level: `pipegen schema` needs only the composed schema

    return jsonschema.Draft202012Validator(composed())


def validate(loaded: Loaded) -> None:
    """Raise SpecError with one diagnostic per problem the schema finds."""
    validator = _validator()
    found: dict[tuple, Diagnostic] = {}
    _OPTION_COUNT.clear()
    try:
        for error in sorted(validator.iter_errors(loaded.data), key=_error_order):
            for d in _diagnose(error, loaded):
                found.setdefault((d.path, d.code, d.message), d)
        diagnostics = _prune(list(found.values()))
    finally:
        _OPTION_COUNT.clear()
    if diagnostics:
        raise SpecError(diagnostics)


def _error_order(e: jsonschema.ValidationError):
    return (list(map(str, e.absolute_path)), e.validator, str(e.message))


# --- pruning: one useful message per mistake, not every consequence of it

def _prune(diags: list[Diagnostic]) -> list[Diagnostic]:
    """Drop follow-on errors.

    - Inside a value of the wrong type (or an intrinsic where a literal belongs) nothing more
      is reported: the one message says it all.
    - In a source or action whose `provider` or `type` is wrong or missing, the other keys
      cannot be judged (they may be right for the provider meant), so unknown-key and
      missing-key errors there are dropped.
    - Two "not allowed" errors at one place (the provider list of every type, and of this
      type) keep the narrower one.
    - A missing key that an unknown sibling key was probably meant to be (`aplication:` and
      no `application:`) is said once, by the unknown key's "did you mean".
    """
    blocking = {d.path for d in diags if d.code in ("PG203", "PG207")}
    undetermined = {d.path[:-1] for d in diags if d.path and d.path[-1] in _DISCRIMINATORS
                    and d.code in ("PG203", "PG204", "PG205", "PG207")}
    undetermined |= {d.path for d in diags if d.code == "PG202"
                     and _missing_key(d) in _DISCRIMINATORS}
    undetermined = {p for p in undetermined if _is_source_or_action(p)}
    narrowest: dict[tuple, Diagnostic] = {}
    for d in diags:
        if d.code == "PG204" and d in _OPTION_COUNT:
            best = narrowest.get(d.path)
            if best is None or _OPTION_COUNT[d] < _OPTION_COUNT[best]:
                narrowest[d.path] = d

    def keep(d: Diagnostic) -> bool:
        if any(d.path[: len(p)] == p and len(p) < len(d.path) for p in blocking):
            return False
        if d.code == "PG201" and d.path[:-1] in undetermined:
            return _meant(d) in _DISCRIMINATORS  # `tpye:` is the one message worth giving
        if d.code == "PG202" and d.path in undetermined and \
                _missing_key(d) not in _DISCRIMINATORS:
            return False
        return not (d.path in narrowest and d in _OPTION_COUNT and narrowest[d.path] is not d)

    kept = [d for d in diags if keep(d)]
    # Only now, against the unknown keys still reported: a missing key a typo explains.
    misspelt = {(d.path[:-1], _meant(d)) for d in kept if d.code == "PG201" and _meant(d)}
    kept = [d for d in kept if not (d.code == "PG202" and (d.path, _missing_key(d)) in misspelt)]
    # Pruning must never hide every problem: a spec the schema refuses is never passed on.
    kept = kept or diags
    return sorted(kept, key=lambda d: (d.span.line if d.span else 0, d.span.col if d.span else 0,
                                       d.code, d.message))


@cache
def _not_yet() -> frozenset[str]:
    """NOT_YET keys that no provider fragment accepts yet (one that does is simply unknown
    where it does not apply)."""
    text = json.dumps(composed()["$defs"])
    return frozenset(k for k in NOT_YET if f'"{k}"' not in text)


def _is_source_or_action(path: tuple) -> bool:
    return (len(path) == 2 and path[0] == "sources") or (
        len(path) == 4 and path[0] == "stages" and path[2] == "actions")


def _meant(d: Diagnostic) -> str | None:
    """The key an unknown key's "did you mean" hint names."""
    prefix = "did you mean '"
    if d.code == "PG201" and d.hint and d.hint.startswith(prefix):
        return d.hint[len(prefix):].removesuffix("'?")
    return None


_DISCRIMINATORS = ("provider", "type")
# PG204 diagnostics built from an enum, with the number of options offered (for _prune).
_OPTION_COUNT: dict[Diagnostic, int] = {}


def _missing_key(d: Diagnostic) -> str | None:
    prefix = "missing required key '"
    return d.message[len(prefix):-1] if d.message.startswith(prefix) else None


# --- words for what a schema accepts

# Patterns, by the pattern text: (what a value matching it is, how to write one). A schema may
# instead carry a `title`, used as the noun (and its `description` as the hint).
PATTERNS: dict[str, tuple[str, str]] = {
    "^[A-Za-z0-9.@_-]{1,100}$": ("name", "use 1 to 100 letters, digits, '.', '@', '_' or '-'"),
    "^[A-Za-z0-9_-]{1,100}$": ("artifact name",
                               "use 1 to 100 letters, digits, '-' or '_' (no '.')"),
    "^[A-Za-z0-9@_-]{1,100}$": ("namespace", "use 1 to 100 letters, digits, '@', '_' or '-'"),
    "^[0-9]+(s|m|h|d)$": ("duration", "write a whole number with a unit: 90s, 10m, 2h or 3d"),
    "^[0-9]{1,3}%$": ("percentage", 'write a whole percentage in quotes, e.g. "25%"'),
    "^BUILD_[A-Z0-9_]+$": ("CodeBuild compute type",
                           "raw compute types start with BUILD_, e.g. BUILD_GENERAL1_SMALL"),
    "^https?://\\S+$": ("web address", "write a full address starting with https:// or http://"),
    r"^arn:aws[a-z-]*:iam::[0-9]{12}:role/[\w+=,.@/-]+$": (
        "IAM role ARN", "write arn:aws:iam::ACCOUNT:role/NAME, or an intrinsic such as "
        "!GetAtt MyRole.Arn"),
    r"^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:(key|alias)/[\w/+=,.@-]+$": (
        "KMS key or alias ARN", "write arn:aws:kms:REGION:ACCOUNT:key/ID or "
        "arn:aws:kms:REGION:ACCOUNT:alias/NAME"),
    "^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$": (
        "S3 bucket name", "bucket names have 3 to 63 lower-case letters, digits, '.' and '-'"),
    "^(?!.*\\.\\.)(?![0-9]+\\.[0-9]+\\.[0-9]+\\.[0-9]+$)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$": (
        "S3 bucket name", "bucket names have 3 to 63 lower-case letters, digits, '.' and '-', "
        "no '..', and are not IP addresses"),
    "^[\\w+=,.@-]{1,64}$": ("IAM role name",
                          "use 1 to 64 letters, digits or any of + = , . @ _ -"),
    "^[-+]?[0-9]*\\.?[0-9]+([eE][-+]?[0-9]+)?$": ("number", "write a number, e.g. 8080 or 0.5"),
    "^ *[-+]?[0-9]*\\.?[0-9]+( *, *[-+]?[0-9]*\\.?[0-9]+)* *$": (
        "list of numbers", "write numbers separated by commas, e.g. \"1,2,3\""),
    "^BUILD_": ("CodeBuild compute type", "raw compute types start with BUILD_, e.g. "
                "BUILD_GENERAL1_SMALL"),
    "^[A-Za-z0-9]{1,255}$": ("parameter name",
                             "CloudFormation parameter names use letters and digits only"),
    "^[A-Za-z0-9_]{1,128}$": ("variable name", "use 1 to 128 letters, digits or '_'"),
    "^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-[0-9]$": ("AWS region",
                                                  "write a region code such as us-west-2"),
    "^PG[0-9]{3}$": ("diagnostic code", "write a warning code such as PG390"),
    "^[a-z0-9-]+:[A-Za-z0-9*]+$": ("IAM action", "write service:Action, e.g. ecr:PutImage"),
    "^[A-Za-z0-9:_-]+(\\.[A-Za-z0-9:_-]+)*$": (
        "override path", "write a dotted path such as Resources.Pipeline.Properties.Name"),
    "^[^/\\s]+/[^\\s]+$": ("repository", "write owner/repo"),
}

_TYPE_WORDS = {"string": "a string", "object": "a mapping", "array": "a list",
               "boolean": "true or false", "integer": "an integer", "number": "a number",
               "null": "null"}


def _article(noun: str) -> str:
    first = noun.split()[0]
    if first[0] in "aeiouAEIOU" or (first.isupper() and first[0] in "FHLMNRSX"):
        return "an " + noun
    return "a " + noun


def _join(parts: list[str]) -> str:
    parts = list(dict.fromkeys(parts)) or ["nothing"]
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " or " + parts[-1]


def _resolve(schema: dict) -> dict:
    ref = schema.get("$ref")
    if ref and ref.startswith("#/$defs/"):
        return composed()["$defs"][ref.removeprefix("#/$defs/")]
    return schema


def _alternatives(schema: dict) -> list[dict]:
    """The leaves of nested anyOf/oneOf (and $refs to them): each one form a value may take."""
    schema = _resolve(schema)
    branches = schema.get("anyOf") or schema.get("oneOf")
    if not branches:
        return [schema]
    return [leaf for b in branches for leaf in _alternatives(b)]


def _is_intrinsic_schema(schema: dict) -> bool:
    return bool(schema.get("propertyNames", {}).get("enum")) and schema.get("maxProperties") == 1


def _literal(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def _pattern_noun(schema: dict) -> tuple[str, str | None] | None:
    """(noun, how to write one) for a schema with a pattern or a title."""
    if "title" in schema:
        return schema["title"], _sentence(schema.get("description"))
    if "pattern" in schema:
        return PATTERNS.get(schema["pattern"], (f"string matching {schema['pattern']}", None))
    return None


def _words(schema: dict, alone: bool = True, quote: bool = False) -> list[str]:
    """Phrases for what one alternative accepts ('one of a, b' alone, the options in a list).

    In a list that mixes literal options with kinds of value ('an S3 bucket name'), the
    literals are quoted so that they read as values.
    """
    def lit(x: Any) -> str:
        return f"'{_literal(x)}'" if quote else _literal(x)

    if _is_intrinsic_schema(schema):
        return ["an intrinsic function"]
    if "const" in schema:
        return [lit(schema["const"])]
    if "enum" in schema:
        options = [lit(x) for x in schema["enum"]]
        if alone and len(options) > 1:
            return ["one of " + ", ".join(options)]
        return options
    noun = _pattern_noun(schema)
    if noun:
        return [_article(noun[0])]
    t = schema.get("type")
    if isinstance(t, list):
        return [_TYPE_WORDS.get(x, x) for x in t]
    return [_TYPE_WORDS.get(t, "a valid value")]


def _expected(leaves: list[dict]) -> str:
    alone = len(leaves) == 1
    quote = not alone and any("const" not in leaf and "enum" not in leaf for leaf in leaves)
    return _join([w for leaf in leaves for w in _words(leaf, alone, quote)])


def _accepts_string(schema: dict) -> bool:
    if _is_intrinsic_schema(schema):
        return True  # written as !Ref X: accepted where a string goes
    if "const" in schema:
        return isinstance(schema["const"], str)
    if "enum" in schema:
        return any(isinstance(x, str) for x in schema["enum"])
    t = schema.get("type")
    return t is None or t == "string" or (isinstance(t, list) and "string" in t)


def _sentence(text: str | None) -> str | None:
    """A schema description as a hint: lower-case start (unless a name), no trailing period."""
    if not text:
        return None
    text = text.strip().rstrip(".")
    first = text.split(" ", 1)[0]
    if first[:1].isupper() and (first[1:].islower() or first[1:] == ""):
        text = text[0].lower() + text[1:]
    return text


def _description(schema: dict) -> str | None:
    """A (sub)schema's description as a hint, unless it only restates the expected forms."""
    generic = ("string_value", "role_arn", "kms_arn", "intrinsic")
    if any(schema is composed()["$defs"].get(name) for name in generic):
        return None
    return _sentence(schema.get("description"))


def _type_name(value: Any) -> str:
    if cfn.is_intrinsic(value):
        return "an intrinsic function"
    return {dict: "a mapping", list: "a list", str: "a string", bool: "a boolean",
            int: "an integer", float: "a number", type(None): "null"}.get(type(value), "a value")


def _suggest(word: str, options: list[str]) -> str | None:
    match = difflib.get_close_matches(str(word), [str(o) for o in options], n=1, cutoff=0.6)
    return f"did you mean '{match[0]}'?" if match else None


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


# --- one jsonschema error -> diagnostics

def _diagnose(error: jsonschema.ValidationError, loaded: Loaded) -> list[Diagnostic]:
    path = tuple(error.absolute_path)
    inst = error.instance
    v = error.validator
    span = loaded.span(path)
    last = path[-1] if path else None

    # A misused intrinsic may be refused at its key (propertyNames): judge the intrinsic.
    at = path[:-1] if path and path[-1] in cfn.INTRINSIC_KEYS else path
    intrinsic_problem = _intrinsic_problem(_value_at(loaded.data, at), at, loaded.span(at))
    if intrinsic_problem is not None:
        return [intrinsic_problem]
    if "propertyNames" in error.relative_schema_path:
        return [_bad_key(error, loaded)]
    intrinsic = _intrinsic_argument(error)
    if intrinsic:
        at = path[: len(path) - 1 - path[::-1].index(intrinsic)] + (intrinsic,)
        usage, example = INTRINSIC_USAGE.get(intrinsic, ("other arguments", None))
        short = "!" + intrinsic.removeprefix("Fn::")
        return [diag("PG371", f"{short} takes {usage}", loaded.span(at), at,
                     f"for example: {example}" if example else None)]
    if at != path and _literal_key(at) and at[:1] not in _FREE_FORM:
        # A well-formed intrinsic (its arguments passed above) checked as a mapping
        # (`strategy: !If [...]`): the key takes no intrinsic, so say that, not what the
        # mapping form wants.
        return [_literal_only(_literal_key(at), at, loaded.span(at), None)]
    if v in ("unevaluatedProperties", "additionalProperties"):
        return _unknown_keys(error, loaded)
    if v == "required":
        return [_missing(error, loaded, k) for k in error.validator_value if k not in inst]
    if path == ("pipegen",):
        return [diag("PG206", f"spec version {json.dumps(inst)} is not supported; this pipegen "
                     "reads version 1", span, path, "write `pipegen: 1`")]
    key = _literal_key(path)
    if cfn.is_intrinsic(inst) and key and path[:1] not in _FREE_FORM and not any(
            map(_is_intrinsic_schema, _alternatives(error.schema))):
        return [_literal_only(key, path, span, error.schema)]
    if v == "oneOf" and not error.context:  # valid against more than one form
        return [diag("PG205", "this value fits more than one of the forms this key takes",
                     span, path, _description(error.schema))]
    if v in ("anyOf", "oneOf"):
        return _diagnose_alternatives(error, loaded)
    if v == "type" or (v in ("enum", "const") and isinstance(inst, (dict, list))):
        return [_wrong_type(error.schema, inst, span, path, last)]
    if v in ("enum", "const"):
        options = error.validator_value if v == "enum" else [error.validator_value]
        if not options:  # e.g. the providers of an action type that has none yet
            d = diag("PG204", f"{json.dumps(inst)} is not available: this version of pipegen "
                     "knows no value for this key here", span, path)
            _OPTION_COUNT[d] = 0
            return [d]
        hint = _suggest(inst, options) if isinstance(inst, str) else None
        if isinstance(last, str) and isinstance(inst, str):
            hint = VALUE_HINTS.get((last, inst), hint)
        d = diag("PG204", f"{json.dumps(inst)} is not allowed here; expected "
                 f"{_expected([error.schema])}", span, path, hint)
        _OPTION_COUNT[d] = len(options)
        return [d]
    if v == "not" and isinstance(last, str):  # a key this combination excludes
        return [diag("PG205", f"'{last}' cannot be used here", loaded.key_span(path), path,
                     _sentence(error.schema.get("description")))]
    if v == "pattern":
        known = _pattern_noun(error.schema) if (
            "title" in error.schema or error.schema["pattern"] in PATTERNS) else None
        description = _sentence(error.schema.get("description"))
        if known is None:  # a pattern without words: its description says what fits
            return [diag("PG205", f"{json.dumps(inst)} is not valid here", span, path,
                         description or f"it must match {error.schema['pattern']}")]
        noun, how = known
        return [diag("PG205", f"{json.dumps(inst)} is not {_article('valid ' + noun)}", span,
                     path, how or description)]
    return [diag("PG205", _bound_message(error, last), span, path,
                 _sentence(error.schema.get("description")))]


def _literal_only(key: str, path: tuple, span, schema: dict | None) -> Diagnostic:
    """PG207: one rule (SPEC.md), the key is literal because pipegen reads it; say why."""
    from pipegen.intrinsic_keys import literal_reason

    what = f"'{key}' must be a literal value, not an intrinsic function" if key == path[-1] \
        else f"the entries of '{key}' must be literal values, not intrinsic functions"
    # A strategy's settings are read with it: they decide the steps and resources emitted
    # (said when the setting's own kind gives no more precise reason).
    reason = literal_reason(key, schema)
    if "strategy" in path[:-1] and reason == literal_reason(""):
        reason = literal_reason("strategy")
    return diag("PG207", f"{what}: {reason}", span, path, _literal_hint(key, schema or {}))


def _literal_key(path: tuple) -> str | None:
    """The spec key a value sits under: its own key, or the list's key for a list entry
    (`outputs: [!Sub ...]` is refused as `outputs`, with the same reason as `output`)."""
    if path and isinstance(path[-1], str):
        return path[-1]
    if len(path) >= 2 and isinstance(path[-1], int) and isinstance(path[-2], str):
        return path[-2]
    return None


# Sections of CloudFormation's own text, whose keys are the user's names, not spec keys.
_FREE_FORM = {("mappings",), ("parameters",), ("conditions",), ("rules",), ("tags",),
              ("variables",), ("outputs",), ("resources",)}


def _literal_hint(key: str, schema: dict) -> str:
    """What to write instead of an intrinsic in a literal-only key."""
    if key in ("name", "source_stage"):
        return "write the name itself; a name that must vary per stack goes in `pipeline_name`"
    if key == "when":
        return "declare the condition under `conditions:` and write its name here"
    if key in ("output", "outputs", "inputs"):
        return "write a fixed artifact name (such as `Built`): artifact names live inside one " \
            "pipeline, so every stack deployed from the template can use the same one"
    if key == "strategy":
        return "write the strategy itself (`blue-green`, `{canary: {...}}`); to deploy one way " \
            "per stack, write one action per strategy, each with `when:` and its condition"
    words = _expected(_alternatives(schema))
    return f"write {words} here; choose between values per stack with `conditions:` and " \
        "`when:` instead" if words else "write a literal value"


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


def _intrinsic_argument(error) -> str | None:
    """The intrinsic (Fn::Sub...) whose argument this error is about, if it is about one."""
    args = composed()["$defs"]["intrinsic"].get("properties", {})
    path = tuple(error.absolute_path)
    for name in path[-2:]:
        shape = args.get(name) if isinstance(name, str) else None
        if shape is None:
            continue
        forms = [shape, *shape.get("anyOf", [])]
        parts = forms + [item for form in forms for item in form.get("prefixItems", [])]
        if any(error.schema is part for part in parts):
            return name
    return None


def _unknown_keys(error, loaded: Loaded) -> list[Diagnostic]:
    path, inst = tuple(error.absolute_path), error.instance
    allowed = _allowed_keys(error.schema, inst, _validator())
    out = []
    for key in sorted(k for k in inst if k not in allowed):
        if key in _not_yet() and _is_source_or_action(path):
            out.append(diag("PG208", f"`{key}` is part of the spec language (SPEC.md "
                            f"{NOT_YET[key]}), and this version of pipegen does not support "
                            "it yet", loaded.key_span(path + (key,)), path + (key,),
                            "remove it for now, or set what it stands for in `resources:` or "
                            "`configuration:`; it is not a typo"))
            continue
        hint = KEY_HINTS.get(key) or _suggest(key, allowed) or (
            "allowed keys here: " + ", ".join(sorted(allowed)))
        if " " in str(key).strip():
            # no key has spaces: this is the rest of a value cut at a comma inside `{...}`
            hint = ("in a `{...}` mapping a comma ends the value: quote the value that holds "
                    "the comma (`description: \"a, b\"`)")
        out.append(diag("PG201", f"unknown key '{key}'", loaded.key_span(path + (key,)),
                        path + (key,), hint))
    return out


def _missing(error, loaded: Loaded, key: str) -> Diagnostic:
    path, inst = tuple(error.absolute_path), error.instance
    span = loaded.key_span(path) if path else loaded.span(path)
    what = _node_kind(path, inst)
    hint = f"add `{key}:` " + (f"to this {what}" if path and what else
                               "at the top level" if not path else "here")
    if key == "type" and what == "action":
        hint += f" ({_join(composed()['$defs']['action']['properties']['type']['enum'])})"
    return diag("PG202", f"missing required key '{key}'", span, path, hint)


def _node_kind(path: tuple, inst: Any) -> str | None:
    """'codedeploy deploy action', 'github source', 'stage'... for hints."""
    if len(path) == 2 and path[0] in ("sources", "stages"):
        if path[0] == "stages":
            return "stage"
        provider = inst.get("provider") if isinstance(inst, dict) else None
        return f"{provider} source" if isinstance(provider, str) else "source"
    if len(path) == 4 and path[0] == "stages" and path[2] == "actions":
        if not isinstance(inst, dict):
            return "action"
        kind = inst.get("type") if isinstance(inst.get("type"), str) else None
        provider = inst.get("provider", providers.DEFAULT_PROVIDER.get(kind))
        words = [w for w in (provider if isinstance(provider, str) else None, kind) if w]
        return " ".join([*words, "action"])
    return None


def _bad_key(error, loaded: Loaded) -> Diagnostic:
    """A mapping key refused by `propertyNames` (a parameter, tag or variable name...)."""
    key = error.instance
    path = tuple(error.absolute_path) + (key,)
    span = loaded.key_span(path)
    if error.validator == "pattern":
        noun, how = _pattern_noun(error.schema) or ("key", None)
        return diag("PG205", f"{json.dumps(key)} is not {_article('valid ' + noun)}", span,
                    path, how)
    return diag("PG205", "key " + _bound_message(error, None), span, path)


def _wrong_type(schema: dict, inst: Any, span, path: tuple, last) -> Diagnostic:
    leaves = _alternatives(schema)
    hint = TYPE_HINTS.get(last) if isinstance(last, str) else None
    types = {t for leaf in leaves for t in
             (leaf.get("type") if isinstance(leaf.get("type"), list) else [leaf.get("type")])}
    if hint is None and isinstance(inst, dict) and len(path) >= 2 and \
            path[-2] in ("environment_variables", "environment") and \
            set(inst) & {"parameter_store", "secrets_manager"}:
        # CodeBuild's own list mixes the types; the spec keeps store-read values apart.
        form = ", ".join(f"{k}: {v}" for k, v in inst.items() if isinstance(v, str))
        hint = (f"a value read from Parameter Store or Secrets Manager goes under `secrets:` "
                f"next to `{path[-2]}` (never into the template): `secrets: "
                f"{{{path[-1]}: {{{form}}}}}`")
    if hint is None and inst is None:
        hint = "the key has no value: write one after the colon"
    elif hint is None and types == {"boolean"} and isinstance(inst, str):
        hint = ("booleans are true and false only (YAML 1.2): 'yes', 'no', 'on' and 'off' "
                "are strings")
    elif hint is None and types == {"array"} and isinstance(inst, (str, int)):
        hint = f"write a list: [{inst}]"
    elif hint is None and types == {"array"} and isinstance(inst, dict):
        hint = "write a list: put '- ' before the entry"
    if hint is None and len(leaves) > 1:
        hint = _description(schema)
    if hint is None and isinstance(inst, (bool, int, float)) and any(
            leaf.get("type") == "string" and not _pattern_noun(leaf) for leaf in leaves):
        hint = f"quote it to make it a string: \"{json.dumps(inst)}\""
    elif hint is None and len(leaves) == 1 and _pattern_noun(leaves[0]):
        hint = _pattern_noun(leaves[0])[1]
    return diag("PG203", f"expected {_expected(leaves)}, got {_type_name(inst)}", span, path,
                hint)


def _bound_message(error: jsonschema.ValidationError, last) -> str:
    v, val, inst = error.validator, error.validator_value, error.instance
    words = {
        "minLength": f"must be at least {val} character{'s' if val != 1 else ''} long",
        "maxLength": f"must be at most {val} character{'s' if val != 1 else ''} long",
        "minimum": f"must be at least {val}", "maximum": f"must be at most {val}",
        "exclusiveMinimum": f"must be more than {val}",
        "exclusiveMaximum": f"must be less than {val}",
        "minItems": f"needs at least {val} item{'s' if val != 1 else ''}",
        "maxItems": f"takes at most {val} item{'s' if val != 1 else ''}",
        "maxProperties": f"takes at most {val} entr{'ies' if val != 1 else 'y'}",
        "minProperties": f"needs at least {val} entr{'ies' if val != 1 else 'y'}",
        "uniqueItems": "lists the same item twice",
    }
    if v in words:
        if isinstance(inst, (str, int, float)) and not isinstance(inst, bool):
            shown = json.dumps(inst)
        else:
            shown = f"'{last}'" if isinstance(last, str) else "this value"
        return f"{shown} {words[v]}"
    return error.message


def _diagnose_alternatives(error, loaded: Loaded) -> list[Diagnostic]:
    """anyOf/oneOf: one message against the alternatives that fit the value's shape."""
    path = tuple(error.absolute_path)
    inst = error.instance
    span = loaded.span(path)
    branches = error.schema.get("anyOf") or error.schema.get("oneOf")
    leaves = _alternatives(error.schema)
    description = _description(error.schema)

    # A named form or an intrinsic (`duration` or `!Ref Minutes`): a literal that is wrong is
    # explained against the form alone, as if the key took no intrinsic.
    forms = [i for i, b in enumerate(branches)
             if not any(map(_is_intrinsic_schema, _alternatives(b)))]
    # A boolean too: `yes` in a key that takes true, false or an intrinsic is explained as
    # for a boolean key (YAML 1.2: `yes` is a string).
    if len(branches) == 2 and len(forms) == 1 and not cfn.is_intrinsic(inst) and (
            "$ref" in branches[forms[0]] or "pattern" in branches[forms[0]]
            or branches[forms[0]].get("type") == "boolean"):
        inner = [e for e in error.context if e.relative_schema_path[0] == forms[0]]
        found = [d for e in sorted(inner, key=_error_order) for d in _diagnose(e, loaded)]
        if found:
            return found

    if isinstance(inst, dict) and not cfn.is_intrinsic(inst):
        # A mapping: explain against the mapping alternative, with every problem in it; of
        # several, first the ones whose fixed keys (`type: local`) the mapping matches.
        def fits(b: dict) -> bool:
            return all(inst.get(k) == v["const"] for k, v in b.get("properties", {}).items()
                       if isinstance(v, dict) and "const" in v and k in inst)
        ordered = sorted(enumerate(branches), key=lambda ib: not fits(_resolve(ib[1])))
        for i, b in ordered:
            b = _resolve(b)
            if b.get("type") == "object" and not _is_intrinsic_schema(b):
                inner = [e for e in error.context if e.relative_schema_path[0] == i]
                found = [d for e in sorted(inner, key=_error_order)
                         for d in _diagnose(e, loaded)]
                if found:
                    return found
    if isinstance(inst, list):
        # A list: explain against the list alternative, at the entries that are wrong (not
        # "expected a list, got a list").
        for i, b in enumerate(branches):
            if _resolve(b).get("type") == "array":
                inner = [e for e in error.context if e.relative_schema_path[0] == i]
                found = [d for e in sorted(inner, key=_error_order)
                         for d in _diagnose(e, loaded)]
                if found:
                    return found
    if cfn.is_intrinsic(inst):
        # An intrinsic with a bad argument: explain against the intrinsic alternative.
        for i, b in enumerate(branches):
            if any(map(_is_intrinsic_schema, _alternatives(b))):
                inner = [e for e in error.context if e.relative_schema_path[0] == i]
                found = [d for e in sorted(inner, key=_error_order)
                         for d in _diagnose(e, loaded)]
                if found:
                    return found
    if isinstance(inst, str):
        strings = [leaf for leaf in leaves if _accepts_string(leaf)]
        if strings:
            options = [x for leaf in strings for x in
                       ([leaf["const"]] if "const" in leaf else leaf.get("enum", []))
                       if isinstance(x, str)]
            suggestion = _suggest(inst, options) if options else None
            expected = _expected(strings)
            if suggestion or not any(_pattern_noun(leaf) for leaf in strings):
                d = diag("PG204", f"{json.dumps(inst)} is not allowed here; expected "
                         f"{expected}", span, path, suggestion or description)
                _OPTION_COUNT[d] = len(options)
                return [d]
            # How to write the one pattern, unless literal options exist (the description
            # names them all).
            hows = [n[1] for n in map(_pattern_noun, strings) if n and n[1]]
            how = hows[0] if len(hows) == 1 and not options else None
            return [diag("PG205", f"{json.dumps(inst)} is not valid here; expected {expected}",
                         span, path, how or description or (hows[0] if hows else None))]
    return [_wrong_type(error.schema, inst, span, path, path[-1] if path else None)]
