"""The app's pane behaviour that needs no layout of its own: the calls table and stream, the tree
pane's filter, copy, page text and export. `PageIndexApp` builds on this class."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import App
from textual.binding import Binding, BindingType
from textual.widgets import Input, Static

from .. import export
from ..errors import PageIndexError
from ..index.tree import Node
from ..library import atomic_write_text
from ..records import RunRecord
from .literal import one_line
from .screens.export import ExportScreen
from .state import CallRecord
from .widgets.calls import CallsTable
from .widgets.detail import NodeDetail
from .widgets.index_tree import IndexTree, NodeRef
from .widgets.stream import FollowRequested, StreamView

DEFAULT_THEME = "pageindex-dark"
Piece = tuple[str, str]
SCOPE_WIDGETS = {"documents": "#documents", "tree": "#tree", "calls": "#calls", "stream": "#stream"}
PANES = {"documents": "#documents", "tree": "#tree", "stream": "#stream", "calls": "#calls"}


@dataclass
class LiveDoc:
    """The tree of a document as the engine reports it (while and after indexing)."""

    nodes: list[Node]
    source: str
    markdown: bool
    result: dict[str, Any] | None = None
    run: RunRecord | None = None


class FilterInput(Input):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "clear", "Clear filter", show=False)]

    def action_clear(self) -> None:
        self.value = ""
        self.app.call_later(self.app.close_filter, True)  # type: ignore[attr-defined]


class PanesApp(App[int]):
    """Handlers for the stream, calls and tree panes; state lives on `PageIndexApp`."""

    # -- calls and stream ------------------------------------------------------------------------------------
    def _apply_calls(self, touched: dict[int, CallRecord], appends: list[Piece], switched: bool) -> None:
        table = self.query_one("#calls", CallsTable)
        removed = self.calls.take_removed()
        if removed:
            table.drop(removed)
        for record in touched.values():
            if record.serial in self.calls.records:
                table.upsert(record)
        stream = self.query_one("#stream", StreamView)
        if switched:
            self._render_call(self.shown_call)
        else:
            for kind, text in appends:
                stream.append(kind, text)
        if touched:
            self.query_one("#calls-pane").border_subtitle = f"{len(self.calls)} calls"
            if self.following and self.shown_call is not None and not table.has_focus:
                table.show(self.shown_call)
            self._update_stream_head()

    def _shown_streaming(self) -> bool:
        """The call on show is running and has text: following stays on it until it ends."""
        record = self.calls.records.get(self.shown_call) if self.shown_call is not None else None
        return record is not None and record.phase == "running" and record.chars > 0

    def _streaming_call(self) -> CallRecord | None:
        """The newest call that is running and streaming text."""
        for record in reversed(self.calls.records.values()):
            if record.phase == "running" and record.chars > 0:
                return record
        return None

    def _render_call(self, serial: int | None) -> None:
        stream = self.query_one("#stream", StreamView)
        stream.clear()
        record = self.calls.records.get(serial) if serial is not None else None
        if record is None:
            self._update_stream_head()
            return
        if record.text_freed:
            stream.note("(this call's text was dropped to bound memory)")
        elif record.dropped:
            stream.note(f"({record.dropped:,} earlier characters dropped)")
        for kind, text in record.pieces:
            stream.append(kind, text)
        self._update_stream_head()

    def _update_stream_head(self) -> None:
        head = self.query_one("#stream-head", Static)
        record = self.calls.records.get(self.shown_call) if self.shown_call is not None else None
        if record is None:
            head.update(Text("No LLM calls yet. (Outline PDFs and Markdown need none.)", style="italic"))
            return
        text = Text()
        text.append(f"#{record.serial} ", style="bold")
        text.append(one_line(Path(record.doc).name, 40))
        text.append(" · ")
        text.append(one_line(record.purpose, 60))
        text.append(f" · {record.phase}")
        text.append(" · following" if self.following else " · pinned (f: follow)", style="italic")
        if record.error:
            text.append(f"\n{one_line(record.error, 200)}", style="bold")
        head.update(text)

    @on(CallsTable.Picked)
    def _call_picked(self, message: CallsTable.Picked) -> None:
        self.following = False
        self.shown_call = message.serial
        self._render_call(message.serial)

    @on(CallsTable.FollowRequested)
    @on(FollowRequested)
    def _follow(self) -> None:
        self.following = True
        newest = self.calls.newest
        self.shown_call = newest.serial if newest else None
        self._render_call(self.shown_call)
        if newest is not None:
            self.query_one("#calls", CallsTable).show(newest.serial)
        self.query_one("#stream", StreamView).scroll_end(animate=False)

    # -- tree pane -------------------------------------------------------------------------------------------
    @on(IndexTree.Shown)
    def _node_shown(self, message: IndexTree.Shown) -> None:
        live = self.shown
        found = self.query("#detail").results(NodeDetail)
        detail = next(found, None)
        if detail is None:  # the message arrived while the app was closing: nothing to show it in
            return
        detail.show(message.ref, live.source if live else "", live.markdown if live else False)

    @on(IndexTree.FilterRequested)
    def _open_filter(self) -> None:
        box = self.query_one("#tree-filter", FilterInput)
        box.display = True
        box.focus()

    def close_filter(self, clear: bool) -> None:
        box = self.query_one("#tree-filter", FilterInput)
        tree = self.query_one("#tree", IndexTree)
        if clear:
            box.value = ""
            tree.set_filter("")
            box.display = False
        elif not box.value:
            box.display = False
        self._update_tree_subtitle()
        tree.focus()

    @on(Input.Changed, "#tree-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        if self._filter_timer is not None:
            self._filter_timer.stop()
        self._filter_timer = self.set_timer(0.15, partial(self._apply_filter, event.value))

    def _apply_filter(self, text: str) -> None:
        tree = self.query_one("#tree", IndexTree)
        tree.set_filter(text)
        self._update_tree_subtitle()

    @on(Input.Submitted, "#tree-filter")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        if self._filter_timer is not None:
            self._filter_timer.stop()
        self._apply_filter(event.value)
        self.close_filter(False)

    @on(IndexTree.ActionRequested)
    def _tree_action(self, message: IndexTree.ActionRequested) -> None:
        action = message.action
        if action == "toggle_detail":
            detail = self.query_one("#detail", NodeDetail)
            detail.display = not detail.display
            return
        live = self.shown
        if live is None or not live.nodes:
            self.notify("No index is shown.", severity="warning")
            return
        if action == "export_json":
            self._export("PageIndex JSON", "_structure.json")
            return
        if action == "export_markdown":
            self._export("Markdown outline", "_outline.md")
            return
        node = self.query_one("#tree", IndexTree).cursor_node
        ref = node.data if node is not None else None
        if ref is None:
            self.notify("Highlight a node first.", severity="warning")
            return
        if action == "copy_json":
            text = export.node_json(ref.node, live.markdown)
            self.copy(text, f"node {ref.node.node_id or one_line(ref.node.title, 30)} as JSON")
        elif action in ("page_text", "copy_text"):
            self.load_page_text(ref, copy=action == "copy_text")

    def copy(self, text: str, what: str) -> None:
        self.copy_to_clipboard(text)
        self.notify(f"Copied {what} ({len(text):,} characters) via OSC 52.", markup=False)

    def load_page_text(self, ref: NodeRef, copy: bool = False) -> None:
        """Read the node's text from the document in a thread; show it, or copy it."""
        doc, live = self.current_doc, self.shown
        if doc is None or live is None:
            return
        detail = self.query_one("#detail", NodeDetail)
        if not copy:
            detail.show_text(None, "loading page text ...")
        self._read_page_text(Path(doc), ref, live, detail, copy)

    @work(thread=True, group="page-text", exclusive=True, exit_on_error=False)
    def _read_page_text(self, doc: Path, ref: NodeRef, live: LiveDoc, detail: NodeDetail, copy: bool) -> None:
        try:
            text, heading = export.page_text(doc, ref.node, self._opened)
        except PageIndexError as err:
            self.call_from_thread(detail.show_text, None, f"cannot read the document: {err.describe()}")
            return
        except Exception as err:  # a damaged file: say so, never a traceback
            self.call_from_thread(detail.show_text, None, f"cannot read the document: {err}")
            return
        if copy:
            self.call_from_thread(self.copy, text, f"the text of {heading}")
        self.call_from_thread(self._page_text_ready, detail, ref, text, heading)

    def _page_text_ready(self, detail: NodeDetail, ref: NodeRef, text: str, heading: str) -> None:
        if detail.ref is ref:  # the user has not moved on meanwhile
            detail.show_text(text, heading)

    def _export(self, what: str, suffix: str) -> None:
        doc = self.current_doc
        if doc is None or self.shown is None:
            return
        default = Path.cwd() / "results" / f"{Path(doc).stem}{suffix}"
        self.push_screen(ExportScreen(what, default), partial(self._write_export, what, suffix))

    def _write_export(self, what: str, suffix: str, path: Path | None) -> None:
        live, doc = self.shown, self.current_doc
        if path is None or live is None or doc is None:
            return
        result = live.result or {}
        name = str(result.get("doc_name") or (Path(doc).stem if live.markdown else Path(doc).name))
        if suffix.endswith(".json"):
            text = export.result_json(name, live.nodes, live.markdown, result)
        else:
            text = export.markdown_outline(name, live.nodes, live.markdown)
        try:
            atomic_write_text(path, text)
        except PageIndexError as err:
            self.notify(err.describe(), severity="error", markup=False)
            return
        self.notify(f"Exported {what} to {path}", markup=False)
