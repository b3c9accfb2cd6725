"""Graph and diff on generated valid specs (tests/strategies.py): they never crash, every
action is drawn, a template compared with itself has no changes, and the Mermaid text of many
generated pipelines (arbitrary names, conditions, regions, roles) parses with Mermaid."""

from __future__ import annotations

import atexit
import json
import shutil
import subprocess
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import to_yaml, valid_specs
from test_graph import JS, need

from pipegen import diff, graph, loader
from pipegen.compiler import compile_spec
from pipegen.errors import SpecError
from pipegen.pipeview import attribute_origins, pipelines

CI = settings(derandomize=True, database=None, deadline=None, print_blob=True,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                     HealthCheck.filter_too_much])
WORKDIR = Path(tempfile.mkdtemp(prefix="pipegen-prflow-"))
atexit.register(shutil.rmtree, WORKDIR, ignore_errors=True)
SPEC = WORKDIR / "spec.yaml"


def compiled(spec: dict):
    SPEC.write_text(to_yaml(spec), encoding="utf-8")
    try:
        return compile_spec(SPEC, "json", None)
    except SpecError as e:  # the generator's business (tests/test_properties.py), not ours
        raise AssertionError(f"a generated valid spec failed: {e}") from None


def drawn(template: dict) -> tuple[str, str]:
    data = loader.load_file(SPEC).data
    views = [attribute_origins(v, data) for v in pipelines(template)]
    return graph.render(views, "spec", "mermaid"), graph.render(views, "spec", "dot")


@settings(CI, max_examples=60)
@given(valid_specs())
def test_graph_and_diff_on_generated_specs(spec):
    result = compiled(spec)
    mermaid, dot = drawn(result.template)
    [view] = pipelines(result.template)
    for s, stage in enumerate(view.stages):
        for a in range(len(stage.actions)):
            assert f"    s{s}a{a}" in mermaid and f"    s{s}a{a} [label=" in dot
    [same] = diff.compare(json.loads(result.text), result.template, "spec.yaml", "itself")
    assert same.empty, diff.text([same])
    [new] = diff.compare(None, result.template, "spec.yaml", "nothing")
    assert new.new and len(new.stages_added) == len(view.stages)
    for fmt in ("text", "markdown", "json"):
        assert diff.render([new], fmt)


def test_generated_graphs_parse_with_mermaid():
    need(shutil.which("node") is not None and (JS / "node_modules" / "mermaid").is_dir(),
         "node with tests/js/node_modules (npm ci --prefix tests/js)")
    files: list[str] = []

    @settings(CI, max_examples=40)
    @given(valid_specs())
    def collect(spec):
        path = WORKDIR / f"g{len(files)}.mmd"
        path.write_text(drawn(compiled(spec).template)[0], encoding="utf-8")
        files.append(str(path))

    collect()
    proc = subprocess.run(["node", str(JS / "parse_mermaid.mjs"), *files], capture_output=True,
                          text=True, cwd=JS, timeout=600)
    failures = [json.loads(line) for line in proc.stdout.splitlines()
                if not json.loads(line)["ok"]]
    assert failures == [], [(f, Path(f["file"]).read_text("utf-8")) for f in failures[:3]]
    assert proc.returncode == 0 and len(proc.stdout.splitlines()) == len(files)


# Anything a hand-written template may hold, including the wrong shapes in the right places.
_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.sampled_from(
        ["*", "Allow", "Deny", "s3:GetObject", "AWS::NoValue", "AWS::S3::Bucket",
         "AWS::CodePipeline::Pipeline", "AWS::IAM::Role", "Build", "arn:aws:iam::1:role/x"]),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.sampled_from(
        ["Type", "Properties", "Stages", "Actions", "Name", "ActionTypeId", "Configuration",
         "RunOrder", "InputArtifacts", "OutputArtifacts", "RoleArn", "Region", "Fn::If",
         "Ref", "Fn::GetAtt", "Fn::Sub", "PolicyDocument", "Statement", "Effect", "Action",
         "Resource", "Principal", "Condition", "Sid", "Policies", "PolicyName",
         "ManagedPolicyArns", "AssumeRolePolicyDocument", "KeyPolicy", "Parameters",
         "Outputs", "Pipeline", "Bucket", "Resources"]), inner, max_size=4),
    max_leaves=30)
_ACTION = st.fixed_dictionaries({}, optional={
    "Name": _JSON, "ActionTypeId": _JSON | st.fixed_dictionaries({}, optional={
        "Category": _JSON, "Provider": _JSON}), "RunOrder": _JSON, "Configuration": _JSON,
    "InputArtifacts": _JSON, "OutputArtifacts": st.lists(_JSON | st.fixed_dictionaries(
        {"Name": _JSON})), "RoleArn": _JSON, "Region": _JSON, "Namespace": _JSON})
_STAGE = st.fixed_dictionaries({}, optional={"Name": _JSON, "Actions": st.lists(
    _ACTION | _JSON | st.builds(lambda c, a: {"Fn::If": [c, a, {"Ref": "AWS::NoValue"}]},
                                _JSON, _ACTION), max_size=3),
    "BeforeEntry": _JSON, "OnFailure": _JSON})
_STATEMENT = st.fixed_dictionaries({}, optional={
    "Sid": _JSON, "Effect": st.sampled_from(["Allow", "Deny"]) | _JSON, "Action": _JSON,
    "NotAction": _JSON, "Resource": _JSON, "Principal": _JSON, "Condition": _JSON})
_RESOURCE = _JSON | st.fixed_dictionaries({
    "Type": st.just("AWS::CodePipeline::Pipeline"),
    "Properties": st.fixed_dictionaries({"Stages": st.lists(_STAGE | _JSON, max_size=3)})}) | \
    st.fixed_dictionaries({"Type": st.sampled_from(["AWS::IAM::Role", "AWS::S3::Bucket"]),
                           "Properties": st.fixed_dictionaries({}, optional={
                               "Policies": st.lists(st.fixed_dictionaries({
                                   "PolicyName": _JSON, "PolicyDocument": st.fixed_dictionaries(
                                       {"Statement": st.lists(_STATEMENT | _JSON, max_size=3)
                                        | _STATEMENT})}), max_size=2),
                               "ManagedPolicyArns": _JSON, "BucketName": _JSON})})
_TEMPLATES = st.fixed_dictionaries({"Resources": st.dictionaries(
    st.sampled_from(["Pipeline", "PipelineRole", "ArtifactBucket", "Other"]), _RESOURCE,
    max_size=4)}, optional={"Parameters": _JSON, "Outputs": _JSON})


@settings(CI, max_examples=300)
@given(old=_TEMPLATES, new=_TEMPLATES)
def test_diff_never_crashes_on_odd_templates(old, new):
    for fmt in ("text", "markdown", "json"):
        diff.render(diff.compare(old, new, "s.yaml", "t.json"), fmt)
    graph.render(pipelines(new), "odd", "mermaid")
    graph.render(pipelines(new), "odd", "dot")
