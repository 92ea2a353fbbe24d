"""Model replies are data we do not trust: find the JSON in them leniently, validate it against the reply's
shape (a pydantic model, whose JSON schema is also what the server is asked to follow), and ask again with
the problem spelled out when it is unusable."""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel, ValidationError

from .. import events
from ..errors import BadReply, ContextOverflow

if TYPE_CHECKING:
    from ..settings import Use
    from .client import LLMClient

M = TypeVar("M", bound=BaseModel)
MAX_PROBLEMS = 3  # validation errors spelled out to the model
_NOT_SCHEMA = ("title", "description", "default")  # pydantic's annotations: noise for a model and a grammar

_THINK_BLOCK = re.compile(r"<think>.*?</think>", re.DOTALL)
_FENCE = re.compile(r"```[ \t]*([A-Za-z0-9_+-]*)[^\n]*\n?(.*?)(?:```|\Z)", re.DOTALL)
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_TRAILING_COMMA = re.compile(r",(\s*[}\]])")
_PY_LITERALS = {"True": "true", "False": "false", "None": "null"}
_PY_WORD = re.compile(r"\b(True|False|None)\b")
_CLOSERS = {"{": "}", "[": "]"}
_OPENER = re.compile(r"[\[{]")
MAX_CANDIDATES = 50


def strip_reasoning(text: str) -> str:
    """The text without any <think> block (closed, template-opened, or never closed)."""
    text = _THINK_BLOCK.sub("", text)
    if "</think>" in text:  # the block was opened by the template: what precedes the tag is reasoning
        text = text.rsplit("</think>", 1)[1]
    if "<think>" in text:  # a block that never closed is reasoning to the end
        text = text.split("<think>", 1)[0]
    return text


def _fenced(text: str) -> str | None:
    """The body of the ```json fence, or of the first fence that holds an object or array."""
    fallback = None
    for match in _FENCE.finditer(text):
        lang, body = match.group(1).lower(), match.group(2)
        if lang == "json":
            return body
        if fallback is None and body.lstrip()[:1] in ("{", "["):
            fallback = body
    return fallback


def _balanced_end(text: str, start: int) -> int | None:
    """Index after the bracket that closes the one at `start`; -1 on a mismatch; None if it never closes."""
    expected: list[str] = []
    in_string = escaped = False
    for index in range(start, len(text)):
        char = text[index]
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in _CLOSERS:
            expected.append(_CLOSERS[char])
        elif char in "}]":
            if not expected or expected.pop() != char:
                return -1
            if not expected:
                return index + 1
    return None


def _outside_strings(text: str, fix: Callable[[str], str]) -> str:
    out, last = [], 0
    for match in _STRING.finditer(text):
        out.append(fix(text[last : match.start()]))
        out.append(match.group(0))
        last = match.end()
    out.append(fix(text[last:]))
    return "".join(out)


def _repair(text: str) -> str:
    """Remove trailing commas and turn Python's True/False/None into JSON, leaving strings alone."""

    def fix(segment: str) -> str:
        segment = _TRAILING_COMMA.sub(r"\1", segment)
        return _PY_WORD.sub(lambda m: _PY_LITERALS[m.group(1)], segment)

    return _outside_strings(text, fix)


def _loads(candidate: str) -> Any:
    try:
        return json.loads(candidate, strict=False)
    except json.JSONDecodeError as first:
        try:
            return json.loads(_repair(candidate), strict=False)
        except json.JSONDecodeError:
            raise BadReply(f"{first.msg} at line {first.lineno} column {first.colno}") from None


def extract_json(text: str) -> Any:
    """The first JSON object or array in a model's reply, parsed. Raises BadReply saying what is wrong."""
    text = strip_reasoning(text or "")
    if not text.strip():
        raise BadReply("the reply is empty")
    fenced = _fenced(text)
    if fenced is not None and fenced.strip():
        text = fenced
    first_error: BadReply | None = None
    position, tried = 0, 0
    while tried < MAX_CANDIDATES:
        match = _OPENER.search(text, position)
        if match is None:
            break
        tried += 1
        start = match.start()
        end = _balanced_end(text, start)
        if end is None:
            # Later brackets lie inside this unfinished value; parsing one would return a fragment.
            raise first_error or BadReply("JSON ends early")
        if end < 0:
            first_error = first_error or BadReply("brackets do not match")
            position = start + 1
            continue
        try:
            return _loads(text[start:end])
        except BadReply as err:
            first_error = first_error or err
            position = end
    raise first_error or BadReply("no JSON object found")


def whole_items(text: str) -> Any | None:
    """The JSON value a reply cut off at the length limit began, closed after its last whole item:
    `{"sections": [{...}, {...}, {"ti` gives `{"sections": [{...}, {...}]}`, and `{"a": [1, 2], "b": [{"li`
    gives `{"a": [1, 2]}`; None where nothing before the cut is whole. An item is whole when a list
    goes on after it, or, of the outermost object, a member does."""
    text = strip_reasoning(text or "")
    fenced = _fenced(text)
    if fenced is not None and fenced.strip():
        text = fenced
    match = _OPENER.search(text)
    if match is None:
        return None
    start = match.start()
    expected: list[str] = []
    cuts: list[tuple[int, str]] = []  # where a whole item ends, and what closes the value there
    in_string = escaped = False
    for index in range(start, len(text)):
        char = text[index]
        if in_string:
            escaped, in_string = (False, True) if escaped else (char == "\\", char != '"')
            continue
        if char == '"':
            in_string = True
        elif char in _CLOSERS:
            expected.append(_CLOSERS[char])
        elif char in "}]":
            if not expected or expected.pop() != char or not expected:
                return None  # brackets that do not match, or a value that is whole: not a cut one
            if expected[-1] == "]":
                cuts.append((index + 1, "".join(reversed(expected))))
        elif char == "," and (expected[-1] == "]" or len(expected) == 1):
            cuts.append((index, "".join(reversed(expected))))
    for end, closers in reversed(cuts):
        try:
            return _loads(text[start:end] + closers)
        except BadReply:
            continue
    return None


