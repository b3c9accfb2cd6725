"""The peer of `pipegen compile --no-lint samples/typical.yaml`: a minimal troposphere script.

It writes a comparable template (the same eight resources: artifact bucket and policy, the
pipeline and its role, two CodeBuild projects and their roles) the way a hand-written
troposphere + awacs script would, with no spec, no validation and no lint. benchmarks/run.py
times it against pipegen; run it alone with `python benchmarks/troposphere_typical.py`.
"""

from awacs import codebuild as cb_actions
from awacs import logs as logs_actions
from awacs import s3 as s3_actions
from awacs.aws import Allow, Bool, Condition, PolicyDocument, Principal, Statement
from awacs.sts import AssumeRole
from troposphere import GetAtt, Parameter, Ref, Sub, Tags, Template, codebuild, codepipeline, iam
from troposphere import s3 as s3r

t = Template(Description="Orders API build and release")
connection = t.add_parameter(Parameter("ConnectionArn", Type="String"))
topic = t.add_parameter(Parameter("ApprovalTopicArn", Type="String"))
tags = Tags(team="payments")

bucket = t.add_resource(s3r.Bucket(
    "ArtifactBucket", DeletionPolicy="Retain", UpdateReplacePolicy="Retain", Tags=tags,
    VersioningConfiguration=s3r.VersioningConfiguration(Status="Enabled"),
    BucketEncryption=s3r.BucketEncryption(ServerSideEncryptionConfiguration=[
        s3r.ServerSideEncryptionRule(ServerSideEncryptionByDefault=s3r.ServerSideEncryptionByDefault(
            SSEAlgorithm="aws:kms"))]),
    OwnershipControls=s3r.OwnershipControls(Rules=[
        s3r.OwnershipControlsRule(ObjectOwnership="BucketOwnerEnforced")]),
    PublicAccessBlockConfiguration=s3r.PublicAccessBlockConfiguration(
        BlockPublicAcls=True, BlockPublicPolicy=True, IgnorePublicAcls=True,
        RestrictPublicBuckets=True)))
objects = Sub("arn:${AWS::Partition}:s3:::${ArtifactBucket}/*")
t.add_resource(s3r.BucketPolicy("ArtifactBucketPolicy", Bucket=Ref(bucket),
                                PolicyDocument=PolicyDocument(
    Version="2012-10-17", Statement=[Statement(
        Effect="Deny", Principal=Principal("*"), Action=[s3_actions.Action("*")],
        Resource=[objects, Sub("arn:${AWS::Partition}:s3:::${ArtifactBucket}")],
        Condition=Condition(Bool("aws:SecureTransport", "false")))])))


def assume(service):
    return PolicyDocument(Version="2012-10-17", Statement=[Statement(
        Effect=Allow, Principal=Principal("Service", [service]), Action=[AssumeRole])])


def project(name, compute, buildspec, timeout=None):
    policy = PolicyDocument(
        Version="2012-10-17", Statement=[
            Statement(Effect=Allow, Action=[logs_actions.CreateLogGroup,
                                            logs_actions.CreateLogStream,
                                            logs_actions.PutLogEvents],
                      Resource=[Sub("arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:"
                                    "log-group:/aws/codebuild/${AWS::StackName}-" + name + "*")]),
            Statement(Effect=Allow, Action=[s3_actions.GetObject, s3_actions.PutObject],
                      Resource=[objects])])
    role = t.add_resource(iam.Role(f"{name}ProjectRole", Tags=tags,
                                   AssumeRolePolicyDocument=assume("codebuild.amazonaws.com"),
                                   Policies=[iam.Policy(PolicyName="Build",
                                                        PolicyDocument=policy)]))
    extra = {"TimeoutInMinutes": timeout} if timeout else {}
    return t.add_resource(codebuild.Project(
        f"{name}Project", Name=Sub("${AWS::StackName}-" + name), ServiceRole=GetAtt(role, "Arn"),
        Artifacts=codebuild.Artifacts(Type="CODEPIPELINE"), Tags=tags,
        Source=codebuild.Source(Type="CODEPIPELINE", BuildSpec=buildspec),
        Environment=codebuild.Environment(ComputeType=compute, Image="aws/codebuild/standard:7.0",
                                          Type="LINUX_CONTAINER"), **extra))


test = project("BuildTest", "BUILD_GENERAL1_SMALL", "buildspec-test.yml")
package = project("BuildPackage", "BUILD_GENERAL1_MEDIUM", "buildspec.yml", 30)
pipeline_policy = PolicyDocument(Version="2012-10-17", Statement=[
    Statement(Effect=Allow, Action=[cb_actions.BatchGetBuilds, cb_actions.StartBuild],
              Resource=[GetAtt(test, "Arn"), GetAtt(package, "Arn")]),
    Statement(Effect=Allow, Action=[s3_actions.GetObject, s3_actions.PutObject],
              Resource=[objects])])
role = t.add_resource(iam.Role("PipelineRole", Tags=tags,
                               AssumeRolePolicyDocument=assume("codepipeline.amazonaws.com"),
                               Policies=[iam.Policy(PolicyName="Pipeline",
                                                    PolicyDocument=pipeline_policy)]))


def action(name, category, provider, order=1, owner="AWS", **kw):
    return codepipeline.Actions(Name=name, RunOrder=order, ActionTypeId=codepipeline.ActionTypeId(
        Category=category, Owner=owner, Provider=provider, Version="1"), **kw)


t.add_resource(codepipeline.Pipeline(
    "Pipeline", Name="orders-service", PipelineType="V2", ExecutionMode="QUEUED",
    RoleArn=GetAtt(role, "Arn"), Tags=tags,
    ArtifactStore=codepipeline.ArtifactStore(Type="S3", Location=Ref(bucket)),
    Variables=[codepipeline.VariableDeclaration(Name="RELEASE_CHANNEL", DefaultValue="stable")],
    Stages=[
        codepipeline.Stages(Name="Source", Actions=[action(
            "App", "Source", "CodeStarSourceConnection", Namespace="SourceVars",
            Configuration={"ConnectionArn": Ref(connection), "FullRepositoryId": "acme/orders",
                           "BranchName": "main", "DetectChanges": "true"},
            OutputArtifacts=[codepipeline.OutputArtifacts(Name="AppSource")])]),
        codepipeline.Stages(Name="Build", Actions=[
            action("Test", "Test", "CodeBuild", Configuration={"ProjectName": Ref(test)},
                   InputArtifacts=[codepipeline.InputArtifacts(Name="AppSource")]),
            action("Package", "Build", "CodeBuild", 2, Configuration={"ProjectName": Ref(package)},
                   InputArtifacts=[codepipeline.InputArtifacts(Name="AppSource")],
                   OutputArtifacts=[codepipeline.OutputArtifacts(Name="Built")])]),
        codepipeline.Stages(Name="Release", Actions=[
            action("Approve", "Approval", "Manual", Configuration={
                "NotificationArn": Ref(topic), "CustomData": "Release orders-service?"}),
            action("Deploy", "Deploy", "CodeDeploy", 2, Configuration={
                "ApplicationName": "orders", "DeploymentGroupName": "orders-prod"},
                InputArtifacts=[codepipeline.InputArtifacts(Name="Built")])]),
    ]))

print(t.to_json(indent=2))
