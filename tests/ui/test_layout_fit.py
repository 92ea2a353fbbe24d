"""Issue 22, build 6 (layout) at 80x24, 100x30 and 160x48: the narrow layout recovers from the reader
(`t`, `esc`), `d` and resizing; document names stay readable beside their badges; the server banner is
one line on a short terminal (its details on `b`); a damaged index's tree says so."""

from __future__ import annotations

import pytest
from uikit import highlight, make_app, wait_for

from pageindex_tui.settings import Settings
from pageindex_tui.ui.screens.reader import ReaderScreen
from pageindex_tui.ui.widgets.banner import FULL_ROWS
from pageindex_tui.ui.widgets.documents import NAME_CELLS, DocumentsTree
from pageindex_tui.ui.widgets.index_tree import IndexTree

pytestmark = pytest.mark.asyncio

NO_SERVER = Settings(endpoint="http://127.0.0.1:9/v1", if_add_node_summary=False)
GUIDE = "# Guide\n\nIntro.\n\n## Part One\n\nOne.\n\n## Part Two\n\nTwo.\n"
LONG = "fed-annual-report-2023-excerpt.pdf"


def widths(app) -> dict[str, int]:
    """The shown panes of the top row and their widths."""
    out = {}
    for name in ("#documents-pane", "#tree-pane", "#detail"):
        widget = app.query_one(name)
        if widget.display:
            out[name.strip("#")] = widget.size.width
    return out


async def indexed_guide(pilot, docs) -> IndexTree:
    app = pilot.app
    await highlight(pilot, "guide.md")
    await pilot.press("i")
    await wait_for(pilot, lambda: app.model.states[str(docs / "guide.md")].phase == "indexed", what="indexed")
    tree = app.query_one("#tree", IndexTree)
    await wait_for(pilot, lambda: len(tree.root.children) == 1, what="the tree")
    return tree


async def test_at_80x24_the_reader_leaves_documents_and_tree_as_they_were(tmp_path):
    """`t` then `esc` once left documents, tree and node side by side with an 18-column tree."""
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "guide.md").write_text(GUIDE)
    app = make_app(tmp_path, docs, NO_SERVER)
    async with app.run_test(size=(80, 24)) as pilot:
        await indexed_guide(pilot, docs)
        before = widths(app)
        assert set(before) == {"documents-pane", "tree-pane"}
        await pilot.press("2", "t")
        await wait_for(pilot, lambda: isinstance(app.screen, ReaderScreen), what="the reader, whole screen")
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, ReaderScreen), what="back")
        await pilot.pause(0.1)
        assert widths(app) == before and before["tree-pane"] >= 40
        await pilot.press("d")  # the detail takes the documents' place
        await pilot.pause(0.1)
        assert set(widths(app)) == {"tree-pane", "detail"}
        await pilot.press("1")  # the documents' key brings them back
        await pilot.pause(0.1)
        assert widths(app) == before
        await pilot.resize_terminal(160, 48)
        await pilot.pause(0.2)
        assert set(widths(app)) == {"documents-pane", "tree-pane", "detail"}
        await pilot.resize_terminal(80, 24)
        await pilot.pause(0.2)
        assert widths(app) == before


async def test_at_160x48_the_reader_reads_in_the_node_panel_and_d_still_hides_it(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "guide.md").write_text(GUIDE)
    app = make_app(tmp_path, docs, NO_SERVER)
    async with app.run_test(size=(160, 48)) as pilot:
        await indexed_guide(pilot, docs)
        await pilot.press("2", "t")
        detail = app.query_one("#detail")
        await wait_for(pilot, lambda: detail.reading, what="reading in the panel")
        await pilot.press("escape")
        await pilot.pause(0.1)
        await pilot.press("d")
        await pilot.pause(0.1)
        assert not detail.display  # the page text did not pin it on
        await pilot.press("t")  # hidden: the reader takes the screen, the panel stays hidden
        await wait_for(pilot, lambda: isinstance(app.screen, ReaderScreen), what="the reader, whole screen")
        await pilot.press("escape")
        await pilot.pause(0.1)
        assert not detail.display