def _inline(node: Any, defs: Mapping[str, Any]) -> Any:
    if isinstance(node, list):
        return [_inline(item, defs) for item in node]
    if not isinstance(node, dict):
        return node
    if isinstance(node.get("$ref"), str):
        return _inline(defs[node["$ref"].rsplit("/", 1)[-1]], defs)
    return {
        key: _inline(value, defs)
        for key, value in node.items()
        if key != "$defs" and not (key in _NOT_SCHEMA and not isinstance(value, dict))
    }


@functools.cache
def reply_schema(shape: type[BaseModel]) -> dict[str, Any]:
    """The JSON schema of a reply shape, self-contained (no $ref) and plain: only types and bounds."""
    schema = shape.model_json_schema(mode="serialization")
    result: dict[str, Any] = _inline(schema, schema.get("$defs", {}))
    return result


def _where(loc: tuple[int | str, ...]) -> str:
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path or "the reply"


def problems(err: ValidationError) -> str:
    """A validation error as the model should read it: `sections[2].page: page 9 is outside pages 1-5`."""
    found = err.errors(include_url=False)
    parts = [f"{_where(e['loc'])}: {e['msg'].removeprefix('Value error, ')}" for e in found[:MAX_PROBLEMS]]
    if len(found) > MAX_PROBLEMS:
        parts.append(f"and {len(found) - MAX_PROBLEMS} more")
    return "; ".join(parts)


def _feedback(reason: str, schema: dict[str, Any] | None) -> str:
    lines = [f"That answer could not be used: {reason}."]
    lines.append(
        "Answer again with nothing but one JSON value: no explanation before or after it, no code fence, "
        "double quotes around every key and string, no trailing commas."
    )
    if schema:
        lines.append("It must match this JSON schema:\n" + json.dumps(schema, ensure_ascii=False))
    return "\n".join(lines)


async def ask_json(
    client: LLMClient,
    messages: list[dict[str, Any]],
    *,
    doc: str,
    purpose: str,
    shape: type[M],
    context: Mapping[str, Any] | None = None,
    attempts: int = 3,
    max_tokens: int | None = None,
    use: Use = "structure",
) -> M | None:
    """Ask for JSON of `shape`, validate it, and ask again with the error shown to the model; None when all
    tries fail, or when an unusable reply ran to the length limit (it is not asked again). A reply cut
    at the limit in the middle of a list gives the list's whole items, if they make a valid reply.

    `context` reaches the shape's validators (the pages shown, the lines numbered). Server errors
    (ContextOverflow, ServerUnavailable, ServerRefused) propagate.
    """
    schema = reply_schema(shape)
    conversation = list(messages)
    reason = ""
    tried = 0
    for attempt in range(1, max(1, attempts) + 1):
        label = purpose if attempt == 1 else f"{purpose} (try {attempt})"
        try:
            reply = await client.chat(
                conversation, doc=doc, purpose=label, schema=schema, max_tokens=max_tokens, use=use
            )
        except ContextOverflow:
            if attempt == 1:
                raise  # the caller can split its input
            reason += " (and the retry with the error shown no longer fits the context)"
            break
        tried = attempt
        try:
            return shape.model_validate(extract_json(reply.text), context=context)
        except BadReply as err:
            reason = str(err)
        except ValidationError as err:
            reason = problems(err)
        except (ValueError, TypeError, KeyError) as err:
            reason = str(err) or type(err).__name__
        truncated = reply.finish_reason == "length"
        if truncated and (cut := _whole_part(reply.text, shape, context)) is not None:
            # a list cut short by the limit: its whole items are an answer, checked as any other, and
            # another try, paid for with the whole prompt again, would be cut again
            sink = getattr(client, "sink", events.ignore)
            sink(
                events.WarningEvent(
                    doc, f"{purpose}: the reply was cut at the length limit; its whole items used"
                )
            )
            return cut
        if truncated:
            # a reply that ran to the limit rambles (a heading check's or a yes/no's limit is sized
            # for the whole answer, the settings' for any), and another try, paid for with the prompt
            # and the rambling again, under the same limit, rambles again
            reason += " (cut off at the length limit: not asked again)"
            break
        conversation = [
            *conversation,
            {"role": "assistant", "content": reply.text},
            {"role": "user", "content": _feedback(reason, schema)},
        ]
    sink = getattr(client, "sink", events.ignore)
    sink(events.WarningEvent(doc, f"{purpose}: model reply unusable after {_tries(tried)}: {reason}"))
    return None


def _whole_part(text: str, shape: type[M], context: Mapping[str, Any] | None) -> M | None:
    """A cut reply's whole items (`whole_items`) as `shape`, when they make one."""
    value = whole_items(text)
    if value is None:
        return None
    try:
        return shape.model_validate(value, context=context)
    except (ValidationError, ValueError, TypeError, KeyError):
        return None


def _tries(count: int) -> str:
    return "1 try" if count == 1 else f"{count} tries"
