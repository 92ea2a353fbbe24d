"""The workbench's state, without Textual: each document, the live trees, the LLM calls and what the
panes show. `handler.py` changes it from engine events, the panes' actions change it through
`Workbench`'s methods, and every change is described by a `Changes` that the app shows."""

from __future__ import annotations

import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from ..index.tree import Node, frozen, refill, thawed, walk
from ..jobs.batch import BatchMeter
from ..safe_text import one_line
from ..store.library import LibraryEntry
from ..store.records import MAX_PROBLEMS, CallProblem, PartialState, RunRecord, RunWarning
from ..tree import Tree
from .asking import AskBook, AskChanges

# "damaged": its saved index held what we never write and was set aside (store/damage.py)
DocPhase = Literal[
    "unknown", "none", "queued", "indexing", "indexed", "partial", "failed", "cancelled", "damaged"
]

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
    warnings: list[RunWarning] = field(default_factory=list)  # this session's run, from its events
    problems: list[CallProblem] = field(default_factory=list)  # ... its retried and failed calls
    ran: bool = False  # a run of this session reported (warnings and problems are its own)
    partial: PartialState | None = None  # phase "partial": how far the stopped run got, and why

    @property
    def busy(self) -> bool:
        return self.phase in ("queued", "indexing")

    @property
    def warned(self) -> int:
        """Warnings of the index shown: this session's run's, else the saved index's record's."""
        if self.ran:
            return len(self.warnings)
        return self.entry.warnings if self.entry is not None and self.phase == "indexed" else 0

    def note_problem(self, problem: CallProblem) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(problem)

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
        if self.phase == "partial":
            partial = self.partial
            progress = f" {partial.done}/{partial.total}" if partial is not None and partial.total else ""
            return f"◑ partial{progress}", "partial"
        if self.phase == "failed":
            return f"✗ {one_line(self.error, 60)}", "failed"
        if self.phase == "cancelled":
            return "⊘ cancelled", "cancelled"
        if self.phase == "damaged":
            return "✗ index damaged", "failed"
        if self.phase == "none":
            return "○", "none"
        return "", "none"

    def export_note(self) -> str:
        """What an export made now lacks ("" for a finished index): the run still going, or stopped."""
        if self.busy:
            word = STAGE_WORDS.get(self.stage, self.stage or "starting")
            progress = f" {self.done}/{self.total}" if self.total else ""
            return f"indexing is still running ({word}{progress})"
        if self.phase == "partial" and self.partial is not None:
            return f"{self.partial.describe()}, {self.partial.why()}"
        return ""

    def describe(self, index_key: str) -> str:
        """One or two lines for the info line under the documents tree (plain text); `index_key` is
        the key that indexes, as the user's keymap binds it."""
        name = self.path.name
        if self.phase == "queued":
            return f"{name}: queued"
        if self.phase == "indexing":
            word = STAGE_WORDS.get(self.stage, self.stage or "starting")
            progress = f" {self.done}/{self.total}" if self.total else ""
            return f"{name}: indexing, {word}{progress}"
        if self.phase == "indexed":
            made = (
                ""
                if self.exact
                else f" (made with other settings: {index_key} indexes with the current ones)"
            )
            source = f", structure from {self.entry.structure_source}" if self.entry else ""
            warned = self.warned
            extra = f", {warned} warning{'s' * (warned != 1)}" if warned else ""
            return f"{name}: indexed, {self.nodes} nodes{source}{extra}{made}"
        if self.phase == "partial":
            partial = self.partial  # the server's own words are in the banner and the run record
            how = partial.describe() if partial is not None else "partial"
            why = "cancelled" if partial is not None and partial.reason == "cancelled" else "server failed"
            return f"{name}: {self.nodes} nodes, {how} ({why}); {index_key} resumes"
        if self.phase == "failed":
            hint = f"\n  {self.hint}" if self.hint else ""
            return f"{name}: failed: {self.error}{hint}"
        if self.phase == "cancelled":
            return f"{name}: cancelled (nothing was written; {index_key} starts again)"
        if self.phase == "damaged":
            return f"{name}: index damaged: {index_key} re-indexes (the damaged one was set aside)"
        if self.phase == "none":
            return f"{name}: not indexed ({index_key} to index)"
        return name


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


# -- documents and what the panes show ---------------------------------------------------------------------
@dataclass
class LiveDoc:
    """The tree of a document as the engine reports it (while and after indexing), or as saved.

    `tree` is the tree as reported (with its name, unit and description); `nodes` its working copy,
    made from it once, which the summaries arriving during the run fill in (and `take` brings up to date
    when the run ends with the same nodes)."""

    tree: Tree
    source: str
    run: RunRecord | None = None
    nodes: list[Node] = field(init=False)
    _by_id: dict[str, Node] | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.nodes = thawed(self.tree.nodes)

    @property
    def markdown(self) -> bool:
        return self.tree.unit == "line"

    def current(self) -> Tree:
        """The tree as it stands now, summaries that came during the run included."""
        return Tree(self.tree.name, self.tree.unit, frozen(self.nodes), self.tree.description, self.tree.size)

    def node(self, node_id: str) -> Node | None:
        """The node with this id (the ids are the engine's, fixed once the structure is reported)."""
        if self._by_id is None:
            self._by_id = {n.node_id: n for n in walk(self.nodes) if n.node_id}
        return self._by_id.get(node_id)

    def take(self, tree: Tree) -> bool:
        """Take a later report of the same tree (the same nodes, ids and ranges: a run that finished or
        stopped after its structure was shown) without building the nodes again: its summaries, texts
        and description come over. False, and nothing changes, when the nodes differ."""
        if not refill(self.nodes, tree.nodes):
            return False
        self.tree = tree
        return True


