"""One scheduler for every LLM call of a batch: a bound that can change, and an order.

`Scheduler.slot(priority)` waits for a free place; the lowest `Priority` goes first, ties in arrival
order. A priority is a lane, then a rank. Lanes: a question's calls (`ASKING`) go ahead of every
indexing call (`INDEXING`), so an ask made while a hundred summaries wait takes the next free place.
Within a lane a batch gives each document a rank (its size, smallest first) so that trees finish one
after another instead of all at the end, and a big document still gets places no small one is waiting
for. Who runs a document or question says its priority once, when it opens it on the session
(`ModelSession.open`); the client reads it per call.

The bound is fixed (`--concurrency N`) or adaptive: `Controller.decide` reads the server's own figures
(vLLM's `num_requests_waiting` and `kv_cache_usage_perc`; llama.cpp's deferred requests and busy
slots) and our own time to first token, and returns the next bound with the reason it changed. It is a
pure function of its inputs, so the policy is tested on scripted metric sequences.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

START = 8  # a safe first bound on any server
MIN_LIMIT = 1
MAX_LIMIT = 512  # vLLM's own --max-num-seqs tops out around here for throughput setups
KV_GROW_BELOW = 0.85  # grow only while the server's KV cache has this much room
KV_SHRINK_ABOVE = 0.95  # past this the server starts preempting
TTFT_CLIMB = 4.0  # our time to first token this many times its best, and ...
TTFT_FLOOR = 2.0  # ... over this many seconds: the server is queueing us


ASKING = 0  # lanes, lowest first: a question's calls ...
INDEXING = 1  # ... then indexing's


@dataclass(frozen=True, order=True)
class Priority:
    """Where a call queues: by lane first (ASKING before INDEXING), then by rank (smaller first)."""

    lane: int = INDEXING
    rank: float = 0.0


@dataclass(frozen=True)
class Place:
    """Where a call stands when it queues: calls waiting that go before it, calls running, the bound."""

    ahead: int
    busy: int
    places: int

    @property
    def free(self) -> bool:
        """Whether it starts at once."""
        return self.ahead == 0 and self.busy < self.places


@dataclass(frozen=True)
class Load:
    """What the server said about itself at one look (None: it did not say)."""

    waiting: float | None = None  # requests queued in the server
    kv_usage: float | None = None  # 0..1
    running: float | None = None
    slots: int | None = None  # llama.cpp: its parallel slots, when known
    ttft: float | None = None  # our recent median time to first token, seconds


@dataclass(frozen=True)
class Decision:
    limit: int
    reason: str  # empty when unchanged


class Controller:
    """Grow by half while the server has room and we use the whole bound; cut by 30% when its queue,
    its KV cache or our time to first token say it is full; halve on a refusal (429/503)."""

    def __init__(self, start: int = START, low: int = MIN_LIMIT, high: int = MAX_LIMIT) -> None:
        self.limit, self.low, self.high = start, low, high
        self.best_ttft: float | None = None

    def _set(self, limit: int, why: str) -> Decision:
        """The new bound, its reason saying which way it moved: 'grew: ...', 'shrank: ...'."""
        limit = max(self.low, min(self.high, limit))
        if limit == self.limit:
            return Decision(limit, "")
        way = "grew" if limit > self.limit else "shrank"
        self.limit = limit
        return Decision(limit, f"{way}: {why}")

    def overloaded(self, why: str) -> Decision:
        """The server refused (429/503): halve at once."""
        return self._set(self.limit // 2, f"halved, {why}")

    def decide(self, load: Load, in_flight: int) -> Decision:
        if load.ttft is not None and load.ttft > 0:
            self.best_ttft = load.ttft if self.best_ttft is None else min(self.best_ttft, load.ttft)
        if load.slots:  # llama.cpp: a fixed number of slots; more calls only queue
            if load.waiting and load.waiting > 0:
                why = f"{load.waiting:g} deferred, {load.slots} slots"
                return self._set(max(load.slots, 1), why)
            if in_flight >= self.limit and self.limit < load.slots:
                return self._set(load.slots, f"{load.slots} slots on the server")
            return Decision(self.limit, "")
        if load.waiting is None and load.kv_usage is None:
            return Decision(self.limit, "")  # no figures: the bound stays as it is
        waiting = load.waiting or 0.0
        kv = load.kv_usage or 0.0
        if kv >= KV_SHRINK_ABOVE:
            return self._set(int(self.limit * 0.7), f"KV cache {kv:.0%} full")
        if waiting > max(2.0, 0.1 * self.limit):
            return self._set(int(self.limit * 0.7), f"{waiting:g} waiting in the server")
        if (
            load.ttft is not None
            and self.best_ttft
            and load.ttft > max(TTFT_FLOOR, TTFT_CLIMB * self.best_ttft)
        ):
            return self._set(int(self.limit * 0.7), f"time to first token {load.ttft:.1f} s")
        if waiting < 1 and kv < KV_GROW_BELOW and in_flight >= self.limit:
            step = max(1, self.limit // 2)
            return self._set(self.limit + step, f"KV {kv:.0%}, {waiting:g} waiting")
        return Decision(self.limit, "")


class Scheduler:
    """Places for LLM calls under a bound that may change while calls wait."""

    def __init__(self, limit: int) -> None:
        self.limit = max(1, limit)
        self.in_flight = 0
        self._waiters: list[tuple[Priority, int, asyncio.Future[None]]] = []
        self._order = itertools.count()

    @property
    def waiting(self) -> int:
        return sum(1 for *_rest, f in self._waiters if not f.done())

    def place(self, priority: Priority) -> Place:
        """Where a call of `priority` would stand if it asked for a place now (waiting calls of the same
        priority came first and stay ahead of it)."""
        ahead = sum(1 for p, _n, f in self._waiters if p <= priority and not f.done())
        return Place(ahead, self.in_flight, self.limit)

    def set_limit(self, limit: int) -> None:
        self.limit = max(1, limit)
        self._wake()

    def _wake(self) -> None:
        while self._waiters and self.in_flight < self.limit:
            _p, _n, future = heapq.heappop(self._waiters)
            if future.done():  # cancelled while waiting
                continue
            self.in_flight += 1
            future.set_result(None)

    @asynccontextmanager
    async def slot(self, priority: Priority = Priority()) -> AsyncIterator[None]:
        if self.in_flight < self.limit and not self.waiting:
            self.in_flight += 1
        else:
            future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            heapq.heappush(self._waiters, (priority, next(self._order), future))
            try:
                await future
            except asyncio.CancelledError:
                if future.done() and not future.cancelled():
                    self.in_flight -= 1  # given a place in the same instant it was cancelled
                    self._wake()
                raise
        try:
            yield
        finally:
            self.in_flight -= 1
            self._wake()
