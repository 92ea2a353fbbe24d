"""The ask engine's events become changes to the session's questions (`asking.py`). Plain Python.

`EngineHandler` hands every event whose `doc` is a question's run id here; the calls it makes still go
to the calls table as any other call does. The stream of a question is its calls' reasoning (dimmed),
our notes of what the engine chose and read, and the answer's prose as `AskAnswerDelta` gives it (the
`Sources:` lines arrive checked, as citations, when it finishes).
"""

from __future__ import annotations

from .. import events
from ..safe_text import one_line
from .asking import STEP_WORDS, AskBook, AskChanges, AskFailed, Question


class AskHandler:
    def __init__(self, book: AskBook) -> None:
        self.book = book

    def owns(self, item: events.Event) -> bool:
        return item.doc in self.book.runs

    def apply(self, item: events.Event, changes: AskChanges) -> None:
        question = self.book.runs[item.doc]
        run = question.run
        if isinstance(item, events.ReasoningDelta):
            self._add(question, "reasoning", item.text, changes)
        elif isinstance(item, events.CallQueued):
            question.waiting = item.where()  # "" when a place is free: it starts at once
            changes.runs.add(run)
        elif isinstance(item, events.CallStarted):
            if question.waiting:
                question.waiting = ""
                changes.runs.add(run)
            self._note(question, f"[{item.purpose}]", changes)
        elif isinstance(item, events.CallFinished):
            if question.waiting:  # cancelled while it waited
                question.waiting = ""
                changes.runs.add(run)
            if item.outcome in ("error", "invalid") and item.error:
                self._note(question, f"(call {item.outcome}: {one_line(item.error, 200)})", changes)
        elif isinstance(item, events.AskProgress):
            question.step = STEP_WORDS.get(item.step, item.step)
            if item.step == "read":
                question.step += f" (round {item.round})"
            if item.step in ("pick", "assess") and item.detail and not item.detail.startswith("outline part"):
                self._note(question, f"{item.step}: {item.detail}", changes)
            changes.runs.add(run)
        elif isinstance(item, events.AskRead):
            question.reads.extend(item.reads)
            words = ", ".join(f"{r.node_id} {r.title[:40]} ({len(r.pages)})" for r in item.reads)
            self._note(question, f"read: {words}", changes)
            changes.marks.add(question.doc)
        elif isinstance(item, events.AskAnswerDelta):
            self._add(question, "answer", item.text, changes)
        elif isinstance(item, events.AskAnswerRetry):
            question.drop_answer()
            question.add("note", f"(the answer is written again: {one_line(item.reason, 300)})\n")
            changes.redraw.add(run)
        elif isinstance(item, events.WarningEvent):
            self._note(question, f"warning: {one_line(item.message, 300)}", changes)
        elif isinstance(item, events.AskFinished):
            question.result, question.phase, question.step = item.result, "answered", "answered"
            question.reads = list(item.result.nodes_read)  # what was read in the end (a re-read may cut it)
            if not question.result.answer.strip() and not question.result.stopped:  # stopped: warned
                self._note(question, "(the model gave no answer)", changes)
            changes.runs.add(run)
            changes.marks.add(question.doc)
        elif isinstance(item, AskFailed):
            question.phase = "cancelled" if item.cancelled else "failed"
            question.error, question.hint = item.error, item.hint
            said = "(stopped)" if item.cancelled else f"(failed: {one_line(item.error)})"
            self._note(question, said, changes)
            changes.runs.add(run)
            changes.marks.add(question.doc)

    def _add(self, question: Question, kind: str, text: str, changes: AskChanges) -> None:
        question.add(kind, text)
        changes.appends.append((question.run, kind, text))

    def _note(self, question: Question, text: str, changes: AskChanges) -> None:
        self._add(question, "note", text + "\n", changes)
