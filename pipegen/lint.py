"""The lint gate: cfn-lint in-process, one rules collection loaded once and reused.

Loading cfn-lint's rules costs more than linting one template, so the Linter keeps them.
Findings are mapped back to the spec: the rendered template's line gives the logical id,
and the emitter recorded which spec node produced each logical id.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pipegen.errors import Diagnostic, diag

if TYPE_CHECKING:
    from pipegen.loader import Loaded

REGIONS = ("us-east-1",)


@dataclass(frozen=True)
class Finding:
    rule: str
    severity: str  # error | warning | informational
    message: str
    line: int  # in the rendered template


class Linter:
    def __init__(self, regions: tuple[str, ...] = REGIONS):
        from cfnlint.config import ConfigMixIn
        from cfnlint.runner import Runner

        self.config = ConfigMixIn(regions=list(regions))
        self.rules = Runner(self.config).rules

    def lint(self, text: str) -> list[Finding]:
        from cfnlint.decode import decode_str
        from cfnlint.runner import run_template_by_data

        template, matches = decode_str(text)
        if not matches:
            matches = list(run_template_by_data(template, self.config, self.rules))
        findings = [Finding(m.rule.id, m.rule.severity, m.message, m.linenumber)
                    for m in matches]
        return sorted(set(findings), key=lambda f: (f.line, f.rule, f.message))


_RESOURCE_LINE = re.compile(r'^    "([A-Za-z0-9]+)": \{$')


def resource_at(text: str, line: int) -> str | None:
    """The logical id of the resource whose JSON block holds `line` (1-based)."""
    lines = text.splitlines()
    in_resources = False
    current = None
    for i, content in enumerate(lines[:line], start=1):
        if content.startswith('  "') and not content.startswith("   "):
            in_resources = content.startswith('  "Resources"')
            current = None
        elif in_resources and _RESOURCE_LINE.match(content):
            current = _RESOURCE_LINE.match(content).group(1)
        if i == line:
            break
    return current


def to_diagnostics(findings: list[Finding], text: str, origins: dict[str, tuple],
                   loaded: Loaded) -> list[Diagnostic]:
    out = []
    for f in findings:
        if f.severity == "informational":
            continue
        logical = resource_at(text, f.line)
        path = origins.get(logical, ()) if logical else ()
        where = f"Resources.{logical}" if logical else f"template line {f.line}"
        code = "PG501" if f.severity == "error" else "PG502"
        out.append(diag(code, f"cfn-lint {f.rule} in {where}: {f.message}",
                        loaded.span(path), path,
                        "the compiled template fails the lint gate; fix the spec value this "
                        "points at (if the spec is right, this is a pipegen bug: please report "
                        "it)"))
    return out


def is_json(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True
