"""What the app knows about each document and each LLM call: plain data, updated from engine events."""

from __future__ import annotations

from collections import OrderedDict, deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from ..library import LibraryEntry
from .literal import one_line

DocPhase = Literal["unknown", "none", "queued", "indexing", "indexed", "failed", "cancelled"]

STAGE_WORDS = {
    "read": "reading",
    "structure": "structure",
    "verify": "verifying",
    "split": "splitting",
    "summarize": "summarizing",
    "describe": "describing",
    "write": "writing",
}


@dataclass
class DocState:
    path: Path
    phase: DocPhase = "unknown"
    stage: str = ""
    done: int = 0
    total: int = 0
    nodes: int = 0
    error: str = ""
    hint: str = ""
    entry: LibraryEntry | None = None
    exact: bool = False  # the saved index was made with the current settings
    warnings: list[str] = field(default_factory=list)

    @property
    def busy(self) -> bool:
        return self.phase in ("queued", "indexing")

    def badge(self) -> tuple[str, str]:
        """The short mark after the file name in the documents pane, and its kind (for styling)."""
        if self.phase == "queued":
            return "… queued", "queued"
        if self.phase == "indexing":
            word = STAGE_WORDS.get(self.stage, self.stage or "starting")
            progress = f" {self.done}/{self.total}" if self.total else ""
            return f"◔ {word}{progress}", "indexing"
        if self.phase == "indexed":
            return f"{'●' if self.exact else '◐'} {self.nodes} nodes", "indexed"
        if self.phase == "failed":
            return f"✗ {one_line(self.error, 60)}", "failed"
        if self.phase == "cancelled":
            return "⊘ cancelled", "cancelled"
        if self.phase == "none":
            return "○", "none"
        return "", "none"

    def describe(self) -> str:
        """One or two lines for the info line under the documents tree (plain text)."""
        name = self.path.name
        if self.phase == "queued":
            return f"{name}: queued"
        if self.phase == "indexing":
            word = STAGE_WORDS.get(self.stage, self.stage or "starting")
            progress = f" {self.done}/{self.total}" if self.total else ""
            return f"{name}: indexing, {word}{progress}"
        if self.phase == "indexed":
            made = "" if self.exact else " (made with other settings: i indexes with the current ones)"
            source = f", structure from {self.entry.structure_source}" if self.entry else ""
            warned = len(self.warnings)
            extra = f", {warned} warning{'s' * (warned != 1)}" if warned else ""
            return f"{name}: indexed, {self.nodes} nodes{source}{extra}{made}"
        if self.phase == "failed":
            hint = f"\n  {self.hint}" if self.hint else ""
            return f"{name}: failed: {self.error}{hint}"
        if self.phase == "cancelled":
            return f"{name}: cancelled (nothing was written; i starts again)"
        if self.phase == "none":
            return f"{name}: not indexed (i to index)"
        return name


CallPhase = Literal["running", "ok", "cached", "retry", "invalid", "error", "cancelled"]

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
    phase: CallPhase = "running"
    completion_tokens: int = 0  # deltas seen while running, the server's count when finished
    ttft: float | None = None
    seconds: float | None = None
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

    def start(self, doc: str, call_id: int, purpose: str, prompt_tokens: int) -> CallRecord:
        self._serial += 1
        record = CallRecord(self._serial, doc, call_id, purpose, prompt_tokens)
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
