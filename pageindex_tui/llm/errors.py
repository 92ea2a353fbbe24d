"""Turning the openai SDK's exceptions into ours: what happened, whether to try again, what the user can do.

Only openai's exception classes are caught here: openai 3.x runs on httpx2 and wraps every transport error
in `APIConnectionError`/`APITimeoutError`, so httpx's own classes never reach us.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import openai

from ..errors import ContextOverflow, LLMError, ServerRefused, ServerUnavailable

HINT_START = (
    "is the server running? start `vllm serve ...`, or `pageindex-tui --local` for the built-in model"
)
HINT_KEY = "set api_key (or OPENAI_API_KEY) to the key the server was started with (--api-key)"
HINT_MODEL = "set model to one of the served ids, or leave it empty to use the first"
HINT_OVERFLOW = (
    "start the server with a longer context (vLLM --max-model-len, llama.cpp -c) or lower max_tokens_per_node"
)

# A 400 that refuses structured output (rather than the prompt) mentions one of these.
_STRUCTURED_REFUSAL = re.compile(r"response_format|json_schema|grammar|schema|structured", re.IGNORECASE)
OVERFLOW_PARAMS = {"input_tokens", "input_text", "max_tokens", "max_completion_tokens"}
_OVERFLOW_TEXT = re.compile(r"context length|maximum context|context size|context window", re.IGNORECASE)
_LIMIT = [
    re.compile(p, re.IGNORECASE)
    for p in (
        r"maximum context length is (\d+)",
        r"context length is only (\d+)",
        r"available context size \((\d+)",
        r"max_model_len\s*=?\s*(\d+)",
    )
]
_PROMPT = [
    re.compile(p, re.IGNORECASE)
    for p in (
        r"prompt contains at least (\d+)",
        r"request has (\d+) input tokens",
        r"\((\d+) in the messages",
        r"you passed (\d+) input tokens",
        r"request \((\d+) tokens\)",
        r"parameter=input_tokens, value=(\d+)",
    )
]


class Incomplete(Exception):
    """The stream ended without a finish reason: the connection dropped mid-reply."""


class Malformed(Exception):
    """The reply stream held bytes that are not UTF-8, or a `data:` line that is not JSON."""


class NotStreamed(Exception):
    """A streamed request got a reply that is not an event stream (a proxy or server without streaming)."""

    def __init__(self, content_type: str) -> None:
        super().__init__(content_type)
        self.content_type = content_type


class PastDeadline(Exception):
    """The server kept sending, but the whole reply took longer than the request's deadline."""

    def __init__(self, deadline: float) -> None:
        super().__init__(deadline)
        self.deadline = deadline


@dataclass(frozen=True)
class Failure:
    error: LLMError
    retryable: bool
    retry_after: float | None = None  # seconds the server asked us to wait


def server_message(err: openai.APIError) -> str:
    """The server's own words, without the SDK's "Error code: 400 - " prefix."""
    body = err.body
    if isinstance(body, dict):
        for key in ("message", "detail", "error"):
            value = body.get(key)
            if isinstance(value, str) and value:
                return value
    if isinstance(body, str) and body.strip():
        return body.strip()[:500]
    return re.sub(r"^Error code: \d+ - ", "", err.message or type(err).__name__)


def _connection_problem(err: BaseException, endpoint: str) -> str:
    cause = err.__cause__ or err.__context__
    text = str(cause) if cause else ""
    if type(cause).__name__ == "ConnectError":
        refused = "connection attempts failed" in text or "refused" in text.lower()
        return f"cannot reach the model server at {endpoint} ({'connection refused' if refused else text})"
    return f"the connection to the model server at {endpoint} failed ({text or type(cause or err).__name__})"


def _first_int(patterns: list[re.Pattern[str]], text: str) -> int:
    for pattern in patterns:
        match = pattern.search(text)
        if match:
            return int(match.group(1))
    return 0


def _retry_after(err: openai.APIStatusError) -> float | None:
    value = err.response.headers.get("retry-after") if err.response is not None else None
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None  # an HTTP date: use our own backoff


def overflow_from(err: openai.APIStatusError, *, purpose: str) -> ContextOverflow | None:
    """ContextOverflow when a 400 says the prompt does not fit (vLLM's wordings, llama.cpp's error type)."""
    if err.status_code not in (400, 413):
        return None
    message = server_message(err)
    body: dict[str, Any] = err.body if isinstance(err.body, dict) else {}
    if not (
        body.get("type") == "exceed_context_size_error"
        or err.param in OVERFLOW_PARAMS
        or _OVERFLOW_TEXT.search(message)
    ):
        return None
    n_ctx, n_prompt = body.get("n_ctx"), body.get("n_prompt_tokens")
    limit = n_ctx if isinstance(n_ctx, int) else _first_int(_LIMIT, message)
    prompt = n_prompt if isinstance(n_prompt, int) else _first_int(_PROMPT, message)
    sizes = f" ({prompt} prompt tokens, context {limit})" if prompt and limit else ""
    return ContextOverflow(
        f"{purpose}: the prompt does not fit the model's context{sizes}; the server said: {message}",
        hint=HINT_OVERFLOW,
        prompt_tokens=prompt,
        limit=limit,
    )


