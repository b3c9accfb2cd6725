"""Secrets never in plain text: where a secret may flow, and never repeating one in a report.

Rules (SPEC.md section 1, docs/iam.md "Secrets"):

- PG331 (error): a Secrets Manager dynamic reference (`{{resolve:secretsmanager:...}}`,
  `{{resolve:ssm-secure:...}}`) or a `!Ref` to a `no_echo` parameter in a plain-text
  environment variable (a CodeBuild project's `environment`, an action's
  `environment_variables`): the value would be visible to anyone who can read the project or
  the pipeline. CodeBuild and the Commands action have a secret slot: `secrets:`.
- PG397 (warning): the same in `parameter_overrides`, `user_parameters` or pipeline
  `variables`, which have no secret slot: CodePipeline shows them in the console and its API.
  The deployed template or function should resolve the secret itself.
- PG398 (warning, acknowledgeable): a literal value or a name in those places that looks like
  a secret (`*PASSWORD*`, `*TOKEN*`, `*SECRET*`, `AKIA...`, `ghp_...`, `-----BEGIN`).

Redaction: `redact()` masks every diagnostic that sits on a secret-bearing path (a token, a
webhook secret, a no_echo parameter's default, a secret-looking value) in the text excerpt,
and strips secret values from every message and hint, so JSON and GitHub annotations (which
carry the message) never print them either.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from pipegen import cfn
from pipegen.errors import Diagnostic

if TYPE_CHECKING:
    from pipegen.build import BuildContext

MASK = "********"
DYNAMIC = re.compile(r"\{\{resolve:(secretsmanager|ssm-secure):")
SECRET_VALUE = re.compile(
    r"(?:A3T[A-Z0-9]|AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA)[A-Z0-9]{16}"  # AWS access key ids
    r"|gh[pousr]_[A-Za-z0-9]{16,}|github_pat_[A-Za-z0-9_]{20,}"  # GitHub tokens
    r"|glpat-[A-Za-z0-9_-]{16,}|xox[abprs]-[A-Za-z0-9-]{10,}"  # GitLab, Slack
    r"|-----BEGIN[A-Z ]*-----")  # PEM keys and certificates
SECRET_NAME = re.compile(r"PASSWORD|PASSWD|PASSPHRASE|TOKEN|SECRET|PRIVATE_?KEY|API_?KEY"
                         r"|CREDENTIAL|ACCESS_?KEY", re.IGNORECASE)
SOURCE_SECRETS = ("oauth_token", "webhook_secret")
HINT_SLOT = ("move it under `secrets:` ({NAME: SECRET_ARN} for Secrets Manager, "
             "{NAME: {parameter_store: NAME}} for a SecureString), where the build reads it "
             "at run time and no one sees it in the project or the pipeline")
HINT_RESOLVE = ("pass the secret's name (or ARN) instead and resolve it where it is used: a "
                "{{resolve:secretsmanager:...}} dynamic reference in the deployed template, or "
                "secretsmanager:GetSecretValue in the function")


def secret_ref(value: Any, parameters: dict) -> str | None:
    """What makes a value secret ('a dynamic reference', "no_echo parameter 'X'"), or None."""
    if isinstance(value, str):
        return "a Secrets Manager dynamic reference" if DYNAMIC.search(value) else None
    if isinstance(value, dict) and len(value) == 1:
        fn, arg = next(iter(value.items()))
        if fn == "Ref" and isinstance(arg, str) and _no_echo(parameters, arg):
            return f"the no_echo parameter '{arg}'"
        if fn == "Fn::Sub":
            text = arg[0] if isinstance(arg, list) and arg else arg
            if isinstance(text, str):
                if DYNAMIC.search(text):
                    return "a Secrets Manager dynamic reference"
                for name in re.findall(r"\$\{([^}!.]+)\}", text):
                    if _no_echo(parameters, name):
                        return f"the no_echo parameter '{name}'"
            if isinstance(arg, list) and len(arg) == 2 and isinstance(arg[1], dict):
                for v in arg[1].values():
                    found = secret_ref(v, parameters)
                    if found:
                        return found
            return None
    if isinstance(value, dict):
        for v in value.values():
            found = secret_ref(v, parameters)
            if found:
                return found
    if isinstance(value, list):
        for v in value:
            found = secret_ref(v, parameters)
            if found:
                return found
    return None


def _no_echo(parameters: dict, name: str) -> bool:
    p = parameters.get(name)
    return isinstance(p, dict) and p.get("no_echo") is True


def check(ctx: BuildContext) -> None:
    params = ctx.parameters
    for si, stage in enumerate(ctx.data.get("stages", [])):
        for ai, a in enumerate(stage.get("actions", []) if isinstance(stage, dict) else []):
            if not isinstance(a, dict):
                continue
            path = ("stages", si, "actions", ai)
            plain = [("environment_variables",)]
            if isinstance(a.get("project"), dict) and not cfn.is_intrinsic(a["project"]):
                plain.append(("project", "environment"))
            for where in plain:
                for name, value in _mapping(a, where).items():
                    _plain_text(ctx, name, value, path + where + (name,), params)
            for name, value in _mapping(a, ("parameter_overrides",)).items():
                _no_slot(ctx, name, value, path + ("parameter_overrides", name),
                         "parameter override", params)
            if "user_parameters" in a:
                _user_parameters(ctx, a["user_parameters"], path + ("user_parameters",), params)
    for name, var in (ctx.data.get("variables") or {}).items():
        if isinstance(var, dict) and "default" in var:
            _no_slot(ctx, name, var["default"], ("variables", name, "default"),
                     "pipeline variable", params)


def _mapping(a: dict, where: tuple) -> dict:
    node: Any = a
    for k in where:
        node = node.get(k) if isinstance(node, dict) else None
    return node if isinstance(node, dict) and not cfn.is_intrinsic(node) else {}


def _plain_text(ctx, name: str, value: Any, path: tuple, params: dict) -> None:
    found = secret_ref(value, params)
    if found:
        ctx.error("PG331", f"environment variable '{name}' is plain text, and its value comes "
                  f"from {found}: the secret would be readable by anyone who can read the "
                  "project or pipeline", path, HINT_SLOT + _not_a_secret(found))
        return
    _looks_secret(ctx, name, value, path, "environment variable", HINT_SLOT)


def _not_a_secret(found: str) -> str:
    """For a no_echo parameter: the other way out, when the value is no secret at all (SageMaker
    project templates declare the project's name and id no_echo, and name things with them)."""
    if not found.startswith("the no_echo parameter "):
        return ""
    return (f"; or, if {found.removeprefix('the no_echo parameter ')} is not a secret (a name "
            "that also names a pipeline, project or bucket is visible anyway), drop its "
            "`no_echo`")


def _no_slot(ctx, name: str, value: Any, path: tuple, what: str, params: dict) -> None:
    found = secret_ref(value, params)
    if found:
        ctx.warn("PG397", f"{what} '{name}' takes its value from {found}, and CodePipeline "
                 "shows it in plain text (console, API, execution history)", path,
                 HINT_RESOLVE)
        return
    _looks_secret(ctx, name, value, path, what, HINT_RESOLVE)


def _user_parameters(ctx, value: Any, path: tuple, params: dict) -> None:
    if isinstance(value, dict) and not cfn.is_intrinsic(value):
        for k, v in value.items():
            _no_slot(ctx, k, v, path + (k,), "user parameter", params)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _no_slot(ctx, str(i), v, path + (i,), "user parameter", params)
    else:
        _no_slot(ctx, "user_parameters", value, path, "user parameter", params)


def _looks_secret(ctx, name: str, value: Any, path: tuple, what: str, hint: str) -> None:
    literal = isinstance(value, str) and not value.startswith("#{")
    if literal and SECRET_VALUE.search(value):
        ctx.warn("PG398", f"the value of {what} '{name}' looks like a credential, written in "
                 "plain text", path, hint + "; acknowledge PG398 if it is not a secret")
    elif SECRET_NAME.search(name) and literal and value:
        ctx.warn("PG398", f"{what} '{name}' is named like a secret and holds a literal value "
                 "in plain text", path, hint + "; acknowledge PG398 if it is not a secret")


# --- redaction

def secret_paths(data: dict) -> dict[tuple, Any]:
    """Paths of values that are secrets, or may be, with their values."""
    out: dict[tuple, Any] = {}
    params = data.get("parameters") if isinstance(data.get("parameters"), dict) else {}
    for name, p in params.items():
        if isinstance(p, dict) and p.get("no_echo") is True and "default" in p:
            out[("parameters", name, "default")] = p["default"]
    # Redaction runs on specs the schema refused too: `sources` may be anything.
    sources = data.get("sources")
    for i, s in enumerate(sources if isinstance(sources, list) else []):
        if isinstance(s, dict):
            for key in SOURCE_SECRETS:
                if key in s:
                    out[("sources", i, key)] = s[key]
    _secret_values(data, (), out)
    return out


def _secret_values(v: Any, path: tuple, out: dict) -> None:
    if isinstance(v, str):
        if SECRET_VALUE.search(v):
            out[path] = v
    elif isinstance(v, dict):
        for k, x in v.items():
            _secret_values(x, path + (k,), out)
    elif isinstance(v, list):
        for i, x in enumerate(v):
            _secret_values(x, path + (i,), out)


def _strings(v: Any) -> list[str]:
    if isinstance(v, str):
        return [v]
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return [str(v)]
    if isinstance(v, dict):
        # Names of parameters, resources and exports are not secrets; literal text is.
        return [s for k, x in v.items() if k not in NAMES_ONLY for s in _strings(x)]
    if isinstance(v, list):
        return [s for x in v for s in _strings(x)]
    return []


NAMES_ONLY = ("Ref", "Fn::GetAtt", "Fn::ImportValue", "Fn::FindInMap", "Condition")


def redact(diagnostics: list[Diagnostic], data: dict | None) -> list[Diagnostic]:
    """The diagnostics with secrets masked: excerpts on secret paths, values in any text."""
    if not isinstance(data, dict):
        return diagnostics
    paths = secret_paths(data)
    if not paths:
        return diagnostics
    values = sorted({s for v in paths.values() for s in _strings(v) if len(s) >= 4},
                    key=len, reverse=True)
    out = []
    for d in diagnostics:
        # A `!Ref` to a parameter names the secret without holding it: that excerpt may show.
        on_secret = any(d.path[:len(p)] == p and _strings(v) for p, v in paths.items())
        message, hint = d.message, d.hint
        for s in values:
            message = message.replace(s, MASK)
            hint = hint.replace(s, MASK) if hint else hint
        if on_secret or message != d.message or hint != d.hint:
            d = replace(d, message=message, hint=hint, redact=True)
        out.append(d)
    return out
