"""The calls view an operator can use (issue 22, item 4): one row per call with its retries folded in,
document and error columns, `/` filters, `s` and `r` sort, `enter` opens the call's detail, `space`
shows it in the stream, and a thousand calls stay quick to move through."""

from __future__ import annotations

import pytest
from test_snapshots_calls import ERROR_500, GUIDE, NOT_JSON, REPORT, SETTINGS, timeline
from uikit import make_app, plain, wait_for

from pageindex_tui import events
from pageindex_tui.ui.screens.call import CallScreen
from pageindex_tui.ui.widgets.calls import CallsTable
from pageindex_tui.ui.widgets.stream import StreamView
from pageindex_tui.workbench.calls import MAX_CALLS

pytestmark = pytest.mark.asyncio


def feed(app, items) -> None:
    """The engine's events as the app takes them, each batch at its clock time."""
    now = [0.0]
    app.model.clock = lambda: now[0]
    for at, batch in items:
        now[0] = at
        app.show(app.handler.apply(batch))
    now[0] = 140.0


async def calls_app(pilot):
    app = pilot.app
    feed(app, timeline())
    await pilot.press("4")
    table = app.query_one("#calls", CallsTable)
    await wait_for(pilot, lambda: app.focused is table and table.row_count == 8, what="the calls")
    return app, table


def serials(table: CallsTable) -> list[int]:
    return [record.serial for record in table.rows]


async def test_a_retried_call_is_one_row_with_its_count_document_and_error(tmp_path):
    (tmp_path / "docs").mkdir()
    app = make_app(tmp_path, tmp_path / "docs", SETTINGS)
    async with app.run_test(size=(160, 48)) as pilot:
        app, table = await calls_app(pilot)
        assert len(app.model.calls) == 8  # nine attempts, eight calls
        assert table.cell(2, "retries") == "1" and table.cell(2, "state") == "ok"
        assert table.cell(2, "doc") == "install-guide.md" and table.cell(1, "doc") == "annual-report-2023.pdf"
        assert table.cell(2, "error") == ERROR_500  # the retried attempt's error, dim: the call went on
        assert table.cell(3, "error") == NOT_JSON and table.cell(3, "state") == "bad"
        risk = "summarize 0003 Risk factors and uncertainties in the outlook for 2024"
        assert table.cell(3, "purpose") == risk
        await pilot.press("m")  # zoomed: every column, the purposes whole
        await wait_for(pilot, lambda: table.size.width > 150, what="zoomed")
        assert table.shown_columns() == list(
            ("#", "state", "retries", "doc", "purpose", "in", "out", "ttft", "secs", "error")
        )
        line = table.render_line(3).text  # call 3, under the header
        assert risk in line
        assert "annual-report-2023.pdf" in line


async def test_the_filter_finds_calls_by_document_state_and_error_and_esc_clears_it(tmp_path):
    (tmp_path / "docs").mkdir()
    app = make_app(tmp_path, tmp_path / "docs", SETTINGS)
    async with app.run_test(size=(120, 40)) as pilot:
        app, table = await calls_app(pilot)
        pane = app.query_one("#calls-pane")
        await pilot.press("slash", *"install", "enter")
        await wait_for(pilot, lambda: serials(table) == [2, 6, 8], what="the guide's calls")
        assert app.focused is table and "filter “install”: 3" in pane.border_subtitle
        await pilot.press("slash")  # the box opens with the filter in it, to edit
        box = app.query_one("#calls-filter")
        assert box.value == "install"
        await pilot.press("ctrl+u", *"json", "enter")  # an error's text
        await wait_for(pilot, lambda: serials(table) == [3], what="the call whose reply was not JSON")
        await pilot.press("escape")
        await wait_for(pilot, lambda: table.row_count == 8, what="cleared")
        assert "filter" not in pane.border_subtitle
        await pilot.press("slash", *"queue annual", "enter")  # words: all must match
        await wait_for(pilot, lambda: serials(table) == [7], what="the report's queued call")
        await pilot.press("slash", "escape")  # esc in the box clears too
        await wait_for(pilot, lambda: table.row_count == 8 and app.focused is table, what="cleared")
        await pilot.press("m")
        await wait_for(pilot, lambda: app.screen.maximized is not None, what="zoomed")
        await pilot.press("escape")  # no filter: esc goes on to restore the zoomed pane
        await wait_for(pilot, lambda: app.screen.maximized is None, what="restored")


async def test_the_sort_cycles_columns_keeps_the_cursor_and_reverses(tmp_path):
    (tmp_path / "docs").mkdir()
    app = make_app(tmp_path, tmp_path / "docs", SETTINGS)
    async with app.run_test(size=(160, 48)) as pilot:
        app, table = await calls_app(pilot)
        await pilot.press("g", "j", "j")  # on call 3
        assert table.cursor_serial == 3
        await pilot.press("s")  # by document
        await wait_for(pilot, lambda: serials(table) == [1, 3, 4, 5, 7, 2, 6, 8], what="by document")
        assert table.cursor_serial == 3 and "document▲" in table.render_line(0).text  # a to z
        assert "sort document ▲" in app.query_one("#calls-pane").border_subtitle
        await pilot.press("r")
        await wait_for(pilot, lambda: serials(table)[0] == 2, what="reversed")
        assert "document▼" in table.render_line(0).text
        await pilot.press(*["s"] * 7)  # document, purpose, state, retries, in, out, ttft -> secs
        await wait_for(pilot, lambda: app.query_one("#calls-pane").calls_query.sort == "secs", what="secs")
        assert serials(table)[0] == 1  # 6.2 s, the longest
        assert table.cursor_serial == 3


