"""What the app writes (issue 13, item 10): screenshots land in a folder that exists and say where,
exports ask before overwriting and default to a folder outside the documents folder, and our own
outputs are never listed or indexed as documents."""

from __future__ import annotations

import pytest
from pdfgen import make_outline_pdf
from uikit import docs_loaded, highlight, make_app, wait_for

from pageindex_tui.settings import Settings
from pageindex_tui.ui.screens.confirm import ConfirmScreen
from pageindex_tui.ui.screens.export import ExportScreen
from pageindex_tui.ui.widgets.documents import DocumentsTree

pytestmark = pytest.mark.asyncio
OFFLINE = Settings(endpoint="http://127.0.0.1:9/v1", if_add_node_summary=False)


async def test_screenshot_without_a_downloads_folder_lands_in_the_export_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))  # a GPU box: no ~/Downloads
    monkeypatch.chdir(tmp_path)
    (tmp_path / "docs").mkdir()
    app = make_app(tmp_path, tmp_path / "docs", OFFLINE)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("ctrl+p")
        await pilot.pause(0.3)
        await pilot.press(*"Screenshot")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await wait_for(pilot, lambda: any(n.title == "Screenshot" for n in app.notices), what="saved")
        notice = next(n for n in app.notices if n.title == "Screenshot")
        shots = list((tmp_path / "results").glob("*.svg"))
        assert len(shots) == 1 and str(shots[0]) in notice.message
        assert "<svg" in shots[0].read_text()[:200]


async def test_export_asks_before_overwriting_and_defaults_outside_the_documents(tmp_path, monkeypatch):
    docs = tmp_path / "docs"
    make_outline_pdf(docs)
    monkeypatch.chdir(docs)  # launched from the documents folder, as in the report
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    app = make_app(tmp_path, docs, OFFLINE)
    async with app.run_test(size=(120, 40)) as pilot:
        await highlight(pilot, "outline.pdf")
        await pilot.press("i")
        await wait_for(pilot, lambda: app.model.states[str(docs / "outline.pdf")].phase == "indexed")
        await pilot.press("2")
        await pilot.press("E")
        await wait_for(pilot, lambda: isinstance(app.screen, ExportScreen), what="export screen")
        field = app.screen.query_one("#export-path")
        default = field.value
        assert default.endswith("outline_outline.md") and not default.startswith(str(docs))
        target = tmp_path / "mine.md"
        target.write_text("my own notes\n")
        field.value = str(target)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="asked")
        assert str(target) in str(app.screen.query_one("#question").render())
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, ExportScreen), what="back to the name")
        assert target.read_text() == "my own notes\n" and "was kept" in str(
            app.screen.query_one("#export-error").render()
        )
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="asked again")
        await pilot.press("y")
        await wait_for(pilot, lambda: target.read_text().startswith("# "), what="overwritten")
        assert not isinstance(app.screen, (ExportScreen, ConfirmScreen))


async def test_our_own_outputs_are_never_listed_or_indexed(tmp_path):
    docs = tmp_path / "docs"
    make_outline_pdf(docs)
    (docs / "results").mkdir()
    (docs / "results" / "outline_outline.md").write_text("# outline.pdf\n\n- Introduction (page 1)\n")
    (docs / "outline_outline.md").write_text("# outline.pdf\n")
    (docs / "notes.md").write_text("# Notes\n\nText.\n")
    app = make_app(tmp_path, docs, OFFLINE)
    async with app.run_test(size=(120, 40)) as pilot:
        await docs_loaded(pilot)
        tree = app.query_one("#documents", DocumentsTree)
        names = [str(node.label) for node in tree.root.children]
        assert not any("outline_outline" in name for name in names)
        await pilot.press("g")
        await pilot.press("a")  # every document of the folder, and nothing we wrote
        await wait_for(
            pilot, lambda: len([s for s in app.model.states.values() if s.phase == "indexed"]) == 2
        )
        assert sorted(p.rsplit("/", 1)[-1] for p, s in app.model.states.items() if s.phase == "indexed") == [
            "notes.md",
            "outline.pdf",
        ]
        assert not any("outline_outline" in p for p in app.model.states)
