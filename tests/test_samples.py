"""Every sample compiles to exactly its committed golden template, lint-clean and deterministic."""

from __future__ import annotations

import os

import pytest
from conftest import ROOT, SAMPLES, TEMPLATES, run_cli

from pipegen import providers
from pipegen.compiler import compile_spec

SAMPLE_FILES = sorted(SAMPLES.glob("*.yaml"))


@pytest.mark.parametrize("spec", SAMPLE_FILES, ids=lambda p: p.stem)
def test_sample_matches_golden(spec, linter):
    result = compile_spec(spec, linter=linter)
    golden = TEMPLATES / f"{spec.stem}.json"
    assert golden.exists(), f"no golden for {spec.name}: run pipegen compile samples -o templates"
    assert result.text == golden.read_text("utf-8"), (
        f"{golden.name} is stale; review the change and run `pipegen compile samples -o templates`")


@pytest.mark.parametrize("golden", sorted(TEMPLATES.glob("*.json")), ids=lambda p: p.stem)
def test_golden_is_lint_clean(golden, linter):
    findings = linter.lint(golden.read_text("utf-8"))
    assert [f for f in findings if f.severity in ("error", "warning")] == []


def test_every_golden_has_a_sample():
    assert {p.stem for p in TEMPLATES.glob("*.json")} == {p.stem for p in SAMPLE_FILES}


def test_samples_name_the_schema():
    for spec in SAMPLE_FILES:
        first = spec.read_text("utf-8").splitlines()[0]
        assert first == "# yaml-language-server: $schema=../schemas/pipeline.schema.json", spec


def test_published_schema_is_current():
    from pipegen.schema import published

    assert (ROOT / "schemas" / "pipeline.schema.json").read_text("utf-8") == published(), (
        "run `pipegen schema > schemas/pipeline.schema.json`")


def test_every_provider_has_a_sample():
    text = "\n".join(p.read_text("utf-8") for p in SAMPLE_FILES)
    for name in providers.sources():
        assert f"provider: {name}\n" in text, f"no sample uses source provider {name}"
    for (kind, name) in providers.actions():
        default = providers.DEFAULT_PROVIDER.get(kind) == name
        assert default or f"provider: {name}\n" in text, f"no sample uses {kind} {name}"


def test_output_is_identical_across_hash_seeds(tmp_path):
    outputs = []
    for seed in ("1", "4242"):
        out = tmp_path / seed
        env = {**os.environ, "PYTHONHASHSEED": seed}
        proc = run_cli("compile", "samples", "-o", str(out), "--no-lint", env=env)
        assert proc.returncode == 0, proc.stderr
        outputs.append({p.name: p.read_bytes() for p in sorted(out.iterdir())})
    assert outputs[0] == outputs[1]
    assert len(outputs[0]) == len(SAMPLE_FILES)
