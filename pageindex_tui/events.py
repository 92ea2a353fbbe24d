"""The typed progress events every stage emits.

The engine reports through one callback, `EventSink`, taking these dataclasses. The CLI builds its
progress bar from them, the app its widgets, and tests assert on them. Nothing else crosses from the
engine to a front end. Events are plain data: no UI types, frozen so a consumer can keep them.
`CallTally` is what one document's events add up to (its calls, tokens, problems and warnings), counted
by the model session (`llm/session.py`) for the run record, the CLI and an answer alike.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from .errors import FailureKind
from .store.records import MAX_PROBLEMS, CallFigures, CallOutcome, CallProblem, RunWarning, WarningKind
from .tree import Tree

if TYPE_CHECKING:
    from .store.records import RunRecord

Stage = Literal[
    "read",  # open the document, count pages
    "ocr",  # recognise the text of scanned pages
    "structure",  # find the sections (outline, printed contents, layout, or the model)
    "verify",  # check titles on their pages
    "split",  # break nodes that are too large
    "summarize",  # node summaries
    "describe",  # document description
    "write",  # write the JSON files
]

# "hybrid": a coarse outline or printed contents with the layout's headings grafted under it, or a
# numbered printed contents with the layout's sections numbered under its entries ("3.1.1.1");
# "pages": page groups standing in while the sections wait for a model that could not be reached
StructureSource = Literal["outline", "hybrid", "toc", "layout", "model", "markdown", "pages"]


@dataclass(frozen=True)
class Event:
    doc: str  # the document's path as given (an id for front ends)


@dataclass(frozen=True)
class DocumentStarted(Event):
    name: str
    pages: int  # pages for a PDF, lines for Markdown


@dataclass(frozen=True)
class StageStarted(Event):
    stage: Stage
    total: int = 0  # units of work in this stage, 0 when unknown


@dataclass(frozen=True)
class StageProgress(Event):
    stage: Stage
    done: int
    total: int


@dataclass(frozen=True)
class StageFinished(Event):
    stage: Stage
    detail: str = ""  # short, plain text: "outline, 12 sections"


@dataclass(frozen=True)
class CallQueued(Event):
    """A call waits for a place under the client's concurrency bound (nothing is sent yet). `CallStarted`
    with the same id follows once it is sent, or `CallFinished("cancelled")` when it is cancelled first.
    Each attempt of a call has its own id; a retry names the attempt it tries again (`retry_of`), so a
    front end can fold the attempts into one call."""

    call_id: int
    purpose: str
    prompt_tokens: int
    retry_of: int | None = None  # the id of the attempt this one tries again (it ended "retry")
    ahead: int = 0  # calls already waiting that take a place before it (a question's go before indexing's)
    busy: int = 0  # calls running when it queued
    places: int = 0  # the bound then (0: not known)

    @property
    def all_busy(self) -> bool:
        """Whether it must wait for a place (it does not start at once)."""
        return self.places > 0 and (self.ahead > 0 or self.busy >= self.places)

    def where(self) -> str:
        """Where it waits, in words: "queued: next free place of 4, all busy"."""
        if not self.all_busy:
            return ""
        if self.ahead == 0:
            return f"queued: next free place of {self.places}, all busy"
        return f"queued: {self.ahead} ahead of it for {self.places} places, all busy"


@dataclass(frozen=True)
class CallStarted(Event):
    """A call is sent to the server (or replayed from the cache, without a `CallQueued` before it)."""

    call_id: int
    purpose: str  # "locate 2.1 Data", "summarize 0003", ...
    prompt_tokens: int


@dataclass(frozen=True)
class ReasoningDelta(Event):
    call_id: int
    text: str


@dataclass(frozen=True)
class AnswerDelta(Event):
    call_id: int
    text: str


@dataclass(frozen=True)
class CallFinished(Event):
    call_id: int
    outcome: CallOutcome
    prompt_tokens: int = 0
    completion_tokens: int = 0
    reasoning_tokens: int = 0
    ttft: float | None = None  # seconds to the first streamed token
    seconds: float = 0.0
    error: str = ""

    @property
    def work(self) -> int:
        """Tokens of work this call did (prompt plus reply), as a batch's progress counts them: every
        finished attempt, cached replies included (done, at no cost); none for a cancelled call."""
        return 0 if self.outcome == "cancelled" else self.prompt_tokens + self.completion_tokens


@dataclass(frozen=True)
class LimitChanged(Event):
    """The client's bound on LLM calls in flight was set or changed. `doc` is "": the bound spans every
    document of the batch. `reason` is plain text ("a safe start", "grew: KV 12%, 0 waiting",
    "shrank: halved, the server answered 503"); `adaptive` says whether it may change again."""

    limit: int
    reason: str
    adaptive: bool


@dataclass(frozen=True)
class ServerPaused(Event):
    """The model server stopped answering (refused connections, 503, its health failing): the client's
    calls wait for it instead of spending their retries. `doc` is "": the pause spans the batch. `since`
    is the wall-clock time (`time.time()`) it was first missed; `reason` says what failed, plainly."""

    since: float
    reason: str


@dataclass(frozen=True)
class ServerResumed(Event):
    """The server answers again after a `ServerPaused`; the waiting calls go on. `seconds`: the pause."""

    seconds: float


@dataclass(frozen=True)
class WorkEstimate(Event):
    """A document's LLM work as estimated so far, in tokens (prompt plus reply, over every call still to
    come and done), for a batch ETA. Sent again when the estimate changes (the structure is known)."""

    tokens: int


@dataclass(frozen=True)
class StructureFound(Event):
    """The whole tree as it stands after a stage (structure found, nodes split); front ends redraw from it.
    The tree has no summaries yet but those of a resumed run, and no description."""

    tree: Tree
    source: StructureSource


@dataclass(frozen=True)
class NodeSummarized(Event):
    """One node's summary, as soon as its call ended or its fallback was taken: front ends show it at once."""

    node_id: str
    summary: str


