// The CDK peer of benchmarks/run.py: samples/typical.yaml written as a CDK app (JavaScript, so
// no TypeScript compile is timed). `cdk synth` runs it; so does `node app.js` with CDK_OUTDIR.
const cdk = require("aws-cdk-lib");
const codebuild = require("aws-cdk-lib/aws-codebuild");
const codedeploy = require("aws-cdk-lib/aws-codedeploy");
const cp = require("aws-cdk-lib/aws-codepipeline");
const actions = require("aws-cdk-lib/aws-codepipeline-actions");
const sns = require("aws-cdk-lib/aws-sns");

const app = new cdk.App();
const stack = new cdk.Stack(app, "OrdersService", { description: "Orders API build and release" });
cdk.Tags.of(stack).add("team", "payments");
const connectionArn = new cdk.CfnParameter(stack, "ConnectionArn", { type: "String" });
const topicArn = new cdk.CfnParameter(stack, "ApprovalTopicArn", { type: "String" });
const source = new cp.Artifact("AppSource");
const built = new cp.Artifact("Built");
const image = codebuild.LinuxBuildImage.STANDARD_7_0;

const testProject = new codebuild.PipelineProject(stack, "BuildTest", {
  buildSpec: codebuild.BuildSpec.fromSourceFilename("buildspec-test.yml"),
  environment: { buildImage: image },
});
const packageProject = new codebuild.PipelineProject(stack, "BuildPackage", {
  buildSpec: codebuild.BuildSpec.fromSourceFilename("buildspec.yml"),
  environment: {
    buildImage: image,
    computeType: codebuild.ComputeType.MEDIUM,
    environmentVariables: { NODE_ENV: { value: "production" } },
  },
  timeout: cdk.Duration.minutes(30),
});
const group = codedeploy.ServerDeploymentGroup.fromServerDeploymentGroupAttributes(stack, "Group", {
  application: codedeploy.ServerApplication.fromServerApplicationName(stack, "App", "orders"),
  deploymentGroupName: "orders-prod",
});

new cp.Pipeline(stack, "Pipeline", {
  pipelineName: "orders-service",
  pipelineType: cp.PipelineType.V2,
  executionMode: cp.ExecutionMode.QUEUED,
  variables: [new cp.Variable({ variableName: "RELEASE_CHANNEL", defaultValue: "stable",
                                description: "release channel passed to the build" })],
  stages: [
    { stageName: "Source", actions: [new actions.CodeStarConnectionsSourceAction({
      actionName: "App", owner: "acme", repo: "orders", branch: "main",
      connectionArn: connectionArn.valueAsString, output: source, variablesNamespace: "SourceVars",
    })] },
    { stageName: "Build", actions: [
      new actions.CodeBuildAction({ actionName: "Test", type: actions.CodeBuildActionType.TEST,
                                    project: testProject, input: source, runOrder: 1 }),
      new actions.CodeBuildAction({ actionName: "Package", project: packageProject, input: source,
                                    outputs: [built], runOrder: 2, environmentVariables: {
                                      COMMIT: { value: "#{SourceVars.CommitId}" },
                                      CHANNEL: { value: "#{variables.RELEASE_CHANNEL}" } } }),
    ] },
    { stageName: "Release", actions: [
      new actions.ManualApprovalAction({ actionName: "Approve", runOrder: 1,
        notificationTopic: sns.Topic.fromTopicArn(stack, "Topic", topicArn.valueAsString),
        additionalInformation: "Release orders-service to production?" }),
      new actions.CodeDeployServerDeployAction({ actionName: "Deploy", input: built,
                                                 deploymentGroup: group, runOrder: 2 }),
    ] },
  ],
});
app.synth();
