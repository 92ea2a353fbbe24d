"""The library as the MCP tools see it: documents found by id or name, listed a page at a time, their trees
cut into results that fit, their pages, search and asking. Knows nothing of MCP (tested and reused without
a transport); `replies.py` turns what it returns into each tool's JSON, ours and PageIndex's alike."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from ..ask import Asker, AskInputError, AskResult, LibraryScope, load_entry, parse_ranges
from ..ask.types import AskDocument
from ..events import EventSink, ignore
from ..jobs.pagetext import library_search
from ..safe_text import literal
from ..settings import Settings
from ..store.damage import SetAside
from ..store.library import Library, LibraryEntry, tree_settings_key
from ..tree import Tree, Unit
from . import paging

MAX_LISTED = 100  # documents one listing may ask for
MAX_NODES_PER_CALL = 500  # nodes one flat structure call may ask for
MAX_UNITS_ASKED = 10_000  # pages (or lines) one read may name; those that fit one result are read
MAX_HITS_PER_CALL = 50

Status = Literal["indexed", "changed", "damaged"]
STATUS_NOTES: dict[Status, str] = {
    "indexed": "",
    "changed": "its source changed since it was indexed: `pageindex-tui index` on it indexes it again",
    "damaged": "its saved index was damaged and set aside: `pageindex-tui index` on its source re-indexes it",
}


@dataclass(frozen=True)
class DocumentInfo:
    id: str  # the first 12 hex digits of the document's content digest
    name: str  # its file's name with its suffix (for PDFs and Markdown alike)
    source: str
    source_available: bool
    nodes: int
    structure_source: str
    indexed_at: str
    status: Status = "indexed"
    unit: Unit = "page"  # what its ranges count: pages of a PDF, lines of a Markdown document
    description: str = ""  # the tree's doc_description, "" when it has none
    size: int | None = None  # pages or lines, where known

    @property
    def note(self) -> str:
        return STATUS_NOTES[self.status]


@dataclass(frozen=True)
class Listing:
    documents: list[DocumentInfo]
    total: int
    offset: int
    limit: int


@dataclass(frozen=True)
class StructureRun:
    """A tree's nodes in reading order from `offset`, each with its depth (our get_structure)."""

    info: DocumentInfo
    nodes: list[dict[str, Any]]
    offset: int
    total: int
    limit: int

    @property
    def next_offset(self) -> int | None:
        end = self.offset + len(self.nodes)
        return end if end < self.total else None

    @property
    def capped(self) -> bool:
        """Fewer nodes than `limit` came back because more would not fit one result."""
        return self.next_offset is not None and len(self.nodes) < self.limit


@dataclass(frozen=True)
class StructurePart:
    """One part of a tree, nested (PageIndex's get_document_structure)."""

    info: DocumentInfo
    nodes: list[dict[str, Any]]
    part: int
    parts: int


@dataclass(frozen=True)
class PagesRead:
    info: DocumentInfo
    requested: list[int]
    texts: list[paging.Text]
    remaining: list[int]  # asked for, not read: they did not fit this result


