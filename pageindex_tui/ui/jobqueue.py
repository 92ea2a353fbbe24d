"""The app's queue of jobs: submitted and cancelled from the UI thread, run by the job service on the
engine's loop in another thread. Plain Python (no Textual): `ui/engine.py` carries it to and from the app.

A job submitted before the loop is up waits for `attach`; cancelling waits on the loop for the job's own
handling of its cancellation (`JobService.run` files what a stopped run kept, and reports it).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

from ..index.result import DocumentResult
from ..jobs.service import JobService, JobUpdate
from ..settings import Settings


class JobQueue:
    """Jobs of a `JobService` by document, from any thread."""

    def __init__(self, service: JobService) -> None:
        self.service = service
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._pending: list[tuple[str, Coroutine[Any, Any, DocumentResult]]] = []
        self._jobs: dict[str, concurrent.futures.Future[DocumentResult]] = {}
        self._tasks: dict[str, asyncio.Task[DocumentResult]] = {}  # running jobs (on the loop)

    def attach(self, loop: asyncio.AbstractEventLoop) -> None:
        """Run queued and future jobs on `loop` (which runs in another thread)."""
        with self._lock:
            self._loop = loop
            for doc, coro in self._pending:  # submitted before the loop was up
                self._jobs[doc] = asyncio.run_coroutine_threadsafe(self._job(doc, coro), loop)
            self._pending.clear()

    def submit(self, path: Path, settings: Settings, force: bool = False) -> bool:
        """Queue a document; False when it is already queued or running."""
        doc = str(path)
        with self._lock:
            if self.is_busy(doc) or any(d == doc for d, _c in self._pending):
                return False
            self.service.sink(JobUpdate(doc, "queued"))
            coro = self.service.run(Path(path), settings, force)
            if self._loop is None:
                self._pending.append((doc, coro))
            else:
                self._jobs[doc] = asyncio.run_coroutine_threadsafe(self._job(doc, coro), self._loop)
        return True

    def cancel(self, doc: str) -> bool:
        """Cancel a queued or running job; False when there is none. Nothing of it is written."""
        with self._lock:
            for number, (pending, coro) in enumerate(self._pending):
                if pending == doc:
                    del self._pending[number]
                    coro.close()
                    self.service.sink(JobUpdate(doc, "cancelled"))
                    return True
        future, loop = self._jobs.get(doc), self._loop
        if future is None or future.done():
            return False
        if loop is None or loop.is_closed():
            future.cancel()
        else:  # on the loop, so that the job stays busy until it has handled its cancellation
            loop.call_soon_threadsafe(self._cancel_on_loop, doc, future)
        return True

    def _cancel_on_loop(
        self, doc: str, future: concurrent.futures.Future[DocumentResult], again: bool = True
    ) -> None:
        task = self._tasks.get(doc)
        if task is not None:
            task.cancel()  # `run` reports "cancelled" (and files what it kept) before the job is done
        elif again and not future.done():  # its task is made but has not taken its first step: after it
            asyncio.get_running_loop().call_soon(self._cancel_on_loop, doc, future, False)
        elif future.cancel():
            self.service.sink(JobUpdate(doc, "cancelled"))

    async def _job(self, doc: str, coro: Coroutine[Any, Any, DocumentResult]) -> DocumentResult:
        """One submitted job as a task the service knows, so that cancelling it waits for its ending."""
        task = asyncio.current_task()
        if task is not None:
            self._tasks[doc] = task
        try:
            return await coro
        finally:
            self._tasks.pop(doc, None)

    def cancel_all(self) -> int:
        return sum(self.cancel(doc) for doc in self.busy())

    def busy(self) -> list[str]:
        with self._lock:
            pending = [doc for doc, _coro in self._pending]
        return pending + [doc for doc, future in list(self._jobs.items()) if not future.done()]

    def is_busy(self, doc: str) -> bool:
        future = self._jobs.get(doc)
        return future is not None and not future.done()

    def detach(self) -> None:
        """The loop is ending: jobs submitted from now on wait for the next `attach`."""
        with self._lock:
            self._loop = None
