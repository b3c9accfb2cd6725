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
            # A key declared twice (a provider branch adding settings to `strategy`) is
            # described once: keep the declaration that carries the description.
            if path not in out or not (isinstance(out[path], dict)
                                       and out[path].get("description")):
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


def documented_words(text: str) -> set[str]:
    """Every `key` in a code span, and every `key:` of a YAML block, in a piece of Markdown."""
    spans = set(re.findall(r"`([^`\n]+)`", text))
    # Words keep '-' and '::' (strategy names such as `blue-green`, `Fn::GetAtt`).
    words = {w.rstrip(":-") for s in spans
             for w in re.findall(r"[A-Za-z_][A-Za-z0-9_:-]*", s)}
    yaml_keys = set(re.findall(r"^\s*(?:- )?([A-Za-z_][A-Za-z0-9_:]*):", text, re.MULTILINE))
    return words | yaml_keys


def provider_sections(text: str) -> dict[str, str]:
    """Provider name -> the text of the section whose heading names it (`### `s3` (deploy)`)."""
    out: dict[str, str] = {}
    parts = re.split(r"^(#{2,3} .*)$", text, flags=re.MULTILINE)
    for heading, body in zip(parts[1::2], parts[2::2], strict=True):
        for name in re.findall(r"`([a-z0-9-]+)`", heading):
            out[name] = out.get(name, "") + body
    return out


def fragment_providers() -> dict[str, set[str]]:
    """$defs name of a provider fragment -> the provider names that use it."""
    from pipegen import providers
    from pipegen.schema import _def_key

    out: dict[str, set[str]] = {}
    for name in providers.sources():
        out.setdefault(_def_key("source", name), set()).add(name)
    for (_, name), p in providers.actions().items():
        key = _def_key("action", p.schema.removesuffix(".json").replace("/", "_"))
        out.setdefault(key, set()).add(name)
    return out


def undocumented(schema: dict, text: str) -> list[str]:
    """Keys missing from the reference; a provider's keys must be in its own section."""
    everywhere = documented_words(text)
    sections = provider_sections(text)
    owners = fragment_providers()
    missing = []
    for path in schema_keys(schema):
        where, key = path.split(".", 1)[0], path.rsplit(".", 1)[-1]
        if where in owners:
            texts = [sections.get(name) for name in sorted(owners[where])]
            if not any(t is not None and key in documented_words(t) for t in texts):
                missing.append(f"{path} (in the section of `{'`/`'.join(sorted(owners[where]))}`)")
        elif key not in everywhere:
            missing.append(path)
    return sorted(missing)


def test_every_schema_key_is_in_the_language_reference():
    missing = undocumented(composed(), REFERENCE.read_text("utf-8"))
    assert missing == [], (
        f"{len(missing)} schema key(s) missing from docs/spec.md (document each as `key` in "
        "the section that describes its neighbours; a provider's keys go in the section whose "
        "heading names the provider, such as ### `s3` (deploy)): " + "; ".join(missing))


def test_the_checks_name_what_is_missing():
    schema = {"properties": {"pipegen": {"description": "x"}, "fresh_key": {}},
              "$defs": {"action_actions_s3_deploy": {"properties": {"bucket": {}, "new": {}}}}}
    assert sorted(k for k, v in schema_keys(schema).items() if not described(v, {})) == [
        "action_actions_s3_deploy.bucket", "action_actions_s3_deploy.new", "fresh_key"]
    text = "`pipegen` and `new`\n### `s3` (deploy)\n`bucket`\n"
    assert undocumented(schema, text) == [
        "action_actions_s3_deploy.new (in the section of `s3`)", "fresh_key"]


def test_the_readme_links_the_reference_in_the_repository():
    readme = (ROOT / "README.md").read_text("utf-8")
    assert "(docs/spec.md)" in readme
    assert "../shared" not in readme
