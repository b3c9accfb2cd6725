"""`pipegen import` on the public corpus: real templates import, compile, and round-trip.

Each tests/corpus/<slug>/ that has `import-digest.json` holds what importing the public original
/work/corpus/originals/<slug>.* gives: `imported.yaml` (or `imported-<LogicalId>.yaml`, one per
pipeline) and the digest of the original's pipeline(s): the value-level round-trip digest
(pipegen.importer.roundtrip, renames applied), the structural digest of tests/corpus/digest.py,
the rules of the original's own cfn-lint findings, and, for an original that is itself broken,
the error codes its compile must report. The originals' text is never committed.

The test compiles each committed spec: it must compile with no finding of its own (findings
whose rule the original's own lint reports are the original's, listed by the import's report),
and its pipeline must equal the original's digest. Where the originals are on this machine,
importing again must give the committed specs byte for byte. Regenerate after an intended
change: `PIPEGEN_UPDATE_GOLDENS=1 .venv/bin/pytest tests/test_corpus_import.py`, then review.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from conftest import ROOT

from pipegen import loader
from pipegen.importer import check, import_pipelines, lint_original, load

CORPUS = ROOT / "tests" / "corpus"
ORIGINALS = Path("/work/corpus/originals")
UPDATE = os.environ.get("PIPEGEN_UPDATE_GOLDENS") == "1"
# Originals that are themselves broken: the import works, the compile reports the bug (in the
# spec, located), which the user fixes there.
BROKEN = {
    "beanstalk-cross-account": "the original deploys to eu-west-2 without an artifact store "
                               "there (CodePipeline needs ArtifactStores for a cross-region "
                               "action)",
    "ecs-bg-codedeploy": "the original writes !Ref AWS::REGION, which is no pseudo parameter",
    "samfarm": "the original's resources carry a Description key, which CloudFormation "
               "refuses (E3001)",
}
# Originals a spec cannot hold (PG706), with the reason (none left: the last two pick their
# source with !If, and import with --choose, in CHOOSE).
REFUSED: dict[str, str] = {}
# Originals whose source stage picks its provider with !If: imported with `--choose` (one spec
# per choice; the committed one is for this choice).
CHOOSE = {
    "identitycenter": {"IsCodeConnectionSource": True},
    "sam-codepipeline-cd": {"UseCodeCommit": False},
}
# Originals pipegen cannot read at all, with the code of the located error and the reason.
UNREADABLE = {
    "third-party-git": ("PG103", "the original's IAM policy repeats the key Effect"),
}

sys.path.insert(0, str(CORPUS))
import digest as structural  # noqa: E402  (tests/corpus/digest.py, the realworld digest)


def _original(slug: str) -> Path | None:
    found = [p for p in ORIGINALS.glob(f"{slug}.*") if not p.name.endswith(".origin.json")]
    return found[0] if found else None


def _spec_name(pid: str, count: int) -> str:
    return "imported.yaml" if count == 1 else f"imported-{pid}.yaml"


def _slugs() -> list[str]:
    if UPDATE and ORIGINALS.is_dir():
        return sorted(p.name.removesuffix(".origin.json") for p in ORIGINALS.glob("*.origin.json")
                      if p.name.removesuffix(".origin.json") not in {**REFUSED, **UNREADABLE})
    return sorted(p.parent.name for p in CORPUS.glob("*/import-digest.json"))


def _write(slug: str, linter) -> None:
    t = load(_original(slug))
    rules = sorted({f.rule for f in lint_original(t, linter)})
    out = CORPUS / slug
    out.mkdir(exist_ok=True)
    imported = import_pipelines(t, stem=slug, choose=CHOOSE.get(slug))
    record = {}
    for item in imported:
        (out / _spec_name(item.logical_id, len(imported))).write_text(item.text, "utf-8")
        props = t.resources[item.logical_id]["Properties"]
        record[item.logical_id] = {
            "roundtrip": item.original,
            "structural": structural.digest_pipeline(structural._plain(props)),
            "original_lint_rules": rules,
        }
    (out / "import-digest.json").write_text(json.dumps(record, indent=1, sort_keys=True)
                                            + "\n", "utf-8")


def test_the_corpus_is_large_enough():
    assert len(_slugs()) >= 20


@pytest.mark.parametrize("slug", _slugs())
def test_public_template_imports_and_round_trips(slug, linter, tmp_path):
    if UPDATE:
        _write(slug, linter)
    record = json.loads((CORPUS / slug / "import-digest.json").read_text("utf-8"))
    original = _original(slug)
    for pid, expected in record.items():
        name = _spec_name(pid, len(record))
        committed = CORPUS / slug / name
        spec = tmp_path / name
        spec.write_text(committed.read_text("utf-8"), "utf-8")
        data = loader.load_file(spec).data
        imported = SimpleNamespace(spec=data, original=expected["roundtrip"])
        result = check(imported, spec, linter, frozenset(expected["original_lint_rules"]))
        errors = [f"{d.code} {d.message}" for d in result.diagnostics if d.is_error]
        if slug in BROKEN:
            assert errors, f"{slug}: the original's bug ({BROKEN[slug]}) should be reported"
            continue
        assert result.compiled and errors == [], errors
        assert result.differences == []
        compiled = _home_store_as_listed(expected["structural"],
                                         structural.digest_pipeline(_compiled_props(spec)))
        # Configuration and roles are compared by value above (AWS's defaults filled in, a
        # role pipegen generates for an action counted as none); the rest structurally.
        fields = tuple(f for f in structural.ACTION_FIELDS
                       if f not in ("configuration_keys", "role"))
        assert structural.compare({"pipelines": [expected["structural"]]},
                                  {"pipelines": [compiled]}, artifacts=True,
                                  fields=fields, keys=False) == []
    if original is not None and not UPDATE:
        again = import_pipelines(load(original), stem=slug, choose=CHOOSE.get(slug))
        for item in again:
            name = _spec_name(item.logical_id, len(again))
            assert item.text == (CORPUS / slug / name).read_text("utf-8"), \
                f"re-import of {slug} differs from {name}: regenerate and review"


def _home_store_as_listed(original: dict, compiled: dict) -> dict:
    """pipegen writes the home region's store as `!Ref AWS::Region` and drops, by condition,
    the listed store of whichever region the stack is deployed in: deployed, the stores are
    the original's."""
    a, b = original.get("artifact_store"), compiled.get("artifact_store")
    if isinstance(a, list) and isinstance(b, list) and structural.INTRINSIC not in a and \
            [r for r in b if r != structural.INTRINSIC] == a and len(b) == len(a) + 1:
        return {**compiled, "artifact_store": a}
    return compiled


