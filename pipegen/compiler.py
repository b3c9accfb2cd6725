"""The phases in order: load, validate, build, expand, emit, overrides, render, lint.

Each phase collects every diagnostic it finds. A source or action the schema refuses does not
stop the semantic checks of the rest (partial.py): one run reports every independent error.
Later phases never emit or lint a spec that failed an earlier one. `build.build` runs
build and then expand (pipegen/expand.py), and reports both phases' errors at once.

Lint is separable: `compile_spec` without a linter returns the unlinted result, and
`Compiled.lint_problems` maps findings (from an in-process Linter, a worker process or the lint
cache) back to the spec, so the command line can lint elsewhere and in parallel (runner.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipegen import (
    build,
    cfn,
    conditional,
    emit,
    loader,
    overrides,
    partial,
    policy_rules,
    policy_vars,
    render,
    schema,
    secrets,
)
from pipegen.cfn import plain
from pipegen.contexts import PIPELINE
from pipegen.errors import Diagnostic, SpecError
from pipegen.lint import Finding, Linter, to_diagnostics

if TYPE_CHECKING:
    from pipegen.loader import Loaded


@dataclass(frozen=True)
class LintMap:
    """What maps a finding in the rendered template back to the spec node behind it."""

    origins: dict[str, tuple]
    stage_origins: list
    overrides: dict
    loaded: Loaded


@dataclass
class Compiled:
    spec: Path
    text: str  # the rendered template
    template: dict
    warnings: list[Diagnostic] = field(default_factory=list)
    lint_text: str = ""  # the JSON rendering cfn-lint reads (the same bytes as `text` for json)
    lint_map: LintMap | None = field(default=None, repr=False)

    def lint_problems(self, findings: list[Finding]) -> list[Diagnostic]:
        """The findings as located diagnostics (an empty list: the template passes the gate)."""
        m = self.lint_map
        # A lint message may quote a value: the secrets in it are masked like everywhere else.
        return secrets.redact(to_diagnostics(findings, self.lint_text, self.template, m.origins,
                                             m.stage_origins, m.overrides, m.loaded),
                              m.loaded.data)


def _validate(loaded: Loaded) -> None:
    """The schema, and on its failure the semantic checks of the parts that passed it."""
    try:
        schema.validate(loaded)
    except SpecError as e:
        found = partial.stubbed(loaded, e.diagnostics)
        if found is None:
            raise
        stubbed, units, outputs = found
        try:
            build.build(stubbed)
        except SpecError as later:
            extra = [d for d in later.diagnostics
                     if not partial.follow_on(d, units, outputs, loaded.data)]
            raise SpecError(sorted(e.diagnostics + extra, key=lambda d: (
                d.span.line if d.span else 0, d.span.col if d.span else 0))) from None
        except Exception:  # the stubs must never turn a schema error into a crash
            raise e from None
        raise


# CloudFormation's own text, where AWS::NoValue is CloudFormation's to resolve.
_RAW_SECTIONS = ("resources", "outputs", "overrides", "conditions", "mappings", "parameters")


def omit_no_value(data: Any) -> Any:
    """The spec with every key whose whole value is `!Ref AWS::NoValue` left out, as
    CloudFormation leaves out such a property: an optional key falls back to its default
    (`role: !Ref AWS::NoValue` is a generated role), a required one is reported missing.
    Lists keep their entries (CloudFormation drops them where the list is written), and so
    do `!If` branches; the raw CloudFormation sections are CloudFormation's."""
    def walk(node: Any) -> Any:
        if isinstance(node, dict) and not cfn.is_intrinsic(node):
            return {k: walk(v) for k, v in node.items() if v != cfn.NO_VALUE}
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node

    if not isinstance(data, dict):
        return data
    return {k: v if k in _RAW_SECTIONS else walk(v) for k, v in data.items()
            if v != cfn.NO_VALUE}


def compile_spec(path: Path | str, fmt: str = "json", linter: Linter | None = None) -> Compiled:
    """Compile one spec file; lint it when a linter is given. Raises SpecError."""
    path = Path(path)
    loaded = loader.load_file(path)
    loaded.data = omit_no_value(loaded.data)
    try:
        result = _compile(path, loaded, fmt, linter)
    except SpecError as e:
        # No report repeats a secret (a token, a no_echo default) in any output format.
        raise SpecError(secrets.redact(e.diagnostics, loaded.data)) from None
    result.warnings = secrets.redact(result.warnings, loaded.data)
    return result


def _compile(path: Path, loaded, fmt: str, linter: Linter | None) -> Compiled:
    _validate(loaded)
    pipeline, warnings = build.build(loaded)  # the expanded plan
    ctx = emit.emit(pipeline, loaded)
    doc = ctx.template.to_dict()
    warnings += [w for w in policy_vars.widen(doc.get("Resources", {}), loaded)
                 if w.code not in pipeline.acknowledge]
    if pipeline.resources:
        doc.setdefault("Resources", {}).update(plain(pipeline.resources))
    own = set(ctx.origins) - set(pipeline.resources)
    refused, cautions = policy_rules.check_overrides(doc, pipeline.overrides, loaded, own)
    if refused:
        raise SpecError(refused)
    warnings += [w for w in cautions if w.code not in pipeline.acknowledge]
    overrides.apply(doc, pipeline.overrides, loaded)
    conditional.guard_statements(doc, keep=frozenset(pipeline.resources))
    conditional.apply(doc, keep=frozenset(pipeline.resources) | {PIPELINE})
    json_text = render.render(doc, "json")
    result = Compiled(path, json_text if fmt == "json" else render.render(doc, fmt), doc,
                      warnings, json_text,
                      LintMap(ctx.origins, ctx.stage_origins, pipeline.overrides, loaded))
    if linter is not None:
        problems = result.lint_problems(linter.lint(json_text))
        if problems:
            raise SpecError(problems)
    return result
