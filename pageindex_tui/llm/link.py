"""The LLM client's link to the server: its pooled connections (the openai SDK's) and the plain requests
beside the calls: what the server serves (`discover`: /models, /props, a /tokenize probe), token counts
(`tokenize`), and whether it answers at all (`away`, the outage gate's probe).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import openai

from ..discovery import LLAMACPP, VLLM, choose_model, kind_of, llamacpp_props, model_cards, root_url
from ..errors import ServerRefused
from ..safe_text import redact_url
from ..settings import Settings
from .errors import HINT_MODEL, Incomplete, classify
from .outage import AWAY_STATUSES, PROBE_SECONDS
from .types import ServerInfo, sample

PROBE_TIMEOUT = 10.0  # seconds for /models, /props and the tokenize probe


class ServerLink:
    """The connections to `settings.endpoint`; `api` is the SDK client the calls are sent with."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.endpoint = redact_url(settings.endpoint)  # the URL that messages show
        self.api = self._open()  # the pool new requests take their connections from
        self._in_use: dict[openai.AsyncOpenAI, int] = {}  # pool -> its requests in flight

    def _open(self) -> openai.AsyncOpenAI:
        timeout = self.settings.request_timeout
        return openai.AsyncOpenAI(
            base_url=self.settings.endpoint,
            api_key=self.settings.api_key or "EMPTY",
            max_retries=0,
            timeout=openai.Timeout(timeout, connect=min(PROBE_TIMEOUT, timeout)),
        )

    @asynccontextmanager
    async def _held(self) -> AsyncIterator[openai.AsyncOpenAI]:
        """The pool for one request, until its reply has been read: a pool set aside meanwhile (`renew`,
        `calling`) is closed when its last request ends, never under one."""
        api = self.api
        self._in_use[api] = self._in_use.get(api, 0) + 1
        try:
            yield api
        finally:
            self._in_use[api] -= 1
            if not self._in_use[api]:
                del self._in_use[api]
                if api is not self.api:
                    await api.close()

    @asynccontextmanager
    async def calling(self) -> AsyncIterator[openai.AsyncOpenAI]:
        """The pool for one call. When the call's connection broke (refused, reset, closed without a reply
        or before the stream's end; a timeout is not that), the pool it came from may hold more
        connections to a server process that went away, even when a new one answers by the time the gate
        looks (a restart quicker than its probe): the pool is set aside and the requests after start on
        new connections, the retry of this call included."""
        async with self._held() as api:
            try:
                yield api
            except (openai.APIConnectionError, Incomplete) as err:
                if api is self.api and not isinstance(err, openai.APITimeoutError):
                    self.api = self._open()
                raise

    async def renew(self) -> None:
        """The server is back after an outage: the pooled connections were to the process that went away
        (a restarted one has none of them), so the requests start on new ones."""
        old, self.api = self.api, self._open()
        if old not in self._in_use:
            await old.close()

    async def aclose(self) -> None:
        for api in {self.api, *self._in_use}:
            await api.close()

    async def get_json(self, url: str, timeout: float = PROBE_TIMEOUT) -> Any:
        async with self._held() as api:
            return await api.get(url, cast_to=object, options={"timeout": timeout})

    async def away(self) -> str:
        """Why the server is away ("" when /models answers and its /health, where it has one, does not
        fail: llama.cpp serves /models while it still loads the model), for the gate."""
        s = self.settings
        wait = min(PROBE_SECONDS, s.request_timeout)
        health = root_url(s.endpoint) + "/health"
        for url, name in (("/models", "/models"), (health, "/health")):
            try:
                async with self._held() as api:
                    await api.get(url, cast_to=httpx.Response, options={"timeout": wait})
            except openai.APIStatusError as err:
                if err.status_code in AWAY_STATUSES:
                    return f"its {name} answered {err.status_code}"
            except openai.OpenAIError as err:  # no status: the model named plays no part in the message
                failure = classify(
                    err, endpoint=self.endpoint, model=s.model, timeout=s.request_timeout, purpose="probe"
                )
                return failure.error.message
        return ""

    async def tokenize(self, model: str, text: str, timeout: float = PROBE_TIMEOUT) -> int | None:
        """Token count from the server's /tokenize (vLLM reads model+prompt, llama.cpp reads content)."""
        url = root_url(self.settings.endpoint) + "/tokenize"  # the real URL, never shown
        body = {"model": model, "prompt": text, "content": text}
        try:
            async with self._held() as api:
                data = await api.post(url, cast_to=object, body=body, options={"timeout": timeout})
        except openai.OpenAIError:
            return None
        count = data.get("count") if isinstance(data, dict) else None
        if isinstance(count, int):
            return count
        if isinstance(data, dict) and isinstance(data.get("tokens"), list):
            return len(data["tokens"])
        return None

    async def discover(self) -> tuple[ServerInfo, int]:
        """What the server serves and how long its context is, and how many calls it runs at once (0: it
        does not say); raise when it cannot be used."""
        s, endpoint = self.settings, self.endpoint
        try:
            listing = await self.get_json("/models", min(PROBE_TIMEOUT, s.request_timeout))
        except openai.OpenAIError as err:
            wait = min(PROBE_TIMEOUT, s.request_timeout)
            failure = classify(err, endpoint=endpoint, model=s.model, timeout=wait, purpose="connect")
            raise failure.error from None
        cards = model_cards(listing)
        if cards is None:
            raise ServerRefused(
                f"{endpoint}/models did not answer JSON with a model list; it sent {sample(listing)}",
                hint="is the endpoint an OpenAI-compatible server's /v1 URL (and not a web page or proxy)?",
            )
        ids = list(dict.fromkeys(card.id for card in cards))
        if not ids:
            raise ServerRefused(f"the server at {endpoint} serves no models", hint="check the server's log")
        if s.model and s.model not in ids:
            raise ServerRefused(
                f"model {s.model!r} is not served at {endpoint}; it serves {', '.join(ids)}", HINT_MODEL
            )
        kind, llama = kind_of(cards), None
        if kind != VLLM:
            try:
                llama = llamacpp_props(await self.get_json(root_url(s.endpoint) + "/props"))
            except openai.OpenAIError:
                llama = None
            if llama is not None:
                kind = LLAMACPP
        choice = choose_model(cards, llama, s.model, s.context_length)
        probe = await self.tokenize(choice.model, "hello world")
        info = ServerInfo(
            endpoint, ids, choice.model, choice.context_length, choice.context_source, kind, probe is not None
        )
        return info, (llama.slots if llama is not None else 0)
