"""Diagnostics for people (file:line:col, the line, a caret, the hint) and for tools (JSON)."""

from __future__ import annotations

import json
from collections.abc import Iterable

from pipegen.errors import Diagnostic, format_path


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
        blocks.append("\n".join(lines))
    return "\n".join(blocks) + ("\n" if blocks else "")


def _excerpt(d: Diagnostic, sources: dict[str, list[str]]) -> list[str]:
    if not d.span or d.span.file not in sources:
        return []
    lines = sources[d.span.file]
    if not 1 <= d.span.line <= len(lines):
        return []
    src = lines[d.span.line - 1].rstrip("\n").expandtabs(1)
    start = max(d.span.col - 1, 0)
    if d.redact:
        # Never quote a secret back: mask the value (to the end of the line if unbounded).
        end = d.span.end_col - 1 if d.span.end_line == d.span.line and d.span.end_col else len(src)
        src = src[:start] + "*" * max(end - start, 0) + src[end:]
    if d.span.end_line == d.span.line and d.span.end_col and d.span.end_col > d.span.col:
        width = d.span.end_col - d.span.col
    else:
        width = max(len(src) - start, 1)
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
        })
    return json.dumps(out, indent=2) + "\n"
