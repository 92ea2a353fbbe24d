"""Journeys through a real llama-server (SmolLM2 on loopback): index a sample PDF from the documents pane
and see its tree (summaries off, so it is quick: the PDF's outline gives the structure; the document
description is one real streamed call); and ask a filed tree a question from the Ask screen."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from askdocs import file_harbor
from uikit import filed_partial, highlight, make_app, wait_for

from pageindex_tui.settings import Settings
from pageindex_tui.store.library import Library
from pageindex_tui.ui.screens.ask import AskScreen
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
        assert app.model.shown.tree.description


def long_markdown(sections: int) -> str:
    """Headings give the structure (no model); each section (about 300 tokens) needs a model summary."""
    topics = ["storage", "networking", "scheduling", "monitoring", "billing", "security", "backups", "alerts"]
    parts = ["# Operations Notes\n"]
    for i in range(sections):
        topic = topics[i % len(topics)]
        rules = " ".join(
            f"Rule {j} of {topic}: the team reviews item {j} weekly, figure {i * 100 + j}." for j in range(20)
        )
        parts.append(f"## {i + 1} {topic.title()}\n\n{rules}\n")
    return "\n".join(parts)


async def test_an_outage_mid_summaries_keeps_the_partial_index_and_it_resumes_on_the_same_port(
    own_llama_server, tmp_path
):
    """Issue 13, item 1, through the real llama-server: it is killed mid-summaries and started again on the
    same port; the tree and the finished summaries stay (as a partial index), the banner clears by itself
    and the run resumes (resume_on_reconnect), asking only for the summaries that were missing."""
    import asyncio

    from pageindex_tui.index.tree import walk

    server = own_llama_server
    sections = 5  # the kill comes after 2 summaries (one call at a time): 2 to 4 kept, 1 to 3 resumed
    docs = tmp_path / "docs"
    docs.mkdir()
    path = docs / "ops.md"
    path.write_text(long_markdown(sections), encoding="utf-8")
    settings = Settings(
        endpoint=server.endpoint,
        thinking=False,
        max_output_tokens=64,
        max_retries=1,
        concurrency=1,
        request_timeout=120,
        resume_on_reconnect=True,
        server_wait=0,  # calls fail at once rather than wait (issue 22's default): the partial path
    )
    app = make_app(tmp_path, docs, settings, probe=True, gauges=True)  # the gauges watch /health
    async with app.run_test(size=(120, 40)) as pilot:
        banner = app.query_one("#banner")
        await wait_for(pilot, lambda: app.server_info is not None, timeout=120, what="server answered")
        await highlight(pilot, path.name)
        await pilot.press("i")
        state = app.model.states[str(path)]

        def summarized() -> int:  # by the model: the title node's own text is its own summary
            shown = app.model.shown
            return sum(1 for n in walk(shown.nodes) if n.summary and n.node_id != "0000") if shown else 0

        await wait_for(pilot, lambda: summarized() >= 2 or not state.busy, timeout=600, what="2 summaries")
        assert state.busy, state.describe("i")  # mid-summaries
        await asyncio.to_thread(server.kill)  # as a crash would
        await wait_for(pilot, lambda: filed_partial(state), timeout=300, what="partial kept")

        kept = summarized()
        assert 2 <= kept < sections and state.partial is not None and state.partial.reason == "server"
        assert state.badge()[0].startswith(
            "◑ partial"
        ) and f"partial: {kept + 1}/{sections + 1}" in state.describe("i")
        assert len(app.query_one("#tree", IndexTree).nodes) == 1  # the tree stays on show
        assert banner.has_class("-visible")
        entry = app.library.find_partial(app.library.digest(path), settings)
        assert entry is not None and entry.partial == state.partial
        before = [n.summary for n in walk(app.model.shown.nodes)]

        gauges = app.query_one("#gauges-pane")
        await wait_for(pilot, lambda: gauges.servers[0].status.state != "up", timeout=60, what="seen down")
        await asyncio.to_thread(server.start)  # the same port
        await wait_for(pilot, lambda: not banner.has_class("-visible"), timeout=180, what="banner cleared")
        await wait_for(pilot, lambda: state.phase == "indexed", timeout=600, what="resumed and finished")
        after = [n.summary for n in walk(app.model.shown.nodes)]
        assert all(after) and [a for a, b in zip(after, before, strict=True) if b] == [b for b in before if b]
        run = app.model.shown.run
        assert (
            run is not None and run.resumed.startswith("partial: ") and run.llm.calls <= sections - kept + 1
        )
        assert app.library.find_partial(app.library.digest(path), settings) is None


async def test_ask_a_question_from_the_ask_screen_against_llama_server(llama_server, tmp_path):
    """The mechanics, whatever the tiny model answers: the question goes out, the nodes read are marked,
    and an answer with checked citations or a clear failure is shown; nothing crashes."""
    library = Library(tmp_path / "library")
    pdf = file_harbor(tmp_path / "docs", library)
    settings = Settings(
        endpoint=llama_server.endpoint,
        thinking=False,
        max_output_tokens=128,
        max_retries=1,
        request_timeout=300,
        cache=False,
    )
    app = make_app(tmp_path, tmp_path / "docs", settings, library=library)
    async with app.run_test(size=(120, 40)) as pilot:
        await highlight(pilot, pdf.name)
        tree = app.query_one("#tree", IndexTree)
        await wait_for(pilot, lambda: len(tree.root.children) == 4, what="the saved tree")
        await pilot.press("A")
        await wait_for(pilot, lambda: isinstance(app.screen, AskScreen), what="the Ask screen")
        screen = app.screen
        await pilot.press(*"How much did dredging the outer channel cost?", "enter")
        question = app.model.asks.questions(str(pdf))[0]
        await wait_for(pilot, lambda: not question.busy, timeout=900, what="the answer or a failure")

        calls = [r for r in app.model.calls.records.values() if r.doc == question.run]
        assert calls and calls[0].purpose.startswith("ask: pick nodes")  # the question went to the server
        assert all(r.phase != "running" for r in calls)
        status = str(screen.query_one("#ask-status").render())
        if question.phase == "answered":
            assert question.reads, "something is always read: the model's pick or the closest titles"
            marked = {r.node_id for r in question.reads}
            assert marked <= set(screen.index_tree.marks) and marked <= set(tree.marks)  # both trees
            assert status.startswith("Answered: read ")
            for citation in question.citations:  # verified or marked, never dropped
                assert citation.verified or citation.problem
            assert screen.citations.option_count == max(1, len(question.citations))
        else:
            assert question.phase == "failed" and question.error and status.startswith("Failed: ")
        assert app.screen is screen and app.return_code is None


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
