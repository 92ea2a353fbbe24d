"""A whole question's bounds (issue 23): its deadline and its token budget end it with what it found so far
(the pages read, an answer if one was written, else the nodes picked) and a warning that says which bound,
in the engine, the CLI (exit status 3), the MCP service and the app's question line. Against the fake vLLM;
no time is asserted but a generous bound on the whole question."""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import replace

import pytest
from askdocs import GOOD_ANSWER, file_harbor, kind, make_harbor, scripted
from fakes import FakeVLLM, Script

from pageindex_tui import events
from pageindex_tui.ask import Asker, load_structure_file
from pageindex_tui.cli.main import main
from pageindex_tui.mcp_tools import LibraryService, replies
from pageindex_tui.settings import Settings
from pageindex_tui.store.library import Library
from pageindex_tui.workbench.ask_handler import AskHandler
from pageindex_tui.workbench.asking import AskBook, AskChanges

QUESTION = "How much did dredging the outer channel cost?"
GENEROUS = 120.0  # seconds: a bounded question ends long before this, even on a loaded machine
ENDLESS = Script(answer="The cost was ", endless=True, drip=0.05)  # a reply that never ends by itself
BAD = 'It cost 9 million euros [1].\n\nSources:\n[1] 0005, page 6: "A new quay for ferries is planned"'


