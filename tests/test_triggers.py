"""What each change-detection mechanism emits: rules, roles, webhooks, v2 triggers, role grants."""

from __future__ import annotations

import pytest
from conftest import SAMPLES
from helpers import HOST, spec_from_sources

from pipegen.compiler import compile_spec

PIPELINE_ARN = {"Fn::Sub": "arn:${AWS::Partition}:codepipeline:${AWS::Region}:"
                           "${AWS::AccountId}:${Pipeline}"}
EVENTS_ROLE = {"Fn::GetAtt": ["PipelineEventsRole", "Arn"]}
CONNECTION = "arn:aws:codeconnections:us-east-1:111111111111:connection/0a1b2c3d-4e5f"


@pytest.fixture
def compiled(write_spec, linter):
    """Compile spec text (lint included) and return the template's Resources."""

    def run(text: str) -> dict:
        return compile_spec(write_spec(text), linter=linter).template["Resources"]

    return run


def of_type(resources: dict, kind: str) -> dict:
    return {k: v for k, v in resources.items() if v["Type"] == kind}


def source_actions(resources: dict) -> list[dict]:
    return resources["Pipeline"]["Properties"]["Stages"][0]["Actions"]


def config(resources: dict, i: int = 0) -> dict:
    return source_actions(resources)[i]["Configuration"]


def role_statements(resources: dict, role: str = "PipelineRole") -> list[dict]:
    return resources[role]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]


def sample(name: str) -> dict:
    return compile_spec(SAMPLES / f"{name}.yaml").template["Resources"]


def assert_starts_pipeline(rule: dict) -> None:
    assert rule["Properties"]["Targets"] == [
        {"Arn": PIPELINE_ARN, "Id": "Pipeline", "RoleArn": EVENTS_ROLE}]


def assert_events_role(resources: dict) -> None:
    role = resources["PipelineEventsRole"]["Properties"]
    assert role["AssumeRolePolicyDocument"]["Statement"] == [{
        "Action": ["sts:AssumeRole"], "Effect": "Allow",
        "Principal": {"Service": ["events.amazonaws.com"]},
        # EventBridge sets aws:SourceAccount when it assumes the role (confused deputy).
        "Condition": {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}}}]
    assert role_statements(resources, "PipelineEventsRole") == [{
        "Action": ["codepipeline:StartPipelineExecution"], "Effect": "Allow",
        "Resource": [PIPELINE_ARN]}]


# --- CodeCommit

def test_codecommit_events_rule():
    r = sample("source-codecommit")
    rule = r["AppSourceRule"]
    assert rule["Properties"]["EventPattern"] == {
        "source": ["aws.codecommit"],
        "detail-type": ["CodeCommit Repository State Change"],
        "resources": [{"Fn::Sub": "arn:${AWS::Partition}:codecommit:${AWS::Region}:"
                                   "${AWS::AccountId}:inventory-service"}],
        "detail": {"event": ["referenceCreated", "referenceUpdated"],
                   "referenceType": ["branch"], "referenceName": ["main"]},
    }
    assert_starts_pipeline(rule)
    assert_events_role(r)
    assert config(r, 0)["PollForSourceChanges"] == "false"


def test_codecommit_cross_account_poll():
    r = sample("source-codecommit")
    action = source_actions(r)[1]
    assert action["Configuration"]["PollForSourceChanges"] == "true"
    assert action["RoleArn"] == "arn:aws:iam::222222222222:role/source-reader"
    assert "ConfigSourceRule" not in r
    assert {"Action": ["sts:AssumeRole"], "Effect": "Allow",
            "Resource": ["arn:aws:iam::222222222222:role/source-reader"]} in role_statements(r)
    # The repository's account grants the pull actions to its own role, not to this one.
    assert not any("codecommit:GetBranch" in s["Action"] and "shared-config" in str(s)
                   for s in role_statements(r))


def test_codecommit_none(compiled):
    r = compiled(spec_from_sources("""
        - provider: codecommit
          repository: app
          branch: main
          trigger: none
        """, "acknowledge: [PG339]\n"))
    assert config(r)["PollForSourceChanges"] == "false"
    assert of_type(r, "AWS::Events::Rule") == {}
    assert "PipelineEventsRole" not in r


# --- ECR

