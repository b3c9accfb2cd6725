"""pipegen: compile declarative pipeline specs into AWS CodePipeline CloudFormation templates."""

__version__ = "0.1.0"
