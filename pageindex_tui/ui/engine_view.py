"""How the app follows the engine: batches of events and job updates become document states, the live
tree, the calls table and the stream. `PageIndexApp` builds on this class."""

from __future__ import annotations

from pathlib import Path

from .. import events
from ..index.tree import count, from_pageindex, from_snapshot
from .literal import one_line
from .messages import EngineBatch, JobUpdate
from .panes import LiveDoc, PanesApp
from .state import CallRecord


class EngineViewApp(PanesApp):
    """Applies engine events to the app's state; state lives on `PageIndexApp`."""

    # -- engine events ---------------------------------------------------------------------------------------
    def on_engine_batch(self, message: EngineBatch) -> None:
        docs: set[str] = set()
        touched: dict[int, CallRecord] = {}
        appends: list[tuple[str, str]] = []
        switched = False
        tree_dirty = False
        for item in message.items:
            doc = item.doc
            if isinstance(item, (events.ReasoningDelta, events.AnswerDelta)):
                record = self.calls.get(doc, item.call_id)
                if record is None:
                    continue
                kind = "reasoning" if isinstance(item, events.ReasoningDelta) else "answer"
                if record.serial != self.shown_call and self.following and not self._shown_streaming():
                    self.shown_call, switched = record.serial, True  # the shown call is done or silent
                record.add(kind, item.text)
                record.completion_tokens += 1
                touched[record.serial] = record
                if record.serial == self.shown_call and not switched:
                    appends.append((kind, item.text))
            elif isinstance(item, events.CallStarted):
                record = self.calls.start(doc, item.call_id, item.purpose, item.prompt_tokens)
                touched[record.serial] = record
                if self.following and not self._shown_streaming():
                    self.shown_call, switched = record.serial, True
            elif isinstance(item, events.CallFinished):
                record = self.calls.get(doc, item.call_id)
                if record is None:
                    continue
                record.phase = item.outcome
                record.prompt_tokens = item.prompt_tokens or record.prompt_tokens
                record.completion_tokens = item.completion_tokens or record.completion_tokens
                record.ttft, record.seconds, record.error = item.ttft, item.seconds, item.error
                touched[record.serial] = record
                if self.following and record.serial == self.shown_call:
                    target = self._streaming_call()
                    if target is not None:
                        self.shown_call, switched = target.serial, True
            elif isinstance(item, JobUpdate):
                tree_dirty |= self._job_update(item)
                docs.add(doc)
            else:
                tree_dirty |= self._doc_event(item) and doc == self.current_doc
                docs.add(doc)
        if docs:
            self._docs_changed(docs)
        self._apply_calls(touched, appends, switched)
        if tree_dirty and self.current_doc in self.live:
            self.show_tree(self.live[self.current_doc])

    def _doc_event(self, item: events.Event) -> bool:
        """Apply a document event; True when the document's tree changed."""
        state = self.state(item.doc)
        markdown = Path(item.doc).suffix.lower() != ".pdf"
        if isinstance(item, events.DocumentStarted):
            state.phase, state.stage = "indexing", "read"
        elif isinstance(item, events.StageStarted):
            state.phase = "indexing"
            state.stage, state.done, state.total = item.stage, 0, item.total
        elif isinstance(item, events.StageProgress):
            state.stage, state.done, state.total = item.stage, item.done, item.total
        elif isinstance(item, events.WarningEvent):
            state.warnings.append(item.message)
        elif isinstance(item, events.StructureFound):
            self.live[item.doc] = LiveDoc(from_snapshot(item.nodes), item.source, markdown)
            return True
        elif isinstance(item, events.DocumentFinished):
            nodes = from_pageindex(item.result.get("structure") or [])
            self.live[item.doc] = LiveDoc(nodes, item.run.structure_source, markdown, item.result, item.run)
            state.nodes = item.run.nodes or count(nodes)
            return True
        elif isinstance(item, events.DocumentFailed):  # the one report of a failure, engine's or job's
            state.phase, state.error, state.hint = "failed", item.error, item.hint
            if item.kind == "server":
                self.show_banner(item.error, item.hint)
            self.live.pop(item.doc, None)
            if item.doc == self.current_doc:
                self._show_empty(state)
        return False

    def _job_update(self, item: JobUpdate) -> bool:
        state = self.state(item.doc)
        name = one_line(Path(item.doc).name, 60)
        if item.state == "queued":
            state.phase = "queued"
        elif item.state == "started":
            state.phase, state.stage, state.done, state.total = "indexing", "", 0, 0
            state.warnings = []
            self.live.pop(item.doc, None)
            if item.doc == self.current_doc:
                self._show_empty(state)
        elif item.state in ("reused", "finished") and item.entry is not None:
            state.phase, state.entry, state.exact, state.nodes = "indexed", item.entry, True, item.entry.nodes
            if item.state == "reused":
                self.notify(f"{name} is unchanged: its saved index is shown (I re-indexes).", markup=False)
                if item.doc == self.current_doc:
                    self.live.pop(item.doc, None)
                    self.load_entry(item.doc, item.entry)
            else:
                self.notify(f"Indexed {name}: {item.entry.nodes} nodes.", markup=False)
            return item.doc == self.current_doc and item.doc in self.live
        elif item.state == "cancelled":
            self.live.pop(item.doc, None)
            state.phase = "indexed" if state.entry is not None else "cancelled"
            self.notify(f"Cancelled {name}; nothing was written.", markup=False)
            if item.doc == self.current_doc:
                if state.entry is not None:
                    self.load_entry(item.doc, state.entry)
                else:
                    self._show_empty(state)
        return False
