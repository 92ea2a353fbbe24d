"""Issue 13, items 7, 8 and 11 in the app: the filter's state, the layout for the terminal's size, zoom,
the keys help lists and where enter and l lead, and hints that name the user's keys."""

from __future__ import annotations

import pytest
from pdfgen import make_outline_pdf, make_plain_pdf
from uikit import highlight, make_app, wait_for

from pageindex_tui.index.tree import Node, frozen
from pageindex_tui.settings import Settings
from pageindex_tui.tree import Tree
from pageindex_tui.ui.layout import NARROW, WIDE, size_class
from pageindex_tui.ui.panes.tree import TreePane
from pageindex_tui.ui.screens.help import HelpScreen, help_rows
from pageindex_tui.ui.widgets.index_tree import IndexTree
from pageindex_tui.workbench.state import Changes, LiveDoc

pytestmark = pytest.mark.asyncio

NO_SERVER = Settings(endpoint="http://127.0.0.1:9/v1", if_add_node_summary=False)


def screen_lines(app) -> list[str]:
    """What the terminal shows now, one string per row."""
    return [strip.text for strip in app.screen._compositor.render_strips()]


def region(app, selector: str):
    return app.query_one(selector).region


async def indexed(pilot, name: str = "outline.pdf") -> IndexTree:
    app = pilot.app
    await highlight(pilot, name)
    await pilot.press("i")
    doc = str(app.root_path / name)
    await wait_for(pilot, lambda: app.model.states[doc].phase == "indexed", what="indexed")
    tree = app.query_one("#tree", IndexTree)
    await wait_for(pilot, lambda: len(tree.root.children) == 3, what="tree")
    return tree


# -- item 7: the filter -----------------------------------------------------------------------------------
async def test_esc_after_a_kept_filter_clears_the_box_the_subtitle_and_the_note(tmp_path):
    make_outline_pdf(tmp_path / "docs")
    make_plain_pdf(tmp_path / "docs")
    app = make_app(tmp_path, tmp_path / "docs", NO_SERVER)
    async with app.run_test(size=(120, 40)) as pilot:
        tree = await indexed(pilot)
        pane, box = app.query_one(TreePane), app.query_one("#tree-filter")
        note = app.query_one("#tree-note")
        await pilot.press("2", "slash", *"ana", "enter")  # "/ana", kept with enter
        await wait_for(pilot, lambda: tree.query_text == "ana" and app.focused is tree, what="kept filter")
        assert box.display and box.value == "ana" and "filter “ana”: 1 matches" in pane.border_subtitle
        await pilot.press("escape")
        await wait_for(pilot, lambda: tree.query_text == "", what="filter cleared")
        assert not box.display and box.value == ""
        assert "filter" not in pane.border_subtitle and pane.border_subtitle.startswith("5 nodes")
        assert len(tree.root.children) == 3 and not note.display

        await pilot.press("slash", *"zzz")  # no title matches: the pane says so, and how to clear it
        await wait_for(pilot, lambda: tree.query_text == "zzz", what="filter zzz")
        assert note.display and "No titles match “zzz”. esc: clear the filter." in str(note.render())
        assert "0 matches" in pane.border_subtitle and not tree.root.children
        await pilot.press("escape")  # in the box: clears and closes it
        await wait_for(pilot, lambda: len(tree.root.children) == 3, what="all titles back")
        assert not note.display and not box.display and "filter" not in pane.border_subtitle

        await pilot.press("slash", *"ana", "enter")
        await wait_for(pilot, lambda: tree.query_text == "ana", what="filter again")
        await highlight(pilot, "plain.pdf")  # another document: the tree drops the filter, so does the box
        await wait_for(pilot, lambda: tree.query_text == "" and not box.display, what="box closed")
        assert box.value == ""


# -- item 8: the layout for the size, zoom, the footer -----------------------------------------------------
@pytest.mark.parametrize("size", [(160, 48), (120, 40), (100, 30), (80, 24)])
async def test_the_layout_follows_the_terminals_width(tmp_path, size):
    make_outline_pdf(tmp_path / "docs")
    app = make_app(tmp_path, tmp_path / "docs", NO_SERVER)
    width, height = size
    async with app.run_test(size=size) as pilot:
        await indexed(pilot)
        await pilot.pause(0.1)
        kind = size_class(width)
        assert app.screen.has_class(kind)
        gauges, tree = region(app, "#gauges"), region(app, "#tree-pane")
        if width >= WIDE:
            assert gauges.width == 42 and gauges.height > 3  # cards beside the calls
        else:
            assert gauges.height == 1 and gauges.width == width  # a one-line strip
            assert region(app, "#stream-pane").width + region(app, "#calls-pane").width == width
        detail = app.query_one("#detail")
        assert detail.display == (width >= NARROW)
        assert tree.width >= 40  # room for titles and their pages
        rows = "\n".join(screen_lines(app))
        assert "1 Introduction  pp. 1–3" in rows
        footer = screen_lines(app)[height - 1]
        assert footer.rstrip().endswith("^p palette")  # nothing left over after the palette key


