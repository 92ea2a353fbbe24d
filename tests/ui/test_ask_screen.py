"""The Ask screen with a scripted model (the fake vLLM): a question asked, the nodes marked in the tree as
they are read, reasoning and answer streamed, a citation opened in the reader with its quote highlighted,
the session's questions kept per document; and the ways it can fail."""

from __future__ import annotations

import threading

import pytest
from askdocs import GOOD_ANSWER, file_harbor, kind, scripted
from fakes import FakeVLLM
from uikit import highlight, make_app, wait_for

from pageindex_tui.settings import Settings
from pageindex_tui.store.library import Library
from pageindex_tui.ui.screens.ask import AskScreen
from pageindex_tui.ui.screens.reader import ReaderScreen
from pageindex_tui.ui.widgets.index_tree import IndexTree

pytestmark = pytest.mark.asyncio

QUESTION = "How much did dredging the outer channel cost?"


def gated(model, gate: threading.Event):
    """The model, holding the answer call until `gate` is set (so a test sees the run half way)."""

    def reply(body):
        if kind(body) == "answer":
            gate.wait(60)
        return model(body)

    return reply


def settings(endpoint: str) -> Settings:
    return Settings(endpoint=endpoint, cache=False, max_retries=0)


async def open_ask(pilot, pdf) -> AskScreen:
    app = pilot.app
    await highlight(pilot, pdf.name)
    tree = app.query_one("#tree", IndexTree)
    await wait_for(pilot, lambda: len(tree.root.children) == 4, what="the saved tree")
    await pilot.press("A")
    await wait_for(pilot, lambda: isinstance(app.screen, AskScreen), what="the Ask screen")
    assert app.focused is app.screen.question_box
    return app.screen


async def ask(pilot, text: str) -> None:
    await pilot.press(*text)
    await pilot.press("enter")


async def test_ask_journey_marks_reads_streams_and_opens_a_citation(tmp_path):
    library = Library(tmp_path / "library")
    pdf = file_harbor(tmp_path / "docs", library)
    gate = threading.Event()
    model = scripted(picks=['{"nodes": ["0004"]}'], answers=[GOOD_ANSWER])
    with FakeVLLM(default=gated(model, gate)) as fake:
        app = make_app(tmp_path, tmp_path / "docs", settings(fake.base_url), library=library)
        try:
            async with app.run_test(size=(120, 40)) as pilot:
                screen = await open_ask(pilot, pdf)
                await ask(pilot, QUESTION)
                asks = app.model.asks
                question = asks.questions(str(pdf))[0]
                assert question.text == QUESTION and question.busy

                # half way: the answer call waits; the node read is marked in both trees already
                await wait_for(pilot, lambda: question.reads, what="a node read")
                assert question.busy and [r.node_id for r in question.reads] == ["0004"]
                assert screen.index_tree.marks == {"0004": "read"}
                shown = screen.index_tree.label_of("0004") or ""  # its branch was opened to show it
                assert shown.startswith("  ◆ 2.1 Dredging") and shown.endswith("p. 5  read")
                assert app.query_one("#tree", IndexTree).marks == {"0004": "read"}
                assert "Thinking about the pick." in screen.stream.text
                assert "read: 0004 2.1 Dredging" in screen.stream.text
                sent = [b["messages"][-1]["content"] for b in fake.requests if kind(b) == "pick"]
                assert sent and QUESTION in sent[0]  # the question went to the model

                gate.set()
                await wait_for(pilot, lambda: question.phase == "answered", what="the answer")
                await wait_for(pilot, lambda: screen.citations.option_count == 1, what="citations")
                assert "Dredging the outer channel cost 9 million euros [1]." in screen.stream.text
                assert "Sources:" not in screen.stream.text  # the citations come checked, below
                status = str(screen.query_one("#ask-status").render())
                assert status.startswith("Answered: read 1 node") and "1/1 citations verified" in status
                assert "✓" in str(screen.citations.get_option_at_index(0).prompt)
                assert screen.index_tree.marks == {"0004": "read · [1]✓"}
                # the calls are calls like any other: in the calls table, named after the document
                assert {r.doc for r in app.model.calls.records.values()} == {question.run}

                screen.citations.focus()
                await pilot.press("enter")  # the citation: its node, its page, the quote highlighted
                await wait_for(pilot, lambda: isinstance(app.screen, ReaderScreen), what="the reader")
                reader = app.screen.reader
                await wait_for(pilot, lambda: not reader.view.content.empty, what="the cited page")
                view = reader.view
                assert view.content.cited == {5} and view.top_unit == 5
                start, end = view.quote
                assert view.content.text[start:end] == "Dredging the outer channel cost 9 million euros"
                assert "cited passage highlighted" in str(reader.query_one(".reader-status").render())
                assert app.focused is view
                await pilot.press("escape")
                await wait_for(pilot, lambda: app.screen is screen, what="back on the Ask screen")
                assert screen.index_tree.cursor_node.data.node.node_id == "0004"

                # a second question: the session keeps both, per document
                screen.question_box.focus()
                await ask(pilot, "What is planned for 2026?")
                await wait_for(pilot, lambda: len(asks.questions(str(pdf))) == 2, what="second question")
                second = asks.questions(str(pdf))[1]
                await wait_for(pilot, lambda: not second.busy, what="second answer")
                box = screen.query_one("#ask-questions")
                assert box.option_count == 2
                box.focus()
                box.highlighted = 0
                await pilot.press("enter")  # the first question again, its answer and citations
                await wait_for(pilot, lambda: asks.on_show(str(pdf)) is question, what="first on show")
                assert f"Q1: {QUESTION}" in screen.stream.text and "9 million euros [1]" in screen.stream.text

                await pilot.press("escape")  # back to the main screen: the tree is on the cited node
                await wait_for(pilot, lambda: not isinstance(app.screen, AskScreen), what="main screen")
                main_tree = app.query_one("#tree", IndexTree)
                await wait_for(
                    pilot, lambda: main_tree.cursor_node.data.node.node_id == "0004", what="cursor"
                )
                await pilot.press("A")  # and the questions are still there
                await wait_for(pilot, lambda: isinstance(app.screen, AskScreen), what="the Ask screen again")
                again = app.screen
                assert again.query_one("#ask-questions").option_count == 2
                assert again.index_tree.label_of("0004") is not None  # what was read is in view again
        finally:
            gate.set()


