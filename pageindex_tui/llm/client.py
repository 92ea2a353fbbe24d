"""The engine's only way to a model: an OpenAI-compatible server (vLLM, llama.cpp, ...) via the openai SDK.

Streams every reply so front ends can show reasoning and answer as they arrive, keeps the prompt inside the
served context, bounds concurrency (llm/adaptive.py: fixed or adaptive, one queue for every document
it serves, smallest documents first), thinks per purpose (llm/request.py), retries what is worth
retrying, waits while the server is away (llm/outage.py), and replays cached replies. The connections
and the requests beside the calls (what the server serves, token counts) are its `ServerLink` (llm/link.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import random
import time
from collections import OrderedDict
from collections.abc import Callable, Coroutine
from contextlib import AbstractAsyncContextManager
from typing import TYPE_CHECKING, Any

import openai

from .. import events
from ..aio import cancel_and_wait, gather_or_cancel
from ..discovery import choose_model, positive_int
from ..errors import ContextOverflow, ServerUnavailable
from ..safe_text import redact_url
from ..settings import Settings, Use
from ..store.records import CallOutcome
from .adaptive import CallBound, ReaderFactory
from .errors import (
    HINT_OVERFLOW,
    Failure,
    Incomplete,
    Malformed,
    NotStreamed,
    PastDeadline,
    classify,
    refuses_structured,
    reply_room,
)
from .link import ServerLink
from .outage import ServerGate, may_be_away
from .reasoning import START_WINDOW, Piece, StreamReader
from .request import CallShape, OptionalFields, request_kwargs
from .scheduler import Priority
from .tokens import MIN_REPLY_TOKENS, TOKENS_PER_MESSAGE, estimate_tokens, fit_max_tokens, message_text
from .types import Reply, ServerInfo, dropped_field

if TYPE_CHECKING:
    from ..store.cache import ResponseCache

BACKOFF_BASE = 0.5
BACKOFF_CAP = 8.0
RETRY_AFTER_CAP = 30.0
MEMO_SIZE = 4096
CACHED = ("text", "reasoning", "prompt_tokens", "completion_tokens", "reasoning_tokens", "finish_reason")


class LLMClient:
    def __init__(
        self,
        settings: Settings,
        sink: events.EventSink = events.ignore,
        cache: ResponseCache | None = None,
        load_reader: ReaderFactory | None = None,  # the adaptive bound's view of the server's load
    ) -> None:
        self.settings, self.sink, self.cache = settings, sink, cache
        self.info: ServerInfo | None = None
        self.calls = self.prompt_tokens = self.completion_tokens = self.cached_calls = 0  # running totals
        self.ttfts: list[float] = []
        self._sleep = asyncio.sleep  # tests replace it so backoff costs no time
        self._random: Callable[[], float] = random.random
        self.bound = CallBound(
            settings, sink, load_reader
        )  # places for calls: one queue for every document served
        self.priorities: dict[str, Priority] = {}  # doc -> where its calls queue (scheduler.Priority)
        self.fields = OptionalFields()  # optional request fields this server refused
        self.link = ServerLink(settings)  # the connections, and the requests beside the calls
        self.gate = ServerGate(  # calls wait here while the server is away
            self.link.away,
            sink,
            endpoint=self.link.endpoint,
            wait=settings.server_wait,
            on_resume=self.link.renew,
        )
        self._connect_lock = asyncio.Lock()
        self._last_call_id = 0
        self._no_response_format = False  # the server refused structured output once
        self._memo: OrderedDict[bytes, int] = OrderedDict()

    async def __aenter__(self) -> LLMClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self.gate.aclose()
        await self.bound.aclose()
        await self.link.aclose()

    async def connect(self) -> ServerInfo:
        """Ask the server what it serves and how long its context is; raise when it cannot be used."""
        self.info, slots = await self.link.discover()
        self.bound.fit_server(slots)
        self.bound.announce()
        return self.info

    async def _place(self, doc: str) -> AbstractAsyncContextManager[None]:
        """A place under the bound, taken while the server answers: it waits at the gate first, and
        again when the server went away while it waited for the place."""
        while True:
            await self.gate.passage()
            place = self.bound.slot(self.priorities.get(doc, Priority()))
            await place.__aenter__()
            if not self.gate.paused:
                return place
            await place.__aexit__(None, None, None)

    @property
    def context_length(self) -> int:
        """The context calls get: as connecting resolved it, else as the settings alone resolve it."""
        return self.info.context_length if self.info is not None else self.settings_context(self.settings)

    @staticmethod
    def settings_context(settings: Settings) -> int:
        """The context length as the settings alone resolve it (before any server has answered)."""
        return choose_model([], None, settings.model, settings.context_length).context_length

    async def _connected(self) -> ServerInfo:
        if self.info is None:
            async with self._connect_lock:
                if self.info is None:
                    await self.connect()
        assert self.info is not None
        return self.info

    async def count_tokens(self, text: str) -> int:
        """Tokens in `text`: the server's count when it has /tokenize, else a cautious estimate."""
        if not text:
            return 0
        info = await self._connected()
        if not info.has_tokenize:
            return estimate_tokens(text)
        key = hashlib.blake2b(text.encode("utf-8", errors="replace"), digest_size=16).digest()
        if key in self._memo:
            self._memo.move_to_end(key)
            return self._memo[key]
        count = await self.link.tokenize(info.model, text, self.settings.request_timeout)
        if count is None:
            return estimate_tokens(text)
        self._memo[key] = count
        while len(self._memo) > MEMO_SIZE:
            self._memo.popitem(last=False)
        return count

    async def _prompt_tokens(self, messages: list[dict[str, Any]]) -> int:
        counts: list[int] = await gather_or_cancel(*(self.count_tokens(message_text(m)) for m in messages))
        return sum(counts) + TOKENS_PER_MESSAGE * len(messages)

    def _next_call_id(self) -> int:
        self._last_call_id += 1
        return self._last_call_id

    async def chat(
        self,
        messages: list[dict[str, Any]],
        *,
        doc: str,
        purpose: str,
        schema: dict[str, Any] | None = None,
        max_tokens: int | None = None,
        use: Use = "structure",
    ) -> Reply:
        """One streamed completion for `use` (it decides whether the model thinks first). Raises
        ContextOverflow, ServerUnavailable or ServerRefused."""
        info = await self._connected()
        s = self.settings
        prompt_tokens = await self._prompt_tokens(messages)
        wanted = max_tokens if max_tokens is not None else s.max_output_tokens
        budget = fit_max_tokens(prompt_tokens, info.context_length, wanted)
        if budget is None:
            limit = info.context_length
            least = min(wanted, MIN_REPLY_TOKENS)
            raise ContextOverflow(
                f"{purpose}: a prompt of about {prompt_tokens} tokens plus at least {least} for the reply "
                f"does not fit the model's context of {limit} tokens",
                hint=HINT_OVERFLOW,
                prompt_tokens=prompt_tokens,
                limit=limit,
            )
        shape = CallShape.of(s, use)
        key = None
        if self.cache is not None:
            request = {"messages": messages, "schema": schema, **shape.cache_fields()}
            key = self.cache.key(info.model, request | {"max_tokens": budget})
            hit = self.cache.get(key)
            if hit is not None and isinstance(hit.get("text"), str):
                return self._replay(hit, doc=doc, purpose=purpose, prompt_tokens=prompt_tokens)
        reply = await self._request(messages, doc, purpose, schema, budget, prompt_tokens, shape)
        if (
            self.cache is not None and key is not None and reply.text.strip()
        ):  # a reply cut at max_tokens is kept too: the engine used it, and a rerun must not pay again
            self.cache.put(key, {name: getattr(reply, name) for name in CACHED})
        return reply

    def _replay(self, hit: dict[str, Any], *, doc: str, purpose: str, prompt_tokens: int) -> Reply:
        text, reasoning, finish = hit["text"], hit.get("reasoning"), hit.get("finish_reason")
        reasoning = reasoning if isinstance(reasoning, str) else ""
        prompt = positive_int(hit.get("prompt_tokens")) or prompt_tokens
        completion = positive_int(hit.get("completion_tokens"))
        thinking = positive_int(hit.get("reasoning_tokens"))
        finish = finish if isinstance(finish, str) else "stop"
        call_id = self._next_call_id()
        self.sink(events.CallStarted(doc, call_id, purpose, prompt))
        if reasoning:
            self.sink(events.ReasoningDelta(doc, call_id, reasoning))
        if text:
            self.sink(events.AnswerDelta(doc, call_id, text))
        self.sink(events.CallFinished(doc, call_id, "cached", prompt, completion, thinking, None, 0.0))
        self.cached_calls += 1
        return Reply(text, reasoning, prompt, completion, thinking, None, 0.0, finish, cached=True)

    def _failure(self, err: BaseException, purpose: str) -> Failure:
        s, model = self.settings, (self.info.model if self.info else self.settings.model)
        endpoint = redact_url(s.endpoint)
        return classify(err, endpoint=endpoint, model=model, timeout=s.request_timeout, purpose=purpose)

    async def _request(
        self,
        messages: list[dict[str, Any]],
        doc: str,
        purpose: str,
        schema: dict[str, Any] | None,
        budget: int,
        prompt_tokens: int,
        shape: CallShape,
    ) -> Reply:
        assert self.info is not None
        failures, shrunk = 0, False
        previous: int | None = None  # the attempt that ended "retry", which this one tries again
        while True:
            use_format = schema is not None and not self._no_response_format
            kwargs = request_kwargs(
                self.info.model, messages, budget, shape, self.fields, schema if use_format else None
            )
            delay, call_id = 0.0, self._next_call_id()
            where = self.bound.scheduler.place(self.priorities.get(doc, Priority()))
            self.sink(
                events.CallQueued(
                    doc, call_id, purpose, prompt_tokens, previous, where.ahead, where.busy, where.places
                )
            )
            previous = call_id
            try:
                place = await self._place(doc)  # queued until the server answers and a place is free
            except asyncio.CancelledError:
                self.sink(events.CallFinished(doc, call_id, "cancelled", prompt_tokens))
                raise
            except ServerUnavailable as gone:  # away longer than the settings' server_wait
                self.sink(events.CallFinished(doc, call_id, "error", prompt_tokens, error=gone.describe()))
                raise
            try:
                self.sink(events.CallStarted(doc, call_id, purpose, prompt_tokens))
                started = time.monotonic()
                try:
                    streaming = self._stream(kwargs, doc, call_id, prompt_tokens, started, shape)
                    reply = await self._within_deadline(streaming)
                    if reply.ttft is not None:
                        self.bound.saw_ttft(reply.ttft)
                    return reply
                except asyncio.CancelledError:
                    self._finished(doc, call_id, "cancelled", prompt_tokens, started)
                    raise
                except (openai.OpenAIError, Incomplete, Malformed, NotStreamed, PastDeadline) as err:
                    failure = self._failure(err, purpose)
                    error = failure.error
                    room = reply_room(error)
                    outcome: CallOutcome = "retry"
                    try:
                        away = may_be_away(err) and await self.gate.check()
                    except asyncio.CancelledError:
                        self._finished(doc, call_id, "cancelled", prompt_tokens, started)
                        raise
                    if not away and isinstance(err, openai.APIStatusError) and err.status_code in (429, 503):
                        self.bound.refused(f"the server answered {err.status_code}")
                    if away:  # sent again once the server answers, spending no retry
                        error = ServerUnavailable(f"{error.message}; the calls wait for the server")
                    elif (refused := self.fields.refused(err, kwargs["extra_body"])) is not None:
                        # sent again without it, and never again to this server
                        self.sink(
                            events.WarningEvent(doc, dropped_field(refused, error.describe()), "settings")
                        )
                    elif use_format and refuses_structured(err):
                        self._no_response_format = True  # plain prompts from now on; callers validate anyway
                    elif not shrunk and MIN_REPLY_TOKENS <= room < budget:
                        budget, shrunk = room, True  # our count was low: ask for a shorter reply
                    else:
                        failures += 1
                        if failure.retryable and failures <= self.settings.max_retries:
                            delay = self._backoff(failure, failures)
                        else:
                            outcome = "error"
                    self._finished(doc, call_id, outcome, prompt_tokens, started, error.describe())
                    if outcome == "error":
                        raise error from None
            finally:
                await place.__aexit__(None, None, None)
            await self._sleep(delay)

    def _backoff(self, failure: Failure, failures: int) -> float:
        """Seconds before the next try: the server's Retry-After, else exponential backoff, full jitter."""
        if failure.retry_after is not None:
            return min(failure.retry_after, RETRY_AFTER_CAP)
        return self._random() * min(BACKOFF_CAP, BACKOFF_BASE * 2.0 ** (failures - 1))

    def _finished(
        self,
        doc: str,
        call_id: int,
        outcome: CallOutcome,
        prompt: int,
        started: float,
        error: str = "",
    ) -> None:
        seconds = time.monotonic() - started
        self.sink(events.CallFinished(doc, call_id, outcome, prompt, seconds=seconds, error=error))

    async def _within_deadline(self, streaming: Coroutine[Any, Any, Reply]) -> Reply:
        """`streaming` (a `_stream`), but never longer than the settings' deadline: a slow drip or an
        endless stream ends."""
        deadline = self.settings.deadline
        task = asyncio.ensure_future(streaming)
        try:
            done, _pending = await asyncio.wait({task}, timeout=deadline)
        except asyncio.CancelledError:
            await cancel_and_wait(task)
            raise
        if task in done:
            return task.result()
        await cancel_and_wait(task)
        raise PastDeadline(deadline)

    async def _stream(
        self,
        kwargs: dict[str, Any],
        doc: str,
        call_id: int,
        prompt_tokens: int,
        started: float,
        shape: CallShape,
    ) -> Reply:
        reader, ttft, finish = await self._read(kwargs, doc, call_id, started, shape)
        text, reasoning, usage = reader.answer, reader.reasoning, reader.usage
        prompt = positive_int(getattr(usage, "prompt_tokens", None)) or prompt_tokens
        completion = positive_int(getattr(usage, "completion_tokens", None))
        if not completion:
            completion = await self.count_tokens(reasoning) + await self.count_tokens(text)
        thinking = getattr(getattr(usage, "completion_tokens_details", None), "reasoning_tokens", None)
        if not isinstance(thinking, int) or (not thinking and reasoning):  # no parser: tags were inline
            thinking = min(await self.count_tokens(reasoning), completion)
        seconds = time.monotonic() - started
        self.calls += 1
        self.prompt_tokens += prompt
        self.completion_tokens += completion
        if ttft is not None:
            self.ttfts.append(ttft)
        self.sink(events.CallFinished(doc, call_id, "ok", prompt, completion, thinking, ttft, seconds))
        return Reply(text, reasoning, prompt, completion, thinking, ttft, seconds, finish)

    async def _read(
        self, kwargs: dict[str, Any], doc: str, call_id: int, started: float, shape: CallShape
    ) -> tuple[StreamReader, float | None, str]:
        """Send the call and read its reply stream to the end (events as it arrives): the reader, the
        time to first token and the finish reason."""
        async with self.link.calling() as api:
            stream = await api.chat.completions.create(**kwargs)
            kind = stream.response.headers.get("content-type", "").lower()
            reader, ttft = StreamReader(START_WINDOW if shape.thinking else 0), None
            try:
                if not kind.startswith("text/event-stream"):
                    raise NotStreamed(kind.split(";")[0].strip())
                async for chunk in stream:
                    pieces = reader.feed(chunk)
                    if ttft is None and reader.got_text:
                        ttft = time.monotonic() - started
                    self._emit(doc, call_id, pieces)
                self._emit(doc, call_id, reader.close())
            except UnicodeDecodeError as err:
                raise Malformed(f"bytes that are not UTF-8 at position {err.start}") from None
            except json.JSONDecodeError as err:  # from the SDK's parse of a data line
                raise Malformed(f"a data line that is not JSON: {err}") from None
            finally:
                with contextlib.suppress(Exception):
                    await stream.close()
            if reader.finish_reason is None:
                raise Incomplete()
        return reader, ttft, reader.finish_reason

    def _emit(self, doc: str, call_id: int, pieces: list[Piece]) -> None:
        for kind, text in pieces:
            event = events.ReasoningDelta if kind == "reasoning" else events.AnswerDelta
            self.sink(event(doc, call_id, text))
