"""Source rules users get wrong: each is a located error (or warning) with exact text and a hint."""

from __future__ import annotations

import textwrap

import pytest
from helpers import HOST, TOKEN, failing_diagnostics, spec_from_sources

from pipegen import report
from pipegen.compiler import compile_spec
from pipegen.errors import SpecError, format_path


def problems(write_spec, text: str) -> list[tuple]:
    """(code, message, path, hint, line, col) of every diagnostic; the spec must fail."""
    return [(d.code, d.message, format_path(d.path), d.hint, d.span.line, d.span.col)
            for d in failing_diagnostics(write_spec(text))]


def test_branch_is_required_on_every_vcs_provider(write_spec):
    for provider, extra in (("github", "connection: !Ref C"),
                            ("github-enterprise", "connection: !Ref C"),
                            ("bitbucket", "connection: !Ref C"), ("gitlab", "connection: !Ref C"),
                            ("codecommit", ""), ("github-v1", f"oauth_token: {TOKEN}")):
        repo = "app" if provider == "codecommit" else "acme/app"
        text = spec_from_sources(f"""
            - name: App
              provider: {provider}
              repository: {repo}
              {extra}
            """, "parameters: {C: {type: String}}\n")
        # github-v1 and codecommit leave C unused (PG375); the branch is what matters here.
        assert [p for p in problems(write_spec, text) if p[0] != "PG375"] == [(
            "PG304", "source 'App' needs a branch", "sources[0]",
            "add `branch: main`: one branch per pipeline; compile one spec per branch", 5, 5)
        ], provider


def test_branch_as_a_list_is_an_error(write_spec):
    text = spec_from_sources("""
        - provider: codecommit
          repository: app
          branch: [main, develop]
        """)
    assert problems(write_spec, text) == [(
        "PG203", "expected a string or an intrinsic function, got a list", "sources[0].branch",
        "one branch per pipeline: compile one spec per branch instead", 6, 13)]


@pytest.mark.parametrize("key", ["poll_interval", "polling_interval", "poll_frequency",
                                 "frequency"])
def test_polling_has_no_interval(write_spec, key):
    text = spec_from_sources(f"""
        - provider: s3
          bucket: my-bucket
          key: app.zip
          trigger: poll
          {key}: 5m
        """)
    assert problems(write_spec, text) == [(
        "PG201", f"unknown key '{key}'", f"sources[0].{key}",
        "CodePipeline polling has no interval or frequency: remove the key (codecommit, s3 and "
        "github-v1 sources poll with `trigger: poll`)", 8, 5)]


WEBHOOK_HINT = ("webhooks exist for github-v1 sources only; connection sources detect pushes "
                "with `trigger: push`, and codecommit, ecr and s3 sources use `trigger: events`")


@pytest.mark.parametrize("provider,extra,allowed", [
    ("github", "connection: generated", "push, pull-request, none"),
    ("gitlab", "connection: generated", "push, pull-request, none"),
    ("codecommit", "", "events, poll, none"),
])
def test_webhook_only_on_github_v1(write_spec, provider, extra, allowed):
    repo = "app" if provider == "codecommit" else "acme/app"
    text = spec_from_sources(f"""
        - provider: {provider}
          repository: {repo}
          branch: main
          trigger: webhook
          {extra}
        """)
    assert problems(write_spec, text) == [(
        "PG204", f'"webhook" is not allowed here; expected one of {allowed}',
        "sources[0].trigger", WEBHOOK_HINT, 7, 14)]


def test_webhook_secret_only_on_github_v1(write_spec):
    text = spec_from_sources("""
        - provider: github
          repository: acme/app
          branch: main
          connection: generated
          webhook_secret: "{{resolve:secretsmanager:hook:SecretString}}"
        """)
    assert problems(write_spec, text) == [(
        "PG201", "unknown key 'webhook_secret'", "sources[0].webhook_secret",
        "webhooks exist for github-v1 sources only (`trigger: webhook`); connection sources "
        "detect pushes with `trigger: push`", 8, 5)]


