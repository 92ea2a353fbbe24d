"""SVG snapshots of the paused banner ("paused: waiting for the server since 14:02 (3 min)") at 80x24,
100x30 and 160x48: one line on a short terminal, the problem, the checks and the keys from 40 rows on.
Driven by the engine's typed events (`ServerPaused` mid-batch), no waiting; the pause begins at 14:02
local time on any machine (`time.mktime`) and the app's clock is fixed three minutes later.

Update with `pytest tests/ui/test_snapshots_paused.py --snapshot-update`, then look at the SVGs as PNGs."""

from __future__ import annotations

import time

import pytest
from uikit import make_app, replay, wait_for

from pageindex_tui import events
from pageindex_tui.settings import Settings

SIZES = [(80, 24), (100, 30), (160, 48)]
IDS = ["80x24", "100x30", "160x48"]
SETTINGS = Settings(endpoint="http://127.0.0.1:9/v1", model="Qwen/Qwen3-8B")
GUIDE = "/srv/docs/install-guide.md"
PAUSED_AT = time.mktime((2026, 3, 2, 14, 2, 0, 0, 0, -1))  # 14:02 in the machine's own time zone
REFUSED = "cannot reach the model server at http://127.0.0.1:9/v1 (connection refused)"


def timeline() -> list[tuple[float, list]]:
    """(clock time, the events the engine sent then): a guide being summarized, one summary answered,
    two in flight, then the server goes away and the calls wait for it."""
    Q, S, F = events.CallQueued, events.CallStarted, events.CallFinished
    titles = ["summarize 0001 Installation", "summarize 0002 Setup", "summarize 0003 Upgrades"]
    return [
        (
            100.0,
            [
                events.DocumentStarted(GUIDE, "install-guide.md", 240),
                events.LimitChanged("", 2, "a safe start", True),
                events.StageStarted(GUIDE, "summarize", 3),
                *(Q(GUIDE, n, title, 900) for n, title in enumerate(titles, 1)),
                S(GUIDE, 1, titles[0], 900),
                S(GUIDE, 2, titles[1], 900),
            ],
        ),
        (103.0, [F(GUIDE, 1, "ok", 900, 80, 0, 0.3, 3.0), S(GUIDE, 3, titles[2], 900)]),
        (104.0, [events.ServerPaused("", PAUSED_AT, REFUSED)]),
    ]


async def paused(pilot) -> None:
    """The app three minutes into the pause, the banner's clock updated as the app's tick does it."""
    app = pilot.app
    replay(app, timeline(), 104.0 + 180.0)
    app.reconnect.tick()
    app.clear_notifications()
    banner = app.query_one("#banner")
    await wait_for(pilot, lambda: "(3 min)" in str(banner.render()), what="the paused banner")
    await pilot.pause(0.1)


@pytest.mark.parametrize("size", SIZES, ids=IDS)
def test_the_paused_banner(snap_compare, tmp_path, size):
    (tmp_path / "docs").mkdir()
    app = make_app(tmp_path, tmp_path / "docs", SETTINGS)
    assert snap_compare(app, terminal_size=size, run_before=paused)
