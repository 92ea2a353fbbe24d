"""The calls model (workbench/calls.py, callview.py): retried attempts fold into their call, the filter
finds calls by document, purpose, state and error text, the sort orders by any column, and a call is told
in one line (the CLI's --verbose) and in facts (the app's detail)."""

from __future__ import annotations

from pageindex_tui import events
from pageindex_tui.workbench.calls import CallBook
from pageindex_tui.workbench.callview import SORTS, CallQuery, call_facts, call_line, timings

A, B = "/docs/annual-report.pdf", "/docs/notes.md"
ERROR_500 = "the model server at http://gpu:8000/v1 answered 500: EngineCore encountered an issue"


def feed(book: CallBook, items: list[tuple[float, events.Event]]) -> None:
    for now, event in items:
        book.see(event, now)


def retried_call(book: CallBook) -> None:
    """A's summary: attempt 1 fails with a 500 after 2 s, attempt 2 answers."""
    feed(
        book,
        [
            (10.0, events.CallQueued(A, 1, "summarize 0003 Risk factors", 900)),
            (10.5, events.CallStarted(A, 1, "summarize 0003 Risk factors", 900)),
            (11.0, events.ReasoningDelta(A, 1, "Looking at")),
            (12.5, events.CallFinished(A, 1, "retry", 900, seconds=2.0, error=ERROR_500)),
            (13.0, events.CallQueued(A, 2, "summarize 0003 Risk factors", 900, retry_of=1)),
            (14.0, events.CallStarted(A, 2, "summarize 0003 Risk factors", 900)),
            (14.25, events.AnswerDelta(A, 2, "The risks")),
            (16.0, events.CallFinished(A, 2, "ok", 910, 40, 0, 0.3, 2.0)),
        ],
    )


def test_a_retried_attempt_folds_into_its_call():
    book = CallBook()
    retried_call(book)
    assert len(book) == 1
    record = book.newest
    assert record is not None and record.phase == "ok" and record.call_id == 2
    assert book.get(A, 2) is record and book.get(A, 1) is None
    assert [(r.call_id, r.queued, r.sent, r.seconds, r.error) for r in record.retries] == [
        (1, 10.0, 10.5, 2.0, ERROR_500)
    ]
    assert (record.queued_at, record.tried_at, record.sent_at, record.ended_at) == (10.0, 13.0, 14.0, 16.0)
    assert (record.prompt_tokens, record.completion_tokens, record.ttft) == (910, 40, 0.3)
    # the text keeps both attempts, the retry's error between them
    assert [kind for kind, _ in record.pieces] == ["reasoning", "error", "answer"]
    assert record.pieces[1][1] == f"\n✗ retry 1: {ERROR_500}\n"


def test_a_new_call_with_the_same_purpose_is_a_row_of_its_own():
    book = CallBook()
    feed(
        book,
        [
            (0.0, events.CallQueued(A, 1, "verify titles", 100)),
            (0.0, events.CallFinished(A, 1, "retry", 100, error="timeout")),
            (1.0, events.CallQueued(A, 2, "verify titles", 100)),  # no retry_of: another call
            (1.0, events.CallQueued(B, 3, "verify titles", 100, retry_of=1)),  # another document's id 1
        ],
    )
    assert len(book) == 3 and all(not r.retries for r in list(book.records.values())[1:])


def test_ttft_counts_while_it_streams_and_the_server_figure_wins():
    book = CallBook()
    feed(book, [(5.0, events.CallQueued(A, 1, "p", 10)), (6.0, events.CallStarted(A, 1, "p", 10))])
    record = book.get(A, 1)
    assert record is not None and record.ttft is None
    book.see(events.AnswerDelta(A, 1, "x"), 6.75)
    assert record.ttft == 0.75 and record.phase == "running"
    book.see(events.CallFinished(A, 1, "ok", 10, 3, 0, 0.5, 1.0), 7.0)
    assert record.ttft == 0.5


