"""The job service both front ends use: index documents, reuse saved indexes, file them into the library.

One job is one document: its content digest is looked up in the library with the settings that shape a
tree (`library.TREE_SETTINGS`); a saved index is reused unless forced, a partial one (a run that stopped
after its structure was known) is resumed unless forced, else the engine indexes the document; the result
is filed into the library. Every step reports through the one event sink: engine events, plus `JobUpdate`
for the job's own life (queued, started, reused, finished, partial, cancelled). A failure is reported
once, as the engine's `DocumentFailed` event (a stop that kept a partial index as its `DocumentPartial`);
one document's failure never stops another's.

`run` and `run_many` are coroutines for a caller that owns an event loop (the CLI). The app runs the
service on a loop of its own thread: `attach` that loop, then `submit` and `cancel` from any thread.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import json
import logging
import os
import threading
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from .. import events
from ..aio import documents_at_once, gather_or_cancel
from ..errors import FailureKind, OutputError, PageIndexError, failure_kind
from ..index.result import CancelledKeeping, DocumentResult
from ..settings import Settings
from ..store.cache import ResponseCache
from ..store.files import atomic_write_text
from ..store.library import Library, LibraryEntry
from ..store.records import RunRecord

if TYPE_CHECKING:
    from ..index.partial import Resume
    from ..index.pipeline import Indexer

log = logging.getLogger(__name__)

BUG_HINT = "this is a bug in pageindex-tui; please report it"

JobState = Literal["queued", "started", "reused", "finished", "partial", "cancelled"]


@dataclass(frozen=True)
class JobUpdate(events.Event):
    """A job's own life, next to the engine's events: queued, started, reused or finished (with the
    library entry), partial (the run stopped; the entry is the partial index kept), cancelled (with the
    partial index kept, if any). Failures are the engine's `DocumentFailed`, never a JobUpdate."""

    state: JobState
    entry: LibraryEntry | None = None


Sink = Callable[[events.Event], None]


