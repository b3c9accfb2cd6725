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
                new = cfn.plain(value)
                if dotted == "Metadata" and isinstance(new, dict):
                    new = _keep_waivers(node.get("Metadata"), new)
                node[last] = new
            else:
                problems.append(diag(
                    "PG402", f"override path '{dotted}': '{'.'.join(walked)}' is a value, not "
                    "a mapping or list", loaded.key_span(("overrides", dotted)),
                    ("overrides", dotted)))
    if problems:
        raise SpecError(problems)


def _keep_waivers(current: Any, new: dict) -> dict:
    """A whole-`Metadata` override (an imported template's own) keeps pipegen's waivers.

    pipegen waives cfn-lint's unused-declaration rules for the declarations a spec keeps
    (PG375 says so); replacing the section must not bring the findings back.
    """
    if not isinstance(current, dict):
        return new
    out = dict(new)
    for key in ("pipegen", "cfn-lint"):
        if key in current and key not in out:
            out[key] = current[key]
    ours = ((current.get("cfn-lint") or {}).get("config") or {}).get("ignore_checks")
    theirs = ((new.get("cfn-lint") or {}).get("config") or {}).get("ignore_checks") \
        if isinstance(new.get("cfn-lint"), dict) else None
    if isinstance(ours, list) and isinstance(theirs, list):
        config = {**out["cfn-lint"].get("config", {}),
                  "ignore_checks": theirs + [r for r in ours if r not in theirs]}
        out["cfn-lint"] = {**out["cfn-lint"], "config": config}
    return out


def _step(node: Any, part: str) -> Any:
    if isinstance(node, dict):
        return node.get(part)
    if isinstance(node, list) and part.isdigit() and int(part) < len(node):
        return node[int(part)]
    return None