class LibraryService:
    """Documents by id or name, their trees, pages, search and asking."""

    def __init__(self, settings: Settings, library: Library | None = None) -> None:
        self.settings = settings
        self.library = library or Library()
        self.search_index = library_search(self.library)  # one for the server's life: its connections kept

    # -- the documents ---------------------------------------------------------------------------
    def entries(self) -> list[LibraryEntry]:
        """The saved index of each document in the library made with these settings, else its newest."""
        out, key = [], tree_settings_key(self.settings)
        try:
            folders = sorted(p for p in self.library.root.iterdir() if p.is_dir() and p.name != "staging")
        except OSError:
            return []
        for folder in folders:
            found = self.library.entries_for(folder.name)  # [] for a folder without a sound entry
            if found:  # the tree made with these settings, else the newest (ask says how it differs)
                out.append(next((e for e in found if e.settings_key == key), found[0]))
        return out

    def damaged(self, known: set[str]) -> list[tuple[str, SetAside]]:
        """Documents with no sound index whose damaged one was set aside: (digest, what was set aside)."""
        try:
            digests = sorted(
                p.name for p in self.library.root.iterdir() if p.is_dir() and p.name not in known
            )
        except OSError:
            return []
        return [(d, found[0]) for d in digests if (found := self.library.damaged(d))]

    @staticmethod
    def name_of(entry: LibraryEntry) -> str:
        """The name a document is listed by: its file's name, suffix and all, whatever its kind."""
        return Path(entry.source).name if entry.source else entry.doc_name

    def list_documents(
        self,
        offset: int = 0,
        limit: int = MAX_LISTED,
        query: str = "",
        most: int = MAX_LISTED,
        newest_first: bool = False,
    ) -> Listing:
        """`limit` documents from `offset`: by name (or the newest indexed first), or best first for `query`
        (the library's search). A limit over `most` is an error, not cut down."""
        if offset < 0:
            raise AskInputError(f"offset must be 0 or more, not {offset}", "start at 0")
        if not 1 <= limit <= most:
            raise AskInputError(f"limit must be from 1 to {most}, not {limit}", "page on with next_offset")
        entries = sorted(self.entries(), key=lambda e: (self.name_of(e).casefold(), e.digest))
        if newest_first:
            entries.sort(key=lambda e: e.finished_at, reverse=True)  # stable: same time, by name
        known = {e.digest for e in entries}
        if query.strip():
            by_digest = {e.digest: e for e in entries}
            hits = self.search_index.documents(query, len(entries) or 1)
            entries = [by_digest[h.digest] for h in hits if h.digest in by_digest]
        window = entries[offset : offset + limit]
        infos = [self.info(e) for e in window]
        damaged = [] if query.strip() else self.damaged(known)
        skip = max(0, offset - len(entries))  # the damaged ones come after the sound ones
        for digest, item in damaged[skip : skip + limit - len(window)]:
            infos.append(DocumentInfo(digest[:12], literal(item.doc_name), "", False, 0, "", "", "damaged"))
        return Listing(infos, len(entries) + len(damaged), offset, limit)

    def info(self, entry: LibraryEntry, doc: AskDocument | None = None) -> DocumentInfo:
        """What the listing says of an entry; with its opened `doc`, its size in pages or lines too."""
        tree: Tree | None = doc.tree if doc is not None else None
        if tree is None:
            try:
                tree = entry.load()
            except (OSError, ValueError):
                tree = None
        return DocumentInfo(
            entry.digest[:12],
            literal(self.name_of(entry)),
            literal(entry.source),
            Path(entry.source).is_file() if entry.source else False,
            entry.nodes,
            entry.structure_source,
            entry.finished_at,
            self._status(entry),
            tree.unit if tree is not None else "page",
            paging.cut_text(literal(tree.description or ""), paging.NODE_CHARS) if tree is not None else "",
            doc.size if doc is not None else (tree.size or None) if tree is not None else None,
        )

    def _status(self, entry: LibraryEntry) -> Status:
        """ "indexed", or "changed" when its source file's content is no longer what was indexed (the
        library's digest: read again only when the file's size or mtime changed)."""
        try:
            changed = bool(entry.source) and self.library.digest(Path(entry.source)) != entry.digest
        except OSError:  # gone or unreadable: source_available says so
            return "indexed"
        return "changed" if changed else "indexed"

    def find(self, ref: str, entries: list[LibraryEntry] | None = None) -> LibraryEntry:
        """A document by id (or a prefix of it), name (with or without its suffix, any case) or source path,
        among `entries` (default: read `entries()`); AskInputError when none or several."""
        ref = str(ref).strip()
        entries = self.entries() if entries is None else entries
        fold = ref.casefold()
        tests: tuple[Callable[[LibraryEntry], bool], ...] = (
            lambda e: e.digest[:12] == ref or e.digest == ref,
            lambda e: ref in (self.name_of(e), e.doc_name, e.source),
            lambda e: len(ref) >= 4 and e.digest.startswith(ref.lower()),
            lambda e: fold in (self.name_of(e).casefold(), e.doc_name.casefold()),
            lambda e: fold in (Path(self.name_of(e)).stem.casefold(), Path(e.doc_name).stem.casefold()),
        )
        for test in tests:
            found = [e for e in entries if test(e)]
            if len(found) == 1:
                return found[0]
            if len(found) > 1:
                ids = ", ".join(f"{e.digest[:12]} ({self.name_of(e)})" for e in found[:10])
                raise AskInputError(f"{ref!r} names {len(found)} documents: {ids}", "pass one of these ids")
        for digest, item in self.damaged({e.digest for e in entries}):
            if ref in (digest[:12], digest, item.doc_name):
                raise AskInputError(
                    f"{ref!r}: {STATUS_NOTES['damaged']}", f"it was set aside as {item.folder}"
                )
        known = ", ".join(self.name_of(e) for e in entries[:20]) or "none: index some first"
        raise AskInputError(f"no such document {ref!r}", f"documents in the library: {known}")

    def document(self, ref: str) -> tuple[LibraryEntry, AskDocument]:
        entry = self.find(ref)
        return entry, load_entry(entry, digest=self.library.digest)

    def describe(self, ref: str) -> DocumentInfo:
        """One document's listing, with its size in pages or lines."""
        entry, doc = self.document(ref)
        return self.info(entry, doc)

    # -- trees -----------------------------------------------------------------------------------
    def structure_run(self, ref: str, offset: int = 0, limit: int = 100) -> StructureRun:
        """Up to `limit` nodes from `offset` in reading order, as many as fit one result."""
        if offset < 0:
            raise AskInputError(f"offset must be 0 or more, not {offset}", "start at 0")
        if not 1 <= limit <= MAX_NODES_PER_CALL:
            raise AskInputError(
                f"limit must be from 1 to {MAX_NODES_PER_CALL}, not {limit}", "page on with next_offset"
            )
        entry, doc = self.document(ref)
        flat = paging.flatten(doc.tree.nodes, doc.unit)
        if offset and offset >= len(flat):
            raise AskInputError(f"offset {offset} is past the tree's last node ({len(flat)} nodes)", "")
        nodes = paging.flat_run(flat, offset, limit) if flat else []
        return StructureRun(self.info(entry, doc), nodes, offset, len(flat), limit)

    def structure_part(self, ref: str, part: int = 1) -> StructurePart:
        """Part `part` (from 1) of the tree cut into parts that fit one result."""
        if part < 1:
            raise AskInputError(f"part must be 1 or more, not {part}", "start at part 1")
        entry, doc = self.document(ref)
        parts = paging.tree_parts(paging.flatten(doc.tree.nodes, doc.unit))
        if part > len(parts):
            raise AskInputError(
                f"part {part} is past the last part: the structure has {len(parts)}",
                f"ask for part 1 to {len(parts)}",
            )
        return StructurePart(self.info(entry, doc), parts[part - 1], part, len(parts))

    # -- pages -----------------------------------------------------------------------------------
    def read(self, ref: str, ranges: str) -> PagesRead:
        """The text of pages (lines of a Markdown document) such as "1-3,7", in the order asked, as many as
        fit one result; the rest are named for the next call."""
        entry, doc = self.document(ref)
        read = doc.read
        if read is None:
            raise AskInputError(f"{doc.name}: {doc.note}", "put it back as it was indexed, or index it again")
        units = parse_ranges(ranges, doc.size, MAX_UNITS_ASKED, doc.unit)
        texts = paging.fill(units, lambda u: read(u, u)[0])
        return PagesRead(self.info(entry, doc), units, texts, units[len(texts) :])

    # -- search and asking -----------------------------------------------------------------------
    def search(self, query: str, limit: int = 10, folder: str = "") -> list[dict[str, Any]]:
        """The sections best matching the words of `query`, best first, each with its document's id;
        `folder`: of documents whose source lies in it only."""
        under = _folder(folder)
        if not query.strip():
            raise AskInputError("the query is empty", "give the words to look for")
        if not 1 <= limit <= MAX_HITS_PER_CALL:
            raise AskInputError(f"limit must be from 1 to {MAX_HITS_PER_CALL}, not {limit}", "")
        names = {e.digest: self.name_of(e) for e in self.entries()}
        hits = self.search_index.search(query, limit, under)
        return [
            {
                "document_id": h.digest[:12],
                "document": literal(names.get(h.digest, h.doc_name)),
                "node_id": h.node_id,
                "title": literal(h.title),
                "start_index": h.start,
                "end_index": h.end,
                "page": h.page,
                "unit": h.unit,
                "snippet": literal(h.snippet),
                "score": h.score,
            }
            for h in hits
        ]

    async def ask(
        self, question: str, refs: list[str] | None = None, sink: EventSink = ignore, folder: str = ""
    ) -> AskResult:
        """The checked answer from the documents named, or from the whole library routed through its search;
        the engine's events go to `sink`; `folder`: of the library's documents whose source lies in it."""
        under = _folder(folder)
        if not question.strip():
            raise AskInputError("the question is empty", "")
        if refs and under is not None:
            raise AskInputError("give documents or a folder, not both", "")
        docs, scope = [], None
        if refs:
            known = self.entries()  # read once, not once per document named
            docs = [load_entry(self.find(r, known), digest=self.library.digest) for r in refs]
        else:  # the whole library: documents found by search first (ask/route.py)
            search = self.search_index
            scope = LibraryScope.of(self.library, under=under, search=search, settings=self.settings)
        async with Asker(self.settings, sink=sink) as asker:
            return await asker.ask(docs, question, run="mcp ask", scope=scope)


def _folder(folder: str) -> Path | None:
    """A `folder` argument as the folder it names (None for ""); AskInputError when it is none."""
    if not folder.strip():
        return None
    path = Path(folder).expanduser()
    if not path.is_dir():
        raise AskInputError(f"no such folder: {folder}", "give a folder the library's documents came from")
    return path
