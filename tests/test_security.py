"""Secure by default: the IAM of every committed template, and isolation between actions.

The policy walk reads every policy in every golden template: no wildcard in any action name of
an identity policy, resource "*" only for the actions docs/iam.md lists, no `#{` (CodePipeline
variables cannot be resolved by IAM). It is shown to fail on templates with a wildcard, an
unlisted "*" resource or a variable introduced.
"""

from __future__ import annotations

import copy
import json
import re
import textwrap

import pytest
from conftest import ROOT, TEMPLATES
from helpers import (
    PARTS_BUILD,
    compile_template,
    grants,
    spec_from_parts,
    stage_actions,
    statements,
)

TEMPLATE_FILES = sorted(TEMPLATES.glob("*.json"))
IDENTITY = {"AWS::IAM::Role": "Policies", "AWS::IAM::Policy": "PolicyDocument",
            "AWS::IAM::ManagedPolicy": "PolicyDocument"}


def star_actions() -> set[str]:
    """The actions docs/iam.md allows on resource "*" (its "Where the resource is" section)."""
    text = (ROOT / "docs" / "iam.md").read_text("utf-8")
    section = text.split('## Where the resource is `"*"`', 1)[1].split("\n## ", 1)[0]
    names = set(re.findall(r"`([a-z0-9-]+:[A-Za-z]+)`", section))
    # Rows list several actions of one service as `ecs:A`, `ecs:B`; that is all they do.
    return names


def _as_list(v):
    return v if isinstance(v, list) else [v]


def policy_problems(template: dict) -> list[str]:
    """What a reviewer would object to in the template's policies (empty when none)."""
    allowed_star = star_actions()
    problems = []
    for rid, res in template.get("Resources", {}).items():
        kind, props = res.get("Type"), res.get("Properties", {})
        documents = []  # (where, document, identity?)
        if kind == "AWS::IAM::Role":
            documents.append((f"{rid} trust", props.get("AssumeRolePolicyDocument", {}), False))
            for p in props.get("Policies", []):
                documents.append((f"{rid} {p.get('PolicyName')}", p["PolicyDocument"], True))
        elif kind in IDENTITY:
            documents.append((rid, props.get("PolicyDocument", {}), True))
        else:
            for key in ("PolicyDocument", "KeyPolicy"):
                if key in props:
                    documents.append((f"{rid} {key}", props[key], False))
        for where, doc, identity in documents:
            if "#{" in json.dumps(doc):
                problems.append(f"{where}: a CodePipeline variable (#{{) in a policy")
            for st in _as_list(doc.get("Statement", [])):
                if st.get("Effect") != "Allow":
                    continue
                actions = [a for a in _as_list(st.get("Action", [])) if isinstance(a, str)]
                wild = [a for a in actions if "*" in a or "?" in a]
                if wild and (identity or st.get("Sid") != "AccountAdministers"):
                    problems.append(f"{where}: wildcard action(s) {wild}")
                if identity and "*" in _as_list(st.get("Resource", [])):
                    unlisted = [a for a in actions if a not in allowed_star]
                    if unlisted:
                        problems.append(f"{where}: resource \"*\" for {unlisted}, which "
                                        "docs/iam.md does not list")
    return problems


@pytest.mark.parametrize("path", TEMPLATE_FILES, ids=lambda p: p.stem)
def test_every_template_passes_the_policy_walk(path):
    assert policy_problems(json.loads(path.read_text("utf-8"))) == []


def test_the_policy_walk_catches_what_it_looks_for():
    clean = json.loads((TEMPLATES / "typical.json").read_text("utf-8"))
    assert policy_problems(clean) == []

    def first_statement(t):
        return t["Resources"]["PipelineRole"]["Properties"]["Policies"][0]["PolicyDocument"][
            "Statement"][0]

    wildcard = copy.deepcopy(clean)
    first_statement(wildcard)["Action"].append("s3:Get*")
    assert policy_problems(wildcard) == ["PipelineRole PipelineLeastPrivilege: wildcard "
                                         "action(s) ['s3:Get*']"]
    question = copy.deepcopy(clean)
    first_statement(question)["Action"] = ["s3:GetObjec?"]
    assert len(policy_problems(question)) == 1
    star = copy.deepcopy(clean)
    first_statement(star)["Resource"] = "*"
    assert "docs/iam.md does not list" in policy_problems(star)[0]
    variable = copy.deepcopy(clean)
    first_statement(variable)["Resource"] = ["arn:aws:s3:::#{Vars.Bucket}/*"]
    assert "#{" in policy_problems(variable)[0]
    # A resource policy keeps what AWS advises; granting s3:* to someone is still caught.
    bucket = copy.deepcopy(clean)
    bucket["Resources"]["ArtifactBucketPolicy"]["Properties"]["PolicyDocument"][
        "Statement"].append({"Effect": "Allow", "Principal": {"AWS": "x"}, "Action": "s3:*",
                             "Resource": "*"})
    assert policy_problems(bucket) == ["ArtifactBucketPolicy PolicyDocument: wildcard "
                                       "action(s) ['s3:*']"]