@dataclass(frozen=True)
class WarningEvent(Event):
    message: str
    kind: WarningKind = "other"


@dataclass(frozen=True)
class DocumentFinished(Event):
    structure_path: str
    run_path: str
    result: Tree  # the tree as written (node ids only when the settings add them)
    run: RunRecord  # the sidecar record


@dataclass(frozen=True)
class DocumentPartial(Event):
    """The run stopped (the server failed, or it was cancelled) after the structure was known: what it had
    is written as a partial index. `run.partial` says how far it got and why; indexing again resumes it.
    The one report of such a stop: no DocumentFailed follows."""

    structure_path: str
    run_path: str
    result: Tree  # the tree so far, as written (summaries of the nodes that have one)
    run: RunRecord  # its `partial` is set


@dataclass(frozen=True)
class DocumentFailed(Event):
    """The one report of a document's failure: front ends show it, results keep it (DocumentResult)."""

    error: str
    hint: str = ""
    kind: FailureKind = "other"  # "server": the model server is down or refuses; the app shows a banner


class CallTally:
    """One document's (or question's) calls and warnings, from its own events: the one definition of a call.

    A call counts once it ended for good: answered ("ok"), answered with something unusable ("invalid")
    or failed ("error"); a reply replayed from the cache counts as cached instead; a retried attempt and
    a cancelled call do not count. `work` is every finished attempt's tokens (`CallFinished.work`)."""

    def __init__(self) -> None:
        self.calls = self.cached = self.prompt = self.completion = self.reasoning = self.failed = 0
        self.work = 0
        self.ttfts: list[float] = []
        self.warnings: list[RunWarning] = []
        self.problems: list[CallProblem] = []
        self.problems_dropped = 0
        self._purposes: dict[int, str] = {}  # calls not finished yet

    def carry(self, stopped: RunRecord) -> None:
        """A resumed run goes on from a stopped one: its warnings and call problems come first in this
        run's (its log and record keep what happened before the resume)."""
        self.warnings[:0] = stopped.warnings
        room = MAX_PROBLEMS - len(self.problems)
        self.problems[:0] = stopped.problems[:room]
        self.problems_dropped += stopped.problems_dropped + max(0, len(stopped.problems) - room)

    def see(self, event: Event) -> None:
        if isinstance(event, WarningEvent):
            self.warnings.append(RunWarning(event.message, event.kind))
        if isinstance(event, (CallQueued, CallStarted)):
            self._purposes[event.call_id] = event.purpose
        if not isinstance(event, CallFinished):
            return
        purpose = self._purposes.pop(event.call_id, "")
        self.work += event.work
        if event.outcome in ("retry", "invalid", "error") and event.error:
            if len(self.problems) < MAX_PROBLEMS:
                seconds = round(event.seconds, 3)
                self.problems.append(CallProblem(purpose, event.outcome, event.error, seconds))
            else:
                self.problems_dropped += 1
        if event.outcome == "cached":
            self.cached += 1
            return
        if event.outcome in ("retry", "cancelled"):
            return
        self.calls += 1
        self.failed += event.outcome == "error"
        self.prompt += event.prompt_tokens
        self.completion += event.completion_tokens
        self.reasoning += event.reasoning_tokens
        if event.ttft is not None:
            self.ttfts.append(event.ttft)

    def record(self) -> CallFigures:
        """The figures as a run record keeps them."""
        return CallFigures(
            calls=self.calls,
            cached_calls=self.cached,
            failed_calls=self.failed,
            prompt_tokens=self.prompt,
            completion_tokens=self.completion,
            reasoning_tokens=self.reasoning,
            ttft_seconds_mean=round(statistics.fmean(self.ttfts), 3) if self.ttfts else None,
            ttft_seconds_median=round(statistics.median(self.ttfts), 3) if self.ttfts else None,
        )


EventSink = Callable[[Event], None]


def ignore(_event: Event) -> None:
    """An EventSink that drops everything."""


# --- asking a tree (pageindex_tui.ask) --------------------------------------------------------------
# An ask run reports through the same sink: its LLM calls as CallStarted/ReasoningDelta/AnswerDelta/
# CallFinished (doc = the run's id), plus these. `AskAnswerDelta` is the answer's prose only, without
# the `Sources:` lines, which arrive checked in `AskFinished`.
AskStep = Literal["route", "pick", "read", "assess", "answer", "verify"]


@dataclass(frozen=True)
class NodeRead:
    """A node whose text the model was shown: `pages` are the units actually included."""

    doc: str  # the document's name
    node_id: str
    title: str
    pages: tuple[int, ...]
    round: int
    truncated: bool = False  # part of the node was left out to stay within the token budget


@dataclass(frozen=True)
class AskStarted(Event):
    question: str
    documents: tuple[str, ...]


@dataclass(frozen=True)
class AskProgress(Event):
    step: AskStep
    round: int
    detail: str = ""  # short, plain text: "3 nodes: 0003, 0007, 0012"


@dataclass(frozen=True)
class AskRead(Event):
    """Nodes whose text was just put before the model in reading round `round` (front ends mark them)."""

    round: int
    reads: tuple[NodeRead, ...]


@dataclass(frozen=True)
class AskAnswerDelta(Event):
    text: str


@dataclass(frozen=True)
class AskAnswerRetry(Event):
    """The answer is written again (it cited unread pages or unknown nodes): drop what was shown."""

    reason: str


@dataclass(frozen=True)
class AskFinished(Event):
    result: Any  # pageindex_tui.ask.AskResult (events import nothing of the engine)
