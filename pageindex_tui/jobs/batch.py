"""A batch's progress in tokens, and its ETA, from the event stream alone: what the CLI and the app show.

`BatchMeter.see(event)` takes every event of the run; `reading()` says where the batch stands
(`BatchReading`). Work is counted in tokens (prompt plus reply): a document's estimate comes from the
engine (`WorkEstimate`), the work done from its finished calls (`CallFinished.work`). Cached replies
count as done work that cost no time, so they move the progress on but not the rate. A document that
ends (finished, reused, partial, failed, cancelled) has no work left: its estimate becomes what it did,
so a failed one drops out of what remains. Documents not yet estimated (still waiting their turn) are
counted at the mean estimate of those that are. The rate is taken over the last RATE_WINDOW seconds up to
now, so it falls while nothing finishes and the ETA grows with it. The engine's estimates are on the high
side (a reply may use its whole budget); once documents are done, what they took against their estimates
scales the estimates of the rest (`calibration`), so the ETA comes into line as the batch goes. The meter also
keeps the client's bound on calls in flight (`LimitChanged`) and whether its calls are paused waiting for
the server (`ServerPaused` until `ServerResumed`), the one place both front ends read them from. Plain
Python: no UI imports.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Literal

from .. import events
from .service import JobUpdate

DocProgress = Literal["waiting", "running", "done", "partial", "failed", "cancelled"]
ENDED: tuple[DocProgress, ...] = ("done", "partial", "failed", "cancelled")

PAUSED = "paused: waiting for the server"  # how a reading of paused calls begins
RATE_WINDOW = 60.0  # seconds of finished calls the rate is taken over
MIN_RATE_CALLS = 2  # finished (not cached) calls before there is a rate to speak of
MIN_RATE_SPAN = 2.0  # seconds of work before there is a rate to speak of
CALIBRATION_BOUNDS = (0.2, 2.0)  # how far the documents done may scale the estimates of those to come


BATCH_EVENTS = (
    events.LimitChanged,
    events.ServerPaused,
    events.ServerResumed,
    events.WorkEstimate,
    events.CallFinished,
    JobUpdate,
    events.DocumentFinished,
    events.DocumentFailed,
    events.DocumentPartial,
)  # the events that change a batch's reading: front ends redraw its figures on these


@dataclass(frozen=True)
class DocReading:
    doc: str
    state: DocProgress
    estimated: int  # tokens, done and to come (0 while not estimated)
    done: int  # tokens of its finished calls
    estimated_known: bool  # the engine estimated it (else it waits its turn, unread)


@dataclass(frozen=True)
class BatchReading:
    documents: int  # in the batch
    ended: int  # of which finished, reused, partial, failed or cancelled
    failed: int
    estimated: int  # tokens over the batch, done and to come
    done: int  # tokens done
    rate: float | None  # tokens per second lately; None until there is enough to say
    eta: float | None  # seconds to the end; None until there is enough to say, 0 once every document ended
    limit: int | None  # the client's bound on calls in flight, once known
    limit_reason: str
    adaptive: bool
    docs: tuple[DocReading, ...]
    paused_since: float | None = None  # wall clock: the calls wait for the server since then
    paused_for: float = 0.0  # seconds of that wait so far
    paused_reason: str = ""

    @property
    def active(self) -> bool:
        return self.ended < self.documents

    @property
    def stopped(self) -> int:
        """Documents that ended short of an index: partial (kept to resume) or cancelled."""
        return sum(1 for d in self.docs if d.state in ("partial", "cancelled"))

    def parts(self, limit: bool = True) -> list[str]:
        """The batch's figures as short plain texts, the most wanted first: '3/10 docs', 'ETA 3m 20s',
        '12.3k/40.0k tok', 'limit 24' (the ETA and the limit only when known; the limit when asked for).
        Documents that ended without a whole index are said: '5/5 docs (5 partial)', '(1 failed)'; no
        ETA while the calls wait for the server."""
        out = [self.paused_text()] if self.paused_since is not None else []
        short = [f"{n} {word}" for n, word in ((self.failed, "failed"), (self.stopped, "partial")) if n]
        out.append(f"{self.ended}/{self.documents} docs" + (f" ({', '.join(short)})" if short else ""))
        if self.eta is not None and self.active and self.paused_since is None:
            out.append(f"ETA {eta_text(self.eta)}")
        if any(d.estimated_known for d in self.docs):
            out.append(f"{count_text(self.done)}/{count_text(self.estimated)} tok")
        else:  # nothing estimated yet: what is done, against nothing
            out.append(f"{count_text(self.done)} tok")
        if limit and self.limit is not None:
            out.append(f"limit {self.limit}")
        return out

    def paused_text(self) -> str:
        """'paused: waiting for the server since 14:02 (3 min)'; '' while the calls are not paused."""
        if self.paused_since is None:
            return ""
        clock = time.strftime("%H:%M", time.localtime(self.paused_since))
        return f"{PAUSED} since {clock} ({wait_text(self.paused_for)})"

    def limit_text(self) -> str:
        """'limit 24 · grew: KV 12%, 0 waiting' (adaptive: the bound and why it last moved), 'limit 8
        (fixed)'; '' before the bound is known."""
        if self.limit is None:
            return ""
        if not self.adaptive:
            return f"limit {self.limit} (fixed)"
        return f"limit {self.limit} · {self.limit_reason}" if self.limit_reason else f"limit {self.limit}"