def test_ecr_push_rule_and_role():
    r = sample("source-ecr")
    rule = r["ImageSourceRule"]
    assert rule["Properties"]["EventPattern"] == {
        "source": ["aws.ecr"],
        "detail-type": ["ECR Image Action"],
        "detail": {"action-type": ["PUSH"], "result": ["SUCCESS"],
                   "repository-name": ["acme/orders-api"], "image-tag": ["release"]},
    }
    assert_starts_pipeline(rule)
    assert rule["Properties"]["Tags"] == [{"Key": "team", "Value": "platform"}]
    assert_events_role(r)
    assert config(r) == {"RepositoryName": "acme/orders-api", "ImageTag": "release"}
    assert role_statements(r)[0] == {
        "Action": ["ecr:DescribeImages"], "Effect": "Allow",
        "Resource": [{"Fn::Sub": "arn:${AWS::Partition}:ecr:${AWS::Region}:${AWS::AccountId}:"
                                 "repository/acme/orders-api"}]}


def test_ecr_defaults_to_latest_and_none_emits_no_rule(compiled):
    r = compiled(spec_from_sources("""
        - provider: ecr
          repository: !Ref Repo
          trigger: none
        """, "acknowledge: [PG339]\nparameters: {Repo: {type: String}}\n"))
    assert config(r) == {"RepositoryName": {"Ref": "Repo"}, "ImageTag": "latest"}
    assert of_type(r, "AWS::Events::Rule") == {}


# --- S3

S3_GRANTS = [
    {"Action": ["s3:GetObject", "s3:GetObjectVersion"], "Effect": "Allow",
     "Resource": [{"Fn::Sub": "arn:${AWS::Partition}:s3:::acme-release-bundles/"
                              "orders/bundle.zip"}]},
    {"Action": ["s3:GetBucketVersioning", "s3:GetBucketAcl", "s3:GetBucketLocation"],
     "Effect": "Allow", "Resource": [{"Fn::Sub": "arn:${AWS::Partition}:s3:::"
                                                 "acme-release-bundles"}]},
]


def test_s3_eventbridge_rule():
    r = sample("source-s3-eventbridge")
    rule = r["BundleSourceRule"]
    assert rule["Properties"]["EventPattern"] == {
        "source": ["aws.s3"],
        "detail-type": ["Object Created"],
        "detail": {"bucket": {"name": ["acme-release-bundles"]},
                   "object": {"key": ["orders/bundle.zip"]}},
    }
    assert_starts_pipeline(rule)
    assert_events_role(r)
    assert config(r)["PollForSourceChanges"] == "false"
    assert role_statements(r)[:2] == S3_GRANTS


def test_s3_cloudtrail_rule():
    r = sample("source-s3-cloudtrail")
    rule = r["BundleSourceRule"]
    assert rule["Properties"]["EventPattern"] == {
        "source": ["aws.s3"],
        "detail-type": ["AWS API Call via CloudTrail"],
        "detail": {"eventSource": ["s3.amazonaws.com"],
                   "eventName": ["PutObject", "CopyObject", "CompleteMultipartUpload"],
                   "requestParameters": {"bucketName": ["acme-release-bundles"],
                                         "key": ["orders/bundle.zip"]}},
    }
    assert_starts_pipeline(rule)
    assert config(r)["PollForSourceChanges"] == "false"


def test_s3_poll():
    r = sample("source-s3-poll")
    assert config(r) == {"S3Bucket": "acme-release-bundles", "S3ObjectKey": "orders/bundle.zip",
                         "PollForSourceChanges": "true"}
    assert of_type(r, "AWS::Events::Rule") == {}
    assert "PipelineEventsRole" not in r
    assert role_statements(r)[:2] == S3_GRANTS


def test_s3_with_intrinsics(compiled):
    r = compiled(spec_from_sources("""
        - provider: s3
          bucket: !Ref Bucket
          key: app.zip
        """, "parameters: {Bucket: {type: String}}\n"))
    assert role_statements(r)[0]["Resource"] == [
        {"Fn::Sub": "arn:${AWS::Partition}:s3:::${Bucket}/app.zip"}]
    assert r["S3SourceRule"]["Properties"]["EventPattern"]["detail"]["bucket"] == {
        "name": [{"Ref": "Bucket"}]}


# --- GitHub (OAuth, v1)

