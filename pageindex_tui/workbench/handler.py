"""Engine events and job updates become changes to the workbench state: the one place the app reads them.

Plain Python (no Textual): `EngineHandler(workbench, key).apply(items)` changes the `Workbench` and
returns the `Changes` for the app to show. What the library knows about listed files comes here too.
`key` names the key that a note's hint names ("i resumes it"), as the user's keymap binds it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from .. import events
from ..jobs.batch import BATCH_EVENTS, wait_text
from ..jobs.service import JobUpdate
from ..safe_text import one_line
from ..store.library import LibraryEntry
from ..store.records import CallProblem, RunRecord, RunWarning
from ..tree import Tree
from .ask_handler import AskHandler
from .asking import AskFailed
from .state import Changes, LiveDoc, ServerNotice, Workbench

KeyName = Callable[[str], str]  # a key id ("documents.index") -> the key a hint names ("i")

CALL_EVENTS = (events.CallStarted, events.ReasoningDelta, events.AnswerDelta, events.CallFinished)


class EngineHandler:
    def __init__(self, workbench: Workbench, key: KeyName) -> None:
        self.model = workbench
        self.key = key
        self.asks = AskHandler(workbench.asks)

    # -- what the library knows --------------------------------------------------------------------------
    def library_states(
        self, found: dict[str, tuple[LibraryEntry | None, bool]], damaged: Iterable[str] = ()
    ) -> Changes:
        """Saved indexes found for listed files: path -> (the saved index or None, made with these settings);
        `damaged`: those of them without one whose damaged index was set aside."""
        damaged = set(damaged)
        for doc, (entry, exact) in found.items():
            state = self.model.state(doc)
            if state.busy:
                continue
            state.entry, state.exact = entry, exact
            if entry is not None:
                state.phase, state.nodes = "partial" if entry.partial else "indexed", entry.nodes
                state.partial = entry.partial
            elif doc in damaged:
                state.phase, state.partial = "damaged", None
            elif state.phase in ("unknown", "indexed", "partial", "damaged"):
                state.phase, state.partial = "none", None
        return self.model.touch(set(found), Changes())

    # -- engine events, in order -------------------------------------------------------------------------
    def apply(self, items: list[Any]) -> Changes:
        model, changes = self.model, Changes()
        docs: set[str] = set()
        tree_dirty = False
        deltas = 0
        for item in items:
            if self.asks.owns(item):  # a question's event: its calls are calls like any other
                self.asks.apply(item, changes.ask)
                if isinstance(item, AskFailed) and item.kind == "server":
                    changes.banner = ServerNotice(item.error, item.hint)
                if not isinstance(item, CALL_EVENTS):
                    continue
            else:
                model.batch.see(item)
                changes.batch |= isinstance(item, BATCH_EVENTS)
            if isinstance(item, (events.ServerPaused, events.ServerResumed)):
                self._outage(item, changes)
                continue
            if isinstance(item, (events.LimitChanged, events.WorkEstimate)):
                continue  # the batch's figures only: the meter has them
            if isinstance(item, (events.ReasoningDelta, events.AnswerDelta)):
                self._delta(item, changes)
                deltas += 1
            elif isinstance(item, events.CallQueued):
                record = model.calls.queued(item, model.clock())
                changes.calls[record.serial] = record
            elif isinstance(item, events.CallStarted):
                self._call_started(item, changes)
            elif isinstance(item, events.CallFinished):
                self._call_finished(item, changes)
            elif isinstance(item, JobUpdate):
                tree_dirty |= self._job_update(item, changes)
                docs.add(item.doc)
            else:
                tree_dirty |= self._doc_event(item, changes) and item.doc == model.current_doc
                docs.add(item.doc)
        if deltas:
            model.meter.add(model.clock(), deltas)
        if docs:
            model.touch(docs, changes)
        changes.removed = model.calls.take_removed()
        changes.stream = bool(changes.calls)
        if tree_dirty and model.current_doc in model.live:
            model.show(model.live[model.current_doc], changes)
        return changes

    def _outage(self, item: events.ServerPaused | events.ServerResumed, changes: Changes) -> None:
        """The calls pause for the server (the banner says since when), or go on (the banner goes)."""
        if isinstance(item, events.ServerPaused):
            hint = f"{item.reason}; the calls wait for it and go on when it answers"
            changes.banner = ServerNotice(self.model.batch.reading().paused_text(), hint, paused=True)
        else:
            changes.banner_gone = True
            changes.notes.append(f"The model server answers again after {wait_text(item.seconds)}.")

    def _call_started(self, item: events.CallStarted, changes: Changes) -> None:
        model = self.model
        record = model.calls.sent(item, model.clock())
        changes.calls[record.serial] = record
        if model.following and not model.shown_streaming():
            model.shown_call, changes.switched = record.serial, True

    def _delta(self, item: events.ReasoningDelta | events.AnswerDelta, changes: Changes) -> None:
        model = self.model
        record = model.calls.get(item.doc, item.call_id)
        if record is None:
            return
        if record.serial != model.shown_call and model.following and not model.shown_streaming():
            model.shown_call, changes.switched = record.serial, True  # the shown call is done or silent
        model.calls.streamed(item, model.clock())
        changes.calls[record.serial] = record
        if record.serial == model.shown_call and not changes.switched:
            kind = "reasoning" if isinstance(item, events.ReasoningDelta) else "answer"
            changes.appends.append((kind, item.text))

    def _call_finished(self, item: events.CallFinished, changes: Changes) -> None:
        model = self.model
        record = model.calls.finished(item, model.clock())
        if record is None:
            return
        changes.calls[record.serial] = record
        if item.outcome == "retry" and record.serial == model.shown_call and not changes.switched:
            changes.appends.append(("error", record.note))
        if item.outcome in ("retry", "invalid", "error") and item.error and item.doc in model.states:
            problem = CallProblem(record.purpose, item.outcome, item.error, round(item.seconds, 3))
            model.states[item.doc].note_problem(problem)
            changes.docs.add(item.doc)
        if model.following and record.serial == model.shown_call:
            target = model.streaming_call()
            if target is not None:
                model.shown_call, changes.switched = target.serial, True

    def _doc_event(self, item: events.Event, changes: Changes) -> bool:
        """Apply a document event; True when the document's tree changed."""
        state = self.model.state(item.doc)
        if isinstance(item, events.DocumentStarted):
            state.phase, state.stage = "indexing", "read"
        elif isinstance(item, events.StageStarted):
            state.phase = "indexing"
            state.stage, state.done, state.total = item.stage, 0, item.total
        elif isinstance(item, events.StageProgress):
            state.stage, state.done, state.total = item.stage, item.done, item.total
        elif isinstance(item, events.WarningEvent):
            state.warnings.append(RunWarning(item.message, item.kind))
            state.ran = True
        elif isinstance(item, events.NodeSummarized):  # shown as soon as its call ended
            live = self.model.live.get(item.doc)
            node = live.node(item.node_id) if live is not None else None
            if node is not None:
                node.summary = item.summary
                if item.doc == self.model.current_doc and live is self.model.shown:
                    changes.summaries.add(item.node_id)
        elif isinstance(item, events.StructureFound):
            self.model.live[item.doc] = LiveDoc(item.tree, item.source)
            return True
        elif isinstance(item, events.DocumentFinished):
            self._finished(item.doc, item.result, item.run)
            return True
        elif isinstance(item, events.DocumentPartial):  # the run stopped; what it had is kept
            run = item.run
            self._finished(item.doc, item.result, run)
            state.phase, state.partial = "partial", run.partial
            if run.partial is not None and run.partial.reason == "server":
                changes.banner = ServerNotice(run.partial.error, run.partial.hint)
                self.model.interrupted.add(item.doc)
            return True
        elif isinstance(item, events.DocumentFailed):  # the one report of a failure, engine's or job's
            state.phase, state.error, state.hint = "failed", item.error, item.hint
            if item.kind == "server":
                changes.banner = ServerNotice(item.error, item.hint)
            self.model.live.pop(item.doc, None)
            if item.doc == self.model.current_doc:
                self.model.clear_shown(changes)
        return False

    def _finished(self, doc: str, tree: Tree, run: RunRecord) -> None:
        """The tree a run ended with, and its node count: the one on show taken up to date when its nodes
        are the same (they are built once per run), else a new one (a saved index of other settings, ids
        left out)."""
        self.model.state(doc).nodes = run.nodes or tree.count()
        live = self.model.live.get(doc)
        if live is not None and live.take(tree):
            live.source, live.run = run.structure_source, run
        else:
            self.model.live[doc] = LiveDoc(tree, run.structure_source, run)

    def _job_update(self, item: JobUpdate, changes: Changes) -> bool:
        model = self.model
        state = model.state(item.doc)
        name = one_line(Path(item.doc).name, 60)
        current = item.doc == model.current_doc
        if item.state == "queued":
            state.phase = "queued"
        elif item.state == "started":
            state.phase, state.stage, state.done, state.total = "indexing", "", 0, 0
            if not state.resuming:  # a resumed run goes on from the stopped one: its log and ⚠ too
                state.warnings, state.problems = [], []
            state.ran = True
            model.interrupted.discard(item.doc)
            if state.partial is None or item.doc not in model.live:  # a resumed tree stays on show
                model.live.pop(item.doc, None)
                if current:
                    model.clear_shown(changes)
        elif item.state == "partial" and item.entry is not None:
            state.phase, state.entry, state.exact = "partial", item.entry, True
            state.partial = item.entry.partial
            how = state.partial.describe() if state.partial else "partial"
            index = self.key("documents.index")
            changes.notes.append(f"Kept {name} as a partial index ({how}): {index} resumes it.")
        elif item.state in ("reused", "finished") and item.entry is not None:
            state.phase, state.entry, state.exact, state.nodes = "indexed", item.entry, True, item.entry.nodes
            state.partial = None
            if item.state == "reused":
                state.ran = False  # the saved index's own record tells its warnings
                again = self.key("documents.index_force")
                changes.notes.append(f"{name} is unchanged: its saved index is shown ({again} re-indexes).")
                if current:
                    model.live.pop(item.doc, None)
                    changes.load = (item.doc, item.entry)
            else:
                changes.notes.append(f"Indexed {name}: {item.entry.nodes} nodes.")
            return current and item.doc in model.live
        elif item.state == "cancelled" and item.entry is not None and item.entry.partial is not None:
            state.phase, state.entry, state.exact = "partial", item.entry, True  # its tree stays on show
            state.partial, state.nodes = item.entry.partial, item.entry.nodes
            how = state.partial.describe()
            index = self.key("documents.index")
            changes.notes.append(
                f"Cancelled {name}; kept what was done as a partial index ({how}): {index} resumes."
            )
        elif item.state == "cancelled":
            model.live.pop(item.doc, None)
            saved = state.entry.partial if state.entry is not None else None  # the partial it went on from
            state.phase = "cancelled" if state.entry is None else "partial" if saved else "indexed"
            state.partial = saved
            changes.notes.append(f"Cancelled {name}; nothing was written.")
            if current:
                if state.entry is not None:
                    changes.load = (item.doc, state.entry)
                else:
                    model.clear_shown(changes)
        return False
