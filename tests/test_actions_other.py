"""Test, approval and invoke actions: Device Farm, partner tests, manual approval, Lambda and
Step Functions. Each test asserts the emitted action, the resources and the pipeline role's
statements, or the exact error text.
"""

from __future__ import annotations

import pytest
from helpers import HEAD, action, compile_stages, error_report, grants, with_parameters

TAGGED_KEY_HEAD = HEAD.replace("name: t\n", "name: t\ntags: {team: a}\n"
                               "artifacts: {encryption: generated}\n")
PART = "${AWS::Partition}"
HERE = "${AWS::Region}:${AWS::AccountId}"
POOL = ("arn:aws:devicefarm:us-west-2:111111111111:devicepool:"
        "eec4905f-98f8-40aa-9afc-4c1cfexample/4a5b6c7d-1234-5678-9abc-def012345678")


# --- Device Farm

def test_devicefarm_appium_run(write_spec, linter):
    t = compile_stages(write_spec, f"""\
      - name: Test
        actions:
          - name: Devices
            type: test
            provider: devicefarm
            project: eec4905f-98f8-40aa-9afc-4c1cfexample
            device_pool: {POOL}
            app_type: ios
            app: build/app.ipa
            test_type: appium-python
            test: tests.zip
            test_spec: spec.yml
            appium_version: "2.0"
            radios: {{wifi: true, gps: false}}
            record_video: false
            unmetered_devices_only: true
            job_timeout: 1h
    """, linter=linter)
    assert action(t, "Devices") == {
        "ActionTypeId": {"Category": "Test", "Owner": "AWS", "Provider": "DeviceFarm",
                         "Version": "1"},
        "Configuration": {
            "App": "build/app.ipa", "AppType": "iOS", "AppiumVersion": "2.0",
            "DevicePoolArn": POOL, "JobTimeoutMinutes": "60",
            "ProjectId": "eec4905f-98f8-40aa-9afc-4c1cfexample", "RadioGpsEnabled": "false",
            "RadioWifiEnabled": "true", "RecordVideo": "false", "Test": "tests.zip",
            "TestSpec": "spec.yml", "TestType": "APPIUM_PYTHON", "UnmeteredDevicesOnly": "true"},
        "InputArtifacts": [{"Name": "AppSource"}],
        "Name": "Devices",
        "RunOrder": 1,
    }
    df = f"arn:{PART}:devicefarm:us-west-2:${{AWS::AccountId}}:"
    project = {"Fn::Sub": df + "project:eec4905f-98f8-40aa-9afc-4c1cfexample"}
    uploads = {"Fn::Sub": df + "upload:eec4905f-98f8-40aa-9afc-4c1cfexample/*"}
    g = grants(t)
    assert g["devicefarm:CreateUpload"] == [project]
    assert g["devicefarm:ListDevicePools"] == [project]
    assert g["devicefarm:GetUpload"] == [uploads]
    assert g["devicefarm:ScheduleRun"] == [project, POOL, uploads]
    assert g["devicefarm:GetRun"] == [
        {"Fn::Sub": df + "run:eec4905f-98f8-40aa-9afc-4c1cfexample/*"}]
    assert g["devicefarm:ListProjects"] == ["*"]


def test_devicefarm_setting_errors(write_spec):
    assert error_report(write_spec, f"""\
      - name: Test
        actions:
          - name: Devices
            type: test
            provider: devicefarm
            project: p
            device_pool: {POOL}
            app_type: android
            app: app.apk
            test_type: appium-node
            fuzz: {{event_count: 10}}
    """) == """\
spec.yaml:18:18: error PG344 test_type appium-node needs `appium_version`
  (stages[0].actions[0].test_type)
           test_type: appium-node
                      ^^^^^^^^^^^
  hint: add `appium_version: "2.0"` (the Appium version the tests are written for)
spec.yaml:18:18: error PG344 test_type appium-node needs `test`, the test package in the input \
artifact
  (stages[0].actions[0].test_type)
           test_type: appium-node
                      ^^^^^^^^^^^
  hint: add `test: PATH`
spec.yaml:19:7: error PG344 `fuzz` settings apply to `test_type: builtin-fuzz` only
  (stages[0].actions[0].fuzz)
           fuzz: {event_count: 10}
           ^^^^
  hint: remove `fuzz`
"""


