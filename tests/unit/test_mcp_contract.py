"""The MCP tools against PageIndex's own tool contract, through the SDK's client connected in-process: its
tool and argument names, nested nodes with start_index/end_index, results within RESULT_CHARS paged rather
than cut, next_steps, documents by id or name, argument errors in plain words, lines for Markdown, and
progress notifications during an ask (tests/unit/test_mcp_server.py runs the same over stdio)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from askdocs import GOOD_ANSWER, scripted
from askdocs import file_harbor as file_in_library
from fakes import FakeVLLM, Script
from libdocs import file_markdown
from mcp import Client

from pageindex_tui.ask import AskInputError, parse_ranges
from pageindex_tui.mcp_server import LibraryService, build_server
from pageindex_tui.mcp_tools import RESULT_CHARS, progress
from pageindex_tui.settings import Settings
from pageindex_tui.store.library import ENTRY_FILE, Library

DOWN = "http://127.0.0.1:9/v1"  # no server: the reading tools need none


def library_of(tmp_path: Path) -> Library:
    library = Library(tmp_path / "library")
    file_in_library(tmp_path / "docs", library)
    return library


def calls(library: Library, *requests: tuple[str, dict], endpoint: str = DOWN) -> list[tuple[bool, dict]]:
    """Each (tool, arguments) called in turn: (is_error, the parsed JSON), every text within the cap."""
    service = LibraryService(Settings(endpoint=endpoint, cache=False, max_retries=0), library)

    async def go() -> list[tuple[bool, dict]]:
        out = []
        async with Client(build_server(service)) as client:
            for tool, arguments in requests:
                result = await client.call_tool(tool, arguments)
                text = result.content[0].text
                assert len(text) <= RESULT_CHARS
                out.append((bool(result.is_error), json.loads(text)))
        return out

    return asyncio.run(go())


def call(library: Library, tool: str, **arguments) -> tuple[bool, dict]:
    return calls(library, (tool, arguments))[0]


def test_pageindex_tools_have_its_names_and_arguments(tmp_path):
    async def go():
        async with Client(build_server(LibraryService(Settings(), library_of(tmp_path)))) as client:
            return {t.name: t.input_schema for t in (await client.list_tools()).tools}

    schemas = asyncio.run(go())
    expected = {
        "browse_documents": ({"folder_id", "recursive", "sort", "query", "offset", "limit"}, set()),
        "get_document": ({"doc_name", "folder_id", "wait_for_completion"}, {"doc_name"}),
        "get_document_structure": ({"doc_name", "folder_id", "part", "wait_for_completion"}, {"doc_name"}),
        "get_page_content": (
            {"doc_name", "pages", "folder_id", "wait_for_completion"},
            {"doc_name", "pages"},
        ),
    }
    for name, (arguments, required) in expected.items():
        assert set(schemas[name]["properties"]) == arguments, name
        assert set(schemas[name].get("required", [])) == required, name
    assert {"list_documents", "search", "get_structure", "get_pages", "ask"} <= set(schemas)


def test_pageindex_calls_answer_in_its_shapes_with_next_steps(tmp_path):
    library = library_of(tmp_path)
    browsed, document, tree, content = calls(
        library,
        ("browse_documents", {}),
        ("get_document", {"doc_name": "harbor.pdf"}),
        ("get_document_structure", {"doc_name": "harbor.pdf", "part": 1}),
        ("get_page_content", {"doc_name": "harbor.pdf", "pages": "5,2"}),
    )
    assert not any(failed for failed, _ in (browsed, document, tree, content))
    listed = browsed[1]["documents"][0]
    assert (listed["name"], listed["status"], listed["description"]) == (
        "harbor.pdf",
        "completed",
        "No description provided",
    )
    assert (
        browsed[1]["has_more"] is False and browsed[1]["next_offset"] is None and browsed[1]["folders"] == []
    )
    assert (document[1]["page_count"], document[1]["status"], document[1]["success"]) == (
        6,
        "completed",
        True,
    )
    top = tree[1]["structure"]
    assert [n["node_id"] for n in top] == ["0000", "0001", "0003", "0005"]
    assert top[1]["nodes"] == [
        {"title": "1.1 Cargo", "node_id": "0002", "start_index": 3, "end_index": 3,
         "summary": "Container cargo tonnage record."}
    ]  # fmt: skip
    assert tree[1]["pagination"] == {"part": 1, "total_parts": 1, "has_more": False}
    assert [c["page"] for c in content[1]["content"]] == [5, 2] and content[1]["total_pages"] == 6
    assert (content[1]["requested_pages"], content[1]["returned_pages"]) == ("5,2", "5,2")
    for _, reply in (browsed, document, tree, content):
        assert reply["next_steps"]["summary"] and isinstance(reply["next_steps"]["options"], list)
    assert any("get_document_structure" in o for o in document[1]["next_steps"]["options"])


def big_markdown(tmp_path: Path, library: Library, sections: int = 240, body: int = 600) -> Path:
    text = "word " * (body // 5)
    return file_markdown(
        library, tmp_path / "md", "manual", [(f"Section {n}", text) for n in range(sections)]
    )


def test_a_big_tree_comes_in_parts_within_the_cap_and_every_node_once(tmp_path):
    library = library_of(tmp_path)
    big_markdown(tmp_path, library)
    first = call(library, "get_document_structure", doc_name="manual", part=1)[1]
    parts = first["pagination"]["total_parts"]
    assert parts >= 3 and first["pagination"]["has_more"] is True
    assert any("part=2" in o for o in first["next_steps"]["options"])
    replies = calls(
        library, *[("get_document_structure", {"doc_name": "manual", "part": n}) for n in range(1, parts + 1)]
    )
    seen: list[str] = []

    def walk(nodes: list[dict]) -> None:
        for node in nodes:
            if not node.get("continued"):
                seen.append(node["node_id"])
            assert {"start_index", "end_index", "line_num"} <= set(node)
            walk(node.get("nodes", []))

    for failed, reply in replies:
        assert not failed and reply["unit"] == "line"
        walk(reply["structure"])
    assert seen == [f"{n:04d}" for n in range(241)]  # the document's node and its 240 sections, in order
    later = replies[1][1]["structure"]
    assert later[0]["continued"] is True and later[0]["node_id"] == "0000"  # the parent, as a shell
    assert replies[-1][1]["pagination"]["has_more"] is False
    failed, past = call(library, "get_document_structure", doc_name="manual", part=parts + 1)
    assert failed and past["error"] == f"part {parts + 1} is past the last part: the structure has {parts}"


def test_our_flat_structure_is_capped_and_pages_on_by_offset(tmp_path):
    library = library_of(tmp_path)
    big_markdown(tmp_path, library)
    offset, seen, rounds = 0, [], 0
    while offset is not None:
        failed, reply = call(library, "get_structure", document="manual.md", offset=offset, limit=500)
        assert not failed
        seen += [n["node_id"] for n in reply["nodes"]]
        offset, rounds = reply["next_offset"], rounds + 1
    assert seen == [f"{n:04d}" for n in range(241)] and rounds >= 3
    failed, reply = call(library, "get_structure", document="manual", limit=100_000)
    assert failed and reply["error"] == "limit must be from 1 to 500, not 100000"


def test_pages_that_do_not_fit_are_named_for_the_next_call(tmp_path):
    library = library_of(tmp_path)
    sections = [(f"Part {n}", "text " * 2000) for n in range(30)] + [("Huge", "x" * 60_000)]
    file_markdown(library, tmp_path / "md", "long", sections)
    lines = ",".join(str(5 + 4 * n) for n in range(30))  # the body lines
    failed, first = call(library, "get_page_content", doc_name="long", pages=lines)
    assert not failed and first["unit"] == "line" and first["total_lines"] == 126
    got = [c["line"] for c in first["content"]]
    assert 1 < len(got) < 30 and first["returned_lines"] != first["requested_lines"]
    left = [o for o in first["next_steps"]["options"] if o.startswith("get_page_content")]
    assert left and f'pages="{5 + 4 * len(got)},{9 + 4 * len(got)},' in left[0]  # a list of lines, not a span
    # our get_pages names the same remaining lines, and reading them gives the rest
    remaining = call(library, "get_pages", document="long.md", pages=lines)[1]["remaining"]
    rest = call(library, "get_pages", document="long.md", pages=remaining)[1]
    assert rest["pages"][0]["line"] == 5 + 4 * len(got)
    failed, huge = call(library, "get_pages", document="long", pages="125")
    assert not failed and huge["pages"][0]["cut"] is True and huge["pages"][0]["text"].endswith("[...]")
    assert any("cut" in o for o in huge["next_steps"]["options"])


def test_documents_by_id_file_name_or_name_without_suffix(tmp_path):
    library = library_of(tmp_path)
    file_markdown(library, tmp_path / "md", "notes", [("Alpha", "first"), ("Beta", "second")])
    listed = call(library, "list_documents")[1]["documents"]
    ids = {d["name"]: d["id"] for d in listed}
    assert set(ids) == {"harbor.pdf", "notes.md"}  # file names, suffix and all, for both kinds
    for ref, name in [
        (ids["harbor.pdf"], "harbor.pdf"),
        ("harbor.pdf", "harbor.pdf"),
        ("harbor", "harbor.pdf"),
        ("HARBOR", "harbor.pdf"),
        ("notes", "notes.md"),
        ("notes.md", "notes.md"),
        (ids["notes.md"][:6], "notes.md"),
    ]:
        failed, reply = call(library, "get_document", doc_name=ref)
        assert not failed and reply["name"] == name, ref
    failed, reply = call(library, "get_structure", document="harbour")
    assert failed and reply["error"] == "no such document 'harbour'" and "notes.md" in reply["hint"]


def test_listings_are_paged_and_show_the_description(tmp_path):
    library = library_of(tmp_path)
    notes = file_markdown(library, tmp_path / "md", "notes", [("Alpha", "first")])
    entry = library.lookup(notes)
    assert entry is not None
    tree = json.loads(entry.structure_path.read_text())
    entry.structure_path.write_text(json.dumps(tree | {"doc_description": "Notes on alpha."}))
    later = entry.to_json() | {"finished_at": "2026-02-01T00:00:00"}  # indexed after harbor.pdf
    (entry.folder / ENTRY_FILE).write_text(json.dumps(later))
    newest, one, two, too_many, browse_too_many, relevance = calls(
        library,
        ("browse_documents", {}),
        ("list_documents", {"limit": 1}),
        ("list_documents", {"offset": 1, "limit": 1}),
        ("list_documents", {"limit": 101}),
        ("browse_documents", {"limit": 51}),
        ("browse_documents", {"sort": "relevance", "query": "alpha"}),
    )
    assert [d["name"] for d in newest[1]["documents"]] == ["notes.md", "harbor.pdf"]  # sort="time"
    assert [d["name"] for d in one[1]["documents"]] == ["harbor.pdf"] and one[1]["next_offset"] == 1
    assert [d["name"] for d in two[1]["documents"]] == ["notes.md"] and two[1]["next_offset"] is None
    assert two[1]["documents"][0]["description"] == "Notes on alpha."
    assert too_many[0] and too_many[1]["error"] == "limit must be from 1 to 100, not 101"
    assert browse_too_many[0] and browse_too_many[1]["error"] == "limit must be from 1 to 50, not 51"
    assert [d["name"] for d in relevance[1]["documents"]] == ["notes.md"]
    assert relevance[1]["documents"][0]["description"] == "Notes on alpha."


def test_markdown_is_spoken_of_in_lines(tmp_path):
    library = library_of(tmp_path)
    file_markdown(library, tmp_path / "md", "notes", [("Alpha", "first"), ("Beta", "second")])
    document, past, structure = calls(
        library,
        ("get_document", {"doc_name": "notes"}),
        ("get_page_content", {"doc_name": "notes", "pages": "1-99"}),
        ("get_document_structure", {"doc_name": "notes"}),
    )
    assert document[1]["line_count"] == 10 and "page_count" not in document[1]
    assert "lines" in document[1]["next_steps"]["summary"]
    assert past[1]["error"] == "'1-99' goes past the document's last line, 10"
    assert "lines" in structure[1]["next_steps"]["summary"]
    with pytest.raises(AskInputError, match=r"^more than 10 lines asked for at once$"):
        parse_ranges("1-20", 100, limit=10, unit="line")
    with pytest.raises(AskInputError, match=r"^'x' is not a line or a range such as 3-5$"):
        parse_ranges("x", 100, unit="line")


def test_argument_errors_are_in_plain_words(tmp_path):
    library = library_of(tmp_path)
    replies = calls(
        library,
        ("get_document_structure", {}),
        ("get_document_structure", {"doc_name": "harbor", "part": "two"}),
        ("browse_documents", {"recursive": "maybe"}),
        ("get_document", {"doc_name": "harbor", "folder_id": "f-1"}),
        ("browse_documents", {"sort": "size"}),
        ("fetch_everything", {}),
    )
    assert all(failed for failed, _ in replies)
    errors = [reply["error"] for _, reply in replies]
    assert errors[0] == "get_document_structure: `doc_name` is required"
    assert errors[1] == "get_document_structure: `part` must be a whole number, not the text 'two'"
    assert errors[2] == "browse_documents: `recursive` must be true or false, not the text 'maybe'"
    assert errors[3] == "there are no folders here, so no folder 'f-1'"
    assert errors[4] == 'sort must be "time" or "relevance", not \'size\''
    assert errors[5] == "there is no tool 'fetch_everything'" and "get_page_content" in replies[5][1]["hint"]
    assert not any("validation error" in e or "type=" in e for e in errors)


def test_ask_sends_progress_while_the_model_is_silent(tmp_path, monkeypatch):
    """A client whose timeout restarts on progress keeps waiting: notifications come at each step and, while
    a call's reply is slow to start, between events too."""
    monkeypatch.setattr(progress, "TICK", 0.05)
    library = library_of(tmp_path)
    slow_answer = Script(answer=GOOD_ANSWER, delay=1.0)  # the server reads a long prompt in silence
    model = scripted(['{"nodes": ["0004"]}'], [slow_answer])
    seen: list[tuple[float, float | None, str | None]] = []

    async def note(value: float, total: float | None, message: str | None) -> None:
        seen.append((value, total, message))

    with FakeVLLM(default=model) as fake:
        service = LibraryService(Settings(endpoint=fake.base_url, cache=False, max_retries=0), library)

        async def go():
            async with Client(build_server(service)) as client:
                return await client.call_tool(
                    "ask", {"question": "How much did dredging cost?"}, progress_callback=note
                )

        result = asyncio.run(go())
    reply = json.loads(result.content[0].text)
    assert not result.is_error and reply["verified_citations"] == 1
    assert [v for v, _, _ in seen] == [float(n) for n in range(1, len(seen) + 1)]
    messages = [m or "" for _, _, m in seen]
    assert messages[0].startswith("route") or messages[0].startswith("asking")
    assert any(m.startswith("waiting on the model (ask: answer") for m in messages)
    assert (
        messages.index(next(m for m in messages if m.startswith("model call: ask: answer")))
        < len(messages) - 1
    )


