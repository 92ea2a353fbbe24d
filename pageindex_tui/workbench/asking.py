"""The questions of the session, per document, without Textual: what each one streamed, read and cited.

`ask_handler.py` fills it from the ask engine's events; the Ask screen and the tree pane show it. A
question's run id (`Question.run`) is the `doc` its engine events carry: `<document path>#ask<n>`, so the
calls table names it after the document.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from .. import events
from ..errors import FailureKind
from ..safe_text import counted

if TYPE_CHECKING:  # the ask engine loads when the first question is asked, not with the app
    from ..ask.types import AskResult, Citation
    from ..events import NodeRead

AskPhase = Literal["asking", "answered", "failed", "cancelled"]
STEP_WORDS = {
    "pick": "choosing the sections to read",
    "read": "reading",
    "assess": "deciding whether to read more",
    "answer": "writing the answer",
    "verify": "checking the citations",
}
MAX_PIECES_CHARS = 64_000  # reasoning and notes kept per question (the answer is always kept)


@dataclass(frozen=True)
class AskFailed(events.Event):
    """A question ended without an answer (sent by the app's runner: the engine raises instead)."""

    error: str
    hint: str = ""
    kind: FailureKind = "other"
    cancelled: bool = False


@dataclass
class Question:
    number: int  # 1, 2, ... per document
    doc: str  # the document's path
    text: str
    run: str
    phase: AskPhase = "asking"
    step: str = "starting"
    pieces: list[tuple[str, str]] = field(default_factory=list)  # ("reasoning"|"answer"|"note", text)
    answer_at: int | None = None  # index in `pieces` where the answer on show began
    reads: list[NodeRead] = field(default_factory=list)
    result: AskResult | None = None
    error: str = ""
    hint: str = ""
    chars: int = 0
    waiting: str = ""  # where its call waits for a place ("queued: next free place of 4, all busy")

    @property
    def busy(self) -> bool:
        return self.phase == "asking"

    @property
    def citations(self) -> list[Citation]:
        return self.result.citations if self.result is not None else []

    def add(self, kind: str, text: str) -> None:
        if not text:
            return
        if kind == "answer" and self.answer_at is None:
            self.answer_at = len(self.pieces)
        elif kind != "answer" and self.chars > MAX_PIECES_CHARS:
            return  # the answer still streams; a long reasoning stops being kept
        if self.pieces and self.pieces[-1][0] == kind:
            self.pieces[-1] = (kind, self.pieces[-1][1] + text)
        else:
            self.pieces.append((kind, text))
        self.chars += len(text)

    def drop_answer(self) -> None:
        """The answer is written again: what was shown of it goes."""
        if self.answer_at is not None:
            self.pieces = [p for i, p in enumerate(self.pieces) if i < self.answer_at or p[0] != "answer"]
            self.answer_at = None

    def marks(self) -> dict[str, str]:
        """Node id -> its mark in the tree: read (in which round), cited ([1] ✓ verified, ✗ not)."""
        out: dict[str, str] = {}
        for read in self.reads:
            out.setdefault(read.node_id, f"read r{read.round}" if read.round > 1 else "read")
        for citation in self.citations:
            if not citation.node_id:
                continue
            label = f"[{citation.marker}]" if citation.marker else "cited"
            sign = "✓" if citation.verified else "✗"
            before = out.get(citation.node_id, "")
            out[citation.node_id] = f"{before} · {label}{sign}" if before else f"{label}{sign}"
        return out

    def status(self) -> str:
        """One line: where the question stands."""
        if self.phase == "asking":
            return f"Asking: {self.step}" + (f" · {self.waiting}" if self.waiting else "") + " ..."
        if self.phase == "cancelled":
            return "Stopped."
        if self.phase == "failed":
            return f"Failed: {self.error}" + (f"\nCheck: {self.hint}" if self.hint else "")
        result = self.result
        assert result is not None
        cited = "no citations"
        if result.citations:
            cited = f"{result.verified}/{len(result.citations)} citations verified"
        tokens = result.prompt_tokens + result.completion_tokens
        read = f"read {counted(len(result.nodes_read), 'node')}" if result.nodes_read else "⚠ read no node"
        calls = counted(result.calls, "call") + (
            f" ({result.cached_calls} cached)" if result.cached_calls else ""
        )
        cut = " · ⚠ cut at the token limit" if result.cut else ""
        head = "Answered"
        if result.stopped:  # a bound ended it: what it found so far is shown
            head = "Stopped at its " + ("deadline" if result.stopped == "deadline" else "token budget")
        return f"{head}: {read} in {result.rounds} round(s) · {cited}{cut} · {calls}, {tokens:,} tokens"

    def summary(self) -> str:
        """The question's row in the Ask screen's list."""
        if self.phase == "answered" and self.result is not None:
            cited = len(self.result.citations)
            mark = f"✓{self.result.verified}/{cited}" if cited else "(no citations)"
        else:
            mark = {"asking": "…", "failed": "✗", "cancelled": "⊘"}.get(self.phase, "")
        return f"{self.number}. {self.text} {mark}"


@dataclass
class AskChanges:
    """What ask events changed, for the Ask screen and the tree pane."""

    runs: set[str] = field(default_factory=set)  # questions whose status, list row or citations changed
    appends: list[tuple[str, str, str]] = field(default_factory=list)  # (run, kind, text) to stream
    redraw: set[str] = field(default_factory=set)  # questions whose stream must be drawn again
    marks: set[str] = field(default_factory=set)  # documents whose tree marks changed

    def __bool__(self) -> bool:
        return bool(self.runs or self.appends or self.redraw or self.marks)


class AskBook:
    """Every question of the session, per document; the one on show in the Ask screen per document."""

    def __init__(self) -> None:
        self.by_doc: dict[str, list[Question]] = {}
        self.runs: dict[str, Question] = {}
        self.shown: dict[str, int] = {}  # document -> number of the question on show

    def start(self, doc: str, text: str) -> Question:
        questions = self.by_doc.setdefault(doc, [])
        number = len(questions) + 1
        question = Question(number, doc, text, f"{doc}#ask{number}")
        questions.append(question)
        self.runs[question.run] = question
        self.shown[doc] = number
        return question

    def questions(self, doc: str) -> list[Question]:
        return self.by_doc.get(doc, [])

    def running(self, doc: str) -> Question | None:
        return next((q for q in self.questions(doc) if q.busy), None)

    def on_show(self, doc: str) -> Question | None:
        questions, number = self.questions(doc), self.shown.get(doc)
        return questions[number - 1] if number and 0 < number <= len(questions) else None

    def show(self, doc: str, number: int) -> Question | None:
        if 0 < number <= len(self.questions(doc)):
            self.shown[doc] = number
        return self.on_show(doc)

    def marks(self, doc: str) -> dict[str, str]:
        """The tree marks of the question on show for `doc` (none when it has no question)."""
        question = self.on_show(doc)
        return question.marks() if question is not None else {}
