"""The command line as users and CI meet it: exit codes, where output goes, output safety.

Exit codes: 0 ok; 1 a spec, the lint gate, a write or a staleness check failed; 2 usage;
3 internal error. A failing compile never touches an existing output file.
"""

from __future__ import annotations

import json
import os
import re
import stat

import pytest
from conftest import run_cli, run_pipegen
from helpers import DEMO_SPEC

from pipegen import cli
from pipegen.errors import diag

GOOD = DEMO_SPEC
BAD = GOOD.replace("        type: build\n", "        type: biuld\n")
PREVIOUS = '{"previous": "template"}\n'


def run(argv, capsys):
    """pipegen in-process: (exit status, stdout, stderr)."""
    with pytest.raises(SystemExit) as exit_info:
        cli.main(argv)
    out, err = capsys.readouterr()
    return exit_info.value.code, out, err


@pytest.fixture
def specs(tmp_path, monkeypatch):
    """A working directory holding good.yaml and bad.yaml."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "good.yaml").write_text(GOOD, encoding="utf-8")
    (tmp_path / "bad.yaml").write_text(BAD, encoding="utf-8")
    return tmp_path


# --- exit codes and where output goes

def test_good_spec_prints_the_template_and_exits_0(specs, capsys):
    status, out, err = run(["compile", "good.yaml", "--no-lint"], capsys)
    assert status == 0
    assert json.loads(out)["Resources"]["Pipeline"]["Type"] == "AWS::CodePipeline::Pipeline"
    assert err == ""


def test_bad_spec_exits_1_with_a_located_error_and_no_template(specs, capsys):
    status, out, err = run(["compile", "bad.yaml", "--no-lint"], capsys)
    assert status == 1
    assert out == ""
    assert err.startswith("bad.yaml:11:15: error PG204 \"biuld\" is not allowed here")


def test_missing_file_exits_1_with_pg101(specs, capsys):
    status, out, err = run(["compile", "nope.yaml", "--no-lint"], capsys)
    assert status == 1
    assert err.startswith("nope.yaml:1:1: error PG101 cannot read nope.yaml: no such file")


@pytest.mark.parametrize("argv", [
    ["compile"],
    ["compile", "good.yaml", "--bogus"],
    ["compile", "good.yaml", "bad.yaml"],  # several specs need -o DIR
    ["compile", "good.yaml", "bad.yaml", "-o", "out.json"],  # a file for several specs
    ["check", "good.yaml"],  # --templates is required
    ["nonsense"],
], ids=["no-spec", "unknown-option", "several-to-stdout", "several-to-a-file", "check-no-dir",
        "unknown-command"])
def test_usage_errors_exit_2(specs, capsys, argv):
    status, out, err = run(argv, capsys)
    assert status == 2
    assert "Traceback" not in err
    assert "Error" in err


def test_two_specs_that_would_write_one_file_are_refused_before_writing(specs, capsys):
    (specs / "other").mkdir()
    (specs / "other" / "good.yaml").write_text(GOOD, encoding="utf-8")
    status, _, err = run(["compile", "good.yaml", "other/good.yaml", "-o", "out", "--no-lint"],
                         capsys)
    assert status == 2
    assert "good.yaml and other/good.yaml would both write out/good.json" in err
    assert not (specs / "out").exists()


def test_internal_error_exits_3_asks_for_a_report_and_writes_nothing(specs, capsys,
                                                                    monkeypatch):
    import pipegen.compiler

    (specs / "good.json").write_text(PREVIOUS, encoding="utf-8")

    def crash(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(pipegen.compiler, "compile_spec", crash)
    status, out, err = run(["compile", "good.yaml", "-o", "good.json", "--no-lint"], capsys)
    assert status == 3
    assert out == ""
    assert "error PG901 internal error (a bug in pipegen, not in your spec)" in err
    assert "Please report it at" in err and "RuntimeError: boom" in err
    assert (specs / "good.json").read_text("utf-8") == PREVIOUS


def test_the_installed_entry_point(tmp_path):
    (tmp_path / "good.yaml").write_text(GOOD, encoding="utf-8")
    proc = run_cli("compile", "good.yaml", "-o", "t.json", "--no-lint", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == "wrote t.json\n"


# --- output safety

@pytest.mark.parametrize("out, target", [("previous.json", "previous.json"),
                                         ("outdir", "outdir/bad.json")], ids=["file", "dir"])
def test_a_failing_compile_leaves_the_previous_output_byte_identical(specs, capsys, out, target):
    target = specs / target
    target.parent.mkdir(exist_ok=True)
    target.write_text(PREVIOUS, encoding="utf-8")
    before = target.read_bytes()
    status, _, _ = run(["compile", "bad.yaml", "-o", out, "--no-lint"], capsys)
    assert status == 1
    assert target.read_bytes() == before
    assert [p.name for p in target.parent.iterdir() if p.name.startswith(".")] == []


def test_a_failing_write_leaves_the_previous_output_and_no_temporary_file(specs, capsys,
                                                                         monkeypatch):
    target = specs / "good.json"
    target.write_text(PREVIOUS, encoding="utf-8")

    def full_disk(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", full_disk)
    status, _, err = run(["compile", "good.yaml", "-o", "good.json", "--no-lint"], capsys)
    assert status == 1
    assert err.startswith("error PG603 cannot write good.json: No space left on device\n")
    assert target.read_text("utf-8") == PREVIOUS
    assert sorted(p.name for p in specs.iterdir()) == ["bad.yaml", "good.json", "good.yaml"]


def test_an_unwritable_output_path_is_pg603_not_a_crash(specs, capsys):
    (specs / "afile").write_text("x", encoding="utf-8")
    status, _, err = run(["compile", "good.yaml", "-o", "afile/sub", "--no-lint"], capsys)
    assert status == 1
    assert "error PG603 cannot write afile/sub/good.json" in err
    assert "Traceback" not in err


def test_in_a_multi_spec_run_good_specs_are_written_and_the_bad_one_is_not(specs, capsys):
    (specs / "out").mkdir()
    (specs / "out" / "bad.json").write_text(PREVIOUS, encoding="utf-8")
    status, _, err = run(["compile", ".", "-o", "out", "--no-lint"], capsys)
    assert status == 1
    assert (specs / "out" / "bad.json").read_text("utf-8") == PREVIOUS
    assert json.loads((specs / "out" / "good.json").read_text("utf-8"))["Resources"]
    assert "wrote out/good.json" in err


def test_a_new_template_gets_the_usual_file_mode(specs, capsys):
    old = os.umask(0o022)
    try:
        status, _, _ = run(["compile", "good.yaml", "-o", "good.json", "--no-lint"], capsys)
    finally:
        os.umask(old)
    assert status == 0
    assert stat.S_IMODE((specs / "good.json").stat().st_mode) == 0o644


# --- -o FILE and -o DIR

def test_o_file_and_o_dir(specs, capsys):
    status, out, err = run(["compile", "good.yaml", "-o", "t.json", "--no-lint"], capsys)
    assert (status, out, err) == (0, "", "wrote t.json\n")
    status, out, err = run(["compile", "good.yaml", "-o", "templates", "--no-lint"], capsys)
    assert (status, out, err) == (0, "", "wrote templates/good.json\n")
    assert (specs / "t.json").read_bytes() == (specs / "templates" / "good.json").read_bytes()
    status, out, err = run(["compile", "good.yaml", "-o", "templates", "--format", "yaml",
                            "--no-lint"], capsys)
    assert (status, err) == (0, "wrote templates/good.yaml\n")
    assert (specs / "templates" / "good.yaml").read_text("utf-8").startswith(
        "AWSTemplateFormatVersion: '2010-09-09'\n")


# --- check

def test_check_up_to_date_stale_and_missing(specs, capsys):
    (specs / "bad.yaml").unlink()
    assert run(["compile", "good.yaml", "-o", "templates", "--no-lint"], capsys)[0] == 0
    status, out, err = run(["check", "good.yaml", "--templates", "templates", "--no-lint"], capsys)
    assert (status, out, err) == (0, "", "checked 1 spec(s): templates are up to date\n")

    committed = specs / "templates" / "good.json"
    fresh = committed.read_text("utf-8")
    committed.write_text(fresh.replace('"Build"', '"Built"', 1), encoding="utf-8")
    status, out, err = run(["check", "good.yaml", "--templates", "templates", "--no-lint"], capsys)
    assert status == 1
    assert err.startswith("error PG601 templates/good.json is stale: it differs from a fresh "
                          "compile of good.yaml\n  hint: run `pipegen compile good.yaml -o "
                          "templates` and commit the result\n--- templates/good.json (committed)"
                          "\n+++ templates/good.json (compiled)\n")
    assert '\n-' in err and '"Built"' in err and '\n+' in err
    assert committed.read_text("utf-8") != fresh  # check writes nothing

    committed.unlink()
    status, out, err = run(["check", "good.yaml", "--templates", "templates", "--no-lint"], capsys)
    assert status == 1
    assert err == ("error PG602 no committed template templates/good.json for good.yaml\n"
                   "  hint: run `pipegen compile good.yaml -o templates` and commit the result\n")
    assert not committed.exists()


def test_check_fails_on_a_bad_spec(specs, capsys):
    status, _, err = run(["check", "bad.yaml", "--templates", "templates", "--no-lint"], capsys)
    assert status == 1
    assert "error PG204" in err


# --- --output json

def test_json_report_goes_to_stdout_when_templates_go_to_files(specs, capsys):
    status, out, err = run(["compile", "bad.yaml", "-o", "out", "--no-lint", "--output",
                            "json"], capsys)
    assert status == 1
    assert err == ""
    report = json.loads(out)
    assert report == [{
        "code": "PG204", "severity": "error",
        "message": '"biuld" is not allowed here; expected one of build, test, approval, invoke, '
                   'deploy',
        "file": "bad.yaml", "line": 11, "column": 15, "end_line": 11, "end_column": 20,
        "path": "stages[0].actions[0].type", "hint": "did you mean 'build'?", "related": [],
    }]


def test_json_report_goes_to_stderr_when_the_template_goes_to_stdout(specs, capsys):
    status, out, err = run(["compile", "good.yaml", "--no-lint", "--output", "json"], capsys)
    assert status == 0
    assert json.loads(out)["Resources"]
    assert json.loads(err) == []


# --- --strict

def test_warnings_pass_unless_strict(specs, capsys, monkeypatch):
    import pipegen.build

    real = pipegen.build.build

    def with_warning(loaded):
        pipeline, warnings = real(loaded)
        return pipeline, [*warnings, diag("PG312", "a test warning", loaded.span(("name",)),
                                          ("name",), severity="warning")]

    monkeypatch.setattr(pipegen.build, "build", with_warning)
    status, out, err = run(["compile", "good.yaml", "-o", "t.json", "--no-lint"], capsys)
    assert status == 0
    assert err.startswith("good.yaml:2:7: warning PG312 a test warning\n")
    assert err.endswith("wrote t.json\n")
    (specs / "t.json").write_text(PREVIOUS, encoding="utf-8")
    status, out, err = run(["compile", "good.yaml", "-o", "t.json", "--no-lint", "--strict"],
                           capsys)
    assert status == 1
    assert err.startswith("good.yaml:2:7: error PG312 a test warning\n")
    assert (specs / "t.json").read_text("utf-8") == PREVIOUS


# --- the lint gate

def test_lint_findings_fail_the_compile_and_point_at_the_spec(specs, capsys):
    (specs / "v3.yaml").write_text(GOOD + "overrides:\n  Resources.Pipeline.Properties."
                                   "PipelineType: V3\n", encoding="utf-8")
    status, out, err = run(["compile", "v3.yaml"], capsys)
    assert status == 1
    assert out == ""
    assert err.startswith("v3.yaml:14:3: error PG501 cfn-lint E3030 at Resources.Pipeline."
                          "Properties.PipelineType: 'V3' is not one of ['V1', 'V2']\n"
                          "  (overrides.Resources.Pipeline.Properties.PipelineType)\n")


def test_lint_warnings_fail_the_gate_too(specs, capsys):
    (specs / "sub.yaml").write_text(GOOD + "outputs:\n  Plain: {value: !Sub plain}\n",
                                    encoding="utf-8")
    status, out, err = run(["compile", "sub.yaml"], capsys)
    assert status == 1
    assert err.startswith("sub.yaml:14:10: error PG502 cfn-lint W1020 at Outputs.Plain.Value."
                          "Fn::Sub: 'Fn::Sub' isn't needed because there are no variables\n"
                          "  (outputs.Plain)\n")


def test_github_annotations(specs, capsys):
    status, out, err = run(["compile", "bad.yaml", "-o", "out", "--no-lint", "--output",
                            "github"], capsys)
    assert status == 1
    assert err == ""
    assert out == ("::error file=bad.yaml,line=11,col=15,title=PG204::\"biuld\" is not allowed "
                   "here; expected one of build, test, approval, invoke, deploy "
                   "(stages[0].actions[0].type)%0Ahint: did you mean 'build'?\n")


# --- the same contracts through the installed `pipegen` command, as CI runs it

BROKEN_TWICE = GOOD.replace("name: demo\n", "name: demo\nbogus: 1\n").replace(
    "branch: main\n", "branch: [main, dev]\n")


@pytest.fixture
def project(tmp_path):
    """A repository layout: pipelines/ with two good specs, templates/ (to be compiled)."""
    (tmp_path / "pipelines").mkdir()
    (tmp_path / "pipelines" / "orders.yaml").write_text(GOOD, encoding="utf-8")
    (tmp_path / "pipelines" / "billing.yaml").write_text(GOOD.replace("demo", "billing"),
                                                          encoding="utf-8")
    return tmp_path


def test_entry_point_clean_repo_then_stale_template(project):
    proc = run_pipegen("compile", "pipelines", "-o", "templates", cwd=project)
    assert proc.returncode == 0, proc.stderr
    proc = run_pipegen("check", "pipelines", "--templates", "templates", cwd=project)
    assert (proc.returncode, proc.stdout) == (0, "")
    assert proc.stderr == "checked 2 spec(s): templates are up to date\n"

    template = project / "templates" / "orders.json"
    template.write_text(template.read_text("utf-8").replace('"Compile"', '"Compiled"'),
                        encoding="utf-8")
    proc = run_pipegen("check", "pipelines", "--templates", "templates", cwd=project)
    assert proc.returncode == 1
    assert "error PG601 templates/orders.json is stale: it differs from a fresh compile of " \
        "pipelines/orders.yaml\n" in proc.stderr
    assert "--- templates/orders.json (committed)\n+++ templates/orders.json (compiled)\n" \
        in proc.stderr
    assert re.search(r'^- +"Name": "Compiled",$', proc.stderr, re.MULTILINE)
    assert re.search(r'^\+ +"Name": "Compile",$', proc.stderr, re.MULTILINE)
    assert "billing" not in proc.stderr  # the up-to-date one is not reported


def test_entry_point_a_broken_spec_among_good_ones(project):
    (project / "pipelines" / "broken.yaml").write_text(BROKEN_TWICE, encoding="utf-8")
    proc = run_pipegen("compile", "pipelines", "-o", "templates", cwd=project)
    assert proc.returncode == 1
    # every error of the broken spec is reported, located
    assert "pipelines/broken.yaml:3:1: error PG201 unknown key 'bogus'" in proc.stderr
    assert "pipelines/broken.yaml:7:13: error " in proc.stderr  # the branch list
    # the good ones are written, nothing for the broken one
    assert "wrote templates/billing.json\n" in proc.stderr
    assert "wrote templates/orders.json\n" in proc.stderr
    assert sorted(p.name for p in (project / "templates").iterdir()) == [
        "billing.json", "orders.json"]


def test_entry_point_github_annotations_carry_line_numbers(project):
    (project / "pipelines" / "broken.yaml").write_text(BROKEN_TWICE, encoding="utf-8")
    proc = run_pipegen("check", "pipelines", "--templates", "templates", "--output", "github",
                       cwd=project)
    assert proc.returncode == 1
    lines = proc.stdout.splitlines()
    assert "::error file=pipelines/broken.yaml,line=3,col=1,title=PG201::unknown key " \
        "'bogus'" in proc.stdout
    assert any(line.startswith("::error file=pipelines/broken.yaml,line=7,col=13,title=PG")
               for line in lines)
    # the good specs have no committed template yet: one annotation each
    assert sum(line.startswith("::error title=PG602::no committed template") for line in lines) \
        == 2
    assert all(line.startswith("::error ") for line in lines)
