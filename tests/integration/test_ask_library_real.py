"""Asking the whole library through a real llama-server (SmolLM2-135M): the search finds the documents, the
model chooses among them, and the question is read and answered in those only, whatever the tiny model
says."""

from __future__ import annotations

import asyncio

import pytest
from libdocs import many_documents

from pageindex_tui import events
from pageindex_tui.ask import Asker, AskOptions, AskResult, LibraryScope
from pageindex_tui.settings import Settings
from pageindex_tui.store.library import Library

pytestmark = pytest.mark.integration


def ask_library(endpoint: str, folder, question: str) -> tuple[AskResult, list[events.Event]]:
    """Ask `question` of a library of 20 generated documents through the server at `endpoint`."""
    library = Library(folder / "library")
    many_documents(library, folder / "docs", 20)
    settings = Settings(endpoint=endpoint, thinking=False, max_output_tokens=128, cache=False, max_retries=1)
    seen: list[events.Event] = []

    async def go() -> AskResult:
        async with Asker(settings, sink=seen.append, options=AskOptions(max_rounds=1)) as asker:
            return await asker.ask([], question, scope=LibraryScope.of(library))

    return asyncio.run(go()), seen


def test_ask_the_library_over_the_real_server(llama_server, tmp_path):
    result, seen = ask_library(llama_server.endpoint, tmp_path, "What is the lighthouse keeper salary?")
    purposes = [e.purpose for e in seen if isinstance(e, events.CallStarted)]
    # 'salary' and 'keeper' are in one document only: the search's one candidate needs no document call
    assert result.documents == ["doc0007.md"]
    assert not any(p.startswith("ask: pick documents") for p in purposes)
    assert result.nodes_read and all(r.doc == "doc0007.md" for r in result.nodes_read)
    assert result.calls >= 2 and result.prompt_tokens > 0


def test_the_model_chooses_among_many_candidates(llama_server, tmp_path):
    result, seen = ask_library(llama_server.endpoint, tmp_path, "When was the budget approved?")
    purposes = [e.purpose for e in seen if isinstance(e, events.CallStarted)]
    assert purposes[0].startswith("ask: pick documents")  # every document has a budget: the model chooses
    assert 1 <= len(result.documents) <= 3
    assert all(name.startswith("doc") for name in result.documents)
    finished = [e for e in seen if isinstance(e, events.CallFinished)]
    assert finished and all(e.outcome != "cancelled" for e in finished)