@dataclass
class Changes:
    """What one update changed, for the app to show: nothing here is drawn until the app applies it."""

    docs: set[str] = field(default_factory=set)  # documents whose row (and info line) changed
    calls: dict[int, CallRecord] = field(default_factory=dict)  # calls whose row changed
    removed: list[int] = field(default_factory=list)  # calls dropped from the book
    appends: list[tuple[str, str]] = field(default_factory=list)  # text for the call on show
    switched: bool = False  # another call is on show: draw it whole
    stream: bool = False  # the stream's head line changed
    tree: bool = False  # `Workbench.shown` is a new (version of a) tree: show it
    keep: bool = True  # ... keeping the tree's cursor and open branches
    empty: bool = False  # the current document has no tree to show: show why
    summaries: set[str] = field(default_factory=set)  # node ids of the shown tree whose summary came
    load: tuple[str, LibraryEntry] | None = None  # read this saved index for the current document
    notes: list[str] = field(default_factory=list)  # toasts
    banner: tuple[str, str] | None = None  # a server problem: (message, hint)
    banner_gone: bool = False  # the calls no longer wait for the server: the pause's banner goes
    batch: bool = False  # the batch's figures (documents, tokens, ETA) or the calls' bound changed
    ask: AskChanges = field(default_factory=AskChanges)  # what the questions' events changed


class Workbench:
    """Documents, their live trees, the calls, and what is selected and shown."""

    def __init__(self) -> None:
        self.states: dict[str, DocState] = {}
        self.calls = CallBook()
        self.live: dict[str, LiveDoc] = {}  # trees the engine reported in this session
        self.current_doc: str | None = None  # the document highlighted in the documents pane
        self.shown: LiveDoc | None = None  # what the tree pane shows
        self.shown_call: int | None = None  # the call the stream pane shows
        self.following = True  # the stream follows the newest call
        self.interrupted: set[str] = set()  # partial because the model server failed (resumed when back)
        self.asks = AskBook()  # the questions of the session, per document
        self.clock: Callable[[], float] = time.monotonic  # tests set a fixed one
        self.meter = StreamMeter()
        self.batch = BatchMeter(lambda: self.clock())  # the batch's progress and the calls' bound

    def state(self, path: Path | str) -> DocState:
        key = str(path)
        if key not in self.states:
            self.states[key] = DocState(Path(key))
        return self.states[key]

    @property
    def current(self) -> DocState | None:
        return self.state(self.current_doc) if self.current_doc is not None else None

    # -- documents -------------------------------------------------------------------------------------
    def select(self, doc: str) -> Changes:
        """The user highlighted a document."""
        changes = Changes(docs={doc})
        if doc == self.current_doc:
            return changes
        self.current_doc = doc
        live, state = self.live.get(doc), self.state(doc)
        if live is not None:
            self.show(live, changes, keep=False)
        elif state.entry is not None:
            changes.load = (doc, state.entry)
        else:
            self.clear_shown(changes)
        return changes

    def resumable(self, outage_only: bool = False) -> list[str]:
        """Documents with a partial index and no run: all of them, or those an outage stopped."""
        return [
            doc
            for doc, state in self.states.items()
            if state.phase == "partial" and (not outage_only or doc in self.interrupted)
        ]

    def queued(self, doc: str) -> None:
        state = self.state(doc)
        state.phase, state.stage, state.done, state.total = "queued", "", 0, 0
        state.error = state.hint = ""

    def entry_loaded(self, doc: str, live: LiveDoc) -> Changes:
        """A saved index was read for `doc`: show it unless the user moved on or a live tree came."""
        changes = Changes()
        if doc == self.current_doc and doc not in self.live:
            self.show(live, changes, keep=False)
        return changes

    def show(self, live: LiveDoc, changes: Changes, keep: bool = True) -> None:
        self.shown = live
        changes.tree, changes.keep = True, keep and changes.keep

    def clear_shown(self, changes: Changes) -> None:
        self.shown = None
        changes.empty, changes.tree = True, False

    def touch(self, docs: set[str], changes: Changes) -> Changes:
        """These documents changed: if the current one has no live tree, show its saved one or why not."""
        changes.docs |= docs
        doc, state = self.current_doc, self.current
        if doc is None or state is None or doc not in docs or doc in self.live:
            return changes
        if state.entry is not None:
            if self.shown is None or not self.shown.nodes:
                changes.load = (doc, state.entry)
        else:
            self.clear_shown(changes)
        return changes

    # -- calls -----------------------------------------------------------------------------------------
    @property
    def shown_record(self) -> CallRecord | None:
        return self.calls.records.get(self.shown_call) if self.shown_call is not None else None

    def shown_streaming(self) -> bool:
        """The call on show is running and has text: following stays on it until it ends."""
        record = self.shown_record
        return record is not None and record.phase == "running" and record.chars > 0

    def elapsed(self, record: CallRecord) -> float | None:
        """Seconds a call has been queued, sent or running; None when it has finished."""
        return max(0.0, self.clock() - record.since) if record.phase in LIVE_PHASES else None

    def streaming_call(self) -> CallRecord | None:
        """The newest call that is running and streaming text."""
        for record in reversed(self.calls.records.values()):
            if record.phase == "running" and record.chars > 0:
                return record
        return None

    def pick(self, serial: int) -> None:
        """The user chose a call: show it and stop following."""
        self.following, self.shown_call = False, serial

    def follow(self) -> CallRecord | None:
        """Follow the newest call again; the call now on show."""
        self.following = True
        newest = self.calls.newest
        self.shown_call = newest.serial if newest else None
        return newest
