"""`pageindex-tui mcp` stops its work when the client goes away: the SDK's own client over stdio starts a
long `ask` against the fake server, then disconnects; the server's model call is cut, no new one starts,
and the process exits by itself (the client's kill escalation is never needed)."""

from __future__ import annotations

import asyncio
import time

import pytest
from askdocs import file_harbor
from fakes import FakeVLLM, Script
from mcp import ClientSession
from mcp.client import stdio as sdk_stdio
from mcp.client.stdio import stdio_client
from mcpserver import mcp_params

from pageindex_tui.store.library import Library

BOUND = 60.0  # seconds any wait below may take before the test fails


async def until(predicate, what: str) -> None:
    deadline = time.monotonic() + BOUND
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


def test_a_client_that_goes_away_stops_the_ask_and_the_server_exits(tmp_path, monkeypatch):
    file_harbor(tmp_path / "docs", Library(tmp_path / "data" / "pageindex-tui" / "library"))
    # The client waits this long for the server to exit on its own before it kills it; record a kill.
    monkeypatch.setattr(sdk_stdio, "PROCESS_TERMINATION_TIMEOUT", BOUND)
    killed: list[int] = []
    terminate = sdk_stdio._terminate_process_tree

    async def record_kill(process, *args, **kwargs):
        killed.append(process.pid)
        await terminate(process, *args, **kwargs)

    monkeypatch.setattr(sdk_stdio, "_terminate_process_tree", record_kill)
    slow = Script(answer="x" * 4000, drip=0.2)  # a reply of 1,000 chunks, 0.2 s apart: minutes long

    async def go(fake: FakeVLLM) -> int:
        params = mcp_params(tmp_path, "--endpoint", fake.base_url, "--retries", "0", "--no-cache")
        async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
            await asyncio.wait_for(session.initialize(), BOUND)
            asking = asyncio.create_task(
                session.call_tool(
                    "ask", {"question": "How much did dredging cost?"}, read_timeout_seconds=600
                )
            )
            await until(lambda: fake.active >= 1, "the ask's model call")
            asking.cancel()  # the client leaves mid-answer: the session and the pipes close below
        return len(fake.requests)  # the client waited for the server's exit (or killed it) before this

    with FakeVLLM(default=lambda body: slow) as fake:
        started = asyncio.run(go(fake))
        assert started >= 1
        # The server's stream was cut: the fake's handler saw the connection go (it counts down on a
        # broken pipe), long before the reply's minutes were up.
        deadline = time.monotonic() + BOUND
        while fake.active and time.monotonic() < deadline:
            time.sleep(0.05)
        assert fake.active == 0
        assert len(fake.requests) == started  # no call started after the client left
    # The server exited by itself within the client's grace period (60 s), while the reply it was reading
    # had 200 s to go: an ask that ran on (on a thread, say) is killed here and fails this.
    assert killed == []


@pytest.mark.asyncio
async def test_the_service_s_ask_is_cancelled_with_its_call_and_writes_nothing(tmp_path) -> None:
    """The same without a transport: cancelling the tool's task cancels the model call at once."""
    from pageindex_tui.mcp_server import LibraryService
    from pageindex_tui.settings import Settings

    library = Library(tmp_path / "library")
    file_harbor(tmp_path / "docs", library)
    slow = Script(answer="x" * 4000, drip=0.2)
    with FakeVLLM(default=lambda body: slow) as fake:
        service = LibraryService(Settings(endpoint=fake.base_url, max_retries=0, cache=False), library)
        service.search("dredging")  # the library's search index, which a question with no documents reads
        before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
        task = asyncio.create_task(service.ask("How much did dredging cost?"))
        await until(lambda: fake.active >= 1, "the ask's model call")
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await until(lambda: fake.active == 0, "the call cut")
        assert len(fake.requests) == 1
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before  # nothing written
