"""The gauges against a real llama-server that is stopped and started again on the same port.

The server is this test's own (not the shared fixture), on a port chosen here, so it can be killed.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import pytest
from textual.app import App, ComposeResult

from pageindex_tui.errors import LocalServerError
from pageindex_tui.monitor.gpu import GpuSampler
from pageindex_tui.monitor.server import DOWN, UP
from pageindex_tui.settings import Settings
from pageindex_tui.ui.widgets.gauges import GaugesPane

pytestmark = [pytest.mark.integration, pytest.mark.asyncio]

INTERVAL = 0.25


def local_server():
    try:
        from localserver import local_server as tests_server

        from pageindex_tui.local.server import free_port

        return tests_server(context=2048, parallel=1, port=free_port())
    except LocalServerError as err:
        pytest.skip(f"llama-server not available: {err.describe()}")


class LiveApp(App[None]):
    def __init__(self, endpoint: str) -> None:
        super().__init__()
        self.endpoint = endpoint

    def compose(self) -> ComposeResult:
        settings = Settings(endpoint=self.endpoint)
        yield GaugesPane(settings, GpuSampler(), interval=INTERVAL, timeout=1.0, max_backoff=2 * INTERVAL)


async def until(check: Callable[[], bool], seconds: float = 10.0) -> float:
    start = time.monotonic()
    while not check():
        if time.monotonic() - start > seconds:
            raise AssertionError(f"not true within {seconds} s")
        await asyncio.sleep(0.02)
    return time.monotonic() - start


def shown(pane: GaugesPane) -> str:
    return "\n".join(line.plain for line in pane.lines())


async def test_gauges_show_a_stopped_server_down_within_two_polls_and_recover() -> None:
    server = local_server()
    server.start()
    try:
        app = LiveApp(server.endpoint)
        async with app.run_test(size=(60, 24)):
            pane = app.query_one(GaugesPane)
            view = pane.servers[0]
            await until(lambda: view.status.state == UP and view.status.metrics_state == "ok")
            await until(lambda: "llama.cpp" in shown(pane) and "ctx 2,048" in shown(pane))
            # The real NVML path: "no-driver" on a machine without one, never an exception
            assert pane.gpus is not None and pane.gpus.state in ("ok", "no-driver", "no-gpu")

            polls = view.polls
            server.kill()
            await until(lambda: view.status.state != UP, seconds=5)
            assert view.polls - polls <= 2, "down within two polls"
            assert view.status.state == DOWN and view.status.reason == "connection refused"
            await until(lambda: "connection refused" in shown(pane))
            text = shown(pane)
            assert "down" in text and "connection refused" in text
            assert "SmolLM2" in text  # what was known stays (dimmed): no flicker to an empty card

            await asyncio.to_thread(server.start)  # the same port
            await until(lambda: view.status.state == UP, seconds=10)
            assert pane.max_backoff == 2 * INTERVAL  # backs off, but never so far that recovery waits long
            await until(lambda: view.status.metrics_state == "ok")
            await until(lambda: "up" in shown(pane).splitlines()[0])
    finally:
        server.stop()
