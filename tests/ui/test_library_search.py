"""The app's library search: F in the documents pane, words typed, the ranked sections listed, enter opens
the chosen document's tree at its node."""

from __future__ import annotations

import pytest
from libdocs import many_documents
from uikit import docs_loaded, make_app, wait_for

from pageindex_tui.settings import Settings
from pageindex_tui.store.library import Library
from pageindex_tui.ui.screens.library_search import LibrarySearchScreen
from pageindex_tui.ui.widgets.index_tree import IndexTree

SIZE = (120, 40)
NO_SERVER = Settings(endpoint="http://127.0.0.1:9/v1", if_add_node_summary=False)


def filed(tmp_path):
    docs = tmp_path / "docs"
    many_documents(Library(tmp_path / "library"), docs, 9)
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
        assert app.focused is tree


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
