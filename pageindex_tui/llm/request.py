"""The body of one chat completion request, and the optional fields a server may refuse.

Every call says what it is for (`Use`): whether it thinks follows `Settings.thinks(use)`, and with it
the sampling (Qwen3's guidance differs with thinking on and off) and the reasoning bounds:

- `chat_template_kwargs.enable_thinking`: Qwen3's switch (vLLM and llama.cpp both read it);
- `thinking_token_budget`: vLLM's bound on reasoning tokens (it has effect only when the server was
  started with `--reasoning-config`; without it, vLLM ignores the field);
- `reasoning_effort`: for models that take it (`none` ... `max`);
- `top_k`, `min_p`: Qwen3's sampling, which OpenAI's own API does not take.

A server that refuses one of these (a 400 naming it) gets the request again without it, once; the
client remembers the refusal (`OptionalFields.drop`) and warns, so later calls never send it again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import openai

from ..settings import Settings, Use, sampling_for
from .errors import overflow_from, server_message

OPTIONAL = ("thinking_token_budget", "reasoning_effort", "chat_template_kwargs", "top_k", "min_p")


@dataclass(frozen=True)
class CallShape:
    """What one call asks of the server, apart from its messages."""

    use: Use
    thinking: bool
    sampling: dict[str, float]
    reasoning_budget: int  # 0: unbounded
    reasoning_effort: str  # "": not sent

    @classmethod
    def of(cls, settings: Settings, use: Use) -> CallShape:
        thinking = settings.thinks(use)
        return cls(
            use,
            thinking,
            sampling_for(settings, thinking),
            settings.thinking_budget if thinking else 0,
            settings.reasoning_effort if thinking else "",
        )

    def cache_fields(self) -> dict[str, Any]:
        """What of the shape changes the reply (for the response cache's key)."""
        out: dict[str, Any] = {"sampling": self.sampling, "thinking": self.thinking}
        if self.reasoning_budget:
            out["thinking_token_budget"] = self.reasoning_budget
        if self.reasoning_effort:
            out["reasoning_effort"] = self.reasoning_effort
        return out


@dataclass
class OptionalFields:
    """The optional request fields this server refused; they are never sent to it again."""

    dropped: set[str] = field(default_factory=set)

    def extra_body(self, shape: CallShape) -> dict[str, Any]:
        extra: dict[str, Any] = {
            "top_k": shape.sampling["top_k"],
            "min_p": shape.sampling["min_p"],
            "chat_template_kwargs": {"enable_thinking": shape.thinking},
        }
        if shape.reasoning_budget:
            extra["thinking_token_budget"] = shape.reasoning_budget
        if shape.reasoning_effort:
            extra["reasoning_effort"] = shape.reasoning_effort
        return {name: value for name, value in extra.items() if name not in self.dropped}

    def refused(self, err: BaseException, sent: dict[str, Any]) -> str | None:
        """The optional field `err` refuses, if it names one that was sent and not dropped before; it is
        dropped from now on. None for any other error (a prompt too long is never a refused field)."""
        if not isinstance(err, (openai.BadRequestError, openai.UnprocessableEntityError)):
            return None
        if overflow_from(err, purpose="") is not None:
            return None
        words = f"{server_message(err)} {err.param or ''} {err.message or ''}"
        for name in OPTIONAL:
            if name in sent and name not in self.dropped and re.search(rf"\b{name}\b", words):
                self.dropped.add(name)
                return name
        return None


def request_kwargs(
    model: str,
    messages: list[dict[str, Any]],
    budget: int,
    shape: CallShape,
    fields: OptionalFields,
    schema: dict[str, Any] | None,
) -> dict[str, Any]:
    """The keyword arguments of `chat.completions.create` for one streamed call."""
    kwargs: dict[str, Any] = dict(model=model, messages=messages, max_tokens=budget)
    kwargs |= dict(stream=True, stream_options={"include_usage": True}, extra_body=fields.extra_body(shape))
    kwargs |= dict(temperature=shape.sampling["temperature"], top_p=shape.sampling["top_p"])
    if schema is not None:  # never vLLM's removed guided_json: it is silently ignored
        kwargs["response_format"] = {
            "type": "json_schema",
            "json_schema": {"name": "reply", "schema": schema},
        }
    return kwargs
