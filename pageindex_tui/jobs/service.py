"""The job service both front ends use: index documents, reuse saved indexes, file them into the library.

One job is one document: its content digest is looked up in the library with the settings that shape a
tree (`library.TREE_SETTINGS`); a saved index is reused unless forced, a partial one (a run that stopped
after its structure was known) is resumed unless forced, else the engine indexes the document; the result
is filed into the library. Every step reports through the one event sink: engine events, plus `JobUpdate`
for the job's own life (queued, started, reused, finished, partial, cancelled). A failure is reported
once, as a `DocumentFailed` event sent here (the engine raises; this is the one layer that turns a
failure into a document's result), a stop that kept a partial index as the engine's `DocumentPartial`;
one document's failure never stops another's.

`run` and `run_many` are coroutines for a caller that owns an event loop; the app runs them on a loop of
its own thread, queued from the UI thread by its bridge (`ui/jobqueue.py`).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from .. import checked, events
from ..aio import documents_at_once, gather_or_cancel
from ..errors import DamagedFile, FailureKind, OutputError, PageIndexError, failure_kind
from ..formats import kind_of
from ..index.result import CancelledKeeping, DocumentResult
from ..settings import Settings
from ..store.cache import ResponseCache
from ..store.files import atomic_write_text
from ..store.library import Library, LibraryEntry
from ..store.library_search import LibrarySearch
from ..store.records import RunRecord
from .pagetext import passages, source_passages

if TYPE_CHECKING:
    from ..document import Document
    from ..index.partial import Resume
    from ..index.pipeline import Indexer
    from ..llm.client import LLMClient
    from ..llm.session import ModelSession

log = logging.getLogger(__name__)

BUG_HINT = "this is a bug in pageindex-tui; please report it"

JobState = Literal["queued", "started", "reused", "finished", "partial", "cancelled"]


@dataclass(frozen=True)
class JobUpdate(events.Event):
    """A job's own life, next to the engine's events: queued, started, reused or finished (with the
    library entry), partial (the run stopped; the entry is the partial index kept), cancelled (with the
    partial index kept, if any). Failures are `DocumentFailed` events, never a JobUpdate."""

    state: JobState
    entry: LibraryEntry | None = None


Sink = Callable[[events.Event], None]


def unlocks(path: Path, password: str | None) -> None:
    """Raises EncryptedPDF when `path` is an encrypted PDF that `password` does not open (a saved index
    of it is then not handed out: the same error as indexing it afresh)."""
    if kind_of(path) == "pdf":
        from ..document.password import check_password

        check_password(path, password)


class JobService:
    """Jobs over one library, one response cache and one event sink, with one model session per set of
    settings (`session`): given ones (their owner closes them), or made on first need (closed here)."""

    def __init__(
        self,
        library: Library,
        sink: Sink = events.ignore,
        cache: ResponseCache | None = None,
        password: str | None = None,
        sessions: Sequence[ModelSession] = (),
        client_factory: Callable[..., LLMClient] | None = None,
    ) -> None:
        self.library = library
        self.sink = sink
        self.cache = cache
        self.password = password
        self.client_factory = client_factory  # None: the client whose bound reads the server's load
        self.staging = library.root / "staging"
        self._sessions: dict[Settings, ModelSession] = {s.settings: s for s in sessions}
        self._own_sessions: list[ModelSession] = []
        self._indexers: dict[Settings, Indexer] = {}
        self._limits: dict[int, asyncio.Semaphore] = {}
        self._stems: dict[str, asyncio.Lock] = {}
        self._digests: dict[str, str] = {}  # running documents' content digests (to file what a cancel kept)

    # -- one job (on the service's loop) ----------------------------------------------------------
    async def run(
        self,
        path: Path,
        settings: Settings,
        force: bool = False,
        outputs: tuple[Path, Path] | None = None,
        document: Document | None = None,
    ) -> DocumentResult:
        """Index one document, reuse its saved index or resume its partial one; never raises but for
        cancellation (a cancelled run that kept a partial index files it on the way out).

        Without `outputs` the files live in the library only (the app); with them (the CLI) they are
        also written there, and the library keeps a copy so that the next run can reuse it. `document`:
        the file already opened by the caller (who reads it next), so that indexing need not open it."""
        doc = str(path)
        try:
            async with self._limit(settings), self._stem_lock(path, outputs):
                return await self._run(Path(path), doc, settings, force, outputs, document)
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
        self,
        path: Path,
        doc: str,
        settings: Settings,
        force: bool,
        outputs: tuple[Path, Path] | None,
        document: Document | None = None,
    ) -> DocumentResult:
        self.sink(JobUpdate(doc, "started"))
        try:
            digest = await asyncio.to_thread(self.library.digest, path)
        except OSError as err:
            why = err.strerror or str(err)
            return self._failed(path, f"cannot read {path.name}: {why}", "is it still there, and readable?")
        resume = None
        if not force:
            reused = await asyncio.to_thread(self._reuse, path, digest, settings, outputs, document is None)
            if reused is not None:
                return reused
            resume = await asyncio.to_thread(self._partial, digest, settings)
        self._digests[doc] = digest  # `run` forgets it when the job ends
        indexer = self._indexer_for(settings)
        result = await indexer.index(path, outputs or self._staged(path), resume, document)
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
        self, path: Path, digest: str, settings: Settings, outputs: tuple[Path, Path] | None, unopened: bool
    ) -> DocumentResult | None:
        """The saved index of this content with these settings, copied to `outputs`; None when there is
        none, or its files cannot be read (then the document is indexed afresh). `unopened`: the caller
        has not opened the document, so an encrypted PDF's password is checked first (`unlocks`); a
        partial index or a fresh run needs no such check, since the engine opens the document."""
        entry = self.library.find(digest, settings)
        if entry is None:
            return None
        if unopened:  # what is reused is handed out only to whom the PDF opens for
            unlocks(path, self.password)
        try:  # the tree is checked before it is copied; a damaged one is set aside (entry.load)
            result = entry.load()
        except (OSError, DamagedFile) as err:
            log.warning("the saved index of %s is not reused: %s", path, err)
            return None
        try:
            run = checked.read_json(entry.run_path, RunRecord.from_dict)
            rebuilt = False
        except (OSError, DamagedFile):  # the tree is what counts; the record is rebuilt from the entry
            run = RunRecord(entry.doc_name, str(path), nodes=entry.nodes, finished_at=entry.finished_at)
            run.structure_source = entry.structure_source
            rebuilt = True
        structure_path, run_path = entry.structure_path, entry.run_path
        if outputs is not None:  # the saved files are copied as they are, read only for that
            try:
                structure_text = entry.structure_path.read_text(encoding="utf-8")
                run_text = (
                    json.dumps(run.to_dict(), indent=2, ensure_ascii=False) + "\n"
                    if rebuilt
                    else entry.run_path.read_text(encoding="utf-8")
                )
            except OSError as err:
                log.warning("the saved index of %s is not reused: %s", path, err)
                return None
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
            entry = self.library.save(path, digest, settings, structure, run, result.run)
            self._searchable(entry, result)

            return entry
        except (OSError, OutputError) as err:
            if move:
                raise OutputError(
                    f"cannot file the index into the library {self.library.root}: {err}"
                ) from err
            self.sink(events.WarningEvent(str(path), f"not kept in the library for reuse: {err}"))
            return None

    def _searchable(self, entry: LibraryEntry, result: DocumentResult) -> None:
        """Put a filed document in the search index at once, with the tree and pages in hand (the
        document as the engine read it, let go of here), else its source's pages."""
        document, result.document = result.document, None
        try:
            text = passages(document) if document is not None else None
        except PageIndexError as err:
            log.info("page text of %s not searchable: %s", entry.doc_name, err)
            text = []
        search = LibrarySearch(self.library, source_passages(self.library) if text is None else None)
        search.file(entry, result.result, text or ())

    def _staged(self, path: Path) -> tuple[Path, Path]:
        from ..index.pipeline import output_paths

        return output_paths(path, self.staging)

    def session(self, settings: Settings) -> ModelSession:
        """The model session jobs with these settings run on (indexing; a question may share it)."""
        session = self._sessions.get(settings)
        if session is None:
            from ..llm.session import ModelSession  # the openai SDK loads on first use
            from ..serverload import watched_client

            factory = self.client_factory or watched_client
            session = ModelSession(settings, self.cache, factory, self.sink)
            self._sessions[settings] = session
            self._own_sessions.append(session)
        return session

    def _indexer_for(self, settings: Settings) -> Indexer:
        indexer = self._indexers.get(settings)
        if indexer is None:
            from ..index.pipeline import Indexer  # the engine loads on first use

            session = self.session(settings)
            indexer = Indexer(settings, self.staging, sink=self.sink, password=self.password, session=session)
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
        """Close every model session the jobs opened (given ones are their owners' to close)."""
        owned, self._own_sessions = self._own_sessions, []
        self._sessions = {key: s for key, s in self._sessions.items() if all(s is not o for o in owned)}
        self._indexers.clear()
        for session in owned:
            with contextlib.suppress(Exception):
                await session.aclose()

    async def __aenter__(self) -> JobService:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()
