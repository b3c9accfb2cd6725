"""The lint gate: findings fail the compile and point back at the spec node that caused them."""

from __future__ import annotations

import json
import re

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


def test_a_mistyped_permission_action_points_at_itself_without_every_allowed_value(tmp_path):
    # cfn-templates-static-website grants `s3:HeadBucket`, which is an API call, not an IAM
    # action: cfn-lint lists all 180 S3 actions, and the finding's resource is the whole project.
    spec = GITHUB_BUILD.replace("        project: demo-build\n", """\
        project:
          image: aws/codebuild/standard:7.0
          permissions:
            - {actions: ["s3:ListAllMyBuckets", "s3:HeadBucket"], resources: ["*"]}
""")
    assert spec != GITHUB_BUILD
    (tmp_path / "spec.yaml").write_text(spec, encoding="utf-8")
    proc = run_cli("compile", "spec.yaml", "-o", "out", cwd=tmp_path)
    assert proc.returncode == 1
    first = proc.stderr.splitlines()[:3]
    assert first[0].startswith("spec.yaml:16:49: error PG502 cfn-lint W3037 at Resources.")
    # cfn-lint's list of S3 actions grows with its versions: the count is not pinned
    assert re.search(r": 'headbucket' is not one of the [0-9]+ values allowed here; did you "
                     r"mean 'createbucket' or 'getbucketacl' or 'deletebucket'\?$", first[0])
    assert "listallmybuckets" not in first[0]
    assert first[1] == "  (stages[0].actions[0].project.permissions[0].actions[1])"


def test_a_finding_in_a_project_property_points_at_its_spec_key(tmp_path):
    # ecs-bg-codedeploy: a `!Sub` without variables in the project's description (W1020)
    spec = GITHUB_BUILD.replace("        project: demo-build\n", """\
        project:
          image: aws/codebuild/standard:7.0
          description: !Sub "Builds the demo"
""")
    (tmp_path / "spec.yaml").write_text(spec, encoding="utf-8")
    proc = run_cli("compile", "spec.yaml", "-o", "out", cwd=tmp_path)
    assert proc.returncode == 1
    first = proc.stderr.splitlines()[:2]
    assert first[0].startswith("spec.yaml:15:24: error PG502 cfn-lint W1020 at Resources.")
    assert first[0].endswith(".Properties.Description.Fn::Sub: 'Fn::Sub' isn't needed because "
                             "there are no variables")
    assert first[1] == "  (stages[0].actions[0].project.description)"


def test_a_finding_in_an_extra_resource_points_inside_it(tmp_path):
    # stelligent-canonical: a DependsOn that a Ref already enforces (W3005)
    spec = GITHUB_BUILD + """\
resources:
  Topic: {Type: AWS::SNS::Topic}
  TopicPolicy:
    Type: AWS::SNS::TopicPolicy
    DependsOn: [Topic]
    Properties:
      Topics: [!Ref Topic]
      PolicyDocument:
        Statement:
          - {Effect: Allow, Principal: {Service: events.amazonaws.com}, Action: sns:Publish,
             Resource: !Ref Topic}
"""
    (tmp_path / "spec.yaml").write_text(spec, encoding="utf-8")
    proc = run_cli("compile", "spec.yaml", "-o", "out", cwd=tmp_path)
    assert proc.returncode == 1
    first = proc.stderr.splitlines()[:2]
    assert first == [
        "spec.yaml:18:17: error PG502 cfn-lint W3005 at Resources.TopicPolicy.DependsOn.0: "
        "'Topic' dependency already enforced by a 'Ref' at "
        "'Resources/TopicPolicy/Properties/PolicyDocument/Statement/0/Resource'",
        "  (resources.TopicPolicy.DependsOn[0])"]


def test_a_finding_in_an_actions_configuration_points_at_the_spec_value(tmp_path):
    # a deploy role built from a parameter whose default is empty (E3703 on RoleArn): the
    # finding names Configuration.RoleArn, which the spec writes as `deploy_role`
    spec = GITHUB_BUILD.replace("name: demo\n", "name: demo\nparameters:\n  Account: "
                                "{type: String, default: ''}\n") + """\
        outputs: [Built]
  - name: Deploy
    actions:
      - name: Stack
        type: deploy
        provider: cloudformation
        stack: app
        template: Built::t.yml
        deploy_role: !Sub "arn:aws:iam::${Account}:role/cfn"
        inputs: [Built]
"""
    (tmp_path / "spec.yaml").write_text(spec, encoding="utf-8")
    proc = run_cli("compile", "spec.yaml", "-o", "out", cwd=tmp_path)
    assert proc.returncode == 1
    first = proc.stderr.splitlines()[:2]
    assert ".Configuration.RoleArn: " in first[0]
    assert first[1] == "  (stages[1].actions[0].deploy_role)"
