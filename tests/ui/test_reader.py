"""The page-text reader: `t` on a node of 19,000 characters, read to its end by keyboard (lines, screens,
pages), searched with `/`, `n` and `N` with the matches highlighted, literal text, and `esc` back."""

from __future__ import annotations

import pytest
from pdfgen import make_long_pdf
from uikit import highlight, make_app, wait_for

from pageindex_tui.settings import Settings
from pageindex_tui.ui.screens.reader import ReaderScreen
from pageindex_tui.ui.widgets.index_tree import IndexTree
from pageindex_tui.ui.widgets.reader import Reader, ReaderView

pytestmark = pytest.mark.asyncio

NO_SERVER = Settings(endpoint="http://127.0.0.1:9/v1", if_add_node_summary=False)


async def open_findings(pilot, size_check: bool = True) -> Reader:
    """Index long.pdf (its outline: no model), highlight "2 Findings" and press t."""
    app = pilot.app
    pdf = app.root_path / "long.pdf"
    await highlight(pilot, "long.pdf")
    await pilot.press("i")
    await wait_for(pilot, lambda: app.model.states[str(pdf)].phase == "indexed", what="indexed")
    tree = app.query_one("#tree", IndexTree)
    await wait_for(pilot, lambda: len(tree.root.children) == 3, what="tree")
    await pilot.press("2", "j")
    await wait_for(pilot, lambda: tree.cursor_node.data.node.title == "2 Findings", what="cursor")
    await pilot.press("t")
    reader = (
        app.screen.query_one(Reader)
        if isinstance(app.screen, ReaderScreen)
        else app.query_one("#detail-text")
    )
    await wait_for(pilot, lambda: not reader.view.content.empty, what="page text read")
    return reader


def styles_of(view: ReaderView, word: str) -> list:
    """The styles the view draws `word` in, on the screen lines that show it."""
    found = []
    for y in range(view.scrollable_content_region.height):
        for segment in view.render_line(y):
            if word.casefold() in segment.text.casefold():
                found.append(segment.style)
    return found


async def test_the_reader_scrolls_by_line_screen_and_page_to_the_end(tmp_path):
    make_long_pdf(tmp_path / "docs")
    app = make_app(tmp_path, tmp_path / "docs", NO_SERVER)
    async with app.run_test(size=(160, 48)) as pilot:
        reader = await open_findings(pilot)
        view = reader.view
        assert app.focused is view and app.query_one("#detail").reading
        assert len(view.content.text) > 15_000 and view.content.units == [2, 3, 4, 5, 6]
        height = view.scrollable_content_region.height
        assert view.max_scroll_y > 10 * height  # far more than the panel shows at once
        await pilot.press("j", "j", "down")
        assert view.scroll_y == 3
        await pilot.press("k")
        assert view.scroll_y == 2
        await pilot.press("space")
        assert view.scroll_y == 2 + height - 1
        await pilot.press("b")
        assert view.scroll_y == 2
        await pilot.press("right_square_bracket")  # ]: the next page starts at the top
        assert view.top_unit == 3 and view.content.lines[view.content.line_of(view.top_offset)].kind == "rule"
        await pilot.press("right_square_bracket", "right_square_bracket")
        assert view.top_unit == 5
        await pilot.press("left_square_bracket")
        assert view.top_unit == 4
        await pilot.press("G")
        assert view.scroll_y == view.max_scroll_y and view.top_unit == 6
        status = str(reader.query_one(".reader-status").render())
        assert "page 6 of 2–6" in status and "100%" in status
        await pilot.press("g")
        assert view.scroll_y == 0 and view.top_unit == 2
        await pilot.press("escape")  # back to the tree, the panel shows the node's facts again
        await wait_for(pilot, lambda: app.focused is app.query_one("#tree"), what="focus on the tree")
        assert not app.query_one("#detail").reading


