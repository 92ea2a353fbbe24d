"""Token arithmetic: a cautious estimate when the server cannot count, and fitting a reply in the context."""

from __future__ import annotations

import math
from typing import Any

# UTF-8 bytes per token. Real tokenizers average ~4 bytes per token on English prose and fewer on code,
# numbers and non-Latin scripts; 3.2 over-counts ordinary text so that a prompt we think fits really does.
BYTES_PER_TOKEN = 3.2

# Chat-template tokens around each message (role markers, separators).
TOKENS_PER_MESSAGE = 8

# A reply needs at least this much room to be worth sending.
MIN_REPLY_TOKENS = 256


def estimate_tokens(text: str) -> int:
    """An upper-side estimate of the tokens in `text`, without a tokenizer."""
    if not text:
        return 0
    return math.ceil(len(text.encode("utf-8", errors="replace")) / BYTES_PER_TOKEN)


def fit_max_tokens(
    prompt_tokens: int, context_length: int, wanted: int, minimum: int = MIN_REPLY_TOKENS
) -> int | None:
    """How many tokens the reply may use so that prompt + reply fit the context; None when it does not fit.

    `wanted` is returned unchanged when it fits. Otherwise the room left is returned, unless that is below
    `minimum` (a reply squeezed into a few tokens is useless and costs a call).
    """
    room = context_length - prompt_tokens
    if wanted <= room:
        return max(wanted, 1) if room >= 1 else None
    if room < minimum:
        return None
    return room


def message_text(message: dict[str, Any]) -> str:
    """The text of one chat message; content given as a list of parts is joined."""
    content = message.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = []
        for part in content:
            if isinstance(part, dict) and isinstance(part.get("text"), str):
                parts.append(part["text"])
            elif isinstance(part, str):
                parts.append(part)
        return "\n".join(parts)
    return ""
