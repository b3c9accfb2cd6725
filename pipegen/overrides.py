"""`overrides:`: dotted paths into the compiled template, applied last, before linting."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pipegen import cfn
from pipegen.errors import SpecError, diag

if TYPE_CHECKING:
    from pipegen.loader import Loaded


def apply(template: dict[str, Any], overrides: dict[str, Any], loaded: Loaded) -> None:
    problems = []
    for dotted, value in overrides.items():
        node: Any = template
        parts = dotted.split(".")
        if len(parts) == 1 and not isinstance(value, dict):
            # A whole section (Resources, Outputs...) replaced by a scalar or list would
            # leave no template; sections are mappings.
            problems.append(diag(
                "PG402", f"override '{dotted}' replaces a whole template section with a "
                "value that is not a mapping", loaded.key_span(("overrides", dotted)),
                ("overrides", dotted), f"override a path inside it, e.g. {dotted}.NAME"))
            continue
        walked = []
        for part in parts[:-1]:
            node = _step(node, part)
            if node is None:
                problems.append(diag(
                    "PG402", f"override path '{dotted}': '{'.'.join(walked + [part])}' does "
                    "not exist in the compiled template", loaded.key_span(("overrides", dotted)),
                    ("overrides", dotted), "every segment but the last must exist; compile "
                    "without the override and look at the template"))
                break
            walked.append(part)
        else:
            last = parts[-1]
            if isinstance(node, list):
                if not last.isdigit() or int(last) > len(node):
                    problems.append(diag(
                        "PG402", f"override path '{dotted}': index {last} is out of range "
                        f"(the list has {len(node)} items)",
                        loaded.key_span(("overrides", dotted)), ("overrides", dotted)))
                    continue
                i = int(last)
                if i == len(node):
                    node.append(cfn.plain(value))
                else:
                    node[i] = cfn.plain(value)
            elif isinstance(node, dict):
                node[last] = cfn.plain(value)
            else:
                problems.append(diag(
                    "PG402", f"override path '{dotted}': '{'.'.join(walked)}' is a value, not "
                    "a mapping or list", loaded.key_span(("overrides", dotted)),
                    ("overrides", dotted)))
    if problems:
        raise SpecError(problems)


def _step(node: Any, part: str) -> Any:
    if isinstance(node, dict):
        return node.get(part)
    if isinstance(node, list) and part.isdigit() and int(part) < len(node):
        return node[int(part)]
    return None
