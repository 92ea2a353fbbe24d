"""The batch meter on scripted event sequences: tokens estimated and done, rate, ETA, limit."""

from __future__ import annotations

import pytest

from pageindex_tui import events
from pageindex_tui.jobs.batch import MIN_RATE_SPAN, RATE_WINDOW, BatchMeter, count_text, eta_text
from pageindex_tui.jobs.service import JobUpdate


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def finished(doc: str, call_id: int, prompt: int, completion: int, outcome="ok") -> events.CallFinished:
    return events.CallFinished(doc, call_id, outcome, prompt, completion, seconds=1.0)


def started(doc: str, call_id: int) -> events.CallStarted:
    return events.CallStarted(doc, call_id, "summarize", 10)


@pytest.fixture
def meter_and_clock():
    clock = Clock()
    return BatchMeter(clock), clock


def test_several_documents_give_tokens_rate_and_eta(meter_and_clock):
    meter, clock = meter_and_clock
    meter.expect(["a.pdf", "b.pdf"])
    meter.see(events.WorkEstimate("a.pdf", 10_000))
    meter.see(events.WorkEstimate("b.pdf", 30_000))
    reading = meter.reading()
    assert (reading.documents, reading.ended, reading.estimated, reading.done) == (2, 0, 40_000, 0)
    assert reading.rate is None and reading.eta is None  # nothing finished yet: nothing to say

    meter.see(started("a.pdf", 1))
    meter.see(started("b.pdf", 2))
    clock.now += 5
    meter.see(finished("a.pdf", 1, 1500, 500))
    assert meter.reading().eta is None  # one call is not enough to speak of a rate
    clock.now += 5
    meter.see(finished("b.pdf", 2, 2500, 500))
    reading = meter.reading()
    assert reading.done == 5000
    assert reading.rate == pytest.approx(5000 / 10)  # tokens over the 10 s since the first call
    assert reading.eta == pytest.approx((40_000 - 5000) / (5000 / 10))
    by_doc = {d.doc: d for d in reading.docs}
    assert (by_doc["a.pdf"].done, by_doc["b.pdf"].done) == (2000, 3000)
    assert "ETA 1m 10s" in reading.parts() and "5.0k/40.0k tok" in reading.parts()


def test_cached_replies_are_done_work_at_no_cost(meter_and_clock):
    meter, clock = meter_and_clock
    meter.see(events.WorkEstimate("a.pdf", 8000))
    meter.see(started("a.pdf", 1))
    clock.now += 4
    meter.see(finished("a.pdf", 1, 900, 100))
    meter.see(finished("a.pdf", 2, 900, 100))
    meter.see(finished("a.pdf", 3, 3000, 1000, outcome="cached"))
    reading = meter.reading()
    assert reading.done == 6000  # the cached reply moved the progress on ...
    assert reading.rate == pytest.approx(2000 / 4)  # ... but not the rate: it took no time
    assert reading.eta == pytest.approx((8000 - 6000) / (2000 / 4))


def test_a_failed_document_drops_out_of_what_remains(meter_and_clock):
    meter, clock = meter_and_clock
    meter.expect(["a.pdf", "b.pdf"])
    meter.see(events.WorkEstimate("a.pdf", 10_000))
    meter.see(events.WorkEstimate("b.pdf", 10_000))
    meter.see(started("a.pdf", 1))
    clock.now += 10
    meter.see(finished("a.pdf", 1, 1000, 0))
    meter.see(finished("b.pdf", 2, 1000, 0, outcome="error"))
    before = meter.reading()
    meter.see(events.DocumentFailed("b.pdf", "the server refused", kind="server"))
    after = meter.reading()
    assert (after.ended, after.failed) == (1, 1) and "1/2 docs (1 failed)" in after.parts()
    assert after.estimated == 10_000 + 1000  # b's estimate is now only what it did
    assert after.eta is not None and before.eta is not None and after.eta < before.eta
    assert after.eta == pytest.approx((10_000 - 1000) / (2000 / 10))


def test_an_estimate_grows_when_the_work_outruns_it_and_the_eta_never_goes_negative(meter_and_clock):
    meter, clock = meter_and_clock
    meter.see(events.WorkEstimate("a.md", 1000))
    meter.see(started("a.md", 1))
    clock.now += MIN_RATE_SPAN + 1
    meter.see(finished("a.md", 1, 800, 100))
    meter.see(finished("a.md", 2, 800, 100))  # retries and long replies: more than estimated
    reading = meter.reading()
    assert reading.estimated == reading.done == 1800
    assert reading.eta == 0.0
    meter.see(events.WorkEstimate("a.md", 1200))  # a later estimate below what is done counts it
    assert meter.reading().estimated == 1800