def test_a_cached_reply_has_no_ttft_and_no_queue():
    book = CallBook()
    feed(
        book,
        [
            (1.0, events.CallStarted(A, 7, "summarize 0001", 50)),
            (1.0, events.AnswerDelta(A, 7, "cached text")),
            (1.0, events.CallFinished(A, 7, "cached", 50, 5, 0, None, 0.0)),
        ],
    )
    record = book.get(A, 7)
    assert record is not None and record.phase == "cached" and record.ttft is None


def test_the_book_stays_bounded_with_retries_folded():
    book = CallBook(max_calls=5, max_texts=2)
    for n in range(1, 41, 2):  # 20 calls, each retried once
        feed(
            book,
            [
                (n, events.CallQueued(A, n, f"summarize {n:04d}", 10)),
                (n, events.CallFinished(A, n, "retry", 10, error="503")),
                (n, events.CallQueued(A, n + 1, f"summarize {n:04d}", 10, retry_of=n)),
                (n, events.CallFinished(A, n + 1, "ok", 10, 1)),
            ],
        )
    assert len(book) == 5 and len(book.take_removed()) == 15
    assert all(len(r.retries) == 1 for r in book.records.values())
    assert book.get(A, 2) is None and book.get(A, 40) is not None  # dropped calls are forgotten


def some_calls() -> list:
    book = CallBook()
    retried_call(book)  # serial 1: A, ok after a retry, 910 in
    feed(
        book,
        [
            (20.0, events.CallQueued(B, 5, "summarize 0001 Setup", 300)),
            (20.0, events.CallStarted(B, 5, "summarize 0001 Setup", 300)),
            (21.0, events.CallFinished(B, 5, "error", 300, seconds=1.0, error="past the deadline of 30 s")),
            (22.0, events.CallQueued(A, 6, "find sections, pages 1-20", 5000)),
            (22.0, events.CallStarted(A, 6, "find sections, pages 1-20", 5000)),
            (22.0, events.CallQueued(B, 7, "describe the document", 200)),
        ],
    )
    return list(book.records.values())


def serials(records) -> list[int]:
    return [r.serial for r in records]


def test_the_filter_finds_calls_by_document_purpose_state_and_error_text():
    records = some_calls()
    assert serials(CallQuery("notes").select(records, 30.0)) == [2, 4]
    assert serials(CallQuery("SUMMARIZE").select(records, 30.0)) == [1, 2]
    assert serials(CallQuery("queue").select(records, 30.0)) == [4]  # the table's word
    assert serials(CallQuery("queued").select(records, 30.0)) == [4]  # the phase
    assert serials(CallQuery("deadline").select(records, 30.0)) == [2]  # the error text
    assert serials(CallQuery("engine").select(records, 30.0)) == [1]  # a retried attempt's error
    assert serials(CallQuery("retried").select(records, 30.0)) == [1]
    assert serials(CallQuery("annual summarize").select(records, 30.0)) == [1]  # every word
    assert CallQuery("nothing-like-it").select(records, 30.0) == []
    assert serials(CallQuery("").select(records, 30.0)) == [1, 2, 3, 4]


def test_the_sort_cycles_columns_numbers_largest_first():
    records = some_calls()
    query = CallQuery()
    seen = []
    for _ in SORTS:
        seen.append(query.sort)
        query.next_sort()
    assert seen == list(SORTS) and query.sort == "#"
    assert serials(CallQuery(sort="in").select(records, 30.0)) == [3, 1, 2, 4]
    assert serials(CallQuery(sort="in", descending=True).select(records, 30.0)) == [4, 2, 1, 3]
    assert serials(CallQuery(sort="doc").select(records, 30.0)) == [1, 3, 2, 4]  # ties keep start order
    assert serials(CallQuery(sort="state").select(records, 30.0)) == [3, 4, 2, 1]  # live first
    # a live call's seconds so far: 8 s for the one sent at 22, the queued one too
    assert serials(CallQuery(sort="secs").select(records, 30.0)) == [3, 4, 1, 2]
    assert serials(CallQuery(sort="retries").select(records, 30.0))[0] == 1
    assert serials(CallQuery(sort="error").select(records, 30.0)) == [2, 1, 3, 4]  # no error: last
    assert serials(CallQuery(sort="ttft").select(records, 30.0)) == [1, 2, 3, 4]  # only 1 has one
    assert serials(CallQuery("summarize", sort="#", descending=True).select(records, 30.0)) == [2, 1]


