"""One document in, `<stem>_structure.json` and `<stem>_run.json` out; several documents concurrently.

Several documents keep their outputs apart: each one's folder is mirrored under the output folder
(relative to the folder they all share), and two documents of one folder with one stem (`report.pdf`,
`report.md`) are named by their whole file name (`report.pdf_structure.json`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
from collections import Counter
from collections.abc import Callable, Container
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import cast

from .. import __version__, events
from ..document import Document, PdfDocument, open_document
from ..errors import PageIndexError, ServerRefused, ServerUnavailable
from ..formats import RUN_SUFFIX, STRUCTURE_SUFFIX, is_document
from ..llm.client import LLMClient
from ..llm.session import ModelSession
from ..llm.types import ServerInfo
from ..monitor.energy import Energy, EnergyMeter, Mark, shared_meter
from ..serverload import watched_client
from ..settings import Settings
from ..settings.rules import conflicts
from ..store.cache import ResponseCache
from ..store.files import atomic_write_json, check_writable
from ..store.records import (
    EnergyFigures,
    NodeOrigin,
    NodeOrigins,
    PartialState,
    RunRecord,
    RunWarning,
    ServerFacts,
)
from ..tree import Tree
from .context import RunContext
from .estimate import first_estimate, tree_estimate
from .layout_stage import subheadings
from .locate import title_opens_page
from .ocr_stage import ocr_source, recognise_scanned
from .partial import Resume, partial_paths, partial_state
from .result import CancelledKeeping, DocumentResult
from .split import split_large
from .structure import count_verified, pdf_structure
from .summarize import describe, summarize_tree
from .tree import (
    Entry,
    Node,
    StartsAtTop,
    assign_ids,
    build_tree,
    count,
    depth,
    frozen,
    walk,
    walk_paths,
)

log = logging.getLogger(__name__)
LINES_PER_PAGE = 50  # a Markdown document's size in pages, to rank it beside PDFs in the calls' queue


def find_documents(path: Path) -> list[Path]:
    """A file as given, or every document in a folder (recursively, sorted): PDF and Markdown files, not
    hidden and not our own outputs (`formats.is_document`)."""
    if path.is_dir():
        return sorted(p for p in path.rglob("*") if is_document(p, path) and p.is_file())
    return [path]


def output_paths(path: Path, out_dir: Path, stem: str | None = None) -> tuple[Path, Path]:
    stem = path.stem if stem is None else stem
    return out_dir / f"{stem}{STRUCTURE_SUFFIX}", out_dir / f"{stem}{RUN_SUFFIX}"


def output_plan(paths: list[Path], out_dir: Path) -> dict[Path, tuple[Path, Path]]:
    """Each document's two output files, never shared by two documents (see the module's docstring)."""
    real = {path: Path(path).resolve() for path in paths}
    if not real:
        return {}
    base = Path(os.path.commonpath([r.parent for r in real.values()]))
    stems = Counter((r.parent, r.stem.casefold()) for r in set(real.values()))
    plan = {}
    for path, resolved in real.items():
        folder = Path(out_dir) / resolved.parent.relative_to(base)
        shared = stems[(resolved.parent, resolved.stem.casefold())] > 1
        plan[path] = output_paths(resolved, folder, resolved.name if shared else resolved.stem)
    return plan


@dataclass
class _Run:
    """One document's run, as the stages fill it in."""

    path: Path
    doc_id: str
    stats: events.CallTally  # its calls, as the session counts them
    started: float
    outputs: tuple[Path, Path]
    ctx: RunContext = field(init=False)
    doc: Document | None = None
    source: events.StructureSource = "model"
    verified: int = 0
    total: int = 0
    structure_calls: int = 0
    resumed: str = ""  # the partial state this run goes on from
    waiting: ServerUnavailable | ServerRefused | None = None  # the model the sections wait for (`_pdf_tree`)
    energy: Mark | None = None  # the GPUs' energy since the run began (None: no GPU to measure)
    used: Energy | None = None  # what it came to, once the run stopped


