"""`pageindex-tui mcp`: the library's documents as MCP tools over stdio (the official `mcp` SDK).

Tools: `list_documents`, `get_structure` (paged for big trees), `get_pages` (ranges such as "1-3,7"),
`ask`. Every failure comes back as a tool result with `isError` and a message, never as an exception.
Text from documents and the model passes through safe_text.literal (no live control characters).
`LibraryService` does the work and knows nothing of MCP, so it is tested and reused without a transport.

A client that goes away (stdin closed) stops the work it started: the SDK cancels the tool calls in flight,
and `ask`, a coroutine on the server's loop, is cancelled with its model call; keep it there (an ask moved
onto a thread would run on after the client left, holding the process: tests/unit/test_mcp_disconnect.py).
The reading tools run on the SDK's worker threads, each bounded per call (MAX_NODES_PER_CALL, ...).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from mcp.server.mcpserver import MCPServer
from mcp.types import CallToolResult, TextContent

from . import __version__
from .ask import Asker, AskInputError, load_entry, parse_ranges
from .ask.types import AskDocument
from .errors import PageIndexError
from .safe_text import literal, redact_text
from .settings import Settings
from .store.damage import SetAside
from .store.library import Library, LibraryEntry
from .tree import TreeNode

log = logging.getLogger(__name__)

MAX_NODES_PER_CALL = 500
MAX_PAGES_PER_CALL = 20
MAX_LINES_PER_CALL = 400


@dataclass(frozen=True)
class DocumentInfo:
    id: str  # the first 12 hex digits of the document's content digest
    name: str
    source: str
    source_available: bool
    nodes: int
    structure_source: str
    indexed_at: str
    status: str = "indexed"  # or CHANGED (its source changed since), or DAMAGED (set aside)


DAMAGED = "index damaged: `pageindex-tui index` on its source re-indexes it"
CHANGED = "source changed since it was indexed: `pageindex-tui index` on it indexes it again"


class LibraryService:
    """The library as the MCP tools see it: documents by id or name, their trees, pages, and asking."""

    def __init__(self, settings: Settings, library: Library | None = None) -> None:
        self.settings = settings
        self.library = library or Library()

    def entries(self) -> list[LibraryEntry]:
        """The newest saved index of each document in the library."""
        out = []
        try:
            folders = sorted(p for p in self.library.root.iterdir() if p.is_dir() and p.name != "staging")
        except OSError:
            return []
        for folder in folders:
            found = self.library.entries_for(folder.name)  # [] for a folder without a sound entry
            if found:
                out.append(found[0])
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

    def list_documents(self) -> list[DocumentInfo]:
        entries = self.entries()
        infos = [
            DocumentInfo(
                e.digest[:12],
                literal(e.doc_name),
                literal(e.source),
                Path(e.source).is_file() if e.source else False,
                e.nodes,
                e.structure_source,
                e.finished_at,
                self._status(e),
            )
            for e in entries
        ]
        for digest, item in self.damaged({e.digest for e in entries}):
            infos.append(DocumentInfo(digest[:12], literal(item.doc_name), "", False, 0, "", "", DAMAGED))
        return infos

    def _status(self, entry: LibraryEntry) -> str:
        """ "indexed", or CHANGED when its source file's content is no longer what was indexed (the
        library's digest: read again only when the file's size or mtime changed)."""
        try:
            changed = bool(entry.source) and self.library.digest(Path(entry.source)) != entry.digest
        except OSError:  # gone or unreadable: source_available says so
            return "indexed"
        return CHANGED if changed else "indexed"

    def find(self, ref: str, entries: list[LibraryEntry] | None = None) -> LibraryEntry:
        """A document by id (or a prefix of it), name or source path, among `entries` (default: read
        `entries()`); AskInputError when none or several."""
        ref = str(ref).strip()
        entries = self.entries() if entries is None else entries
        tests: tuple[Callable[[LibraryEntry], bool], ...] = (
            lambda e: e.digest[:12] == ref or e.digest == ref,
            lambda e: e.doc_name == ref or e.source == ref,
            lambda e: len(ref) >= 4 and e.digest.startswith(ref.lower()),
            lambda e: e.doc_name.casefold() == ref.casefold() or Path(e.source).name == ref,
        )
        for test in tests:
            found = [e for e in entries if test(e)]
            if len(found) == 1:
                return found[0]
            if len(found) > 1:
                raise AskInputError(f"{ref!r} names {len(found)} documents", "use the id from list_documents")
        for digest, item in self.damaged({e.digest for e in entries}):
            if ref in (digest[:12], digest, item.doc_name):
                raise AskInputError(f"{ref!r}: {DAMAGED}", f"it was set aside as {item.folder}")
        known = ", ".join(f"{e.digest[:12]} ({e.doc_name})" for e in entries[:20]) or "none: index some first"
        raise AskInputError(f"no such document {ref!r}", f"documents in the library: {known}")

    def document(self, ref: str) -> AskDocument:
        return load_entry(self.find(ref), digest=self.library.digest)

    def structure(self, ref: str, offset: int = 0, limit: int = 100) -> dict[str, Any]:
        """The tree's nodes in reading order, `limit` from `offset`, each with its depth and summary."""
        if offset < 0 or limit < 1:
            raise AskInputError("offset must be 0 or more and limit 1 or more", "")
        limit = min(limit, MAX_NODES_PER_CALL)
        doc = self.document(ref)
        nodes = list(doc.nodes())
        chosen = nodes[offset : offset + limit]
        more = offset + limit < len(nodes)
        return {
            "document": literal(doc.name),
            "unit": doc.unit,
            "size": doc.size,
            "total_nodes": len(nodes),
            "offset": offset,
            "next_offset": offset + limit if more else None,
            "nodes": [_node(doc, n) for n in chosen],
        }

    def pages(self, ref: str, ranges: str) -> dict[str, Any]:
        """The text of pages (lines of a Markdown document) such as "1-3,7"."""
        doc = self.document(ref)
        if doc.read is None:
            raise AskInputError(f"{doc.name}: {doc.note}", "put it back as it was indexed, or index it again")
        limit = MAX_LINES_PER_CALL if doc.unit == "line" else MAX_PAGES_PER_CALL
        units = parse_ranges(ranges, doc.size, limit)
        texts = [doc.read(u, u)[0] for u in units]
        return {
            "document": literal(doc.name),
            "unit": doc.unit,
            "pages": [{doc.unit: u, "text": literal(t)} for u, t in zip(units, texts, strict=True)],
        }

    async def ask(self, question: str, refs: list[str] | None = None) -> dict[str, Any]:
        if not question.strip():
            raise AskInputError("the question is empty", "")
        known = self.entries()  # read once, not once per document named
        entries = [self.find(r, known) for r in refs] if refs else known
        if not entries:
            raise AskInputError("the library holds no documents", "index some with `pageindex-tui index`")
        docs = [load_entry(e, digest=self.library.digest) for e in entries]
        async with Asker(self.settings) as asker:
            result = await asker.ask(docs, question, run="mcp ask")
        data = result.to_dict()
        data["answer"] = literal(data["answer"])
        return data


