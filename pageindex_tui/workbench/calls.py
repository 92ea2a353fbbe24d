"""The LLM calls the workbench has seen, without Textual: each call's row and the tail of its streamed
text (`CallRecord`), the bounded book of them (`CallBook`), and our own count of streamed tokens per
second (`StreamMeter`). `handler.py` fills them from the engine's call events; the calls pane draws them."""

from __future__ import annotations

from collections import OrderedDict, deque
from dataclasses import dataclass, field
from typing import Literal

# "queued": waiting for a place under the client's concurrency bound; "sent": at the server, no token yet
# (in the server's own queue, or reading its prompt); "running": tokens are arriving.
CallPhase = Literal["queued", "sent", "running", "ok", "cached", "retry", "invalid", "error", "cancelled"]
LIVE_PHASES = ("queued", "sent", "running")

MAX_CALL_TEXT = 64_000  # characters of reasoning+answer kept per call (the tail)
MAX_CALL_TEXTS = 40  # calls whose text is kept at all
MAX_CALLS = 1000  # rows kept in the calls table


@dataclass
class CallRecord:
    serial: int  # our own number, unique in this session (row key)
    doc: str
    call_id: int
    purpose: str
    prompt_tokens: int
    phase: CallPhase = "sent"
    completion_tokens: int = 0  # deltas seen while running, the server's count when finished
    ttft: float | None = None
    seconds: float | None = None  # the whole call, when finished
    since: float = 0.0  # clock time it was queued, then sent (Workbench.clock)
    error: str = ""
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