def test_ecr_cannot_poll(write_spec):
    text = spec_from_sources("""
        - provider: ecr
          repository: app
          trigger: poll
        """)
    assert problems(write_spec, text) == [(
        "PG204", '"poll" is not allowed here; expected one of events, none', "sources[0].trigger",
        "only codecommit, s3 and github-v1 sources poll; connection sources use `trigger: push`, "
        "ecr sources `trigger: events`", 6, 14)]


@pytest.mark.parametrize("provider,settings", [
    ("codecommit", "repository: app\n  branch: main"),
    ("s3", "bucket: my-bucket\n  key: app.zip"),
    ("ecr", "repository: app"),
    ("github-v1", f"repository: acme/app\n  branch: main\n  oauth_token: {TOKEN}"),
])
def test_filters_only_on_connection_sources(write_spec, provider, settings):
    text = spec_from_sources(
        f"- provider: {provider}\n  {settings}\n  filters: {{tags: {{include: [v*]}}}}")
    found = problems(write_spec, text)
    assert [f[:4] for f in found] == [(
        "PG201", "unknown key 'filters'", "sources[0].filters",
        "`filters` (v2 triggers) apply to connection sources only: github, github-enterprise, "
        "bitbucket, gitlab")]


def test_filters_need_a_v2_pipeline(write_spec):
    text = spec_from_sources("""
        - provider: github
          repository: acme/app
          branch: main
          connection: generated
          filters: {tags: {include: ["v*"]}}
        """, "type: v1\n")
    assert problems(write_spec, text) == [(
        "PG305", "`filters` (v2 pipeline triggers) needs a v2 pipeline, and this spec says "
        "`type: v1`", "sources[0].filters", "remove it, or set `type: v2`", 9, 5)]


def test_filters_with_trigger_none(write_spec):
    text = spec_from_sources("""
        - name: App
          provider: bitbucket
          repository: acme/app
          branch: main
          connection: generated
          trigger: none
          filters: {file_paths: {include: ["src/**"]}}
        """)
    assert problems(write_spec, text) == [(
        "PG322", "source 'App' has `filters` and `trigger: none`; filters say what starts the "
        "pipeline", "sources[0].filters", "remove `trigger: none` (filters need `trigger: push`), "
        "or remove `filters`", 10, 5)]


def test_a_literal_oauth_token_is_an_error_and_never_echoed(write_spec):
    secret = "ghp_R3allyS3cretT0ken"
    text = spec_from_sources(f"""
        - name: Legacy
          provider: github-v1
          repository: acme/app
          branch: main
          oauth_token: {secret}
        """)
    path = write_spec(text)
    with pytest.raises(SpecError) as e:
        compile_spec(path)
    [d] = e.value.diagnostics
    assert (d.code, d.message, format_path(d.path), d.span.line, d.span.col) == (
        "PG320", "the oauth_token of source 'Legacy' is written in plain text; it would be "
        "readable in the template and the stack", "sources[0].oauth_token", 8, 18)
    assert d.hint == ("store it in AWS Secrets Manager and write `{{resolve:secretsmanager:"
                      "NAME:SecretString:KEY}}`, or `!Ref` a parameter with `no_echo: true`")
    shown = report.text(e.value.diagnostics, {str(path): text.splitlines()})
    assert secret not in shown
    # A fixed mask: not even the token's length is shown.
    assert "oauth_token: ********\n" in shown
    assert secret not in report.as_json(e.value.diagnostics)


def test_a_literal_webhook_secret_is_an_error(write_spec):
    text = spec_from_sources(f"""
        - name: Legacy
          provider: github-v1
          repository: acme/app
          branch: main
          oauth_token: {TOKEN}
          webhook_secret: hunter2
        """)
    [found] = problems(write_spec, text)
    assert found == (
        "PG320", "the webhook_secret of source 'Legacy' is written in plain text; it would be "
        "readable in the template and the stack", "sources[0].webhook_secret",
        "store it in AWS Secrets Manager and write `{{resolve:secretsmanager:NAME:SecretString:"
        "KEY}}`, or `!Ref` a parameter with `no_echo: true`; or omit it and pipegen generates "
        "one", 9, 21)


