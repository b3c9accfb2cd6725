"""Deterministic template bytes: sorted keys, fixed indent, one trailing newline."""

from __future__ import annotations

import json
from typing import Any


def render(template: dict[str, Any], fmt: str = "json") -> str:
    text = json.dumps(template, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    if fmt == "yaml":
        from cfn_flip import to_yaml  # only needed for YAML output

        text = to_yaml(text)
        if not text.endswith("\n"):
            text += "\n"
    return text


def extension(fmt: str) -> str:
    return ".yaml" if fmt == "yaml" else ".json"
