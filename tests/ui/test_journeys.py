"""Pilot journeys through the real app and engine, with a loopback fake of vLLM."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from fakes import FakeVLLM, Script, smart_model
from pdfgen import make_corrupt_pdf, make_plain_pdf
from textual.pilot import Pilot
from uikit import SIZE, highlight, make_app, no_temp_files, wait_for

from pageindex_tui.settings import Settings
from pageindex_tui.ui.app import PageIndexApp
from pageindex_tui.ui.panes.calls import CallsPane
from pageindex_tui.ui.panes.documents import DocumentsPane
from pageindex_tui.ui.panes.gauges import GaugesBox
from pageindex_tui.ui.widgets.calls import CallsTable
from pageindex_tui.ui.widgets.index_tree import IndexTree
from pageindex_tui.ui.widgets.stream import StreamView
from pageindex_tui.workbench.state import DocState

pytestmark = pytest.mark.asyncio


@asynccontextmanager
async def mid_run(tmp_path: Path) -> AsyncIterator[tuple[PageIndexApp, Pilot[int], DocState]]:
    """The app, its pilot and plain.pdf's state, once `i` has started indexing it through a fake server
    whose calls take 30 s and its first call is under way."""
    docs = tmp_path / "docs"
    pdf = make_plain_pdf(docs)
    slow = lambda body: Script(reasoning="thinking", answer="{}", delay=30)  # noqa: E731
    with FakeVLLM(default=slow, chunk=1) as fake:
        app = make_app(tmp_path, docs, Settings(endpoint=fake.base_url))
        async with app.run_test(size=SIZE) as pilot:
            await highlight(pilot, "plain.pdf")
            await pilot.press("i")
            state = app.model.states[str(pdf)]
            await wait_for(pilot, lambda: len(app.model.calls) > 0, what="a call")
            yield app, pilot, state


async def test_index_a_pdf_from_the_documents_pane(tmp_path):
    docs = tmp_path / "docs"
    pdf = make_plain_pdf(docs)
    with FakeVLLM(default=smart_model) as fake:
        settings = Settings(endpoint=fake.base_url, thinking=True, thinking_summary=True)
        app = make_app(tmp_path, docs, settings)
        async with app.run_test(size=SIZE) as pilot:
            await highlight(pilot, "plain.pdf")
            await pilot.press("i")
            state = app.model.states[str(pdf)]
            await wait_for(pilot, lambda: state.phase == "indexed", what="indexed")
            table = app.query_one("#calls", CallsTable)
            stream = app.query_one("#stream", StreamView)
            tree = app.query_one("#tree", IndexTree)
            assert table.row_count >= 2  # structure calls and summaries
            assert "Looking at the pages" in stream.text or "Reading the section" in stream.text
            assert [n.title for n in tree.nodes] == ["Overview", "Details", "Summary"]
            assert state.nodes == 3 and state.entry is not None
            assert state.entry.structure_path.is_file()
            assert "3 nodes" in state.describe("i")
            badge, kind = state.badge()
            assert kind == "indexed" and "3 nodes" in badge
            assert fake.requests
    assert not no_temp_files(tmp_path)


async def test_saved_indexes_show_at_once_and_unchanged_files_are_not_indexed_again(tmp_path):
    docs = tmp_path / "docs"
    pdf = make_plain_pdf(docs)
    with FakeVLLM(default=smart_model) as fake:
        settings = Settings(endpoint=fake.base_url, thinking=False, if_add_node_summary=False)
        app = make_app(tmp_path, docs, settings)
        async with app.run_test(size=SIZE) as pilot:
            await highlight(pilot, "plain.pdf")
            await pilot.press("i")
            await wait_for(pilot, lambda: app.model.states[str(pdf)].phase == "indexed", what="indexed")
        calls = len(fake.requests)
        assert calls > 0

        # Reopen: the saved index is found at once, with no server at all.
        app = make_app(tmp_path, docs, Settings(endpoint="http://127.0.0.1:9/v1", if_add_node_summary=False))
        app.settings = settings
        async with app.run_test(size=SIZE) as pilot:
            await highlight(pilot, "plain.pdf")
            state = app.model.states[str(pdf)]
            await wait_for(pilot, lambda: state.phase == "indexed", what="library state")
            tree = app.query_one("#tree", IndexTree)
            await wait_for(pilot, lambda: len(tree.nodes) == 3, what="tree from the library")
            assert state.exact
            # i on an unchanged file reuses the saved index: no model call.
            await pilot.press("i")
            await wait_for(pilot, lambda: state.phase == "indexed" and not app.engine.busy(), what="reused")
            await pilot.pause(0.2)
            assert len(fake.requests) == calls
            # I forces a new run.
            await pilot.press("I")
            await wait_for(pilot, lambda: len(fake.requests) > calls, what="forced run")
            await wait_for(pilot, lambda: not app.engine.busy(), what="forced run done")
            assert state.phase == "indexed"


async def test_cancel_stops_the_run_and_writes_nothing(tmp_path):
    async with mid_run(tmp_path) as (app, pilot, state):
        assert state.phase == "indexing"
        await pilot.press("x")
        await wait_for(pilot, lambda: state.phase == "cancelled", what="cancelled")
        assert not app.engine.busy()
        assert "cancelled" in state.badge()[0]
    library = tmp_path / "library"
    assert not list(library.rglob("*_structure.json")) and not list(library.rglob("entry.json"))
    assert not no_temp_files(tmp_path)


async def test_cancel_all_asks_first_and_cancels_only_on_yes(tmp_path):
    """Issue 22, build 7: X stops every document at once, so it asks; 'n' keeps the run going, 'y' cancels
    it, and the note counts in words ("1 document")."""
    from pageindex_tui.ui.screens.confirm import ConfirmScreen

    async with mid_run(tmp_path) as (app, pilot, state):
        await pilot.press("X")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="the question")
        assert "Cancel all 1 document queued and running?" in str(app.screen.question)
        await pilot.press("n")
        await wait_for(pilot, lambda: not isinstance(app.screen, ConfirmScreen), what="no")
        assert state.phase == "indexing" and app.engine.busy()
        await pilot.press("X")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="the question again")
        await pilot.press("y")
        await wait_for(pilot, lambda: state.phase == "cancelled", what="cancelled")
        assert any(n.message == "Cancelling 1 document." for n in app.notices)


async def test_quitting_mid_run_asks_first(tmp_path):
    from pageindex_tui.ui.screens.confirm import ConfirmScreen

    async with mid_run(tmp_path) as (app, pilot, _state):
        await pilot.press("q")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="question")
        await pilot.press("n")
        await wait_for(pilot, lambda: not isinstance(app.screen, ConfirmScreen), what="back")
        assert app.is_running and app.engine.busy()
        await pilot.press("q")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="question again")
        await pilot.press("y")
        await wait_for(pilot, lambda: not app.is_running, what="exit")
    assert app.return_code == 0
    assert not list((tmp_path / "library").rglob("entry.json"))
    assert not no_temp_files(tmp_path)


async def test_server_down_shows_a_banner_and_the_reason_in_the_row(tmp_path):
    from pageindex_tui.local.server import free_port

    docs = tmp_path / "docs"
    pdf = make_plain_pdf(docs)
    endpoint = f"http://127.0.0.1:{free_port()}/v1"
    app = make_app(tmp_path, docs, Settings(endpoint=endpoint, max_retries=0), probe=True)
    async with app.run_test(size=SIZE) as pilot:
        banner = app.query_one("#banner")
        await wait_for(pilot, lambda: banner.has_class("-visible"), what="banner")
        text = str(banner.render())
        assert "cannot reach the model server" in text and "Check:" in text
        await highlight(pilot, "plain.pdf")
        await pilot.press("i")
        state = app.model.states[str(pdf)]
        # its sections need the model: page groups stand in, kept as a partial index waiting for it
        await wait_for(pilot, lambda: state.phase == "partial", what="partial")
        assert state.partial is not None and "cannot reach" in state.partial.error and state.partial.hint
        assert state.badge()[0].startswith("◑")
        assert "sections wait for the model" in state.describe("i")


async def test_a_file_that_is_not_a_pdf_is_reported_in_its_row(tmp_path):
    docs = tmp_path / "docs"
    bad = make_corrupt_pdf(docs, kind="garbage")
    app = make_app(tmp_path, docs, Settings(endpoint="http://127.0.0.1:9/v1"))
    async with app.run_test(size=SIZE) as pilot:
        await highlight(pilot, bad.name)
        await pilot.press("i")
        state = app.model.states[str(bad)]
        await wait_for(pilot, lambda: state.phase == "failed", what="failed")
        assert state.error and "✗" in state.badge()[0]
        assert "failed" in str(app.query_one("#doc-info").render())
        bad.unlink()  # a file that vanished
        await pilot.press("I")
        await wait_for(pilot, lambda: not app.engine.busy(), what="second run")
        assert state.phase == "failed" and "cannot read" in state.error


async def test_text_from_the_model_and_the_document_is_shown_literally(tmp_path):
    docs = tmp_path / "docs"
    pdf = make_plain_pdf(docs)
    md = docs / "tricky.md"
    md.write_text("# [bold red]Boom[/] \x1b[31mred\n\nText.\n\n## [link=http://x]y[/link]\n\nMore.\n")

    def model(body: dict) -> Script:
        script = smart_model(body)
        if "Write a summary" in body["messages"][-1]["content"]:
            script.answer = "[i]summary[/i] \x1b[0m"
        script.reasoning = "[bold]not bold[/bold] \x1b[2J"
        return script

    with FakeVLLM(default=model) as fake:
        app = make_app(tmp_path, docs, Settings(endpoint=fake.base_url, thinking_summary=True))
        async with app.run_test(size=SIZE) as pilot:
            await highlight(pilot, "tricky.md")
            await pilot.press("i")
            await wait_for(
                pilot, lambda: app.model.states[str(md)].phase == "indexed", what="markdown indexed"
            )
            tree = app.query_one("#tree", IndexTree)
            await wait_for(pilot, lambda: tree.root.children, what="tree")
            assert tree.root.children[0].label.plain.startswith("[bold red]Boom[/] ^[[31mred")
            await pilot.press("2")
            await pilot.pause(0.1)
            detail = str(app.query_one("#detail-head").render())
            assert "[bold red]Boom[/]" in detail and "\x1b" not in detail

            await highlight(pilot, "plain.pdf")
            await pilot.press("i")
            await wait_for(pilot, lambda: app.model.states[str(pdf)].phase == "indexed", what="pdf indexed")
            stream = app.query_one("#stream", StreamView)
            assert "[bold]not bold[/bold] ^[[2J" in stream.text
            screen = app.export_screenshot()
            assert "\x1b" not in screen and "[bold]not&#160;bold[/bold]" in screen


async def test_index_a_whole_folder_as_a_queue(tmp_path):
    docs = tmp_path / "docs"
    sub = docs / "notes"
    sub.mkdir(parents=True)
    for name in ("a.md", "b.md", "c.markdown"):
        (sub / name).write_text(f"# {name}\n\nText.\n\n## Part\n\nMore.\n")
    (sub / "skip.txt").write_text("not a document")
    app = make_app(tmp_path, docs, Settings(endpoint="http://127.0.0.1:9/v1", if_add_node_summary=False))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await highlight(pilot, "notes")
        await pilot.press("a")
        files = [str(sub / n) for n in ("a.md", "b.md", "c.markdown")]
        done = lambda: all(app.model.states[f].phase == "indexed" for f in files)  # noqa: E731
        await wait_for(pilot, done, what="all indexed")
        assert str(sub / "skip.txt") not in app.model.states
        assert any("Queued 3 document(s)" in n.message for n in app.notices)
        assert all(app.model.states[f].nodes == 2 for f in files)


async def test_picking_a_call_pins_it_and_f_follows_again(tmp_path):
    docs = tmp_path / "docs"
    pdf = make_plain_pdf(docs)
    with FakeVLLM(default=smart_model) as fake:
        app = make_app(tmp_path, docs, Settings(endpoint=fake.base_url))
        async with app.run_test(size=SIZE) as pilot:
            await highlight(pilot, "plain.pdf")
            await pilot.press("i")
            await wait_for(pilot, lambda: app.model.states[str(pdf)].phase == "indexed", what="indexed")
            assert app.model.following and len(app.model.calls) >= 2
            await pilot.press("4", "g", "space")  # enter opens the call's detail; space pins it
            await wait_for(pilot, lambda: app.model.shown_call == 1, what="the first call pinned")
            assert not app.model.following
            assert "pinned" in str(app.query_one("#stream-head").render())
            await pilot.press("f")
            await wait_for(pilot, lambda: app.model.following, what="following again")
            assert app.model.shown_call == app.model.calls.newest.serial


async def test_the_batch_shows_its_progress_and_the_calls_bound_with_its_reason(tmp_path):
    """Indexing a folder: the documents pane says how far the batch is (documents, tokens), the calls
    pane's title and the gauges corner say the bound on calls in flight and why; the bound's events
    (doc "") never make a document row."""
    docs = tmp_path / "docs"
    first = make_plain_pdf(docs / "set")
    second = docs / "set" / "again.pdf"
    second.write_bytes(first.read_bytes() + b"\n% another file\n")
    with FakeVLLM(default=smart_model) as fake:
        settings = Settings(endpoint=fake.base_url, thinking=False, if_add_node_summary=False)
        app = make_app(tmp_path, docs, settings)
        async with app.run_test(size=SIZE) as pilot:
            await highlight(pilot, "set")
            await pilot.press("a")
            files = [str(first), str(second)]
            done = lambda: all(app.model.states[f].phase == "indexed" for f in files)  # noqa: E731
            await wait_for(pilot, done, what="both indexed")
            calls_title = str(app.query_one(CallsPane).border_title)
            documents = str(app.query_one(DocumentsPane).border_subtitle)
            gauges = str(app.query_one(GaugesBox).border_subtitle)
            assert calls_title.startswith("Calls · limit ") and " · " in calls_title[14:]
            assert gauges.startswith("limit ") and gauges in calls_title
            assert documents.startswith("2/2 docs · ") and documents.endswith(" tok")
            reading = app.model.batch.reading()
            assert reading.documents == 2 and reading.done > 0 and reading.done == reading.estimated
            assert "" not in app.model.states and set(app.model.states) >= set(files)
