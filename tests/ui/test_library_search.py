"""The app's library search: F in the documents pane, words typed, the ranked sections listed with their
pages and where the words were found, enter opens the chosen document's tree at its node and its page
text at that page (line)."""

from __future__ import annotations

import pytest
from libdocs import file_markdown, file_pdf, many_documents
from pdfgen import LONG_SECTIONS, make_long_pdf
from uikit import docs_loaded, make_app, wait_for

from pageindex_tui.settings import Settings
from pageindex_tui.store.library import Library
from pageindex_tui.ui.screens.library_search import LibrarySearchScreen
from pageindex_tui.ui.screens.reader import ReaderScreen
from pageindex_tui.ui.widgets.index_tree import IndexTree
from pageindex_tui.ui.widgets.reader import Reader

SIZE = (120, 40)
NO_SERVER = Settings(endpoint="http://127.0.0.1:9/v1", if_add_node_summary=False)


def filed(tmp_path, pdf: bool = False):
    """Nine Markdown documents with summaries, and with `pdf` long.pdf without any: "harbor dredging" is
    only in its page text, on page 4 of its node "2 Findings" (pages 2-6)."""
    docs = tmp_path / "docs"
    library = Library(tmp_path / "library")
    many_documents(library, docs, 9)
    if pdf:
        file_pdf(library, make_long_pdf(docs), LONG_SECTIONS, 7)
    return docs


async def search_for(pilot, words: str) -> LibrarySearchScreen:
    await docs_loaded(pilot)
    pilot.app.query_one("#documents").focus()
    await pilot.press("F")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, LibrarySearchScreen), what="search screen")
    screen = pilot.app.screen
    await pilot.press(*words)
    await wait_for(pilot, lambda: len(screen.hits) > 0, what="hits")
    return screen


@pytest.mark.asyncio
async def test_find_opens_the_document_at_the_node(tmp_path):
    docs = filed(tmp_path)
    app = make_app(tmp_path, docs, NO_SERVER)
    async with app.run_test(size=SIZE) as pilot:
        screen = await search_for(pilot, "lighthouse keeper")
        assert (screen.hits[0].doc_name, screen.hits[0].node_id) == ("doc0007.md", "0002")
        await pilot.press("enter")  # to the results
        await pilot.press("enter")  # the first one
        doc = str(docs / "doc0007.md")
        tree = app.query_one("#tree", IndexTree)

        def at_node() -> bool:
            node = tree.cursor_node
            return app.model.current_doc == doc and node is not None and node.data.node.node_id == "0002"

        await wait_for(pilot, at_node, what="the tree at node 0002")
        reader = app.query_one("#detail-text", Reader)  # 120x40: the node panel reads it
        await wait_for(pilot, lambda: app.focused is reader.view, what="the node's text in the reader")
        await wait_for(pilot, lambda: reader.view.content.units[:1] == [7], what="its lines")
        assert reader.view.top_unit == 7  # a node's own match: its first line
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.focused is tree, what="back to the tree")


@pytest.mark.asyncio
@pytest.mark.parametrize("size", [SIZE, (80, 24)], ids=["node-panel", "whole-screen"])
async def test_a_phrase_in_page_text_opens_the_reader_at_its_page(tmp_path, size):
    docs = filed(tmp_path, pdf=True)
    app = make_app(tmp_path, docs, NO_SERVER)
    async with app.run_test(size=size) as pilot:
        screen = await search_for(pilot, "harbor dredging")
        top = screen.hits[0]
        assert (top.doc_name, top.node_id, top.start, top.end, top.page) == ("long.pdf", "0001", 2, 6, 4)
        label = str(screen.query_one("#library-hits").get_option_at_index(0).prompt)
        assert "[0001] 2 Findings" in label and "pages 2-6 · found at page 4" in label
        await pilot.press("enter", "enter")
        tree = app.query_one("#tree", IndexTree)

        def reading() -> Reader | None:
            if isinstance(app.screen, ReaderScreen):
                return app.screen.reader
            reader = app.query_one("#detail-text", Reader)
            return reader if app.focused is reader.view else None

        await wait_for(pilot, lambda: reading() is not None, what="the reader")
        reader = reading()
        assert reader is not None
        assert isinstance(app.screen, ReaderScreen) == (size == (80, 24))  # no room for the node panel
        await wait_for(pilot, lambda: reader.view.content.units == [2, 3, 4, 5, 6], what="pages 2-6")
        assert reader.view.top_unit == 4
        assert "page 4 of 2–6" in str(reader.query_one(".reader-status").render())
        assert app.model.current_doc == str(docs / "long.pdf")
        assert tree.cursor_node is not None and tree.cursor_node.data.node.node_id == "0001"


