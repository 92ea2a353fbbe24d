"""A whole question's bounds: its deadline (`Settings.ask_deadline`, seconds from the start of `Asker.ask`)
and its token budget (`Settings.ask_tokens`: the prompt and completion tokens of its counted calls, as the
result reports them). Either one reached, the question's work is cancelled (a call in flight with it) and
the question ends with what it found so far (`Found`): the pages read, an answer if one was written, the
nodes picked, and a warning that says which bound it reached.

The deadline is watched from outside the work; the budget is checked as each call of the question is
queued, so a call that has started always ends, and the question may spend up to one call's tokens past it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

from .. import events
from ..aio import cancel_and_wait
from .outline import Reading, Ref
from .types import AskDocument, AskResult, Citation, NodePick

Stop = Literal["", "deadline", "tokens"]  # why a question ended early ("": it did not)
T = TypeVar("T")


@dataclass
class Found:
    """What a question has found so far, kept as it goes so that a question stopped by a bound returns it."""

    docs: list[AskDocument] = field(default_factory=list)
    picked: list[Ref] = field(default_factory=list)
    reading: Reading | None = None
    rounds: int = 0
    answered: tuple[str, list[Citation], bool] | None = None  # prose, citations, cut: a finished answer

    def reads(self) -> list[events.NodeRead]:
        return list(self.reading.reads or []) if self.reading is not None else []

    def picks(self) -> list[NodePick]:
        return [NodePick(r.doc.name, r.node.node_id, r.node.title) for r in self.picked]

    def result(self, question: str, stopped: Stop = "") -> AskResult:
        prose, citations, cut = self.answered or ("", [], False)
        reads = self.reads()
        return AskResult(
            question=question,
            answer=prose,
            citations=citations,
            nodes_read=reads,
            documents=[d.name for d in self.docs],
            rounds=self.rounds,
            verifiable=all(d.read is not None for d in self.docs),
            cut=cut,
            picked=self.picks(),
            stopped=stopped,
        )

    def said(self) -> str:
        """What the question had found, in words, for the message of a bound reached."""
        reads = self.reads()
        if self.answered is not None and self.answered[0].strip():
            return "the answer written before it is kept"
        if reads:
            nodes = ", ".join(r.node_id for r in reads)
            return f"no answer was written; {len(reads)} node(s) were read: {nodes}"
        if self.picked:
            return "no node was read; picked: " + ", ".join(f"{p.node_id} {p.title}" for p in self.picks())
        return "nothing was picked or read yet"


class Bounds:
    """Runs a question's work within its deadline and token budget (0 for either: none)."""

    def __init__(self, deadline: float, tokens: int, tally: events.CallTally) -> None:
        self.deadline = deadline
        self.tokens = tokens
        self.tally = tally
        self.stop: Stop = ""
        self._task: asyncio.Future[Any] | None = None

    @property
    def spent(self) -> int:
        return self.tally.prompt + self.tally.completion

    def see(self, event: events.Event) -> None:
        """Each event of the question, after its session counted it: a call queued past the budget stops
        the work (a call already started is left to end)."""
        if (
            self.tokens
            and not self.stop
            and self._task is not None
            and isinstance(event, events.CallQueued)
            and self.spent >= self.tokens
        ):
            self.stop = "tokens"
            self._task.cancel()

    async def run(self, work: Coroutine[Any, Any, T]) -> T | None:
        """`work`'s result, or None when a bound stopped it (`stop` says which). Its errors go on as they
        are; when the caller is cancelled, the work is cancelled and awaited first."""
        task = asyncio.ensure_future(work)
        self._task = task
        try:
            done, _pending = await asyncio.wait({task}, timeout=self.deadline or None)
        except asyncio.CancelledError:
            await cancel_and_wait(task)
            raise
        finally:
            self._task = None
        if task not in done:
            self.stop = "deadline"
            await cancel_and_wait(task)
            return None
        if task.cancelled() and self.stop:
            return None
        return task.result()

    def message(self, found: Found) -> str:
        """The warning of a bound reached: which, and what had been found."""
        if self.stop == "deadline":
            which = f"its deadline of {self.deadline:g} s (ask_deadline)"
        else:
            which = f"its token budget of {self.tokens} (ask_tokens; {self.spent} spent)"
        return f"the question was stopped at {which}: {found.said()}"