ISOLATION = """\
artifacts:
  encryption: generated
  grant: [arn:aws:iam::222222222222:role/deployer]
stages:
  - name: Build
    actions:
      - name: Test
        type: build
        provider: commands
        commands: [npm ci, npm test]
  - name: Prod
    actions:
      - name: Stack
        type: deploy
        provider: cloudformation
        stack: orders
        template: RepoSource::stack.yaml
        deploy_role: arn:aws:iam::222222222222:role/cfn-deployer
        role: arn:aws:iam::222222222222:role/deployer
      - name: Local
        type: deploy
        provider: cloudformation
        stack: orders-local
        template: RepoSource::stack.yaml
        deploy_role: arn:aws:iam::111111111111:role/cfn-local
"""


def test_commands_cannot_reach_the_deployers(tmp_path, linter):
    t = compile_template(tmp_path, spec_from_parts(ISOLATION), linter)
    [test] = stage_actions(t, "Build")
    assert test["RoleArn"] == {"Fn::GetAtt": ["BuildTestActionRole", "Arn"]}
    role = t["Resources"]["BuildTestActionRole"]["Properties"]
    # Only the pipeline role may assume the commands role; nothing else is trusted.
    assert role["AssumeRolePolicyDocument"]["Statement"] == [{
        "Action": ["sts:AssumeRole"], "Effect": "Allow",
        "Principal": {"AWS": [{"Fn::GetAtt": ["PipelineRole", "Arn"]}]}}]
    g = grants(t, "BuildTestActionRole")
    # It cannot assume the cross-account deployer, pass a deploy role, or write artifacts
    # (it has no outputs).
    assert "sts:AssumeRole" not in g
    assert "iam:PassRole" not in g
    assert "s3:PutObject" not in g
    assert not any(a.startswith(("cloudformation:", "kms:Encrypt", "kms:GenerateDataKey"))
                   for a in g)
    assert "ManagedPolicyArns" not in role
    # The deployer is the pipeline role's to assume; the pipeline role trusts CodePipeline only.
    pipeline = t["Resources"]["PipelineRole"]["Properties"]
    assert pipeline["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {
        "Service": ["codepipeline.amazonaws.com"]}
    assert {"Action": ["sts:AssumeRole"], "Effect": "Allow",
            "Resource": ["arn:aws:iam::222222222222:role/deployer"]} in statements(t)
    # The same-account deploy passes its deploy role from a role of its own, which trusts the
    # pipeline role only: the commands role can reach neither.
    assert "iam:PassRole" not in grants(t)
    local = t["Resources"]["ProdLocalActionRole"]["Properties"]
    assert local["AssumeRolePolicyDocument"] == role["AssumeRolePolicyDocument"]
    assert grants(t, "ProdLocalActionRole")["iam:PassRole"] == [
        "arn:aws:iam::111111111111:role/cfn-local"]
    assume = t["Resources"]["PipelineAssumesActionRoles"]["Properties"]
    assert assume["Roles"] == [{"Ref": "PipelineRole"}]
    assert assume["PolicyDocument"]["Statement"][0]["Resource"] == [
        {"Fn::GetAtt": ["BuildTestActionRole", "Arn"]},
        {"Fn::GetAtt": ["ProdLocalActionRole", "Arn"]}]
    assert t["Resources"]["Pipeline"]["DependsOn"] == ["PipelineAssumesActionRoles"]


# --- secrets

LEAKY = """\
pipegen: 1
name: demo
parameters:
  Token:
    type: String
    no_echo: true
    default: s3cr3t-default-value
sources:
  - name: Legacy
    provider: github-v1
    repository: acme/app
    branch: main
    oauth_token: !Join ["", ["ghp_", "abcdefghijklmnop1234"]]
    webhook_secret: !Ref Token
stages:
  - name: Approve
    actions:
      - {name: Check, type: approval}
"""


