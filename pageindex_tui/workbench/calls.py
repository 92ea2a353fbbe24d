"""The LLM calls the workbench has seen, without Textual: each call's row and the tail of its streamed
text (`CallRecord`), the bounded book of them (`CallBook`), and our own count of streamed tokens per
second (`StreamMeter`). `CallBook.see` folds the engine's call events into it, a retried attempt into
its call (`Attempt`); `handler.py` feeds it, the calls pane and the CLI's `--verbose` show it."""

from __future__ import annotations

from collections import OrderedDict, deque
from dataclasses import dataclass, field
from typing import Literal

from .. import events

# "queued": waiting for a place under the client's concurrency bound; "sent": at the server, no token yet
# (in the server's own queue, or reading its prompt); "running": tokens are arriving.
CallPhase = Literal["queued", "sent", "running", "ok", "cached", "retry", "invalid", "error", "cancelled"]
LIVE_PHASES = ("queued", "sent", "running")
ENDED = ("ok", "cached", "invalid", "error", "cancelled")  # a call's outcome for good (not "retry")

MAX_CALL_TEXT = 64_000  # characters of reasoning+answer kept per call (the tail)
MAX_CALL_TEXTS = 40  # calls whose text is kept at all
MAX_CALLS = 1000  # rows kept in the calls table


@dataclass(frozen=True)
class Attempt:
    """One attempt of a call that ended "retry": when it was queued and sent, how long it took, why."""

    call_id: int
    queued: float | None  # clock times (Workbench.clock)
    sent: float | None
    seconds: float | None  # at the server
    error: str


@dataclass
class CallRecord:
    serial: int  # our own number, unique in this session (row key)
    doc: str
    call_id: int  # the id of its latest attempt
    purpose: str
    prompt_tokens: int
    phase: CallPhase = "sent"
    completion_tokens: int = 0  # deltas seen while running, the server's count when finished
    ttft: float | None = None  # seconds from sent to the first token (counted while it streams)
    seconds: float | None = None  # the whole call, when finished
    since: float = 0.0  # clock time it was queued, then sent (Workbench.clock)
    error: str = ""
    retries: list[Attempt] = field(default_factory=list)  # earlier attempts, oldest first
    queued_at: float | None = None  # clock time its first attempt was queued
    tried_at: float | None = None  # ... its latest attempt was queued
    sent_at: float | None = None  # ... its latest attempt was sent
    ended_at: float | None = None  # ... it ended for good (or its latest attempt ended "retry")
    note: str = ""  # the line its text got when its latest attempt ended "retry"
    pieces: deque[tuple[str, str]] = field(default_factory=deque)  # ("reasoning"|"answer", text)
    chars: int = 0
    dropped: int = 0  # characters dropped from the head to stay under MAX_CALL_TEXT
    text_freed: bool = False  # the whole text was dropped to bound memory

    def add(self, kind: str, text: str) -> None:
        if self.text_freed:
            return
        if self.pieces and self.pieces[-1][0] == kind and len(self.pieces[-1][1]) < 4096:
            self.pieces[-1] = (kind, self.pieces[-1][1] + text)
        else:
            self.pieces.append((kind, text))
        self.chars += len(text)
        while self.chars > MAX_CALL_TEXT and len(self.pieces) > 1:
            _kind, old = self.pieces.popleft()
            self.chars -= len(old)
            self.dropped += len(old)

    @property
    def attempts(self) -> int:
        return len(self.retries) + 1

    def free_text(self) -> None:
        self.pieces.clear()
        self.dropped += self.chars
        self.chars = 0
        self.text_freed = True