class JobService:
    """Jobs over one library, one response cache and one event sink."""

    def __init__(
        self,
        library: Library,
        sink: Sink = events.ignore,
        cache: ResponseCache | None = None,
        password: str | None = None,
    ) -> None:
        self.library = library
        self.sink = sink
        self.cache = cache
        self.password = password
        self.staging = library.root / "staging"
        self._indexers: dict[Settings, Indexer] = {}
        self._limits: dict[int, asyncio.Semaphore] = {}
        self._stems: dict[str, asyncio.Lock] = {}
        self._digests: dict[str, str] = {}  # running documents' content digests (to file what a cancel kept)
        # the queue (submit/cancel from any thread)
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._pending: list[tuple[str, Coroutine[Any, Any, DocumentResult]]] = []
        self._jobs: dict[str, concurrent.futures.Future[DocumentResult]] = {}
        self._tasks: dict[str, asyncio.Task[DocumentResult]] = {}  # running jobs (on the loop)

    # -- one job (on the service's loop) ----------------------------------------------------------
    async def run(
        self, path: Path, settings: Settings, force: bool = False, outputs: tuple[Path, Path] | None = None
    ) -> DocumentResult:
        """Index one document, reuse its saved index or resume its partial one; never raises but for
        cancellation (a cancelled run that kept a partial index files it on the way out).

        Without `outputs` the files live in the library only (the app); with them (the CLI) they are
        also written there, and the library keeps a copy so that the next run can reuse it."""
        doc = str(path)
        try:
            async with self._limit(settings), self._stem_lock(path, outputs):
                return await self._run(Path(path), doc, settings, force, outputs)
        except CancelledKeeping as stop:  # the partial index goes into the library (synchronously: cancelled)
            entry = self._file_partial(Path(path), settings, stop.result, outputs is None)
            self.sink(JobUpdate(doc, "cancelled", entry=entry))
            raise
        except asyncio.CancelledError:
            self.sink(JobUpdate(doc, "cancelled"))
            raise
        except PageIndexError as err:
            return self._failed(path, err.message, err.hint, failure_kind(err))
        except Exception as err:  # a bug must cost one document, never the others or the app
            log.exception("indexing %s failed", doc)
            return self._failed(path, f"internal error: {type(err).__name__}: {err}", BUG_HINT, "other")
        finally:
            self._digests.pop(doc, None)

    async def run_many(
        self, paths: list[Path], settings: Settings, out_dir: Path, force: bool = False
    ) -> list[DocumentResult]:
        """Several documents at once, each one's files written apart under `out_dir` (see output_plan)."""
        from ..index.pipeline import output_plan

        plan = output_plan(paths, out_dir)
        return await gather_or_cancel(*(self.run(p, settings, force, plan[p]) for p in plan))

    async def _run(
        self, path: Path, doc: str, settings: Settings, force: bool, outputs: tuple[Path, Path] | None
    ) -> DocumentResult:
        self.sink(JobUpdate(doc, "started"))
        try:
            digest = await asyncio.to_thread(self.library.digest, path)
        except OSError as err:
            why = err.strerror or str(err)
            return self._failed(path, f"cannot read {path.name}: {why}", "is it still there, and readable?")
        resume = None
        if not force:
            reused = await asyncio.to_thread(self._reuse, path, digest, settings, outputs)
            if reused is not None:
                return reused
            resume = await asyncio.to_thread(self._partial, digest, settings)
        self._digests[doc] = digest  # `run` forgets it when the job ends
        result = await self._indexer_for(settings).index(path, outputs or self._staged(path), resume)
        if result.partial is not None:
            entry = await asyncio.to_thread(self._file, path, digest, settings, result, outputs is None)
            self.sink(JobUpdate(doc, "partial", entry=entry))
            return result
        if not result.ok:
            return result
        entry = await asyncio.to_thread(self._file, path, digest, settings, result, outputs is None)
        self.sink(JobUpdate(doc, "finished", entry=entry))
        return result

    def _partial(self, digest: str, settings: Settings) -> Resume | None:
        """The partial index of this content with these settings to go on from, if one is kept and sound."""
        entry = self.library.find_partial(digest, settings)
        if entry is None:
            return None
        from ..index.partial import read_resume

        return read_resume(entry.structure_path, entry.run_path)

    def _file_partial(
        self, path: Path, settings: Settings, result: DocumentResult, move: bool
    ) -> LibraryEntry | None:
        """File the partial index of a cancelled run; None when it cannot be (it is only not resumable)."""
        digest = self._digests.get(str(path))
        if digest is None:
            return None
        try:
            return self._file(path, digest, settings, result, move)
        except OutputError as err:
            log.warning("the partial index of %s was not kept: %s", path, err)
            return None

    def _failed(
        self, path: Path, error: str, hint: str = "", kind: FailureKind = "document"
    ) -> DocumentResult:
        failure = events.DocumentFailed(str(path), error, hint, kind)
        self.sink(failure)
        return DocumentResult(Path(path), failure=failure)

    def _reuse(
        self, path: Path, digest: str, settings: Settings, outputs: tuple[Path, Path] | None
    ) -> DocumentResult | None:
        """The saved index of this content with these settings, copied to `outputs`; None when there is
        none, or its files cannot be read (then the document is indexed afresh)."""
        entry = self.library.find(digest, settings)
        if entry is None:
            return None
        try:
            structure_text = entry.structure_path.read_text(encoding="utf-8")
            result = json.loads(structure_text)
        except (OSError, ValueError):
            return None
        if not isinstance(result, dict):
            return None
        try:
            run_text = entry.run_path.read_text(encoding="utf-8")
            run = RunRecord.from_dict(json.loads(run_text))
        except (OSError, ValueError):  # the tree is what counts; the record is rebuilt from the entry
            run = RunRecord(entry.doc_name, str(path), nodes=entry.nodes, finished_at=entry.finished_at)
            run.structure_source = entry.structure_source
            run_text = json.dumps(run.to_dict(), indent=2, ensure_ascii=False) + "\n"
        structure_path, run_path = entry.structure_path, entry.run_path
        if outputs is not None:
            structure_path, run_path = outputs
            atomic_write_text(structure_path, structure_text)
            atomic_write_text(run_path, run_text)
        self.sink(JobUpdate(str(path), "reused", entry=entry))
        return DocumentResult(Path(path), structure_path, run_path, result, run, reused=True)

    def _file(
        self, path: Path, digest: str, settings: Settings, result: DocumentResult, move: bool
    ) -> LibraryEntry | None:
        """Put the engine's finished files into the library and record the entry: moved from staging
        (the app), or copied from the out folder (the CLI, where a library that cannot be written costs
        only the reuse next time, with a warning)."""
        assert result.structure_path is not None and result.run_path is not None
        folder = self.library.folder_for(digest, settings, partial=result.partial is not None)
        structure, run = folder / result.structure_path.name, folder / result.run_path.name
        try:
            if move:
                folder.mkdir(parents=True, exist_ok=True)
                os.replace(result.structure_path, structure)
                os.replace(result.run_path, run)
                result.structure_path, result.run_path = structure, run
            else:
                atomic_write_text(structure, result.structure_path.read_text(encoding="utf-8"))
                atomic_write_text(run, result.run_path.read_text(encoding="utf-8"))
            return self.library.save(path, digest, settings, structure, run, result.run)
        except (OSError, OutputError) as err:
            if move:
                raise OutputError(
                    f"cannot file the index into the library {self.library.root}: {err}"
                ) from err
            self.sink(events.WarningEvent(str(path), f"not kept in the library for reuse: {err}"))
            return None

    def _staged(self, path: Path) -> tuple[Path, Path]:
        from ..index.pipeline import output_paths

        return output_paths(path, self.staging)

    def _indexer_for(self, settings: Settings) -> Indexer:
        indexer = self._indexers.get(settings)
        if indexer is None:
            from ..index.pipeline import Indexer  # the engine (and the openai SDK) load on first use

            cache = self.cache if self.cache is not None else ResponseCache(enabled=settings.cache)
            indexer = Indexer(settings, self.staging, sink=self.sink, cache=cache, password=self.password)
            self._indexers[settings] = indexer
        return indexer

    def _limit(self, settings: Settings) -> asyncio.Semaphore:
        size = documents_at_once(settings.concurrency)
        if size not in self._limits:
            self._limits[size] = asyncio.Semaphore(size)
        return self._limits[size]

    def _stem_lock(
        self, path: Path, outputs: tuple[Path, Path] | None
    ) -> contextlib.AbstractAsyncContextManager[Any]:
        """Staged documents go one per file stem at a time: the engine names its files after the stem."""
        if outputs is not None:
            return contextlib.nullcontext()
        return self._stems.setdefault(Path(path).stem, asyncio.Lock())

    async def aclose(self) -> None:
        """Close every model connection the jobs opened."""
        for indexer in self._indexers.values():
            with contextlib.suppress(Exception):
                await indexer.aclose()
        self._indexers.clear()

    async def __aenter__(self) -> JobService:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    # -- the queue (any thread) --------------------------------------------------------------------
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
            self.sink(JobUpdate(doc, "queued"))
            coro = self.run(Path(path), settings, force)
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
                    self.sink(JobUpdate(doc, "cancelled"))
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
            self.sink(JobUpdate(doc, "cancelled"))

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
