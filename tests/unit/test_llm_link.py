"""The client's pooled connections (llm/link.py): a call whose connection broke sets its pool aside, so the
requests after it (its own retry included) start on new connections even when the server answers again
before the outage gate looks (a restart quicker than its probe); a pool set aside, after a break or on the
gate's resume, is closed only when the last request on it has ended, never under a call in flight."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import openai
import pytest
from fakes import FakeVLLM, Script

from pageindex_tui.llm.link import ServerLink
from pageindex_tui.settings import Settings


def slow_or_cut(body: dict[str, Any]) -> Script:
    if body["messages"][0]["content"] == "cut":
        return Script(close=True)  # the connection drops without an answer
    return Script(answer="a reply in many chunks", drip=0.02)


def ask(api: openai.AsyncOpenAI, content: str) -> Any:
    messages: Any = [{"role": "user", "content": content}]
    return api.chat.completions.create(model="Qwen/Qwen3-8B", messages=messages, stream=True)


def test_a_broken_connection_sets_its_pool_aside_and_spares_the_call_in_flight():
    async def go() -> tuple[str, bool]:
        with FakeVLLM(default=slow_or_cut) as fake:
            link = ServerLink(Settings(endpoint=fake.base_url))
            first = link.api
            async with link.calling() as api:  # a call in flight on the first pool
                assert api is first
                stream = await ask(api, "slow")
                chunks = [await anext(aiter(stream))]
                with pytest.raises(openai.APIConnectionError):
                    async with link.calling() as other:
                        await ask(other, "cut")
                assert link.api is not first  # the requests after the break start on new connections
                assert not first.is_closed()  # ... and the call in flight reads its reply to the end
                chunks += [chunk async for chunk in stream]
            closed = first.is_closed()  # its last request ended: the pool set aside is closed
            await link.aclose()
        text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
        return text, closed

    assert asyncio.run(go()) == ("a reply in many chunks", True)


def test_a_timeout_keeps_the_pool_and_one_break_sets_it_aside_once():
    request = httpx.Request("POST", "http://127.0.0.1:9/v1/chat/completions")

    async def go() -> None:
        link = ServerLink(Settings(endpoint="http://127.0.0.1:9/v1"))
        first = link.api
        with pytest.raises(openai.APITimeoutError):
            async with link.calling():
                raise openai.APITimeoutError(request)
        assert link.api is first  # a slow server says nothing about the connections
        with pytest.raises(openai.APIConnectionError):
            async with link.calling():  # two calls on the first pool break together
                with pytest.raises(openai.APIConnectionError):
                    async with link.calling():
                        raise openai.APIConnectionError(request=request)
                second = link.api
                raise openai.APIConnectionError(request=request)
        assert second is not first and link.api is second  # set aside once: the new pool stays
        await link.aclose()

    asyncio.run(go())


def test_renewal_after_an_outage_waits_for_the_calls_in_flight():
    async def go() -> list[bool]:
        link = ServerLink(Settings(endpoint="http://127.0.0.1:9/v1"))
        first = link.api
        async with link.calling():
            await link.renew()  # the gate resumes while a call still holds the old pool
            seen = [link.api is first, first.is_closed()]
        seen.append(first.is_closed())
        idle = link.api
        await link.renew()  # a pool nobody uses is closed at once
        seen.append(idle.is_closed())
        await link.aclose()
        return seen

    assert asyncio.run(go()) == [False, False, True, True]