def _node(doc: AskDocument, node: TreeNode) -> dict[str, Any]:
    return {
        "node_id": node.node_id,
        "title": literal(node.title),
        "start": node.start,
        "end": node.end,
        "depth": doc.depth(node),
        "summary": literal(node.summary or ""),
    }


def _result(payload: Any) -> CallToolResult:
    text = json.dumps(payload, ensure_ascii=False, indent=1)
    return CallToolResult(content=[TextContent(type="text", text=text)])


def _failure(err: BaseException) -> CallToolResult:
    if isinstance(err, PageIndexError):
        message = err.describe()
    else:  # a bug: the client still gets a result, and the log the traceback
        log.exception("tool failed")
        message = f"internal error: {type(err).__name__}: {err}"
    text = "error: " + literal(redact_text(message))
    return CallToolResult(content=[TextContent(type="text", text=text)], is_error=True)


def build_server(service: LibraryService) -> MCPServer:
    """The MCPServer with the four tools over `service`."""
    server = MCPServer(
        "pageindex-tui",
        version=__version__,
        instructions="PageIndex trees of the user's documents. list_documents gives ids; "
        "get_structure shows a tree's sections with page ranges and summaries; get_pages reads pages; "
        "ask answers a question with verified page citations.",
    )

    @server.tool()
    def list_documents() -> CallToolResult:
        """The documents in the library: id, name, source file, node count, when indexed, and status
        ("indexed"; "source changed ..." when its file no longer holds what was indexed; "index
        damaged: ..." for one whose saved index was damaged and set aside)."""
        try:
            return _result([asdict(d) for d in service.list_documents()])
        except Exception as err:
            return _failure(err)

    @server.tool()
    def get_structure(document: str, offset: int = 0, limit: int = 100) -> CallToolResult:
        """A document's tree (sections with node ids, page ranges, summaries, depth), paged: pass the
        returned next_offset to get the next part. `document` is an id or name from list_documents."""
        try:
            return _result(service.structure(document, offset, limit))
        except Exception as err:
            return _failure(err)

    @server.tool()
    def get_pages(document: str, pages: str) -> CallToolResult:
        """The text of a document's pages, given as ranges such as "1-3,7" (1-based physical pages; lines for
        a Markdown document), at most 20 pages per call."""
        try:
            return _result(service.pages(document, pages))
        except Exception as err:
            return _failure(err)

    @server.tool()
    async def ask(question: str, documents: list[str] | None = None) -> CallToolResult:
        """Answer a question from the documents (ids or names; default all) by reading the sections the model
        picks from their trees. Returns the answer, citations each marked verified or not, nodes read."""
        try:
            return _result(await service.ask(question, documents))
        except Exception as err:
            return _failure(err)

    return server


def serve(settings: Settings) -> None:
    """Serve the library over stdio until the client closes stdin."""
    logging.basicConfig(level=logging.WARNING)  # to stderr: stdout carries the protocol
    build_server(LibraryService(settings)).run("stdio")