def eta_text(seconds: float) -> str:
    """'45s', '3m 20s', '2h 05m'."""
    whole = max(0, round(seconds))
    if whole < 60:
        return f"{whole}s"
    minutes, secs = divmod(whole, 60)
    if minutes < 60:
        return f"{minutes}m {secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h {minutes:02d}m"


def wait_text(seconds: float) -> str:
    """'40 s', '3 min', '2 h 05 min'."""
    whole = max(0, round(seconds))
    if whole < 60:
        return f"{whole} s"
    minutes = whole // 60
    if minutes < 60:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60:02d} min"


def count_text(tokens: int) -> str:
    """'950', '12.3k', '4.5M'."""
    if tokens < 1000:
        return str(tokens)
    if tokens < 1_000_000:
        return f"{tokens / 1000:.1f}k"
    return f"{tokens / 1_000_000:.1f}M"


class _Doc:
    def __init__(self) -> None:
        self.state: DocProgress = "waiting"
        self.estimate: int | None = None
        self.done = 0

    def reading(self, doc: str, guess: int, scale: float = 1.0) -> DocReading:
        """Where the document stands; what it has still to do is its estimate (or `guess`) times `scale`."""
        if self.state in ENDED:
            return DocReading(doc, self.state, self.done, self.done, self.estimate is not None)
        known = self.estimate is not None
        estimate = self.estimate if self.estimate is not None else guess
        return DocReading(doc, self.state, max(round(estimate * scale), self.done), self.done, known)


