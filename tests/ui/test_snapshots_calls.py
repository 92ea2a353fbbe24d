"""SVG snapshots of the calls view (its columns: document, purpose, retries folded in, error) and of one
call's detail, at 80x24, 100x30 and 160x48. Fixed events, a fixed clock, fixed paths.

Update with `pytest tests/ui/test_snapshots_calls.py --snapshot-update`, then look at the SVGs as PNGs."""

from __future__ import annotations

import pytest
from uikit import make_app, replay, wait_for

from pageindex_tui import events
from pageindex_tui.settings import Settings
from pageindex_tui.ui.screens.call import CallScreen
from pageindex_tui.ui.widgets.calls import CallsTable

SIZES = [(80, 24), (100, 30), (160, 48)]
IDS = ["80x24", "100x30", "160x48"]
SETTINGS = Settings(endpoint="http://127.0.0.1:9/v1", model="Qwen/Qwen3-8B", if_add_node_summary=False)
REPORT = "/srv/docs/annual-report-2023.pdf"
GUIDE = "/srv/docs/install-guide.md"
ERROR_500 = "the model server at http://gpu-box:8000/v1 answered 500: EngineCore encountered an issue"
NOT_JSON = "the reply is not valid JSON: Expecting ',' delimiter: line 1 column 88 (char 87)"


def timeline() -> list[tuple[float, list]]:
    """(clock time, the events the engine sent then): two documents, a retried call, a reply that is not
    JSON, a cached reply, calls running, sent and queued."""
    Q, S, R, A, F = (
        events.CallQueued,
        events.CallStarted,
        events.ReasoningDelta,
        events.AnswerDelta,
        events.CallFinished,
    )
    find, guide1 = "find sections, pages 1-20", "summarize 0001 Installation and first steps"
    risk = "summarize 0003 Risk factors and uncertainties in the outlook for 2024"
    cash, capital = "summarize 0004 Liquidity", "summarize 0005 Capital resources"
    config, market = "summarize 0002 Setup", "summarize 0006 Market risk"
    return [
        (100.0, [events.LimitChanged("", 4, "a safe start", True), Q(REPORT, 1, find, 5210)]),
        (100.5, [S(REPORT, 1, find, 5210), Q(GUIDE, 2, guide1, 1200)]),
        (101.0, [S(GUIDE, 2, guide1, 1200), R(REPORT, 1, "Page 2 prints the contents: five parts.")]),
        (101.5, [A(REPORT, 1, '{"sections": [{"title": "Risk factors", "page": 7}]}')]),
        (106.7, [F(REPORT, 1, "ok", 5210, 412, 180, 0.84, 6.2)]),
        (131.0, [F(GUIDE, 2, "retry", 1200, seconds=30.0, error=ERROR_500)]),
        (131.5, [Q(GUIDE, 3, guide1, 1200, retry_of=2), Q(REPORT, 4, risk, 2300)]),
        (132.0, [S(GUIDE, 3, guide1, 1200), S(REPORT, 4, risk, 2300)]),
        (132.3, [R(GUIDE, 3, "The section lists the steps: "), A(GUIDE, 3, "Install, then configure.")]),
        (134.4, [F(GUIDE, 3, "ok", 1210, 96, 40, 0.31, 2.4)]),
        (135.0, [A(REPORT, 4, "Risk factors [bold]are[/bold] \x1b[31m")]),
        (135.0, [F(REPORT, 4, "invalid", 2300, 33, 0, 0.9, 3.0, NOT_JSON)]),
        (135.0, [S(REPORT, 5, cash, 800), F(REPORT, 5, "cached", 800, 60, 0, None, 0.0)]),
        (136.0, [Q(REPORT, 6, capital, 950), S(REPORT, 6, capital, 950)]),
        (136.6, [R(REPORT, 6, "Reading the section on capital resources")]),
        (137.0, [Q(GUIDE, 7, config, 700), S(GUIDE, 7, config, 700)]),
        (137.5, [Q(REPORT, 8, market, 1100), Q(GUIDE, 9, "describe the document", 400)]),
    ]


async def fed(pilot) -> None:
    """The app after the timeline, at clock 140 s, the calls pane focused."""
    app = pilot.app
    replay(app, timeline(), 140.0)
    app.clear_notifications()
    await pilot.press("4")
    table = app.query_one("#calls", CallsTable)
    await wait_for(pilot, lambda: app.focused is table and table.row_count == 8, what="calls shown")
    await pilot.press("g")
    await pilot.pause(0.1)


@pytest.mark.parametrize("size", SIZES, ids=IDS)
def test_the_calls_view_with_its_columns(snap_compare, tmp_path, size):
    (tmp_path / "docs").mkdir()
    app = make_app(tmp_path, tmp_path / "docs", SETTINGS)
    assert snap_compare(app, terminal_size=size, run_before=fed)


def test_the_calls_view_zoomed_sorted_and_filtered(snap_compare, tmp_path):
    (tmp_path / "docs").mkdir()
    app = make_app(tmp_path, tmp_path / "docs", SETTINGS)

    async def run_before(pilot) -> None:
        await fed(pilot)
        await pilot.press("m", *["s"] * 8)  # zoomed, sorted by seconds, largest first
        await pilot.press("slash", *"summarize", "enter")
        table = app.query_one("#calls", CallsTable)
        await wait_for(pilot, lambda: table.row_count == 6 and app.focused is table, what="filtered")
        await pilot.pause(0.1)

    assert snap_compare(app, terminal_size=(100, 30), run_before=run_before)


@pytest.mark.parametrize("size", SIZES, ids=IDS)
def test_the_detail_of_a_retried_call(snap_compare, tmp_path, size):
    (tmp_path / "docs").mkdir()
    app = make_app(tmp_path, tmp_path / "docs", SETTINGS)

    async def run_before(pilot) -> None:
        await fed(pilot)
        await pilot.press("j", "enter")  # the guide's summary: a 500, then an answer
        await wait_for(pilot, lambda: isinstance(app.screen, CallScreen), what="the detail")
        await pilot.pause(0.1)

    assert snap_compare(app, terminal_size=size, run_before=run_before)