@pytest.mark.parametrize("tool", ["get_structure", "get_pages", "search"])
def test_every_reading_tool_answers_json_with_next_steps(tmp_path, tool):
    library = library_of(tmp_path)
    arguments = {"get_structure": {"document": "harbor"}, "get_pages": {"document": "harbor", "pages": "1"}}
    failed, reply = call(library, tool, **arguments.get(tool, {"query": "dredging"}))
    assert not failed and reply["next_steps"]["summary"] and reply["next_steps"]["options"]


def test_an_answer_with_more_reads_than_fit_lists_fewer_and_says_so():
    from pageindex_tui.ask import AskResult, NodeRead
    from pageindex_tui.mcp_tools import replies

    reads = [NodeRead("a.pdf", f"{n:04d}", "A title " * 20, tuple(range(1, 40)), 1) for n in range(400)]
    data = replies.answer(AskResult("q?", "The answer.", [], reads, ["a.pdf"]))
    assert len(json.dumps(data, ensure_ascii=False)) <= RESULT_CHARS
    shown = len(data["nodes_read"])
    assert 0 < shown < 400 and data["answer"] == "The answer."
    assert f"{shown} of the 400 nodes read are listed" in data["next_steps"]["options"][-1]


def test_a_listing_too_big_for_one_result_pages_on_where_the_cap_cut_it(tmp_path):
    library = Library(tmp_path / "library")
    for number in range(60):
        path = file_markdown(library, tmp_path / "md", f"doc{number:02d}", [("Part", "text")])
        entry = library.lookup(path)
        assert entry is not None
        tree = json.loads(entry.structure_path.read_text())
        described = tree | {"doc_description": f"Document {number}: " + "about the harbour " * 60}
        entry.structure_path.write_text(json.dumps(described))
    names, offset, rounds = [], 0, 0
    while offset is not None:
        failed, reply = call(library, "list_documents", offset=offset, limit=100)
        assert not failed and reply["total"] == 60
        names += [d["name"] for d in reply["documents"]]
        if reply["next_offset"] is not None:
            assert "more would not fit one result" in reply["next_steps"]["summary"]
        offset, rounds = reply["next_offset"], rounds + 1
    assert names == [f"doc{n:02d}.md" for n in range(60)] and rounds >= 2
    failed, browsed = call(library, "browse_documents", limit=50)
    assert not failed and 1 <= len(browsed["documents"]) < 50 and browsed["has_more"] is True
    assert browsed["next_offset"] == len(browsed["documents"])


def test_one_server_searches_in_step_with_the_library_as_documents_are_filed(tmp_path):
    """The server keeps one search (and its connections) for its life: what is filed meanwhile is found."""
    library = library_of(tmp_path)

    async def go() -> list[list[str]]:
        titles = []
        async with Client(build_server(LibraryService(Settings(endpoint=DOWN), library))) as client:
            for round_ in range(2):
                if round_:
                    file_markdown(library, tmp_path / "docs", "keeper", [("Lighthouse keeper salary", "")])
                result = await client.call_tool("search", {"query": "lighthouse keeper"})
                titles.append([hit["title"] for hit in json.loads(result.content[0].text)["results"]])
        return titles

    before, after = asyncio.run(go())
    assert before == [] and after[0] == "Lighthouse keeper salary"
