"""SVG snapshots of the page-text reader and the Ask screen at 80x24 and 160x48 (fixed data, no clocks,
no temp paths shown). Update with `--snapshot-update`, then look at them as pictures before committing."""

from __future__ import annotations

from pathlib import Path

from askdocs import GOOD_ANSWER, file_harbor, scripted
from fakes import FakeVLLM
from pdfgen import make_long_pdf
from uikit import highlight, make_app, wait_for

from pageindex_tui.settings import Settings
from pageindex_tui.store.library import Library
from pageindex_tui.ui.screens.ask import AskScreen
from pageindex_tui.ui.screens.reader import ReaderScreen
from pageindex_tui.ui.widgets.index_tree import IndexTree

SMALL, MIDDLE, LARGE = (80, 24), (100, 30), (160, 48)
FLAGGED_ANSWER = (  # [2] names no source: the citations pane lists it, unverified, as the answer shows it
    "Dredging the outer channel cost 9 million euros [1] and took eleven weeks [2].\n\n"
    'Sources:\n[1] 0004, page 5: "Dredging the outer channel cost 9 million euros"'
)
NO_SERVER = Settings(endpoint="http://127.0.0.1:9/v1", if_add_node_summary=False)
SHOWN_CONFIG = Path("/home/user/.config/pageindex-tui/config.toml")


async def read_and_search(pilot) -> None:
    """long.pdf indexed from its outline, "2 Findings" read with t, "dredging" searched."""
    app = pilot.app
    pdf = app.root_path / "long.pdf"
    await highlight(pilot, "long.pdf")
    await pilot.press("i")
    await wait_for(pilot, lambda: app.model.states[str(pdf)].phase == "indexed", what="indexed")
    tree = app.query_one("#tree", IndexTree)
    await wait_for(pilot, lambda: len(tree.root.children) == 3, what="tree")
    await pilot.press("2", "j", "t")
    reader = app.screen.reader if isinstance(app.screen, ReaderScreen) else app.query_one("#detail-text")
    await wait_for(pilot, lambda: not reader.view.content.empty, what="page text")
    await pilot.press("slash", *"dredging", "enter")
    await wait_for(pilot, lambda: reader.view.matches, what="match")
    app.clear_notifications()
    await pilot.pause(0.1)


def test_reader_in_the_node_panel_160x48(snap_compare, tmp_path):
    make_long_pdf(tmp_path / "docs")
    app = make_app(tmp_path, tmp_path / "docs", NO_SERVER, config_file=SHOWN_CONFIG)
    assert snap_compare(app, terminal_size=LARGE, run_before=read_and_search)


def test_reader_on_the_whole_screen_80x24(snap_compare, tmp_path):
    make_long_pdf(tmp_path / "docs")
    app = make_app(tmp_path, tmp_path / "docs", NO_SERVER, config_file=SHOWN_CONFIG)
    assert snap_compare(app, terminal_size=SMALL, run_before=read_and_search)


def answered(pdf: Path, open_citation: bool = False, citations: int = 1):
    async def run_before(pilot) -> None:
        app = pilot.app
        await highlight(pilot, pdf.name)
        tree = app.query_one("#tree", IndexTree)
        await wait_for(pilot, lambda: len(tree.root.children) == 4, what="tree")
        await pilot.press("A")
        await wait_for(pilot, lambda: isinstance(app.screen, AskScreen), what="Ask screen")
        screen = app.screen
        await pilot.press(*"How much did dredging the outer channel cost?", "enter")
        question = app.model.asks.questions(str(pdf))[0]
        await wait_for(pilot, lambda: question.phase == "answered", what="answer")
        await wait_for(pilot, lambda: screen.citations.option_count == citations, what="citations")
        screen.citations.focus()
        if open_citation:
            await pilot.press("enter")
            await wait_for(pilot, lambda: isinstance(app.screen, ReaderScreen), what="reader")
            await wait_for(pilot, lambda: app.screen.reader.view.quote is not None, what="quote")
        app.clear_notifications()
        await pilot.pause(0.2)

    return run_before


def ask_app(tmp_path: Path, endpoint: str):
    library = Library(tmp_path / "library")
    pdf = file_harbor(tmp_path / "docs", library)
    settings = Settings(endpoint=endpoint, cache=False, max_retries=0)
    return make_app(tmp_path, tmp_path / "docs", settings, library=library, config_file=SHOWN_CONFIG), pdf


def test_ask_screen_answered_160x48(snap_compare, tmp_path):
    with FakeVLLM(default=scripted(picks=['{"nodes": ["0004"]}'], answers=[GOOD_ANSWER])) as fake:
        app, pdf = ask_app(tmp_path, fake.base_url)
        assert snap_compare(app, terminal_size=LARGE, run_before=answered(pdf))


def test_ask_screen_answered_80x24(snap_compare, tmp_path):
    with FakeVLLM(default=scripted(picks=['{"nodes": ["0004"]}'], answers=[GOOD_ANSWER])) as fake:
        app, pdf = ask_app(tmp_path, fake.base_url)
        assert snap_compare(app, terminal_size=SMALL, run_before=answered(pdf))


def test_a_citation_in_the_reader_80x24(snap_compare, tmp_path):
    with FakeVLLM(default=scripted(picks=['{"nodes": ["0004"]}'], answers=[GOOD_ANSWER])) as fake:
        app, pdf = ask_app(tmp_path, fake.base_url)
        assert snap_compare(app, terminal_size=SMALL, run_before=answered(pdf, open_citation=True))


def test_ask_screen_flags_a_marker_without_a_source_100x30(snap_compare, tmp_path):
    with FakeVLLM(default=scripted(picks=['{"nodes": ["0004"]}'], answers=[FLAGGED_ANSWER])) as fake:
        app, pdf = ask_app(tmp_path, fake.base_url)
        assert snap_compare(app, terminal_size=MIDDLE, run_before=answered(pdf, citations=2))
