"""One journey through a real llama-server (SmolLM2 on loopback): index a sample PDF from the documents
pane and see its tree. Summaries are off so it is quick (the PDF's outline gives the structure); the
document description is one real streamed call."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from uikit import highlight, make_app, wait_for

from pageindex_tui.settings import Settings
from pageindex_tui.ui.widgets.index_tree import IndexTree

SAMPLE = Path(__file__).resolve().parents[2] / "sample_docs" / "reg-bi-interpretive-release.pdf"

pytestmark = [pytest.mark.integration, pytest.mark.asyncio]


async def test_index_a_sample_pdf_against_llama_server(llama_server, tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    shutil.copy(SAMPLE, docs / SAMPLE.name)
    settings = Settings(
        endpoint=llama_server.endpoint,
        thinking=False,
        if_add_node_summary=False,
        if_add_doc_description=True,  # one real model call, streamed into the stream pane
        max_output_tokens=160,
        max_retries=1,
        request_timeout=120,
    )
    app = make_app(tmp_path, docs, settings, probe=True)
    async with app.run_test(size=(120, 40)) as pilot:
        banner = app.query_one("#banner")
        await wait_for(pilot, lambda: app.server_info is not None, timeout=60, what="server answered")
        assert not banner.has_class("-visible")
        await highlight(pilot, SAMPLE.name)
        await pilot.press("i")
        state = app.model.states[str(docs / SAMPLE.name)]
        await wait_for(pilot, lambda: state.phase in ("indexed", "failed"), timeout=300, what="indexed")
        assert state.phase == "indexed", state.error
        tree = app.query_one("#tree", IndexTree)
        await wait_for(pilot, lambda: len(tree.root.children) >= 3, what="tree")
        assert state.nodes >= 8 and app.model.shown is not None and app.model.shown.source == "outline"
        await pilot.press("2")
        await wait_for(pilot, lambda: tree.cursor_node is not None, what="cursor")
        assert tree.cursor_node.data.node.node_id == "0000"
        assert len(app.model.calls) >= 1 and app.model.calls.newest.phase in ("ok", "cached")
        assert app.model.shown.result and app.model.shown.result.get("doc_description")
