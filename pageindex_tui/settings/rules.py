"""Settings that pass their own checks (`settings.FieldInfo` bounds) but do not work together, and the
token budget of a node summary that some of those checks rest on (index/summarize.py uses it too).

    conflicts(settings, served_context=8192)  ->  [Conflict(("max_tokens_per_node",), "...")]

Each conflict is a warning, never an error: the settings screen marks it at the field to change, and
the indexer writes it into the run record, where the log screen shows it.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import USES, Settings

PROMPT_OVERHEAD = 300  # tokens of instructions around a node's text in a summary prompt
SUMMARY_REPLY_TOKENS = 512  # a summary without thinking needs no more
THINKING_REPLY_TOKENS = 1024  # a reply that reasons first needs about this much before it answers


def summary_budget(settings: Settings, context: int) -> tuple[int, int]:
    """Tokens for a node summary's reply, and for the node's text in its prompt, in a context of `context`."""
    reply = settings.max_output_tokens
    if not settings.thinks("summary"):
        reply = min(reply, SUMMARY_REPLY_TOKENS)
    reply = min(reply, context // 4)  # a small context still leaves most of itself for the text
    return reply, max(256, context - reply - PROMPT_OVERHEAD)


def description_budget(settings: Settings, context: int) -> int:
    """Tokens for the document description's reply, in a context of `context`."""
    reply = settings.max_output_tokens if settings.thinks("summary") else min(settings.max_output_tokens, 256)
    return min(reply, context // 4)


@dataclass(frozen=True)
class Conflict:
    """Settings that each pass their own check but do not work together: a warning, never an error."""

    fields: tuple[str, ...]  # the settings involved, first the one to change
    message: str


def conflicts(settings: Settings, served_context: int = 0) -> list[Conflict]:
    """What in `settings` cannot work together. `served_context` is the served model's context length,
    used where context_length is 0 (the server's); 0 when it is not known."""
    s, out = settings, []
    context = s.context_length or served_context
    if context:
        where = f"context_length = {context}" if s.context_length else f"the served context of {context}"
        with_context = ("context_length",) if s.context_length else ()
        if s.max_output_tokens >= context:
            out.append(
                Conflict(
                    ("max_output_tokens", *with_context),
                    f"max_output_tokens = {s.max_output_tokens} is not below {where} tokens: "
                    "every reply is cut to the room its prompt leaves",
                )
            )
        room = summary_budget(s, context)[1]
        if s.if_add_node_summary and s.max_tokens_per_node > room:
            out.append(
                Conflict(
                    ("max_tokens_per_node", *with_context),
                    f"max_tokens_per_node = {s.max_tokens_per_node} does not fit {where} tokens with a "
                    f"reply: the summary of a node that large reads only its first {room} tokens",
                )
            )
    if any(s.thinks(use) for use in USES) and s.max_output_tokens < THINKING_REPLY_TOKENS:
        out.append(
            Conflict(
                ("max_output_tokens", "thinking"),
                f"max_output_tokens = {s.max_output_tokens} with thinking on: a reply that reasons first "
                f"often ends before its answer (give it {THINKING_REPLY_TOKENS} or more, or turn thinking "
                "off)",
            )
        )
    if s.request_deadline and s.request_deadline < s.request_timeout:
        out.append(
            Conflict(
                ("request_deadline", "request_timeout"),
                f"request_deadline = {s.request_deadline:g} s is shorter than request_timeout = "
                f"{s.request_timeout:g} s: a request ends at its deadline before the timeout applies",
            )
        )
    return out