def _compiled_props(spec: Path) -> dict:
    from pipegen.compiler import compile_spec

    return compile_spec(spec).template["Resources"]["Pipeline"]["Properties"]


@pytest.mark.parametrize("slug", sorted({**REFUSED, **CHOOSE}))
def test_templates_a_spec_cannot_hold_are_refused_with_a_located_error(slug):
    """Refused as they are; a CHOOSE original, without a choice, says how to choose."""
    original = _original(slug)
    if original is None:
        pytest.skip("the public originals are not on this machine")
    from pipegen.errors import SpecError

    with pytest.raises(SpecError) as e:
        import_pipelines(load(original))
    assert [d.code for d in e.value.diagnostics] == ["PG706"]
    assert e.value.diagnostics[0].span is not None
    for condition in CHOOSE.get(slug, {}):
        assert f"`pipegen import --choose {condition}=true`" in e.value.diagnostics[0].hint


@pytest.mark.parametrize("slug", sorted(UNREADABLE))
def test_templates_pipegen_cannot_read_are_refused_with_a_located_error(slug):
    original = _original(slug)
    if original is None:
        pytest.skip("the public originals are not on this machine")
    from pipegen.errors import SpecError

    code, _ = UNREADABLE[slug]
    with pytest.raises(SpecError) as e:
        import_pipelines(load(original))
    assert [d.code for d in e.value.diagnostics] == [code]
    assert e.value.diagnostics[0].span is not None