@pytest.mark.parametrize("fmt", ["text", "json", "github"])
def test_no_output_format_repeats_a_secret(write_spec, fmt):
    from conftest import run_cli

    path = write_spec(LEAKY)
    proc = run_cli("compile", str(path), "--no-lint", "--output", fmt)
    assert proc.returncode == 1
    out = proc.stdout + proc.stderr
    assert "PG376" in out and "PG321" in out  # both secrets are reported...
    for secret in ("s3cr3t-default-value", "abcdefghijklmnop1234"):
        assert secret not in out  # ...and neither is printed
    if fmt == "text":
        assert "         default: ********\n" in proc.stderr
        assert "         oauth_token: ********\n" in proc.stderr


def _warnings(write_spec, text: str) -> list:
    """The build's warnings (those not acknowledged) for spec text."""
    from pipegen import build, loader, schema

    loaded = loader.load_file(write_spec(text))
    schema.validate(loaded)
    return build.build(loaded)[1]


def _build_warnings(write_spec, text: str) -> list[tuple[str, str]]:
    return [(w.code, ".".join(map(str, w.path))) for w in _warnings(write_spec, text)]


SECRET_STAGES = """\
parameters:
  DbPassword: {type: String, no_echo: true}
variables:
  API_TOKEN: {default: "hunter2-hunter2"}
stages:
  - name: Build
    actions:
      - name: Compile
        type: build
        project:
          buildspec: b.yml
          environment: {SIGNING: "{{resolve:secretsmanager:ci/sign:SecretString:key}}"}
        environment_variables: {DB: !Sub "postgres://app:${DbPassword}@db"}
"""


def test_a_secret_in_a_plain_text_variable_points_at_secrets(tmp_path):
    from helpers import error_tuples

    errors = [(code, path, hint) for code, _, path, _, _, hint in
              error_tuples(tmp_path, spec_from_parts(SECRET_STAGES))]
    assert [(c, p) for c, p, _ in errors] == [
        ("PG331", "stages[0].actions[0].project.environment.SIGNING"),
        ("PG331", "stages[0].actions[0].environment_variables.DB")]
    assert all("`secrets:`" in hint for _, _, hint in errors)
    # a no_echo parameter may be no secret at all (sagemaker-codestar's project name)
    assert [hint.endswith("; or, if 'DbPassword' is not a secret (a name that also names a "
                          "pipeline, project or bucket is visible anyway), drop its `no_echo`")
            for _, _, hint in errors] == [False, True]


def test_secrets_where_no_slot_exists_warn(write_spec):
    text = spec_from_parts("""\
        parameters:
          DbPassword: {type: String, no_echo: true}
        variables:
          API_TOKEN: {default: "hunter2-hunter2"}
          REGION: {default: eu-west-1}
        stages:
          - name: Deploy
            actions:
              - name: Stack
                type: deploy
                provider: cloudformation
                stack: demo
                template: RepoSource::stack.yaml
                deploy_role: arn:aws:iam::111111111111:role/cfn
                parameter_overrides:
                  DbPassword: !Ref DbPassword
                  Key: "-----BEGIN RSA PRIVATE KEY-----"
                  Stage: prod
              - name: Notify
                type: invoke
                provider: lambda
                function: notify
                user_parameters: {secret: "{{resolve:secretsmanager:n:SecretString:k}}"}
        """)
    assert _build_warnings(write_spec, text) == [
        ("PG397", "stages.0.actions.0.parameter_overrides.DbPassword"),
        ("PG398", "stages.0.actions.0.parameter_overrides.Key"),
        ("PG397", "stages.0.actions.1.user_parameters.secret"),
        ("PG398", "variables.API_TOKEN.default"),
    ]
    acknowledged = text.replace("pipegen: 1\n", "pipegen: 1\nacknowledge: [PG398]\n")
    assert [c for c, _ in _build_warnings(write_spec, acknowledged)] == ["PG397", "PG397"]


@pytest.mark.parametrize("token", [
    '"{{resolve:secretsmanager:github:SecretString:token}}x"',
    '!Sub "x{{resolve:secretsmanager:github:SecretString:token}}"',
])
def test_an_oauth_token_is_one_whole_reference(tmp_path, token):
    from helpers import error_tuples, spec_from_sources

    text = spec_from_sources(f"""
        - provider: github-v1
          repository: acme/app
          branch: main
          oauth_token: {token}
          trigger: poll
        """)
    assert [e[0] for e in error_tuples(tmp_path, text)] == ["PG332"]


