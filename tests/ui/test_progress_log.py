"""Live progress told honestly, and what a run left behind readable (issue 13, items 4, 6 and 9):

- the calls table tells queued (our bound) from sent (no token yet) from running, and counts seconds;
- document badges stay whole at 160 columns; a document finished with warnings says so in its row;
- `L` shows the highlighted document's warnings and log from its run record;
- a call's error text is shown whole, never cut in the stream's head line.
"""

from __future__ import annotations

import shutil

import pytest
from pdfgen import make_outline_pdf
from uikit import highlight, make_app, wait_for

from pageindex_tui import events
from pageindex_tui.settings import Settings
from pageindex_tui.ui.messages import EngineBatch
from pageindex_tui.ui.screens.runlog import LogScreen
from pageindex_tui.ui.widgets.calls import CallsTable
from pageindex_tui.ui.widgets.documents import DocumentsTree
from pageindex_tui.ui.widgets.stream import StreamView

pytestmark = pytest.mark.asyncio
NO_SERVER = Settings(endpoint="http://127.0.0.1:9/v1", if_add_node_summary=False)
LONG_NAME = "federal-reserve-board-annual-report-to-congress-2023-excerpt.pdf"


def cell(table: CallsTable, serial: int, column: str) -> str:
    return table.cell(serial, column)


async def test_calls_tell_queued_from_waiting_from_running_and_count_seconds(tmp_path):
    (tmp_path / "docs").mkdir()
    app = make_app(tmp_path, tmp_path / "docs", NO_SERVER)
    now = [500.0]
    async with app.run_test(size=(160, 48)) as pilot:
        app.model.clock = lambda: now[0]
        doc = str(tmp_path / "docs" / "a.pdf")
        batch = [events.CallQueued(doc, n, f"summarize 000{n}", 100) for n in (1, 2, 3)]
        batch += [
            events.CallStarted(doc, 1, "summarize 0001", 100),
            events.CallStarted(doc, 2, "summarize 0002", 100),
        ]
        batch += [events.AnswerDelta(doc, 1, "The section")]
        app.post_message(EngineBatch(batch))
        table = app.query_one("#calls", CallsTable)
        await wait_for(pilot, lambda: table.row_count == 3, what="three calls")
        assert [cell(table, n, "state") for n in (1, 2, 3)] == ["run", "wait", "queue"]
        assert app.query_one("#calls-pane").border_subtitle == "3 calls · 1 run · 1 wait · 1 queued"
        now[0] = 507.25
        await wait_for(pilot, lambda: cell(table, 1, "secs") == "7.25", what="seconds counted")
        assert cell(table, 3, "secs") == "7.25"
        app.post_message(EngineBatch([events.CallFinished(doc, 1, "ok", 100, 3, 0, 0.5, 6.5)]))
        await wait_for(pilot, lambda: cell(table, 1, "state") == "ok", what="finished")
        now[0] = 530.0
        await wait_for(pilot, lambda: cell(table, 2, "secs") == "30.0", what="still counting")
        assert cell(table, 1, "secs") == "6.50"  # a finished call keeps its own time


async def test_badges_stay_whole_and_warnings_show_in_the_row_and_the_log(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    shutil.move(make_outline_pdf(tmp_path), docs / LONG_NAME)
    settings = Settings(endpoint="http://127.0.0.1:9/v1", if_add_node_summary=False, max_output_tokens=300)
    app = make_app(tmp_path, docs, settings)  # thinking on with 300 tokens: a settings warning
    async with app.run_test(size=(160, 48)) as pilot:
        await highlight(pilot, LONG_NAME)
        await pilot.press("i")
        state = app.model.states[str(docs / LONG_NAME)]
        await wait_for(pilot, lambda: state.phase == "indexed", what="indexed")
        tree = app.query_one("#documents", DocumentsTree)
        await pilot.pause(0.2)
        row = next(
            tree.render_line(y).text for y in range(tree.size.height) if "nodes" in tree.render_line(y).text
        )
        assert f"{state.nodes} nodes ⚠1" in row and "…" in row and row.rstrip().endswith("⚠1")
        assert "excerpt.pdf" in row  # the name gives way in the middle, its end stays
        assert "1 warning" in str(app.query_one("#doc-info").render())
        assert "L: log" in str(app.query_one("#doc-info").render())
        await pilot.press("L")
        await wait_for(pilot, lambda: isinstance(app.screen, LogScreen), what="log")
        shown = app.screen
        titles = [str(w.render()) for w in shown.query(".log-section")]
        assert titles == ["Settings that do not work together (1)"]
        entry = str(shown.query_one(".log-entry").render())
        assert "max_output_tokens = 300 with thinking on" in entry
        assert any("structure from outline" in str(w.render()) for w in shown.query(".log-facts"))
        await pilot.press("q")
        await wait_for(pilot, lambda: not isinstance(app.screen, LogScreen), what="closed")
        assert app.is_running


async def test_the_log_of_a_saved_index_is_read_from_its_record(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    make_outline_pdf(docs)
    settings = Settings(endpoint="http://127.0.0.1:9/v1", if_add_node_summary=False, max_output_tokens=300)
    first = make_app(tmp_path, docs, settings)
    async with first.run_test(size=(120, 40)) as pilot:
        await highlight(pilot, "outline.pdf")
        await pilot.press("i")
        await wait_for(pilot, lambda: first.model.states[str(docs / "outline.pdf")].phase == "indexed")
    again = make_app(tmp_path, docs, settings)  # a new session: only the library knows the run
    async with again.run_test(size=(120, 40)) as pilot:
        await highlight(pilot, "outline.pdf")
        state = again.model.states[str(docs / "outline.pdf")]
        await wait_for(pilot, lambda: state.phase == "indexed" and state.warned == 1, what="saved index")
        await pilot.press("L")
        await wait_for(pilot, lambda: isinstance(again.screen, LogScreen), what="log")
        assert "with thinking on" in str(again.screen.query_one(".log-entry").render())


async def test_a_call_error_is_shown_whole_in_the_stream(tmp_path):
    (tmp_path / "docs").mkdir()
    app = make_app(tmp_path, tmp_path / "docs", NO_SERVER)
    message = (
        "cannot reach the model server at http://gpu-box.example.internal:8000/v1 (connection refused); "
        "the last of 5 tries after 31.5 s. Hint: is the server running? start one with pageindex-tui --local"
    )
    async with app.run_test(size=(80, 24)) as pilot:
        doc = str(tmp_path / "docs" / "a.pdf")
        started = events.CallStarted(doc, 1, "summarize 0001 Introduction", 100)
        app.post_message(EngineBatch([started, events.CallFinished(doc, 1, "error", 100, error=message)]))
        view = app.query_one("#stream", StreamView)
        await wait_for(pilot, lambda: message in view.text, what="the whole error")
        assert view.line_count >= 3  # wrapped in the pane, not cut
        head = str(app.query_one("#stream-head").render())
        assert "whole message ends the text below" in head and "L: the document's log" in head
