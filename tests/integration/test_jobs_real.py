"""The job service through a real llama-server (SmolLM2-135M): index, file into the library, reuse."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from pageindex_tui import events
from pageindex_tui.jobs.service import JobService, JobUpdate
from pageindex_tui.settings import Settings
from pageindex_tui.store.cache import ResponseCache
from pageindex_tui.store.library import Library
from pageindex_tui.store.records import RunRecord

from .schema import check_pageindex_json

SAMPLE_DOCS = Path(__file__).resolve().parents[2] / "sample_docs"

pytestmark = pytest.mark.integration


def test_jobs_index_file_and_reuse_through_the_model(llama_server, tmp_path):
    settings = Settings(
        endpoint=llama_server.endpoint,
        thinking=False,
        max_output_tokens=160,
        max_retries=1,
        request_timeout=120,
        if_add_doc_description=True,  # its sections are short enough to be their own summaries
    )
    library = Library(tmp_path / "library")
    doc = SAMPLE_DOCS / "serving-handbook.md"
    seen: list[events.Event] = []

    async def go():
        async with JobService(library, sink=seen.append, cache=ResponseCache(enabled=False)) as jobs:
            first = await jobs.run(doc, settings)
            second = await jobs.run(doc, settings)
            return first, second

    first, second = asyncio.run(asyncio.wait_for(go(), 600))
    assert first.ok and not first.reused, first.error
    assert first.run is not None and first.run.llm.calls >= 1 and first.run.server is not None
    entry = library.lookup(doc, settings)
    assert entry is not None and first.structure_path == entry.structure_path
    check_pageindex_json(json.loads(entry.structure_path.read_text()), markdown=True)
    on_disk = json.loads(entry.run_path.read_text())
    assert RunRecord.from_dict(on_disk) == first.run  # the record the job returned is the one it filed
    assert second.ok and second.reused and second.result == first.result
    updates = [e.state for e in seen if isinstance(e, JobUpdate)]
    assert updates == ["started", "finished", "started", "reused"]
    calls = [e for e in seen if isinstance(e, events.CallFinished) and e.outcome == "ok"]
    assert len(calls) == first.run.llm.calls  # the reuse made none


def test_sections_waiting_for_the_model_are_found_once_it_answers(llama_server, tmp_path):
    """A PDF only the model can give sections: with the server down it gets page groups (a partial index
    waiting for the model); the next run, with the real server up, indexes it afresh through the model."""
    from pdfgen import make_plain_pdf

    from pageindex_tui.local.server import free_port

    values = {"thinking": False, "max_output_tokens": 160, "max_retries": 1, "request_timeout": 120}
    values |= {"if_add_node_summary": False}
    library, pdf = Library(tmp_path / "library"), make_plain_pdf(tmp_path / "docs")

    async def index(endpoint: str):
        async with JobService(library, cache=ResponseCache(enabled=False)) as jobs:
            return await jobs.run(pdf, Settings(endpoint=endpoint, **values))

    waiting = asyncio.run(asyncio.wait_for(index(f"http://127.0.0.1:{free_port()}/v1"), 600))
    assert waiting.partial is not None and waiting.partial.stage == "structure", waiting.error
    assert waiting.run is not None and waiting.run.structure_source == "pages"
    found = asyncio.run(asyncio.wait_for(index(llama_server.endpoint), 600))
    assert found.ok, found.error
    assert found.run is not None and found.run.structure_source == "model" and found.run.resumed == ""
    assert found.run.structure_calls >= 1  # the model was asked for the sections, whatever it answered
    assert library.find_partial(library.digest(pdf), Settings(**values)) is None
    check_pageindex_json(json.loads(found.structure_path.read_text()))