def test_a_token_parameter_must_not_echo(write_spec):
    text = spec_from_sources("""
        - name: Legacy
          provider: github-v1
          repository: acme/app
          branch: main
          oauth_token: !Ref Token
        """, "parameters:\n  Token: {type: String}\n")
    assert problems(write_spec, text) == [(
        "PG321", "the oauth_token of source 'Legacy' comes from parameter 'Token', which does "
        "not set `no_echo: true`", "sources[0].oauth_token",
        "add `no_echo: true` to parameter 'Token' so CloudFormation never shows its value",
        10, 18)]


@pytest.mark.parametrize("value", ['!ImportValue shared-token',
                                   '"{{resolve:ssm:/github/token}}"',
                                   "!Ref TokenSecret"])
def test_a_token_from_anything_else_is_an_error(write_spec, value):
    text = spec_from_sources(f"""
        - name: Legacy
          provider: github-v1
          repository: acme/app
          branch: main
          oauth_token: {value}
        """, "resources:\n  TokenSecret: {Type: AWS::SecretsManager::Secret}\n")
    assert [f[:3] for f in problems(write_spec, text)] == [(
        "PG321", "the oauth_token of source 'Legacy' must be a Secrets Manager dynamic "
        "reference or a `!Ref` to a `no_echo` parameter", "sources[0].oauth_token")]


def test_github_v1_owner(write_spec):
    missing = spec_from_sources(f"""
        - provider: github-v1
          repository: app
          branch: main
          oauth_token: {TOKEN}
        """)
    assert problems(write_spec, missing) == [(
        "PG326", "source 'GitHub' needs the repository's owner", "sources[0].repository",
        "write `repository: owner/repo`, or add `owner:`", 5, 17)]
    twice = spec_from_sources(f"""
        - provider: github-v1
          owner: acme
          repository: acme/app
          branch: main
          oauth_token: {TOKEN}
        """)
    assert problems(write_spec, twice) == [(
        "PG326", "source 'GitHub' names its owner twice: in `owner` and in `repository`",
        "sources[0].owner", "write `repository: owner/repo` alone, or `owner:` with "
        "`repository: repo`", 5, 5)]


def test_keys_unused_by_the_trigger(write_spec):
    text = spec_from_sources(f"""
        - provider: github-v1
          repository: acme/app
          branch: main
          trigger: poll
          oauth_token: {TOKEN}
          webhook_secret: "{{{{resolve:secretsmanager:hook:SecretString}}}}"
        - provider: s3
          bucket: my-bucket
          key: app.zip
          trigger: poll
          via: cloudtrail
        """)
    assert problems(write_spec, text) == [
        ("PG327", "`webhook_secret` is read only with `trigger: webhook`, and source 'GitHub' "
         "uses `trigger: poll`", "sources[0].webhook_secret",
         "remove `webhook_secret`, or set `trigger: webhook`", 9, 5),
        ("PG327", "`via` is read only with `trigger: events`, and source 'S3' uses "
         "`trigger: poll`", "sources[1].via", "remove `via`, or set `trigger: events`", 14, 5),
    ]


def test_clone_ref_feeds_codebuild_only(write_spec):
    text = textwrap.dedent("""\
        pipegen: 1
        name: t
        sources:
          - provider: codecommit
            repository: app
            branch: main
            format: clone-ref
        stages:
          - name: Deploy
            actions:
              - name: Hosts
                type: deploy
                provider: codedeploy
                application: a
                deployment_group: g
        """)
    assert problems(write_spec, text) == [(
        "PG312", "input 'CodeCommitSource' is a clone-ref source output, which only CodeBuild "
        "actions can read; 'Hosts' is a codedeploy action", "stages[0].actions[0]",
        "use `format: zip` on the source, or feed it to a CodeBuild action only", 11, 9)]


