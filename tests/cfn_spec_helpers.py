"""Small helpers for tests that compile spec text: a spec skeleton, errors as tuples."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from pipegen.compiler import compile_spec
from pipegen.errors import SpecError, format_path

HEAD = """\
pipegen: 1
name: demo
"""

SOURCE = """\
sources:
  - name: Repo
    provider: codecommit
    repository: demo
    branch: main
"""

BUILD = """\
stages:
  - name: Build
    actions:
      - name: Package
        type: build
        project: {buildspec: buildspec.yml}
        outputs: [Bundle]
"""


def spec(*parts: str) -> str:
    """A spec from dedented parts; HEAD first, SOURCE and BUILD when no part declares them."""
    body = [textwrap.dedent(p).strip("\n") + "\n" for p in parts]
    text = "".join(body)
    out = HEAD
    if "\nsources:" not in "\n" + text:
        out += SOURCE
    out += text
    if "\nstages:" not in "\n" + text:
        out += BUILD
    return out


def compile_text(tmp_path: Path, text: str, linter=None):
    path = tmp_path / "spec.yaml"
    path.write_text(text, encoding="utf-8")
    return compile_spec(path, linter=linter)


def errors(tmp_path: Path, text: str) -> list[tuple]:
    """(code, message, path, line, col, hint) for every diagnostic compiling text raises."""
    with pytest.raises(SpecError) as caught:
        compile_text(tmp_path, text)
    return [(d.code, d.message, format_path(d.path), d.span.line, d.span.col, d.hint)
            for d in caught.value.diagnostics]


def line_of(text: str, needle: str) -> int:
    """1-based line of the first line containing needle."""
    for i, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            return i
    raise AssertionError(f"{needle!r} not in spec")


def col_of(text: str, needle: str, line: str | None = None) -> int:
    """1-based column of needle in the first line containing `line` (default: needle)."""
    return text.splitlines()[line_of(text, line or needle) - 1].index(needle) + 1


def lint_clean(linter, result) -> None:
    findings = linter.lint(result.text)
    assert [f for f in findings if f.severity in ("error", "warning")] == []
