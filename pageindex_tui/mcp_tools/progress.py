"""An ask's engine events as MCP progress notifications, so a client whose timeout restarts on progress
waits for a long answer: one at each step of the ask (route, pick, read, assess, answer), one as each model
call starts, and, while a call is under way, one every TICK seconds saying what it has written so far
(a long prompt is read by the server in silence; the tick covers that too).

The engine's sink is called on the event loop, and from a worker thread while library routing loads
documents, so `sink` only hands the event to the loop; `run` sends the notifications in order, the
progress count going up by one each time (MCP asks that it grows; the total is unknown)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable

from .. import events

TICK = 10.0  # seconds between notifications while a model call is under way

Send = Callable[[float, str], Awaitable[None]]


class AskProgress:
    def __init__(self, send: Send, loop: asyncio.AbstractEventLoop) -> None:
        self._send = send
        self._loop = loop
        self._queue: asyncio.Queue[str | None] = asyncio.Queue()
        self._count = 0
        self._calls: dict[int, str] = {}  # model calls under way: id -> purpose
        self._written = 0  # characters the calls under way have streamed

    def sink(self, event: events.Event) -> None:
        """The engine's EventSink: safe from any thread."""
        self._loop.call_soon_threadsafe(self._see, event)

    def _see(self, event: events.Event) -> None:
        message = ""
        if isinstance(event, events.AskStarted):
            message = f"asking {len(event.documents)} document(s)"
        elif isinstance(event, events.AskProgress):
            message = f"{event.step} (round {event.round})" + (f": {event.detail}" if event.detail else "")
        elif isinstance(event, events.CallStarted):
            self._calls[event.call_id] = event.purpose
            message = f"model call: {event.purpose}"
        elif isinstance(event, events.CallFinished):
            self._calls.pop(event.call_id, None)
            if not self._calls:
                self._written = 0
        elif isinstance(event, events.AnswerDelta | events.ReasoningDelta):
            self._written += len(event.text)
        if message:
            self._queue.put_nowait(message[:300])

    def _tick(self) -> str:
        """What the calls under way are at, for a notification between events ("" when none is)."""
        if not self._calls:
            return ""
        purpose = next(iter(self._calls.values()))
        return f"waiting on the model ({purpose}): {self._written} characters written so far"

    async def run(self) -> None:
        """Send notifications until the queue's end mark (None), those queued before it included."""
        while True:
            try:
                message = await asyncio.wait_for(self._queue.get(), TICK)
            except TimeoutError:
                message = self._tick()
            if message is None:
                return
            if message:
                self._count += 1
                await self._send(float(self._count), message)

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[AskProgress]:
        """Notifications sent while the block runs. When it ends, those still queued are sent, one after
        the other (a send is never cut off half-way, which would lose its number); when it fails or is
        cancelled, the sender is cancelled."""
        task = asyncio.create_task(self.run())
        try:
            yield self
        except BaseException:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            raise
        await asyncio.sleep(0)  # events handed over from threads land in the queue first
        self._queue.put_nowait(None)
        await task
