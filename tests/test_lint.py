"""The lint gate: findings fail the compile and point back at the spec node that caused them."""

from __future__ import annotations

import json

from conftest import TEMPLATES, run_cli
from helpers import GITHUB_BUILD

from pipegen.lint import line_paths, spec_path
from pipegen.render import render

SPEC = GITHUB_BUILD + """\
overrides:
  Resources.Pipeline.Properties.PipelineType: V3
"""


def test_lint_error_fails_compile_and_points_at_the_override(tmp_path):
    (tmp_path / "spec.yaml").write_text(SPEC, encoding="utf-8")
    proc = run_cli("compile", "spec.yaml", "-o", "out", cwd=tmp_path)
    assert proc.returncode == 1
    assert proc.stderr.startswith(
        "spec.yaml:15:3: error PG501 cfn-lint E3030 at Resources.Pipeline.Properties."
        "PipelineType: 'V3' is not one of ['V1', 'V2']\n"
        "  (overrides.Resources.Pipeline.Properties.PipelineType)\n")
    assert not (tmp_path / "out").exists()


def test_line_paths_follow_the_rendered_layout():
    doc = json.loads((TEMPLATES / "typical.json").read_text("utf-8"))
    lines = render(doc).splitlines()
    for number, path in line_paths(doc).items():
        if not path:
            continue
        key = path[-1]
        text = lines[number - 1].strip()
        if isinstance(key, str):
            assert text.startswith(json.dumps(key) + ":"), (number, path, text)


def test_pipeline_findings_map_to_the_action():
    stage_origins = [(("sources",), [("sources", 0)]),
                     (("stages", 0), [("stages", 0, "actions", 0), ("stages", 0, "actions", 1)])]
    where = ("Resources", "Pipeline", "Properties", "Stages", 1, "Actions", 1, "Configuration")
    assert spec_path(where, {}, stage_origins, {}) == ("stages", 0, "actions", 1)
    conditional = ("Resources", "Pipeline", "Properties", "Stages", 1, "Fn::If", 1, "Actions", 0)
    assert spec_path(conditional, {}, stage_origins, {}) == ("stages", 0, "actions", 0)
    assert spec_path(("Resources", "BuildProject", "Properties"), {"BuildProject": ("x",)},
                     stage_origins, {}) == ("x",)


def test_a_finding_in_a_raw_resource_points_at_the_key_the_spec_wrote(tmp_path):
    # `resources:` are copied as written, so the finding's own key is in the spec.
    spec = GITHUB_BUILD + """\
resources:
  Cleanup:
    Type: AWS::Lambda::Function
    Properties:
      Code: {ZipFile: "def handler(e, c): pass"}
      Handler: index.handler
      Role: arn:aws:iam::111111111111:role/cleanup
      Runtime: python3.7
"""
    (tmp_path / "spec.yaml").write_text(spec, encoding="utf-8")
    proc = run_cli("compile", "spec.yaml", "-o", "out", cwd=tmp_path)
    line = spec.splitlines().index("      Runtime: python3.7") + 1
    assert proc.returncode == 1
    assert proc.stderr.startswith(
        f"spec.yaml:{line}:16: error PG501 cfn-lint E2531 at Resources.Cleanup.Properties."
        "Runtime: Runtime 'python3.7' was deprecated")
    assert "  (resources.Cleanup.Properties.Runtime)\n" in proc.stderr
