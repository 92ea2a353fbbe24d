"""The engine's work estimates (`WorkEstimate`): sent when a document is read and when its structure is
known, from what the engine knows (its text, its nodes, the reply budgets), never below the work done."""

from __future__ import annotations

import asyncio
from pathlib import Path

from fakes import FakeVLLM, smart_model
from pdfgen import make_outline_pdf, make_plain_pdf

from pageindex_tui import events
from pageindex_tui.index.estimate import first_estimate, text_tokens
from pageindex_tui.index.pipeline import Indexer
from pageindex_tui.settings import Settings
from pageindex_tui.settings.rules import summary_budget
from pageindex_tui.store.cache import ResponseCache


def markdown(sections: int, words: int) -> str:
    body = " ".join(f"word{i} is part of a sentence." for i in range(words))
    return "\n\n".join(f"## Section {n}\n\n{body}" for n in range(sections))


def run(settings: Settings, path: Path, out: Path, cache: ResponseCache | None = None):
    seen: list[events.Event] = []

    async def go():
        store = cache or ResponseCache(enabled=False)
        async with Indexer(settings, out, sink=seen.append, cache=store) as ix:
            return await ix.index(path)

    result = asyncio.run(go())
    assert result.ok, result.error
    estimates = [e.tokens for e in seen if isinstance(e, events.WorkEstimate)]
    work = sum(e.work for e in seen if isinstance(e, events.CallFinished))
    return seen, estimates, work


def test_summaries_are_estimated_from_the_tree_and_cover_the_work_done(tmp_path):
    doc = tmp_path / "long.md"
    doc.write_text(markdown(6, 200))
    with FakeVLLM(default=smart_model) as fake:
        settings = Settings(endpoint=fake.base_url, thinking=False, if_add_doc_description=False)
        seen, estimates, work = run(settings, doc, tmp_path / "out")
    assert len(estimates) == 2  # when read, and when the structure is known
    summaries = [e for e in seen if isinstance(e, events.CallFinished) and e.outcome == "ok"]
    assert len(summaries) == 6 and work > 0
    reply, _body = summary_budget(settings, 32768)
    # on the high side (our token count is an upper one, replies are counted at their budget), not wildly
    assert work <= estimates[1] <= 2 * (work + len(summaries) * reply)
    assert estimates[0] > 0


def test_a_larger_document_is_estimated_larger_and_no_summaries_is_almost_no_work(tmp_path):
    small, large = tmp_path / "small.md", tmp_path / "large.md"
    small.write_text(markdown(3, 100))
    large.write_text(markdown(12, 400))
    off = Settings(endpoint="http://127.0.0.1:9/v1", if_add_node_summary=False, max_retries=0)
    _seen, estimates, work = run(off, large, tmp_path / "out")
    assert estimates == [0, 0] and work == 0  # a Markdown tree without summaries asks the model nothing

    from pageindex_tui.document import open_document

    on = Settings(endpoint="http://127.0.0.1:9/v1")
    small_doc, large_doc = open_document(small), open_document(large)
    assert text_tokens(large_doc) > text_tokens(small_doc)
    assert first_estimate(large_doc, on, 32768) > first_estimate(small_doc, on, 32768) > 0


def test_an_outline_pdf_spares_the_structure_calls_in_its_first_estimate(tmp_path):
    from pageindex_tui.document import open_document

    settings = Settings(if_add_node_summary=False, if_add_doc_description=False)
    outlined = open_document(make_outline_pdf(tmp_path / "a"))
    plain = open_document(make_plain_pdf(tmp_path / "b"))
    assert first_estimate(outlined, settings, 32768) == 0
    assert first_estimate(plain, settings, 32768) >= text_tokens(plain) > 0  # the model reads its pages


def test_a_rerun_from_the_cache_does_the_same_work_at_no_cost(tmp_path):
    doc = tmp_path / "long.md"
    doc.write_text(markdown(4, 200))
    cache = ResponseCache(tmp_path / "cache")
    with FakeVLLM(default=smart_model) as fake:
        settings = Settings(endpoint=fake.base_url, thinking=False)
        _seen, first, work = run(settings, doc, tmp_path / "out", cache)
        seen, again, cached_work = run(settings, doc, tmp_path / "out", cache)
    finishes = [e for e in seen if isinstance(e, events.CallFinished)]
    assert finishes and all(e.outcome == "cached" for e in finishes)
    assert cached_work == work and again == first
