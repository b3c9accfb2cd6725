"""Property tests (hypothesis), with a fixed seed and a budget sized for CI.

(a) Whatever YAML-able data a spec holds, pipegen compiles it or answers with diagnostics
    located in the input (1 <= line <= the number of lines, as YAML counts them), never with
    another exception. Three sources of input: arbitrary data, valid specs with a few random
    mutations (which reach the build and emit phases), and arbitrary text.
(b) Specs from the generator of semantically valid specs (tests/strategies.py) compile
    (300 examples, without lint); two dozen of them, linted, give templates that pass the lint
    gate, with unique logical ids, every Ref, GetAtt and Sub variable resolvable, and
    identical bytes on recompilation.

`derandomize=True` makes every run draw the same examples (CI sees no flaky seeds); no example
database is kept. Linting costs about 0.25 s a template, so (b) lints two dozen examples (the
generator has a block per provider and feature; fewer would leave most combinations unlinted).
"""

from __future__ import annotations

import atexit
import json
import re
import shutil
import tempfile
from pathlib import Path

import pytest
import yaml
from helpers import DEMO_SPEC
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import data, scalars, to_yaml, valid_specs

from pipegen import cfn, loader, report
from pipegen.compiler import compile_spec
from pipegen.errors import CODES, SpecError
from pipegen.schema import _validator, composed

WORKDIR = Path(tempfile.mkdtemp(prefix="pipegen-properties-"))
atexit.register(shutil.rmtree, WORKDIR, ignore_errors=True)
SPEC = WORKDIR / "spec.yaml"

CI = settings(derandomize=True, database=None, deadline=None, print_blob=True,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                     HealthCheck.filter_too_much])

# Every key the spec language knows: random mappings use them, so mutations reach deep.
SPEC_KEYS = sorted({k for node in composed()["$defs"].values()
                    for k in node.get("properties", {})} | set(composed()["properties"]))


def compile_text(text: str, linter=None):
    """Compile spec text; returns the result, or the SpecError pipegen raised."""
    SPEC.write_text(text, encoding="utf-8", newline="")
    try:
        return compile_spec(SPEC, linter=linter)
    except SpecError as e:
        return e


def assert_compiles_or_is_located(text: str) -> None:
    outcome = compile_text(text)
    if not isinstance(outcome, SpecError):
        json.loads(outcome.text)
        # Whatever compiles passed the schema: error pruning never lets an invalid spec by.
        assert _validator().is_valid(loader.load_text(text, str(SPEC)).data)
        return
    n_lines = len(report.split_lines(text))  # lines as YAML counts them
    assert outcome.diagnostics, "a SpecError without diagnostics"
    assert any(d.is_error for d in outcome.diagnostics)
    for d in outcome.diagnostics:
        assert d.code in CODES
        assert d.span is not None, f"{d.code} {d.message} has no location"
        assert d.span.file == str(SPEC)
        assert 1 <= d.span.line <= n_lines, f"{d.code} {d.message}: line {d.span.line}"
        assert d.span.col >= 1
        for r in d.related:
            assert 1 <= r.line <= n_lines
    # Both reports render whatever the diagnostics hold.
    report.text(outcome.diagnostics, {str(SPEC): report.split_lines(text)})
    json.loads(report.as_json(outcome.diagnostics))


# --- (a) never a traceback

@settings(CI, max_examples=100)
@given(data(st.sampled_from(SPEC_KEYS)))
def test_arbitrary_data_never_crashes(value):
    assert_compiles_or_is_located(to_yaml(value, short_intrinsics=False))


