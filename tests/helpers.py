"""Shared test helpers: spec skeletons, compiling spec text, and reading templates and errors.

Building specs:
- `HEAD` / `TWO_SOURCES_HEAD`: a pipeline named `t` with one (App) or two (App, Config)
  codecommit sources, ending in `stages:`; append stage items to it (`compile_stages`).
- `spec_from_stages(stages, extra)`: a pipeline named `demo` with an App source and the stages.
- `spec_from_parts(*parts)`: a pipeline named `demo` from dedented top-level sections; a Repo
  source and a Build stage are added when no part declares them.
- `spec_from_sources(sources, top)`: the given sources and one approval stage.
- `GITHUB_BUILD`: a `demo` pipeline with a GitHub source and one build action (for CLI tests).

Compiling (each writes `spec.yaml`): `compile_stages` -> template, `compile_template` ->
template, `compile_result` -> CompileResult; a failing spec gives `error_report` (the report
text users see) or `error_tuples` ((code, message, path, line, col, hint) per diagnostic).
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from pipegen import report
from pipegen.compiler import compile_spec
from pipegen.errors import Diagnostic, SpecError, format_path

TOKEN = '"{{resolve:secretsmanager:github:SecretString:token}}"'
HOST = "arn:aws:codeconnections:us-east-1:111111111111:host/acme-1a2b3c"

# --- spec skeletons

# The smallest spec the command-line tests run: one CodeCommit source, one existing project.
DEMO_SPEC = """\
pipegen: 1
name: demo
sources:
  - provider: codecommit
    repository: demo
    branch: main
stages:
  - name: Build
    actions:
      - name: Compile
        type: build
        project: demo-build
"""

HEAD = """\
pipegen: 1
name: t
sources:
  - name: App
    provider: codecommit
    repository: app
    branch: main
stages:
"""

TWO_SOURCES_HEAD = HEAD.replace("stages:\n", """\
  - name: Config
    provider: codecommit
    repository: config
    branch: main
stages:
""")

GITHUB_BUILD = """\
pipegen: 1
name: demo
sources:
  - provider: github
    repository: acme/demo
    branch: main
    connection: arn:aws:codeconnections:us-east-1:111111111111:connection/abc
stages:
  - name: Build
    actions:
      - name: Compile
        type: build
        project: demo-build
"""

# GITHUB_BUILD whose build output a CodeDeploy stage deploys.
GITHUB_BUILD_DEPLOY = GITHUB_BUILD + """\
        outputs: [Built]
  - name: Deploy
    actions:
      - name: Hosts
        type: deploy
        provider: codedeploy
        application: demo
        deployment_group: demo-hosts
        inputs: [Built]
"""

STAGES_HEADER = """\
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

PARTS_HEAD = """\
pipegen: 1
name: demo
"""

PARTS_SOURCE = """\
sources:
  - name: Repo
    provider: codecommit
    repository: demo
    branch: main
"""

PARTS_BUILD = """\
stages:
  - name: Build
    actions:
      - name: Package
        type: build
        project: {buildspec: buildspec.yml}
        outputs: [Bundle]
"""


def with_parameters(*names: str, head: str = HEAD) -> str:
    """`head` declaring String parameters (only those a test uses: cfn-lint flags unused ones)."""
    declared = "".join(f"  {n}: {{type: String}}\n" for n in names)
    return head.replace("sources:\n", "parameters:\n" + declared + "sources:\n", 1)


def spec_from_stages(stages: str, extra: str = "") -> str:
    """STAGES_HEADER with `extra` top-level keys, then the stage items indented under it."""
    return STAGES_HEADER.format(extra=textwrap.dedent(extra).strip()) + textwrap.indent(
        textwrap.dedent(stages).strip(), "  ") + "\n"


def spec_from_parts(*parts: str) -> str:
    """A spec from dedented parts; PARTS_HEAD first, PARTS_SOURCE and PARTS_BUILD when no part
    declares `sources:` or `stages:`."""
    body = [textwrap.dedent(p).strip("\n") + "\n" for p in parts]
    text = "".join(body)
    out = PARTS_HEAD
    if "\nsources:" not in "\n" + text:
        out += PARTS_SOURCE
    out += text
    if "\nstages:" not in "\n" + text:
        out += PARTS_BUILD
    return out


def spec_from_sources(sources: str, top: str = "") -> str:
    """A spec with the given `sources` entries and one approval stage (which needs no input)."""
    body = textwrap.indent(textwrap.dedent(sources).strip("\n"), "  ")
    return (f"pipegen: 1\nname: t\n{top}sources:\n{body}\nstages:\n  - name: Approve\n"
            "    actions:\n      - name: Ok\n        type: approval\n")