# --- partner tests

@pytest.mark.parametrize(("provider", "provider_string"), [
    ("blazemeter", "BlazeMeter"), ("ghost-inspector", "GhostInspector"),
    ("stormrunner", "StormRunnerLoad"), ("runscope", "Runscope")])
def test_partner_tests_pass_configuration_through(write_spec, linter, provider,
                                                  provider_string):
    t = compile_stages(write_spec, f"""\
      - name: Test
        actions:
          - name: Partner
            type: test
            provider: {provider}
            configuration: {{TestId: "42", Anything: goes}}
    """, linter=linter)
    assert action(t, "Partner") == {
        "ActionTypeId": {"Category": "Test", "Owner": "ThirdParty", "Provider": provider_string,
                         "Version": "1"},
        "Configuration": {"Anything": "goes", "TestId": "42"},
        "Name": "Partner",
        "RunOrder": 1,
    }


def test_partner_provider_name_version_and_inputs(write_spec):
    t = compile_stages(write_spec, """\
      - name: Test
        actions:
          - name: Partner
            type: test
            provider: runscope
            provider_name: RunscopeV2
            version: 2
            inputs: [AppSource]
            outputs: [Report]
    """)
    a = action(t, "Partner")
    assert a["ActionTypeId"] == {"Category": "Test", "Owner": "ThirdParty",
                                 "Provider": "RunscopeV2", "Version": "2"}
    assert a["InputArtifacts"] == [{"Name": "AppSource"}]
    assert a["OutputArtifacts"] == [{"Name": "Report"}]
    assert "Configuration" not in a
    # Partner job workers poll with their own credentials: the role only reaches the store.
    assert set(grants(t)) == {
        "codecommit:GetBranch", "codecommit:GetCommit", "codecommit:UploadArchive",
        "codecommit:GetUploadArchiveStatus", "codecommit:CancelUploadArchive",
        "s3:GetObject", "s3:GetObjectVersion", "s3:PutObject", "s3:GetBucketAcl",
        "s3:GetBucketLocation"}


def test_partner_cannot_be_cross_region(write_spec):
    text = error_report(write_spec, """\
      - name: Test
        actions:
          - {name: Partner, type: test, provider: blazemeter, region: us-west-2}
    """)
    assert "error PG348 a blazemeter (third-party) action cannot run in another region" in text


# --- manual approval

def test_manual_approval_with_topic_arn(write_spec, linter):
    t = compile_stages(write_spec, """\
      - name: Release
        actions:
          - name: Approve
            type: approval
            notify: arn:aws:sns:us-east-1:111111111111:releases
            message: Ship it?
            url: https://example.com/release
            timeout: 3d
    """, linter=linter)
    assert action(t, "Approve") == {
        "ActionTypeId": {"Category": "Approval", "Owner": "AWS", "Provider": "Manual",
                         "Version": "1"},
        "Configuration": {"CustomData": "Ship it?",
                          "ExternalEntityLink": "https://example.com/release",
                          "NotificationArn": "arn:aws:sns:us-east-1:111111111111:releases"},
        "Name": "Approve",
        "RunOrder": 1,
        "TimeoutInMinutes": 4320,
    }
    assert grants(t)["sns:Publish"] == ["arn:aws:sns:us-east-1:111111111111:releases"]


