"""`filters` on a connection source -> one v2 pipeline trigger (SPEC.md section 3).

Not a provider module (no PROVIDERS). The mapping: a push filter on `branch`, narrowed by
`file_paths`; `tags` as a second push filter with Tags only (AWS documents tags alone, not
with branches); `pull_requests` as a pull-request filter on `branch` with the same file paths.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from troposphere import codepipeline as cp

from pipegen import cfn

if TYPE_CHECKING:
    from pipegen.contexts import BuildContext
    from pipegen.model import Source

DEFAULT_PR_EVENTS = ("open", "updated")


def check(source: Source, ctx: BuildContext) -> None:
    if "filters" not in source.settings:
        return
    path = source.path + ("filters",)
    ctx.v2_only("`filters` (v2 pipeline triggers)", path)
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


def trigger(source: Source) -> cp.PipelineTriggerDeclaration:
    """The v2 trigger for a source that has `filters`."""
    filters = source.settings["filters"]
    branches = cp.GitBranchFilterCriteria(Includes=[cfn.value(source.settings["branch"])])
    paths = _criteria(cp.GitFilePathFilterCriteria, filters.get("file_paths"))
    with_paths = {"FilePaths": paths} if paths else {}
    push = [cp.GitPushFilter(Branches=branches, **with_paths)]
    if "tags" in filters:
        push.append(cp.GitPushFilter(Tags=_criteria(cp.GitTagFilterCriteria, filters["tags"])))
    git = {"SourceActionName": source.name, "Push": push}
    if "pull_requests" in filters:
        events = filters["pull_requests"].get("events", DEFAULT_PR_EVENTS)
        git["PullRequest"] = [cp.GitPullRequestFilter(
            Events=[e.upper() for e in events], Branches=branches, **with_paths)]
    return cp.PipelineTriggerDeclaration(ProviderType="CodeStarSourceConnection",
                                         GitConfiguration=cp.GitConfiguration(**git))
