"""The engine's own thread: an asyncio loop that runs the indexing queue, never the UI's loop.

The engine is asyncio but does some blocking work (PDF text extraction) on its loop, so it gets a loop
of its own inside a Textual thread worker. Its events go into a thread-safe buffer that a flusher task
turns into one `EngineBatch` message every `interval` seconds: thousands of deltas per second become a
few messages, in order. Job lifecycle records (`JobUpdate`) travel in the same buffer so that a row is
never marked finished before the last event of its run has been shown.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import os
import threading
from collections import deque
from collections.abc import Coroutine
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import PageIndexError, failure_kind
from ..library import Library, LibraryEntry, ResponseCache
from ..settings import Settings
from .messages import EngineBatch, Item, JobUpdate

if TYPE_CHECKING:
    from textual.app import App

    from ..index.pipeline import DocumentResult, Indexer

log = logging.getLogger(__name__)

MAX_DOCS_AT_ONCE = 4  # as the engine's own index_many


class EngineRunner:
    def __init__(
        self, app: App, library: Library, cache: ResponseCache | None = None, interval: float = 0.05
    ) -> None:
        self.app = app
        self.library = library
        self.cache = cache
        self.interval = interval
        self._buffer: deque[Item] = deque()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._lock = threading.Lock()
        self._stopping = False
        self._pending: list[tuple[str, Coroutine[Any, Any, None]]] = []
        self._jobs: dict[str, concurrent.futures.Future[None]] = {}
        self._indexers: dict[Settings, Indexer] = {}
        self._limits: dict[int, asyncio.Semaphore] = {}
        self._stems: dict[str, asyncio.Lock] = {}
        self.staging = library.root / "staging"
        self._flusher: asyncio.Task[None] | None = None

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
                return
            self._loop = loop
            for doc, coro in self._pending:  # submitted before the loop was up
                self._jobs[doc] = asyncio.run_coroutine_threadsafe(coro, loop)
            self._pending.clear()
        try:
            loop.run_forever()
        finally:
            tasks = asyncio.all_tasks(loop)
            for task in tasks:
                task.cancel()
            loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))
            loop.run_until_complete(self._close_indexers())
            loop.close()
            self.flush()

    async def _close_indexers(self) -> None:
        for indexer in self._indexers.values():
            with contextlib.suppress(Exception):
                await indexer.aclose()
        self._indexers.clear()

    # -- events ------------------------------------------------------------------------------------
    def sink(self, item: Item) -> None:
        """The engine's EventSink (any thread)."""
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

    # -- jobs (UI thread) --------------------------------------------------------------------------
    def busy(self) -> list[str]:
        with self._lock:
            pending = [doc for doc, _coro in self._pending]
        return pending + [doc for doc, future in list(self._jobs.items()) if not future.done()]

    def is_busy(self, doc: str) -> bool:
        future = self._jobs.get(doc)
        return future is not None and not future.done()

    def submit(self, path: Path, settings: Settings, force: bool = False) -> bool:
        """Queue a document; False when it is already queued or running."""
        doc = str(path)
        with self._lock:
            if self.is_busy(doc) or any(d == doc for d, _c in self._pending):
                return False
            self.sink(JobUpdate(doc, "queued"))
            coro = self._job(Path(path), settings, force)
            if self._loop is None:
                self._pending.append((doc, coro))
            else:
                self._jobs[doc] = asyncio.run_coroutine_threadsafe(coro, self._loop)
        return True

    def cancel(self, doc: str) -> bool:
        with self._lock:
            for number, (pending, coro) in enumerate(self._pending):
                if pending == doc:
                    del self._pending[number]
                    coro.close()
                    self.sink(JobUpdate(doc, "cancelled"))
                    return True
        future = self._jobs.get(doc)
        if future is None or future.done():
            return False
        future.cancel()
        return True

    def cancel_all(self) -> int:
        return sum(self.cancel(doc) for doc in self.busy())

    # -- jobs (engine thread) ----------------------------------------------------------------------
    def _indexer_for(self, settings: Settings) -> Indexer:
        indexer = self._indexers.get(settings)
        if indexer is None:
            from ..index.pipeline import Indexer  # the engine (and the openai SDK) load on first use

            cache = self.cache if self.cache is not None else ResponseCache(enabled=settings.cache)
            indexer = Indexer(settings, self.staging, sink=self.sink, cache=cache)
            self._indexers[settings] = indexer
        return indexer

    def _limit(self, settings: Settings) -> asyncio.Semaphore:
        size = max(1, min(MAX_DOCS_AT_ONCE, settings.concurrency))
        if size not in self._limits:
            self._limits[size] = asyncio.Semaphore(size)
        return self._limits[size]

    async def _job(self, path: Path, settings: Settings, force: bool) -> None:
        doc = str(path)
        try:
            async with self._limit(settings), self._stems.setdefault(path.stem, asyncio.Lock()):
                # One document per file stem at a time: the engine names its files after the stem.
                await self._run(path, doc, settings, force)
        except asyncio.CancelledError:
            self.sink(JobUpdate(doc, "cancelled"))
            raise
        except PageIndexError as err:
            self.sink(JobUpdate(doc, "failed", error=err.message, hint=err.hint, kind=failure_kind(err)))
        except Exception as err:  # a bug must cost one row, never the app
            log.exception("indexing %s failed", doc)
            self.sink(JobUpdate(doc, "failed", error=f"internal error: {type(err).__name__}: {err}"))

    async def _run(self, path: Path, doc: str, settings: Settings, force: bool) -> None:
        self.sink(JobUpdate(doc, "started"))
        try:
            digest = await asyncio.to_thread(self.library.digest, path)
        except OSError as err:
            why = err.strerror or str(err)
            error = f"cannot read {path.name}: {why}"
            self.sink(JobUpdate(doc, "failed", error=error, hint="is it still there, and readable?"))
            return
        if not force:
            entry = await asyncio.to_thread(self.library.find, digest, settings)
            if entry is not None:
                self.sink(JobUpdate(doc, "reused", entry=entry))
                return
        result = await self._indexer_for(settings).index(path)
        if not result.ok:
            self.sink(JobUpdate(doc, "failed", error=result.error, hint=result.hint, kind=result.kind))
            return
        entry = await asyncio.to_thread(self._file, path, digest, settings, result)
        self.sink(JobUpdate(doc, "finished", entry=entry))

    def _file(self, path: Path, digest: str, settings: Settings, result: DocumentResult) -> LibraryEntry:
        """Move the engine's finished files from staging into the library and record the entry."""
        assert result.structure_path is not None and result.run_path is not None
        folder = self.library.folder_for(digest, settings)
        folder.mkdir(parents=True, exist_ok=True)
        structure, run = folder / result.structure_path.name, folder / result.run_path.name
        os.replace(result.structure_path, structure)
        os.replace(result.run_path, run)
        return self.library.save(path, digest, settings, structure, run, result.run)


def probe_summary(info: object) -> str:
    """What a server answered, in one line (ServerInfo from LLMClient.connect)."""
    models = ", ".join(getattr(info, "models", []) or [])
    return (
        f"{getattr(info, 'kind', '?')} at {getattr(info, 'base_url', '?')} serves {models}; "
        f"using {getattr(info, 'model', '?')} with context {getattr(info, 'context_length', 0)} "
        f"({getattr(info, 'context_source', '?')})"
    )
