"""Checks shared by source providers: secrets, keys a trigger ignores, nothing starting a run.

Not a provider module (no PROVIDERS). "Nothing starts this pipeline" spans every source: it is
a pipeline-wide check (PIPELINE_CHECKS, run once on the complete model); the github-v1 provider
calls `check_secret` for its token and webhook secret.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from troposphere import events

from pipegen import cfn
from pipegen.errors import diag
from pipegen.naming import logical_id

if TYPE_CHECKING:
    from pipegen.contexts import BuildContext, EmitContext
    from pipegen.model import Pipeline, Source

DYNAMIC_SECRET = "{{resolve:secretsmanager:"
SECRET_HINT = ("store it in AWS Secrets Manager and write `{{resolve:secretsmanager:NAME:"
               "SecretString:KEY}}`, or `!Ref` a parameter with `no_echo: true`")


def _nothing_starts(pipeline: Pipeline, ctx: BuildContext) -> None:
    """PG339: every source says trigger: none."""
    if pipeline.sources and all(s.trigger == "none" for s in pipeline.sources):
        first = next(s for s in pipeline.sources if "trigger" in s.settings)
        ctx.warn("PG339", "every source says `trigger: none`, so nothing starts this pipeline: "
                 "it runs only when someone starts it", first.path + ("trigger",),
                 "choose a trigger for a source, or acknowledge this warning with "
                 "`acknowledge: [PG339]`")


PIPELINE_CHECKS = [_nothing_starts]


def unused_with_trigger(source: Source, ctx: BuildContext, key: str, trigger: str) -> None:
    """PG327: `key` is read only with `trigger`, and the source uses another trigger."""
    if key in source.settings and source.trigger != trigger:
        ctx.error("PG327", f"`{key}` is read only with `trigger: {trigger}`, and source "
                  f"'{source.name}' uses `trigger: {source.trigger}`",
                  source.path + (key,), f"remove `{key}`, or set `trigger: {trigger}`", key=True)


def check_secret(source: Source, ctx: BuildContext, key: str, generated: bool = False) -> None:
    """A secret must be a Secrets Manager dynamic reference or a no_echo parameter.

    The messages never repeat the value, and the diagnostic asks reports to mask it.
    """
    value = source.settings.get(key)
    if value is None:
        return
    path = source.path + (key,)
    hint = SECRET_HINT + ("; or omit it and pipegen generates one" if generated else "")
    if isinstance(value, str):
        if value.startswith(DYNAMIC_SECRET):
            return
        if value.startswith("{{resolve:"):
            # ssm / ssm-secure references: CodePipeline cannot take ssm-secure, and a plain
            # SSM parameter shows its value.
            ctx.error("PG321", f"the {key} of source '{source.name}' must be a Secrets Manager "
                      "dynamic reference or a `!Ref` to a `no_echo` parameter", path, hint)
            return
        d = diag("PG320", f"the {key} of source '{source.name}' is written in plain text; it "
                 "would be readable in the template and the stack", ctx.loaded.span(path),
                 path, hint)
        ctx.diagnostics.append(replace(d, redact=True))
        return
    if not cfn.is_intrinsic(value):
        return  # the schema has reported it
    fn, arg = next(iter(value.items()))
    if fn == "Ref":
        if arg in ctx.parameters:
            if ctx.parameters[arg].get("no_echo") is not True:
                ctx.error("PG321", f"the {key} of source '{source.name}' comes from parameter "
                          f"'{arg}', which does not set `no_echo: true`", path,
                          f"add `no_echo: true` to parameter '{arg}' so CloudFormation never "
                          "shows its value")
            return
        if arg not in ctx.resources:
            return  # an undeclared name: PG306 reports it
    elif fn == "Fn::Sub":
        text = arg[0] if isinstance(arg, list) and arg else arg
        if isinstance(text, str) and text.startswith(DYNAMIC_SECRET):
            return
    ctx.error("PG321", f"the {key} of source '{source.name}' must be a Secrets Manager dynamic "
              "reference or a `!Ref` to a `no_echo` parameter", path, hint)


def start_rule(source: Source, ctx: EmitContext, pattern: dict, description: str) -> None:
    """The EventBridge rule that starts the pipeline, through the shared events role (which
    may only call codepipeline:StartPipelineExecution on this pipeline)."""
    tags = ctx.tags()
    ctx.add(events.Rule(
        logical_id(source.name, "SourceRule"),
        Description=description,
        EventPattern=cfn.value(pattern),
        Targets=[events.Target(Id="Pipeline", Arn=ctx.pipeline_arn, RoleArn=ctx.events_role())],
        **({"Tags": tags} if tags else {}),
    ), source.path)
