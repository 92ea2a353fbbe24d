"""Outline parts go to the server at once (issue 23), through the one client and its one bound: the fake
server holds every pick until all parts have arrived, so a run that sent them one after another would never
fill the gate. Their picks are merged by the model's ranking in part order, whatever order replies came in."""

from __future__ import annotations

import asyncio
import re
import threading

from askdocs import kind
from fakes import FakeVLLM, Script, context_overflow

from pageindex_tui import events
from pageindex_tui.ask import Asker
from pageindex_tui.ask.documents import build_document
from pageindex_tui.ask.types import AskDocument, AskResult
from pageindex_tui.settings import Settings
from pageindex_tui.tree import Tree

GATE_SECONDS = 60.0  # a bound, not a pause: the gate opens as soon as every part is in
PART = re.compile(r"part (\d+) of (\d+) of the outline")
IDS = re.compile(r"\[(\d{4})\]")


def big_document() -> AskDocument:
    items = [
        {"title": f"Section {n} on topic {n}", "node_id": f"{n:04d}", "start_index": 1, "end_index": 1}
        | {"summary": "words " * 40}
        for n in range(300)
    ]
    return build_document(Tree.from_json({"doc_name": "big.pdf", "structure": items}), "big.json", None)


class PartGate:
    """A FakeVLLM `default`: each pick waits (bounded) until all parts of its outline are in flight, then
    names the first two ids of its own part; replies go out last part first."""

    def __init__(self) -> None:
        self.cond = threading.Condition()
        self.arrived: list[int] = []  # part numbers, in arrival order
        self.full_house: list[bool] = []  # per pick: did every part arrive while it waited?
        self.answered: list[int] = []  # part numbers, in reply order

    def __call__(self, body: dict) -> Script:
        prompt = body["messages"][-1]["content"]
        if kind(body) == "answer":
            return Script(answer="Not in the text.")
        if kind(body) != "pick":
            return Script(answer='{"enough": true}')
        found = PART.search(prompt)
        assert found, "the outline should come in parts"
        part, parts = int(found[1]), int(found[2])
        with self.cond:
            self.arrived.append(part)
            self.cond.notify_all()
            full = self.cond.wait_for(lambda: len(self.arrived) >= parts, timeout=GATE_SECONDS)
            self.full_house.append(full)
            # the last part replies first, the first part last: the merge must not follow arrival
            self.cond.wait_for(lambda: all(p in self.answered for p in range(part + 1, parts + 1)), 10.0)
            self.answered.append(part)
            self.cond.notify_all()
        first, second = IDS.findall(prompt.split("---", 1)[0])[:2]
        return Script(answer=f'{{"nodes": ["{first}", "{second}"]}}')


def ask(fake: FakeVLLM, doc: AskDocument, **settings: object) -> tuple[AskResult, list[events.Event]]:
    seen: list[events.Event] = []
    conf = Settings(
        **({"endpoint": fake.base_url, "cache": False, "max_retries": 0, "max_output_tokens": 512} | settings)
    )

    async def go() -> AskResult:
        async with Asker(conf, sink=seen.append) as asker:
            return await asker.ask([doc], "What does section 250 say?")

    return asyncio.run(go()), seen


def test_outline_parts_are_in_flight_at_once_and_merged_by_rank():
    gate = PartGate()
    doc = big_document()
    with FakeVLLM(default=gate, max_model_len=6000, tokenize=False) as fake:
        result, seen = ask(fake, doc)
        picks = [b["messages"][-1]["content"] for b in fake.requests if kind(b) == "pick"]
        most_at_once = fake.max_active
    parts = len(picks)
    assert parts >= 3 and sorted(gate.arrived) == list(range(1, parts + 1))
    assert all(gate.full_house), "every pick waited until all parts were at the server together"
    assert most_at_once >= parts
    assert gate.answered == list(range(parts, 0, -1))  # replies came back last part first
    # the calls' own events say so too: every part started before any of them finished
    pick_ids = {e.call_id for e in seen if isinstance(e, events.CallStarted) and "pick nodes" in e.purpose}
    order = [
        e for e in seen if isinstance(e, (events.CallStarted, events.CallFinished)) and e.call_id in pick_ids
    ]
    first_done = next(i for i, e in enumerate(order) if isinstance(e, events.CallFinished))
    assert first_done == parts and len(pick_ids) == parts
    # merged by rank in part order: each part's first choice, then the seconds, up to five
    by_part = sorted(picks, key=lambda p: int(PART.findall(p)[0][0]))
    firsts = [IDS.findall(p.split("---", 1)[0])[0] for p in by_part]
    chosen = [e for e in seen if isinstance(e, events.AskProgress) and e.step == "pick"][-1].detail
    assert chosen.split(", ")[: min(parts, 5)] == firsts[:5]
    assert [r.node_id for r in result.nodes_read][:1] == firsts[:1]


def test_a_part_that_overflows_sends_the_outline_again_in_smaller_parts():
    """The one part the server refuses cancels its siblings; the outline goes again, cut finer."""
    sent: list[int] = []
    lock = threading.Lock()

    def model(body: dict) -> Script:
        prompt = body["messages"][-1]["content"]
        if kind(body) != "pick":
            return Script(answer="Not in the text." if kind(body) == "answer" else '{"enough": true}')
        found = PART.search(prompt)
        assert found
        with lock:
            sent.append(int(found[2]))
            first = len(sent) == 1
        if first:
            return context_overflow(prompt=7000, limit=6000, output=512)
        return Script(answer='{"nodes": []}')

    with FakeVLLM(default=model, max_model_len=6000, tokenize=False) as fake:
        result, seen = ask(fake, big_document())
    first_parts, later_parts = sent[0], max(sent)
    assert later_parts > first_parts  # sent again in more, smaller parts
    again = [n for n in sent[1:] if n == later_parts]
    assert len(again) == later_parts  # each smaller part once
    assert result.nodes_read  # the closest titles, since every part chose nothing
    finished = [e for e in seen if isinstance(e, events.CallFinished)]
    assert any(e.outcome != "ok" for e in finished)  # the refused part shows as failed, not hidden
