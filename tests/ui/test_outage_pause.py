"""Issue 22, build 2 in the app: the loopback fake of vLLM is stopped mid-index and started again on its
port. The calls pause instead of failing: the banner says "paused: waiting for the server since HH:MM",
the batch's row says so too, nothing is counted failed, and when the server answers the banner goes and
the document is indexed whole (not left partial)."""

from __future__ import annotations

import asyncio
import threading

import pytest
from fakes import FakeVLLM, Script
from uikit import SIZE, highlight, make_app, wait_for

from pageindex_tui.settings import Settings

pytestmark = pytest.mark.asyncio

SECTION = "word " * 300  # long enough to need a model summary
PARTS = 5
TEXT = "# Guide\n\nIntro.\n\n" + "".join(f"## Part {n}\n\n{SECTION}\n\n" for n in range(1, PARTS + 1))


class Counting:
    """Summaries that take a moment each; counts those answered."""

    def __init__(self) -> None:
        self.answered = 0
        self._lock = threading.Lock()

    def __call__(self, body: dict) -> Script:
        with self._lock:
            self.answered += 1
        return Script(answer="This part explains its topic.", delay=0.2)


async def test_a_stopped_server_pauses_the_calls_and_the_index_completes_when_it_is_back(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    path = docs / "guide.md"
    path.write_text(TEXT, encoding="utf-8")
    model = Counting()
    fake = FakeVLLM(default=model).__enter__()
    port = fake._server.server_address[1]
    again: list[FakeVLLM] = []
    settings = Settings(endpoint=fake.base_url, thinking=False, max_retries=0, concurrency=1)
    try:
        app = make_app(tmp_path, docs, settings)
        async with app.run_test(size=SIZE) as pilot:
            await highlight(pilot, "guide.md")
            await pilot.press("i")
            state = app.model.states[str(path)]
            await wait_for(pilot, lambda: model.answered >= 2, timeout=60, what="two summaries asked")
            await asyncio.to_thread(fake.__exit__)
            banner = app.query_one("#banner")
            await wait_for(pilot, lambda: banner.has_class("-visible"), timeout=30, what="the banner")
            shown = str(banner.render())
            assert "paused: waiting for the server since " in shown and "Model server problem" not in shown
            assert app.model.batch.reading().paused_since is not None
            assert state.phase not in ("partial", "failed")  # waiting, not given up
            again.append(FakeVLLM(default=model, port=port).__enter__())
            await wait_for(pilot, lambda: state.phase == "indexed", timeout=60, what="indexed whole")
            await wait_for(pilot, lambda: not banner.has_class("-visible"), what="the banner goes")
            phases = [record.phase for record in app.model.calls.records.values()]
            assert "error" not in phases and phases.count("retry") <= 1  # the one call in flight
            assert any("answers again after" in n.message for n in app.notices)
            assert app.model.batch.reading().paused_since is None
    finally:
        for server in (fake, *again):  # the first one too when the test failed before stopping it
            server.__exit__()
