"""The intrinsics table (pipegen.intrinsic_keys) holds: for every key it marks as taking intrinsics,
specs that put `!Ref P`, `!Sub`, `!If` and (where marked) `#{ns.var}` there compile lint-clean
and never PG901; every literal-only key gives the documented located error (PG207 with the
table's reason). The table is also docs/intrinsics.md.

Specs are generated from the samples: each key is probed in the first sample that uses it, with
only that value replaced (plus the parameter, condition or namespace the probe needs).
"""

from __future__ import annotations

import copy
import re

import pytest
import yaml
from conftest import ROOT, SAMPLES

from pipegen import intrinsic_keys as intrinsics
from pipegen import providers
from pipegen.compiler import compile_spec
from pipegen.errors import SpecError, format_path
from pipegen.loader import load_file

TABLE = intrinsics.table()
P = "PgProbe"

# Keys whose probe needs a companion change a single-key probe cannot make, with the test that
# covers them instead.
COUPLED = {
    "stages[].actions[].region": "an intrinsic region needs its store under the same intrinsic "
                                 "(tests/test_realworld.py::test_region_from_a_parameter)",
    "stages[].actions[build/codebuild|test/codebuild].project.secrets.*":
        "an intrinsic secret names its store: {secrets_manager: !Ref P} (PG347; "
        "tests/test_actions_build.py)",
    "stages[].actions[build/codebuild|test/codebuild].secrets.*": "as above",
    "sources[github-enterprise].connection": "the sample's `host` belongs to `connection: "
                                             "generated` (PG324); sources[github].connection "
                                             "probes the same key",
}
# Keys that take only some intrinsic forms, by design.
ONLY = {
    "sources[github-v1].oauth_token": ("ref",),  # a !Ref to a no_echo parameter (PG321)
    "sources[github-v1].webhook_secret": ("ref",),
}
DURATION = re.compile(r"^[0-9]+(s|m|h|d)$")


def _sample_data() -> list[tuple[str, dict]]:
    return [(p.name, load_file(p).data) for p in sorted(SAMPLES.glob("*.yaml"))]


SAMPLE_DATA = _sample_data()


def _matches(key: intrinsics.Key, spec_path: tuple, data: dict) -> bool:
    """Whether a concrete spec path is an occurrence of the table key."""
    pattern = key.path
    head, _, _ = pattern.partition(".")
    m = re.match(r"^(sources|stages\[\]\.actions)\[([^\]]*)\]\.(.*)$", pattern)
    if m:
        where, kinds, inner = m.groups()
        if where == "sources":
            if spec_path[:1] != ("sources",) or len(spec_path) < 3:
                return False
            node = data["sources"][spec_path[1]]
            if kinds and node.get("provider") != kinds:
                return False
            rest = spec_path[2:]
        else:
            if spec_path[:1] != ("stages",) or len(spec_path) < 5 or spec_path[2] != "actions":
                return False
            node = data["stages"][spec_path[1]]["actions"][spec_path[3]]
            kind = (node.get("type"), node.get("provider",
                                                providers.DEFAULT_PROVIDER.get(node.get("type"))))
            if kinds and f"{kind[0]}/{kind[1]}" not in kinds.split("|"):
                return False
            rest = spec_path[4:]
        return _inner(inner, rest)
    if pattern.startswith("stages[]."):
        return spec_path[:1] == ("stages",) and len(spec_path) > 2 and _inner(
            pattern.removeprefix("stages[]."), spec_path[2:])
    return _inner(pattern, spec_path)


def _inner(dotted: str, rest: tuple) -> bool:
    parts = []
    for piece in dotted.split("."):
        if piece.endswith("[]"):
            parts += [piece[:-2], int]
        else:
            parts.append(piece)
    if len(parts) != len(rest):
        return False
    for want, got in zip(parts, rest, strict=True):
        if want is int:
            if not isinstance(got, int):
                return False
        elif want != "*" and want != got:
            return False
    return True


