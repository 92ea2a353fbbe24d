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


async def test_the_log_and_our_stream_rate_after_a_real_run(llama_server, tmp_path):
    """Through the real llama-server: settings that do not work together (a reply cap above the context)
    are warned of in the run record, the row says so, `L` shows the record's log with the server that
    answered; our own count of the streamed tokens stands in for llama.cpp's flat counter in the gauges."""
    from pageindex_tui.ui.screens.runlog import LogScreen
    from pageindex_tui.ui.widgets.gauges import GaugesPane

    docs = tmp_path / "docs"
    docs.mkdir()
    shutil.copy(SAMPLE, docs / SAMPLE.name)
    settings = Settings(
        endpoint=llama_server.endpoint,
        thinking=False,
        if_add_node_summary=False,
        if_add_doc_description=True,  # one real streamed call
        context_length=1024,
        max_output_tokens=2048,  # not below the context: a settings warning
        max_retries=1,
        request_timeout=120,
    )
    app = make_app(tmp_path, docs, settings, probe=True, gauges=True)
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_for(pilot, lambda: app.server_info is not None, timeout=60, what="server answered")
        await highlight(pilot, SAMPLE.name)
        await pilot.press("i")
        state = app.model.states[str(docs / SAMPLE.name)]
        await wait_for(pilot, lambda: state.phase in ("indexed", "failed"), timeout=300, what="indexed")
        assert state.phase == "indexed", state.error
        meter = app.model.meter
        assert state.warned >= 1 and meter.total > 0  # we counted the streamed tokens
        last = meter.last
        app.model.clock = lambda: last  # time stands still just after the reply streamed
        await pilot.press("L")
        await wait_for(pilot, lambda: isinstance(app.screen, LogScreen), what="log")
        shown = app.screen
        sections = [str(w.render()) for w in shown.query(".log-section")]
        assert any(s.startswith("Settings that do not work together") for s in sections)
        facts = " ".join(str(w.render()) for w in shown.query(".log-facts"))
        assert "server llamacpp" in facts and "context 1,024 tokens (settings)" in facts
        entries = " ".join(str(w.render()) for w in shown.query(".log-entry"))
        assert "max_output_tokens = 2048 is not below context_length = 1024" in entries
        await pilot.press("escape")

        measured = meter.rate(last)
        assert measured is not None and measured > 0
        view = app.query_one(GaugesPane).servers[0]
        await wait_for(pilot, lambda: view.status.kind == "llamacpp", timeout=30, what="llama.cpp seen")
        # the gauges get our rate once a second and show it in place of llama.cpp's own counter
        shown_ours = lambda: view.rate_source == "app" and view.generation[-1] == measured  # noqa: E731
        await wait_for(pilot, shown_ours, timeout=30, what="our rate shown")