@pytest.mark.parametrize(("size", "least"), [((100, 30), 30), ((80, 24), 32), ((160, 48), 44)])
async def test_document_names_stay_readable_beside_their_badges(tmp_path, size, least):
    """At 100x30 the pane was 26 columns and a name beside its badge read "ea…df"."""
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / LONG).write_bytes(b"%PDF-1.4\n")
    app = make_app(tmp_path, docs, NO_SERVER)
    async with app.run_test(size=size) as pilot:
        await highlight(pilot, LONG)
        assert app.query_one("#documents-pane").outer_size.width >= least
        state = app.model.state(docs / LONG)
        state.phase, state.stage, state.done, state.total = "indexing", "summarize", 12, 40
        tree = app.query_one("#documents", DocumentsTree)
        node = tree.find(docs / LONG)
        label = tree.render_label(node, tree.rich_style, tree.rich_style).plain
        name = label.split(" ", 1)[1].split("  ")[0]
        assert name.startswith("fed-an") and len(name) >= NAME_CELLS and name.endswith("pdf")
        assert label.startswith("◔ ") and len(label) <= tree.scrollable_content_region.width
        assert label.endswith("12/40")  # the stage's word gives way before its figures
        if size[0] >= 160:
            assert label.endswith("  summarizing 12/40")


@pytest.mark.parametrize(("size", "rows"), [((80, 24), 1), ((100, 30), 1), ((160, 48), 3)])
async def test_the_banner_is_one_line_on_a_short_terminal_with_its_details_on_b(tmp_path, size, rows):
    docs = tmp_path / "docs"
    docs.mkdir()
    app = make_app(tmp_path, docs, NO_SERVER)
    async with app.run_test(size=size) as pilot:
        app.check_server()
        banner = app.query_one("#banner")
        await wait_for(pilot, lambda: banner.has_class("-visible"), what="the banner")
        await pilot.pause(0.1)
        assert banner.size.height == rows
        text = str(banner.render())
        assert "cannot reach the model server" in text and "(connection refused)" in text
        if size[1] < FULL_ROWS:
            assert text.endswith("b: details") and "Check:" not in text
        await pilot.press("b")
        await pilot.pause(0.1)
        assert banner.size.height > 1 and "Check:" in str(banner.render())
        assert "b: fewer details" in str(banner.render())
        await pilot.press("b")
        await pilot.pause(0.1)
        assert banner.size.height == rows
        if size[1] < FULL_ROWS:
            await pilot.resize_terminal(size[0], FULL_ROWS)  # taller: the checks and keys without asking
            await pilot.pause(0.2)
            assert banner.size.height >= 3 and "Check:" in str(banner.render())


async def test_a_damaged_index_says_so_in_the_tree_pane_too(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "guide.md").write_text(GUIDE)
    app = make_app(tmp_path, docs, NO_SERVER)
    async with app.run_test(size=(100, 30)) as pilot:
        await highlight(pilot, "guide.md")
        doc = str(docs / "guide.md")
        app.show(app.handler.library_states({doc: (None, False)}, [doc]))
        await pilot.pause(0.1)
        assert app.model.states[doc].badge()[0] == "✗ index damaged"
        note = str(app.query_one("#tree-note").render())
        assert note.startswith("Index damaged") and "Not indexed" not in note


async def test_the_stream_head_of_a_failed_call_is_not_cut_at_80x24(tmp_path):
    """The head of a failed call once ended "…ends the text below (L: the": it may take the rows it needs."""
    from pageindex_tui import events

    docs = tmp_path / "docs"
    docs.mkdir()
    app = make_app(tmp_path, docs, NO_SERVER)
    async with app.run_test(size=(80, 24)) as pilot:
        doc = str(docs / "fed-annual-report-2023-excerpt.pdf")
        purpose = "summarize 0003 Monetary Policy and Economic Developments"
        app.show(
            app.handler.apply(
                [
                    events.CallQueued(doc, 1, purpose, 100),
                    events.CallStarted(doc, 1, purpose, 100),
                    events.CallFinished(doc, 1, "error", 100, error="the model server answered 500"),
                ]
            )
        )
        await pilot.pause(0.1)
        head = app.query_one("#stream-head")
        text = head.render()
        lines = text.wrap(head.content_region.width)
        assert 3 <= len(lines) <= head.content_region.height
        assert lines[-1].plain.rstrip().endswith(")")  # the error line ends whole
