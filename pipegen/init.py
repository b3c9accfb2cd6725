"""`pipegen init`: a commented starter spec for a chosen source and deploy target.

Every choice compiles lint-clean as written (tests/test_init.py compiles each combination
through the lint gate): values a team must change are placeholders that are valid as they
stand, and what pipegen cannot guess (a connection, a deploy role) is a CloudFormation
parameter, given at deploy time.
"""

from __future__ import annotations

import re

SCHEMA_URL = ("https://raw.githubusercontent.com/pipegen/pipegen/main/schemas/"
              "pipeline.schema.json")
NAME = re.compile(r"^[A-Za-z0-9.@_-]{1,100}$")

_CONNECTION_PARAM = """\
  ConnectionArn:
    type: String
    description: CodeConnections connection to {what} (created and approved once in the console)
"""

_CONNECTION_SOURCE = """\
  - name: App
    provider: {provider}
    repository: {repository}{repo_comment}
    branch: main                    # one branch per pipeline; compile one spec per branch
    connection: !Ref ConnectionArn  # or `generated`: pipegen creates it, a person approves it
    # filters: {{file_paths: {{include: ["src/**"]}}}}   # start only on these changes (v2)
"""

# source name -> (parameters block, sources block)
SOURCES: dict[str, tuple[str, str]] = {
    "github": (_CONNECTION_PARAM.format(what="GitHub"), _CONNECTION_SOURCE.format(
        provider="github", repository="my-org/my-service", repo_comment="  # owner/repository")),
    "github-enterprise": (_CONNECTION_PARAM.format(what="GitHub Enterprise Server"),
                          _CONNECTION_SOURCE.format(provider="github-enterprise",
                                                    repository="my-org/my-service",
                                                    repo_comment="  # owner/repository")),
    "bitbucket": (_CONNECTION_PARAM.format(what="Bitbucket"), _CONNECTION_SOURCE.format(
        provider="bitbucket", repository="my-workspace/my-service",
        repo_comment="  # workspace/repository")),
    "gitlab": (_CONNECTION_PARAM.format(what="GitLab"), _CONNECTION_SOURCE.format(
        provider="gitlab", repository="my-group/my-service", repo_comment="  # group/project")),
    "codecommit": ("", """\
  - name: App
    provider: codecommit
    repository: my-service          # the CodeCommit repository name
    branch: main                    # one branch per pipeline; compile one spec per branch
    # trigger: events (default: an EventBridge rule on the branch) | poll | none
"""),
    "ecr": ("", """\
  - name: App
    provider: ecr
    repository: my-service          # the ECR repository name
    tag: latest                     # a push of this tag starts the pipeline
"""),
    "s3": ("", """\
  - name: App
    provider: s3
    bucket: my-service-releases     # an existing, versioned bucket
    key: my-service/bundle.zip      # the object whose new versions start the pipeline
"""),
}

_BUILD = """\
  - name: Build
    actions:
      - name: Package
        type: build                 # CodeBuild: pipegen creates the project and its role
        project:
          compute: small            # small | medium | large | xlarge | 2xlarge
          buildspec: buildspec.yml  # a path in the source, or the buildspec inline
        outputs: [Built]            # the artifact later stages take
"""

# deploy target -> (parameters block, stage block)
DEPLOYS: dict[str, tuple[str, str]] = {
    "none": ("", ""),
    "cloudformation": ("""\
  DeployRoleArn:
    type: String
    description: IAM role CloudFormation assumes to deploy the stack
""", """\
  - name: Deploy
    actions:
      - name: Stack
        type: deploy
        provider: cloudformation
        mode: change-set            # create a change set, approve it, execute it
        approve: true
        stack: my-service
        template: Built::template.yaml   # ARTIFACT::path of the template the build wrote
        capabilities: [iam]
        deploy_role: !Ref DeployRoleArn
        inputs: [Built]
"""),
    "codedeploy": ("", """\
  - name: Deploy
    actions:
      - name: Servers
        type: deploy
        provider: codedeploy
        application: my-service           # an existing CodeDeploy application
        deployment_group: my-service-prod # and its deployment group
        inputs: [Built]
"""),
    "ecs": ("", """\
  - name: Deploy
    actions:
      - name: Service
        type: deploy
        provider: ecs
        cluster: my-cluster
        service: my-service
        image_definitions: imagedefinitions.json   # written by the build
        inputs: [Built]
"""),
    "lambda": ("", """\
  - name: Deploy
    actions:
      - name: Function
        type: deploy
        provider: lambda            # needs a v2 pipeline (the default)
        function: my-service
        inputs: [Built]
"""),
    "beanstalk": ("", """\
  - name: Deploy
    actions:
      - name: Web
        type: deploy
        provider: beanstalk
        application: my-service
        environment: my-service-prod
        inputs: [Built]
"""),
    "s3": ("", """\
  - name: Deploy
    actions:
      - name: Site
        type: deploy
        provider: s3
        bucket: my-service-site     # an existing bucket
        extract: true               # unzip the artifact into the bucket
        inputs: [Built]
"""),
    "appconfig": ("", """\
  - name: Deploy
    actions:
      - name: Settings
        type: deploy
        provider: appconfig         # pipegen creates the application, environment, profile
        application: my-service
        environment: production
        profile: settings
        path: config/settings.json  # the configuration file in the artifact
        inputs: [Built]
"""),
}


def starter(source: str = "github", deploy: str = "cloudformation", name: str = "my-service",
            schema: str = SCHEMA_URL) -> str:
    """The starter spec's text."""
    source_params, source_block = SOURCES[source]
    deploy_params, deploy_block = DEPLOYS[deploy]
    params = source_params + deploy_params
    out = [
        f"# yaml-language-server: $schema={schema}",
        "# A pipegen spec. `pipegen compile THIS_FILE -o templates` writes its CloudFormation",
        "# template; commit both, and run `pipegen check` in pull requests. Every key is",
        "# documented in docs/spec.md of pipegen, and on hover in editors that read the schema.",
        "pipegen: 1",
        f"name: {name}" + " " * max(1, 32 - len(f"name: {name}"))
        + "# the pipeline's name: letters, digits, . @ _ -",
    ]
    if params:
        out.append("parameters:                     # given when the stack is deployed")
        out.append(params.rstrip("\n"))
    out.append("sources:")
    out.append(source_block.rstrip("\n"))
    out.append("stages:")
    out.append(_BUILD.rstrip("\n"))
    if deploy_block:
        out.append(deploy_block.rstrip("\n"))
    return "\n".join(out) + "\n"