def test_manual_approval_bare(write_spec):
    t = compile_stages(write_spec, """\
      - name: Release
        actions:
          - {name: Approve, type: approval}
    """)
    assert action(t, "Approve") == {
        "ActionTypeId": {"Category": "Approval", "Owner": "AWS", "Provider": "Manual",
                         "Version": "1"},
        "Name": "Approve",
        "RunOrder": 1,
    }
    assert "sns:Publish" not in grants(t)


def test_manual_approval_emails_create_an_encrypted_topic(write_spec, linter):
    t = compile_stages(write_spec, """\
      - name: Release
        actions:
          - name: Approve
            type: approval
            notify: {emails: [a@example.com, !Ref Oncall]}
    """, with_parameters("Oncall"), linter=linter)
    r = t["Resources"]
    assert r["ReleaseApproveTopic"] == {
        "Type": "AWS::SNS::Topic",
        "Properties": {"DisplayName": "Release Approve approval",
                       "KmsMasterKeyId": "alias/aws/sns"}}
    assert r["ReleaseApproveTopicEmail1"] == {
        "Type": "AWS::SNS::Subscription",
        "Properties": {"Endpoint": "a@example.com", "Protocol": "email",
                       "TopicArn": {"Ref": "ReleaseApproveTopic"}}}
    assert r["ReleaseApproveTopicEmail2"]["Properties"]["Endpoint"] == {"Ref": "Oncall"}
    assert action(t, "Approve")["Configuration"] == {
        "NotificationArn": {"Ref": "ReleaseApproveTopic"}}
    assert grants(t)["sns:Publish"] == [{"Ref": "ReleaseApproveTopic"}]


def test_manual_approval_topic_uses_the_generated_artifact_key(write_spec, linter):
    t = compile_stages(write_spec, """\
      - name: Release
        actions:
          - {name: Approve, type: approval, notify: {emails: [a@example.com]}}
    """, TAGGED_KEY_HEAD, linter=linter)
    topic = t["Resources"]["ReleaseApproveTopic"]["Properties"]
    assert topic["KmsMasterKeyId"] == {"Fn::GetAtt": ["ArtifactKey", "Arn"]}
    assert topic["Tags"] == [{"Key": "team", "Value": "a"}]
    assert {"Fn::GetAtt": ["ArtifactKey", "Arn"]} in grants(t)["kms:GenerateDataKey"]


def test_manual_approval_errors(write_spec):
    assert error_report(write_spec, """\
      - name: Release
        actions:
          - name: Approve
            type: approval
            timeout: 61d
    """) == """\
spec.yaml:13:16: error PG205 an approval waits 5m to 60d; 61d is outside that
  (stages[0].actions[0].timeout)
           timeout: 61d
                    ^^^
"""


def test_manual_approval_bad_email(write_spec):
    assert error_report(write_spec, """\
      - name: Release
        actions:
          - name: Approve
            type: approval
            notify: {emails: [ops@example.com, not-an-address]}
    """) == """\
spec.yaml:13:42: error PG205 'not-an-address' is not an email address
  (stages[0].actions[0].notify.emails[1])
           notify: {emails: [ops@example.com, not-an-address]}
                                              ^^^^^^^^^^^^^^
"""


def test_manual_approval_bad_url(write_spec):
    assert error_report(write_spec, """\
      - name: Release
        actions:
          - name: Approve
            type: approval
            url: example.com/x
    """) == """\
spec.yaml:13:12: error PG205 "example.com/x" is not a valid web address
  (stages[0].actions[0].url)
           url: example.com/x
                ^^^^^^^^^^^^^
  hint: write a full address starting with https:// or http://
"""


# --- Lambda invoke