async def test_a_rewritten_answer_replaces_the_one_streamed(tmp_path):
    library = Library(tmp_path / "library")
    pdf = file_harbor(tmp_path / "docs", library)
    bad = 'It cost 5 million euros [1].\n\nSources:\n[1] 0004, page 2: "5 million euros"'
    model = scripted(picks=['{"nodes": ["0004"]}'], answers=[bad, GOOD_ANSWER])
    with FakeVLLM(default=model) as fake:
        app = make_app(tmp_path, tmp_path / "docs", settings(fake.base_url), library=library)
        async with app.run_test(size=(120, 40)) as pilot:
            screen = await open_ask(pilot, pdf)
            await ask(pilot, QUESTION)
            question = app.model.asks.questions(str(pdf))[0]
            await wait_for(pilot, lambda: question.phase == "answered", what="the answer")
            await pilot.pause(0.1)
            text = screen.stream.text
            assert "5 million" not in text and "9 million euros [1]" in text
            assert "the answer is written again: source [1]: page 2 was not read" in text
            assert question.result.citations[0].verified


async def test_a_server_that_is_down_fails_the_question_clearly(tmp_path):
    library = Library(tmp_path / "library")
    pdf = file_harbor(tmp_path / "docs", library)
    app = make_app(tmp_path, tmp_path / "docs", settings("http://127.0.0.1:9/v1"), library=library)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_ask(pilot, pdf)
        await ask(pilot, QUESTION)
        question = app.model.asks.questions(str(pdf))[0]
        await wait_for(pilot, lambda: question.phase == "failed", timeout=60, what="the failure")
        status = str(screen.query_one("#ask-status").render())
        assert status.startswith("Failed: ") and "127.0.0.1:9" in status
        assert "Check:" in status and screen.query_one("#ask-status").has_class("-failed")
        assert app.query_one("#banner").has_class("-visible")  # as an indexing run would show it
        assert app.model.asks.questions(str(pdf))[0].summary().endswith("✗")
        await pilot.press("escape")
        assert not isinstance(app.screen, AskScreen)


async def test_a_running_question_can_be_stopped(tmp_path):
    library = Library(tmp_path / "library")
    pdf = file_harbor(tmp_path / "docs", library)
    gate = threading.Event()
    model = scripted(picks=['{"nodes": ["0004"]}'], answers=[GOOD_ANSWER])
    with FakeVLLM(default=gated(model, gate)) as fake:
        app = make_app(tmp_path, tmp_path / "docs", settings(fake.base_url), library=library)
        try:
            async with app.run_test(size=(120, 40), notifications=True) as pilot:
                screen = await open_ask(pilot, pdf)
                await ask(pilot, QUESTION)
                question = app.model.asks.questions(str(pdf))[0]
                await wait_for(pilot, lambda: question.reads, what="reading")
                await ask(pilot, "another one")  # one question at a time
                await wait_for(
                    pilot, lambda: any("Still answering" in n.message for n in app.notices), what="note"
                )
                assert len(app.model.asks.questions(str(pdf))) == 1
                await pilot.press("ctrl+g")
                await wait_for(pilot, lambda: question.phase == "cancelled", what="stopped")
                assert str(screen.query_one("#ask-status").render()) == "Stopped."
        finally:
            gate.set()


async def test_ask_needs_an_indexed_document(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "notes.md").write_text("# Notes\n\nText.\n")
    app = make_app(tmp_path, docs, settings("http://127.0.0.1:9/v1"))
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await highlight(pilot, "notes.md")
        await wait_for(pilot, lambda: app.model.state(str(docs / "notes.md")).phase == "none", what="state")
        await pilot.press("A")
        await wait_for(pilot, lambda: any("has no index yet" in n.message for n in app.notices), what="note")
        assert not isinstance(app.screen, AskScreen)
        assert any("press i to index it" in n.message for n in app.notices)