def test_documents_not_yet_read_count_at_the_mean_estimate(meter_and_clock):
    meter, _clock = meter_and_clock
    meter.expect(["a.pdf", "b.pdf", "c.pdf"])
    meter.see(events.WorkEstimate("a.pdf", 4000))
    meter.see(events.WorkEstimate("b.pdf", 2000))
    reading = meter.reading()
    assert reading.estimated == 4000 + 2000 + 3000
    waiting = next(d for d in reading.docs if d.doc == "c.pdf")
    assert waiting.state == "waiting" and not waiting.estimated_known


def test_reused_and_finished_documents_end_and_a_new_batch_starts_after(meter_and_clock):
    meter, clock = meter_and_clock
    meter.see(JobUpdate("a.pdf", "queued"))
    meter.see(JobUpdate("b.pdf", "queued"))
    meter.see(JobUpdate("a.pdf", "started"))
    meter.see(JobUpdate("a.pdf", "reused"))
    meter.see(JobUpdate("b.pdf", "started"))
    meter.see(events.WorkEstimate("b.pdf", 500))
    clock.now += 3
    meter.see(finished("b.pdf", 1, 200, 100))
    meter.see(JobUpdate("b.pdf", "finished"))
    reading = meter.reading()
    assert (reading.documents, reading.ended, reading.estimated, reading.done) == (2, 2, 300, 300)
    assert reading.eta == 0.0 and not reading.active
    assert not any(p.startswith("ETA") for p in reading.parts())

    meter.see(JobUpdate("c.pdf", "queued"))  # the last batch is over: this one starts afresh
    reading = meter.reading()
    assert (reading.documents, reading.ended, reading.done) == (1, 0, 0)


def test_a_question_calls_do_not_count_and_the_rate_forgets_old_calls(meter_and_clock):
    meter, clock = meter_and_clock
    meter.see(events.WorkEstimate("a.pdf", 100_000))
    meter.see(finished("ask-1", 1, 5000, 5000))  # not a document of the batch
    assert meter.reading().done == 0
    meter.see(started("a.pdf", 1))
    clock.now += 10
    meter.see(finished("a.pdf", 1, 1000, 0))
    meter.see(finished("a.pdf", 2, 1000, 0))
    assert meter.reading().rate == pytest.approx(200)
    clock.now += RATE_WINDOW + 30  # nothing finished lately: the batch's whole span up to now
    assert meter.reading().rate == pytest.approx(2000 / (RATE_WINDOW + 40))
    meter.see(finished("a.pdf", 3, 600, 0))
    assert meter.reading().rate == pytest.approx(600 / RATE_WINDOW)


def test_the_limit_and_its_reason_are_kept_literally(meter_and_clock):
    meter, _clock = meter_and_clock
    assert meter.reading().limit is None
    meter.see(events.LimitChanged("", 8, "fixed: --concurrency 8", adaptive=False))
    meter.see(events.LimitChanged("", 24, "server has room [KV 12%]", adaptive=True))
    reading = meter.reading()
    assert (reading.limit, reading.limit_reason, reading.adaptive) == (24, "server has room [KV 12%]", True)
    assert "limit 24" in reading.parts()
    assert reading.documents == 0  # the limit's doc "" is no document


def test_cancelled_calls_are_no_work():
    assert finished("a", 1, 100, 0, outcome="cancelled").work == 0
    assert finished("a", 1, 100, 20, outcome="cached").work == 120


@pytest.mark.parametrize(
    ("seconds", "text"), [(0, "0s"), (45.4, "45s"), (200, "3m 20s"), (3600 + 300, "1h 05m"), (-3, "0s")]
)
def test_eta_text(seconds, text):
    assert eta_text(seconds) == text


def test_count_text():
    assert [count_text(n) for n in (950, 12_345, 4_500_000)] == ["950", "12.3k", "4.5M"]


