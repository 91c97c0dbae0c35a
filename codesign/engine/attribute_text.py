"""Study attributes as one line of text: the dashboard shows a study's attributes as text, not
JSON, so what the search records for people and for later commands (why a run stopped, the
hypervolume's cost scales) is written `key=value; key=value` and read back here."""

from __future__ import annotations

from typing import Any


def attribute_line(values: dict[str, Any]) -> str:
    """A study attribute as one line of text (the dashboard shows study attributes as text,
    not JSON): `key=value; key=value`, values without `;`."""
    return "; ".join(f"{key}={value}" for key, value in values.items())


def parse_attribute_line(text: Any) -> dict[str, str]:
    """The mapping `attribute_line` wrote (empty for anything else)."""
    if not isinstance(text, str):
        return {}
    pairs = (part.split("=", 1) for part in text.split("; ") if "=" in part)
    return {key: value for key, value in pairs}
