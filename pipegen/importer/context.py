"""What one pipeline's import collects while it reads the template: notes, renames, overrides.

The readers (sources, actions, projects, store) record here what they typed, replaced, kept
raw or changed, so the header comment and the report say the same thing, in one place.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pipegen.errors import Diagnostic, diag
from pipegen.importer.template import Template, resource_refs

# Note kinds, in the order the header lists them.
KINDS = ("replaced", "kept", "changed", "dropped", "finding")


@dataclass(frozen=True)
class Note:
    kind: str  # replaced | kept | changed | dropped | finding
    subject: str  # what it is about: a logical id, an action, a parameter
    detail: str  # what happened and why


@dataclass
class ImportContext:
    template: Template
    pipeline_id: str
    notes: list[Note] = field(default_factory=list)
    renames: dict[str, str] = field(default_factory=dict)  # original id -> id in the compile
    removed: dict[str, str] = field(default_factory=dict)  # original id -> why it is left out
    overrides: dict[str, Any] = field(default_factory=dict)
    no_echo: set[str] = field(default_factory=set)  # parameters that get no_echo: true
    problems: list[Diagnostic] = field(default_factory=list)
    generated: set[str] = field(default_factory=set)  # ids the compiled spec will generate
    where: tuple = (False, False)  # the action being read: (stage, action) conditional
    action_roles: set = field(default_factory=set)  # pipegen-style action roles replaced
    removed_conditions: set = field(default_factory=set)
    source_outputs: list = field(default_factory=list)
    original_role: str | None = None  # the pipeline role the template defines, if any

    @property
    def resources(self) -> dict:
        return self.template.resources

    @property
    def pipeline(self) -> dict:
        return self.resources[self.pipeline_id]

    @property
    def props(self) -> dict:
        return self.pipeline.get("Properties") or {}

    def note(self, kind: str, subject: str, detail: str) -> None:
        self.notes.append(Note(kind, subject, detail))

    def replace(self, original: str, new: str, detail: str) -> None:
        """`original` (a resource of the template) becomes pipegen's `new`."""
        self.renames[original] = new
        self.removed[original] = detail
        self.generated.add(new)
        self.note("replaced", original, detail)

    def error(self, code: str, message: str, path: tuple, hint: str | None = None) -> None:
        self.problems.append(diag(code, message, self.template.key_span(path), path, hint))

    def resource(self, logical_id: str | None) -> dict | None:
        body = self.resources.get(logical_id) if logical_id else None
        return body if isinstance(body, dict) else None

    def type_of(self, logical_id: str | None) -> str | None:
        body = self.resource(logical_id)
        return body.get("Type") if body else None

    def users(self, logical_id: str) -> list[str]:
        """Resources (other than itself) and outputs that reference logical_id."""
        found = [k for k, v in self.resources.items()
                 if k != logical_id and logical_id in resource_refs(v)]
        for name, body in (self.template.data.get("Outputs") or {}).items():
            if logical_id in resource_refs(body):
                found.append("Outputs." + name)
        return found

    def action_path(self, stage: int, action: int) -> tuple:
        return ("Resources", self.pipeline_id, "Properties", "Stages", stage, "Actions", action)