async def test_long_titles_give_way_to_their_pages_in_a_narrow_tree(tmp_path):
    (tmp_path / "docs").mkdir()
    app = make_app(tmp_path, tmp_path / "docs", NO_SERVER)
    long = "Domestic and International Cooperation and Coordination of Everything"
    nodes = [Node(long, 28, 30, nodes=[Node(f"{long}, again", 29, 30)]), Node("Short", 31, 31)]
    async with app.run_test(size=(80, 24)) as pilot:
        changes = Changes()
        app.model.show(LiveDoc(Tree("long.pdf", "page", frozen(nodes)), "toc"), changes)
        app.show(changes)
        tree = app.query_one("#tree", IndexTree)
        await wait_for(pilot, lambda: len(tree.root.children) == 2, what="the tree")
        await pilot.press("2", "Z")
        await wait_for(pilot, lambda: tree.last_line == 2, what="expanded")
        rows = [line for line in screen_lines(app) if "Domestic" in line or "Short" in line]
        assert len(rows) == 3
        assert rows[0].rstrip("│").endswith("Domestic and International Coope…  pp. 28–30")
        assert "pp. 29–30" in rows[1] and "…" in rows[1]
        assert "Short  p. 31" in rows[2] and "…" not in rows[2]
        await pilot.press("m")  # zoomed: more of the title, the pages still there
        shown = lambda: "\n".join(screen_lines(app))  # noqa: E731
        await wait_for(pilot, lambda: "Coordination of Every…  pp. 28–30" in shown(), what="zoomed")


async def test_narrow_detail_takes_the_documents_place_and_gives_it_back(tmp_path):
    make_outline_pdf(tmp_path / "docs")
    app = make_app(tmp_path, tmp_path / "docs", NO_SERVER)
    async with app.run_test(size=(80, 24)) as pilot:
        await indexed(pilot)
        docs, detail = app.query_one("#documents-pane"), app.query_one("#detail")
        await pilot.press("2", "d")
        await pilot.pause(0.05)
        assert detail.display and not docs.display
        assert region(app, "#tree-pane").width >= 40
        await pilot.press("1")  # the documents' key brings them back, and hides the detail
        await wait_for(pilot, lambda: docs.display and app.focused.id == "documents", what="documents back")
        assert not detail.display
        await pilot.resize_terminal(160, 48)  # a user's "hide" and "show" hold across sizes
        await pilot.press("2", "d")
        await pilot.pause(0.05)
        assert not detail.display and docs.display
        await pilot.press("d")
        await pilot.pause(0.05)
        assert detail.display and docs.display


async def test_zoom_maximizes_the_focused_pane_and_restores_it(tmp_path):
    make_outline_pdf(tmp_path / "docs")
    app = make_app(tmp_path, tmp_path / "docs", NO_SERVER)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await indexed(pilot)
        for focus, pane in (
            ("1", "documents-pane"),
            ("2", "tree-pane"),
            ("3", "stream-pane"),
            ("4", "calls-pane"),
        ):
            await pilot.press(focus, "m")
            await wait_for(pilot, lambda: app.screen.maximized is not None, what=f"zoom {pane}")
            assert app.screen.maximized.id == pane
            assert region(app, f"#{pane}").width == 80 and region(app, f"#{pane}").height >= 22
            await pilot.press("m")
            await wait_for(pilot, lambda: app.screen.maximized is None, what=f"restore {pane}")
        await pilot.press("2", "m", "escape")  # esc restores too
        await wait_for(pilot, lambda: app.screen.maximized is None, what="esc restores")
        app.screen.set_focus(None)
        await pilot.press("m")
        await wait_for(
            pilot, lambda: any("Focus a pane first" in n.message for n in app.notices), what="note"
        )
        titles = {c.title for c in app.get_system_commands(app.screen)}
        assert "Zoom the focused pane to the whole screen, or restore it (esc restores too)" in titles


