"""Pause, don't fail, while the server is away.

A call that fails the way a server that went away makes calls fail (a refused or dropped connection, a
stream cut short, 502/503/504) asks the `ServerGate` to look: one short probe of `/models`. When that
answers, the fault was the call's own and it is retried as before. When it does not, the gate closes
(`ServerPaused`): the failed attempt is sent again once the server is back, without spending a retry,
and every call waits at the gate instead of being sent. A watcher probes every `interval` seconds and
opens the gate when the server answers (`ServerResumed`), after `on_resume` (the client drops its pooled
connections: they were to the process that went away). Calls that wait longer than the settings'
`server_wait` fail with `ServerUnavailable`, as they did before there was a gate; 0 turns the gate off.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

import openai

from .. import events
from ..aio import cancel_and_wait
from ..errors import ServerUnavailable
from .errors import HINT_START, Incomplete

AWAY_STATUSES = frozenset({502, 503, 504})  # a proxy with no server behind it, a server loading or stopping
PROBE_SECONDS = 3.0  # one look at /models
INTERVAL = 1.0  # seconds between looks while paused

Probe = Callable[[], Awaitable[str]]  # "" when the server answers, else why it does not


def may_be_away(err: BaseException) -> bool:
    """Whether `err` is how a call fails when the whole server is gone, not only this call."""
    if isinstance(err, (Incomplete, openai.APIConnectionError)):  # timeouts are connection errors too
        return True
    return isinstance(err, openai.APIStatusError) and err.status_code in AWAY_STATUSES


class ServerGate:
    """Open while the server answers; closed (calls wait) from a failed probe until one succeeds."""

    def __init__(
        self,
        probe: Probe,
        sink: events.EventSink,
        *,
        endpoint: str,
        wait: float,
        interval: float = INTERVAL,
        on_resume: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self.probe, self.sink, self.endpoint, self.wait, self.interval = probe, sink, endpoint, wait, interval
        self.on_resume = on_resume  # before the calls go on (the client: fresh connections)
        self.paused_at: float | None = None  # monotonic, while closed
        self.reason = ""
        self._open = asyncio.Event()  # set while the server answers
        self._open.set()
        self._lock = asyncio.Lock()  # calls failing together share one look
        self._watcher: asyncio.Task[None] | None = None

    @property
    def paused(self) -> bool:
        return self.paused_at is not None

    async def check(self) -> bool:
        """A call failed as if the server were away: look, and close the gate when it is. True: it is
        away (the call waits and goes again without spending a retry); False: a fault of this call."""
        if self.wait <= 0:
            return False
        async with self._lock:
            if self.paused:
                return True
            why = await self.probe()
            if not why:
                return False
            self.paused_at, self.reason = time.monotonic(), why
            self._open.clear()
            self.sink(events.ServerPaused("", time.time(), why))
            self._watcher = asyncio.ensure_future(self._watch())
            return True

    async def passage(self) -> None:
        """Return at once while the server answers; wait while it is away; raise `ServerUnavailable`
        once it has been away longer than the wait."""
        if self.paused_at is None:
            return
        left = self.wait - (time.monotonic() - self.paused_at)
        try:
            await asyncio.wait_for(self._open.wait(), max(0.0, left))
        except TimeoutError:
            raise ServerUnavailable(
                f"the model server at {self.endpoint} has not answered for {self.wait:g} s ({self.reason})",
                hint=f"{HINT_START}; or raise --server-wait",
            ) from None

    async def _watch(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            why = await self.probe()
            if why:
                self.reason = why
                continue
            assert self.paused_at is not None
            if self.on_resume is not None:
                await self.on_resume()
            seconds, self.paused_at = time.monotonic() - self.paused_at, None
            self._open.set()
            self.sink(events.ServerResumed("", seconds))
            return

    async def aclose(self) -> None:
        await cancel_and_wait(self._watcher)
        self._watcher = None