def test_a_finished_call_in_one_line_and_in_facts():
    book = CallBook()
    retried_call(book)
    record = book.newest
    assert record is not None
    line = call_line(record)
    assert line == (
        "annual-report.pdf · summarize 0003 Risk factors · ok after 1 retry · 910 in, 40 out · "
        f"queued 1.00 s, ttft 0.30 s, 2.00 s, 6.00 s in all · retry 1: {ERROR_500}"
    )
    facts = dict(call_facts(record, model="Qwen/Qwen3-8B"))
    assert facts["document"] == A and facts["model"] == "Qwen/Qwen3-8B"
    assert facts["prompt"] == "910 tokens" and facts["reply"] == "40 tokens"
    assert facts["state"] == "ok after 1 retry"
    facts = dict(timings(record, 30.0))
    assert facts["sent"] == "+4.00 s (1.00 s waiting for a place)"
    assert facts["first token"] == "+4.30 s (ttft 0.30 s)"
    assert facts["finished"] == "+6.00 s (2.00 s at the server)"
    assert facts["tried again"] == "+3.00 s (attempt 2)"


def test_text_from_outside_is_literal_in_the_line():
    book = CallBook()
    feed(
        book,
        [
            (0.0, events.CallStarted(A, 1, "summarize \x1b[31mred", 10)),
            (1.0, events.CallFinished(A, 1, "error", 10, seconds=1.0, error="bad\nreply [bold]x[/bold]")),
        ],
    )
    record = book.newest
    assert record is not None
    line = call_line(record)
    assert "^[[31mred" in line and "\x1b" not in line and "\n" not in line
    assert line.endswith("error: bad reply [bold]x[/bold]")


def verbose_progress(verbose: bool = True):
    import io

    from rich.console import Console

    from pageindex_tui.cli.progress import CliProgress

    out = io.StringIO()
    return CliProgress(console=Console(file=out, width=300), verbose=verbose), out


def test_the_cli_verbose_prints_a_line_per_call_when_it_ends_for_good():
    progress, out = verbose_progress()
    for event in (
        events.CallQueued(A, 1, "summarize 0003 Risk factors", 900),
        events.CallStarted(A, 1, "summarize 0003 Risk factors", 900),
        events.CallFinished(
            A, 1, "retry", 900, seconds=2.0, error="http://user:secret@gpu:8000/v1 answered 500"
        ),
    ):
        progress.handle(event)
    assert out.getvalue() == ""  # a retried attempt waits for its call
    answer = progress.tee(lambda event: None)  # a question's events reach the lines this way
    for event in (
        events.CallQueued(A, 2, "summarize 0003 Risk factors", 900, retry_of=1),
        events.CallStarted(A, 2, "summarize 0003 Risk factors", 900),
        events.CallFinished(A, 2, "ok", 910, 40, 0, 0.3, 2.0),
    ):
        answer(event)
    progress.handle(events.CallQueued(B, 3, "describe the document", 100))
    progress.handle(events.CallFinished(B, 3, "cancelled", 100))
    lines = out.getvalue().splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("call annual-report.pdf · summarize 0003 Risk factors · ok after 1 retry · ")
    assert "910 in, 40 out" in lines[0] and "ttft 0.30 s" in lines[0]
    assert "retry 1: http://user:***@gpu:8000/v1 answered 500" in lines[0] and "secret" not in lines[0]
    assert lines[1] == "call notes.md · describe the document · cancelled · 100 in, 0 out"


def test_without_verbose_no_call_lines():
    progress, out = verbose_progress(verbose=False)
    progress.handle(events.CallStarted(A, 1, "p", 10))
    progress.handle(events.CallFinished(A, 1, "ok", 10, 1, 0, 0.1, 0.2))
    assert out.getvalue() == ""
