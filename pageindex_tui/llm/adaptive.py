"""The bound on one client's calls in flight: fixed (`--concurrency N`) or adaptive (`concurrency = 0`).

Adaptive: the bound starts at `scheduler.START` and, while calls are waiting or in flight, a watcher
polls the server through a `LoadReader` it is given (`serverload.py` wires in the monitor's own reader,
the one the gauges use: vLLM's waiting/running/KV figures, llama.cpp's deferred requests and slots) and
hands what it reads, with our recent time to first token, to `scheduler.Controller`, whose decision sets
the bound. Without a reader the adaptive bound keeps its start; only refusals move it.
A server that says how many calls it runs at once (llama.cpp's `total_slots`, read on connecting:
`fit_server`) caps the bound: an adaptive bound starts at that count, a fixed one is cut to it, and
neither grows past it; calls beyond it would only wait inside the server and hit the timeout.
A refusal (429/503) halves it at once. Each change is a `LimitChanged` event with its reason, so the
CLI, the calls table and the gauges say what the bound is and why it moved.
"""

from __future__ import annotations

import asyncio
import statistics
from collections import deque
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import replace
from typing import Protocol

from .. import events
from ..aio import cancel_and_wait
from ..settings import Settings
from .scheduler import START, Controller, Decision, Load, Priority, Scheduler

POLL_SECONDS = 1.0
TTFT_WINDOW = 16  # recent calls whose time to first token is the median the controller sees


class LoadReader(Protocol):
    """The server's load, read while calls wait or run."""

    async def read(self) -> Load:
        """One look at the server (its `ttft` is left None: the bound knows its own)."""
        ...

    def delay(self) -> float:
        """Seconds until the next look."""
        ...

    async def aclose(self) -> None: ...


ReaderFactory = Callable[[Settings, float], LoadReader]  # (settings, seconds between polls) -> a reader


class CallBound:
    """Places for one client's calls: the scheduler's order under a bound that is fixed or adapts."""

    def __init__(
        self,
        settings: Settings,
        sink: events.EventSink,
        reader_factory: ReaderFactory | None = None,
        interval: float = POLL_SECONDS,
    ) -> None:
        self.adaptive = settings.concurrency == 0
        start = settings.concurrency or START
        self.scheduler = Scheduler(start)
        self.controller = Controller(start=start)
        self.reason = "a safe start" if self.adaptive else "the concurrency setting"
        self.sink = sink
        self.interval = interval
        self._settings = settings
        self._reader_factory = reader_factory
        self._ttfts: deque[float] = deque(maxlen=TTFT_WINDOW)
        self._busy = asyncio.Event()
        self._watcher: asyncio.Task[None] | None = None

    @property
    def limit(self) -> int:
        return self.scheduler.limit

    def fit_server(self, slots: int) -> None:
        """The server runs at most `slots` calls at once (0: it did not say): start there, never above."""
        if slots <= 0:
            return
        self.controller.high = slots
        if self.adaptive and self.limit != slots:
            self.reason = f"the server's {slots} slots"
        elif not self.adaptive and self.limit > slots:
            self.reason = f"the concurrency setting, cut to the server's {slots} slots"
        else:
            return
        self.controller.limit = slots
        self.scheduler.set_limit(slots)

    def announce(self) -> None:
        """Say what the bound is now (on connecting)."""
        self.sink(events.LimitChanged("", self.limit, self.reason, self.adaptive))

    @asynccontextmanager
    async def slot(self, priority: Priority = Priority()) -> AsyncIterator[None]:
        """A place for one call (lowest priority first); it waits while the bound is full."""
        if self.adaptive and self._reader_factory is not None:
            self._busy.set()
            if self._watcher is None:
                self._watcher = asyncio.ensure_future(self._watch())
        async with self.scheduler.slot(priority):
            yield

    def saw_ttft(self, seconds: float) -> None:
        self._ttfts.append(seconds)

    def refused(self, why: str) -> None:
        """The server said it is full (429/503)."""
        if self.adaptive:
            self._apply(self.controller.overloaded(why))

    def observe(self, load: Load) -> Decision:
        """One look at the server: the controller's decision, applied."""
        ttft = statistics.median(self._ttfts) if self._ttfts else None
        decision = self.controller.decide(replace(load, ttft=ttft), self.scheduler.in_flight)
        self._apply(decision)
        return decision

    def _apply(self, decision: Decision) -> None:
        if not decision.reason:
            return
        self.scheduler.set_limit(decision.limit)
        self.reason = decision.reason
        self.sink(events.LimitChanged("", decision.limit, decision.reason, True))

    def _idle(self) -> bool:
        return self.scheduler.in_flight == 0 and self.scheduler.waiting == 0

    async def _watch(self) -> None:
        """Poll the server while calls wait or run; sleep while none do."""
        assert self._reader_factory is not None  # slot() starts no watcher without one
        reader = self._reader_factory(self._settings, self.interval)
        try:
            while True:
                if self._idle():
                    self._busy.clear()
                    await self._busy.wait()
                self.observe(await reader.read())
                await asyncio.sleep(reader.delay())
        finally:
            await reader.aclose()

    async def aclose(self) -> None:
        await cancel_and_wait(self._watcher)
        self._watcher = None