@st.composite
def mutated_specs(draw):
    """A valid spec with one to three random edits, most of them plausible mistakes.

    Plausible edits (a value from elsewhere in the spec, another scalar, a deleted or
    duplicated entry) get past the schema and reach the build and emit phases; arbitrary
    replacements test the schema's own mapping of errors.
    """
    spec = draw(valid_specs())
    for _ in range(draw(st.integers(1, 3))):
        paths = [p for p in _paths(spec) if p != ("pipegen",)]
        path = draw(st.sampled_from(paths))
        parent = spec
        for part in path[:-1]:
            parent = parent[part]
        last = path[-1]
        op = draw(st.sampled_from(["other", "other", "scalar", "delete", "duplicate", "add",
                                   "typo", "typo", "data"]))
        if op == "other":  # a value written elsewhere in the spec
            source = draw(st.sampled_from(paths))
            value = spec
            for part in source:
                value = value[part]
            parent[last] = json.loads(json.dumps(value))
        elif op == "scalar":
            parent[last] = draw(scalars)
        elif op == "typo" and isinstance(last, str):  # a misspelt key: `tpye:`
            i = draw(st.integers(0, len(last) - 1))
            typo = draw(st.sampled_from([last[:i] + last[i + 1:], last[:i] + last[i] + last[i:],
                                         last[:i] + last[i + 1:i + 2] + last[i] + last[i + 2:]]))
            parent[typo or "x"] = parent.pop(last)
        elif op == "delete":
            del parent[last]
        elif op == "duplicate" and isinstance(parent, list):
            parent.append(json.loads(json.dumps(parent[last])))
        elif op == "add" and isinstance(parent[last], dict):
            parent[last][draw(st.sampled_from(SPEC_KEYS))] = draw(data())
        else:
            parent[last] = draw(data(st.sampled_from(SPEC_KEYS)))
    return spec


def _paths(value, path=()):
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        return
    for k, v in items:
        yield (*path, k)
        yield from _paths(v, (*path, k))


@settings(CI, max_examples=200)
@given(mutated_specs())
def test_mutated_valid_specs_never_crash(spec):
    assert_compiles_or_is_located(to_yaml(spec))


SHAPES = (12, True, None, "text", [], ["a", 1], {}, {"a": 1}, {"Ref": "AWS::Region"})


@pytest.mark.parametrize("key", sorted(composed()["properties"]))
def test_every_top_level_section_of_any_shape_never_crashes(key):
    # `sources: 12` crashed the redaction of the schema's own report (PG901): every phase
    # that runs on a refused spec must read it without trusting its shape. Every section,
    # every shape (a few milliseconds each: the schema refuses most).
    spec = yaml.safe_load(DEMO_SPEC)
    for shape in SHAPES:
        spec[key] = shape
        assert_compiles_or_is_located(to_yaml(spec))


# Well-formed intrinsics of every family, as CloudFormation users write them where a value
# goes: names the spec declares (the condition and mapping below), pseudo parameters,
# generated resources, AWS::NoValue and pipegen's own words inside an !If.
_REF = st.sampled_from([{"Ref": "AWS::Region"}, {"Ref": "AWS::AccountId"},
                        {"Ref": "AWS::StackName"}, {"Ref": "PgEnv"}, {"Ref": "ArtifactBucket"}])
_LEAF = st.one_of(_REF, st.sampled_from(["probe", "generated", "10m", "#{SourceVars.CommitId}",
                                         {"Ref": "AWS::NoValue"}]))
