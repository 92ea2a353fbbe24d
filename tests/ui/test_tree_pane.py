"""The tree pane: vim keys and arrows, filter, detail panel, page text, copy (OSC 52) and export."""

from __future__ import annotations

import json

import pytest
from pdfgen import make_outline_pdf
from uikit import SIZE, highlight, make_app, wait_for

from pageindex_tui.index.tree import Node, frozen
from pageindex_tui.settings import Settings
from pageindex_tui.tree import Tree
from pageindex_tui.ui.screens.export import ExportScreen
from pageindex_tui.ui.widgets.index_tree import IndexTree
from pageindex_tui.workbench.state import Changes, LiveDoc

pytestmark = pytest.mark.asyncio

NO_SERVER = Settings(endpoint="http://127.0.0.1:9/v1", if_add_node_summary=False)


def cursor_title(app) -> str:
    node = app.query_one("#tree", IndexTree).cursor_node
    return node.data.node.title if node is not None and node.data is not None else ""


def detail_text(app) -> str:
    return str(app.query_one("#detail-head").render())


async def indexed_outline(pilot, tmp_path):
    app = pilot.app
    pdf = tmp_path / "docs" / "outline.pdf"
    await highlight(pilot, "outline.pdf")
    await pilot.press("i")
    await wait_for(pilot, lambda: app.model.states[str(pdf)].phase == "indexed", what="indexed")
    tree = app.query_one("#tree", IndexTree)
    await wait_for(pilot, lambda: len(tree.root.children) == 3, what="tree")
    await pilot.press("2")
    await wait_for(pilot, lambda: cursor_title(app) == "1 Introduction", what="cursor on the first node")
    return tree


async def test_navigation_and_detail(tmp_path):
    make_outline_pdf(tmp_path / "docs")
    app = make_app(tmp_path, tmp_path / "docs", NO_SERVER)
    async with app.run_test(size=SIZE) as pilot:
        tree = await indexed_outline(pilot, tmp_path)
        assert "node 0000" in detail_text(app) and "pp. 1–3" in detail_text(app)
        assert "outline" in detail_text(app)
        await pilot.press("j")
        assert cursor_title(app) == "2 Methods"
        await pilot.press("l")  # expand
        await pilot.pause(0.05)
        assert tree.cursor_node.is_expanded
        await pilot.press("l")  # first child
        await pilot.pause(0.05)
        assert cursor_title(app) == "2.1 Data"
        assert "node 0002" in detail_text(app) and "pp. 4–5" in detail_text(app)
        await pilot.press("down")
        assert cursor_title(app) == "2.2 Analysis"
        await pilot.press("h")  # to the parent
        assert cursor_title(app) == "2 Methods"
        await pilot.press("left")  # collapse
        await pilot.pause(0.05)
        assert not tree.cursor_node.is_expanded
        await pilot.press("G")
        assert cursor_title(app) == "3 Results"
        await pilot.press("g")
        assert cursor_title(app) == "1 Introduction"
        await pilot.press("d")  # hide and show the detail panel
        assert not app.query_one("#detail").display
        await pilot.press("d")
        assert app.query_one("#detail").display


async def test_filter_by_title(tmp_path):
    make_outline_pdf(tmp_path / "docs")
    app = make_app(tmp_path, tmp_path / "docs", NO_SERVER)
    async with app.run_test(size=SIZE) as pilot:
        tree = await indexed_outline(pilot, tmp_path)
        await pilot.press("slash")
        assert app.focused.id == "tree-filter"
        await pilot.press(*"analysis")
        await wait_for(pilot, lambda: tree.query_text == "analysis", what="filter applied")
        await pilot.press("enter")
        assert app.focused is tree
        assert [c.data.node.title for c in tree.root.children] == ["2 Methods"]
        assert [c.data.node.title for c in tree.root.children[0].children] == ["2.2 Analysis"]
        assert "1 matches" in app.query_one("#tree-pane").border_subtitle
        await pilot.press("escape")  # clears the filter
        await pilot.pause(0.05)
        assert tree.query_text == "" and len(tree.root.children) == 3