class BatchMeter:
    """Per document and in total: tokens estimated and done, a rate, an ETA; and the current limit.

    A batch is the documents seen since none was left running: one that arrives when every document
    of the last batch has ended starts a new batch (the app indexes batch after batch)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._docs: dict[str, _Doc] = {}
        self._finished: deque[tuple[float, int]] = deque()  # (clock, tokens) of calls that cost time
        self._began: float | None = None  # the batch's first call
        self._calls = 0  # finished calls that cost time, this batch
        self._tokens = 0  # ... and their tokens
        self.limit: int | None = None
        self.limit_reason = ""
        self.adaptive = False
        self.paused: tuple[float, float, str] | None = None  # (wall clock, own clock, reason) while paused

    # -- what comes in ------------------------------------------------------------------------------
    def expect(self, docs: Iterable[str]) -> None:
        """These documents make up the batch (the CLI knows them all before the first event)."""
        for doc in docs:
            self._doc(doc)

    def _doc(self, doc: str) -> _Doc:
        if doc not in self._docs:
            if self._docs and all(d.state in ENDED for d in self._docs.values()):
                self._new_batch()
            self._docs[doc] = _Doc()
        return self._docs[doc]

    def _queued(self, doc: str) -> _Doc:
        """A document queued or started: once every document of the batch ended, it starts a new batch,
        even one that was in the last (indexed again, or resumed after an outage)."""
        if doc in self._docs and all(d.state in ENDED for d in self._docs.values()):
            self._new_batch()
        return self._doc(doc)

    def _new_batch(self) -> None:
        self._docs.clear()
        self._finished.clear()
        self._began, self._calls, self._tokens = None, 0, 0

    def see(self, event: events.Event) -> None:
        if isinstance(event, events.LimitChanged):
            self.limit, self.limit_reason, self.adaptive = event.limit, event.reason, event.adaptive
            return
        if isinstance(event, events.ServerPaused):
            self.paused = (event.since, self.clock(), event.reason)
            return
        if isinstance(event, events.ServerResumed):
            self.paused = None
            return
        if isinstance(event, JobUpdate):
            self._job(event)
            return
        if isinstance(event, (events.DocumentStarted, events.StageStarted, events.WorkEstimate)):
            doc = self._doc(event.doc)
            if doc.state == "waiting":
                doc.state = "running"
            if isinstance(event, events.WorkEstimate):
                doc.estimate = max(event.tokens, doc.done)
            return
        known = self._docs.get(event.doc)
        if known is None:  # not a document of the batch (a question's calls, say)
            return
        if isinstance(event, (events.CallQueued, events.CallStarted)) and self._began is None:
            self._began = self.clock()
        elif isinstance(event, events.CallFinished):
            self._call_finished(known, event)
        elif isinstance(event, events.DocumentFinished):
            known.state = "done"
        elif isinstance(event, events.DocumentPartial):
            known.state = "partial"
        elif isinstance(event, events.DocumentFailed):
            known.state = "failed"

    def _job(self, update: JobUpdate) -> None:
        if update.state in ("queued", "started"):
            again = self._queued(update.doc)
            if again.state in ENDED:  # indexed again while others of its batch still run
                again.state, again.estimate, again.done = "waiting", None, 0
            if update.state == "started":
                again.state = "running"
            return
        doc = self._docs.get(update.doc)
        if doc is None:
            return
        if update.state in ("reused", "finished"):
            doc.state = "done"
        elif update.state == "partial":
            doc.state = "partial"
        elif update.state == "cancelled" and doc.state not in ENDED:
            doc.state = "cancelled"

    def _call_finished(self, doc: _Doc, event: events.CallFinished) -> None:
        work = event.work
        if not work:
            return
        doc.done += work
        if doc.estimate is not None and doc.done > doc.estimate:
            doc.estimate = doc.done  # the estimate was short: it grows
        if event.outcome == "cached":
            return  # done at no cost: no time to count it against
        now = self.clock()
        if self._began is None:
            self._began = now - event.seconds
        self._finished.append((now, work))
        self._calls += 1
        self._tokens += work

    # -- what goes out ------------------------------------------------------------------------------
    def rate(self) -> float | None:
        """Tokens per second over the last RATE_WINDOW seconds up to now (the batch's whole span while it
        is shorter); when no call finished in that window (long calls), over the batch's whole span up to
        now. Either way it falls while nothing finishes, and the ETA grows with it. None until
        MIN_RATE_CALLS calls over MIN_RATE_SPAN seconds."""
        now = self.clock()
        while self._finished and self._finished[0][0] < now - RATE_WINDOW:
            self._finished.popleft()
        if self._began is None or self._calls < MIN_RATE_CALLS:
            return None
        span = min(RATE_WINDOW, now - self._began)
        if span < MIN_RATE_SPAN:
            return None
        if self._finished:
            return sum(tokens for _t, tokens in self._finished) / span
        return self._tokens / (now - self._began)

    def calibration(self) -> float:
        """What the documents done so far took against their estimates (1.0 before any is done): the
        estimates are on the high side by design, and this brings the rest of the batch's into line."""
        ended = [d for d in self._docs.values() if d.state == "done" and d.estimate and d.done]
        if not ended:
            return 1.0
        ratio = sum(d.done for d in ended) / sum(d.estimate or 0 for d in ended)
        low, high = CALIBRATION_BOUNDS
        return min(high, max(low, ratio))

    def reading(self) -> BatchReading:
        known = [d.estimate for d in self._docs.values() if d.estimate is not None and d.estimate > 0]
        guess = round(sum(known) / len(known)) if known else 0
        scale = self.calibration()
        docs = tuple(state.reading(doc, guess, scale) for doc, state in self._docs.items())
        estimated = sum(d.estimated for d in docs)
        done = sum(d.done for d in docs)
        ended = sum(1 for d in docs if d.state in ENDED)
        rate = self.rate()
        eta: float | None = None
        if docs and ended == len(docs):
            eta = 0.0
        elif rate and known:
            eta = max(0.0, estimated - done) / rate
        return BatchReading(
            documents=len(docs),
            ended=ended,
            failed=sum(1 for d in docs if d.state == "failed"),
            estimated=estimated,
            done=done,
            rate=rate,
            eta=eta,
            limit=self.limit,
            limit_reason=self.limit_reason,
            adaptive=self.adaptive,
            docs=docs,
            paused_since=self.paused[0] if self.paused else None,
            paused_for=self.clock() - self.paused[1] if self.paused else 0.0,
            paused_reason=self.paused[2] if self.paused else "",
        )