def refuses_structured(err: BaseException) -> bool:
    """A 400 (or 422) that refuses the response_format rather than the prompt's length."""
    return (
        isinstance(err, (openai.BadRequestError, openai.UnprocessableEntityError))
        and overflow_from(err, purpose="") is None
        and bool(_STRUCTURED_REFUSAL.search(server_message(err)))
    )


def reply_room(error: Exception) -> int:
    """Reply tokens that fit by a server's ContextOverflow report (minus a margin); 0 when it did not say."""
    if isinstance(error, ContextOverflow) and error.limit and error.prompt_tokens:
        return error.limit - error.prompt_tokens - 8
    return 0


def classify(err: BaseException, *, endpoint: str, model: str, timeout: float, purpose: str) -> Failure:
    """What an SDK exception means for us, and whether the request is worth sending again."""
    if isinstance(err, Malformed):
        return Failure(
            ServerUnavailable(
                f"the model server at {endpoint} sent a garbled reply stream ({err})",
                hint="check the server's log, and any proxy between it and here",
            ),
            retryable=True,
        )
    if isinstance(err, NotStreamed):
        return Failure(
            ServerRefused(
                f"the model server at {endpoint} answered a streaming request with a non-streamed reply "
                f"({err.content_type or 'no content type'})",
                hint="the server, or a proxy in front of it, must support stream: true (server-sent events)",
            ),
            retryable=False,
        )
    if isinstance(err, PastDeadline):
        return Failure(
            ServerUnavailable(
                f"the model server at {endpoint} was still replying when the {err.deadline:g} s deadline "
                "for one request passed",
                hint="the server is slow or never stops: raise --deadline, or lower max_output_tokens",
            ),
            retryable=True,
        )
    if isinstance(err, Incomplete):
        return Failure(
            ServerUnavailable(
                f"the model server at {endpoint} closed the reply stream before it was complete",
                hint="check the server's log",
            ),
            retryable=True,
        )
    if isinstance(err, openai.APITimeoutError):
        return Failure(
            ServerUnavailable(
                f"the model server at {endpoint} timed out after {timeout:g} s without sending anything",
                hint="the server may be overloaded: raise request_timeout or lower concurrency",
            ),
            retryable=True,
        )
    if isinstance(err, openai.APIConnectionError):
        return Failure(
            ServerUnavailable(_connection_problem(err, endpoint), hint=HINT_START),
            retryable=True,
        )
    if isinstance(err, openai.APIStatusError):
        status, message = err.status_code, server_message(err)
        if status == 429:
            return Failure(
                ServerUnavailable(
                    f"the model server at {endpoint} is too busy (429: {message})", hint="lower concurrency"
                ),
                retryable=True,
                retry_after=_retry_after(err),
            )
        if status >= 500:
            return Failure(
                ServerUnavailable(
                    f"the model server at {endpoint} failed ({status}: {message})",
                    hint="check the server's log",
                ),
                retryable=True,
                retry_after=_retry_after(err),
            )
        overflow = overflow_from(err, purpose=purpose)
        if overflow is not None:
            return Failure(overflow, retryable=False)
        if status in (401, 403):
            return Failure(
                ServerRefused(
                    f"the model server at {endpoint} refused the API key ({status}: {message})", HINT_KEY
                ),
                retryable=False,
            )
        if status == 404 and (err.param == "model" or "does not exist" in message.lower()):
            return Failure(
                ServerRefused(f"model {model!r} is not served at {endpoint}: {message}", HINT_MODEL),
                retryable=False,
            )
        if status == 404:
            return Failure(
                ServerRefused(
                    f"{endpoint} has no such route (404: {message})", hint="the endpoint should end in /v1"
                ),
                retryable=False,
            )
        return Failure(
            ServerRefused(f"the model server at {endpoint} refused the request ({status}: {message})"),
            retryable=False,
        )
    if isinstance(err, openai.APIError):  # an error sent inside a stream that had already started
        return Failure(
            ServerUnavailable(
                f"the model server at {endpoint} failed while replying: {server_message(err)}",
                hint="check the server's log",
            ),
            retryable=True,
        )
    return Failure(ServerRefused(f"the openai client failed: {err}"), retryable=False)
