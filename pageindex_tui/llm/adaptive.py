"""The bound on one client's calls in flight: fixed (`--concurrency N`) or adaptive (`concurrency = 0`).

Adaptive: the bound starts at `scheduler.START` and, while calls are waiting or in flight, a watcher
polls the server with the monitor's own reader (`monitor.server.ServerMonitor`, the one the gauges
use: vLLM's waiting/running/KV figures, llama.cpp's deferred requests and slots) and hands what it
sees, with our recent time to first token, to `scheduler.Controller`, whose decision sets the bound.
A refusal (429/503) halves it at once. Each change is a `LimitChanged` event with its reason, so the
CLI, the calls table and the gauges say what the bound is and why it moved.
"""

from __future__ import annotations

import asyncio
import contextlib
import statistics
from collections import deque
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from .. import events
from ..settings import Settings
from .scheduler import START, Controller, Decision, Load, Scheduler

if TYPE_CHECKING:
    from ..monitor.server import ServerMonitor, ServerStatus

POLL_SECONDS = 1.0
TTFT_WINDOW = 16  # recent calls whose time to first token is the median the controller sees


def load_of(status: ServerStatus, ttft: float | None) -> Load:
    """What the controller needs from one poll of the server."""
    metrics = status.metrics if status.state == "up" else None
    return Load(
        waiting=metrics.waiting if metrics else None,
        kv_usage=metrics.kv_cache if metrics else None,
        running=metrics.running if metrics else None,
        slots=status.slots,
        ttft=ttft,
    )


class CallBound:
    """Places for one client's calls: the scheduler's order under a bound that is fixed or adapts."""

    def __init__(
        self,
        settings: Settings,
        sink: events.EventSink,
        monitor_factory: Callable[[], ServerMonitor] | None = None,
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
        self._monitor_factory = monitor_factory
        self._ttfts: deque[float] = deque(maxlen=TTFT_WINDOW)
        self._busy = asyncio.Event()
        self._watcher: asyncio.Task[None] | None = None

    @property
    def limit(self) -> int:
        return self.scheduler.limit

    def announce(self) -> None:
        """Say what the bound is now (on connecting)."""
        self.sink(events.LimitChanged("", self.limit, self.reason, self.adaptive))

    @asynccontextmanager
    async def slot(self, priority: float = 0.0) -> AsyncIterator[None]:
        """A place for one call (lowest priority number first); it waits while the bound is full."""
        if self.adaptive:
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

    def observe(self, status: ServerStatus) -> Decision:
        """One look at the server: the controller's decision, applied."""
        ttft = statistics.median(self._ttfts) if self._ttfts else None
        decision = self.controller.decide(load_of(status, ttft), self.scheduler.in_flight)
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
        if self._monitor_factory is not None:
            monitor = self._monitor_factory()
        else:
            from ..monitor.server import ServerMonitor

            s = self._settings
            monitor = ServerMonitor(s.endpoint, api_key=s.api_key, interval=self.interval, info_every=30)
        try:
            while True:
                if self._idle():
                    self._busy.clear()
                    await self._busy.wait()
                self.observe(await monitor.poll())
                await asyncio.sleep(monitor.delay())
        finally:
            await monitor.aclose()

    async def aclose(self) -> None:
        if self._watcher is not None:
            self._watcher.cancel()
            with contextlib.suppress(BaseException):
                await self._watcher
            self._watcher = None
