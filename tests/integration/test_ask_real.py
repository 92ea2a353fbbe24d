"""Asking through a real llama-server (SmolLM2-135M): the mechanics hold whatever the tiny model answers."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from askdocs import check_reads, make_harbor

from pageindex_tui import events
from pageindex_tui.ask import Asker, AskOptions, load_structure_file
from pageindex_tui.ask.verify import MIN_QUOTE_WORDS, quote_found, words
from pageindex_tui.llm import LLMClient
from pageindex_tui.llm.session import ModelSession
from pageindex_tui.settings import Settings

pytestmark = pytest.mark.integration

SAMPLE_DOCS = Path(__file__).resolve().parents[2] / "sample_docs"
FAST = ["--thinking", "no", "--max-output-tokens", "128", "--retries", "1", "--timeout", "300"]


def test_engine_over_the_real_server(llama_server, tmp_path):
    doc = load_structure_file(make_harbor(tmp_path))
    settings = Settings(
        endpoint=llama_server.endpoint, thinking=False, max_output_tokens=128, cache=False, max_retries=1
    )
    seen: list[events.Event] = []

    async def go():
        async with Asker(settings, sink=seen.append, options=AskOptions(max_rounds=2)) as asker:
            return await asker.ask([doc], "How much did dredging the outer channel cost?")

    result = asyncio.run(go())
    assert result.nodes_read, "something is always read: the model's pick or the closest titles"
    check_reads(doc, result)  # its pages, or none new: pages already shown are not shown again
    assert result.calls >= 2 and result.prompt_tokens > 0 and result.completion_tokens > 0
    for citation in result.citations:  # verified or marked, never dropped
        assert citation.verified or citation.problem
    assert isinstance(seen[-1], events.AskFinished) and seen[-1].result is result
    finished = [e for e in seen if isinstance(e, events.CallFinished)]
    # every call ended, and the answer came; under a loaded CPU one call may time out and be retried or
    # fall back, which is the engine's job, not a failure of the mechanics
    assert finished and any(e.outcome == "ok" for e in finished)
    assert all(e.outcome != "cancelled" for e in finished)


def test_a_question_overtakes_queued_indexing_calls_and_verifies_only_quotes_on_read_pages(
    llama_server, tmp_path
):
    """One place (concurrency 1) on the real server, four summaries waiting on it: each of the question's
    calls takes the next free place; whatever the tiny model cites, a verified citation quotes at least
    MIN_QUOTE_WORDS words that are on a page it read."""
    doc = load_structure_file(make_harbor(tmp_path))
    settings = Settings(
        endpoint=llama_server.endpoint,
        thinking=False,
        max_output_tokens=96,
        cache=False,
        max_retries=1,
        concurrency=1,
    )
    seen: list[events.Event] = []

    async def go():
        async with ModelSession(settings, client_factory=LLMClient, sink=seen.append) as session:
            session.open("big.pdf", seen.append)
            client = await session.client()
            summaries = [
                asyncio.create_task(
                    client.chat(
                        [{"role": "user", "content": f"Summarize in one line: part {n} of a harbor report."}],
                        doc="big.pdf",
                        purpose=f"summarize {n:04d}",
                        max_tokens=48,
                    )
                )
                for n in range(4)
            ]
            while sum(isinstance(e, events.CallQueued) for e in seen) < 4:
                await asyncio.sleep(0.05)
            async with Asker(settings, sink=seen.append, session=session, options=AskOptions(1)) as asker:
                result = await asker.ask([doc], "How much did dredging the outer channel cost?", run="ask")
            await asyncio.gather(*summaries)
            return result

    result = asyncio.run(go())
    asked = [e for e in seen if isinstance(e, events.CallQueued) and e.doc == "ask"]
    assert asked and all(e.ahead == 0 for e in asked)  # never behind a waiting summary
    for queued in asked:
        at = seen.index(queued)
        to = next(
            i for i, e in enumerate(seen) if isinstance(e, events.CallStarted) and e.call_id == queued.call_id
        )
        assert not [e for e in seen[at:to] if isinstance(e, events.CallStarted)]
    read_pages = {p for r in result.nodes_read for p in r.pages}
    for citation in result.citations:
        assert citation.verified or citation.problem
        if citation.verified:
            assert len(words(citation.quote)) >= MIN_QUOTE_WORDS and set(citation.pages) <= read_pages
            assert any(quote_found(citation.quote, doc.read(p, p)[0]) for p in citation.pages)
    assert not [e for e in seen if isinstance(e, events.CallFinished) and e.outcome == "cancelled"]


def test_cli_indexes_files_and_asks_a_markdown_document(llama_server, tmp_path):
    env_home = tmp_path / "home"
    env = {
        "XDG_DATA_HOME": str(env_home / "data"),
        "XDG_CACHE_HOME": str(env_home / "cache"),
        "XDG_CONFIG_HOME": str(env_home / "config"),
        "PATH": "/usr/bin:/bin",
        "PYTHONPATH": os.environ.get("PYTHONPATH", ""),  # the package under test, also from a worktree
    }
    args = [sys.executable, "-m", "pageindex_tui", "ask", str(SAMPLE_DOCS / "serving-handbook.md")]
    args += ["What context length does the team start with?", "--json"]
    args += ["--endpoint", llama_server.endpoint, "--context-length", "2048", "--rounds", "1", *FAST]
    proc = subprocess.run(args, capture_output=True, text=True, timeout=1500, env=env, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    result = json.loads(proc.stdout)
    assert result["documents"] == ["serving-handbook"] or result["documents"][0].startswith(
        "serving-handbook"
    )
    assert result["nodes_read"] and result["calls"] >= 1
    assert "indexed" in proc.stderr
    filed = list((env_home / "data").rglob("serving-handbook_structure.json"))
    assert len(filed) == 1  # filed in the library, where the app and the MCP server find it