def test_lambda_invoke_forms(write_spec, linter):
    head = with_parameters("Fn").replace("stages:\n", """\
resources:
  Worker:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.12
      Handler: index.handler
      Role: arn:aws:iam::111111111111:role/worker
      Code: {ZipFile: "def handler(e, c): pass"}
stages:
""")
    t = compile_stages(write_spec, """\
      - name: Run
        actions:
          - name: ByName
            type: invoke
            provider: lambda
            function: notifier
            user_parameters: {env: prod, run: "#{codepipeline.PipelineExecutionId}", n: 3}
          - name: ByAlias
            type: invoke
            provider: lambda
            function: notifier:live
            user_parameters: plain text
          - name: ByArn
            type: invoke
            provider: lambda
            function: arn:aws:lambda:us-east-1:111111111111:function:other
          - name: ByRef
            type: invoke
            provider: lambda
            function: !Ref Fn
            user_parameters: [!Ref AWS::StackName, x]
          - name: ByGetAtt
            type: invoke
            provider: lambda
            function: !GetAtt Worker.Arn
            inputs: [AppSource]
            outputs: [Result]
            namespace: Out
    """, head, linter=linter)
    assert action(t, "ByName") == {
        "ActionTypeId": {"Category": "Invoke", "Owner": "AWS", "Provider": "Lambda",
                         "Version": "1"},
        "Configuration": {"FunctionName": "notifier", "UserParameters":
                          '{"env":"prod","run":"#{codepipeline.PipelineExecutionId}","n":3}'},
        "Name": "ByName",
        "RunOrder": 1,
    }
    assert action(t, "ByAlias")["Configuration"] == {"FunctionName": "notifier:live",
                                                     "UserParameters": "plain text"}
    assert action(t, "ByRef")["Configuration"] == {
        "FunctionName": {"Ref": "Fn"},
        "UserParameters": {"Fn::Join": ["", ['["', {"Ref": "AWS::StackName"}, '","x"]']]}}
    by_getatt = action(t, "ByGetAtt")
    assert by_getatt["Configuration"] == {"FunctionName": {"Fn::GetAtt": ["Worker", "Arn"]}}
    assert by_getatt["InputArtifacts"] == [{"Name": "AppSource"}]
    assert by_getatt["OutputArtifacts"] == [{"Name": "Result"}]
    assert by_getatt["Namespace"] == "Out"
    fn = f"arn:{PART}:lambda:{HERE}:function:"
    g = grants(t)
    assert g["lambda:InvokeFunction"] == [
        {"Fn::Sub": fn + "notifier"},
        {"Fn::Sub": fn + "notifier:live"},
        "arn:aws:lambda:us-east-1:111111111111:function:other",
        {"Fn::Sub": fn + "${Fn}"},
        {"Fn::GetAtt": ["Worker", "Arn"]},
    ]
    assert "lambda:ListFunctions" not in g


def test_lambda_in_another_region(write_spec):
    t = compile_stages(write_spec, """\
      - name: Run
        actions:
          - {name: Far, type: invoke, provider: lambda, function: f, region: eu-west-1}
    """, HEAD.replace("name: t\n", "name: t\nartifacts: {regions: {eu-west-1: {bucket: t-eu}}}\n"))
    assert grants(t)["lambda:InvokeFunction"] == [
        {"Fn::Sub": f"arn:{PART}:lambda:eu-west-1:${{AWS::AccountId}}:function:f"}]


def test_lambda_user_parameters_too_long(write_spec):
    long = "x" * 1001
    text = error_report(write_spec, f"""\
      - name: Run
        actions:
          - {{name: Fn, type: invoke, provider: lambda, function: f, user_parameters: {long}}}
    """)
    assert "error PG341 user_parameters is 1001 characters long; CodePipeline takes at most " \
           "1000\n  (stages[0].actions[0].user_parameters)" in text


def test_lambda_rejects_a_timeout(write_spec):
    text = error_report(write_spec, """\
      - name: Run
        actions:
          - {name: Fn, type: invoke, provider: lambda, function: f, timeout: 2h}
    """)
    assert "error PG340 a lambda invoke action takes no `timeout`: CodePipeline accepts an " \
           "action timeout on manual approvals only" in text
    assert "hint: remove `timeout`" in text


# --- Step Functions

