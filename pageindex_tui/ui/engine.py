"""The engine's own thread: an asyncio loop that runs the job service (`jobs/service.py`): not the UI's loop.

The engine is asyncio but does some blocking work (PDF text extraction) on its loop, so it gets a loop
of its own inside a Textual thread worker. Its events go into a thread-safe buffer that a flusher task
turns into one `EngineBatch` message every `interval` seconds: thousands of deltas per second become a
few messages, in order. Job lifecycle records (`JobUpdate`) travel in the same buffer so that a row is
never marked finished before the last event of its run has been shown. What a job does (reuse, index,
file into the library) is the job service's; this module only carries it to and from the app.
Questions run on the same loop through the ask engine's `Asker`, as `pageindex-tui ask` runs them.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections import deque
from concurrent.futures import Future
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import PageIndexError, ServerRefused, ServerUnavailable
from ..jobs.service import JobService
from ..llm.types import ServerInfo
from ..safe_text import redact_text
from ..settings import Settings
from ..store.cache import ResponseCache
from ..store.library import Library, LibraryEntry
from ..workbench.asking import AskFailed
from .jobqueue import JobQueue
from .messages import EngineBatch, Item

if TYPE_CHECKING:
    from textual.app import App


class EngineRunner:
    def __init__(
        self, app: App[Any], library: Library, cache: ResponseCache | None = None, interval: float = 0.05
    ) -> None:
        self.app = app
        self.library = library
        self.interval = interval
        self._buffer: deque[Item] = deque()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._lock = threading.Lock()
        self._stopping = False
        self.cache = cache
        self.jobs = JobService(library, sink=self.sink, cache=cache)
        self.queue = JobQueue(self.jobs)  # the UI thread's way to the jobs on the engine's loop
        self._flusher: asyncio.Task[None] | None = None
        self._asks: dict[str, Future[None]] = {}  # run id -> the question being answered
        self.ended = threading.Event()  # set when the engine's thread has ended (or was never to start)

    # -- life cycle (UI thread) ------------------------------------------------------------------
    def start(self) -> None:
        self.app.run_worker(self._serve, name="engine", group="engine", thread=True, exit_on_error=False)

    def stop(self) -> None:
        """Cancel every job and end the loop; the thread cleans up (temp files included) as it ends."""
        self.cancel_all()
        with self._lock:
            self._stopping = True
            loop = self._loop
        if loop is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(loop.stop)

    def _serve(self) -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        self._flusher = loop.create_task(self._flush_forever())
        with self._lock:
            if self._stopping:  # the app ended before this thread started
                self._flusher.cancel()
                loop.run_until_complete(asyncio.gather(self._flusher, return_exceptions=True))
                loop.close()
                self.ended.set()
                return
            self._loop = loop
            self.queue.attach(loop)
        try:
            loop.run_forever()
        finally:
            self.queue.detach()
            tasks = asyncio.all_tasks(loop)
            for task in tasks:
                task.cancel()
            loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))
            loop.run_until_complete(self.jobs.aclose())
            loop.close()
            self.flush()
            self.ended.set()

    # -- events ------------------------------------------------------------------------------------
    def sink(self, item: Item) -> None:
        """The job service's EventSink (any thread)."""
        self._buffer.append(item)

    def flush(self) -> None:
        items: list[Item] = []
        buffer = self._buffer
        for _ in range(len(buffer)):
            items.append(buffer.popleft())
        if items:
            self.app.post_message(EngineBatch(items))

    async def _flush_forever(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            self.flush()

    # -- jobs (UI thread): the queue ----------------------------------------------------------------
    def busy(self) -> list[str]:
        return self.queue.busy()

    def submit(self, path: Path, settings: Settings, force: bool = False) -> bool:
        """Queue a document; False when it is already queued or running."""
        return self.queue.submit(path, settings, force)

    def cancel(self, doc: str) -> bool:
        return self.queue.cancel(doc)

    def cancel_all(self) -> int:
        return self.queue.cancel_all()

    # -- questions (UI thread): asked on the engine's loop, as `pageindex-tui ask` asks them -------------
    def ask(self, run: str, entry: LibraryEntry, question: str, settings: Settings) -> bool:
        """Answer `question` from the saved index `entry`; its events carry `run` as their doc and end
        with AskFinished or AskFailed. False when the engine is not running."""
        with self._lock:
            loop = self._loop
        if loop is None or loop.is_closed() or self._stopping:
            return False
        future = asyncio.run_coroutine_threadsafe(self._ask(run, entry, question, settings), loop)
        self._asks[run] = future
        future.add_done_callback(lambda _done: self._asks.pop(run, None))
        return True

    def cancel_ask(self, run: str) -> bool:
        future = self._asks.get(run)
        return future is not None and future.cancel()

    async def _ask(self, run: str, entry: LibraryEntry, question: str, settings: Settings) -> None:
        from ..ask import Asker, load_entry  # the ask engine loads with the first question

        try:
            # the library's digest memo: an unchanged source is not hashed again for every question
            doc = await asyncio.to_thread(load_entry, entry, digest=self.jobs.library.digest)
            session = self.jobs.session(settings)  # the connection indexing opened, if it did
            async with Asker(settings, sink=self.sink, session=session) as asker:
                await asker.ask([doc], question, run=run)
        except asyncio.CancelledError:
            self.sink(AskFailed(run, "stopped", cancelled=True))
            raise
        except PageIndexError as err:
            down = isinstance(err, (ServerUnavailable, ServerRefused))
            self.sink(AskFailed(run, err.message, err.hint, "server" if down else "other"))
        except Exception as err:  # never a traceback: the question fails with what went wrong
            self.sink(AskFailed(run, redact_text(f"{type(err).__name__}: {err}")))


def probe_summary(info: ServerInfo) -> str:
    """What a server answered, in one line."""
    return (
        f"{info.kind} at {info.base_url} serves {', '.join(info.models)}; "
        f"using {info.model} with context {info.context_length} ({info.context_source})"
    )