@pytest.mark.asyncio
async def test_a_markdown_passage_opens_the_reader_at_its_first_line(tmp_path):
    """A section longer than a passage (40 lines): the words are in its second passage, lines 43-66."""
    docs = tmp_path / "docs"
    body = "\n".join(f"Line {n} of the tide tables for the northern quay." for n in range(60))
    sections = [("Tide tables", body + "\nThe pilot boat schedule changed in March."), ("Notes", "Short.")]
    file_markdown(Library(tmp_path / "library"), docs, "tides", sections, summaries=False)
    app = make_app(tmp_path, docs, NO_SERVER)
    async with app.run_test(size=SIZE) as pilot:
        screen = await search_for(pilot, "pilot boat schedule")
        top = screen.hits[0]
        assert (top.doc_name, top.node_id, top.start, top.page) == ("tides.md", "0001", 3, 43)
        label = str(screen.query_one("#library-hits").get_option_at_index(0).prompt)
        assert "lines 3-66 · found at line 43" in label
        await pilot.press("enter", "enter")
        reader = app.query_one("#detail-text", Reader)
        await wait_for(pilot, lambda: app.focused is reader.view, what="the reader in the node panel")
        await wait_for(pilot, lambda: reader.view.content.units[:1] == [3], what="the section's lines")
        assert reader.view.top_unit == 43


@pytest.mark.asyncio
async def test_no_match_says_so_and_escape_closes(tmp_path):
    app = make_app(tmp_path, filed(tmp_path), NO_SERVER)
    async with app.run_test(size=SIZE) as pilot:
        screen = await search_for(pilot, "budget")
        await pilot.press(*"zzz")  # "budgetzzz": nothing
        note = screen.query_one("#library-note")
        await wait_for(pilot, lambda: "No section matches" in str(note.render()), what="no match")
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, LibrarySearchScreen), what="closed")


def test_library_search_snapshot(snap_compare, tmp_path):
    app = make_app(tmp_path, filed(tmp_path), NO_SERVER)

    async def run_before(pilot) -> None:
        screen = await search_for(pilot, "budget approved")
        await wait_for(pilot, lambda: len(screen.hits) >= 8, what="every budget")
        screen.query_one("#library-query").cursor_blink = False
        await pilot.pause(0.1)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


@pytest.mark.parametrize("size", [(80, 24), (160, 48)], ids=["80x24", "160x48"])
def test_library_search_snapshot_with_pages(snap_compare, tmp_path, size):
    """A passage of a PDF's page text (where it was found) among Markdown sections, the best highlighted,
    each cut to the width."""
    app = make_app(tmp_path, filed(tmp_path, pdf=True), NO_SERVER)

    async def run_before(pilot) -> None:
        screen = await search_for(pilot, "budget harbor dredging cost")
        await wait_for(pilot, lambda: len(screen.hits) >= 10, what="the PDF's pages and every budget")
        await pilot.press("enter")  # to the results, the best highlighted
        await wait_for(pilot, lambda: screen.query_one("#library-hits").has_focus, what="the results")
        await pilot.pause(0.1)

    assert snap_compare(app, terminal_size=size, run_before=run_before)
