"""Error goldens: tests/errors/<code>-<slug>.yaml beside <code>-<slug>.out, the exact stderr of
`pipegen compile <case>.yaml --no-lint` run in tests/errors.

Every code in the catalog has a case, or is listed in EXEMPT with the reason and the test that
covers it instead. To regenerate after an intended change of wording:
`PIPEGEN_UPDATE_GOLDENS=1 .venv/bin/pytest tests/test_error_cases.py`, then read the diff.
"""

from __future__ import annotations

import os

import pytest
from conftest import ROOT

from pipegen.cli import EXIT_FAIL, EXIT_OK, main
from pipegen.errors import CODES

CASES_DIR = ROOT / "tests" / "errors"
CASES = sorted(CASES_DIR.glob("*.yaml"))
UPDATE = os.environ.get("PIPEGEN_UPDATE_GOLDENS") == "1"

# Codes without a case here, and why. Everything else in CODES must have one.
EXEMPT = {
    "PG101": "needs a missing file, not a spec; tests/test_cli.py",
    "PG111": "needs a spec file over 1 MiB; tests/test_loader.py",
    "PG399": "needs more than 200 diagnostics; tests/test_security.py",
    "PG501": "lint findings; the cases run with --no-lint; tests/test_cli.py",
    "PG502": "lint findings; the cases run with --no-lint; tests/test_cli.py",
    "PG601": "`pipegen check`, not compile; tests/test_cli.py",
    "PG602": "`pipegen check`, not compile; tests/test_cli.py",
    "PG603": "needs an unwritable output path; tests/test_cli.py",
    "PG610": "`pipegen diff`, not compile; tests/test_diff.py",
    "PG611": "`pipegen diff --base`, not compile; tests/test_diff.py",
    "PG708": "needs an unwritable output path; tests/test_import.py",
    "PG208": "every key the language documents is built now (schema.NOT_YET is all accepted); "
             "the message stays for the next one; tests/test_realworld.py",
    "PG901": "an internal error is a bug, not an input; tests/test_cli.py",
    # No deploy provider declares a strategy yet (issue 10 adds them, and these cases).
    "PG410": "needs a declared strategy; tests/test_expand.py registers one",
    "PG411": "needs a declared strategy; tests/test_expand.py registers one",
}


def compile_stderr(name: str, capsys) -> tuple[int, str, str]:
    """Exit status, stdout and stderr of `pipegen compile NAME --no-lint`, in-process.

    Import cases (PG7xx) are templates: they run `pipegen import NAME --no-check`, plus the
    arguments their first line gives as `# pipegen import ARGS`.
    """
    argv = ["compile", name, "--no-lint"]
    if name.startswith("PG7"):
        first = (CASES_DIR / name).read_text("utf-8").splitlines()[0]
        extra = first.removeprefix("# pipegen import").split() if first.startswith(
            "# pipegen import") else []
        argv = ["import", name, "--no-check", *extra]
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    out, err = capsys.readouterr()
    return exit_info.value.code, out, err


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.stem)
def test_error_case(case, capsys, monkeypatch):
    monkeypatch.chdir(CASES_DIR)
    status, out, err = compile_stderr(case.name, capsys)
    golden = case.with_suffix(".out")
    if UPDATE:
        golden.write_text(err, encoding="utf-8")
    assert "Traceback" not in err
    assert err == golden.read_text("utf-8")
    code = case.stem.split("-")[0]
    assert f" {code} " in err.splitlines()[0], f"{case.name} should report {code} first"
    if f" warning {code} " in err.splitlines()[0]:
        # A warning does not fail the compile: the template is printed all the same.
        assert status == EXIT_OK
        assert out.startswith("{")
    else:
        assert status == EXIT_FAIL
        assert out == ""  # nothing is printed as a template


def _raised_by(path) -> dict[str, str]:
    """code -> the phase that first reports it, running the phases one by one."""
    from pipegen import (
        build,
        emit,
        expand,
        loader,
        overrides,
        policy_rules,
        policy_vars,
        providers,
        schema,
    )
    from pipegen.cfn import plain
    from pipegen.contexts import BuildContext
    from pipegen.errors import SpecError

    seen: dict[str, str] = {}

    def note(phase, diagnostics):
        for d in diagnostics:
            seen.setdefault(d.code, phase)

    try:
        loaded = loader.load_file(path)
    except SpecError as e:
        note("load", e.diagnostics)
        return seen
    try:
        schema.validate(loaded)
    except SpecError as e:
        note("schema", e.diagnostics)
        return seen
    ctx = BuildContext(loaded)
    written = build.build_written(ctx)
    note("build", ctx.diagnostics)
    done = len(ctx.diagnostics)
    plan = expand.expand(written, ctx)
    note("expand", ctx.diagnostics[done:])
    for check in providers.pipeline_checks():
        check(plan, ctx)
    note("build", ctx.diagnostics)
    if ctx.errors:
        return seen
    try:
        ectx = emit.emit(plan, loaded)
        doc = ectx.template.to_dict()
        note("emit", policy_vars.widen(doc.get("Resources", {}), loaded))
        doc.setdefault("Resources", {}).update(plain(plan.resources))
        own = set(ectx.origins) - set(plan.resources)
        refused, cautions = policy_rules.check_overrides(doc, plan.overrides, loaded, own)
        note("emit", refused + cautions)
        overrides.apply(doc, plan.overrides, loaded)
    except SpecError as e:
        note("emit", e.diagnostics)
    return seen


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.stem)
def test_code_table_names_the_phase_that_raises_it(case, monkeypatch):
    """docs/errors.md groups codes by phase: each golden's code comes from its table phase."""
    from pipegen.errors import phase_of

    monkeypatch.chdir(CASES_DIR)
    code = case.stem.split("-")[0]
    if code.startswith("PG7"):  # import cases are templates, read by `pipegen import` alone
        assert phase_of(code) == "import"
        return
    assert _raised_by(case.name).get(code) == phase_of(code)


def test_every_code_has_a_case_or_a_reason():
    covered = {p.stem.split("-")[0] for p in CASES}
    missing = sorted(set(CODES) - covered - set(EXEMPT))
    assert missing == [], f"add tests/errors/<code>-<slug>.yaml cases for {missing}"
    assert sorted(covered - set(CODES)) == [], "a case is named after a code not in CODES"
    assert sorted(set(EXEMPT) - set(CODES)) == []
    assert not set(EXEMPT) & covered, "a code with a case needs no exemption"


def test_every_case_has_its_golden_and_no_golden_is_orphaned():
    assert sorted(p.stem for p in CASES_DIR.glob("*.out")) == sorted(p.stem for p in CASES)


def test_every_code_is_documented():
    for code, entry in CODES.items():
        assert code[:2] == "PG" and code[2:].isdigit() and len(code) == 5, code
        assert all(part.strip() for part in entry[:4]), \
            f"{code} needs title, explanation, example, fix"


def test_error_catalog_is_current():
    from pipegen.doc_errors import render

    assert (ROOT / "docs" / "errors.md").read_text("utf-8") == render(CASES_DIR), (
        "run `python -m pipegen.doc_errors > docs/errors.md`")
