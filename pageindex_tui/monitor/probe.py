"""A probe of a model server: does it answer at all (`probe_completion`)? (What it serves, asked the way
the LLM client asks, is `llm/connect.py`'s `connect_once`.)

`probe_completion` is a one-token chat completion with a deadline, for `doctor`: a server can report
healthy while its completions hang (a stuck engine, a queue that never drains, a binary that dies on its first
matrix product). It is streamed, so the time to the first token is measured apart from the whole reply.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass
from typing import Any

import httpx

PROBE_PROMPT = "Reply with the single word: ready"


@dataclass(frozen=True)
class CompletionProbe:
    ok: bool
    seconds: float  # until the reply ended, or until it was given up
    first_token: float | None = None  # seconds until the first streamed token
    reason: str = ""  # why it failed ("" when ok)


async def probe_completion(
    endpoint: str,
    model: str,
    *,
    api_key: str = "",
    deadline: float = 20.0,
    content: str | list[dict[str, Any]] = PROBE_PROMPT,
) -> CompletionProbe:
    """POST one streamed, one-token chat completion to `endpoint` (an OpenAI-style base URL), its user
    message `content` (text, or a list of parts such as an image). Never raises."""
    body = {
        "model": model,
        "messages": [{"role": "user", "content": content}],
        "max_tokens": 1,
        "temperature": 0,
        "stream": True,
    }
    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    started = time.monotonic()
    first: list[float] = []

    async def run() -> str:
        async with (
            httpx.AsyncClient(timeout=deadline) as client,
            client.stream(
                "POST", f"{endpoint.rstrip('/')}/chat/completions", json=body, headers=headers
            ) as reply,
        ):
            if reply.status_code != 200:
                text = (await reply.aread()).decode(errors="replace")
                return f"answered HTTP {reply.status_code}: {_error_text(text)}"
            async for line in reply.aiter_lines():
                if not line.startswith("data:"):
                    continue
                data = line[5:].strip()
                if data == "[DONE]":
                    return "" if first else "ended its stream without a token"
                try:
                    chunk = json.loads(data)
                except ValueError:
                    return f"streamed a line that is not JSON: {data[:80]!r}"
                if isinstance(chunk, dict) and "error" in chunk:
                    return f"streamed an error: {_error_text(data)}"
                if not first and _has_token(chunk):
                    first.append(time.monotonic() - started)
            return "" if first else "closed the stream without a token"

    try:
        reason = await asyncio.wait_for(run(), timeout=deadline)
    except asyncio.TimeoutError:
        reason = f"did not finish a one-token reply within {deadline:g} s"
    except httpx.HTTPError as err:
        reason = f"failed: {type(err).__name__}: {err}".rstrip(": ")
    return CompletionProbe(
        ok=not reason,
        seconds=time.monotonic() - started,
        first_token=first[0] if first else None,
        reason=reason,
    )


def _has_token(chunk: object) -> bool:
    if not isinstance(chunk, dict):
        return False
    for choice in chunk.get("choices") or ():
        delta = choice.get("delta") or {} if isinstance(choice, dict) else {}
        if any(delta.get(field) for field in ("content", "reasoning_content", "reasoning")):
            return True
        if isinstance(choice, dict) and choice.get("finish_reason"):
            return True
    return False


def _error_text(text: str) -> str:
    try:
        data = json.loads(text)
    except ValueError:
        return text.strip()[:200] or "(empty body)"
    error = data.get("error") if isinstance(data, dict) else None
    if isinstance(error, dict) and error.get("message"):
        return str(error["message"])[:200]
    return text.strip()[:200]
