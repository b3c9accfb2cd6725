"""The compile/check run loop: parallel lint workers, the lint cache, lazy imports, progress.

What users must be able to rely on: `--jobs N` changes nothing but the time (same output, same
bytes, same order as `--jobs 1`); the cache never hides a finding and is never trusted when it
cannot be; commands that do not lint never import cfn-lint.
"""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, SAMPLES, run_cli
from helpers import DEMO_SPEC

from pipegen import cli
from pipegen.lintcache import LintCache
from pipegen.progress import Progress
from pipegen.runner import _cgroup_quota, available_cpus

GOOD = DEMO_SPEC
# cfn-lint E3030 on the override's line: a lint finding the cache must never hide.
V3 = GOOD + "overrides:\n  Resources.Pipeline.Properties.PipelineType: V3\n"
V3_ERROR = ("v3.yaml:14:3: error PG501 cfn-lint E3030 at Resources.Pipeline.Properties."
            "PipelineType: 'V3' is not one of ['V1', 'V2']\n")


@pytest.fixture(autouse=True)
def _rules_loaded(linter):
    """cfn-lint's rules loaded in this process: forked lint workers inherit them (saves ~1 s a
    run); the subprocess tests load their own, as users' runs do."""


def run(argv, capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(argv)
    out, err = capsys.readouterr()
    return exit_info.value.code, out, err


@pytest.fixture
def work(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)  # the cache goes to ./.pipegen-cache
    return tmp_path


def entries(cache: Path) -> list[Path]:
    return sorted((cache / "lint").glob("*.json"))


# --- --jobs: only the time changes

@pytest.fixture
def many(tmp_path):
    """Specs that pass, fail the schema, fail the lint gate, and are stale or missing."""
    specs = tmp_path / "specs"
    specs.mkdir()
    for name in ("typical", "minimal", "deploy-s3"):
        shutil.copy(SAMPLES / f"{name}.yaml", specs / f"{name}.yaml")
    (specs / "bad.yaml").write_text(GOOD.replace("type: build", "type: biuld"), "utf-8")
    (specs / "v3.yaml").write_text(V3, "utf-8")
    templates = tmp_path / "templates"
    templates.mkdir()
    for name in ("typical", "deploy-s3"):
        shutil.copy(ROOT / "templates" / f"{name}.json", templates / f"{name}.json")
    (templates / "deploy-s3.json").write_text("{}\n", "utf-8")  # stale
    return tmp_path


@pytest.mark.parametrize("command", [
    ["check", "specs", "--templates", "templates"],
    ["compile", "specs", "-o", "out", "--output", "github", "--format", "yaml"],
], ids=["check", "compile-github-yaml"])
def test_jobs_output_is_identical_to_jobs_1(many, command):
    runs = []
    for jobs in ("1", "2"):
        proc = run_cli(*command, "--no-cache", "--jobs", jobs, cwd=many)
        out_dir = many / "out"
        written = ({p.name: p.read_bytes() for p in sorted(out_dir.iterdir())}
                   if out_dir.exists() else {})
        shutil.rmtree(out_dir, ignore_errors=True)
        runs.append((proc.returncode, proc.stdout, proc.stderr, written))
    assert runs[0] == runs[1]
    status, out, err, written = runs[0]
    assert status == 1
    said = out + err
    assert "PG204" in said and "E3030" in said  # the schema error and the lint finding
    assert "\r" not in err  # no progress line when stderr is not a terminal
    if command[0] == "check":
        assert "PG601" in said and "PG602" in said
    else:
        assert sorted(written) == ["deploy-s3.yaml", "minimal.yaml", "typical.yaml"]


def test_helpers_compile_in_order_when_nothing_needs_linting(tmp_path):
    """Many specs with nothing to lint (all cached, or --no-lint) compile in helper processes;
    a spec the cache turns out not to hold is handed back and linted: same output as serial."""
    specs = tmp_path / "specs"
    specs.mkdir()
    names = [f"s{i:02d}" for i in range(10)]
    for i, name in enumerate(names):
        text = GOOD.replace("name: demo", f"name: demo-{i}")
        if i in (3, 8):
            text = V3.replace("name: demo", f"name: demo-{i}")  # a cached finding
        if i == 6:
            text = text.replace("type: build", "type: biuld")  # a schema error
        (specs / f"{name}.yaml").write_text(text, "utf-8")
    assert run_cli("compile", "specs", "-o", "templates", "--no-lint", cwd=tmp_path).returncode == 1
    (tmp_path / "templates" / "s01.json").write_text("{}\n", "utf-8")  # stale
    warm = run_cli("check", "specs", "--templates", "templates", "--cache-dir", "c",
                   "--jobs", "1", cwd=tmp_path)
    assert warm.returncode == 1 and "E3030" in warm.stderr
    # s08's entry is damaged after the run: the index expects it, a helper cannot use it.
    entry = (tmp_path / "c" / "lint" /
             f"{LintCache(tmp_path / 'c').key((tmp_path / 'templates' / 's08.json').read_text())}"
             ".json")
    entry.write_text("{", "utf-8")
    for args in (["--cache-dir", "c"], ["--no-lint"]):
        runs = [run_cli("check", "specs", "--templates", "templates", *args, "--jobs", jobs,
                        cwd=tmp_path) for jobs in ("1", "2")]
        assert [(r.returncode, r.stdout, r.stderr) for r in runs[1:]] == \
            [(runs[0].returncode, runs[0].stdout, runs[0].stderr)]
        said = runs[0].stderr
        assert "PG204" in said and "PG601" in said
        assert ("E3030" in said) == ("--no-lint" not in args)
        if "--no-lint" not in args:
            assert said.count("E3030") == 2  # s03 from the cache, s08 linted afresh
            assert entry.read_text("utf-8").startswith('{"format"')  # and rewritten


def test_jobs_must_be_positive(work, capsys):
    status, _, err = run(["compile", "x.yaml", "--jobs", "0"], capsys)
    assert status == 2
    assert "--jobs" in err


def test_available_cpus_follows_affinity():
    import os

    assert 1 <= available_cpus() <= len(os.sched_getaffinity(0))


@pytest.mark.parametrize("files, cpus", [
    ({"cpu.max": "150000 100000\n"}, 2),
    ({"cpu.max": "max 100000\n"}, None),
    ({"cpu.max": "50000 100000\n"}, 1),
    ({"cpu/cpu.cfs_quota_us": "300000\n", "cpu/cpu.cfs_period_us": "100000\n"}, 3),
    ({"cpu/cpu.cfs_quota_us": "-1\n", "cpu/cpu.cfs_period_us": "100000\n"}, None),
    ({}, None),
], ids=["v2-1.5", "v2-max", "v2-half", "v1-3", "v1-unlimited", "none"])
def test_container_cpu_quota(tmp_path, files, cpus):
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    assert _cgroup_quota(tmp_path) == cpus


FORKED = pytest.mark.skipif(not sys.platform.startswith("linux"),
                            reason="lint workers inherit a monkeypatch only when forked (Linux)")


@FORKED
def test_a_crashing_lint_worker_is_an_internal_error(work, capsys, monkeypatch):
    import pipegen.lint

    (work / "good.yaml").write_text(GOOD, "utf-8")

    def fail(self, text):
        raise ValueError("cfn-lint blew up")

    monkeypatch.setattr(pipegen.lint.Linter, "lint", fail)  # forked workers inherit it
    status, out, err = run(["compile", "good.yaml", "--no-cache"], capsys)
    assert status == 3 and out == ""
    assert "error PG901 internal error" in err
    assert "cfn-lint failed in a lint worker" in err and "ValueError: cfn-lint blew up" in err


@FORKED
def test_a_dying_lint_worker_is_an_internal_error(work, capsys, monkeypatch):
    import os

    import pipegen.lint

    (work / "good.yaml").write_text(GOOD, "utf-8")
    monkeypatch.setattr(pipegen.lint.Linter, "lint", lambda self, text: os._exit(7))
    status, out, err = run(["compile", "good.yaml", "--no-cache"], capsys)
    assert status == 3 and out == ""
    assert "a lint worker exited unexpectedly (exit code 7)" in err


# --- the lint cache

def test_a_cached_template_with_findings_still_fails(work, capsys, monkeypatch):
    (work / "v3.yaml").write_text(V3, "utf-8")
    first = run(["compile", "v3.yaml"], capsys)
    assert first[0] == 1 and first[2].startswith(V3_ERROR)
    assert len(entries(work / ".pipegen-cache")) == 1

    import pipegen.lintpool

    def no_lint(self, *args):
        raise AssertionError("the cached template was linted again")

    monkeypatch.setattr(pipegen.lintpool.LintPool, "submit", no_lint)
    # Nothing changed: no lint worker is even started (cfn-lint's rules are not loaded).
    monkeypatch.setattr(pipegen.lintpool.LintPool, "_start_worker", no_lint)
    assert run(["compile", "v3.yaml"], capsys) == first


def test_a_changed_template_is_linted_again(work, capsys):
    (work / "v3.yaml").write_text(GOOD, "utf-8")
    assert run(["compile", "v3.yaml"], capsys)[0] == 0
    (work / "v3.yaml").write_text(V3, "utf-8")
    status, _, err = run(["compile", "v3.yaml"], capsys)
    assert status == 1 and err.startswith(V3_ERROR)
    assert len(entries(work / ".pipegen-cache")) == 2


def test_the_cfn_lint_configuration_is_part_of_the_key(work, capsys):
    (work / "v3.yaml").write_text(V3, "utf-8")
    assert run(["compile", "v3.yaml"], capsys)[0] == 1
    # cfn-lint reads .cfnlintrc from the working directory by itself: other findings.
    (work / ".cfnlintrc").write_text("ignore_checks:\n  - E3030\n", "utf-8")
    status, out, err = run(["compile", "v3.yaml"], capsys)
    assert "E3030" not in err
    assert status == 0 and json.loads(out)["Resources"]["Pipeline"]["Properties"][
        "PipelineType"] == "V3"


@pytest.mark.parametrize("corrupt", [
    lambda text: "",
    lambda text: text[: len(text) // 2],
    lambda text: "\x00garbage",
    lambda text: json.dumps({**json.loads(text), "findings": []}),  # checksum no longer matches
    lambda text: json.dumps({**json.loads(text), "findings": [], "checksum": "0" * 64}),
    lambda text: json.dumps({**json.loads(text), "key": "0" * 64}),
    lambda text: json.dumps({**json.loads(text), "findings": [["E1", "error", "m", "x"]]}),
    lambda text: "[]",
], ids=["empty", "truncated", "garbage", "emptied", "forged-checksum", "other-key",
        "bad-row", "not-an-entry"])
def test_a_corrupted_entry_is_ignored_and_rewritten(work, capsys, corrupt):
    (work / "v3.yaml").write_text(V3, "utf-8")
    first = run(["compile", "v3.yaml"], capsys)
    [entry] = entries(work / ".pipegen-cache")
    good = entry.read_text("utf-8")
    entry.write_text(corrupt(good), "utf-8")
    assert run(["compile", "v3.yaml"], capsys) == first
    assert entry.read_text("utf-8") == good


def test_no_cache_neither_reads_nor_writes(work, capsys):
    (work / "v3.yaml").write_text(V3, "utf-8")
    status, _, err = run(["compile", "v3.yaml", "--no-cache"], capsys)
    assert status == 1 and err.startswith(V3_ERROR)
    assert not (work / ".pipegen-cache").exists()


def test_cache_locations(work, capsys, monkeypatch):
    (work / "good.yaml").write_text(GOOD, "utf-8")
    assert run(["compile", "good.yaml", "--cache-dir", "elsewhere"], capsys)[0] == 0
    assert len(entries(work / "elsewhere")) == 1
    monkeypatch.setenv("XDG_CACHE_HOME", str(work / "xdg"))
    assert run(["compile", "good.yaml"], capsys)[0] == 0
    assert len(entries(work / "xdg" / "pipegen")) == 1
    assert not (work / ".pipegen-cache").exists()


def test_a_cache_in_the_tree_is_git_ignored_and_not_searched_for_specs(work, capsys):
    (work / "specs").mkdir()
    (work / "specs" / "good.yaml").write_text(GOOD, "utf-8")
    assert run(["compile", "specs", "-o", "out", "--cache-dir", "specs/mycache"], capsys)[0] == 0
    assert run(["compile", "specs", "-o", "out"], capsys)[0] == 0
    for cache in (work / "specs" / "mycache", work / ".pipegen-cache"):
        assert (cache / ".gitignore").read_text("utf-8").splitlines()[-1] == "*"
        assert (cache / "CACHEDIR.TAG").read_text("utf-8").startswith(
            "Signature: 8a477f597d28d172789f06886806bc55")
        (cache / "lint" / "stray.yaml").write_text(GOOD.replace("demo", "stray"), "utf-8")
    shutil.copytree(work / ".pipegen-cache", work / "specs" / ".pipegen-cache")
    status, _, err = run(["compile", "specs", "-o", "out", "--no-lint"], capsys)
    assert status == 0 and err == "wrote out/good.json\n"
    git = shutil.which("git")
    if git:
        subprocess.run([git, "init", "-q"], cwd=work, check=True)
        ignored = subprocess.run([git, "status", "--porcelain", "--ignored"], cwd=work,
                                 capture_output=True, text=True, check=True).stdout
        assert "!! .pipegen-cache/" in ignored and "!! specs/mycache/" in ignored


def test_an_unwritable_cache_is_skipped_with_a_note(work, capsys):
    (work / "blocker").write_text("a file where the cache directory would be", "utf-8")
    (work / "good.yaml").write_text(GOOD, "utf-8")
    status, out, err = run(["compile", "good.yaml", "--cache-dir", "blocker/cache"], capsys)
    assert status == 0 and json.loads(out)
    assert err.startswith("pipegen: note: the lint cache was not written: ")


def test_no_secret_reaches_the_cache(work, capsys):
    """A NoEcho parameter's default is masked in findings, as printed and as cached."""
    secret = "s3cr3t-Value-42"
    spec = GOOD.replace("project: demo-build", "project: !Ref Token") + (
        "parameters:\n  Token: {type: String, no_echo: true, allowed_values: [alpha, beta]}\n"
        f"overrides:\n  Parameters.Token.Default: {secret}\n"
        f"  Resources.Pipeline.Properties.PipelineType: {secret}\n")
    (work / "secret.yaml").write_text(spec, "utf-8")
    status, _, err = run(["compile", "secret.yaml"], capsys)
    assert status == 1
    assert "E3030 at Resources.Pipeline.Properties.PipelineType: '********' is not one of" in err
    [entry] = entries(work / ".pipegen-cache")
    assert "'********' is not one of" in entry.read_text("utf-8")
    assert secret not in entry.read_text("utf-8")


def test_cache_keys_differ_by_template(tmp_path):
    cache = LintCache(tmp_path)
    assert cache.key("{}\n") != cache.key("{ }\n")
    assert cache.get(cache.key("{}\n")) is None


# --- import cost: nothing heavy before it is needed

PROBE = """\
import atexit, sys
atexit.register(lambda: sys.__stderr__.write(
    "\\nIMPORTED " + " ".join(m for m in ("cfnlint", "jsonschema", "troposphere")
                              if m in sys.modules) + "\\n"))
from pipegen.cli import main
main(sys.argv[1:])
"""


def imported(*args: str, cwd: Path) -> set[str]:
    proc = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True, text=True,
                          cwd=cwd)
    last = proc.stderr.rstrip("\n").rsplit("\n", 1)[-1]
    assert last.startswith("IMPORTED"), proc.stderr
    return set(last.split()[1:])


def test_help_schema_and_no_lint_never_import_cfn_lint(tmp_path):
    (tmp_path / "good.yaml").write_text(GOOD, "utf-8")
    assert imported("--help", cwd=tmp_path) == set()
    assert imported("compile", "--help", cwd=tmp_path) == set()
    assert "cfnlint" not in imported("schema", cwd=tmp_path)
    assert imported("compile", "good.yaml", "--no-lint", cwd=tmp_path) == {"jsonschema",
                                                                           "troposphere"}
    # With the gate on, cfn-lint is the workers' business: the main process never loads it.
    assert "cfnlint" not in imported("compile", "good.yaml", "--no-cache", cwd=tmp_path)


# --- the progress line

def test_progress_line_is_rewritten_in_place_and_wiped():
    stream = io.StringIO()
    progress = Progress("checking", stream)
    progress.show(0, 3, Path("a.yaml"))
    progress.show(1, 3, Path("bb.yaml"))
    progress.clear()
    text = stream.getvalue()
    assert text == ("\r[0/3] checking a.yaml\r" + "\r[1/3] checking bb.yaml\r"
                    + "\r" + " " * len("[1/3] checking bb.yaml") + "\r")
    assert "\n" not in text


def test_no_progress_line_without_a_terminal(monkeypatch):
    monkeypatch.setattr(sys.stderr, "isatty", lambda: False, raising=False)
    assert Progress.for_terminal("checking", 50) is None
