"""The Ask screen's model without Textual: ask events in, questions, stream pieces, tree marks out; and the
reader's text model (pages, lines, search, where a cited quote lies)."""

from __future__ import annotations

import subprocess
import sys

from pageindex_tui import events
from pageindex_tui.ask.types import AskResult, Citation, NodeRead
from pageindex_tui.export import NodeText
from pageindex_tui.ui.keys import shown_key
from pageindex_tui.workbench.asking import AskFailed
from pageindex_tui.workbench.handler import EngineHandler
from pageindex_tui.workbench.reading import ReaderText
from pageindex_tui.workbench.state import ServerNotice, Workbench

DOC = "/docs/harbor.pdf"


def asked(text: str = "How much did dredging cost?"):
    model = Workbench()
    model.select(DOC)
    question = model.asks.start(DOC, text)
    return model, EngineHandler(model, shown_key), question


def result(question: str, citations: list[Citation], reads: list[NodeRead]) -> AskResult:
    return AskResult(question, "It cost 9 million euros [1].", citations, reads, ["harbor.pdf"], rounds=1)


def test_the_ask_model_loads_without_textual_rich_or_the_ask_engine():
    code = (
        "import sys, pageindex_tui.workbench.asking, pageindex_tui.workbench.ask_handler, "
        "pageindex_tui.workbench.reading; "
        "print(sorted({'textual', 'rich', 'pageindex_tui.ask', 'pageindex_tui.llm'} & set(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_a_question_streams_marks_its_reads_and_keeps_its_calls_as_calls():
    model, handler, question = asked()
    run = question.run
    read = NodeRead("harbor.pdf", "0004", "2.1 Dredging", (5,), 1)
    changes = handler.apply(
        [
            events.AskStarted(run, question.text, ("harbor.pdf",)),
            events.CallStarted(run, 1, "ask: pick nodes", 300),
            events.ReasoningDelta(run, 1, "The dredging section. "),
            events.AnswerDelta(run, 1, '{"nodes": ["0004"]}'),  # the pick's JSON is not the answer
            events.CallFinished(run, 1, "ok", 300, 20),
            events.AskProgress(run, "pick", 1, "0004"),
            events.AskRead(run, 1, (read,)),
        ]
    )
    assert question.reads == [read] and question.marks() == {"0004": "read"}
    assert DOC in changes.ask.marks and model.asks.marks(DOC) == {"0004": "read"}
    assert [k for k, _t in question.pieces] == ["note", "reasoning", "note"]
    assert "pick: 0004" in question.pieces[-1][1] and "read: 0004 2.1 Dredging (1)" in question.pieces[-1][1]
    assert (run, "reasoning", "The dredging section. ") in changes.ask.appends
    assert len(model.calls) == 1 and model.calls.newest.doc == run  # the calls table shows it
    assert run not in model.states and DOC not in changes.docs  # a question is not a document run
    assert question.busy and question.step.startswith("choosing")


def test_a_rewritten_answer_drops_what_was_shown_and_the_result_marks_citations():
    _model, handler, question = asked()
    run = question.run
    changes = handler.apply([events.AskAnswerDelta(run, "It cost 5 million.")])
    assert changes.ask.appends == [(run, "answer", "It cost 5 million.")] and not changes.ask.redraw
    changes = handler.apply([events.AskAnswerRetry(run, "page 2")])
    assert changes.ask.redraw == {run}  # the screen draws the question again, without the dropped answer
    handler.apply([events.AskAnswerDelta(run, "It cost 9 million euros [1].")])
    answers = [t for k, t in question.pieces if k == "answer"]
    assert answers == ["It cost 9 million euros [1]."]
    assert any("written again: page 2" in t for k, t in question.pieces if k == "note")
    reads = [
        NodeRead("harbor.pdf", "0004", "2.1 Dredging", (5,), 1),
        NodeRead("harbor.pdf", "0003", "2", (4,), 2),
    ]
    cited = [
        Citation("harbor.pdf", "0004", (5,), "9 million", True, "", "1"),
        Citation("harbor.pdf", "0003", (4,), "nine", False, "not found", "2"),
    ]
    changes = handler.apply([events.AskFinished(run, result(question.text, cited, reads))])
    assert question.phase == "answered" and run in changes.ask.runs
    assert question.marks() == {"0004": "read · [1]✓", "0003": "read r2 · [2]✗"}
    assert question.status().startswith("Answered: read 2 nodes in 1 round(s) · 1/2 citations verified")
    assert question.summary().endswith("✓1/2")
    question.result = result(question.text, [], reads)
    assert "no citations" in question.status() and question.summary().endswith("(no citations)")


def test_a_failed_question_says_why_and_a_server_failure_raises_the_banner():
    model, handler, question = asked()
    changes = handler.apply([AskFailed(question.run, "cannot reach the model server", "start it", "server")])
    assert question.phase == "failed"
    assert changes.banner == ServerNotice("cannot reach the model server", "start it")
    assert question.status() == "Failed: cannot reach the model server\nCheck: start it"
    second = model.asks.start(DOC, "And the cargo?")
    handler.apply([AskFailed(second.run, "stopped", cancelled=True)])
    assert second.phase == "cancelled" and second.status() == "Stopped."
    assert [q.number for q in model.asks.questions(DOC)] == [1, 2] and model.asks.on_show(DOC) is second
    assert model.asks.show(DOC, 1) is question and model.asks.running(DOC) is None


def test_reader_text_lays_out_pages_and_finds_quotes_and_matches():
    text = NodeText(
        "page",
        ((4, "Revenue was 52 million.\nCosts rose."), (5, "Dredging cost 9 mil-\nlion euros."), (6, "")),
        "pages 4-6",
    )
    reader = ReaderText(text, cited=(5,))
    assert [(line.kind, line.text, line.unit) for line in reader.lines] == [
        ("rule", "── page 4 ──", 4),
        ("text", "Revenue was 52 million.", 4),
        ("text", "Costs rose.", 4),
        ("rule", "── page 5 ── cited", 5),
        ("text", "Dredging cost 9 million", 5),  # a line-end hyphen's break joined (issue 22)
        ("text", "euros.", 5),
        ("rule", "── page 6 ──", 6),
        ("note", "(no text on this page)", 6),
    ]
    start, end = reader.locate("dredging cost 9 million euros", (5,))
    assert reader.text[start:end] == "Dredging cost 9 million\neuros"
    assert reader.locate("52 million", (5,)) is not None  # not on the cited page: found elsewhere
    assert reader.locate("the bank of england", (5,)) is None
    assert [reader.text[a:b] for a, b in reader.find("MILLION")] == ["million", "million"]
    assert reader.lines[reader.line_of(reader.unit_start(5))].text.startswith("── page 5")
    assert reader.unit_start(7) is None and reader.units == [4, 5, 6]


def test_reader_text_is_literal_and_counts_markdown_lines():
    text = NodeText(
        "line", ((12, "# [bold]Title[/bold]"), (13, "bell \x07 and \x1b[31m red\tend")), "lines from 12"
    )
    reader = ReaderText(text)
    assert reader.unit_word == "line" and reader.units == [12, 13]
    assert reader.lines[0].text == "# [bold]Title[/bold]"
    assert reader.lines[1].text == "bell ^G and ^[[31m red    end"
    assert ReaderText(None, "cannot read it").lines[0].kind == "note" and ReaderText().empty


def test_the_status_says_where_a_call_of_the_question_waits_then_that_it_runs():
    _model, handler, question = asked()
    run = question.run
    changes = handler.apply(
        [
            events.AskProgress(run, "pick", 1),
            events.CallQueued(run, 7, "ask: pick nodes", 300, ahead=0, busy=4, places=4),
        ]
    )
    assert run in changes.ask.runs
    assert question.status() == (
        "Asking: choosing the sections to read · queued: next free place of 4, all busy ..."
    )
    handler.apply([events.CallStarted(run, 7, "ask: pick nodes", 300)])
    assert question.status() == "Asking: choosing the sections to read ..."
    handler.apply(
        [events.CallQueued(run, 8, "ask: answer", 300, ahead=0, busy=1, places=4)]
    )  # a place is free: no wait
    assert "queued" not in question.status()


def test_an_answer_that_read_nothing_or_was_cut_says_so_and_a_marker_without_source_is_listed():
    _model, handler, question = asked()
    flagged = Citation("", "", (), "", False, "the answer marks [2] but lists no source [2]", "2")
    done = result(question.text, [flagged], [])
    done.cut = True
    handler.apply([events.AskFinished(question.run, done)])
    status = question.status()
    assert "⚠ read no node" in status and "⚠ cut at the token limit" in status
    assert "0/1 citations verified" in status and question.summary().endswith("✓0/1")
