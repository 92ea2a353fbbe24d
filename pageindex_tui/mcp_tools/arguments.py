"""Arguments a tool call got wrong, in plain words: the SDK checks them against the tool's signature with
pydantic and would answer with pydantic's own report ("1 validation error for get_structureArguments ...
Input should be a valid integer, unable to parse string as an integer [type=int_parsing, ...]")."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from ..safe_text import literal

_WANTED = {
    "int_parsing": "a whole number",
    "int_type": "a whole number",
    "int_from_float": "a whole number",
    "float_parsing": "a number",
    "float_type": "a number",
    "string_type": "text",
    "bool_parsing": "true or false",
    "bool_type": "true or false",
    "list_type": "a list",
    "dict_type": "an object",
}
_BOUNDS = {"greater_than_equal": "at least", "greater_than": "more than", "less_than_equal": "at most"}


def _shown(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        text = value if len(value) <= 40 else value[:40] + "..."
        return f"the text {literal(text)!r}"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return literal(repr(value))[:40]


def problem(error: dict[str, Any]) -> str:
    """One argument's problem, in a sentence."""
    where = ".".join(str(part) for part in error.get("loc", ())) or "the arguments"
    kind = str(error.get("type", ""))
    if kind == "missing":
        return f"`{where}` is required"
    if kind in _WANTED:
        return f"`{where}` must be {_WANTED[kind]}, not {_shown(error.get('input'))}"
    for key, words in _BOUNDS.items():
        if kind == key:
            limit = next(iter((error.get("ctx") or {}).values()), "")
            return f"`{where}` must be {words} {limit}, not {_shown(error.get('input'))}"
    return f"`{where}`: {str(error.get('msg', 'not accepted')).lower()}"


def plain_words(tool: str, err: ValidationError) -> str:
    problems = "; ".join(problem(dict(e)) for e in err.errors())
    return f"{tool}: {problems}"
