"""`pageindex-tui mcp` through the SDK's own client over stdio: our tools and PageIndex's, progress during an
`ask`, and errors as tool results (tests/unit/test_mcp_contract.py has the rest, in-process)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from askdocs import GOOD_ANSWER, PAGES, scripted
from askdocs import file_harbor as file_in_library
from fakes import FakeVLLM
from mcp import ClientSession
from mcp.client.stdio import stdio_client
from mcpserver import mcp_params

from pageindex_tui.mcp_server import LibraryService
from pageindex_tui.settings import Settings
from pageindex_tui.store.library import Library

CALL_TIMEOUT = 60.0


def file_harbor(tmp_path: Path) -> Path:
    """The harbor tree filed in a library under tmp_path/data, as `index` would."""
    return file_in_library(tmp_path / "docs", Library(tmp_path / "data" / "pageindex-tui" / "library"))


async def with_session(tmp_path: Path, endpoint: str, work):
    params = mcp_params(tmp_path, "--endpoint", endpoint, "--retries", "0", "--no-cache")
    async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
        await asyncio.wait_for(session.initialize(), CALL_TIMEOUT)
        return await work(session)


async def call(session: ClientSession, tool: str, **arguments):
    result = await session.call_tool(tool, arguments, read_timeout_seconds=CALL_TIMEOUT)
    text = result.content[0].text
    return result.is_error, (text if result.is_error else json.loads(text))


@pytest.fixture
def filed(tmp_path):
    return file_harbor(tmp_path)


def test_tools_over_stdio(tmp_path, filed):
    model = scripted(['{"nodes": ["0004"]}'], [GOOD_ANSWER])
    progress: list[tuple[float, str | None]] = []

    async def note(value: float, total: float | None, message: str | None) -> None:
        progress.append((value, message))

    async def work(session: ClientSession):
        tools = await session.list_tools()
        names = sorted(t.name for t in tools.tools)
        listed = await call(session, "list_documents")
        doc_id = listed[1]["documents"][0]["id"]
        page_one = await call(session, "get_structure", document=doc_id, limit=4)
        page_two = await call(session, "get_structure", document="harbor.pdf", offset=4, limit=4)
        pages = await call(session, "get_pages", document=doc_id, pages="2,5-6")
        asked = await session.call_tool(
            "ask", {"question": "How much did dredging cost?"}, CALL_TIMEOUT, progress_callback=note
        )
        answer = (asked.is_error, json.loads(asked.content[0].text))
        found = await call(session, "search", query="dredging channel", limit=3)
        tree = await call(session, "get_document_structure", doc_name="harbor")
        content = await call(session, "get_page_content", doc_name="harbor.pdf", pages="5")
        source = Path(listed[1]["documents"][0]["source"]).parent
        inside = await call(session, "search", query="dredging", folder=str(source))
        outside = await call(session, "search", query="dredging", folder=str(tmp_path / "empty"))
        nowhere = await call(session, "ask", question="Dredging?", folder=str(tmp_path / "nowhere"))
        assert inside[1]["results"] and outside[1]["results"] == []
        assert nowhere[0] is True and "no such folder" in str(nowhere[1])
        return names, listed, page_one, page_two, pages, answer, found, tree, content

    (tmp_path / "empty").mkdir()
    with FakeVLLM(default=model) as fake:
        names, listed, one, two, pages, answer, found, tree, content = asyncio.run(
            with_session(tmp_path, fake.base_url, work)
        )
    assert names == [
        "ask",
        "browse_documents",
        "get_document",
        "get_document_structure",
        "get_page_content",
        "get_pages",
        "get_structure",
        "list_documents",
        "search",
    ]
    first = listed[1]["documents"][0]
    assert listed[0] is False and first["name"] == "harbor.pdf" and first["source_available"]
    assert listed[1]["total"] == 1 and listed[1]["next_offset"] is None and listed[1]["next_steps"]["summary"]
    assert one[1]["total_nodes"] == 6 and one[1]["next_offset"] == 4
    assert [n["node_id"] for n in one[1]["nodes"]] == ["0000", "0001", "0002", "0003"]
    assert one[1]["nodes"][2]["depth"] == 1 and one[1]["nodes"][1]["summary"].startswith("Ship arrivals")
    assert (one[1]["nodes"][1]["start_index"], one[1]["nodes"][1]["end_index"]) == (2, 3)
    assert "offset=4" in one[1]["next_steps"]["options"][0]
    assert two[1]["next_offset"] is None and [n["node_id"] for n in two[1]["nodes"]] == ["0004", "0005"]
    assert [p["page"] for p in pages[1]["pages"]] == [2, 5, 6] and pages[1]["remaining"] == ""
    assert "9 million euros" in pages[1]["pages"][1]["text"]
    assert answer[0] is False and answer[1]["verified_citations"] == 1
    assert answer[1]["citations"][0]["pages"] == [5]
    assert answer[1]["documents"] == ["harbor.pdf"]  # routed through the search: the one document
    assert answer[1]["next_steps"]["summary"] == "1 citations verified, 0 not"
    # progress came while the ask worked: counted up, and saying what it was doing
    assert [value for value, _ in progress] == [float(n) for n in range(1, len(progress) + 1)]
    said = [message or "" for _, message in progress]
    assert any(m.startswith("pick") for m in said) and any(m.startswith("answer") for m in said)
    assert any(m.startswith("model call: ask: answer") for m in said)
    assert found[0] is False and found[1]["query"] == "dredging channel"
    best = found[1]["results"][0]
    assert (best["document_id"], best["document"]) == (first["id"], "harbor.pdf")
    assert (best["node_id"], best["title"], best["start_index"], best["end_index"]) == (
        "0004",
        "2.1 Dredging",
        5,
        5,
    )
    assert len(found[1]["results"]) <= 3
    assert tree[0] is False and tree[1]["pagination"] == {"part": 1, "total_parts": 1, "has_more": False}
    assert [n["node_id"] for n in tree[1]["structure"][1]["nodes"]] == ["0002"]
    assert content[1]["content"] == [{"page": 5, "text": "2.1 Dredging\n" + PAGES[5][1]}]


def test_errors_come_back_as_tool_results(tmp_path, filed):
    async def work(session: ClientSession):
        return [
            await call(session, "get_structure", document="nope"),
            await call(session, "get_pages", document="harbor.pdf", pages="3-x"),
            await call(session, "get_pages", document="harbor.pdf", pages="5-9"),
            await call(session, "get_structure", document="harbor.pdf", offset=-1),
            await call(session, "search", query="  "),
            await call(session, "search", query="dredging", limit=500),
            await call(session, "get_structure", document="harbor.pdf", limit="ten"),
            await call(session, "get_document_structure", doc_name="harbor.pdf", part=[2]),
            await call(session, "ask", question="Anything?"),  # the server is down
            await call(session, "list_documents"),  # and the session still works
        ]

    from pageindex_tui.local.server import free_port

    results = asyncio.run(with_session(tmp_path, f"http://127.0.0.1:{free_port()}/v1", work))
    *errors, listing = results
    assert all(is_error for is_error, _ in errors)
    replies = [json.loads(text) for _, text in errors]
    messages = [r["error"] for r in replies]
    assert all(r["next_steps"]["summary"] for r in replies)
    assert "no such document 'nope'" in messages[0] and "harbor.pdf" in replies[0]["hint"]
    assert "'3-x' is not a page" in messages[1]
    assert "past the document's last page, 6" in messages[2]
    assert "offset must be 0 or more" in messages[3]
    assert "the query is empty" in messages[4] and "limit must be from 1 to 50" in messages[5]
    # argument types, in plain words rather than pydantic's report
    assert messages[6] == "get_structure: `limit` must be a whole number, not the text 'ten'"
    assert messages[7] == "get_document_structure: `part` must be a whole number, not a list"
    assert "127.0.0.1" in messages[8]
    assert listing[0] is False and len(listing[1]["documents"]) == 1


def test_an_empty_library_says_so(tmp_path):
    async def work(session: ClientSession):
        return await call(session, "list_documents"), await call(session, "ask", question="Anything?")

    (listed, asked) = asyncio.run(with_session(tmp_path, "http://127.0.0.1:9/v1", work))
    assert listed[0] is False and listed[1]["documents"] == [] and listed[1]["total"] == 0
    assert asked[0] is True and "holds no documents" in json.loads(asked[1])["error"]


def test_ask_flags_citation_like_text_that_is_not_a_verified_citation(tmp_path):
    library = Library(tmp_path / "library")
    file_in_library(tmp_path / "docs", library)
    flagged = (
        "Dredging cost 9 million euros [1] and took eleven weeks [2].\n\n"
        "Sources:\n[1] 0004, page 5\n[1] 0004, page 5\n"  # no quote, given twice
    )
    model = scripted(['{"nodes": ["0004"]}'], [flagged])
    with FakeVLLM(default=model) as fake:
        service = LibraryService(Settings(endpoint=fake.base_url, cache=False, max_retries=0), library)
        got = asyncio.run(service.ask("How much did dredging cost?")).to_dict()
    assert (got["verified_citations"], got["unverified_citations"], got["cut"]) == (0, 2, False)
    assert [(c["marker"], c["verified"]) for c in got["citations"]] == [("1", False), ("2", False)]
    assert "quotes nothing" in got["citations"][0]["problem"]
    assert got["citations"][1]["problem"] == "the answer marks [2] but lists no source [2]"
    assert got["answer"] == "Dredging cost 9 million euros [1] and took eleven weeks [2]."
