"""Stable logical ids from spec names, with clashes detected instead of silently merged."""

from __future__ import annotations

import re


def logical_id(*parts: str) -> str:
    """'build', 'unit-tests', 'Project' -> 'BuildUnitTestsProject' (alphanumeric only)."""
    out = []
    for part in parts:
        for word in re.split(r"[^A-Za-z0-9]+", part):
            if word:
                out.append(word[0].upper() + word[1:])
    ident = "".join(out)
    if not ident or not ident[0].isalpha():
        ident = "R" + ident
    return ident[:255]
