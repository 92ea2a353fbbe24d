"""The layout stage's unsure headings put to a real llama-server (SmolLM2-135M)."""

from __future__ import annotations

import asyncio

import layoutgen
import pytest
import scoring

from pageindex_tui import events
from pageindex_tui.index.pipeline import Indexer
from pageindex_tui.local.server import free_port
from pageindex_tui.settings import Settings
from pageindex_tui.store.cache import ResponseCache

from .schema import check_pageindex_json

pytestmark = pytest.mark.integration


def test_unsure_headings_are_checked_by_the_real_model(llama_server, tmp_path):
    # Sixteen lines the rules are unsure of; of them only the five whose fate the model's answer can
    # change are put to it (a title repeated on page after page, which it may drop as a running head,
    # and bold capitals set small, which its yes lifts). Whatever it answers, the eleven headings the
    # rules keep with nothing against them stand, and the model never reads the whole text.
    path, _truth = layoutgen.make_open_lines(tmp_path)
    settings = Settings(
        endpoint=llama_server.endpoint,
        thinking=False,
        max_output_tokens=160,
        max_retries=1,
        if_add_node_summary=False,
        request_timeout=120,
    )
    seen: list[events.Event] = []

    async def go():
        cache = ResponseCache(enabled=False)
        async with Indexer(settings, tmp_path / "out", sink=seen.append, cache=cache) as indexer:
            return await indexer.index(path)

    result = asyncio.run(go())
    assert result.ok, result.error
    check_pageindex_json(result.result.to_json())
    purposes = [e.purpose for e in seen if isinstance(e, events.CallStarted)]
    assert purposes and all(p.startswith("check headings") for p in purposes)  # never the whole text
    finished = [e for e in seen if isinstance(e, events.CallFinished)]
    assert finished and all(e.outcome in ("ok", "invalid", "retry") for e in finished)
    run = result.run.to_dict()  # as written to <stem>_run.json
    facts = run["facts"]
    assert run["structure_source"] == "layout"
    assert (facts["layout_unsure"], facts["layout_model_lines"]) == (16, 5)
    # whatever the tiny model said, the headings it could not drop stand; every node says where it came from
    assert facts["layout_model_batches"] == 1
    titles = {n["title"] for n in run["provenance"]["nodes"]}
    assert {"INTRODUCTION", "Scope of the Work", "Growth Rates", "CONCLUSIONS"} <= titles
    assert {n["source"] for n in run["provenance"]["nodes"]} <= {"layout", "model", "pages"}


def test_the_real_model_never_leaves_the_layout_tree_worse_than_the_rules_alone(llama_server, tmp_path):
    # capitals and bold at the body size: every heading is one the rules are unsure of, and those whose
    # fate its answer can change are put to the tiny model, which answers poorly; the guard keeps its
    # answers from costing recall
    path, truth = layoutgen.make_open_lines(tmp_path)

    def recall(endpoint: str, out: str) -> float:
        settings = Settings(
            endpoint=endpoint,
            thinking=False,
            max_output_tokens=400,
            max_retries=1,
            if_add_node_summary=False,
            request_timeout=120,
        )

        async def go():
            async with Indexer(settings, tmp_path / out, cache=ResponseCache(enabled=False)) as indexer:
                return await indexer.index(path)

        result = asyncio.run(go())
        assert result.ok, result.error
        assert result.run.structure_source == "layout"
        return scoring.score(scoring.flatten(result.result.to_json()["structure"]), truth).recall

    alone = recall(f"http://127.0.0.1:{free_port()}/v1", "alone")  # nothing listens there
    with_model = recall(llama_server.endpoint, "model")
    print(f"\nrecall on {path.name}: {alone:.2f} without a model, {with_model:.2f} with SmolLM2-135M")
    assert alone >= 0.9 and with_model >= alone