def test_a_generated_webhook_secret_uses_the_artifact_key(tmp_path):
    from helpers import spec_from_sources

    text = spec_from_sources("""
        - name: Legacy
          provider: github-v1
          repository: acme/app
          branch: main
          oauth_token: "{{resolve:secretsmanager:github:SecretString:token}}"
        """, "artifacts: {encryption: generated}\n")
    secret = compile_template(tmp_path, text)["Resources"]["LegacyWebhookSecret"]
    assert secret["Properties"]["KmsKeyId"] == {"Fn::GetAtt": ["ArtifactKey", "Arn"]}
    assert "Metadata" not in secret
    plain = compile_template(tmp_path, text.replace("artifacts: {encryption: generated}\n",
                                                    ""))["Resources"]["LegacyWebhookSecret"]
    assert "KmsKeyId" not in plain["Properties"]
    assert plain["Metadata"]["checkov"]["skip"][0]["id"] == "CKV_AWS_149"


# --- the tool itself

def _cli(*args, cwd=None, timeout=60):
    import subprocess
    import sys

    return subprocess.run([sys.executable, "-m", "pipegen", *args], capture_output=True,
                          text=True, cwd=cwd or ROOT, timeout=timeout)


def test_o_may_not_name_an_input_spec(tmp_path):
    spec = tmp_path / "s.yaml"
    spec.write_text((ROOT / "samples" / "minimal.yaml").read_text("utf-8"), encoding="utf-8")
    before = spec.read_bytes()
    proc = _cli("compile", str(spec), "-o", str(spec), "--no-lint")
    assert proc.returncode == 2
    assert "-o would overwrite the input spec" in proc.stderr
    # A directory compiled into itself, with YAML templates: s.yaml would become a template.
    proc = _cli("compile", str(tmp_path), "-o", str(tmp_path / ".." / tmp_path.name),
                "--format", "yaml", "--no-lint")
    assert proc.returncode == 2
    assert "-o would overwrite the input spec" in proc.stderr
    assert spec.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.yaml"]
    # JSON templates beside their specs are fine.
    assert _cli("compile", str(tmp_path), "-o", str(tmp_path), "--no-lint").returncode == 0
    assert spec.read_bytes() == before


def test_non_regular_files_are_never_read(tmp_path):
    import os

    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    proc = _cli("compile", str(fifo), "--no-lint", timeout=30)  # a blocking read would hang
    assert proc.returncode == 1
    assert "error PG101 cannot read" in proc.stderr and "not a regular file" in proc.stderr
    proc = _cli("compile", "/dev/zero", "--no-lint", timeout=30)
    assert proc.returncode == 1
    assert "/dev/zero: not a regular file" in proc.stderr
    # In a directory search a FIFO is skipped, not opened.
    (tmp_path / "real.yaml").write_text((ROOT / "samples" / "minimal.yaml").read_text("utf-8"),
                                        encoding="utf-8")
    proc = _cli("compile", str(tmp_path), "-o", str(tmp_path / "out"), "--no-lint", timeout=30)
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["real.json"]


def test_excerpts_read_no_more_than_the_size_limit(tmp_path):
    from pipegen.cli import Reporter
    from pipegen.compiler import compile_spec
    from pipegen.errors import SpecError
    from pipegen.loader import MAX_BYTES

    big = tmp_path / "big.yaml"
    big.write_bytes(b"a: " + b"x" * (3 * MAX_BYTES))
    with pytest.raises(SpecError) as info:
        compile_spec(big)
    assert [d.code for d in info.value.diagnostics] == ["PG111"]
    reporter = Reporter("json", strict=False)
    reporter.add(big, info.value.diagnostics)
    assert sum(len(line) for line in reporter.sources[str(big)]) <= MAX_BYTES + 1


def test_the_number_of_diagnostics_is_capped(tmp_path):
    keys = "".join(f"unknown{i}: 1\n" for i in range(300))
    spec = tmp_path / "many.yaml"
    spec.write_text((ROOT / "samples" / "minimal.yaml").read_text("utf-8") + keys,
                    encoding="utf-8")
    proc = _cli("compile", str(spec), "--no-lint", "--output", "json")
    assert proc.returncode == 1
    found = json.loads(proc.stderr)  # stdout would carry the template
    assert len(found) == 201
    assert found[-1]["code"] == "PG399"
    assert found[-1]["message"] == "100 more diagnostics not shown (at most 200 per spec)"


