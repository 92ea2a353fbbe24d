"""`pageindex-tui mcp`: the library's documents as MCP tools over stdio (the official `mcp` SDK).

Our tools: `list_documents` (paged), `search` (the library's search index: ranked sections),
`get_structure` (a tree's nodes in reading order with their depth, from an offset), `get_pages` (ranges
such as "1-3,7"), `ask` (over named documents, or the whole library routed through the search; it sends
progress notifications). PageIndex's tools, under its names and argument names, so agents written for
PageIndex's MCP server work here: `browse_documents`, `get_document`, `get_document_structure` (nested
nodes, in parts: `part`), `get_page_content` (`pages`). Each tool is a thin call of one `LibraryService`
method and one renderer of `mcp_tools/replies.py`; what does the work is in `mcp_tools/`.

Every result is JSON with `next_steps`, and at most `RESULT_CHARS` characters: what does not fit is left
for the next call and named (`next_offset`, the next `part`, the pages still to read), never dropped
unsaid; a limit over its maximum is an error, not cut down. A document is named by its id, its file name,
or its name without suffix. Every failure, bad arguments included (in plain words, not pydantic's), comes
back as a tool result with `isError` and {"error", "hint", "next_steps"}, never as an exception.
Text from documents and the model passes through safe_text.literal (no live control characters).
A line that is not a JSON-RPC message gets the protocol's parse or invalid-request error (mcp_wire.py).

A client that goes away (stdin closed) stops the work it started: the SDK cancels the tool calls in flight,
and `ask`, a coroutine on the server's loop, is cancelled with its model call; keep it there (an ask moved
onto a thread would run on after the client left, holding the process: tests/unit/test_mcp_disconnect.py).
The reading tools run on the SDK's worker threads.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

import anyio
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import CallToolResult, InputRequiredResult, TextContent, ToolAnnotations
from pydantic import ValidationError

from . import __version__
from .ask import AskInputError
from .errors import PageIndexError
from .mcp_tools import MAX_LISTED, RESULT_CHARS, LibraryService, replies
from .mcp_tools.arguments import plain_words
from .mcp_tools.paging import render
from .mcp_tools.progress import AskProgress
from .mcp_wire import serve_stdio
from .safe_text import literal, redact_text
from .settings import Settings

__all__ = ["LibraryService", "build_server", "serve"]

log = logging.getLogger(__name__)

READ_ONLY = ToolAnnotations(read_only_hint=True, open_world_hint=False)
BROWSE_MOST = 50  # documents one browse_documents call lists at most (PageIndex's bound)


def _result(payload: dict[str, Any]) -> CallToolResult:
    text = render(payload)
    if len(text) > RESULT_CHARS:  # a renderer let too much through: a bug, but the cap holds
        log.error("a %d-character result was held back", len(text))
        return _error(f"internal error: the result came to {len(text)} characters, over {RESULT_CHARS}")
    return CallToolResult(content=[TextContent(type="text", text=text)])


def _error(message: str, hint: str = "") -> CallToolResult:
    payload = replies.failure(literal(redact_text(message)), literal(redact_text(hint)))
    return CallToolResult(content=[TextContent(type="text", text=render(payload))], is_error=True)


def _failure(err: BaseException) -> CallToolResult:
    if isinstance(err, PageIndexError):
        return _error(err.message, err.hint)
    log.exception("tool failed")  # a bug: the client still gets a result, and the log the traceback
    return _error(f"internal error: {type(err).__name__}: {err}")


def _run(work: Callable[[], dict[str, Any]]) -> CallToolResult:
    try:
        return _result(work())
    except Exception as err:
        return _failure(err)


def _no_folders(folder_id: str | None) -> None:
    if folder_id not in (None, "", "root"):
        raise AskInputError(
            f"there are no folders here, so no folder {folder_id!r}", 'leave folder_id out or pass "root"'
        )


class _Server(MCPServer):
    """MCPServer whose argument errors and unknown tools come back as our JSON errors in plain words."""

    async def call_tool(
        self, name: str, arguments: dict[str, Any], context: Context[Any, Any] | None = None
    ) -> CallToolResult | InputRequiredResult:
        try:
            return await super().call_tool(name, arguments, context)
        except ToolError as err:
            if isinstance(err.__cause__, ValidationError):
                return _error(plain_words(name, err.__cause__), "see the tool's input schema in tools/list")
            names = sorted(t.name for t in await self.list_tools())
            if name not in names:
                return _error(f"there is no tool {name!r}", "the tools: " + ", ".join(names))
            raise


def build_server(service: LibraryService) -> MCPServer:
    """The MCPServer with our tools and PageIndex's over `service`."""
    server = _Server(
        "pageindex-tui",
        version=__version__,
        instructions="PageIndex trees of the user's documents. list_documents (or browse_documents) gives "
        "names and ids; search finds sections across the library by words; get_structure (or "
        "get_document_structure) shows a tree's sections with their page ranges (lines for Markdown) and "
        "summaries; get_pages (or get_page_content) reads pages; ask answers a question with verified "
        "page citations. Results are JSON with next_steps, and are paged rather than cut.",
    )
    tool = server.tool

    # -- ours ------------------------------------------------------------------------------------
    @tool(annotations=READ_ONLY)
    def list_documents(offset: int = 0, limit: int = MAX_LISTED) -> CallToolResult:
        """The documents in the library, by name, `limit` (1 to 100) from `offset`: id, name (the file's,
        with its suffix), description, unit ("page" for a PDF, "line" for Markdown), source file, node
        count, when indexed, and status ("indexed"; "changed" when its file no longer holds what was
        indexed; "damaged" for one whose saved index was set aside), with `note` saying what to do."""
        return _run(lambda: replies.document_list(service.list_documents(offset, limit)))

    @tool(annotations=READ_ONLY)
    def search(query: str, limit: int = 10, folder: str = "") -> CallToolResult:
        """Search the whole library's sections by words (titles, summaries, page text, document names and
        descriptions), best first (BM25): each result names the document (id and name), the node id,
        title, start_index and end_index (pages, or lines for Markdown), the page where the words were
        found, and a snippet. `limit`: 1 to 50. `folder`: only documents whose source file lies in it."""
        return _run(lambda: replies.search_results(query, service.search(query, limit, folder)))

    @tool(annotations=READ_ONLY)
    def get_structure(document: str, offset: int = 0, limit: int = 100) -> CallToolResult:
        """A document's tree as a flat list in reading order: each node's id, title, start_index and
        end_index (pages; lines for Markdown), summary and depth (0 = top). Up to `limit` (1 to 500) nodes
        from `offset`, fewer when more would not fit one result: pass the returned next_offset for the
        rest. `document`: an id, a file name, or a name without its suffix."""
        return _run(lambda: replies.structure_run(service.structure_run(document, offset, limit)))

    @tool(annotations=READ_ONLY)
    def get_pages(document: str, pages: str) -> CallToolResult:
        """The text of a document's pages (lines for a Markdown document) given as ranges such as "1-3,7"
        (1-based), in the order given; as many as fit one result, the rest named in `remaining`."""
        return _run(lambda: replies.pages_read(service.read(document, pages)))

    @tool()
    async def ask(
        question: str, ctx: Context, documents: list[str] | None = None, folder: str = ""
    ) -> CallToolResult:
        """Answer a question from the documents (ids or names), or by default from the whole library: the
        documents its search finds, then the sections the model picks from their trees. Returns the
        answer, every citation-like part of it marked verified (a quote of 5 words or more found on a page
        read) or not with the problem, the nodes read, `cut` when the answer hit its token limit,
        `stopped` when its deadline or token budget ended it first (with what it had found), and
        warnings (such as no node read, or a tree made with other settings). `folder`: ask only the
        library's documents whose source file lies in it. Sends progress notifications while it works."""
        progress = AskProgress(
            lambda n, message: ctx.report_progress(n, None, message), asyncio.get_running_loop()
        )
        try:
            async with progress.running():
                result = await service.ask(question, documents, progress.sink, folder)
            return _result(replies.answer(result))
        except Exception as err:
            return _failure(err)

    # -- PageIndex's contract ---------------------------------------------------------------------
    @tool(annotations=READ_ONLY)
    def browse_documents(
        folder_id: str = "root",
        recursive: bool = False,
        sort: str = "time",
        query: str | None = None,
        offset: int = 0,
        limit: int = 10,
    ) -> CallToolResult:
        """PageIndex's listing: the library's documents (name, description, status, created_at), `limit`
        (1 to 50) from `offset`; has_more and next_offset page on. sort="relevance" with a `query` ranks
        them by the library's search; "time" (the default) lists the newest indexed first. There are no
        folders: folder_id is "root" and recursive changes nothing."""

        def work() -> dict[str, Any]:
            _no_folders(folder_id)
            if sort not in ("time", "relevance"):
                raise AskInputError(f'sort must be "time" or "relevance", not {sort!r}', "")
            if sort == "relevance" and not (query or "").strip():
                raise AskInputError('sort="relevance" needs a query', "give the words to rank by")
            words = (query or "") if sort == "relevance" else ""
            listing = service.list_documents(offset, limit, words, BROWSE_MOST, newest_first=sort == "time")
            return replies.browse(listing, sort)

        return _run(work)

    @tool(annotations=READ_ONLY)
    def get_document(
        doc_name: str, folder_id: str | None = None, wait_for_completion: bool = False
    ) -> CallToolResult:
        """PageIndex's document details: name, description, status, created_at and page_count (line_count
        for Markdown). `doc_name`: the name from browse_documents (an id or a name without its suffix
        works too). Documents here are indexed already: wait_for_completion changes nothing."""

        def work() -> dict[str, Any]:
            _no_folders(folder_id)
            return replies.document(service.describe(doc_name))

        return _run(work)

    @tool(annotations=READ_ONLY)
    def get_document_structure(
        doc_name: str, folder_id: str | None = None, part: int = 1, wait_for_completion: bool = False
    ) -> CallToolResult:
        """PageIndex's tree of a document: nested `nodes`, each with title, node_id, start_index and
        end_index (pages; lines for Markdown) and summary. A tree too big for one result comes in parts:
        ask for part 1, 2, ... until pagination.has_more is false; a part repeats the ancestors of its
        first nodes as shells marked "continued"."""

        def work() -> dict[str, Any]:
            _no_folders(folder_id)
            return replies.structure_part(service.structure_part(doc_name, part))

        return _run(work)

    @tool(annotations=READ_ONLY)
    def get_page_content(
        doc_name: str, pages: str, folder_id: str | None = None, wait_for_completion: bool = False
    ) -> CallToolResult:
        """PageIndex's page reader: the text of pages such as "5", "3-7" or "1-3,7,9" (lines for a Markdown
        document), as many as fit one result; next_steps names the pages left for the next call."""

        def work() -> dict[str, Any]:
            _no_folders(folder_id)
            return replies.page_content(service.read(doc_name, pages))

        return _run(work)

    return server


def serve(settings: Settings) -> None:
    """Serve the library over stdio until the client closes stdin."""
    logging.basicConfig(level=logging.WARNING)  # to stderr: stdout carries the protocol
    anyio.run(serve_stdio, build_server(LibraryService(settings)))
