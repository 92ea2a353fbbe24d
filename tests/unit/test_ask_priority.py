"""A question's calls go ahead of queued indexing calls on the one client (issue 22, Build 5), through the
vLLM-faithful fake: the ask takes the next free place, and its CallQueued says where it waits."""

from __future__ import annotations

import asyncio

from askdocs import GOOD_ANSWER, kind, make_harbor, scripted
from fakes import FakeVLLM, Script

from pageindex_tui import events
from pageindex_tui.ask import Asker, load_structure_file
from pageindex_tui.llm import LLMClient
from pageindex_tui.llm.session import ModelSession
from pageindex_tui.settings import Settings

QUESTION = "How much did dredging the outer channel cost?"


def test_an_ask_overtakes_queued_indexing_calls_and_says_where_it_waits(tmp_path):
    doc = load_structure_file(make_harbor(tmp_path))
    ask_model = scripted(picks=['{"nodes": ["0004"]}'], answers=[GOOD_ANSWER])

    def model(body: dict) -> Script:  # summaries are slow; the question's calls are scripted
        if kind(body) == "other":
            return Script(answer="A summary.", delay=0.3)
        return ask_model(body)

    seen: list[events.Event] = []
    with FakeVLLM(default=model) as fake:
        settings = Settings(endpoint=fake.base_url, cache=False, max_retries=0, concurrency=1)

        async def go() -> None:
            async with ModelSession(settings, client_factory=LLMClient, sink=seen.append) as session:
                session.open("big.pdf", seen.append)  # indexing's lane, and no rank: only the lane decides
                client = await session.client()
                summaries = [
                    asyncio.create_task(
                        client.chat(
                            [{"role": "user", "content": f"Summarize part {n}."}],
                            doc="big.pdf",
                            purpose=f"summarize {n:04d}",
                        )
                    )
                    for n in range(6)
                ]
                while sum(isinstance(e, events.CallQueued) for e in seen) < 6:
                    await asyncio.sleep(0.01)
                async with Asker(settings, sink=seen.append, session=session) as asker:
                    await asker.ask([doc], QUESTION, run="ask")
                await asyncio.gather(*summaries)

        asyncio.run(go())

    started = [(e.doc, e.purpose) for e in seen if isinstance(e, events.CallStarted)]
    assert started[0][0] == "big.pdf"  # in flight when the question came
    assert [p for d, p in started if d == "ask"] == ["ask: pick nodes", "ask: assess round 1", "ask: answer"]
    for call_id in (e.call_id for e in seen if isinstance(e, events.CallQueued) and e.doc == "ask"):
        at = next(i for i, e in enumerate(seen) if isinstance(e, events.CallQueued) and e.call_id == call_id)
        to = next(i for i, e in enumerate(seen) if isinstance(e, events.CallStarted) and e.call_id == call_id)
        overtook = [e for e in seen[at:to] if isinstance(e, events.CallStarted)]
        assert not overtook, f"summaries started before ask call {call_id}: {overtook}"
    waiting = [e for e in seen if isinstance(e, events.CallQueued) and e.doc == "ask"]
    assert all(e.busy == 1 and e.ahead == 0 for e in waiting)
    queued = next(e for e in seen if isinstance(e, events.CallQueued) and e.doc == "ask")
    assert (queued.ahead, queued.busy, queued.places) == (0, 1, 1)  # five summaries waited, none ahead
    assert queued.where() == "queued: next free place of 1, all busy"
    behind = [e for e in seen if isinstance(e, events.CallQueued) and e.doc == "big.pdf"]
    assert behind[-1].ahead == 4 and behind[-1].where() == "queued: 4 ahead of it for 1 places, all busy"
