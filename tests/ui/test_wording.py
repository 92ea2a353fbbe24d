"""Issue 13, item 12 in the app: the banner names the app's own --local flag, the doctor screen wraps
long lines under their own text as the CLI does, and the maximized gauges use the screen's height
(that one in test_gauges.py)."""

from __future__ import annotations

import pytest
from test_gauges_doctor import DoctorApp, fixed_report
from uikit import make_app, wait_for

from pageindex_tui.monitor.doctor import render_report
from pageindex_tui.settings import Settings
from pageindex_tui.ui.screens.doctor import DoctorScreen
from pageindex_tui.ui.widgets.banner import ServerBanner

pytestmark = pytest.mark.asyncio

NO_SERVER = Settings(endpoint="http://127.0.0.1:9/v1", if_add_node_summary=False)


async def test_the_banner_suggests_the_apps_own_local_flag(tmp_path):
    (tmp_path / "docs").mkdir()
    app = make_app(tmp_path, tmp_path / "docs", NO_SERVER)
    async with app.run_test(size=(160, 48)) as pilot:
        app.check_server()
        banner = app.query_one(ServerBanner)
        await wait_for(pilot, lambda: banner.problem != "", what="the banner")
        text = str(banner.render())
        assert "`pageindex-tui --local`" in text and "index --local" not in text


async def test_the_doctor_screen_wraps_under_the_text_not_at_column_zero(tmp_path):
    report = fixed_report()
    app = DoctorApp(DoctorScreen(Settings(), report=report))
    async with app.run_test(size=(80, 30)) as pilot:
        view = app.screen.query_one("#doctor-report")
        width = app.screen.query_one("#doctor-body").scrollable_content_region.width
        await wait_for(pilot, lambda: "Result:" in str(view.render()), what="report")
        shown = str(view.render()).splitlines()
        assert max(len(line) for line in shown) <= width
        plain = render_report(report).splitlines()
        assert [line for line in shown if line and not line.startswith(" ")] == [
            line for line in plain if line and not line.startswith(" ")
        ]  # only headings start at column 0, as in the unwrapped report
        fail = next(n for n, line in enumerate(shown) if "[FAIL]" in line)
        assert shown[fail + 1].startswith(" " * 9) and not shown[fail + 1].startswith(" " * 10)
        await pilot.resize_terminal(120, 30)  # wider: wrapped again, fewer rows
        await wait_for(pilot, lambda: len(str(view.render()).splitlines()) < len(shown), what="rewrapped")
