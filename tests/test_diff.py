"""`pipegen diff`: what a spec change does, in text, Markdown and JSON, across git commits.

One change (tests below) carries the four things a reviewer must see: a widened IAM
statement, a replaced resource, an added stage and a changed configuration value.
"""

from __future__ import annotations

import json
import subprocess

import pytest
from conftest import run_pipegen

OLD = """\
pipegen: 1
name: demo
sources:
  - name: Repo
    provider: codecommit
    repository: demo
    branch: main
stages:
  - name: Build
    actions:
      - name: Compile
        type: build
        project:
          name: demo-build
          buildspec: buildspec.yml
          permissions:
            - actions: [ecr:PutImage]
              resources: ["arn:aws:ecr:us-east-1:111111111111:repository/demo"]
        outputs: [Built]
"""
NEW = OLD.replace("branch: main", "branch: release").replace(
    "name: demo-build", "name: demo-build-v2").replace(
    "actions: [ecr:PutImage]", "actions: [ecr:PutImage, ecr:BatchGetImage]") + """\
  - name: Test
    actions:
      - name: Smoke
        type: test
        project: demo-smoke
        inputs: [Built]
"""


@pytest.fixture
def repo(tmp_path):
    """demo.yaml (the new spec) beside templates/demo.json (compiled from the old one)."""
    (tmp_path / "demo.yaml").write_text(OLD, encoding="utf-8")
    proc = run_pipegen("compile", "demo.yaml", "-o", "templates", "--no-lint", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    (tmp_path / "demo.yaml").write_text(NEW, encoding="utf-8")
    return tmp_path


def diff(repo, *args):
    proc = run_pipegen("diff", "demo.yaml", "--templates", "templates", *args, cwd=repo)
    assert proc.returncode == 0, proc.stderr  # a report: exit 0 whatever the diff
    assert proc.stderr == ""
    return proc.stdout


def test_text(repo):
    out = diff(repo)
    assert out.startswith("demo.yaml: pipeline Pipeline against templates/demo.json\n")
    # an added stage
    assert "\n  + stage Test\n  + action Test/Smoke (Test: CodeBuild)\n" in out
    # a changed configuration value, before and after
    assert ("\n  ~ action Source/Repo (Source: CodeCommit)\n"
            "      Configuration.BranchName: main -> release\n") in out
    # a replaced resource (CodeBuild's Name is create-only)
    assert ("\n  ! resource BuildCompileProject (AWS::CodeBuild::Project) is REPLACED: "
            "CloudFormation creates a new one and deletes the old\n"
            "      Properties.Name: demo-build -> demo-build-v2\n") in out
    # a widened IAM statement
    assert ("\n  IAM broadened: BuildCompileProjectRole policy CodeBuildLeastPrivilege: changed "
            "Allow statement [ecr:BatchGetImage, ecr:PutImage]; +actions: ecr:BatchGetImage\n"
            ) in out
    assert "IAM narrowed: BuildCompileProjectRole policy CodeBuildLeastPrivilege: changed " \
        "Allow statement [logs:CreateLogGroup" in out  # the old log group is no longer granted


def test_markdown(repo):
    out = diff(repo, "--output", "markdown")
    assert out.startswith("## pipegen diff\n\n1 of 1 pipeline(s) change.\n\n"
                          "### `demo.yaml`: pipeline `Pipeline`\n")
    assert ("> [!WARNING]\n> Replaced by CloudFormation (a new resource, the old one deleted): "
            "`BuildCompileProject`\n") in out
    assert "| added stage `Test` |  |\n" in out
    assert ("| changed action `Source/Repo` | `Configuration.BranchName`: `main` → `release` |\n"
            in out)
    assert ("| **replaced** | `BuildCompileProject` | `AWS::CodeBuild::Project` | "
            "`Properties.Name`: `demo-build` → `demo-build-v2` |\n") in out
    assert ("| broadened | `BuildCompileProjectRole policy CodeBuildLeastPrivilege` | changed "
            "Allow `ecr:BatchGetImage, ecr:PutImage` | actions: `ecr:BatchGetImage` |  |\n") in out


def test_json(repo):
    [report] = json.loads(diff(repo, "--output", "json"))["pipelines"]
    assert report["spec"] == "demo.yaml" and report["compared_with"] == "templates/demo.json"
    assert report["stages_added"] == ["Test"]
    assert report["actions_added"] == [{"name": "Test/Smoke", "detail": "Test: CodeBuild",
                                        "changes": []}]
    [repo_change] = [a for a in report["actions_changed"] if a["name"] == "Source/Repo"]
    assert repo_change["changes"] == [{"key": "Configuration.BranchName", "before": "main",
                                       "after": "release"}]
    assert report["resources_replaced"] == [{
        "name": "BuildCompileProject", "detail": "AWS::CodeBuild::Project",
        "changes": [{"key": "Properties.Name", "before": "demo-build",
                     "after": "demo-build-v2"}]}]
    ecr = [c for c in report["iam_broadened"] if c["summary"].startswith("ecr:")]
    assert ecr == [{"where": "BuildCompileProjectRole policy CodeBuildLeastPrivilege",
                    "effect": "Allow", "summary": "ecr:BatchGetImage, ecr:PutImage",
                    "statement": "changed", "added": {"actions": ["ecr:BatchGetImage"]},
                    "removed": {}}]


def test_no_change_and_a_new_pipeline(repo):
    (repo / "demo.yaml").write_text(OLD, encoding="utf-8")
    assert diff(repo) == ("demo.yaml: pipeline Pipeline against templates/demo.json\n"
                          "  no changes\n")
    (repo / "templates" / "demo.json").unlink()
    out = diff(repo)
    assert out.startswith("demo.yaml: pipeline Pipeline against templates/demo.json (new: "
                          "nothing to compare with)\n  + stage Source\n  + stage Build\n")
    assert "  + resource PipelineRole (AWS::IAM::Role)\n" in out
    assert "  IAM broadened: PipelineRole policy PipelineLeastPrivilege: added Allow " in out


def git(cwd, *args):
    proc = subprocess.run(["git", "-c", "user.name=pipegen tests", "-c",
                           "user.email=tests@example.com", "-c", "commit.gpgsign=false", *args],
                          cwd=cwd, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_across_two_git_commits(tmp_path):
    git(tmp_path, "init", "-q", "-b", "main")
    (tmp_path / "pipelines").mkdir()
    spec = tmp_path / "pipelines" / "demo.yaml"
    for text, message in ((OLD, "first"), (NEW, "second")):
        spec.write_text(text, encoding="utf-8")
        proc = run_pipegen("compile", "pipelines", "-o", "templates", "--no-lint", cwd=tmp_path)
        assert proc.returncode == 0, proc.stderr
        git(tmp_path, "add", "-A")
        git(tmp_path, "commit", "-q", "-m", message)
    # the working tree equals HEAD: nothing to report against it
    proc = run_pipegen("diff", "pipelines", "--templates", "templates", cwd=tmp_path)
    assert proc.stdout.endswith("  no changes\n"), proc.stderr
    proc = run_pipegen("diff", "pipelines", "--templates", "templates", "--base", "HEAD~1",
                       cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("pipelines/demo.yaml: pipeline Pipeline against "
                                  "templates/demo.json at HEAD~1\n  + stage Test\n")
    assert "Configuration.BranchName: main -> release" in proc.stdout
    # run from a subdirectory: the template path is resolved relative to it, not the repo root
    proc = run_pipegen("diff", "demo.yaml", "--templates", "../templates", "--base", "main~1",
                       cwd=tmp_path / "pipelines")
    assert proc.returncode == 0, proc.stderr
    assert "  + stage Test\n" in proc.stdout


def test_errors_and_usage(repo):
    proc = run_pipegen("diff", "demo.yaml", "--templates", "templates", "--base", "nope",
                       cwd=repo)
    assert proc.returncode == 1
    assert proc.stdout == ""
    assert proc.stderr.startswith("error PG611 --base nope: ")
    assert "hint: name a commit, branch or tag" in proc.stderr
    proc = run_pipegen("diff", "demo.yaml", "--against", "missing.json", cwd=repo)
    assert proc.returncode == 1
    assert proc.stderr == ("error PG610 cannot read missing.json: No such file or directory\n"
                           "  hint: check the path of the template to compare with\n")
    (repo / "broken.json").write_text('{"Resources": ', encoding="utf-8")
    proc = run_pipegen("diff", "demo.yaml", "--against", "broken.json", cwd=repo)
    assert proc.returncode == 1
    assert proc.stderr.startswith("error PG610 cannot read broken.json as a CloudFormation "
                                  "template: ")
    for argv in (["diff", "demo.yaml"], ["diff", "demo.yaml", "--templates", "t", "--against",
                                          "x.json"],
                 ["diff", "demo.yaml", "--against", "x.json", "--base", "HEAD"]):
        proc = run_pipegen(*argv, cwd=repo)
        assert proc.returncode == 2, argv
        assert "Traceback" not in proc.stderr


def test_against_a_hand_written_template_with_another_pipeline_id(repo):
    template = json.loads((repo / "templates" / "demo.json").read_text("utf-8"))
    template["Resources"]["ReleasePipeline"] = template["Resources"].pop("Pipeline")
    (repo / "hand.json").write_text(json.dumps(template), encoding="utf-8")
    proc = run_pipegen("diff", "demo.yaml", "--against", "hand.json", cwd=repo)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("demo.yaml: pipeline ReleasePipeline -> Pipeline against "
                                  "hand.json\n  + stage Test\n")
    assert "  + resource Pipeline (AWS::CodePipeline::Pipeline)\n" in proc.stdout
    assert "  - resource ReleasePipeline (AWS::CodePipeline::Pipeline)\n" in proc.stdout


def test_parameters_and_outputs(repo):
    with_params = OLD.replace("name: demo\n", "name: demo\nparameters:\n  Env: {type: String, "
                              "default: dev}\noutputs:\n  Where: !Ref Env\n")
    (repo / "demo.yaml").write_text(with_params, encoding="utf-8")
    assert run_pipegen("compile", "demo.yaml", "-o", "templates", "--no-lint",
                       cwd=repo).returncode == 0
    (repo / "demo.yaml").write_text(with_params.replace("default: dev", "default: prod"),
                                    encoding="utf-8")
    assert diff(repo) == ("demo.yaml: pipeline Pipeline against templates/demo.json\n"
                          "  ~ Parameters.Env (changed)\n      Default: dev -> prod\n")
    report = json.loads(diff(repo, "--output", "json"))["pipelines"][0]
    assert report["template_changed"] == [{"name": "Parameters.Env", "detail": "changed",
                                           "changes": [{"key": "Default", "before": "dev",
                                                        "after": "prod"}]}]


# --- the comparison itself, on hand-written templates

def _bucket_policy(statements):
    return {"Resources": {"Policy": {"Type": "AWS::S3::BucketPolicy", "Properties": {
        "Bucket": "b", "PolicyDocument": {"Version": "2012-10-17", "Statement": statements}}}}}


READ = {"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": "arn:aws:s3:::b/*",
        "Principal": {"AWS": "arn:aws:iam::222222222222:role/reader"}}


def _iam(old, new):
    from pipegen import diff as d

    [result] = d.compare(_bucket_policy(old), _bucket_policy(new), "s.yaml", "t.json")
    return ([(c.statement, c.added, c.removed) for c in result.iam_broadened],
            [(c.statement, c.added, c.removed) for c in result.iam_narrowed])


def test_iam_principals_conditions_and_whole_statements():
    other = {**READ, "Principal": {"AWS": ["arn:aws:iam::222222222222:role/reader",
                                           "arn:aws:iam::333333333333:root"]}}
    assert _iam([READ], [other]) == (
        [("changed", {"principals": ["AWS:arn:aws:iam::333333333333:root"]}, {})], [])
    tls = {**READ, "Condition": {"Bool": {"aws:SecureTransport": "true"}}}
    assert _iam([READ], [tls]) == (
        [], [("changed", {"conditions": ["Bool aws:SecureTransport = true"]}, {})])
    assert _iam([tls], [READ]) == (
        [("changed", {}, {"conditions": ["Bool aws:SecureTransport = true"]})], [])
    broadened, narrowed = _iam([READ], [])
    assert broadened == [] and [n[0] for n in narrowed] == ["removed"]
    deny = {"Effect": "Deny", "Action": "s3:*", "Resource": "*", "Principal": "*"}
    # a new Deny takes permissions away; removing one gives them back
    assert [n[0] for n in _iam([READ], [READ, deny])[1]] == ["added"]
    assert [b[0] for b in _iam([READ, deny], [READ])[0]] == ["removed"]


def test_stage_order_and_replacement_by_type_change():
    from pipegen import diff as d

    def template(stages, bucket_type="AWS::S3::Bucket"):
        return {"Resources": {
            "Pipeline": {"Type": "AWS::CodePipeline::Pipeline", "Properties": {"Stages": [
                {"Name": n, "Actions": [{"Name": "A", "ActionTypeId": {
                    "Category": "Build", "Owner": "AWS", "Provider": "CodeBuild",
                    "Version": "1"}, "RunOrder": 1}]} for n in stages]}},
            "Store": {"Type": bucket_type}}}

    [result] = d.compare(template(["Source", "Build", "Test"]),
                         template(["Source", "Test", "Build"], "AWS::S3::AccessPoint"),
                         "s.yaml", "t.json")
    assert result.stage_order == {"before": ["Source", "Build", "Test"],
                                  "after": ["Source", "Test", "Build"]}
    assert "  ~ stage order: Source, Build, Test -> Source, Test, Build\n" in d.text([result])
    assert [(n.name, n.changes[0].key) for n in result.resources_replaced] == [("Store", "Type")]


def test_markdown_lists_unchanged_pipelines_in_one_line(repo):
    (repo / "other.yaml").write_text(OLD.replace("demo", "other"), encoding="utf-8")
    assert run_pipegen("compile", "other.yaml", "-o", "templates", "--no-lint",
                       cwd=repo).returncode == 0
    proc = run_pipegen("diff", "demo.yaml", "other.yaml", "--templates", "templates",
                       "--output", "markdown", cwd=repo)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("## pipegen diff\n\n1 of 2 pipeline(s) change.\n\n")
    assert proc.stdout.endswith("\nNo changes: `other.yaml`.\n")
    assert "### `other.yaml`" not in proc.stdout
