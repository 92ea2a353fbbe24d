"""Issue 22, build 2: pause, don't fail, while the server is away. The fake vLLM server is stopped under
queued calls and started again on the same port: the calls wait at the client's gate (no retry spent,
none failed), a `ServerPaused` and a `ServerResumed` say so, and the batch completes. A fault of one
call (a 500 while /models answers) is still retried, and a server away past `server_wait` fails the
calls as before."""

from __future__ import annotations

import asyncio

import pytest
from fakes import FakeVLLM, Script, error

from pageindex_tui import events
from pageindex_tui.errors import ServerUnavailable
from pageindex_tui.llm import LLMClient
from pageindex_tui.settings import Settings

HELLO = [{"role": "user", "content": "hello"}]
CALLS = 24


async def until(condition, what: str, timeout: float = 30.0) -> None:
    try:
        async with asyncio.timeout(timeout):
            while not condition():
                await asyncio.sleep(0.02)
    except TimeoutError:
        raise AssertionError(f"waited {timeout:g} s for {what}") from None


def outcomes(seen: list[events.Event]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for e in seen:
        if isinstance(e, events.CallFinished):
            counts[e.outcome] = counts.get(e.outcome, 0) + 1
    return counts


def test_queued_calls_wait_out_a_stopped_server_and_all_finish():
    seen: list[events.Event] = []
    slow = lambda body: Script(answer="ok", delay=0.05)  # noqa: E731
    fake = FakeVLLM(default=slow).__enter__()
    port = fake._server.server_address[1]
    settings = Settings(endpoint=fake.base_url, concurrency=2, max_retries=1, thinking=False)
    later: list[FakeVLLM] = []

    def ok() -> int:
        return outcomes(seen).get("ok", 0)

    async def go() -> list[str]:
        async with LLMClient(settings, sink=seen.append) as client:
            client.gate.interval = 0.05
            tasks = [asyncio.create_task(client.chat(HELLO, doc="d", purpose=f"c{i}")) for i in range(CALLS)]
            await until(lambda: ok() >= 4, "four calls answered")
            await asyncio.to_thread(fake.__exit__)  # the server goes away under 20 queued calls
            await until(lambda: client.gate.paused, "the gate closes")
            sent, done = len(fake.paths), sum(t.done() for t in tasks)
            looks: list[str] = []
            look = client.gate.probe

            async def counted() -> str:
                looks.append(await look())
                return looks[-1]

            client.gate.probe = counted
            await until(lambda: len(looks) >= 3, "three looks at the stopped server")
            # away a while: the queue holds, nothing is sent, nothing ends
            assert (len(fake.paths), sum(t.done() for t in tasks)) == (sent, done) and done < CALLS
            later.append(FakeVLLM(default=slow, port=port).__enter__())
            replies = await asyncio.gather(*tasks)
            return [r.text for r in replies]

    try:
        texts = asyncio.run(go())
    finally:
        for server in later:
            server.__exit__()
    assert texts == ["ok"] * CALLS
    counts = outcomes(seen)
    assert counts.get("error", 0) == 0 and counts["ok"] == CALLS
    assert counts.get("retry", 0) <= 2  # at most the calls in flight when it went
    paused = [e for e in seen if isinstance(e, events.ServerPaused)]
    resumed = [e for e in seen if isinstance(e, events.ServerResumed)]
    assert len(paused) == 1 and len(resumed) == 1 and resumed[0].seconds > 0
    assert "127.0.0.1" in paused[0].reason


def test_a_fault_of_one_call_is_still_retried():
    seen: list[events.Event] = []
    with FakeVLLM(replies=[error(500, "boom")], default=lambda b: Script(answer="fine")) as fake:
        settings = Settings(endpoint=fake.base_url, max_retries=2, thinking=False)

        async def go() -> str:
            async with LLMClient(settings, sink=seen.append) as client:
                client._sleep = lambda seconds: asyncio.sleep(0)
                reply = await client.chat(HELLO, doc="d", purpose="p")
                assert not client.gate.paused
                return reply.text

        assert asyncio.run(go()) == "fine"
    assert outcomes(seen) == {"retry": 1, "ok": 1}
    assert not [e for e in seen if isinstance(e, events.ServerPaused)]


@pytest.mark.parametrize("wait", [0.0, 0.3])
def test_a_server_away_past_the_wait_fails_the_calls(wait):
    seen: list[events.Event] = []
    fake = FakeVLLM(default=lambda b: Script(answer="x")).__enter__()
    settings = Settings(endpoint=fake.base_url, max_retries=1, server_wait=wait, thinking=False)

    async def go() -> None:
        async with LLMClient(settings, sink=seen.append) as client:
            client._sleep = lambda seconds: asyncio.sleep(0)
            client.gate.interval = 0.05
            await client.connect()
            fake.__exit__()
            with pytest.raises(ServerUnavailable) as err:
                await client.chat(HELLO, doc="d", purpose="p")
            if wait:
                assert "has not answered for 0.3 s" in str(err.value)

    asyncio.run(go())
    paused = [e for e in seen if isinstance(e, events.ServerPaused)]
    assert len(paused) == (1 if wait else 0)
    assert outcomes(seen).get("error") == 1