def test_printed_paths_and_excerpts_cannot_drive_a_terminal_or_a_ci_runner(tmp_path):
    # A file name that is a GitHub workflow command, and a spec line holding ESC.
    name = "::error::pwned.yaml"
    (tmp_path / name).write_text("pipegen: 1\nname: \x1b[31mred\n", encoding="utf-8")
    proc = _cli("compile", name, "--no-lint", cwd=tmp_path)
    assert proc.returncode == 1
    assert "\x1b" not in proc.stderr
    assert "\\x1b[31mred" in proc.stderr
    for line in proc.stderr.splitlines():
        assert not line.lstrip().startswith("::"), line
    assert proc.stderr.startswith("\\x3a:error::pwned.yaml:2:7: error PG102")
    # A spec line that is itself a workflow command is quoted harmlessly.
    (tmp_path / "cmd.yaml").write_text("pipegen: 1\nname: demo\n::set-env name=X::1: y\n",
                                       encoding="utf-8")
    proc = _cli("compile", "cmd.yaml", "--no-lint", cwd=tmp_path)
    assert proc.returncode == 1
    assert all(not x.lstrip().startswith("::") for x in proc.stderr.splitlines())
    assert "\\x3a:set-env" in proc.stderr


# --- hardening

def test_an_existing_bucket_is_used_under_the_pipelines_folder_only(tmp_path):
    text = spec_from_parts("""\
        artifacts: {bucket: shared-artifacts}
        """).replace("name: demo\n", "name: payments-ledger-reconciliation\n")
    t = compile_template(tmp_path, text)
    # CodePipeline names the folder after the first 20 characters of the pipeline name.
    folder = {"Fn::Sub": "arn:${AWS::Partition}:s3:::shared-artifacts/payments-ledger-reco/*"}
    assert grants(t)["s3:GetObject"] == [folder]
    assert grants(t)["s3:PutObject"] == [folder]
    [project_role] = [k for k in t["Resources"] if k.endswith("ProjectRole")]
    assert grants(t, project_role)["s3:GetObject"] == [folder]
    # A name CloudFormation chooses has no known folder: the bucket's objects, as before.
    generated = compile_template(tmp_path, text.replace(
        "name: payments-ledger-reconciliation\n",
        "name: payments-ledger-reconciliation\npipeline_name: generated\n"))
    assert grants(generated)["s3:GetObject"] == [
        {"Fn::Sub": "arn:${AWS::Partition}:s3:::shared-artifacts/*"}]


