"""Large nodes split into subsections: every node keeps its provenance."""

from __future__ import annotations

import json
import re

import layoutgen
from fakes import FakeVLLM, Script
from pdfgen import make_outline_pdf
from test_layout_pipeline import offline
from test_pipeline import run_index

from pageindex_tui.settings import Settings


def _sources(result) -> dict[str, str]:
    return {n["title"]: n["source"] for n in result.run.to_dict()["provenance"]["nodes"]}


def test_every_node_of_a_tree_split_at_layout_headings_says_where_it_came_from(tmp_path):
    path, _truth = layoutgen.make_long_sections(tmp_path, outline=True)
    result, _ = run_index(offline(max_pages_per_node=2, max_tokens_per_node=100), path, tmp_path / "out")
    assert result.ok, result.error
    assert result.run.facts.split_by_layout >= 2
    sources = _sources(result)
    assert all(sources.values()), sources  # no node without a source
    assert sources["2 Chapter 2"] == "outline" and sources["Topic 2B Observed"] == "split/layout"
    nodes = result.run.to_dict()["provenance"]["nodes"]
    assert all(0 < n["confidence"] <= 1 for n in nodes)


def test_every_node_of_a_tree_split_by_the_model_says_where_it_came_from(tmp_path):
    def answer(body: dict) -> Script:
        prompt = body["messages"][-1]["content"]
        first = re.search(r"<page (\d+)>", prompt)
        if first is None:
            return Script(answer="{}")
        page = int(first.group(1))
        line = re.search(rf"Page {page} line 2 on [^:]+", prompt)
        title = line.group(0) if line else f"Page {page}"
        return Script(answer=json.dumps({"sections": [{"title": title, "level": 1, "page": page}]}))

    with FakeVLLM(default=answer) as fake:
        settings = Settings(
            endpoint=fake.base_url, if_add_node_summary=False, max_pages_per_node=2, max_tokens_per_node=50
        )
        result, _ = run_index(settings, make_outline_pdf(tmp_path), tmp_path / "out")
    assert result.ok, result.error
    sources = _sources(result)
    assert all(sources.values()), sources
    assert "split/model" in sources.values() and sources["2 Methods"] == "outline"