class CallBook:
    """Every call seen, bounded: at most MAX_CALLS rows and MAX_CALL_TEXTS calls' text."""

    def __init__(self, max_calls: int = MAX_CALLS, max_texts: int = MAX_CALL_TEXTS) -> None:
        self.max_calls, self.max_texts = max_calls, max_texts
        self.records: OrderedDict[int, CallRecord] = OrderedDict()
        self._by_call: dict[tuple[str, int], CallRecord] = {}
        self._with_text: deque[int] = deque()
        self._serial = 0
        self.removed: list[int] = []  # serials dropped since the last `take_removed`

    def start(
        self, doc: str, call_id: int, purpose: str, prompt_tokens: int, phase: CallPhase = "sent"
    ) -> CallRecord:
        self._serial += 1
        record = CallRecord(self._serial, doc, call_id, purpose, prompt_tokens, phase)
        self.records[record.serial] = record
        self._by_call[(doc, call_id)] = record
        self._with_text.append(record.serial)
        while len(self._with_text) > self.max_texts:
            old = self.records.get(self._with_text.popleft())
            if old is not None:
                old.free_text()
        while len(self.records) > self.max_calls:
            serial, old = self.records.popitem(last=False)
            if self._by_call.get((old.doc, old.call_id)) is old:
                del self._by_call[(old.doc, old.call_id)]
            self.removed.append(serial)
        return record

    def get(self, doc: str, call_id: int) -> CallRecord | None:
        return self._by_call.get((doc, call_id))

    # -- the engine's call events, folded: one record per call, its retried attempts inside ------------
    def see(self, event: events.Event, now: float) -> CallRecord | None:
        """Apply one call event at clock time `now`; the record it changed, if any."""
        if isinstance(event, events.CallQueued):
            return self.queued(event, now)
        if isinstance(event, events.CallStarted):
            return self.sent(event, now)
        if isinstance(event, (events.ReasoningDelta, events.AnswerDelta)):
            return self.streamed(event, now)
        if isinstance(event, events.CallFinished):
            return self.finished(event, now)
        return None

    def queued(self, event: events.CallQueued, now: float) -> CallRecord:
        earlier = self.get(event.doc, event.retry_of) if event.retry_of is not None else None
        if earlier is None:
            record = self.start(event.doc, event.call_id, event.purpose, event.prompt_tokens, "queued")
            record.queued_at = now
        else:  # the call tries again: its row goes on under the new attempt's id
            record = earlier
            del self._by_call[(record.doc, record.call_id)]
            self._by_call[(record.doc, event.call_id)] = record
            record.call_id, record.phase = event.call_id, "queued"
            record.completion_tokens, record.ttft, record.seconds, record.error = 0, None, None, ""
            record.sent_at = record.ended_at = None
        record.since = record.tried_at = now
        return record

    def sent(self, event: events.CallStarted, now: float) -> CallRecord:
        record = self.get(event.doc, event.call_id)
        if record is None or record.phase != "queued":  # a cached reply replayed: never queued
            record = self.start(event.doc, event.call_id, event.purpose, event.prompt_tokens)
            record.queued_at = record.tried_at = now
        record.phase, record.since, record.sent_at = "sent", now, now
        return record

    def streamed(self, event: events.ReasoningDelta | events.AnswerDelta, now: float) -> CallRecord | None:
        record = self.get(event.doc, event.call_id)
        if record is None:
            return None
        record.add("reasoning" if isinstance(event, events.ReasoningDelta) else "answer", event.text)
        record.completion_tokens += 1
        if record.phase == "sent":
            record.phase = "running"
        if record.ttft is None and record.sent_at is not None:
            record.ttft = max(0.0, now - record.sent_at)
        return record

    def finished(self, event: events.CallFinished, now: float) -> CallRecord | None:
        record = self.get(event.doc, event.call_id)
        if record is None:
            return None
        record.phase = event.outcome
        record.prompt_tokens = event.prompt_tokens or record.prompt_tokens
        record.completion_tokens = event.completion_tokens or record.completion_tokens
        if event.ttft is not None or event.outcome == "cached":  # else the first token as it came, if any
            record.ttft = event.ttft
        record.seconds, record.error, record.ended_at = event.seconds, event.error, now
        if event.outcome == "retry":
            attempt = Attempt(event.call_id, record.tried_at, record.sent_at, event.seconds, event.error)
            record.retries.append(attempt)
            lead = "\n" if record.chars else ""
            record.note = f"{lead}✗ retry {len(record.retries)}: {event.error or 'no reason given'}\n"
            record.add("error", record.note)
        return record

    def take_removed(self) -> list[int]:
        out, self.removed = self.removed, []
        return out

    @property
    def newest(self) -> CallRecord | None:
        return next(reversed(self.records.values()), None) if self.records else None

    def __len__(self) -> int:
        return len(self.records)

    def live(self) -> list[CallRecord]:
        """Calls queued, sent or running, oldest first."""
        return [record for record in self.records.values() if record.phase in LIVE_PHASES]

    def counts(self) -> dict[str, int]:
        """How many calls are queued, sent and running."""
        out = dict.fromkeys(LIVE_PHASES, 0)
        for record in self.records.values():
            if record.phase in out:
                out[record.phase] += 1
        return out


class StreamMeter:
    """Our own count of streamed tokens per second (a delta is about one token), over the last few
    seconds: what the gauges show where the server's counters are missing or flat (llama.cpp)."""

    def __init__(self, window: float = 3.0) -> None:
        self.window = window
        self._seen: deque[tuple[float, int]] = deque()
        self._first: float | None = None
        self.total = 0  # deltas counted since the start

    def add(self, now: float, tokens: int) -> None:
        if tokens <= 0:
            return
        self.total += tokens
        if self._first is None or not self._seen:
            self._first = now
        self._seen.append((now, tokens))
        self._trim(now)

    def _trim(self, now: float) -> None:
        while self._seen and self._seen[0][0] < now - self.window:
            self._seen.popleft()

    @property
    def last(self) -> float | None:
        """Clock time of the latest tokens counted (in the window)."""
        return self._seen[-1][0] if self._seen else None

    def rate(self, now: float) -> float | None:
        """Tokens per second lately; None when nothing streamed in the window."""
        self._trim(now)
        if not self._seen or self._first is None:
            return None
        span = min(self.window, max(now - self._first, 1.0))
        return sum(tokens for _t, tokens in self._seen) / span