async def test_page_text_copy_and_export(tmp_path, monkeypatch):
    make_outline_pdf(tmp_path / "docs")
    monkeypatch.chdir(tmp_path)
    app = make_app(tmp_path, tmp_path / "docs", NO_SERVER)
    copied: list[str] = []
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        monkeypatch.setattr(app, "copy_to_clipboard", copied.append)
        await indexed_outline(pilot, tmp_path)
        await pilot.press("t")
        reader = app.query_one("#detail-text")
        await wait_for(pilot, lambda: "page 1" in reader.view.content.text, what="page text")
        assert "Introduction" in reader.view.content.text
        await pilot.press("escape")  # back to the tree: the node keys act on it again
        await wait_for(pilot, lambda: app.focused is app.query_one("#tree"), what="focus back on the tree")

        await pilot.press("y")
        await wait_for(pilot, lambda: copied, what="copy")
        node = json.loads(copied[-1])
        assert node["title"] == "1 Introduction" and node["start_index"] == 1 and node["end_index"] == 3
        assert any("Copied node 0000 as JSON" in n.message for n in app.notices)

        await pilot.press("Y")
        await wait_for(pilot, lambda: len(copied) == 2, what="copy text")
        assert "Introduction" in copied[-1]

        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, ExportScreen), what="export screen")
        target = tmp_path / "out" / "tree.json"
        app.screen.query_one("#export-path").value = str(target)
        await pilot.press("enter")
        await wait_for(pilot, target.exists, what="export")
        data = json.loads(target.read_text())
        assert data["doc_name"] == "outline.pdf"
        assert [n["title"] for n in data["structure"]] == ["1 Introduction", "2 Methods", "3 Results"]
        assert data["structure"][1]["nodes"][0] == {
            "title": "2.1 Data",
            "node_id": "0002",
            "start_index": 4,
            "end_index": 5,
        }

        await pilot.press("E")
        await wait_for(pilot, lambda: isinstance(app.screen, ExportScreen), what="export screen")
        assert app.screen.query_one("#export-path").value.endswith("results/outline_outline.md")
        await pilot.press("enter")
        outline = tmp_path / "results" / "outline_outline.md"
        await wait_for(pilot, outline.exists, what="markdown export")
        text = outline.read_text()
        assert "- 2 Methods (pages 4-8) `0001`" in text and "  - 2.1 Data (pages 4-5) `0002`" in text


def big_tree(count: int = 5000, width: int = 50) -> list[Node]:
    roots = []
    number = 0
    for top in range(count // width):
        root = Node(f"Part {top}", top * 10 + 1, top * 10 + 10, node_id=f"{number:04d}")
        number += 1
        for child in range(width - 1):
            title = f"Section {top}.{child}"
            root.nodes.append(Node(title, top * 10 + 1, top * 10 + 2, node_id=f"{number:04d}"))
            number += 1
        roots.append(root)
    return roots


async def test_five_thousand_nodes_stay_responsive(tmp_path):
    (tmp_path / "docs").mkdir()
    app = make_app(tmp_path, tmp_path / "docs", NO_SERVER)
    async with app.run_test(size=SIZE) as pilot:
        nodes = big_tree(5000, 50) + [Node(f"Flat {i}", 1, 1) for i in range(1000)]
        changes = Changes()
        app.model.show(LiveDoc(Tree("big.pdf", "page", frozen(nodes)), "model"), changes)
        app.show(changes)
        tree = app.query_one("#tree", IndexTree)
        tree.focus()
        await wait_for(pilot, lambda: len(tree.root.children) == 1100, what="all roots")
        await pilot.press("j", "j", "l", "l", "j", "G", "g")  # how fast: benchmarks/ui_bench.py
        await wait_for(pilot, lambda: cursor_title(app) == "Part 0", what="back at the top")
        await pilot.press("slash", *"section 3.4")
        await wait_for(pilot, lambda: tree.query_text == "section 3.4", what="filter")
        assert tree.matches == 10  # 3.4 and 3.40 .. 3.48


async def test_open_branches_are_kept_per_document_when_switching(tmp_path):
    """Issue 22, build 7: a branch opened in one document's tree is open again when that document is
    shown again after another; the other document's tree opens as it was left (here: closed)."""
    first = make_outline_pdf(tmp_path / "docs")
    second = first.with_name("second.pdf")
    second.write_bytes(first.read_bytes())
    app = make_app(tmp_path, tmp_path / "docs", NO_SERVER)
    async with app.run_test(size=SIZE) as pilot:
        tree = await indexed_outline(pilot, tmp_path)
        await pilot.press("j", "l")  # open 2 Methods
        await wait_for(pilot, lambda: tree.cursor_node.is_expanded, what="opened")
        await pilot.press("1")
        await highlight(pilot, "second.pdf")
        await pilot.press("i")
        await wait_for(pilot, lambda: app.model.states[str(second)].phase == "indexed", what="second")
        await wait_for(pilot, lambda: app.model.current_doc == str(second), what="second shown")
        await wait_for(pilot, lambda: len(tree.root.children) == 3, what="second's tree")
        assert not any(child.is_expanded for child in tree.root.children)
        await highlight(pilot, "outline.pdf")
        await wait_for(pilot, lambda: app.model.current_doc == str(first), what="first shown again")
        methods = lambda: next(c for c in tree.root.children if c.data.node.title == "2 Methods")  # noqa: E731
        await wait_for(pilot, lambda: len(tree.root.children) == 3 and methods().is_expanded, what="kept")
