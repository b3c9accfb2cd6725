"""The phases in order: load, validate, build, emit, overrides, render, lint.

Each phase stops the spec at its first failing phase (SpecError carries every diagnostic that
phase found); later phases never run on input that failed an earlier one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pipegen import build, emit, loader, overrides, policy_rules, render, schema, secrets
from pipegen.cfn import plain
from pipegen.errors import Diagnostic, SpecError
from pipegen.lint import Linter, to_diagnostics


@dataclass
class Compiled:
    spec: Path
    text: str  # the rendered template
    template: dict
    warnings: list[Diagnostic] = field(default_factory=list)


def compile_spec(path: Path | str, fmt: str = "json", linter: Linter | None = None) -> Compiled:
    """Compile one spec file; lint it when a linter is given. Raises SpecError."""
    path = Path(path)
    loaded = loader.load_file(path)
    try:
        result = _compile(path, loaded, fmt, linter)
    except SpecError as e:
        # No report repeats a secret (a token, a no_echo default) in any output format.
        raise SpecError(secrets.redact(e.diagnostics, loaded.data)) from None
    result.warnings = secrets.redact(result.warnings, loaded.data)
    return result


def _compile(path: Path, loaded, fmt: str, linter: Linter | None) -> Compiled:
    schema.validate(loaded)
    pipeline, warnings = build.build(loaded)
    ctx = emit.emit(pipeline, loaded)
    doc = ctx.template.to_dict()
    if pipeline.resources:
        doc.setdefault("Resources", {}).update(plain(pipeline.resources))
    own = set(ctx.origins) - set(pipeline.resources)
    refused, cautions = policy_rules.check_overrides(doc, pipeline.overrides, loaded, own)
    if refused:
        raise SpecError(refused)
    warnings += [w for w in cautions if w.code not in pipeline.acknowledge]
    overrides.apply(doc, pipeline.overrides, loaded)
    text = render.render(doc, "json")
    if linter is not None:
        problems = to_diagnostics(linter.lint(text), text, doc, ctx.origins, ctx.stage_origins,
                                   pipeline.overrides, loaded)
        if problems:
            raise SpecError(problems)
    if fmt != "json":
        text = render.render(doc, fmt)
    return Compiled(path, text, doc, warnings)