INTRINSICS = st.one_of(
    _REF,
    st.builds(lambda r: {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/" + r},
              st.sampled_from(["a", "${PgEnv}"])),
    st.builds(lambda a, b: {"Fn::If": ["PgOn", a, b]}, _LEAF, _LEAF),
    st.just({"Fn::GetAtt": ["PipelineRole", "Arn"]}),
    st.builds(lambda r: {"Fn::ImportValue": r},
              st.sampled_from(["shared", {"Fn::Sub": "${PgEnv}-x"}])),
    st.just({"Fn::FindInMap": ["PgMap", {"Ref": "PgEnv"}, "value"]}),
    st.builds(lambda r: {"Fn::Join": ["-", [r, "x"]]}, _REF),
    st.builds(lambda r: {"Fn::Select": [0, {"Fn::Split": [",", r]}]}, _REF),
)


@settings(CI, max_examples=150)
@given(valid_specs(), st.data())
def test_intrinsics_in_any_value_compile_or_are_located(spec, draw):
    # Any value of a valid spec replaced by an intrinsic (of any family, naming what the spec
    # declares): it compiles, or the error is located; never a crash.
    spec.setdefault("parameters", {})["PgEnv"] = {"type": "String", "default": "dev"}
    spec.setdefault("conditions", {})["PgOn"] = {"Fn::Equals": [{"Ref": "PgEnv"}, "prod"]}
    spec.setdefault("mappings", {})["PgMap"] = {"dev": {"value": "probe"}}
    paths = [p for p in _paths(spec) if p[0] in ("sources", "stages", "artifacts", "role",
                                                 "pipeline_name")]
    path = draw.draw(st.sampled_from(paths))
    parent = spec
    for part in path[:-1]:
        parent = parent[part]
    parent[path[-1]] = draw.draw(INTRINSICS)
    assert_compiles_or_is_located(to_yaml(spec))


@settings(CI, max_examples=100)
@given(st.text(alphabet=st.sampled_from(list("pipegen: 1\n\t -[]{}!&*<>|#'\"?,.@`%\r\x85"
                                             "\u2028\ufeffé\x00")), max_size=60))
def test_arbitrary_text_never_crashes(text):
    assert_compiles_or_is_located("pipegen: 1\n" + text)


# --- (b) valid specs make good templates

@settings(CI, max_examples=300)
@given(valid_specs())
def test_valid_specs_compile_without_errors(spec):
    # The cheap half of (b), with many examples: no lint, just "it compiles".
    text = to_yaml(spec)
    outcome = compile_text(text)
    assert not isinstance(outcome, SpecError), _explain(outcome, text)


@settings(CI, max_examples=24)
@given(spec=valid_specs())
def test_valid_specs_compile_to_clean_deterministic_templates(spec, linter):
    text = to_yaml(spec)
    first = compile_text(text, linter)
    assert not isinstance(first, SpecError), _explain(first, text)
    template = json.loads(first.text, object_pairs_hook=_no_duplicate_keys)
    ids = [*template.get("Parameters", {}), *template["Resources"],
           *template.get("Conditions", {}), *template.get("Outputs", {})]
    assert len(ids) == len(set(ids)), "a logical id is used twice across sections"
    _assert_references_resolve(template)
    again = compile_text(text, linter)
    assert not isinstance(again, SpecError)
    assert again.text == first.text


def _explain(error: SpecError, text: str) -> str:
    return report.text(error.diagnostics, {str(SPEC): report.split_lines(text)}) + "\n" + text


def _no_duplicate_keys(pairs):
    keys = [k for k, _ in pairs]
    assert len(keys) == len(set(keys)), f"duplicate keys in the template: {keys}"
    return dict(pairs)


def _assert_references_resolve(template: dict) -> None:
    resources = set(template["Resources"])
    refs = set(template.get("Parameters", {})) | resources | cfn.PSEUDO_PARAMETERS
    conditions = set(template.get("Conditions", {}))

    def walk(v, local=frozenset()):
        if isinstance(v, list):
            for x in v:
                walk(x, local)
        if not isinstance(v, dict):
            return
        if "Ref" in v and len(v) == 1:
            assert v["Ref"] in refs | local, f"!Ref {v['Ref']} resolves to nothing"
        elif "Fn::GetAtt" in v and len(v) == 1:
            target = v["Fn::GetAtt"]
            name = target[0] if isinstance(target, list) else target.split(".")[0]
            assert name in resources, f"!GetAtt {name} names no resource"
        elif "Fn::Sub" in v and len(v) == 1:
            body, variables = (v["Fn::Sub"], {}) if isinstance(v["Fn::Sub"], str) \
                else v["Fn::Sub"]
            for name in re.findall(r"\$\{([^!}][^}]*)\}", body):
                base = name.split(".")[0]
                assert name in variables or base in refs, f"${{{name}}} in Fn::Sub resolves " \
                    "to nothing"
            walk(variables, local)
            return
        elif "Condition" in v and isinstance(v["Condition"], str) and len(v) == 1:
            assert v["Condition"] in conditions
        for x in v.values():
            walk(x, local)

    walk(template["Resources"])
    walk(template.get("Outputs", {}))
    for resource in template["Resources"].values():
        for dep in [resource.get("DependsOn", [])] if isinstance(
                resource.get("DependsOn"), str) else resource.get("DependsOn", []):
            assert dep in resources
        if "Condition" in resource:
            assert resource["Condition"] in conditions
