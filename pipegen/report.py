"""Diagnostics for people (file:line:col, the line, a caret, the hint) and for tools (JSON).

The text form, one block per diagnostic:

    spec.yaml:14:19: error PG205 "Built.zip" is not a valid artifact name
      (stages[0].actions[0].outputs[0])
                 outputs: [Built.zip]
                           ^^^^^^^^^
      hint: use 1 to 100 letters, digits, '-' or '_' (no '.')
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable

from pipegen.errors import Diagnostic, format_path

REDACTED = "********"  # stands for a secret in an excerpt, whatever its length

# The line breaks YAML (and so every Span) counts; str.splitlines() knows more (\f, \v, \x1c),
# which would show the wrong line in an excerpt.
LINE_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")
_KEY = re.compile(r"""([\w.-]+|"[^"]*"|'[^']*')\s*:(?:\s+|$)""")


def split_lines(text: str) -> list[str]:
    """A spec's lines as Spans number them (line N is element N - 1)."""
    return LINE_BREAK.split(text)


# Control characters (a path or spec line holding ESC would drive the terminal) are written as
# escapes; so is a line that a CI runner would read as a command: GitHub Actions reads `::cmd`
# at the start of a line (after spaces), Azure Pipelines `##vso[` anywhere.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def _escape(match: re.Match) -> str:
    c = ord(match.group())
    return f"\\x{c:02x}" if c < 0x100 else f"\\u{c:04x}"


def safe_line(line: str) -> str:
    """One output line with control characters escaped and no CI workflow command in it."""
    line = _CONTROL.sub(_escape, line)
    stripped = line.lstrip()
    if stripped.startswith("::"):
        at = len(line) - len(stripped)
        line = line[:at] + "\\x3a" + line[at + 1:]
    return line.replace("##vso[", "#\\x23vso[").replace("##[", "#\\x23[")


def text(diagnostics: Iterable[Diagnostic], sources: dict[str, list[str]]) -> str:
    """Human-readable report; `sources` maps a file name to its lines, for the excerpt."""
    blocks = []
    for d in diagnostics:
        where = f"{d.span.file}:{d.span.line}:{d.span.col}: " if d.span else ""
        head = f"{where}{d.severity} {d.code} {d.message}"
        if d.path:
            head += f"\n  ({format_path(d.path)})"
        lines = [head]
        excerpt = _excerpt(d, sources)
        if excerpt:
            lines += excerpt
        if d.hint:
            lines.append(f"  hint: {d.hint}")
        blocks.append("\n".join(safe_line(x) for b in lines for x in b.split("\n")))
    return "\n".join(blocks) + ("\n" if blocks else "")


def _excerpt(d: Diagnostic, sources: dict[str, list[str]]) -> list[str]:
    if not d.span or d.span.file not in sources:
        return []
    lines = sources[d.span.file]
    if not 1 <= d.span.line <= len(lines):
        return []
    src = lines[d.span.line - 1].rstrip("\n").expandtabs(1)
    if not src.strip():
        return []  # an empty line (the end of the file): nothing to underline
    start = max(d.span.col - 1, 0)
    if d.span.end_line == d.span.line and d.span.end_col and d.span.end_col > d.span.col:
        width = d.span.end_col - d.span.col
    else:
        width = max(len(src) - start, 1)
    if d.redact:
        # Never quote a secret back, nor its length: a fixed mask stands for the value. A
        # diagnostic on a key (`default:` of a no_echo parameter) masks the value after it.
        key = _KEY.match(src, start)
        if key:
            width = len(key.group(1))
            src = src[:key.end()] + REDACTED
        else:
            src = src[:start] + REDACTED + src[start + width:]
            width = len(REDACTED)
    return [f"     {src}", "     " + " " * start + "^" * max(1, min(width, len(src) - start or 1))]


def as_json(diagnostics: Iterable[Diagnostic]) -> str:
    out = []
    for d in diagnostics:
        out.append({
            "code": d.code, "severity": d.severity, "message": d.message,
            "file": d.span.file if d.span else None,
            "line": d.span.line if d.span else None,
            "column": d.span.col if d.span else None,
            "end_line": d.span.end_line if d.span else None,
            "end_column": d.span.end_col if d.span else None,
            "path": format_path(d.path), "hint": d.hint,
            "related": [{"file": r.file, "line": r.line, "column": r.col} for r in d.related],
        })
    return json.dumps(out, indent=2) + "\n"


def github(diagnostics: Iterable[Diagnostic]) -> str:
    """GitHub Actions workflow commands: one annotation per diagnostic, on the spec's line."""
    out = []
    for d in diagnostics:
        props = [f"title={_gh_property(d.code)}"]
        if d.span:
            props = [f"file={_gh_property(d.span.file)}", f"line={d.span.line}",
                     f"col={d.span.col}", *props]
        message = d.message + (f" ({format_path(d.path)})" if d.path else "")
        if d.hint:
            message += f"\nhint: {d.hint}"
        level = "error" if d.is_error else "warning"
        out.append(f"::{level} {','.join(props)}::{_gh_data(message)}")
    return "".join(line + "\n" for line in out)


def _gh_data(text: str) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return _CONTROL.sub(lambda m: f"%{ord(m.group()):02X}" if ord(m.group()) < 0x100
                        else _escape(m), text)


def _gh_property(text: str) -> str:
    return _gh_data(text).replace(":", "%3A").replace(",", "%2C")