def test_service_trust_policies_name_the_source(tmp_path):
    t = compile_template(tmp_path, spec_from_parts("""\
        sources:
          - name: Repo
            provider: codecommit
            repository: app
            branch: main
        """))
    [project_role] = [k for k in t["Resources"] if k.endswith("ProjectRole")]
    project = project_role.removesuffix("Role")
    trust = t["Resources"][project_role]["Properties"]["AssumeRolePolicyDocument"]
    assert trust["Statement"][0]["Condition"] == {
        "StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}},
        "ArnLike": {"aws:SourceArn": {"Fn::Sub": "arn:${AWS::Partition}:codebuild:"
                                      "${AWS::Region}:${AWS::AccountId}:project/"
                                      "${AWS::StackName}-" + project.removesuffix("Project")}}}
    # The source ARN is the project's own name, built without referencing the project.
    assert t["Resources"][project]["Properties"]["Name"] == {
        "Fn::Sub": "${AWS::StackName}-" + project.removesuffix("Project")}
    events = t["Resources"]["PipelineEventsRole"]["Properties"]["AssumeRolePolicyDocument"]
    assert events["Statement"][0]["Condition"] == {
        "StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}}
    # CodePipeline does not document setting these keys for its service role: none there.
    pipeline = t["Resources"]["PipelineRole"]["Properties"]["AssumeRolePolicyDocument"]
    assert "Condition" not in pipeline["Statement"][0]


def test_change_set_statements_name_the_change_set(tmp_path):
    t = compile_template(tmp_path, spec_from_parts("""\
        stages:
          - name: Deploy
            actions:
              - name: Stack
                type: deploy
                provider: cloudformation
                mode: change-set
                stack: orders
                change_set: orders-release
                template: RepoSource::stack.yaml
                deploy_role: arn:aws:iam::111111111111:role/cfn
        """))
    # The create step passes the deploy role (a role of its own); executing passes none and
    # runs as the pipeline role. Both name the change set.
    st = statements(t, "DeployStackActionRole") + statements(t)
    changes = [s for s in st if any(a.endswith("ChangeSet") for a in s["Action"])]
    assert {a for s in changes for a in s["Action"]} == {
        "cloudformation:CreateChangeSet", "cloudformation:DeleteChangeSet",
        "cloudformation:DescribeChangeSet", "cloudformation:ExecuteChangeSet"}
    assert all(s["Condition"] == {
        "StringEquals": {"cloudformation:ChangeSetName": "orders-release"}} for s in changes)
    # DescribeStacks has no change-set key: a condition on it would deny it.
    describe = [s for s in st if s["Action"] == ["cloudformation:DescribeStacks"]]
    assert describe and all("Condition" not in s for s in describe)


# Other accounts' roles can read artifacts only under a key whose policy names them.
SHARED_KEY = """\
artifacts:
  encryption: generated
  grant: [arn:aws:iam::222222222222:role/prober, arn:aws:iam::333333333333:role/source-reader]
"""

PR_SOURCE = """\
sources:
  - name: App
    provider: github
    repository: acme/app
    branch: main
    connection: arn:aws:codeconnections:us-east-1:111111111111:connection/abc
    filters: {pull_requests: {events: [open]}}
"""


@pytest.mark.parametrize(("stages", "reach"), [
    ("""\
     - name: Ship
       type: deploy
       provider: s3
       inputs: [Site]
       bucket: demo-site
       extract: true
     """, "deploy actions (Go.Ship)"),
    ("""\
     - name: Notify
       type: invoke
       provider: lambda
       function: notify
     """, "invoke actions (Go.Notify)"),
    ("""\
     - name: Lint
       type: build
       provider: commands
       inputs: [Site]
       commands: [make lint]
     """, "commands actions (Go.Lint)"),
    ("""\
     - name: Probe
       type: build
       project: probe
       inputs: [Site]
       role: arn:aws:iam::222222222222:role/prober
     """, "actions with their own (possibly cross-account) role (Go.Probe)"),
])
def test_pull_requests_that_reach_deploys_warn(write_spec, stages, reach):
    go = "  - name: Go\n    actions:\n" + textwrap.indent(textwrap.dedent(stages), "      ")
    text = spec_from_parts(PR_SOURCE, SHARED_KEY, PARTS_BUILD.replace("[Bundle]", "[Site]") + go)
    warnings = _warnings(write_spec, text)
    assert [(w.code, ".".join(map(str, w.path))) for w in warnings] == [
        ("PG333", "sources.0.filters.pull_requests")]
    assert warnings[0].message.endswith("and this spec has " + reach)
    assert "`trigger: pull-request`" in warnings[0].hint
    acknowledged = text.replace("pipegen: 1\n", "pipegen: 1\nacknowledge: [PG333]\n")
    assert _warnings(write_spec, acknowledged) == []


def test_a_pull_request_pipeline_that_only_builds_does_not_warn(write_spec):
    assert _warnings(write_spec, spec_from_parts(PR_SOURCE)) == []
    # Pushes alone reach deploys without a warning: that is what merged code is for.
    deploying = spec_from_parts(PR_SOURCE.replace(
        "    filters: {pull_requests: {events: [open]}}\n", ""), GITHUB_DEPLOY_STAGES)
    assert _warnings(write_spec, deploying) == []


def test_a_pull_request_trigger_with_a_cross_account_source_warns_at_the_trigger(write_spec):
    source = PR_SOURCE.replace("    filters: {pull_requests: {events: [open]}}\n",
                               "    trigger: pull-request\n")
    text = spec_from_parts(source + """\
  - name: Config
    provider: codecommit
    repository: config
    branch: main
    trigger: poll
    role: arn:aws:iam::333333333333:role/source-reader
""", SHARED_KEY, PARTS_BUILD.replace("        project:", "        inputs: [AppSource]\n"
                                              "        project:"))
    [warning] = _warnings(write_spec, text)
    assert (warning.code, warning.path) == ("PG333", ("sources", 0, "trigger"))
    assert warning.message.endswith("sources with a cross-account role (Config)")


GITHUB_DEPLOY_STAGES = PARTS_BUILD + """\
  - name: Go
    actions:
      - name: Ship
        type: deploy
        provider: s3
        inputs: [Bundle]
        bucket: demo-site
        extract: true
"""

