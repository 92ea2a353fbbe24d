"""A question's bounds through a real llama-server (SmolLM2-135M): each ends the question cleanly (no error,
AskFinished, a warning) with what it found so far.

First the token budget: 1 token lets the pick call through (the budget is checked as a call is queued) and
stops the answer call, so the question ends with the nodes read and no answer; its pick reply is cached.
Then the deadline, with that cache: the pick is replayed at once and the answer goes to the server, where
the deadline cuts it off. How long the answer takes depends on this machine, so a try whose deadline fell
before the pages were read, or after the answer ended, moves it and tries again from the same cache, a
bounded number of times."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pytest
from askdocs import check_reads, make_harbor

from pageindex_tui import events
from pageindex_tui.ask import Asker, AskOptions, AskResult, load_structure_file
from pageindex_tui.ask.types import AskDocument
from pageindex_tui.llm import LLMClient
from pageindex_tui.llm.session import ModelSession
from pageindex_tui.settings import Settings
from pageindex_tui.store.cache import ResponseCache

pytestmark = pytest.mark.integration

QUESTION = "How much did dredging the outer channel cost, and how long did it take? Explain in detail."
OPTIONS = AskOptions(max_rounds=1, pick_attempts=1)  # one pick call, then the answer: nothing between
TRIES = 6


def _ask(
    endpoint: str, doc: AskDocument, cache: Path, **bounds: float
) -> tuple[AskResult, list[events.Event]]:
    settings = Settings(endpoint=endpoint, thinking=False, max_output_tokens=256, max_retries=1).with_values(
        "test", **bounds
    )
    seen: list[events.Event] = []

    async def go() -> AskResult:
        responses = ResponseCache(cache)
        async with ModelSession(settings, responses, LLMClient, seen.append) as session:
            await session.client()  # connected before the question: its deadline is the pick and answer's
            async with Asker(settings, sink=seen.append, options=OPTIONS, session=session) as asker:
                return await asker.ask([doc], QUESTION)

    return asyncio.run(go()), seen


def _ended_cleanly(doc: AskDocument, result: AskResult, seen: list[events.Event], bound: str) -> None:
    finished = [e for e in seen if isinstance(e, events.AskFinished)]
    assert [e.result for e in finished] == [result]
    assert result.stopped == bound and result.answer == "" and result.nodes_read
    check_reads(doc, result)
    assert {(r.doc, r.node_id) for r in result.nodes_read} <= {(p.doc, p.node_id) for p in result.picked}
    said = [w for w in result.warnings if "the question was stopped at its" in w]
    assert len(said) == 1 and "no answer was written" in said[0]


def test_the_bounds_end_a_question_cleanly_with_what_it_read(llama_server, tmp_path):
    doc = load_structure_file(make_harbor(tmp_path / "docs"))
    primed = tmp_path / "primed"
    result, seen = _ask(llama_server.endpoint, doc, primed, ask_tokens=1)
    _ended_cleanly(doc, result, seen, "tokens")
    assert result.calls == 1 and result.prompt_tokens > 1  # the pick; the answer call was never sent
    cancelled = [e for e in seen if isinstance(e, events.CallFinished) and e.outcome == "cancelled"]
    assert len(cancelled) == 1

    deadline, outcomes = 0.5, []
    for number in range(TRIES):
        cache = tmp_path / f"try{number}"
        shutil.copytree(primed, cache)  # the pick reply, and no answer
        result, seen = _ask(llama_server.endpoint, doc, cache, ask_deadline=deadline)
        outcomes.append((deadline, result.stopped, len(result.nodes_read), result.cached_calls))
        if result.stopped == "deadline" and result.nodes_read:
            break
        deadline = deadline * 3 if result.stopped else deadline / 3  # before the read, or after the answer
    else:
        pytest.fail(f"no try's deadline fell while the answer was written: {outcomes}")
    _ended_cleanly(doc, result, seen, "deadline")
    assert result.cached_calls == 1  # the pick, replayed
    calls = [e for e in seen if isinstance(e, events.CallFinished)]
    assert [c.outcome for c in calls] == ["cached", "cancelled"]  # the answer's call, cut off at the deadline
