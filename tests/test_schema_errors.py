"""Schema errors as users see them: one located message per mistake, the exact text asserted.

Each case edits a good spec into a typical mistake and gives the whole report pipegen prints.
"""

from __future__ import annotations

import pytest
from helpers import GITHUB_BUILD_DEPLOY

from pipegen import report
from pipegen.compiler import compile_spec
from pipegen.errors import SpecError

GOOD = GITHUB_BUILD_DEPLOY

SOURCE = """\
sources:
  - provider: github
    repository: acme/demo
    branch: main
    connection: arn:aws:codeconnections:us-east-1:111111111111:connection/abc
"""

# name: (text replaced in GOOD, replacement, the exact report)
CASES = {
    # The explicit store forms of `secrets`, written where CodeBuild's own list would take
    # them (a spec copied from a template's EnvironmentVariables with PARAMETER_STORE).
    "store-value-in-environment-variables": (
        "        project: demo-build\n",
        "        project: demo-build\n        environment_variables:\n"
        "          ENV: {parameter_store: app-env}\n", """\
spec.yaml:15:16: error PG203 expected a string or an intrinsic function, got a mapping
  (stages[0].actions[0].environment_variables.ENV)
               ENV: {parameter_store: app-env}
                    ^^^^^^^^^^^^^^^^^^^^^^^^^^
  hint: a value read from Parameter Store or Secrets Manager goes under `secrets:` next to \
`environment_variables` (never into the template): `secrets: {ENV: {parameter_store: app-env}}`
"""),
    "typo-key": ("        outputs: [Built]", "        outptus: [Built]", """\
spec.yaml:14:9: error PG201 unknown key 'outptus'
  (stages[0].actions[0].outptus)
             outptus: [Built]
             ^^^^^^^
  hint: did you mean 'outputs'?
"""),
    # The missing `application` is not reported apart: the typo explains it.
    "typo-of-a-required-key": ("        application: demo", "        aplication: demo", """\
spec.yaml:20:9: error PG201 unknown key 'aplication'
  (stages[1].actions[0].aplication)
             aplication: demo
             ^^^^^^^^^^
  hint: did you mean 'application'?
"""),
    "mapping-for-list": ("sources:\n  - provider", "sources:\n    provider", """\
spec.yaml:4:5: error PG203 expected a list, got a mapping
  (sources)
         provider: github
         ^^^^^^^^^^^^^^^^
  hint: write a list: put '- ' before the entry
"""),
    # A misspelt `type`: the action's other keys cannot be judged, the typo is the message.
    "typo-of-type": ("        type: build\n", "        tpye: build\n", """\
spec.yaml:12:9: error PG201 unknown key 'tpye'
  (stages[0].actions[0].tpye)
             tpye: build
             ^^^^
  hint: did you mean 'type'?
"""),
    "typo-of-parameter-type": ("name: demo\n", "name: demo\nparameters:\n  P: {tpye: String}\n",
                               """\
spec.yaml:4:7: error PG201 unknown key 'tpye'
  (parameters.P.tpye)
       P: {tpye: String}
           ^^^^
  hint: did you mean 'type'?
"""),
    "number-for-string": ("        project: demo-build\n", "        project: demo-build\n"
                          "        environment_variables: {PORT: 8080}\n",
                          """\
spec.yaml:14:39: error PG203 expected a string or an intrinsic function, got an integer
  (stages[0].actions[0].environment_variables.PORT)
             environment_variables: {PORT: 8080}
                                           ^^^^
  hint: quote it to make it a string: "8080"
"""),
    "number-for-duration": ("project: demo-build", "project: {timeout: 10}", """\
spec.yaml:13:28: error PG203 expected a duration, got an integer
  (stages[0].actions[0].project.timeout)
             project: {timeout: 10}
                                ^^
  hint: write a whole number with a unit: 90s, 10m, 2h or 3d
"""),
    # An intrinsic with a wrong argument is an error here, not a broken template later.
    "intrinsic-argument": ("application: demo", "application: !Sub [x]", """\
spec.yaml:20:22: error PG371 !Sub takes a string, or [string, {NAME: value}]
  (stages[1].actions[0].application.Fn::Sub)
             application: !Sub [x]
                          ^^^^^^^^
  hint: for example: !Sub 'arn:${AWS::Partition}:s3:::${Bucket}'
"""),
    "intrinsic-argument-in-a-mapping": ("project: demo-build", "project: {name: !Ref [a, b]}",
                                        """\
spec.yaml:13:25: error PG371 !Ref takes the name of a parameter or resource
  (stages[0].actions[0].project.name.Ref)
             project: {name: !Ref [a, b]}
                             ^^^^^^^^^^^
  hint: for example: !Ref MyParameter
"""),
    "role-name": ("name: demo\n", "name: demo\nrole: {generated: true, name: ''}\n", """\
spec.yaml:3:31: error PG205 "" is not a valid IAM role name
  (role.name)
     role: {generated: true, name: ''}
                                   ^^
  hint: use 1 to 64 letters, digits or any of + = , . @ _ -
"""),
    "key-the-language-lacks": ("    branch: main\n", "    branch: main\n    poll_interval: 5m\n",
                               """\
spec.yaml:7:5: error PG201 unknown key 'poll_interval'
  (sources[0].poll_interval)
         poll_interval: 5m
         ^^^^^^^^^^^^^
  hint: CodePipeline polling has no interval or frequency: remove the key (codecommit, s3 and \
github-v1 sources poll with `trigger: poll`)
"""),
    "branch-list": ("branch: main", "branch: [main, dev]", """\
spec.yaml:6:13: error PG203 expected a string or an intrinsic function, got a list
  (sources[0].branch)
         branch: [main, dev]
                 ^^^^^^^^^^^
  hint: one branch per pipeline: compile one spec per branch instead
"""),
    "wrong-type": ("name: demo\n", "name: demo\ndescription: [a, b]\n", """\
spec.yaml:3:14: error PG203 expected a string, got a list
  (description)
     description: [a, b]
                  ^^^^^^
"""),
    "yes-is-a-string": ("name: demo\n", "name: demo\nrestart_on_update: yes\n", """\
spec.yaml:3:20: error PG203 expected true or false, got a string
  (restart_on_update)
     restart_on_update: yes
                        ^^^
  hint: booleans are true and false only (YAML 1.2): 'yes', 'no', 'on' and 'off' are strings
"""),
    "scalar-for-list": ("outputs: [Built]", "outputs: Built", """\
spec.yaml:14:18: error PG203 expected a list, got a string
  (stages[0].actions[0].outputs)
             outputs: Built
                      ^^^^^
  hint: write a list: [Built]
"""),
    "empty-value": ("        project: demo-build\n", "        project:\n", """\
spec.yaml:13:17: error PG203 expected a string, an intrinsic function or a mapping, got null
  (stages[0].actions[0].project)
             project:
                     ^
  hint: the key has no value: write one after the colon
"""),
    "bad-enum": ("name: demo\n", "name: demo\nexecution_mode: queue\n", """\
spec.yaml:3:17: error PG204 "queue" is not allowed here; expected one of superseded, queued, \
parallel
  (execution_mode)
     execution_mode: queue
                     ^^^^^
  hint: did you mean 'queued'?
"""),
    # A wrong `type` or `provider`: only that is reported, not the keys of the provider meant.
    "bad-action-type": ("type: deploy", "type: deplyo", """\
spec.yaml:18:15: error PG204 "deplyo" is not allowed here; expected one of build, test, approval, \
invoke, deploy
  (stages[1].actions[0].type)
             type: deplyo
                   ^^^^^^
  hint: did you mean 'deploy'?
"""),
    "bad-action-provider": ("provider: codedeploy", "provider: codedeplyo", """\
spec.yaml:19:19: error PG204 "codedeplyo" is not allowed here; expected one of appconfig, \
beanstalk, cloudformation, codedeploy, dns, ecs, lambda, s3
  (stages[1].actions[0].provider)
             provider: codedeplyo
                       ^^^^^^^^^^
  hint: did you mean 'codedeploy'?
"""),
    "provider-of-another-type": ("provider: codedeploy", "provider: codebuild", """\
spec.yaml:19:19: error PG204 "codebuild" is not allowed here; expected one of appconfig, \
beanstalk, cloudformation, codedeploy, dns, ecs, lambda, s3
  (stages[1].actions[0].provider)
             provider: codebuild
                       ^^^^^^^^^
"""),
    "bad-source-provider": ("provider: github", "provider: githb", """\
spec.yaml:4:15: error PG204 "githb" is not allowed here; expected one of bitbucket, codecommit, \
ecr, github, github-enterprise, github-v1, gitlab, s3
  (sources[0].provider)
       - provider: githb
                   ^^^^^
  hint: did you mean 'github'?
"""),
    "missing-provider-key": ("        application: demo\n", "", """\
spec.yaml:17:9: error PG202 missing required key 'application'
  (stages[1].actions[0])
           - name: Hosts
             ^^^^^^^^^^^
  hint: add `application:` to this codedeploy deploy action
"""),
    "missing-type": ("        type: build\n", "", """\
spec.yaml:11:9: error PG202 missing required key 'type'
  (stages[0].actions[0])
           - name: Compile
             ^^^^^^^^^^^^^
  hint: add `type:` to this action (build, test, approval, invoke or deploy)
"""),
    "missing-top-level-key": (SOURCE, "", """\
spec.yaml:1:1: error PG202 missing required key 'sources'
     pipegen: 1
     ^^^^^^^^^^
  hint: add `sources:` at the top level
"""),
    "role-anyof-string": ("name: demo\n", "name: demo\nrole: admin\n", """\
spec.yaml:3:7: error PG205 "admin" is not valid here; expected 'generated', an IAM role ARN or an \
intrinsic function
  (role)
     role: admin
           ^^^^^
  hint: `generated` (default): a least-privilege service role; or the ARN of an existing role; \
or a mapping refining the generated role (name, permissions_boundary, extra_policies or \
managed_policies, permissions)
"""),
    "role-anyof-mapping": ("name: demo\n", "name: demo\nrole: {generated: true, nmae: x}\n", """\
spec.yaml:3:25: error PG201 unknown key 'nmae'
  (role.nmae)
     role: {generated: true, nmae: x}
                             ^^^^
  hint: did you mean 'name'?
"""),
    "bucket-anyof-string": ("name: demo\n", "name: demo\nartifacts:\n  bucket: My_Bucket\n", """\
spec.yaml:4:11: error PG205 "My_Bucket" is not valid here; expected 'generated', an S3 bucket \
name or an intrinsic function
  (artifacts.bucket)
       bucket: My_Bucket
               ^^^^^^^^^
  hint: `generated` (default), the name of an existing bucket in the same account and region, \
or {name, retain, expire_after, access_logs, policy} for a generated one
"""),
    "bucket-anyof-type": ("name: demo\n", "name: demo\nartifacts:\n  bucket: 3\n", """\
spec.yaml:4:11: error PG203 expected 'generated', an S3 bucket name, an intrinsic function or a \
mapping, got an integer
  (artifacts.bucket)
       bucket: 3
               ^
  hint: `generated` (default), the name of an existing bucket in the same account and region, \
or {name, retain, expire_after, access_logs, policy} for a generated one
"""),
    "bucket-anyof-mapping": ("name: demo\n",
                             "name: demo\nartifacts:\n  bucket: {name: acme-ci, retian: true}\n",
                             """\
spec.yaml:4:27: error PG201 unknown key 'retian'
  (artifacts.bucket.retian)
       bucket: {name: acme-ci, retian: true}
                               ^^^^^^
  hint: did you mean 'retain'?
"""),
    "encryption-anyof-typo": ("name: demo\n", "name: demo\nartifacts:\n  encryption: aws-manged\n",
                              """\
spec.yaml:4:15: error PG204 "aws-manged" is not allowed here; expected 'aws-managed', 'generated', \
a KMS key or alias ARN or an intrinsic function
  (artifacts.encryption)
       encryption: aws-manged
                   ^^^^^^^^^^
  hint: did you mean 'aws-managed'?
"""),
    "project-anyof-type": ("project: demo-build", "project: 3", """\
spec.yaml:13:18: error PG203 expected a string, an intrinsic function or a mapping, got an integer
  (stages[0].actions[0].project)
             project: 3
                      ^
  hint: the name of an existing project (or an intrinsic yielding it), or an inline definition \
that pipegen creates with its own least-privilege role
"""),
    # Every problem inside the mapping form is reported, each at its own key.
    "project-anyof-mapping": ("project: demo-build",
                              "project: {imgae: x, compute: meduim, timeout: 10 min}", """\
spec.yaml:13:19: error PG201 unknown key 'imgae'
  (stages[0].actions[0].project.imgae)
             project: {imgae: x, compute: meduim, timeout: 10 min}
                       ^^^^^
  hint: did you mean 'image'?
spec.yaml:13:38: error PG204 "meduim" is not allowed here; expected 'small', 'medium', 'large', \
'xlarge', '2xlarge', a CodeBuild compute type or an intrinsic function
  (stages[0].actions[0].project.compute)
             project: {imgae: x, compute: meduim, timeout: 10 min}
                                          ^^^^^^
  hint: did you mean 'medium'?
spec.yaml:13:55: error PG205 "10 min" is not a valid duration
  (stages[0].actions[0].project.timeout)
             project: {imgae: x, compute: meduim, timeout: 10 min}
                                                           ^^^^^^
  hint: write a whole number with a unit: 90s, 10m, 2h or 3d
"""),
    "compute-anyof-pattern": ("project: demo-build", "project: {compute: huge}", """\
spec.yaml:13:28: error PG205 "huge" is not valid here; expected 'small', 'medium', 'large', \
'xlarge', '2xlarge', a CodeBuild compute type or an intrinsic function
  (stages[0].actions[0].project.compute)
             project: {compute: huge}
                                ^^^^
  hint: small | medium | large | xlarge | 2xlarge, or a raw BUILD_GENERAL1_* value, or an \
intrinsic
"""),
    "artifact-name-with-dot": ("outputs: [Built]", "outputs: [Built.zip]", """\
spec.yaml:14:19: error PG205 "Built.zip" is not a valid artifact name
  (stages[0].actions[0].outputs[0])
             outputs: [Built.zip]
                       ^^^^^^^^^
  hint: use 1 to 100 letters, digits, '-' or '_' (no '.')
"""),
    "name-pattern": ("name: demo\n", "name: my demo\n", """\
spec.yaml:2:7: error PG205 "my demo" is not a valid name
  (name)
     name: my demo
           ^^^^^^^
  hint: use 1 to 100 letters, digits, '.', '@', '_' or '-'
"""),
    "parameter-name": ("name: demo\n", "name: demo\nparameters:\n  My-Param: {type: String}\n", """\
spec.yaml:4:3: error PG205 "My-Param" is not a valid parameter name
  (parameters.My-Param)
       My-Param: {type: String}
       ^^^^^^^^
  hint: CloudFormation parameter names use letters and digits only
"""),
    "intrinsic-in-literal-key": ("type: deploy", "type: !Ref DeployType", """\
spec.yaml:18:15: error PG207 'type' must be a literal value, not an intrinsic function: it \
selects the action type (or pipeline type), and so which keys apply
  (stages[1].actions[0].type)
             type: !Ref DeployType
                   ^^^^^^^^^^^^^^^
  hint: write one of build, test, approval, invoke, deploy here; choose between values per \
stack with `conditions:` and `when:` instead
"""),
    # cfn-templates-static-website names artifacts by `!Ref AWS::StackName`: a list entry is
    # refused with the same reason as `output`, not as a malformed name.
    "intrinsic-artifact-name-in-a-list": (
        "        outputs: [Built]",
        "        outputs: [!Join [-, [Built, !Ref AWS::StackName]]]", """\
spec.yaml:14:19: error PG207 the entries of 'outputs' must be literal values, not intrinsic \
functions: artifact names are checked for flow before anything is emitted
  (stages[0].actions[0].outputs[0])
             outputs: [!Join [-, [Built, !Ref AWS::StackName]]]
                       ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
  hint: write a fixed artifact name (such as `Built`): artifact names live inside one \
pipeline, so every stack deployed from the template can use the same one
"""),
    # sam-codepipeline-cd's parameter descriptions hold commas, copied into `{...}` unquoted
    "comma-in-a-flow-mapping": (
        "name: demo\n", "name: demo\nparameters:\n  Repo: {type: String, description: the "
        "name, if any}\n", """\
spec.yaml:4:47: error PG201 unknown key 'if any'
  (parameters.Repo.if any)
       Repo: {type: String, description: the name, if any}
                                                   ^^^^^^
  hint: in a `{...}` mapping a comma ends the value: quote the value that holds the comma \
(`description: "a, b"`)
"""),
    "version": ("pipegen: 1", "pipegen: 2", """\
spec.yaml:1:10: error PG206 spec version 2 is not supported; this pipegen reads version 1
  (pipegen)
     pipegen: 2
              ^
  hint: write `pipegen: 1`
"""),
    "empty-list": ("    actions:\n      - name: Hosts\n        type: deploy\n        provider: "
                   "codedeploy\n        application: demo\n        deployment_group: demo-hosts\n"
                   "        inputs: [Built]\n", "    actions: []\n", """\
spec.yaml:16:14: error PG205 'actions' needs at least 1 item
  (stages[1].actions)
         actions: []
                  ^^
  hint: 1 to 50 actions, run in parallel unless ordered by `after`, `run_order` or artifact flow
"""),
}


