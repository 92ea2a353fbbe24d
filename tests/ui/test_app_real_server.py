"""Journeys through a real llama-server (SmolLM2 on loopback): index a sample PDF from the documents pane
and see its tree (summaries off, so it is quick: the PDF's outline gives the structure; the document
description is one real streamed call); and ask a filed tree a question from the Ask screen."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from askdocs import file_harbor
from uikit import highlight, make_app, wait_for

from pageindex_tui.library import Library
from pageindex_tui.settings import Settings
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
        assert app.model.shown.result and app.model.shown.result.get("doc_description")


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
            assert marked <= set(screen.tree.marks) and marked <= set(tree.marks)  # both trees
            assert status.startswith("Answered: read ")
            for citation in question.citations:  # verified or marked, never dropped
                assert citation.verified or citation.problem
            assert screen.citations.option_count == max(1, len(question.citations))
        else:
            assert question.phase == "failed" and question.error and status.startswith("Failed: ")
        assert app.screen is screen and app.return_code is None
