"""`filters` on a connection source -> one v2 pipeline trigger (SPEC.md section 3).

Not a provider module (no PROVIDERS). The mapping: a push filter on `branch`, narrowed by
`file_paths`; `tags` as a second push filter with Tags only (AWS documents tags alone, not
with branches); `pull_requests` as a pull-request filter on `branch` with the same file paths.
`trigger: pull-request` keeps the pull-request filter alone (no push filter): a pipeline that
validates pull requests and nothing else.

A pipeline that pull requests start runs unmerged code through every stage, so a pipeline-wide
check (PG333) warns when such a spec also deploys, invokes, runs `commands` or assumes roles.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from troposphere import codepipeline as cp

from pipegen import cfn

if TYPE_CHECKING:
    from pipegen.contexts import BuildContext
    from pipegen.model import Action, Pipeline, Source

DEFAULT_PR_EVENTS = ("open", "updated")


def check(source: Source, ctx: BuildContext) -> None:
    if source.trigger == "pull-request":
        ctx.v2_only("`trigger: pull-request` (a v2 pipeline trigger)", source.path + ("trigger",))
    if "filters" not in source.settings:
        return
    path = source.path + ("filters",)
    ctx.v2_only("`filters` (v2 pipeline triggers)", path)
    if source.trigger == "pull-request" and "tags" in source.settings["filters"]:
        ctx.error("PG327", f"`filters.tags` starts the pipeline on pushed tags, and source "
                  f"'{source.name}' uses `trigger: pull-request` (pull requests only)",
                  path + ("tags",), "remove `tags`, or use `trigger: push` with "
                  "`filters.pull_requests`", key=True)
    if source.trigger == "none":
        ctx.error("PG322", f"source '{source.name}' has `filters` and `trigger: none`; filters "
                  "say what starts the pipeline", path, "remove `trigger: none` (filters need "
                  "`trigger: push`), or remove `filters`", key=True)


def _criteria(cls, spec: dict | None):
    if not spec:
        return None
    kwargs = {}
    if "include" in spec:
        kwargs["Includes"] = list(spec["include"])
    if "exclude" in spec:
        kwargs["Excludes"] = list(spec["exclude"])
    return cls(**kwargs)


def starts_on_pull_requests(source: Source) -> bool:
    return source.trigger == "pull-request" or "pull_requests" in source.settings.get(
        "filters", {})


def trigger(source: Source) -> cp.PipelineTriggerDeclaration:
    """The v2 trigger for a source that has `filters` or `trigger: pull-request`."""
    filters = source.settings.get("filters", {})
    branches = cp.GitBranchFilterCriteria(Includes=[cfn.value(source.settings["branch"])])
    paths = _criteria(cp.GitFilePathFilterCriteria, filters.get("file_paths"))
    with_paths = {"FilePaths": paths} if paths else {}
    git = {"SourceActionName": source.name}
    if source.trigger != "pull-request":
        push = [cp.GitPushFilter(Branches=branches, **with_paths)]
        if "tags" in filters:
            push.append(cp.GitPushFilter(Tags=_criteria(cp.GitTagFilterCriteria,
                                                        filters["tags"])))
        git["Push"] = push
    if starts_on_pull_requests(source):
        events = filters.get("pull_requests", {}).get("events", DEFAULT_PR_EVENTS)
        git["PullRequest"] = [cp.GitPullRequestFilter(
            Events=[e.upper() for e in events], Branches=branches, **with_paths)]
    return cp.PipelineTriggerDeclaration(ProviderType="CodeStarSourceConnection",
                                         GitConfiguration=cp.GitConfiguration(**git))


def _named(kind: str, actions: list[Action]) -> str:
    names = [f"{a.stage}.{a.name}" for a in actions]
    more = f" and {len(names) - 3} more" if len(names) > 3 else ""
    return f"{kind} ({', '.join(names[:3])}{more})"


def _pull_requests_reach_far(pipeline: Pipeline, ctx: BuildContext) -> None:
    """PG333: pull requests start a pipeline that deploys, invokes, runs commands or assumes
    roles; unmerged code would reach all of it."""
    written = [a for stage in pipeline.stages for a in (stage.written or stage.actions)]
    reaches = []
    for kind, test in (("deploy actions", lambda a: a.type == "deploy"),
                       ("invoke actions", lambda a: a.type == "invoke"),
                       ("commands actions", lambda a: a.provider == "commands"),
                       ("actions with their own (possibly cross-account) role",
                        lambda a: a.role is not None)):
        found = [a for a in written if test(a)]
        if found:
            reaches.append(_named(kind, found))
    roles = [s.name for s in pipeline.sources if s.settings.get("role") is not None]
    if roles:
        reaches.append(f"sources with a cross-account role ({', '.join(roles)})")
    if not reaches:
        return
    for source in filter(starts_on_pull_requests, pipeline.sources):
        at = (source.path + ("filters", "pull_requests")
              if "pull_requests" in source.settings.get("filters", {})
              else source.path + ("trigger",))
        ctx.warn("PG333", f"pull requests start this pipeline through source '{source.name}', "
                 "so code nobody has merged runs through every stage, and this spec has "
                 + "; ".join(reaches),
                 at, "validate pull requests in a spec of their own with build and test "
                 "actions only (`trigger: pull-request`; see docs/ci.md, \"Validating pull "
                 "requests\") and keep `pull_requests` out of the deploying spec, or "
                 "acknowledge PG333")


PIPELINE_CHECKS = [_pull_requests_reach_far]