def errors_of(text: str, tmp_path, monkeypatch) -> str:
    """The text report pipegen prints for a spec (compiled without lint)."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "spec.yaml").write_text(text, encoding="utf-8")
    try:
        compile_spec("spec.yaml")
    except SpecError as e:
        return report.text(e.diagnostics, {"spec.yaml": text.splitlines()})
    return "(compiled)\n"


def test_the_good_spec_compiles(tmp_path, monkeypatch):
    assert errors_of(GOOD, tmp_path, monkeypatch) == "(compiled)\n"


@pytest.mark.parametrize("case", sorted(CASES))
def test_mistake_gets_one_useful_message(case, tmp_path, monkeypatch):
    old, new, expected = CASES[case]
    assert old in GOOD, case
    assert errors_of(GOOD.replace(old, new, 1), tmp_path, monkeypatch) == expected


def test_several_mistakes_are_all_reported_in_file_order(tmp_path, monkeypatch):
    text = GOOD.replace("name: demo\n", "name: demo\nexecution_mode: queue\n").replace(
        "outputs: [Built]", "outptus: [Built]")
    out = errors_of(text, tmp_path, monkeypatch)
    assert [line.split(": error ")[0] for line in out.splitlines() if ": error " in line] == [
        "spec.yaml:3:17", "spec.yaml:15:9"]


# --- every part of the schema, every kind of wrong value: a diagnostic, never an exception

WRONG_VALUES = [None, True, 3, 2.5, "", "x", "NOT valid!", [], [None], {}, {"Ref": "X"},
                {"nope": 1}, {"Fn::Sub": ["a", {}]}]


def _subschemas(schema, where=""):
    """(where, subschema) for every property, item and additional-property schema."""
    if not isinstance(schema, dict):
        return
    for name, sub in schema.get("properties", {}).items():
        yield f"{where}.{name}", sub
        yield from _subschemas(sub, f"{where}.{name}")
    for key in ("items", "additionalProperties", "then"):
        if isinstance(schema.get(key), dict):
            yield f"{where}[{key}]", schema[key]
            yield from _subschemas(schema[key], f"{where}[{key}]")
    for key in ("anyOf", "oneOf", "allOf"):
        for i, sub in enumerate(schema.get(key, [])):
            yield from _subschemas(sub, f"{where}<{key}{i}>")


def test_every_schema_location_maps_every_wrong_value():
    import jsonschema

    from pipegen.errors import CODES, Span
    from pipegen.schema import _diagnose, composed

    class Anywhere:  # stands in for a Loaded: every path is at 1:1
        data: dict = {}

        def span(self, path):
            return Span("spec.yaml", 1, 1)

        key_span = span

    root = composed()
    places = [("", root)] + [(f"$defs.{k}", v) for k, v in root["$defs"].items()]
    places += [p for where, s in list(places) for p in _subschemas(s, where)]
    checked = 0
    for where, sub in places:
        validator = jsonschema.Draft202012Validator({**sub, "$defs": root["$defs"]})
        for value in WRONG_VALUES:
            for error in validator.iter_errors(value):
                diagnostics = _diagnose(error, Anywhere())
                assert diagnostics, (where, value, error.message)
                assert all(d.code in CODES and d.message for d in diagnostics), (where, value)
                checked += 1
    assert checked > 1000  # the walk really covered the schema


def test_a_pattern_without_words_falls_back_to_its_description():
    import jsonschema

    from pipegen.errors import Span
    from pipegen.schema import _diagnose

    class Anywhere:
        data: dict = {}

        def span(self, path):
            return Span("spec.yaml", 1, 1)

        key_span = span

    for schema, hint in (({"type": "string", "pattern": "^https?://", "description":
                           "A link for the reviewer."}, "a link for the reviewer"),
                         ({"type": "string", "pattern": "^https?://"},
                          "it must match ^https?://")):
        error = next(jsonschema.Draft202012Validator(schema).iter_errors("example.com"))
        (d,) = _diagnose(error, Anywhere())
        assert (d.code, d.message, d.hint) == ("PG205", '"example.com" is not valid here', hint)
