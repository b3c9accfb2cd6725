"""The lint gate: cfn-lint in-process, one rules collection loaded once and reused.

Loading cfn-lint's rules costs more than linting one template, so the Linter keeps them.
Findings are mapped back to the spec: the rendered template's line gives the logical id,
and the emitter recorded which spec node produced each logical id.

Importing this module does not import cfn-lint (about 0.5 s): only a Linter does. The command
line runs Linters in worker processes (lintpool.py) and caches findings (lintcache.py).
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pipegen.errors import Diagnostic, diag

if TYPE_CHECKING:
    from pipegen.loader import Loaded

REGIONS = ("us-east-1",)
# Everything pipegen configures cfn-lint with; the lint cache's key includes it, so a change
# here (a region, an ignored rule) never reuses findings made under another configuration.
OPTIONS: dict[str, Any] = {"regions": list(REGIONS)}


@dataclass(frozen=True)
class Finding:
    rule: str
    severity: str  # error | warning | informational
    message: str
    line: int  # in the rendered template


_RULES: dict[str, Any] = {}


class Linter:
    def __init__(self, regions: tuple[str, ...] = REGIONS):
        from cfnlint.config import ConfigMixIn
        from cfnlint.runner import Runner

        self.config = ConfigMixIn(**{**OPTIONS, "regions": list(regions)})
        # One rules collection per configuration and process: a worker forked from a process
        # that already loaded them (a test session) inherits them instead of loading again.
        key = repr(self.config)
        if key not in _RULES:
            _RULES[key] = Runner(self.config).rules
        self.rules = _RULES[key]

    def lint(self, text: str) -> list[Finding]:
        from cfnlint.decode import decode_str
        from cfnlint.runner import run_template_by_data

        template, matches = decode_str(text)
        if not matches:
            matches = list(run_template_by_data(template, self.config, self.rules))
        findings = [Finding(m.rule.id, m.rule.severity, m.message, m.linenumber)
                    for m in matches]
        return sorted(set(findings), key=lambda f: (f.line, f.rule, f.message))


def printable(findings: list[Finding], doc: dict) -> list[Finding]:
    """The findings as reports may show them (and the lint cache may keep them).

    A cfn-lint message quotes template values; the default of a NoEcho parameter is a secret
    by declaration, so it is masked wherever a message quotes it.
    """
    secrets = sorted({str(p["Default"]) for p in (doc.get("Parameters") or {}).values()
                      if isinstance(p, dict) and str(p.get("NoEcho")).lower() == "true"
                      and p.get("Default") not in (None, "")}, key=len, reverse=True)
    if not secrets:
        return findings
    from pipegen.report import REDACTED

    out = []
    for f in findings:
        message = f.message
        for secret in secrets:
            message = message.replace(secret, REDACTED)
        out.append(Finding(f.rule, f.severity, message, f.line))
    return out


def line_paths(doc: Any) -> dict[int, tuple]:
    """Line number (1-based) -> template path, for the layout render.render() produces.

    Mirrors json.dumps(indent=2, sort_keys=True): every key and every list item starts a line,
    and a non-empty container's closing bracket takes one more.
    """
    out: dict[int, tuple] = {}
    line = 1

    def walk(v: Any, path: tuple) -> None:
        nonlocal line
        items = (sorted(v.items()) if isinstance(v, dict) else list(enumerate(v))
                 if isinstance(v, list) else None)
        if not items:
            return
        for key, child in items:
            line += 1
            out[line] = path + (key,)
            walk(child, path + (key,))
        line += 1  # the closing bracket

    out[1] = ()
    walk(doc, ())
    return out


# Template sections written from one spec key each, by the same names.
SPEC_SECTIONS = {"Parameters": "parameters", "Outputs": "outputs", "Conditions": "conditions",
                 "Mappings": "mappings"}


def spec_path(template_path: tuple, origins: dict[str, tuple],
              stage_origins: list[tuple[tuple, list[tuple]]], overrides: dict) -> tuple:
    """The spec node most responsible for a place in the template."""
    dotted = ".".join(map(str, template_path))
    for key in overrides:
        if dotted == key or dotted.startswith(key + "."):
            return ("overrides", key)
    section = SPEC_SECTIONS.get(template_path[0]) if template_path else None
    if section and len(template_path) >= 2:
        return (section, template_path[1])
    if template_path[:1] != ("Resources",) or len(template_path) < 2:
        return ()
    logical = template_path[1]
    rest = [p for p in template_path[2:] if p not in ("Fn::If",)]
    if logical == "Pipeline" and rest[:2] == ["Properties", "Stages"] and len(rest) > 2:
        stage_i = rest[2]
        if isinstance(stage_i, int) and stage_i < len(stage_origins):
            stage_path, action_paths = stage_origins[stage_i]
            tail = rest[3:]
            if tail and isinstance(tail[0], int):  # the If's branch index
                tail = tail[1:]
            if tail[:1] == ["Actions"] and len(tail) > 1:
                j = tail[1] if isinstance(tail[1], int) else None
                if j is not None and j < len(action_paths):
                    return action_paths[j]
            return stage_path
    return origins.get(logical, ())


def to_diagnostics(findings: list[Finding], text: str, doc: dict, origins: dict[str, tuple],
                   stage_origins: list, overrides: dict, loaded: Loaded) -> list[Diagnostic]:
    lines = line_paths(doc)
    out = []
    for f in printable(findings, doc):
        if f.severity == "informational":
            continue
        tpath = lines.get(f.line, ())
        path = spec_path(tpath, origins, stage_origins, overrides)
        where = ".".join(map(str, tpath)) or f"template line {f.line}"
        code = "PG501" if f.severity == "error" else "PG502"
        message, quoted = shorten(f.message)
        if path[:1] == ("resources",) and tpath[:2] == ("Resources", path[1]):
            # an extra resource is written as the spec has it: the same path inside it
            path = _deepest(loaded.data, path + tuple(tpath[2:]))
        elif path[:1] != ("overrides",):
            path = _narrowed(loaded.data, _by_property(loaded.data, path, tpath), quoted)
            path = _by_value(loaded.data, path, _at(doc, tpath))
        span = loaded.key_span(path) if path[:1] == ("overrides",) else loaded.span(path)
        out.append(diag(code, f"cfn-lint {f.rule} at {where}: {message}", span, path,
                        "the compiled template fails the lint gate; fix the spec value this "
                        "points at (if the spec is right, this is a pipegen bug: please report "
                        "it)"))
    return out


# cfn-lint's "'x' is not one of [...]" may list hundreds of values (every S3 action).
_NOT_ONE_OF = re.compile(r"^'(?P<value>[^']*)' is not one of \[(?P<options>.*)\]$", re.S)
_QUOTED = re.compile(r"^'(?P<value>[^']+)'")
_MAX_OPTIONS = 12


def shorten(message: str) -> tuple[str, str | None]:
    """(the message with a long list of allowed values cut to a "did you mean", the value it
    quotes first, or None)."""
    quoted = _QUOTED.match(message)
    m = _NOT_ONE_OF.match(message)
    if m is None:
        return message, quoted.group("value") if quoted else None
    options = re.findall(r"'([^']*)'", m.group("options"))
    if len(options) <= _MAX_OPTIONS:
        return message, m.group("value")
    close = difflib.get_close_matches(m.group("value"), options, n=3, cutoff=0.6)
    tail = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
    return (f"'{m.group('value')}' is not one of the {len(options)} values allowed here"
            f"{tail}", m.group("value"))


def _at(doc: Any, tpath: tuple) -> Any:
    """The template value at tpath, or None."""
    for part in tpath:
        try:
            doc = doc[part]
        except (KeyError, IndexError, TypeError):
            return None
    return doc


def _by_value(data: Any, path: tuple, value: Any) -> tuple:
    """The one spec value under path equal to the template value the finding is about (an
    action's `deploy_role` for its Configuration.RoleArn), else path. Only intrinsics and
    strings of some length are matched: short literals repeat too often to tell."""
    if not (isinstance(value, dict) and len(value) == 1 and (
            "Ref" in value or next(iter(value)).startswith("Fn::"))) and not (
            isinstance(value, str) and len(value) >= 8):
        return path
    node = _at(data, path)
    if node is None or node == value:
        return path
    hits: list[tuple] = []

    def walk(v: Any, p: tuple) -> None:
        if v == value:
            hits.append(p)
            return
        if isinstance(v, dict) and not (len(v) == 1 and (
                "Ref" in v or next(iter(v)).startswith("Fn::"))):  # an intrinsic is one value
            for k, x in v.items():
                walk(x, p + (k,))
        elif isinstance(v, list):
            for i, x in enumerate(v):
                walk(x, p + (i,))

    walk(node, path)
    return hits[0] if len(hits) == 1 else path


def _deepest(data: Any, path: tuple) -> tuple:
    """The longest prefix of path that exists in the spec."""
    node = data
    for i, part in enumerate(path):
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            return path[:i]
    return path


_MISSING = object()


def _node_at(data: Any, path: tuple) -> Any:
    """The spec node at path, or _MISSING."""
    node = data
    for part in path:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            return _MISSING
    return node


def _by_property(data: Any, path: tuple, tpath: tuple) -> tuple:
    """The spec key under path named like the template property the finding is in (a
    project's `description` for Resources.X.Properties.Description), else path."""
    if len(tpath) < 4 or tpath[0] != "Resources" or tpath[2] != "Properties" or \
            not isinstance(tpath[3], str):
        return path
    key = re.sub(r"(?<!^)(?=[A-Z])", "_", tpath[3]).lower()
    node = _node_at(data, path)
    return path + (key,) if isinstance(node, dict) and key in node else path


def _narrowed(data: Any, path: tuple, quoted: str | None) -> tuple:
    """The one spec value under path that the finding quotes (a mistyped IAM action in a
    project's `permissions`), else path itself: cfn-lint names a template place, and a
    resource's origin is often a whole spec node."""
    if not quoted:
        return path
    node = _node_at(data, path)
    if node is _MISSING:
        return path
    want = quoted.lower()
    hits = [p for p, v in _scalars(node, path) if isinstance(v, str) and (
        v.lower() == want or v.lower().rpartition(":")[2] == want)]
    return hits[0] if len(hits) == 1 else path


def _scalars(node: Any, path: tuple):
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _scalars(v, path + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _scalars(v, path + (i,))
    else:
        yield path, node