async def test_enter_opens_the_detail_and_space_shows_the_call_in_the_stream(tmp_path):
    (tmp_path / "docs").mkdir()
    app = make_app(tmp_path, tmp_path / "docs", SETTINGS)
    async with app.run_test(size=(120, 40)) as pilot:
        app, _table = await calls_app(pilot)
        await pilot.press("g", "j", "j", "enter")  # call 3: its reply was not JSON
        await wait_for(pilot, lambda: isinstance(app.screen, CallScreen), what="the detail")
        screen = app.screen
        facts = plain(screen.query_one("#call-facts"))
        assert REPORT in facts and "2,300 tokens" in facts and "Qwen/Qwen3-8B" in facts
        assert "invalid" in facts
        timings = plain(screen.query_one("#call-timings"))
        assert "first token" in timings and "(ttft 0.90 s)" in timings and "(3.00 s at the server)" in timings
        assert plain(screen.query_one("#call-error")).strip() == NOT_JSON
        text = plain(screen.query_one("#call-text"))
        assert "Risk factors [bold]are[/bold] ^[[31m" in text  # literal: no markup, no escape
        assert not screen.query_one("#call-retries").display
        await pilot.press("q")
        await wait_for(pilot, lambda: not isinstance(app.screen, CallScreen), what="closed")
        await pilot.press("k", "enter")  # call 2: a retried attempt, then its answer
        await wait_for(pilot, lambda: isinstance(app.screen, CallScreen), what="the detail")
        retries = plain(app.screen.query_one("#call-retries"))
        assert f"1. after 30.0 s at the server: {ERROR_500}" in retries
        assert "Retries (1)" in plain(app.screen.query_one("#call-retries-title"))
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, CallScreen), what="closed")
        await pilot.press("space")  # the stream shows call 2, the retry's error between its attempts
        view = app.query_one("#stream", StreamView)
        await wait_for(pilot, lambda: app.model.shown_call == 2 and not app.model.following, what="pinned")
        assert f"✗ retry 1: {ERROR_500}" in view.text and "Install, then configure." in view.text


async def test_a_live_retry_shows_in_the_stream_and_the_detail_follows_it(tmp_path):
    (tmp_path / "docs").mkdir()
    app = make_app(tmp_path, tmp_path / "docs", SETTINGS)
    async with app.run_test(size=(120, 40)) as pilot:
        now = [10.0]
        app.model.clock = lambda: now[0]
        doc, purpose = GUIDE, "summarize 0001 Installation"
        started = [events.CallQueued(doc, 1, purpose, 50), events.CallStarted(doc, 1, purpose, 50)]
        app.show(app.handler.apply(started))
        app.show(app.handler.apply([events.AnswerDelta(doc, 1, "First try")]))
        view = app.query_one("#stream", StreamView)
        await wait_for(pilot, lambda: "First try" in view.text, what="streaming")
        await pilot.press("4", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, CallScreen), what="the detail")
        now[0] = 12.0
        app.show(app.handler.apply([events.CallFinished(doc, 1, "retry", 50, seconds=2.0, error="cut off")]))
        app.show(app.handler.apply([events.CallQueued(doc, 2, purpose, 50, retry_of=1)]))
        retries = app.screen.query_one("#call-retries")
        await wait_for(pilot, lambda: "cut off" in plain(retries), what="the detail read it again")
        await wait_for(pilot, lambda: "✗ retry 1: cut off" in view.text, what="the stream has the retry")
        assert len(app.model.calls) == 1
        assert "attempt 2" in str(app.query_one("#stream-head").render())


async def test_a_thousand_calls_stay_quick_to_filter_sort_and_move_through(tmp_path):
    """MAX_CALLS rows kept: the table draws the rows in view only, so moving, filtering and sorting
    through a thousand queued calls answers at once (no time is asserted: the moves just complete)."""
    (tmp_path / "docs").mkdir()
    app = make_app(tmp_path, tmp_path / "docs", SETTINGS)
    async with app.run_test(size=(120, 40)) as pilot:
        app.model.clock = lambda: 50.0
        batch = [
            events.CallQueued(REPORT if n % 2 else GUIDE, n, f"summarize {n:04d} Section {n}", 100 + n)
            for n in range(1, MAX_CALLS + 201)
        ]
        app.show(app.handler.apply(batch))
        table = app.query_one("#calls", CallsTable)
        await wait_for(pilot, lambda: table.row_count == MAX_CALLS, what="a thousand rows")
        assert table.rows[0].serial == 201  # the oldest went to bound memory
        await pilot.press("4", "G")
        await wait_for(pilot, lambda: table.cursor_serial == MAX_CALLS + 200, what="the last call")
        assert str(MAX_CALLS + 200) in table.render_line(table.scrollable_content_region.height - 1).text
        await pilot.press("pageup", "pageup")
        await wait_for(pilot, lambda: table.cursor_row < MAX_CALLS - 10, what="two pages up")
        await pilot.press("slash", *"annual 0999", "enter")
        await wait_for(pilot, lambda: serials(table) == [999], what="filtered")
        await pilot.press("escape", "s", "s", "s", "s", "s")  # by prompt tokens, largest first
        await wait_for(pilot, lambda: table.row_count == MAX_CALLS and serials(table)[0] == MAX_CALLS + 200)
