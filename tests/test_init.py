"""`pipegen init`: every source and deploy choice it offers compiles lint-clean as written."""

from __future__ import annotations

import pytest
from conftest import run_pipegen

from pipegen import cli, init
from pipegen.compiler import compile_spec

SOURCES = cli.init_cmd.params[0].type.choices
DEPLOYS = cli.init_cmd.params[1].type.choices


def test_the_choices_offered_are_the_ones_defined():
    assert sorted(SOURCES) == sorted(init.SOURCES)
    assert sorted(DEPLOYS) == sorted(init.DEPLOYS)


# Every choice at least once: the source and deploy blocks are independent of each other (the
# build stage sits between them), so each source with one deploy and each deploy with one
# source covers every line init can print, at a seventh of the product's lint time.
CASES = sorted({(s, "cloudformation") for s in SOURCES} | {("github", d) for d in DEPLOYS})


def test_the_cases_cover_every_choice():
    assert {s for s, _ in CASES} == set(SOURCES) and {d for _, d in CASES} == set(DEPLOYS)


@pytest.mark.parametrize("source, deploy", CASES, ids=lambda v: v)
def test_every_choice_compiles_lint_clean(source, deploy, tmp_path, linter):
    spec = tmp_path / "starter.yaml"
    spec.write_text(init.starter(source, deploy), encoding="utf-8")
    compiled = compile_spec(spec, "json", linter)  # raises on any lint finding
    assert compiled.warnings == []
    assert compiled.template["Resources"]["Pipeline"]["Type"] == "AWS::CodePipeline::Pipeline"


def test_through_the_entry_point(tmp_path):
    proc = run_pipegen("init", "--source", "codecommit", "--deploy", "ecs", "--name", "orders",
                       cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith(f"# yaml-language-server: $schema={init.SCHEMA_URL}\n")
    assert "\nname: orders " in proc.stdout and "provider: ecs" in proc.stdout
    proc = run_pipegen("init", "-o", "pipeline.yaml", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == "wrote pipeline.yaml; compile it with `pipegen compile " \
        "pipeline.yaml`\n"
    written = (tmp_path / "pipeline.yaml").read_text("utf-8")
    assert written == init.starter()
    proc = run_pipegen("compile", "pipeline.yaml", "-o", "pipeline.json", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    # never over an existing file, and a bad name is a usage error
    proc = run_pipegen("init", "-o", "pipeline.yaml", "--deploy", "s3", cwd=tmp_path)
    assert proc.returncode == 2
    assert "pipeline.yaml exists; pipegen init never overwrites a file" in proc.stderr
    assert (tmp_path / "pipeline.yaml").read_text("utf-8") == written
    proc = run_pipegen("init", "--name", "no spaces", cwd=tmp_path)
    assert proc.returncode == 2 and "--name" in proc.stderr