# -- item 11: keys --------------------------------------------------------------------------------------
async def test_help_lists_tab_palette_and_ctrl_q_and_scrolls_with_g(tmp_path):
    (tmp_path / "docs").mkdir()
    app = make_app(tmp_path, tmp_path / "docs", NO_SERVER)
    anywhere = dict(help_rows()[0][1])
    assert anywhere["q / ctrl+q"].startswith("Quit")
    assert anywhere["tab"] == "Next pane" and anywhere["shift+tab"] == "Previous pane"
    assert anywhere["ctrl+p"].startswith("Command palette") and "Zoom" in anywhere["m"]
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), what="help")
        body = app.screen.query_one("#help-body")
        await wait_for(pilot, lambda: body.max_scroll_y > 0, what="help laid out")
        await pilot.press("G")
        await wait_for(pilot, lambda: body.scroll_y == body.max_scroll_y, what="G: the end")
        await pilot.press("g")
        await wait_for(pilot, lambda: body.scroll_y == 0, what="g: the top")
        await pilot.press("pagedown")
        await wait_for(pilot, lambda: body.scroll_y > 5, what="a page down")
        assert "g/G: top/end · esc to close" in body.border_subtitle


async def test_enter_or_l_on_an_indexed_file_opens_its_tree(tmp_path):
    make_outline_pdf(tmp_path / "docs")
    make_plain_pdf(tmp_path / "docs")
    app = make_app(tmp_path, tmp_path / "docs", NO_SERVER)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        tree = await indexed(pilot)
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.focused is tree, what="enter opens the tree")
        await highlight(pilot, "outline.pdf")
        await pilot.press("l")
        await wait_for(pilot, lambda: app.focused is tree, what="l opens the tree")
        await highlight(pilot, "plain.pdf")
        await pilot.press("enter")
        await wait_for(
            pilot, lambda: any("plain.pdf has no index yet: i indexes it." in n.message for n in app.notices)
        )
        assert app.focused.id == "documents"


async def test_expand_all_opens_every_branch_and_z_closes_them(tmp_path):
    (tmp_path / "docs").mkdir()
    app = make_app(tmp_path, tmp_path / "docs", NO_SERVER)
    parts = [
        Node(f"Part {p}", 1, 9, nodes=[
            Node(f"Chapter {p}.{c}", 1, 3, nodes=[Node(f"Section {p}.{c}.{s}", 1, 1) for s in range(2)])
            for c in range(3)
        ])
        for p in range(3)
    ]  # fmt: skip
    async with app.run_test(size=(120, 40)) as pilot:
        changes = Changes()
        app.model.show(LiveDoc(Tree("parts.pdf", "page", frozen(parts)), "model"), changes)
        app.show(changes)
        tree = app.query_one("#tree", IndexTree)
        await wait_for(pilot, lambda: len(tree.root.children) == 3, what="the parts")
        await pilot.press("2", "j", "Z")
        await wait_for(pilot, lambda: tree.last_line == 29, what="all 30 nodes shown")  # 3 + 9 + 18
        assert tree.cursor_node.data.node.title == "Part 1"  # the cursor stays where it was
        await pilot.press("z")
        await wait_for(pilot, lambda: tree.last_line == 2, what="collapsed to the three parts")


# -- hints name the user's keys ----------------------------------------------------------------------------
async def test_hints_name_the_keys_of_the_users_keymap(tmp_path):
    make_outline_pdf(tmp_path / "docs")
    make_plain_pdf(tmp_path / "docs")
    config = tmp_path / "config.toml"
    config.write_text(
        '[keys]\n"documents.index" = "n"\n"tree.clear_filter" = "backspace"\n"filter.clear" = "ctrl+g"\n'
        '"stream.follow" = "F"\n"app.palette" = "ctrl+k"\n"help.close" = "x"\n'
    )
    app = make_app(tmp_path, tmp_path / "docs", NO_SERVER, config_file=config)
    async with app.run_test(size=(120, 40)) as pilot:
        await highlight(pilot, "plain.pdf")
        info, note = app.query_one("#doc-info"), app.query_one("#tree-note")
        await wait_for(pilot, lambda: "(n to index)" in str(info.render()), what="doc info")
        assert "press n in the documents pane" in str(note.render())
        await highlight(pilot, "outline.pdf")
        await pilot.press("n")
        tree = app.query_one("#tree", IndexTree)
        await wait_for(pilot, lambda: len(tree.root.children) == 3, what="indexed with n")
        assert app.query_one("#tree-filter").placeholder.endswith("ctrl+g: clear")
        await pilot.press("2", "slash", *"zzz", "enter")
        await wait_for(
            pilot, lambda: "backspace: clear the filter" in str(note.render()), what="no-match note"
        )
        await pilot.press("backspace")
        await wait_for(pilot, lambda: tree.query_text == "", what="cleared with the remapped key")
        assert "^k palette" in screen_lines(app)[-1]  # the footer's palette key follows the remap
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), what="help")
        body = app.screen.query_one("#help-body")
        assert body.border_subtitle.endswith("x to close")
        assert "command palette (ctrl+k)" in str(app.screen.query_one("#help-notes").render())