@pytest.mark.parametrize("provider,settings", [
    ("ecr", "repository: app"),
    ("s3", "bucket: my-bucket\n  key: app.zip"),
    ("github-v1", f"repository: acme/app\n  branch: main\n  oauth_token: {TOKEN}"),
])
def test_clone_ref_only_on_git_sources(write_spec, provider, settings):
    text = spec_from_sources(f"- provider: {provider}\n  {settings}\n  format: clone-ref")
    assert [f[:4] for f in problems(write_spec, text)] == [(
        "PG312", f"format: clone-ref is not available for {provider} sources",
        "sources[0].format", "clone-ref works with codecommit and connection sources only")]


CROSS_ACCOUNT_KEY = ("artifacts: {encryption: generated, "
                     "grant: [arn:aws:iam::222222222222:role/reader]}\n")


def test_event_trigger_on_a_cross_account_codecommit_source(write_spec):
    defaulted = spec_from_sources("""
        - provider: codecommit
          repository: app
          branch: main
          role: arn:aws:iam::222222222222:role/reader
        """, CROSS_ACCOUNT_KEY)
    assert problems(write_spec, defaulted) == [(
        "PG325", "source 'CodeCommit' reads a repository in another account, which this "
        "account's EventBridge rules cannot watch (`trigger` defaults to events)",
        "sources[0].role", "use `trigger: poll` or `trigger: none` (a rule would have to live "
        "in the repository's account)", 8, 5)]
    explicit = spec_from_sources("""
        - provider: codecommit
          repository: app
          branch: main
          trigger: events
          role: arn:aws:iam::222222222222:role/reader
        """, CROSS_ACCOUNT_KEY)
    assert [f[:3] + f[4:] for f in problems(write_spec, explicit)] == [(
        "PG325", "source 'CodeCommit' reads a repository in another account, which this "
        "account's EventBridge rules cannot watch", "sources[0].trigger", 8, 14)]


def test_generated_github_enterprise_connection_needs_a_host(write_spec):
    text = spec_from_sources("""
        - provider: github-enterprise
          repository: acme/app
          branch: main
          connection: generated
        """)
    assert problems(write_spec, text) == [(
        "PG323", "source 'GitHubEnterprise' generates a GitHub Enterprise Server connection, "
        "which needs the installation's host", "sources[0].connection",
        "add `host:` with the CodeConnections host ARN "
        "(arn:aws:codeconnections:REGION:ACCOUNT:host/NAME-ID)", 7, 17)]


def test_host_only_with_a_generated_connection(write_spec):
    with_arn = spec_from_sources(f"""
        - provider: gitlab
          repository: acme/app
          branch: main
          connection: arn:aws:codeconnections:us-east-1:111111111111:connection/abc-123
          host: {HOST}
        """)
    assert problems(write_spec, with_arn) == [(
        "PG324", "`host` is read only with `connection: generated`", "sources[0].host",
        "remove `host`: the connection named by `connection` already knows its host", 8, 5)]
    on_github = spec_from_sources(f"""
        - provider: github
          repository: acme/app
          branch: main
          connection: generated
          host: {HOST}
        """)
    assert problems(write_spec, on_github) == [(
        "PG324", "`host` does not apply to github sources", "sources[0].host",
        "remove `host`; it names a GitHub Enterprise Server or self-managed GitLab "
        "installation", 8, 5)]


def test_sources_sharing_a_generated_connection_agree_on_the_host(write_spec):
    text = spec_from_sources(f"""
        - name: Cloud
          provider: gitlab
          repository: acme/app
          branch: main
          connection: generated
        - name: OnPrem
          provider: gitlab
          repository: acme/lib
          branch: main
          connection: generated
          host: {HOST}
        """)
    assert problems(write_spec, text) == [(
        "PG324", "sources 'Cloud' and 'OnPrem' share the generated gitlab connection but name "
        "different hosts", "sources[1].connection", "pipegen generates one connection per "
        "provider: pass the other connection's ARN in `connection` instead", 13, 17)]


def test_a_pipeline_nothing_starts_gets_a_warning(write_spec):
    text = spec_from_sources("""
        - provider: s3
          bucket: my-bucket
          key: app.zip
          trigger: none
        - provider: ecr
          repository: app
          trigger: none
        """)
    result = compile_spec(write_spec(text))
    assert [(d.code, d.severity, d.message, format_path(d.path), d.hint, d.span.line)
            for d in result.warnings] == [(
        "PG339", "warning", "every source says `trigger: none`, so nothing starts this "
        "pipeline: it runs only when someone starts it", "sources[0].trigger",
        "choose a trigger for a source, or acknowledge this warning with "
        "`acknowledge: [PG339]`", 7)]