def test_the_cli_progress_has_a_batch_row_with_tokens_and_the_calls_bound():
    """The CLI's progress shows the batch (documents, tokens, the bound and why) in a row of its own; an
    event of the batch (doc "") never makes a document row."""
    import io

    from rich.console import Console

    from pageindex_tui.cli.progress import CliProgress

    progress = CliProgress(console=Console(file=io.StringIO(), force_terminal=True, width=160))
    progress.handle(events.LimitChanged("", 8, "a safe start", True))
    progress.handle(events.WorkEstimate("a.pdf", 4000))
    progress.handle(events.WorkEstimate("b.pdf", 2000))
    assert set(progress.tasks) == {"a.pdf", "b.pdf"} and progress.batch is not None
    row = progress.progress.tasks[progress.batch].fields["stage"]
    assert "0/2 docs" in row and "6.0k tok" in row and "limit 8" in row


def test_documents_done_bring_the_estimates_of_the_rest_into_line(meter_and_clock):
    """The engine's estimates run high; once a document is done, what it took against its estimate
    scales those still to come (and the ones not yet estimated), within bounds."""
    meter, _clock = meter_and_clock
    meter.expect(["a.pdf", "b.pdf", "c.pdf"])
    meter.see(events.WorkEstimate("a.pdf", 10_000))
    meter.see(events.WorkEstimate("b.pdf", 20_000))
    assert meter.reading().estimated == 45_000  # c counted at the mean, 15k
    meter.see(finished("a.pdf", 1, 3000, 1000))
    meter.see(finished("b.pdf", 2, 1500, 500))
    meter.see(JobUpdate("a.pdf", "finished"))  # took 4k of its 10k
    assert meter.calibration() == pytest.approx(0.4)
    by_doc = {d.doc: d for d in meter.reading().docs}
    assert by_doc["a.pdf"].estimated == 4000
    assert by_doc["b.pdf"].estimated == 8000  # 20k x 0.4, more than its 2k done
    assert by_doc["c.pdf"].estimated == 6000  # the mean of 10k and 20k, x 0.4
    meter.see(events.WorkEstimate("c.pdf", 1000))
    meter.see(finished("c.pdf", 3, 900, 1100))
    meter.see(JobUpdate("c.pdf", "finished"))  # 2k of 1k: the estimate grew to 2k
    assert meter.calibration() == pytest.approx((4000 + 2000) / (10_000 + 2000))
    meter.see(JobUpdate("b.pdf", "finished"))
    reading = meter.reading()
    assert reading.estimated == reading.done == 8000 and reading.eta == 0.0


def test_a_pause_for_the_server_leads_the_batchs_figures_until_it_answers(meter_and_clock):
    """Issue 22, build 2: `ServerPaused` puts "paused: waiting for the server since HH:MM (N min)" first
    among the batch's figures, counting on with the clock; `ServerResumed` takes it away."""
    import time

    meter, clock = meter_and_clock
    meter.expect(["a.pdf"])
    since = time.mktime((2026, 12, 7, 14, 2, 0, 0, 0, -1))
    meter.see(events.ServerPaused("", since, "cannot reach the model server (connection refused)"))
    clock.now += 185
    reading = meter.reading()
    assert reading.paused_text() == "paused: waiting for the server since 14:02 (3 min)"
    assert reading.parts()[0] == reading.paused_text() and reading.parts()[1] == "0/1 docs"
    assert reading.paused_reason.endswith("(connection refused)")
    meter.see(events.ServerResumed("", 185.0))
    assert meter.reading().paused_since is None and meter.reading().paused_text() == ""
    assert meter.reading().parts()[0] == "0/1 docs"


def test_the_cli_says_when_the_calls_pause_and_when_they_go_on():
    import io

    from rich.console import Console

    from pageindex_tui.cli.progress import CliProgress

    out = io.StringIO()
    progress = CliProgress(console=Console(file=out, force_terminal=True, width=160))
    with progress:
        progress.handle(events.WorkEstimate("a.pdf", 4000))
        progress.handle(events.ServerPaused("", 0.0, "cannot reach the model server (connection refused)"))
        row = progress.progress.tasks[progress.batch].fields["stage"]
        assert row.startswith("paused: waiting for the server since ")
        progress.handle(events.ServerResumed("", 75.0))
    text = out.getvalue()
    assert "(connection refused); the calls wait for it" in text
    assert "the server answers again after 1 min: the calls go on" in text