def test_github_v1_webhook_with_generated_secret():
    r = sample("source-github-v1-webhook")
    assert config(r) == {
        "Owner": "acme", "Repo": "portal", "Branch": "main",
        "OAuthToken": "{{resolve:secretsmanager:github/portal:SecretString:token}}",
        "PollForSourceChanges": "false"}
    assert source_actions(r)[0]["ActionTypeId"] == {
        "Category": "Source", "Owner": "ThirdParty", "Provider": "GitHub", "Version": "1"}
    assert r["PortalWebhook"] == {"Type": "AWS::CodePipeline::Webhook", "Properties": {
        "Authentication": "GITHUB_HMAC",
        "AuthenticationConfiguration": {"SecretToken": {
            "Fn::Sub": "{{resolve:secretsmanager:${PortalWebhookSecret}:SecretString}}"}},
        "Filters": [{"JsonPath": "$.ref", "MatchEquals": "refs/heads/{Branch}"}],
        "RegisterWithThirdParty": True,
        "Tags": [{"Key": "team", "Value": "web"}],
        "TargetAction": "Portal",
        "TargetPipeline": {"Ref": "Pipeline"},
    }}
    secret = r["PortalWebhookSecret"]
    assert secret["Type"] == "AWS::SecretsManager::Secret"
    assert secret["Properties"]["GenerateSecretString"] == {"ExcludePunctuation": True,
                                                             "PasswordLength": 40}
    assert "SecretString" not in secret["Properties"]


def test_github_v1_webhook_with_given_secret(compiled):
    r = compiled(spec_from_sources("""
        - name: Site
          provider: github-v1
          owner: acme
          repository: site
          branch: release
          oauth_token: !Ref Token
          webhook_secret: "{{resolve:secretsmanager:site-hook:SecretString}}"
          register_webhook: false
        """, "parameters: {Token: {type: String, no_echo: true}}\n"))
    hook = r["SiteWebhook"]["Properties"]
    assert hook["AuthenticationConfiguration"] == {
        "SecretToken": "{{resolve:secretsmanager:site-hook:SecretString}}"}
    assert hook["RegisterWithThirdParty"] is False
    assert of_type(r, "AWS::SecretsManager::Secret") == {}
    assert config(r)["OAuthToken"] == {"Ref": "Token"}
    assert config(r)["PollForSourceChanges"] == "false"


def test_github_v1_poll():
    r = sample("source-github-v1-poll")
    assert config(r) == {"Owner": "acme", "Repo": "reports", "Branch": "main",
                         "OAuthToken": {"Ref": "GitHubToken"}, "PollForSourceChanges": "true"}
    assert of_type(r, "AWS::CodePipeline::Webhook") == {}
    assert of_type(r, "AWS::SecretsManager::Secret") == {}


def test_github_v1_token_from_a_dynamic_reference_sub(compiled):
    r = compiled(spec_from_sources("""
        - provider: github-v1
          repository: acme/app
          branch: main
          trigger: none
          oauth_token: !Sub "{{resolve:secretsmanager:${AWS::StackName}-github:SecretString:t}}"
        """, "acknowledge: [PG339]\n"))
    assert config(r)["OAuthToken"] == {
        "Fn::Sub": "{{resolve:secretsmanager:${AWS::StackName}-github:SecretString:t}}"}
    assert config(r)["PollForSourceChanges"] == "false"
    assert of_type(r, "AWS::CodePipeline::Webhook") == {}


# --- Connections

def test_connection_push_and_none(compiled):
    r = compiled(spec_from_sources(f"""
        - name: App
          provider: github
          repository: acme/app
          branch: main
          connection: {CONNECTION}
        - name: Lib
          provider: github
          repository: acme/lib
          branch: main
          connection: {CONNECTION}
          trigger: none
        """))
    assert config(r, 0) == {"ConnectionArn": CONNECTION, "FullRepositoryId": "acme/app",
                            "BranchName": "main", "DetectChanges": "true"}
    assert config(r, 1)["DetectChanges"] == "false"
    assert "Triggers" not in r["Pipeline"]["Properties"]
    assert of_type(r, "AWS::Events::Rule") == {}
    # One statement for the connection, under both service prefixes.
    assert role_statements(r)[0] == {
        "Action": ["codestar-connections:UseConnection", "codeconnections:UseConnection"],
        "Effect": "Allow", "Resource": [CONNECTION]}


def test_filters_become_one_v2_trigger():
    r = sample("source-github-filters")
    paths = {"Includes": ["src/**", "package.json"], "Excludes": ["docs/**"]}
    assert r["Pipeline"]["Properties"]["Triggers"] == [{
        "ProviderType": "CodeStarSourceConnection",
        "GitConfiguration": {
            "SourceActionName": "App",
            "Push": [{"Branches": {"Includes": ["main"]}, "FilePaths": paths},
                     {"Tags": {"Includes": ["v*"]}}],
            "PullRequest": [{"Events": ["OPEN", "UPDATED"], "Branches": {"Includes": ["main"]},
                             "FilePaths": paths}],
        },
    }]
    assert config(r)["DetectChanges"] == "true"


