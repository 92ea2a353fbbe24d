"""Issue 12 through the client and a vLLM-faithful fake: thinking per purpose in the request body, a
refused optional field sent again without it (once, remembered, with a warning), and the adaptive bound
growing on the server's own /metrics, or holding where there are none."""

from __future__ import annotations

import asyncio
import time

from fakes import FakeVLLM, Script, error

from pageindex_tui import events
from pageindex_tui.serverload import watched_client
from pageindex_tui.settings import Settings

HELLO = [{"role": "user", "content": "hello world"}]


def run(settings, body, sink=None):
    async def go():
        async with watched_client(settings, sink=sink or (lambda e: None)) as client:
            return await body(client)

    return asyncio.run(go())


def test_each_purpose_thinks_as_its_setting_says_and_bounds_reach_only_thinking_calls():
    with FakeVLLM(default=lambda body: Script(answer="ok")) as fake:
        s = Settings(endpoint=fake.base_url, thinking_budget=512, reasoning_effort="low")

        async def three(client):
            for use in ("structure", "summary", "answer"):
                await client.chat(HELLO, doc="d", purpose=use, use=use)

        run(s, three)
        bodies = list(fake.requests)
    thinks = [b["chat_template_kwargs"]["enable_thinking"] for b in bodies]
    assert thinks == [True, False, True]
    assert [b.get("thinking_token_budget") for b in bodies] == [512, None, 512]
    assert [b.get("reasoning_effort") for b in bodies] == ["low", None, "low"]
    assert bodies[0]["top_p"] == 0.95 and bodies[1]["top_p"] == 0.8  # Qwen3's sampling for each mode


def test_a_refused_field_is_dropped_once_with_a_warning_and_never_sent_again():
    seen: list[events.Event] = []
    refusal = error(400, "Unrecognized request argument supplied: thinking_token_budget")
    with FakeVLLM(replies=[refusal], default=lambda body: Script(answer="fine")) as fake:
        s = Settings(endpoint=fake.base_url, thinking_budget=256, max_retries=0)

        async def two(client):
            first = await client.chat(HELLO, doc="d", purpose="one")
            second = await client.chat(HELLO, doc="d", purpose="two")
            return first.text, second.text

        assert run(s, two, seen.append) == ("fine", "fine")
        bodies = list(fake.requests)
    assert [("thinking_token_budget" in b) for b in bodies] == [True, False, False]
    warned = [e.message for e in seen if isinstance(e, events.WarningEvent)]
    assert len(warned) == 1 and "thinking_token_budget" in warned[0]


def test_the_adaptive_bound_grows_while_the_server_says_it_has_room():
    limits: list[events.LimitChanged] = []

    def sink(event):
        if isinstance(event, events.LimitChanged):
            limits.append(event)

    with FakeVLLM(default=lambda body: Script(answer="slow", delay=0.5)) as fake:
        s = Settings(endpoint=fake.base_url, concurrency=0)  # adaptive: starts at 8

        async def many(client):
            client.bound.interval = 0.05
            tasks = [asyncio.create_task(client.chat(HELLO, doc="d", purpose=f"c{i}")) for i in range(40)]
            ends = time.monotonic() + 30
            while client.bound.limit <= 8 and time.monotonic() < ends:
                await asyncio.sleep(0.05)
            grown = client.bound.limit
            await asyncio.gather(*tasks)
            return grown

        grown = run(s, many, sink)
    assert limits[0].limit == 8 and limits[0].adaptive and "safe start" in limits[0].reason
    assert grown > 8 and any(e.reason.startswith("grew: KV ") for e in limits[1:])


def test_without_metrics_the_adaptive_bound_holds_and_a_fixed_one_never_moves():
    for concurrency, metrics_status in ((0, 404), (3, 200)):
        limits: list[events.LimitChanged] = []
        with FakeVLLM(default=lambda body: Script(answer="slow", delay=0.3)) as fake:
            fake.metrics_status = metrics_status
            s = Settings(endpoint=fake.base_url, concurrency=concurrency)

            async def many(client):
                client.bound.interval = 0.05
                await asyncio.gather(*(client.chat(HELLO, doc="d", purpose=f"c{i}") for i in range(12)))
                return client.bound.limit

            def keep(event, limits=limits):
                if isinstance(event, events.LimitChanged):
                    limits.append(event)

            assert run(s, many, keep) == (concurrency or 8)
        assert len(limits) == 1 and limits[0].adaptive == (concurrency == 0)