class Indexer:
    """Indexes documents with one shared model connection, response cache and event sink.

    Use it as `async with Indexer(...) as indexer:`; the model connection closes on the way out."""

    def __init__(
        self,
        settings: Settings,
        out_dir: Path,
        sink: events.EventSink = events.ignore,
        cache: ResponseCache | None = None,
        password: str | None = None,
        client_factory: Callable[..., LLMClient] = watched_client,
        session: ModelSession | None = None,
        energy: EnergyMeter | None = None,
    ) -> None:
        self.settings = settings
        self.energy = energy if energy is not None else shared_meter()  # NVML, when a GPU is visible
        self.out_dir = Path(out_dir)
        self.sink = sink
        self.password = password
        self._owns_session = session is None
        self.session = session or ModelSession(settings, cache, client_factory, sink)
        self.cache = self.session.cache

    async def llm(self) -> LLMClient:
        """The model connection, opened on first need (an outline-only run never opens it)."""
        return await self.session.client()

    def _context(self) -> int:
        """The context length the calls will have: as connecting resolved it, else as the settings do."""
        return self.session.context_length

    def _dispatch(self, event: events.Event) -> None:
        """Every event passes the session: a document's calls are counted once, then the front end sees it."""
        self.session.dispatch(event)

    async def __aenter__(self) -> Indexer:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the model session it opened (`async with Indexer(...)` does it on the way out); a session
        it was given is its owner's to close."""
        if self._owns_session:
            await self.session.aclose()

    async def index(
        self,
        path: Path,
        outputs: tuple[Path, Path] | None = None,
        resume: Resume | None = None,
        document: Document | None = None,
    ) -> DocumentResult:
        """Index one document. A failure raises (a PageIndexError says what stopped it): the job service
        is the one layer that turns it into the document's failed result and its DocumentFailed event.

        `outputs` are the structure and run files to write (default: `<stem>_*.json` in the out folder).
        `resume`: a partial index of this document to go on from (its tree and summaries are kept). A run
        that stops after its structure is known keeps a partial index (see `partial.py`): on a server
        failure it is the result; on cancellation it rides on the `CancelledKeeping` raised. `document`:
        the file already opened (by a caller that reads it next), else it is opened here."""
        target = outputs or output_paths(Path(path), self.out_dir)
        return await self._index(Path(path), str(path), target, resume, document)

    async def _index(
        self,
        path: Path,
        doc_id: str,
        outputs: tuple[Path, Path],
        resume: Resume | None,
        document: Document | None,
    ) -> DocumentResult:
        stats = self.session.open(doc_id, self.sink)
        run = _Run(path, doc_id, stats, time.perf_counter(), outputs)
        run.doc = document
        run.energy = await asyncio.to_thread(self.energy.start)
        try:
            return await self._run(run, resume)
        finally:
            self.session.close(doc_id)
            if run.energy is not None:
                run.energy.stop()  # already read where a record was written; here for a failure

    async def _run(self, run: _Run, resume: Resume | None) -> DocumentResult:
        sink = self._dispatch
        ctx = run.ctx = RunContext(run.doc_id, self.settings, sink, self.llm)
        check_writable(run.outputs[0].parent)
        ctx.stage("read")
        doc = run.doc  # opened by the caller, or here
        if doc is None:
            ocr = True if self.settings.ocr_model else None  # a vision model reads scans: no engine needed
            doc = run.doc = await asyncio.to_thread(open_document, run.path, self.password, ocr)
        sink(events.DocumentStarted(run.doc_id, doc.name, doc.size))
        self.session.rank(run.doc_id, doc.size if doc.unit == "page" else doc.size / LINES_PER_PAGE)
        ctx.done("read", f"{doc.size} {'pages' if doc.unit == 'page' else 'lines'}")
        if isinstance(doc, PdfDocument):
            await recognise_scanned(ctx, doc, self._dispatch, self.cache)
        first = await asyncio.to_thread(first_estimate, doc, self.settings, self._context())
        sink(events.WorkEstimate(run.doc_id, first))

        ctx.stage("structure")
        if resume is not None and resume.fits(doc.size):
            nodes = self._resumed(run, resume)
        else:
            resume = None
            nodes = await self._structure(run, doc)
            if run.waiting is not None:  # page groups stand in: nothing more is done without the model
                waiting = PartialState("structure", 0, 0, "server", run.waiting.message, run.waiting.hint)
                return self._keep(run, nodes, waiting)

        def text_of(node: Node) -> str:
            return doc.node_text(node.start, node.end)

        to_come = await asyncio.to_thread(tree_estimate, nodes, text_of, self.settings, self._context())
        sink(events.WorkEstimate(run.doc_id, run.stats.work + to_come))  # done so far, and to come
        summaries = self.settings.if_add_node_summary
        description = resume.description if resume is not None else None
        try:
            if summaries:
                await summarize_tree(ctx, nodes, text_of)
                ctx.check_answered("summarize", "summary")
            if self.settings.if_add_doc_description and description is None:
                description = await describe(ctx, nodes)
        except asyncio.CancelledError:
            try:
                kept = self._keep(run, nodes, partial_state(nodes, summaries, "cancelled"))
            except PageIndexError:  # nothing could be kept: the cancellation goes on as it came
                log.warning("the partial index of %s could not be written", run.path)
                raise
            raise CancelledKeeping(kept) from None
        except (ServerUnavailable, ServerRefused) as err:
            return self._keep(run, nodes, partial_state(nodes, summaries, "server", err.message, err.hint))
        if self.settings.if_add_node_text:
            for _p, node in walk_paths(nodes):
                node.text = text_of(node)

        ctx.stage("write", 2)
        result = self._result(doc, nodes, description)
        record = self._record(run, nodes)
        structure_path, run_path = run.outputs
        atomic_write_json(structure_path, result.to_json())
        atomic_write_json(run_path, record.to_dict())
        for stale in partial_paths(run.outputs):  # a partial index this run went on from is done with
            with contextlib.suppress(OSError):
                stale.unlink()
        ctx.done("write", str(structure_path))
        sink(events.DocumentFinished(run.doc_id, str(structure_path), str(run_path), result, record))
        return DocumentResult(run.path, structure_path, run_path, result, record, document=run.doc)

    async def _structure(self, run: _Run, doc: Document) -> list[Node]:
        """The tree from the document: outline, contents, layout or the model; large nodes split."""
        ctx, stats, sink = run.ctx, run.stats, self._dispatch
        if isinstance(doc, PdfDocument):
            nodes, run.source, run.verified, run.total = await self._pdf_tree(run, doc)
        else:  # the document's own headings are its structure
            nodes, run.source, run.verified, run.total = self._declared_tree(doc)
        ctx.check_answered("structure", "structure")
        run.structure_calls = stats.calls + stats.cached
        assign_ids(nodes)
        sink(events.StructureFound(run.doc_id, tree_of(doc, nodes), run.source))
        ctx.done("structure", f"{run.source}, {count(nodes)} nodes")

        # splitting is by pages (a Markdown node is its own lines), and not of page groups standing in
        if isinstance(doc, PdfDocument) and run.waiting is None:
            ctx.stage("split")
            # a tree from an outline (coarse or not) is split by the rules its trees were built with
            precise = not any(n.source == "outline" for n in walk(nodes))
            split = await split_large(
                ctx,
                nodes,
                doc.page_text,
                self._starts_at_top(doc),
                lambda n: subheadings(doc, n, precise=precise),
                doc.prefetch,
            )
            if split:
                assign_ids(nodes)
                sink(events.StructureFound(run.doc_id, tree_of(doc, nodes), run.source))
            ctx.done("split", f"{split} split")
        return nodes

    def _resumed(self, run: _Run, resume: Resume) -> list[Node]:
        """The tree of a partial index, as it was: its structure facts go on into this run's record."""
        old = resume.run
        run.source = cast(events.StructureSource, old.structure_source or "model")
        run.verified, run.total = old.titles_verified, old.titles_total
        run.structure_calls = old.structure_calls
        run.ctx.facts = old.facts
        run.resumed = resume.partial.describe()
        run.stats.carry(old)
        assert run.doc is not None
        self._dispatch(events.StructureFound(run.doc_id, tree_of(run.doc, resume.nodes), run.source))
        run.ctx.done("structure", f"{run.source}, {count(resume.nodes)} nodes, resumed ({run.resumed})")
        return resume.nodes

    def _keep(self, run: _Run, nodes: list[Node], partial: PartialState) -> DocumentResult:
        """Write what the run has as a partial index and report it (synchronous: it runs on cancellation)."""
        assert run.doc is not None
        result = self._result(run.doc, nodes, None)  # the description is the last step: none yet
        record = self._record(run, nodes, partial)
        structure_path, run_path = partial_paths(run.outputs)
        atomic_write_json(structure_path, result.to_json())
        atomic_write_json(run_path, record.to_dict())
        self._dispatch(events.DocumentPartial(run.doc_id, str(structure_path), str(run_path), result, record))
        return DocumentResult(run.path, structure_path, run_path, result, record)

    def _result(self, doc: Document, nodes: list[Node], description: str | None) -> Tree:
        """The tree as written: node ids only when the settings add them."""
        return tree_of(doc, nodes, description, ids=self.settings.if_add_node_id)

    def _record(self, run: _Run, nodes: list[Node], partial: PartialState | None = None) -> RunRecord:
        doc, llm = run.doc, self.session.connected
        assert doc is not None
        info = llm.info if llm is not None else None
        served = info.context_length if info is not None and info.context_source == "server" else 0
        for conflict in conflicts(self.settings, served):
            run.ctx.warn(conflict.message, "settings")
        return RunRecord(
            doc_name=doc.doc_name,
            path=str(run.path),
            unit="pages" if doc.unit == "page" else "lines",
            size=doc.size,
            tool=f"pageindex-tui {__version__}",
            finished_at=datetime.now(timezone.utc).isoformat(timespec="milliseconds"),
            structure_source=run.source,
            titles_verified=run.verified,
            titles_total=run.total,
            nodes=count(nodes),
            depth=depth(nodes),
            structure_calls=run.structure_calls,
            origins=origins(nodes, doc.recognised if isinstance(doc, PdfDocument) else {}),
            llm=run.stats.record(),
            server=None if llm is None or llm.info is None else server_facts(llm.info),
            settings=self.settings.public_dict(),
            facts=run.ctx.facts,
            warnings=run.stats.warnings + [RunWarning(w, "document") for w in doc.warnings],
            problems=run.stats.problems,
            problems_dropped=run.stats.problems_dropped,
            wall_seconds=round(time.perf_counter() - run.started, 3),
            partial=partial,
            resumed=run.resumed,
            energy=self._energy(run),
        )

    @staticmethod
    def _energy(run: _Run) -> EnergyFigures | None:
        """The GPUs' energy since the run began, read once (at its record); None with no GPU measured."""
        if run.energy is not None and run.used is None:
            run.used = run.energy.stop()  # blocking, briefly: one NVML read (it runs on cancellation too)
        used = run.used
        return None if used is None else EnergyFigures(used.joules, used.method, used.gpus)

    @staticmethod
    def _starts_at_top(doc: PdfDocument) -> StartsAtTop:
        return lambda entry: title_opens_page(entry.title, doc.page_text(entry.start))

    async def _pdf_tree(
        self, run: _Run, doc: PdfDocument
    ) -> tuple[list[Node], events.StructureSource, int, int]:
        """The PDF's tree, its source, and its titles verified of those it has. When only the model could
        find the sections and it cannot be reached, page groups stand in (`run.waiting` says why)."""
        ctx = run.ctx
        try:
            entries, source = await pdf_structure(ctx, doc)
        except (ServerUnavailable, ServerRefused) as err:
            ctx.warn(f"{err.message}; page groups stand in until a model is reachable", "fallback")
            run.waiting = err
            entries, source = fallback_entries(doc), "pages"
        if not entries:
            ctx.warn("no sections found; the tree holds one node per page group", "structure")
            entries = fallback_entries(doc)
        ctx.stage("verify", len(entries))
        verified = await asyncio.to_thread(count_verified, entries, doc.page_text)
        ctx.done("verify", f"{verified}/{len(entries)} titles found on their pages")
        first = min(e.start for e in entries)
        if first > 1:
            entries = [Entry("Preface", 0, 1, "pages"), *entries]
        nodes = build_tree(entries, doc.page_count, self._starts_at_top(doc))
        ctx.facts.titles_verified = verified
        return nodes, source, verified, len(entries) - (first > 1)

    @staticmethod
    def _declared_tree(doc: Document) -> tuple[list[Node], events.StructureSource, int, int]:
        entries = doc.entries()  # each a "markdown" heading
        if not entries:
            return [Node(doc.doc_name, 1, doc.size)], "markdown", 0, 0
        return build_tree(entries, doc.size), "markdown", len(entries), len(entries)


