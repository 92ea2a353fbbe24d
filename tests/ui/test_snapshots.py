"""SVG snapshots (pytest-textual-snapshot). Fixed size, fixed data, no clocks, no temp paths shown.

Update after a deliberate change with `pytest tests/ui/test_snapshots.py --snapshot-update`, then look
at the SVGs before committing them.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from pdfgen import make_outline_pdf, make_plain_pdf
from uikit import highlight, make_app, wait_for

from pageindex_tui import events
from pageindex_tui.settings import Settings
from pageindex_tui.tree import Tree, TreeNode
from pageindex_tui.ui.messages import EngineBatch, JobUpdate
from pageindex_tui.ui.screens.config import ConfigScreen
from pageindex_tui.ui.screens.help import HelpScreen
from pageindex_tui.ui.widgets.index_tree import IndexTree

SIZE = (120, 40)
NO_SERVER = Settings(endpoint="http://127.0.0.1:9/v1", if_add_node_summary=False)
SHOWN_CONFIG = Path("/home/user/.config/pageindex-tui/config.toml")


def folder(tmp_path: Path) -> Path:
    docs = tmp_path / "docs"
    make_outline_pdf(docs)
    make_plain_pdf(docs)
    (docs / "notes.md").write_text("# Notes\n\n## [bold]Literal[/bold] heading\n\nText.\n")
    return docs


def mid_index_events(doc: str) -> list:
    titles = ("Overview", "Details", "Summary")
    nodes = tuple(TreeNode(title, 2 * n + 1, 2 * n + 2, f"{n:04d}") for n, title in enumerate(titles))
    structure = Tree("plain.pdf", "page", nodes)
    return [
        JobUpdate(doc, "started"),
        events.DocumentStarted(doc, "plain.pdf", 6),
        events.LimitChanged("", 12, "grew: KV 12%, 0 waiting", True),
        events.WorkEstimate(doc, 6400),
        events.StageStarted(doc, "structure"),
        events.CallStarted(doc, 1, "find sections, pages 1-6", 1834),
        events.ReasoningDelta(doc, 1, "Page 1 opens with the heading Overview. "),
        events.AnswerDelta(doc, 1, '{"sections": [{"title": "Overview", "level": 1, "page": 1}]}'),
        events.CallFinished(doc, 1, "ok", 1834, 212, 150, 0.42, 3.18),
        events.StructureFound(doc, structure, "model"),
        events.StageStarted(doc, "summarize", 3),
        events.CallStarted(doc, 2, "summarize 0001 Details", 951),
        events.ReasoningDelta(doc, 2, "The section has details: [bold]markup[/bold] stays literal, "),
        events.ReasoningDelta(doc, 2, "and so does \x1b[31m an escape.\nNext, the key figures."),
        events.StageProgress(doc, "summarize", 1, 3),
    ]


async def mid_index(pilot, theme: str = "pageindex-dark") -> None:
    app = pilot.app
    app.theme = theme
    app.model.clock = lambda: 1000.0  # a running call's seconds so far: 0.00, on any machine
    docs = app.root_path
    await highlight(pilot, "outline.pdf")
    await pilot.press("i")
    await wait_for(
        pilot, lambda: app.model.states[str(docs / "outline.pdf")].phase == "indexed", what="indexed"
    )
    await highlight(pilot, "plain.pdf")
    app.post_message(EngineBatch(mid_index_events(str(docs / "plain.pdf"))))
    tree = app.query_one("#tree", IndexTree)
    await wait_for(
        pilot, lambda: len(tree.root.children) == 3 and len(app.model.calls) == 2, what="events shown"
    )
    app.clear_notifications()
    await pilot.pause(0.1)


@pytest.mark.parametrize("theme", ["pageindex-dark", "pageindex-light"])
def test_main_screen_mid_index(snap_compare, tmp_path, theme):
    app = make_app(tmp_path, folder(tmp_path), NO_SERVER, config_file=SHOWN_CONFIG)
    assert snap_compare(app, terminal_size=SIZE, run_before=lambda pilot: mid_index(pilot, theme))


@pytest.mark.parametrize("size", [(80, 24), (160, 48)], ids=["80x24", "160x48"])
def test_main_screen_fits_the_terminal(snap_compare, tmp_path, size):
    """80x24: documents and tree over stream and calls, the gauges a one-line strip; 160x48: the
    detail beside the tree and the gauge cards beside the calls."""
    app = make_app(tmp_path, folder(tmp_path), NO_SERVER, config_file=SHOWN_CONFIG)
    assert snap_compare(app, terminal_size=size, run_before=mid_index)


def test_tree_with_detail_panel(snap_compare, tmp_path):
    app = make_app(tmp_path, folder(tmp_path), NO_SERVER, config_file=SHOWN_CONFIG)

    async def run_before(pilot) -> None:
        await highlight(pilot, "outline.pdf")
        await pilot.press("i")
        pdf = str(app.root_path / "outline.pdf")
        await wait_for(pilot, lambda: app.model.states[pdf].phase == "indexed", what="indexed")
        tree = app.query_one("#tree", IndexTree)
        await wait_for(pilot, lambda: len(tree.root.children) == 3, what="tree")
        await pilot.press("2", "j", "l", "l", "t")
        reader = app.query_one("#detail-text")
        await wait_for(pilot, lambda: "page 4" in reader.view.content.text, what="page text")
        app.clear_notifications()
        await pilot.pause(0.1)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_config_screen_with_a_validation_error(snap_compare, tmp_path):
    (tmp_path / "docs").mkdir()
    settings = Settings().with_values("environment VLLM_ENDPOINT", endpoint="http://gpu-box:8000/v1")
    app = make_app(tmp_path, tmp_path / "docs", settings, config_file=SHOWN_CONFIG)

    async def run_before(pilot) -> None:
        await pilot.press("o")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfigScreen), what="settings")
        field = app.screen.query_one("#field-concurrency")
        field.cursor_blink = False
        field.focus()
        field.value = ""
        await pilot.press(*"many")
        await wait_for(pilot, lambda: app.screen.looks >= 1, timeout=30, what="served models asked")
        await pilot.pause(0.1)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_help_screen(snap_compare, tmp_path):
    (tmp_path / "docs").mkdir()
    app = make_app(tmp_path, tmp_path / "docs", NO_SERVER, config_file=SHOWN_CONFIG)

    async def run_before(pilot) -> None:
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), what="help")
        await pilot.pause(0.1)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)