def test_filter_variants(compiled):
    r = compiled(spec_from_sources(f"""
        - name: Tags
          provider: gitlab
          repository: acme/app
          branch: main
          connection: {CONNECTION}
          filters: {{tags: {{include: ["release-*"], exclude: ["release-rc*"]}}}}
        - name: Reviews
          provider: bitbucket
          repository: acme/lib
          branch: develop
          connection: {CONNECTION}
          filters: {{pull_requests: {{}}}}
        - name: Closed
          provider: github
          repository: acme/web
          branch: main
          connection: {CONNECTION}
          filters:
            file_paths: {{exclude: ["*.md"]}}
            pull_requests: {{events: [closed]}}
        """))
    assert r["Pipeline"]["Properties"]["Triggers"] == [
        {"ProviderType": "CodeStarSourceConnection", "GitConfiguration": {
            "SourceActionName": "Tags",
            "Push": [{"Branches": {"Includes": ["main"]}},
                     {"Tags": {"Includes": ["release-*"], "Excludes": ["release-rc*"]}}]}},
        {"ProviderType": "CodeStarSourceConnection", "GitConfiguration": {
            "SourceActionName": "Reviews",
            "Push": [{"Branches": {"Includes": ["develop"]}}],
            "PullRequest": [{"Events": ["OPEN", "UPDATED"],
                             "Branches": {"Includes": ["develop"]}}]}},
        {"ProviderType": "CodeStarSourceConnection", "GitConfiguration": {
            "SourceActionName": "Closed",
            "Push": [{"Branches": {"Includes": ["main"]}, "FilePaths": {"Excludes": ["*.md"]}}],
            "PullRequest": [{"Events": ["CLOSED"], "Branches": {"Includes": ["main"]},
                             "FilePaths": {"Excludes": ["*.md"]}}]}},
    ]


def test_a_pull_request_trigger_starts_on_pull_requests_alone(compiled):
    # The sample: events and file paths as written, and no push filter at all.
    assert sample("source-pull-requests")["Pipeline"]["Properties"]["Triggers"] == [{
        "ProviderType": "CodeStarSourceConnection",
        "GitConfiguration": {
            "SourceActionName": "App",
            "PullRequest": [{"Events": ["OPEN", "UPDATED"], "Branches": {"Includes": ["main"]},
                             "FilePaths": {"Includes": ["src/**", "package.json"]}}]}}]
    # Without filters: the default events.
    r = compiled(spec_from_sources(f"""
        - name: App
          provider: bitbucket
          repository: acme/app
          branch: develop
          connection: {CONNECTION}
          trigger: pull-request
        """))
    assert r["Pipeline"]["Properties"]["Triggers"] == [
        {"ProviderType": "CodeStarSourceConnection", "GitConfiguration": {
            "SourceActionName": "App",
            "PullRequest": [{"Events": ["OPEN", "UPDATED"],
                             "Branches": {"Includes": ["develop"]}}]}}]
    assert config(r)["DetectChanges"] == "true"


@pytest.mark.parametrize(("extra", "code", "path"), [
    ("  filters: {tags: {include: [v*]}}\n", "PG327", "sources[0].filters.tags"),
    ("", "PG305", "sources[0].trigger"),
])
def test_a_pull_request_trigger_refuses_what_it_cannot_do(tmp_path, extra, code, path):
    from helpers import error_tuples

    top = "type: v1\n" if code == "PG305" else ""
    text = spec_from_sources(f"""
        - name: App
          provider: github
          repository: acme/app
          branch: main
          connection: {CONNECTION}
          trigger: pull-request
        """ + extra, top=top)
    assert [(c, p) for c, _, p, *_ in error_tuples(tmp_path, text)] == [(code, path)]