def test_step_functions_forms(write_spec, linter):
    head = HEAD.replace("stages:\n", """\
resources:
  Machine:
    Type: AWS::StepFunctions::StateMachine
    Properties:
      RoleArn: arn:aws:iam::111111111111:role/states
      DefinitionString: '{"StartAt": "A", "States": {"A": {"Type": "Succeed"}}}'
stages:
""")
    t = compile_stages(write_spec, """\
      - name: Run
        actions:
          - name: Literal
            type: invoke
            provider: step-functions
            state_machine: arn:aws:states:us-east-1:111111111111:stateMachine:etl
            input: {tables: [a, b]}
            execution_name_prefix: nightly
          - name: File
            type: invoke
            provider: step-functions
            state_machine: loader
            inputs: [AppSource]
            input_file: in/input.json
            outputs: [Report]
          - name: Resource
            type: invoke
            provider: step-functions
            state_machine: !Ref Machine
            input: "{}"
    """, head, linter=linter)
    assert action(t, "Literal") == {
        "ActionTypeId": {"Category": "Invoke", "Owner": "AWS", "Provider": "StepFunctions",
                         "Version": "1"},
        "Configuration": {
            "ExecutionNamePrefix": "nightly", "Input": '{"tables":["a","b"]}',
            "InputType": "Literal",
            "StateMachineArn": "arn:aws:states:us-east-1:111111111111:stateMachine:etl"},
        "Name": "Literal",
        "RunOrder": 1,
    }
    loader = f"arn:{PART}:states:{HERE}:stateMachine:loader"
    assert action(t, "File") == {
        "ActionTypeId": {"Category": "Invoke", "Owner": "AWS", "Provider": "StepFunctions",
                         "Version": "1"},
        "Configuration": {"Input": "in/input.json", "InputType": "FilePath",
                          "StateMachineArn": {"Fn::Sub": loader}},
        "InputArtifacts": [{"Name": "AppSource"}],
        "Name": "File",
        "OutputArtifacts": [{"Name": "Report"}],
        "RunOrder": 1,
    }
    assert action(t, "Resource")["Configuration"] == {
        "Input": "{}", "InputType": "Literal", "StateMachineArn": {"Ref": "Machine"}}
    g = grants(t)
    machines = ["arn:aws:states:us-east-1:111111111111:stateMachine:etl", {"Fn::Sub": loader},
                {"Ref": "Machine"}]
    assert g["states:StartExecution"] == machines
    assert g["states:DescribeStateMachine"] == machines
    split = {"Fn::Split": [":", {"Ref": "Machine"}]}
    assert g["states:DescribeExecution"] == [
        "arn:aws:states:us-east-1:111111111111:execution:etl:*",
        {"Fn::Sub": f"arn:{PART}:states:{HERE}:execution:loader:*"},
        {"Fn::Join": [":", ["arn", {"Fn::Select": [1, split]}, "states",
                            {"Fn::Select": [3, split]}, {"Fn::Select": [4, split]},
                            "execution", {"Fn::Select": [6, split]}, "*"]]},
    ]


def test_step_functions_input_errors(write_spec):
    assert error_report(write_spec, """\
      - name: Run
        actions:
          - name: Both
            type: invoke
            provider: step-functions
            state_machine: m
            input: "{}"
            input_file: in.json
          - name: NoArtifact
            type: invoke
            provider: step-functions
            state_machine: m
            input_file: in.json
    """) == """\
spec.yaml:16:7: error PG344 `input` and `input_file` cannot be used together
  (stages[0].actions[0].input_file)
           input_file: in.json
           ^^^^^^^^^^
  hint: keep `input` for a literal input, or `input_file` to read the input from the \
input artifact
spec.yaml:21:7: error PG350 input_file is read from the action's input artifact, and \
'NoArtifact' has no inputs
  (stages[0].actions[1].input_file)
           input_file: in.json
           ^^^^^^^^^^
  hint: add `inputs: [ARTIFACT]`, the artifact that holds the file
"""