def test_one_started_source_is_enough(write_spec):
    text = spec_from_sources("""
        - provider: s3
          bucket: my-bucket
          key: app.zip
          trigger: none
        - provider: ecr
          repository: app
        """)
    assert compile_spec(write_spec(text)).warnings == []


def test_the_warning_can_be_acknowledged(write_spec):
    text = spec_from_sources("""
        - provider: ecr
          repository: app
          trigger: none
        """, "acknowledge: [PG339]\n")
    assert compile_spec(write_spec(text)).warnings == []


def test_an_s3_bucket_declared_in_resources_is_checked(write_spec):
    top = "resources:\n  Drop:\n    Type: AWS::S3::Bucket\n"
    text = spec_from_sources("""
        - provider: s3
          bucket: !Ref Drop
          key: app.zip
        """, top)
    assert problems(write_spec, text) == [
        ("PG328", "bucket 'Drop' is not versioned, and an S3 source needs a versioned bucket",
         "sources[0].bucket", "add `VersioningConfiguration: {Status: Enabled}` to the "
         "properties of resource 'Drop'", 8, 13),
        ("PG329", "bucket 'Drop' does not send EventBridge notifications, so the rule would "
         "never start the pipeline", "sources[0].bucket", "add `NotificationConfiguration: "
         "{EventBridgeConfiguration: {EventBridgeEnabled: true}}` to resource 'Drop', or use "
         "`via: cloudtrail`", 8, 13),
    ]


def test_a_well_configured_s3_bucket_in_resources_passes(write_spec):
    top = ("resources:\n  Drop:\n    Type: AWS::S3::Bucket\n    Properties:\n"
           "      VersioningConfiguration: {Status: Enabled}\n"
           "      NotificationConfiguration: {EventBridgeConfiguration: "
           "{EventBridgeEnabled: true}}\n")
    text = spec_from_sources("""
        - provider: s3
          bucket: !Ref Drop
          key: app.zip
        """, top)
    result = compile_spec(write_spec(text))
    assert result.warnings == []
    assert result.template["Resources"]["S3SourceRule"]["Properties"]["EventPattern"][
        "detail"]["bucket"] == {"name": [{"Ref": "Drop"}]}


def test_connection_keys_on_other_sources_say_where_they_belong(write_spec):
    text = spec_from_sources(f"""
        - provider: codecommit
          repository: app
          branch: main
          connection: generated
        - provider: github
          repository: acme/app
          branch: main
          connection: generated
          oauth_token: {TOKEN}
        """)
    assert [f[:4] for f in problems(write_spec, text)] == [
        ("PG201", "unknown key 'connection'", "sources[0].connection",
         "`connection` applies to github, github-enterprise, bitbucket and gitlab sources"),
        ("PG201", "unknown key 'oauth_token'", "sources[1].oauth_token",
         "OAuth tokens are for github-v1 sources only; connection sources use `connection`"),
    ]


def test_the_cli_reports_a_located_error(write_spec):
    from conftest import run_cli

    path = write_spec(spec_from_sources("""
        - provider: github-v1
          repository: acme/app
          branch: main
          oauth_token: ghp_abcdef0123456789
        """))
    proc = run_cli("compile", str(path), "-o", str(path.parent / "out"))
    assert proc.returncode == 1
    assert proc.stderr == (
        f"{path}:7:18: error PG320 the oauth_token of source 'GitHub' is written in plain "
        "text; it would be readable in the template and the stack\n"
        "  (sources[0].oauth_token)\n"
        "         oauth_token: ********\n"
        "                      ^^^^^^^^\n"
        "  hint: store it in AWS Secrets Manager and write `{{resolve:secretsmanager:NAME:"
        "SecretString:KEY}}`, or `!Ref` a parameter with `no_echo: true`\n")
    assert not (path.parent / "out").exists()