@pytest.fixture(autouse=True)
def _own_library(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


def ask(fake, docs, **settings):
    seen: list[events.Event] = []
    chosen = Settings(endpoint=fake.base_url, cache=False, max_retries=0).with_values("test", **settings)

    async def go():
        async with Asker(chosen, sink=seen.append) as asker:
            return await asyncio.wait_for(asker.ask(docs, QUESTION), GENEROUS)

    started = time.monotonic()
    result = asyncio.run(go())
    assert time.monotonic() - started < GENEROUS
    return result, seen


def kinds(fake) -> list[str]:
    """The ask prompts the fake was sent, in order."""
    return [kind(b) for b in fake.requests if "messages" in b]


@pytest.fixture
def harbor(tmp_path):
    return load_structure_file(make_harbor(tmp_path))


def test_the_deadline_ends_a_question_writing_its_answer_with_the_pages_read(harbor):
    model = scripted(picks=['{"nodes": ["0004"]}'], answers=[ENDLESS])
    with FakeVLLM(default=model) as fake:
        result, seen = ask(fake, [harbor], ask_deadline=4)
        assert "answer" in kinds(fake)
    assert result.stopped == "deadline" and result.answer == "" and result.citations == []
    assert [r.node_id for r in result.nodes_read] == ["0004"]
    assert [(p.node_id, p.title) for p in result.picked] == [("0004", "2.1 Dredging")]
    said = [w for w in result.warnings if "stopped at its deadline of 4 s" in w]
    assert said and "no answer was written; 1 node(s) were read: 0004" in said[0]
    finished = [e for e in seen if isinstance(e, events.AskFinished)]
    assert [e.result for e in finished] == [result]
    assert result.to_dict()["stopped"] == "deadline"


def test_the_deadline_while_picking_says_nothing_was_picked(harbor):
    with FakeVLLM(default=scripted(picks=[ENDLESS], answers=[GOOD_ANSWER])) as fake:
        result, _seen = ask(fake, [harbor], ask_deadline=2)
        assert "answer" not in kinds(fake)
    assert result.stopped == "deadline" and result.nodes_read == [] and result.picked == []
    assert any("nothing was picked or read yet" in w for w in result.warnings)


def test_the_token_budget_stops_the_next_call_and_keeps_the_pages_read(harbor):
    with FakeVLLM(default=scripted(picks=['{"nodes": ["0004"]}'], answers=[GOOD_ANSWER])) as fake:
        result, seen = ask(fake, [harbor], ask_tokens=1)
        assert kinds(fake) == ["pick"]  # the answer call was stopped before it was sent
    assert result.stopped == "tokens" and result.answer == ""
    assert [r.node_id for r in result.nodes_read] == ["0004"]
    spent = result.prompt_tokens + result.completion_tokens
    assert spent > 1 and any(f"token budget of 1 (ask_tokens; {spent} spent)" in w for w in result.warnings)
    cancelled = [e for e in seen if isinstance(e, events.CallFinished) and e.outcome == "cancelled"]
    assert len(cancelled) == 1  # the queued call ends as cancelled, not as a failure


def test_an_answer_written_before_the_budget_ran_out_is_kept(harbor):
    model = scripted(picks=['{"nodes": ["0004"]}'], answers=[BAD, GOOD_ANSWER])
    with FakeVLLM(default=model) as fake:
        unbounded, seen = ask(fake, [harbor])
        assert kinds(fake) == ["pick", "assess", "answer", "answer"]  # the answer is written again
    calls = [e for e in seen if isinstance(e, events.CallFinished) and e.outcome == "ok"]
    before_rewrite = sum(c.prompt_tokens + c.completion_tokens for c in calls[:-1])
    assert unbounded.stopped == "" and unbounded.verified == 1
    with FakeVLLM(default=scripted(picks=['{"nodes": ["0004"]}'], answers=[BAD, GOOD_ANSWER])) as fake:
        result, _seen = ask(fake, [harbor], ask_tokens=before_rewrite)
        assert kinds(fake) == ["pick", "assess", "answer"]  # the rewrite was not sent
    assert result.stopped == "tokens" and result.answer.startswith("It cost 9 million euros")
    assert [c.verified for c in result.citations] == [False]  # kept as it was: its citation unverified
    assert any("the answer written before it is kept" in w for w in result.warnings)


def test_no_bound_reached_changes_nothing(harbor):
    with FakeVLLM(default=scripted(picks=['{"nodes": ["0004"]}'], answers=[GOOD_ANSWER])) as fake:
        result, _seen = ask(fake, [harbor], ask_deadline=0, ask_tokens=0)
    assert result.stopped == "" and result.verified == 1
    assert [(p.node_id, p.doc) for p in result.picked] == [("0004", "harbor.pdf")]
    assert not any("stopped at" in w for w in result.warnings)


def test_the_cli_exits_3_and_prints_what_was_found(tmp_path, capsys):
    structure = make_harbor(tmp_path / "docs")
    argv = ["ask", str(structure), QUESTION, "--retries", "0", "--no-cache", "--ask-tokens", "1"]
    with FakeVLLM(default=scripted(picks=['{"nodes": ["0004"]}'], answers=[GOOD_ANSWER])) as fake:
        assert main([*argv, "--endpoint", fake.base_url]) == 3
        out = capsys.readouterr()
        assert main([*argv, "--endpoint", fake.base_url, "--json"]) == 3
        data = json.loads(capsys.readouterr().out)
    assert "read 1 nodes [0004 (1)]" in out.out
    assert "warning: the question was stopped at its token budget of 1" in out.err
    assert data["stopped"] == "tokens" and [r["node_id"] for r in data["nodes_read"]] == ["0004"]
    assert data["picked"] == [{"doc": "harbor.pdf", "node_id": "0004", "title": "2.1 Dredging"}]


def test_bad_bounds_are_usage_errors(tmp_path, capsys):
    structure = make_harbor(tmp_path / "docs")
    assert main(["ask", str(structure), QUESTION, "--ask-deadline", "-1"]) == 2
    assert "ask_deadline = '-1' (from command line)" in capsys.readouterr().err
    assert main(["ask", str(structure), QUESTION, "--ask-tokens", "lots"]) == 2
    assert "is not a whole number" in capsys.readouterr().err


def test_the_mcp_ask_returns_what_was_found_with_stopped(tmp_path):
    library = Library(tmp_path / "lib")
    file_harbor(tmp_path / "docs", library)
    with FakeVLLM(default=scripted(picks=['{"nodes": ["0004"]}'], answers=[GOOD_ANSWER])) as fake:
        settings = Settings(endpoint=fake.base_url, cache=False, max_retries=0, ask_tokens=1)
        data = replies.answer(asyncio.run(LibraryService(settings, library).ask(QUESTION, ["harbor.pdf"])))
    assert data["stopped"] == "tokens" and data["answer"] == ""
    assert [r["node_id"] for r in data["nodes_read"]] == ["0004"]
    assert any("stopped at its token budget" in w for w in data["warnings"])
    assert any("stopped at its token budget" in step for step in data["next_steps"]["options"])


def test_the_apps_question_says_which_bound_stopped_it(harbor):
    with FakeVLLM(default=scripted(picks=['{"nodes": ["0004"]}'], answers=[GOOD_ANSWER])) as fake:
        result, seen = ask(fake, [harbor], ask_tokens=1)
    book = AskBook()
    question = book.start("harbor.pdf", QUESTION)
    handler = AskHandler(book)
    for event in seen:
        handler.apply(replace(event, doc=question.run), AskChanges())
    assert question.result is result
    assert question.status().startswith("Stopped at its token budget: read 1 node in 1 round(s)")
    stream = "".join(text for _kind, text in question.pieces)
    assert "warning: the question was stopped at its token budget" in stream
    assert "(the model gave no answer)" not in stream  # it was stopped, and its warning says so