# --- compiling

def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "spec.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def failing_diagnostics(path: Path) -> list[Diagnostic]:
    """The diagnostics compiling the spec at `path` raises; the spec must fail."""
    with pytest.raises(SpecError) as info:
        compile_spec(path)
    return info.value.diagnostics


def compile_stages(write_spec, stages: str, head: str = HEAD, linter=None) -> dict:
    """The template of `head` followed by the dedented stage items."""
    return compile_spec(write_spec(head + textwrap.dedent(stages)), linter=linter).template


def error_report(write_spec, stages: str, head: str = HEAD) -> str:
    """The error report users see for `head` + stages, with the file named `spec.yaml`."""
    path = write_spec(head + textwrap.dedent(stages))
    diagnostics = failing_diagnostics(path)
    text = report.text(diagnostics, {str(path): path.read_text().splitlines()})
    return text.replace(str(path), "spec.yaml")


def compile_result(tmp_path: Path, text: str, linter=None):
    """The CompileResult (template, text, warnings) of the spec text."""
    return compile_spec(_write(tmp_path, text), linter=linter)


def compile_template(tmp_path: Path, text: str, linter=None) -> dict:
    """The template of the spec text."""
    return compile_result(tmp_path, text, linter).template


def error_tuples(tmp_path: Path, text: str) -> list[tuple]:
    """(code, message, path, line, col, hint) of every diagnostic the spec fails with."""
    return [(d.code, d.message, format_path(d.path), d.span.line if d.span else None,
             d.span.col if d.span else None, d.hint)
            for d in failing_diagnostics(_write(tmp_path, text))]


def lint_clean(linter, result) -> None:
    findings = linter.lint(result.text)
    assert [f for f in findings if f.severity in ("error", "warning")] == []


# --- locating text in a spec

def line_of(text: str, needle: str) -> int:
    """1-based line of the first line containing needle."""
    for i, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            return i
    raise AssertionError(f"{needle!r} not in spec")


def col_of(text: str, needle: str, line: str | None = None) -> int:
    """1-based column of needle in the first line containing `line` (default: needle)."""
    return text.splitlines()[line_of(text, line or needle) - 1].index(needle) + 1


# --- reading templates

def _stages(template: dict) -> list[dict]:
    return template["Resources"]["Pipeline"]["Properties"]["Stages"]


def stage(template: dict, name: str) -> dict:
    """The pipeline stage called `name`."""
    for s in _stages(template):
        if s["Name"] == name:
            return s
    raise KeyError(name)


def stage_actions(template: dict, name: str) -> list[dict]:
    """The actions of the stage called `name`, in template order."""
    return stage(template, name)["Actions"]


def actions_by_name(template: dict, index: int = 1) -> dict[str, dict]:
    """Action name -> action of the stage at `index` (0 is the source stage)."""
    return {a["Name"]: a for a in _stages(template)[index]["Actions"]}


def action(template: dict, name: str) -> dict:
    """The action called `name`, in any stage."""
    for s in _stages(template):
        for a in s["Actions"]:
            if a["Name"] == name:
                return a
    raise KeyError(name)


def statements(template: dict, role: str = "PipelineRole") -> list[dict]:
    """The statements of the role's inline policy."""
    props = template["Resources"][role]["Properties"]
    return props["Policies"][0]["PolicyDocument"]["Statement"]


def grants(template: dict, role: str = "PipelineRole") -> dict[str, list]:
    """action -> resources, over every statement of the role's inline policy."""
    out: dict[str, list] = {}
    for s in statements(template, role):
        for a in s["Action"]:
            out.setdefault(a, []).extend(s["Resource"])
    return out


def type_id(provider: str, category: str = "Deploy") -> dict:
    return {"Category": category, "Owner": "AWS", "Provider": provider, "Version": "1"}


# --- CloudFormation pipeline stages, as `pipegen import` reads them

TEMPLATE_SOURCE_STAGE = """\
        - Name: Source
          Actions:
            - Name: App
              ActionTypeId: {Category: Source, Owner: AWS, Provider: CodeCommit, Version: "1"}
              Configuration: {RepositoryName: orders, BranchName: main}
              OutputArtifacts: [{Name: AppSource}]
"""

TEMPLATE_BUILD_STAGE = """\
        - Name: Build
          Actions:
            - Name: Compile
              ActionTypeId: {Category: Build, Owner: AWS, Provider: CodeBuild, Version: "1"}
              Configuration: {ProjectName: orders-build}
              InputArtifacts: [{Name: AppSource}]
"""