def tree_of(doc: Document, nodes: list[Node], description: str | None = None, ids: bool = True) -> Tree:
    """The document's tree as it stands, frozen to report or write (`ids`: with the node ids)."""
    size = doc.size if doc.unit == "line" else 0
    return Tree(doc.doc_name, doc.unit, frozen(nodes, ids), description, size)


def origins(nodes: list[Node], recognised: Container[int] = frozenset()) -> NodeOrigins:
    """Where each node came from ("outline", "contents", "layout", "model", "markdown", or "pages" for
    page groups and the preface), with that source's confidence; a heading read on a page OCR
    recognised (`recognised`) says so ("ocr+layout", `ocr_stage.ocr_source`)."""
    return NodeOrigins(
        [
            NodeOrigin(
                n.node_id,
                n.title,
                ocr_source(n.source) if n.start in recognised else n.source,
                round(n.confidence, 2),
            )
            for n in walk(nodes)
        ]
    )


def server_facts(info: ServerInfo) -> ServerFacts:
    return ServerFacts(info.base_url, info.kind, info.model, info.context_length, info.context_source)


def fallback_entries(doc: PdfDocument, pages_per_group: int = 10) -> list[Entry]:
    """The weakest valid structure: consecutive page groups."""
    out = []
    for start in range(1, doc.page_count + 1, pages_per_group):
        end = min(doc.page_count, start + pages_per_group - 1)
        out.append(Entry(f"Pages {start}-{end}", 0, start, "pages"))
    return out
