"""Issue 22, build 1 in the app: the embedded server (a stand-in llama-server process) killed mid-session.
The banner says why at once (the signal) with the restart key, the app starts it again by itself once
(a notice says so), and after a second death `S` starts it again; the dead process is reaped."""

from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path

import pytest
from fakes.standin import stand_in_server
from uikit import SIZE, make_app, wait_for

from pageindex_tui.local.server import LocalServer
from pageindex_tui.local.supervise import ServerLife, Supervisor
from pageindex_tui.settings import Settings

pytestmark = pytest.mark.asyncio


def reaped(pid: int) -> bool:
    try:
        return "zombie" not in Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return True


async def test_a_killed_embedded_server_is_shown_restarted_by_itself_once_then_by_key(tmp_path):
    binary, model = stand_in_server(tmp_path)
    docs = tmp_path / "docs"
    docs.mkdir()
    server = LocalServer(model, binary=binary, startup_timeout=30).start()
    supervisor = Supervisor(server, lambda life: None).start()
    try:
        settings = Settings(endpoint=server.endpoint)
        app = make_app(tmp_path, docs, settings, probe=False, supervisor=supervisor)
        async with app.run_test(size=SIZE) as pilot:
            first = server.process.pid
            os.killpg(first, signal.SIGKILL)
            said = lambda words: any(words in n.message for n in app.notices)  # noqa: E731
            await wait_for(pilot, lambda: said("answers again at"), timeout=30, what="restarted by itself")
            assert said("killed by SIGKILL while running") and said("restarting it by itself (once)")
            assert reaped(first)

            second = server.process.pid
            os.killpg(second, signal.SIGKILL)
            banner = app.query_one("#banner")
            await wait_for(pilot, lambda: banner.has_class("-visible"), timeout=30, what="the banner")
            shown = str(banner.render())
            assert "killed by SIGKILL while running" in shown and "S restarts it" in shown
            assert reaped(second) and supervisor.dead
            await pilot.press("S")
            await wait_for(pilot, lambda: not supervisor.dead, timeout=30, what="restarted by the key")
            await wait_for(pilot, lambda: not banner.has_class("-visible"), what="the banner goes")
    finally:
        supervisor.stop()


async def test_the_servers_reports_go_to_the_app_while_it_runs_and_back_after(tmp_path):
    """The app takes the supervisor's reports while it runs and hands them back as it ends (to the CLI's
    stderr in `pageindex-tui --local`), before its loop stops: none goes to an app that no longer runs."""
    after: list[ServerLife] = []
    supervisor = Supervisor(None, after.append)  # type: ignore[arg-type]  # not started: only its reports
    app = make_app(tmp_path, tmp_path, probe=False, supervisor=supervisor)
    async with app.run_test(size=SIZE) as pilot:
        life = ServerLife("restarted", "llama-server answers again at port 1")
        await asyncio.to_thread(supervisor.report, life)  # from its own thread, as the supervisor's are
        shown = lambda: any("answers again at port 1" in n.message for n in app.notices)  # noqa: E731
        await wait_for(pilot, shown, what="the report shown")
        assert after == []
    died = ServerLife("died", "killed by SIGKILL")
    supervisor.report(died)
    assert after == [died]
