"""Issue 22, builds 1 and 2 through the real llama-server: killed with SIGKILL under queued calls. The
supervisor says so at once (the signal), reaps it and starts it again on its port by itself; the
client's calls wait for it meanwhile (paused, no retry spent), and every call ends answered."""

from __future__ import annotations

import asyncio
import os
import queue
import signal
from pathlib import Path

import pytest

from pageindex_tui import events
from pageindex_tui.llm.client import LLMClient
from pageindex_tui.local.supervise import ServerLife, Supervisor
from pageindex_tui.settings import Settings

pytestmark = pytest.mark.integration
CALLS = 12


def test_calls_wait_out_a_killed_and_restarted_llama_server(own_llama_server):
    server = own_llama_server
    lives: queue.Queue[ServerLife] = queue.Queue()
    seen: list[events.Event] = []
    supervisor = Supervisor(server, lives.put).start()
    settings = Settings(
        endpoint=server.endpoint, thinking=False, max_output_tokens=16, cache=False, max_retries=1
    )  # 2, not 1: a restart quicker than the gate's look leaves pooled connections to the dead process,
    # and a call may meet one of them once more (seen 1 run in 6 with 1): a known gap, not waited out
    hello = [{"role": "user", "content": "Say hello"}]

    def answered() -> int:
        return sum(isinstance(e, events.CallFinished) and e.outcome == "ok" for e in seen)

    async def go() -> list[str]:
        async with LLMClient(settings, sink=seen.append) as client:
            client.gate.interval = 0.2
            tasks = [asyncio.create_task(client.chat(hello, doc="d", purpose=f"c{i}")) for i in range(CALLS)]
            async with asyncio.timeout(300):
                while answered() < 2:
                    await asyncio.sleep(0.05)
            killed = server.process.pid
            os.killpg(killed, signal.SIGKILL)
            replies = await asyncio.wait_for(asyncio.gather(*tasks), 600)
            assert not Path(f"/proc/{killed}").exists()  # reaped, no <defunct>
            return [r.finish_reason for r in replies]

    try:
        finishes = asyncio.run(go())
    finally:
        supervisor.stop()
    assert len(finishes) == CALLS
    kinds = []
    while not lives.empty():
        life = lives.get()
        kinds.append(life.kind)
        if life.kind == "died":
            assert "killed by SIGKILL while running" in life.message
    assert kinds[:3] == ["died", "restarting", "restarted"]
    outcomes = [e.outcome for e in seen if isinstance(e, events.CallFinished)]
    assert outcomes.count("error") == 0 and outcomes.count("ok") == CALLS
    # the calls in flight when it was killed (2 slots), those sent in the moment before the client saw it
    # gone, and the stale connections above (seen: 2 to 4); a retry storm is one per call per try
    assert outcomes.count("retry") < CALLS
    assert [type(e) for e in seen if isinstance(e, (events.ServerPaused, events.ServerResumed))] == [
        events.ServerPaused,
        events.ServerResumed,
    ]