def test_generated_connections_one_per_provider(compiled):
    r = compiled(spec_from_sources(f"""
        - name: App
          provider: github
          repository: acme/app
          branch: main
          connection: generated
        - name: Lib
          provider: github
          repository: acme/lib
          branch: main
          connection: generated
        - name: Docs
          provider: gitlab
          repository: acme/docs
          branch: main
          connection: generated
          host: {HOST}
        """))
    connections = of_type(r, "AWS::CodeConnections::Connection")
    assert sorted(connections) == ["GitHubConnection", "GitLabConnection"]
    github = connections["GitHubConnection"]["Properties"]
    assert github["ProviderType"] == "GitHub"
    assert "HostArn" not in github
    assert connections["GitLabConnection"]["Properties"]["HostArn"] == HOST
    assert "ProviderType" not in connections["GitLabConnection"]["Properties"]
    name = github["ConnectionName"]["Fn::Join"]
    assert name[0] == "-" and name[1][0] == "t-github"
    arn = {"Fn::GetAtt": ["GitHubConnection", "ConnectionArn"]}
    assert config(r, 0)["ConnectionArn"] == arn and config(r, 1)["ConnectionArn"] == arn
    assert role_statements(r)[0] == {
        "Action": ["codestar-connections:UseConnection", "codeconnections:UseConnection"],
        "Effect": "Allow",
        "Resource": [arn, {"Fn::GetAtt": ["GitLabConnection", "ConnectionArn"]}]}


def test_generated_connection_names_fit_32_characters(compiled):
    long_name = "a-very-long-pipeline-name-for-orders"
    r = compiled(spec_from_sources("""
        - provider: bitbucket
          repository: acme/app
          branch: main
          connection: generated
        """).replace("name: t", f"name: {long_name}", 1))
    prefix = r["BitbucketConnection"]["Properties"]["ConnectionName"]["Fn::Join"][1][0]
    assert prefix == "a-very-long-p-bitbucket"
    assert len(prefix) + 1 + 8 <= 32  # "-" and the first 8 characters of the stack's UUID


def test_generated_github_enterprise_connection():
    r = sample("source-github-enterprise")
    props = r["GitHubEnterpriseConnection"]["Properties"]
    assert props["HostArn"] == ("arn:aws:codeconnections:us-east-1:111111111111:host/"
                                "ghes-acme-0a1b2c3d")
    assert "ProviderType" not in props


def test_gitlab_com_connection_is_tagged():
    r = sample("source-gitlab")
    props = r["GitLabConnection"]["Properties"]
    assert props["ProviderType"] == "GitLab"
    assert props["Tags"] == [{"Key": "team", "Value": "docs"}]


def test_clone_ref_lets_codebuild_use_the_connection():
    r = sample("source-bitbucket")
    assert config(r)["OutputArtifactFormat"] == "CODEBUILD_CLONE_REF"
    arn = ("arn:aws:codestar-connections:us-east-1:111111111111:connection/"
           "6f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b")
    assert {"Action": ["codestar-connections:UseConnection", "codeconnections:UseConnection"],
            "Effect": "Allow", "Resource": [arn]} in role_statements(r, "BuildBuildProjectRole")


# --- Several sources

def test_three_sources_one_scoped_statement_each():
    r = sample("source-multi")
    statements = role_statements(r)
    assert statements[:3] == [
        {"Action": ["codestar-connections:UseConnection", "codeconnections:UseConnection"],
         "Effect": "Allow", "Resource": [{"Ref": "ConnectionArn"}]},
        {"Action": ["codecommit:GetBranch", "codecommit:GetCommit", "codecommit:UploadArchive",
                    "codecommit:GetUploadArchiveStatus", "codecommit:CancelUploadArchive"],
         "Effect": "Allow",
         "Resource": [{"Fn::Sub": "arn:${AWS::Partition}:codecommit:${AWS::Region}:"
                                  "${AWS::AccountId}:payments-config"}]},
        {"Action": ["ecr:DescribeImages"], "Effect": "Allow",
         "Resource": [{"Fn::Sub": "arn:${AWS::Partition}:ecr:${AWS::Region}:"
                                  "${AWS::AccountId}:repository/acme/base-python"}]},
    ]
    # Nothing else names a source: the rest is CodeBuild and the artifact store.
    rest = str(statements[3:])
    assert "codecommit" not in rest and "ecr:" not in rest and "connections" not in rest
    # Two rules, one events role between them.
    rules = of_type(r, "AWS::Events::Rule")
    assert sorted(rules) == ["BaseImageSourceRule", "ConfigSourceRule"]
    for rule in rules.values():
        assert_starts_pipeline(rule)
    assert len(of_type(r, "AWS::IAM::Role")) == 3  # pipeline, events, CodeBuild project
    assert_events_role(r)
    assert [a["Name"] for a in source_actions(r)] == ["App", "Config", "BaseImage"]