def test_the_eta_moves_with_the_rate_while_no_call_finishes(meter_and_clock):
    """Issue 22, build 6: the ETA sat at 7m 49s for three minutes while the calls were slow; the rate is
    taken up to now, so while nothing finishes it falls and the ETA grows, minute by minute."""
    meter, clock = meter_and_clock
    meter.expect(["a.pdf"])
    meter.see(events.WorkEstimate("a.pdf", 100_000))
    meter.see(started("a.pdf", 1))
    clock.now += 10
    meter.see(finished("a.pdf", 1, 4000, 1000))
    meter.see(finished("a.pdf", 2, 4000, 1000))
    etas = [meter.reading().eta]
    for _minute in range(3):
        clock.now += 20  # within the window: the same tokens over a longer span
        etas.append(meter.reading().eta)
    clock.now += RATE_WINDOW  # none finished in the window: the whole span's rate, lower still
    etas.append(meter.reading().eta)
    assert all(eta is not None for eta in etas)
    assert etas == sorted(etas) and len(set(etas)) == len(etas)  # it grows at every reading
    assert etas[0] == pytest.approx(90_000 / (10_000 / 10))
    assert etas[-1] == pytest.approx(90_000 / (10_000 / (10 + 60 + RATE_WINDOW)))
    meter.see(finished("a.pdf", 3, 30_000, 10_000))  # a big call ends: the rate rises, the ETA falls
    assert meter.reading().eta < etas[-1]


def test_a_document_indexed_again_starts_a_new_batch_of_one(meter_and_clock):
    """Issue 22, build 6: "3/4 docs" for a one-document run: a document of the last batch indexed again,
    once that batch ended, is a batch of its own; its figures start from nothing."""
    meter, _clock = meter_and_clock
    for doc in ("a.pdf", "b.pdf", "c.pdf", "d.pdf"):
        meter.see(JobUpdate(doc, "queued"))
    for doc in ("a.pdf", "b.pdf", "c.pdf", "d.pdf"):
        meter.see(JobUpdate(doc, "started"))
        meter.see(events.WorkEstimate(doc, 1000))
        meter.see(finished(doc, 1, 700, 300))
        meter.see(JobUpdate(doc, "finished"))
    assert meter.reading().parts()[0] == "4/4 docs"
    meter.see(JobUpdate("b.pdf", "queued"))
    reading = meter.reading()
    assert (reading.documents, reading.ended, reading.done) == (1, 0, 0)
    assert reading.parts()[0] == "0/1 docs"
    meter.see(JobUpdate("b.pdf", "started"))
    meter.see(JobUpdate("c.pdf", "queued"))  # while b runs: the same batch
    assert meter.reading().parts()[0] == "0/2 docs"


def test_a_batch_an_outage_stopped_says_partial_and_its_resume_is_a_new_batch(meter_and_clock):
    """Issue 22, build 6: after an outage the batch read "5/5 docs · 455.3k/455.3k tok", as if it were
    done; it says the documents are partial, and resuming them counts them afresh."""
    meter, _clock = meter_and_clock
    docs = [f"{n}.pdf" for n in range(5)]
    for doc in docs:
        meter.see(JobUpdate(doc, "queued"))
    for n, doc in enumerate(docs):
        meter.see(JobUpdate(doc, "started"))
        meter.see(events.WorkEstimate(doc, 90_000))
        meter.see(finished(doc, 1, 30_000, 1000))
        if n == 4:
            meter.see(events.DocumentFailed(doc, "the server went away"))
        else:
            meter.see(JobUpdate(doc, "partial"))
    assert meter.reading().parts()[0] == "5/5 docs (1 failed, 4 partial)"
    for doc in docs[:4]:  # resumed
        meter.see(JobUpdate(doc, "queued"))
    reading = meter.reading()
    assert (reading.documents, reading.ended, reading.done) == (4, 0, 0)
    assert reading.parts()[0] == "0/4 docs"


def test_no_eta_while_the_calls_wait_for_the_server(meter_and_clock):
    meter, clock = meter_and_clock
    meter.expect(["a.pdf"])
    meter.see(events.WorkEstimate("a.pdf", 10_000))
    meter.see(started("a.pdf", 1))
    clock.now += 10
    meter.see(finished("a.pdf", 1, 1000, 0))
    meter.see(finished("a.pdf", 2, 1000, 0))
    assert any(p.startswith("ETA") for p in meter.reading().parts())
    meter.see(events.ServerPaused("", 0.0, "connection refused"))
    assert not any(p.startswith("ETA") for p in meter.reading().parts())
