"""The spec language's documentation keeps up with the schema.

Every key the schema knows has a `description` (editors show it on hover), and the language
reference in docs/spec.md documents it. A key added without either fails here, and the
message lists every such key with where it is declared, so they can be fixed in one go.
"""

from __future__ import annotations

import re

from conftest import ROOT

from pipegen.schema import composed

REFERENCE = ROOT / "docs" / "spec.md"


def schema_keys(schema: dict) -> dict[str, dict]:
    """'where.key' -> the key's schema, for every key a spec may write.

    `where` is the root (no prefix) or a $defs name. Conditions (`if`) declare no keys, and a
    `then` that narrows a key its object already declares (the provider enum per type) is
    the same key again.
    """
    out: dict[str, dict] = {}

    def walk(node, where: str, declared: frozenset = frozenset()) -> None:
        if isinstance(node, list):
            for item in node:
                walk(item, where, declared)
            return
        if not isinstance(node, dict):
            return
        props = node.get("properties") or {}
        for key, sub in props.items():
            if key in declared:
                continue
            path = f"{where}.{key}" if where else key
            out[path] = sub
            walk(sub, path)
        for kw in ("items", "additionalProperties", "anyOf", "oneOf", "allOf", "prefixItems"):
            if kw in node:
                walk(node[kw], where + ("[]" if kw == "items" else ""),
                     declared | set(props) if kw == "allOf" else frozenset())
        for kw in ("then", "else"):
            if kw in node:
                walk(node[kw], where, declared)

    walk({k: v for k, v in schema.items() if k != "$defs"}, "")
    for name, definition in schema.get("$defs", {}).items():
        walk(definition, name)
    return out


def described(sub: dict, defs: dict) -> bool:
    if not isinstance(sub, dict):
        return False
    if sub.get("description"):
        return True
    ref = sub.get("$ref", "")
    return ref.startswith("#/$defs/") and bool(defs[ref.split("/")[-1]].get("description"))


def test_every_schema_key_has_a_description():
    schema = composed()
    keys = schema_keys(schema)
    assert len(keys) > 250  # the walk finds the language, not a fragment of it
    missing = sorted(k for k, sub in keys.items() if not described(sub, schema["$defs"]))
    assert missing == [], (
        f"{len(missing)} schema key(s) without a description (editors show it on hover; add "
        "\"description\" to the key in pipegen/schemas/: base.json for the root and $defs, "
        "actions/<provider>.json for action_actions_<provider>, sources/ for source_<name>): "
        + ", ".join(missing))


def _documented() -> set[str]:
    """Every `key` in a code span or `key:` in a YAML block of the reference."""
    text = REFERENCE.read_text("utf-8")
    spans = set(re.findall(r"`([^`\n]+)`", text))
    words = {w for s in spans for w in re.findall(r"[A-Za-z_][A-Za-z0-9_:]*", s)}
    yaml_keys = set(re.findall(r"^\s*(?:- )?([A-Za-z_][A-Za-z0-9_:]*):", text, re.MULTILINE))
    return words | yaml_keys


def test_every_schema_key_is_in_the_language_reference():
    documented = _documented()
    keys = schema_keys(composed())
    missing = sorted(k for k in keys if k.rsplit(".", 1)[-1] not in documented)
    assert missing == [], (
        f"{len(missing)} schema key(s) missing from docs/spec.md (document each where its "
        "section describes its neighbours, as `key`): " + ", ".join(missing))


def test_the_readme_links_the_reference_in_the_repository():
    readme = (ROOT / "README.md").read_text("utf-8")
    assert "(docs/spec.md)" in readme
    assert "../shared" not in readme