async def test_search_highlights_matches_and_n_and_N_move_between_them(tmp_path):
    make_long_pdf(tmp_path / "docs")
    app = make_app(tmp_path, tmp_path / "docs", NO_SERVER)
    async with app.run_test(size=(160, 48), notifications=True) as pilot:
        reader = await open_findings(pilot)
        view = reader.view
        await pilot.press("n")  # no search yet: said, nothing moves
        await wait_for(pilot, lambda: any("No search yet" in n.message for n in app.notices), what="hint")
        assert view.scroll_y == 0
        await pilot.press("slash")
        assert app.focused is reader.query_one("SearchBox")
        await pilot.press(*"DREDGING", "enter")
        assert app.focused is view
        assert len(view.matches) == 1 and view.current == 0 and view.top_unit == 4
        start, end = view.matches[0]
        assert view.content.text[start:end] == "dredging"  # case ignored, text taken as it is
        current = view.get_component_rich_style("reader--current")
        assert current.bgcolor is not None and current.bgcolor in [
            s.bgcolor for s in styles_of(view, "dredging")
        ]
        assert "“DREDGING” 1/1" in str(reader.query_one(".reader-status").render())

        await pilot.press("slash", *"line 3 on", "enter")  # once on each of pages 2-6
        assert len(view.matches) == 5 and view.current == 3  # the first from the view's top on: page 5
        await pilot.press("g", "slash", *"line 3 on", "enter")
        assert view.current == 0
        await pilot.press("n", "n")
        assert view.current == 2 and view.top_unit <= 4
        starts = [view.content.line_of(a) for a, _b in view.matches]
        assert view.content.lines[starts[2]].unit == 4
        await pilot.press("N", "N", "N")  # from the first match back round to the last
        assert view.current == 4
        assert view.content.lines[starts[4]].unit == 6

        await pilot.press("g", "slash", *"findings", "enter")  # on every line: the others are marked too
        assert len(view.matches) > 200 and view.current == 0
        drawn = {s.bgcolor for s in styles_of(view, "findings")}
        assert view.get_component_rich_style("reader--match").bgcolor in drawn
        assert view.get_component_rich_style("reader--current").bgcolor in drawn

        await pilot.press("slash", *"no such words", "enter")
        assert view.matches == [] and "no match" in str(reader.query_one(".reader-status").render())
        await pilot.press("slash", *"x", "escape")  # esc in the box: the search is closed and cleared
        assert app.focused is view and view.searched == "" and not reader.query_one("SearchBox").display


async def test_a_small_terminal_reads_on_the_whole_screen(tmp_path):
    make_long_pdf(tmp_path / "docs")
    app = make_app(tmp_path, tmp_path / "docs", NO_SERVER)
    async with app.run_test(size=(80, 24)) as pilot:
        reader = await open_findings(pilot)
        assert isinstance(app.screen, ReaderScreen) and app.focused is reader.view
        assert reader.view.scrollable_content_region.width > 60
        await pilot.press("space")
        assert reader.view.scroll_y > 0
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, ReaderScreen), what="reader closed")


async def test_page_text_is_shown_literally(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "notes.md").write_text(
        "# [bold]Notes[/bold]\n\nA bell \x07 and \x1b[31m red [link=x]text[/link].\n"
    )
    app = make_app(tmp_path, docs, NO_SERVER)
    async with app.run_test(size=(160, 48)) as pilot:
        await highlight(pilot, "notes.md")
        await pilot.press("i")
        state = lambda: app.model.states[str(docs / "notes.md")]  # noqa: E731
        await wait_for(pilot, lambda: state().phase == "indexed", what="indexed")
        tree = app.query_one("#tree", IndexTree)
        await wait_for(pilot, lambda: len(tree.root.children) == 1, what="tree")
        await pilot.press("2", "t")
        reader = app.query_one("#detail-text", Reader)
        await wait_for(pilot, lambda: not reader.view.content.empty, what="text")
        texts = [line.text for line in reader.view.content.lines]
        assert texts[0] == "# [bold]Notes[/bold]"
        assert "A bell ^G and ^[[31m red [link=x]text[/link]." in texts
        drawn = "".join(s.text for y in range(3) for s in reader.view.render_line(y))
        assert "[bold]Notes[/bold]" in drawn and "\x1b" not in drawn and "\x07" not in drawn
