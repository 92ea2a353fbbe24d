"""Outline parts at once through a real llama-server (SmolLM2-135M, `--parallel 4`): a large outline is cut
into parts that fit a slot's context, and their pick calls are in flight together under the client's one
bound, whatever the tiny model picks."""

from __future__ import annotations

import asyncio

import pytest

from pageindex_tui import events
from pageindex_tui.ask import Asker, AskOptions, AskResult
from pageindex_tui.ask.documents import build_document
from pageindex_tui.settings import Settings
from pageindex_tui.tree import Tree

pytestmark = pytest.mark.integration


def most_in_flight(seen: list[events.Event], purpose: str) -> int:
    """The most calls whose purpose starts with `purpose` that had started and not finished at one time."""
    ids = {e.call_id for e in seen if isinstance(e, events.CallStarted) and e.purpose.startswith(purpose)}
    now = most = 0
    for event in seen:
        if isinstance(event, (events.CallStarted, events.CallFinished)) and event.call_id in ids:
            now += 1 if isinstance(event, events.CallStarted) else -1
            most = max(most, now)
    return most


def test_outline_parts_are_picked_at_once_over_the_real_server(llama_server):
    items = [
        {
            "title": f"Section {n} on harbour topic {n}",
            "node_id": f"{n:04d}",
            "start_index": 1,
            "end_index": 1,
        }
        | {"summary": f"The harbour board's note number {n} on dredging, fees and ferries."}
        for n in range(16)
    ]
    doc = build_document(Tree.from_json({"doc_name": "big.pdf", "structure": items}), "big.json", None)
    settings = Settings(
        endpoint=llama_server.endpoint,
        context_length=1024,  # small parts: the 16 outline lines (about 580 tokens) need two
        thinking=False,
        max_output_tokens=64,
        cache=False,
        max_retries=1,
    )
    seen: list[events.Event] = []

    async def go() -> AskResult:
        async with Asker(settings, sink=seen.append, options=AskOptions(max_rounds=1)) as asker:
            return await asker.ask([doc], "What does note 12 say about ferries?")

    result = asyncio.run(go())
    picks = [e for e in seen if isinstance(e, events.CallStarted) and e.purpose.startswith("ask: pick nodes")]
    assert len(picks) >= 2 and all("(outline " in e.purpose for e in picks)
    assert most_in_flight(seen, "ask: pick nodes") >= 2  # not one after another
    assert result.nodes_read  # the model's picks, or the closest titles
    finished = [e for e in seen if isinstance(e, events.CallFinished)]
    assert finished and all(e.outcome != "cancelled" for e in finished)
