"""What the LLM client hands back: the server it is connected to, and one reply."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ServerInfo:
    base_url: str  # without credentials: for showing and run records
    models: list[str]
    model: str
    context_length: int
    context_source: str  # "settings" | "server" | "fallback"
    kind: str  # "vllm" | "llamacpp" | "openai-compatible"
    has_tokenize: bool


@dataclass(frozen=True)
class Reply:
    text: str
    reasoning: str
    prompt_tokens: int
    completion_tokens: int
    reasoning_tokens: int
    ttft: float | None
    seconds: float
    finish_reason: str
    cached: bool = False


def dropped_field(field: str, error: str) -> str:
    return f"the server refused the request field {field} ({error}); it is sent without it from now on"


def sample(reply: Any) -> str:
    """A short quote of an unexpected reply, for messages."""
    text = reply if isinstance(reply, str) else repr(reply)
    text = " ".join(text.split())
    return repr(text[:60] + ("..." if len(text) > 60 else ""))
