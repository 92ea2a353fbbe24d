"""The workbench's state, without Textual: each document, the live trees, the LLM calls (`calls.py`) and
what the panes show. `handler.py` changes it from engine events, the panes' actions change it through
`Workbench`'s methods, and every change is described by a `Changes` that the app shows."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

from ..index.tree import Node, frozen, refill, thawed, walk
from ..jobs.batch import BatchMeter
from ..safe_text import counted, one_line
from ..store.library import LibraryEntry
from ..store.records import MAX_PROBLEMS, CallProblem, PartialState, RunRecord, RunWarning
from ..tree import Tree
from .asking import AskBook, AskChanges
from .calls import LIVE_PHASES, CallBook, CallRecord, StreamMeter

# "damaged": its saved index held what we never write and was set aside (store/damage.py)
DocPhase = Literal[
    "unknown", "none", "queued", "indexing", "indexed", "partial", "failed", "cancelled", "damaged"
]

STAGE_WORDS = {
    "read": "reading",
    "ocr": "recognising text",
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
    resuming: bool = False  # queued to go on from its partial index: its run keeps the last one's log

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

    def stage_words(self) -> str:
        """Where a run stands: its stage in words, and its progress through it ("summarizing 3/12")."""
        word = STAGE_WORDS.get(self.stage, self.stage or "starting")
        return f"{word} {self.done}/{self.total}" if self.total else word

    def badge(self) -> tuple[str, str]:
        """The short mark after the file name in the documents pane, and its kind (for styling)."""
        if self.phase == "queued":
            return "… queued", "queued"
        if self.phase == "indexing":
            return f"◔ {self.stage_words()}", "indexing"
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
            return f"indexing is still running ({self.stage_words()})"
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
            return f"{name}: indexing, {self.stage_words()}"
        if self.phase == "indexed":
            made = (
                ""
                if self.exact
                else f" (made with other settings: {index_key} indexes with the current ones)"
            )
            source = f", structure from {self.entry.structure_source}" if self.entry else ""
            warned = self.warned
            extra = f", {counted(warned, 'warning')}" if warned else ""
            return f"{name}: indexed, {self.nodes} nodes{source}{extra}{made}"
        if self.phase == "partial":
            partial = self.partial  # the server's own words are in the banner and the run record
            how = partial.describe() if partial is not None else "partial"
            why = "cancelled" if partial is not None and partial.reason == "cancelled" else "server failed"
            again = "indexes it again" if partial is not None and partial.awaits_model else "resumes"
            return f"{name}: {counted(self.nodes, 'node')}, {how} ({why}); {index_key} {again}"
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
        return replace(self.tree, nodes=frozen(self.nodes))

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


@dataclass(frozen=True)
class ServerNotice:
    """What the server banner says: the problem, the checks, and whether it is calls waiting for the
    server (a pause, shown without a warning sign, gone when they go on) rather than a failure."""

    message: str
    hint: str
    paused: bool = False


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
    banner: ServerNotice | None = None  # a server problem, or calls paused for the server
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

    def queued(self, doc: str, force: bool = False) -> None:
        """The document waits its turn; unless `force`d, one with a partial index goes on from it."""
        state = self.state(doc)
        state.resuming = state.phase == "partial" and not force
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