def _paths(value, path=()):
    yield path
    if isinstance(value, dict) and not (len(value) == 1 and next(iter(value)).startswith(
            ("Fn::", "Ref"))):
        for k, v in value.items():
            yield from _paths(v, path + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _paths(v, path + (i,))


def _occurrences(key: intrinsics.Key):
    for name, data in SAMPLE_DATA:
        for path in _paths(data):
            if path and _matches(key, path, data):
                yield name, data, path


def _occurrence(key: intrinsics.Key):
    return next(_occurrences(key), None)


def _get(data, path):
    for part in path:
        data = data[part]
    return data


def _set(data, path, value):
    _get(data, path[:-1])[path[-1]] = value


def _probe(data: dict, path: tuple, form: str) -> dict:
    spec = copy.deepcopy(data)
    original = _get(spec, path)
    listy = isinstance(original, list)
    # no_echo where the probe stands in a secret's place (an OAuth token), which must not echo;
    # elsewhere a plain parameter (a no_echo one in plain text is refused: PG331, PG397).
    secret_slot = path[-1] in ("oauth_token", "webhook_secret")
    spec.setdefault("parameters", {})[P] = {"type": "CommaDelimitedList" if listy else "String",
                                            **({"no_echo": True} if secret_slot else {})}
    artifact = original.split("::", 1)[0] + "::" if isinstance(original, str) and \
        "::" in original else None
    if artifact is not None and form != "var":
        # ARTIFACT::path: the artifact stays literal, the path takes the intrinsic (SPEC.md).
        value = {"Fn::Sub": artifact + "${" + P + "}"}
        if form == "if":
            spec.setdefault("conditions", {})[P + "On"] = {"Fn::Equals": [{"Ref": P}, "on"]}
            value = {"Fn::If": [P + "On", original, value]}
    elif form == "ref":
        value = {"Ref": P}
    elif form == "sub":
        text = original if isinstance(original, str) else ""
        value = {"Fn::Sub": text.replace("${", "${!") + "${" + P + "}"} if not listy else {
            "Fn::Split": [",", {"Fn::Sub": "${" + P + "}"}]}
    elif form == "if":
        spec.setdefault("conditions", {})[P + "On"] = {"Fn::Equals": [{"Ref": P}, "on"]} \
            if not listy else {"Fn::Equals": [{"Fn::Join": ["", {"Ref": P}]}, "on"]}
        # A mapping original is pipegen's own form (a role to generate): both branches are
        # then intrinsics.
        # A duration inside an intrinsic is in the property's own unit: both branches refer.
        other = original if not isinstance(original, dict) and not (
            isinstance(original, str) and DURATION.match(original)) else {
                "Fn::Sub": "${" + P + "}-b"}
        value = {"Fn::If": [P + "On", other, {"Ref": P}]}
    else:  # a CodePipeline variable of the first source's namespace
        namespace = spec["sources"][0].setdefault("namespace", "PgVars")
        prefix = original.split("::", 1)[0] + "::" if isinstance(original, str) and \
            "::" in original else ""
        value = prefix + "#{" + namespace + ".CommitId}"
        del spec["parameters"][P]
        if not spec["parameters"]:
            del spec["parameters"]
    _set(spec, path, value)
    return spec


def _compile(tmp_path, spec: dict, linter=None):
    target = tmp_path / "probe.yaml"
    target.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    return compile_spec(target, linter=linter)


INTRINSIC_KEYS = [k for k in TABLE if k.intrinsic and k.path not in COUPLED]
LITERAL_KEYS = [k for k in TABLE if not k.intrinsic]
FORMS = ("ref", "sub", "if", "var")


def test_docs_table_is_current():
    assert (ROOT / "docs" / "intrinsics.md").read_text() == intrinsics.markdown(), \
        "run `python -m pipegen.intrinsic_keys > docs/intrinsics.md`"


def test_every_probe_finds_a_sample_or_is_listed():
    # A key no sample uses is not probed: keep this list short by covering keys in samples.
    missing = sorted(k.path for k in INTRINSIC_KEYS if _occurrence(k) is None)
    assert len(missing) <= len(INTRINSIC_KEYS) // 2, missing


@pytest.mark.parametrize("key", INTRINSIC_KEYS, ids=lambda k: k.path)
def test_intrinsic_key_takes_every_form(tmp_path, linter, key):
    found = _occurrence(key)
    if found is None:
        pytest.skip("no sample uses this key")
    # A sample whose other keys depend on this one's literal form (`host` needs `connection:
    # generated`) is no place to probe it: take the first where the plain !Ref compiles.
    for candidate in _occurrences(key):
        try:
            _compile(tmp_path, _probe(candidate[1], candidate[2], "ref"))
        except SpecError:
            continue
        found = candidate
        break
    name, data, path = found
    forms = [f for f in ONLY.get(key.path, FORMS) if f != "var" or key.variables]
    # Every form compiles (no PG901, no error); one of them, chosen by the key, is linted
    # too, so the whole table is linted across the forms without linting each twice.
    linted = forms[sum(map(ord, key.path)) % len(forms)]
    for form in forms:
        spec = _probe(data, path, form)
        try:
            result = _compile(tmp_path, spec, linter if form == linted else None)
        except SpecError as e:
            pytest.fail(f"{name} with {form} at {format_path(path)}: " + "; ".join(
                f"{d.code} {format_path(d.path)} {d.message}" for d in e.diagnostics))
        # A policy never contains #{ (PG384 widens it).
        assert "#{" not in str([r for r in result.template["Resources"].values()
                                if r["Type"].startswith("AWS::IAM::")])


@pytest.mark.parametrize("key", LITERAL_KEYS, ids=lambda k: k.path)
def test_literal_key_refuses_an_intrinsic_and_says_why(tmp_path, key):
    found = _occurrence(key)
    if found is None:
        pytest.skip("no sample uses this key")
    name, data, path = found
    spec = _probe(data, path, "ref")
    with pytest.raises(SpecError) as info:
        _compile(tmp_path, spec)
    here = [d for d in info.value.diagnostics if d.path == path]
    assert here, f"{name}: no error at {format_path(path)}: " + "; ".join(
        f"{d.code} {format_path(d.path)}" for d in info.value.diagnostics)
    assert here[0].code in ("PG207", "PG203"), here[0]
    if here[0].code == "PG207":
        assert here[0].message.endswith(key.reason)
        assert here[0].span is not None and here[0].hint
