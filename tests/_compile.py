"""Helpers for tests that compile small specs: the template, or the diagnostics."""

from __future__ import annotations

import textwrap

import pytest

from pipegen.compiler import compile_spec
from pipegen.errors import SpecError, format_path

HEADER = """\
pipegen: 1
name: demo
{extra}
sources:
  - name: App
    provider: codecommit
    repository: demo
    branch: main
stages:
"""


def spec(stages: str, extra: str = "") -> str:
    return HEADER.format(extra=textwrap.dedent(extra).strip()) + textwrap.indent(
        textwrap.dedent(stages).strip(), "  ") + "\n"


def compile_text(tmp_path, text: str, linter=None) -> dict:
    path = tmp_path / "spec.yaml"
    path.write_text(text, encoding="utf-8")
    return compile_spec(path, linter=linter).template


def errors(tmp_path, text: str) -> list[tuple]:
    """(code, message, path, line, col, hint) of every diagnostic the spec fails with."""
    path = tmp_path / "spec.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SpecError) as info:
        compile_spec(path)
    return [(d.code, d.message, format_path(d.path), d.span.line if d.span else None,
             d.span.col if d.span else None, d.hint) for d in info.value.diagnostics]


def actions(template: dict, stage: str) -> list[dict]:
    for s in template["Resources"]["Pipeline"]["Properties"]["Stages"]:
        if s["Name"] == stage:
            return s["Actions"]
    raise KeyError(stage)


def stage(template: dict, name: str) -> dict:
    for s in template["Resources"]["Pipeline"]["Properties"]["Stages"]:
        if s["Name"] == name:
            return s
    raise KeyError(name)


def statements(template: dict) -> list[dict]:
    role = template["Resources"]["PipelineRole"]["Properties"]
    return role["Policies"][0]["PolicyDocument"]["Statement"]


def type_id(provider: str, category: str = "Deploy") -> dict:
    return {"Category": category, "Owner": "AWS", "Provider": provider, "Version": "1"}
