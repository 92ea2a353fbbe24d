"""One model session: the connection, the model and its context, and the call counter, shared by indexing,
asking and the job service.

A `ModelSession` connects once, on first need (`client()`; a run that needs no model never connects),
and the client resolves the model and its context length there (`discovery.choose_model`). Every event
of a document or question passes through `dispatch`: its calls are counted once, in the `events.CallTally` the
session keeps for it (what the run record, the CLI, and an answer's figures read), and the event goes on
to whoever runs that document (`open`), else to the session's sink.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from .. import events
from ..settings import Settings
from ..store.cache import ResponseCache
from .client import LLMClient
from .scheduler import INDEXING, Priority


class ModelSession:
    """The model connection of one set of settings and everything that runs on it (see the module's
    docstring). Use it as `async with ModelSession(...)`, or `aclose()` it; its owner closes it."""

    def __init__(
        self,
        settings: Settings,
        cache: ResponseCache | None = None,
        client_factory: Callable[..., LLMClient] = LLMClient,
        sink: events.EventSink = events.ignore,
    ) -> None:
        self.settings = settings
        self.cache = cache if cache is not None else ResponseCache(enabled=settings.cache)
        self.client_factory = client_factory
        self.sink = sink  # events of documents nobody opened
        self.priorities: dict[str, Priority] = {}  # doc -> where its calls queue in the client
        self._client: LLMClient | None = None
        self._lock = asyncio.Lock()  # one connect at a time
        self._tallies: dict[str, events.CallTally] = {}
        self._routes: dict[str, events.EventSink] = {}

    # -- the connection ------------------------------------------------------------------------------
    async def client(self) -> LLMClient:
        """The connected client, connecting on first need (and again after a failed connect)."""
        async with self._lock:
            if self._client is None or self._client.info is None:
                client = self.client_factory(self.settings, sink=self.dispatch, cache=self.cache)
                try:
                    await client.connect()
                except BaseException:  # closed again: nothing of a failed connect stays open
                    await client.aclose()
                    raise
                client.priorities = self.priorities
                self._client = client
            return self._client

    @property
    def connected(self) -> LLMClient | None:
        """The client when it has connected, else None (nothing is started)."""
        return self._client if self._client is not None and self._client.info is not None else None

    @property
    def context_length(self) -> int:
        """The context calls get: as connecting resolved it, else as the settings alone resolve it."""
        if self._client is not None:
            return self._client.context_length
        return LLMClient.settings_context(self.settings)

    async def aclose(self) -> None:
        if self._client is not None:
            client, self._client = self._client, None
            await client.aclose()

    async def __aenter__(self) -> ModelSession:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    # -- documents and their calls -------------------------------------------------------------------
    def open(self, doc: str, sink: events.EventSink, lane: int = INDEXING) -> events.CallTally:
        """Start counting `doc`'s calls, its events going to `sink`, its calls queueing in `lane`
        (`scheduler.ASKING` goes ahead of `INDEXING`); `close(doc)` when it is done."""
        self.priorities[doc] = Priority(lane)
        tally = self._tallies[doc] = events.CallTally()
        self._routes[doc] = sink
        return tally

    def close(self, doc: str) -> None:
        self._tallies.pop(doc, None)
        self._routes.pop(doc, None)
        self.priorities.pop(doc, None)

    def rank(self, doc: str, rank: float) -> None:
        """Within its lane, `doc`'s calls go before those of higher rank (a batch: smaller ones first)."""
        self.priorities[doc] = Priority(self.priorities.get(doc, Priority()).lane, rank)

    def tally(self, doc: str) -> events.CallTally | None:
        """The calls of a document or question that is running."""
        return self._tallies.get(doc)

    def dispatch(self, event: events.Event) -> None:
        """Every event of the session passes here: counted once, then on to the document's sink."""
        tally = self._tallies.get(event.doc)
        if tally is not None:
            tally.see(event)
        self._routes.get(event.doc, self.sink)(event)
