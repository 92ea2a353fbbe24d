"""The tree pane: the shown document's index, its title filter, and the node keys (page text, copy,
export, detail panel). It shows `Workbench.shown` and writes into the node detail panel beside it."""

from __future__ import annotations

import contextlib
from functools import partial
from pathlib import Path
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.css.query import NoMatches
from textual.message import Message
from textual.widgets import Input, Static

from ... import export
from ...errors import PageIndexError
from ...index.tree import count, from_pageindex
from ...library import LibraryEntry, atomic_write_text
from ...outputs import export_folder
from ..keys import bindings
from ..literal import one_line
from ..screens.export import ExportScreen
from ..state import Changes, LiveDoc, Workbench
from ..widgets.detail import NodeDetail
from ..widgets.index_tree import IndexTree, NodeRef

FILTER_DELAY = 0.15  # seconds of quiet typing before the filter applies


class FilterInput(Input):
    BINDINGS = bindings("filter")

    class Closed(Message):
        def __init__(self, clear: bool) -> None:
            super().__init__()
            self.clear = clear

    def action_clear(self) -> None:
        self.value = ""
        self.post_message(self.Closed(True))


class TreePane(Vertical):
    BINDINGS = bindings("tree", widget=False)

    def __init__(self, model: Workbench, detail: NodeDetail, *, id: str) -> None:
        super().__init__(id=id, classes="pane")
        self.model, self.detail = model, detail
        self._filter_timer: Any = None
        self._opened: dict[str, Any] = {}  # the last opened document, for page text

    def compose(self) -> ComposeResult:
        yield FilterInput(placeholder="filter titles · enter: keep · esc: clear", id="tree-filter")
        yield Static(Text(""), id="tree-note")
        yield IndexTree(id="tree")

    def on_mount(self) -> None:
        self.border_title = "Tree"
        self._note("Highlight a document to see its index.")

    @property
    def tree(self) -> IndexTree:
        return self.query_one("#tree", IndexTree)

    # -- showing -----------------------------------------------------------------------------------------
    def apply(self, changes: Changes) -> None:
        if self.model.current_doc is not None:
            self.border_title = f"Tree · {one_line(Path(self.model.current_doc).name, 60)}"
        if changes.empty:
            self._show_empty()
        if changes.tree and self.model.shown is not None:
            self._show(self.model.shown, changes.keep)
        if changes.load is not None:
            self.load_entry(*changes.load)

    def _show(self, live: LiveDoc, keep: bool) -> None:
        self.tree.show_nodes(live.nodes, live.markdown, keep=keep)
        self._note("" if live.nodes else "No sections yet.")
        self._update_subtitle()

    def _show_empty(self) -> None:
        state = self.model.current
        self.tree.show_nodes([], keep=False)
        if state is not None and state.phase == "failed":
            note = f"Indexing failed: {state.error}" + (f"\nCheck: {state.hint}" if state.hint else "")
        elif state is not None and state.busy:
            note = "Indexing: the tree appears as soon as the structure is found."
        else:
            note = "Not indexed yet: press i in the documents pane."
        self._note(note)
        self.detail.show(None)
        self.border_subtitle = ""

    def _note(self, note: str) -> None:
        widget = self.query_one("#tree-note", Static)
        widget.update(Text(note))
        widget.display = bool(note)

    def _update_subtitle(self) -> None:
        live, tree = self.model.shown, self.tree
        if live is None:
            return
        parts = [f"{count(live.nodes)} nodes"]
        if live.source:
            parts.append(live.source)
        if tree.query_text:
            parts.append(f"filter “{one_line(tree.query_text, 30)}”: {tree.matches} matches")
        self.border_subtitle = " · ".join(parts)

    @on(IndexTree.Shown)
    def _node_shown(self, message: IndexTree.Shown) -> None:
        live = self.model.shown
        with contextlib.suppress(NoMatches):  # the message arrived while the app was closing
            self.detail.show(message.ref, live.source if live else "", live.markdown if live else False)

    @work(thread=True, group="load-entry", exclusive=True, exit_on_error=False)
    def load_entry(self, doc: str, entry: LibraryEntry) -> None:
        """Read a saved index in a thread, then show it unless the user has moved on."""
        try:
            result = entry.load()
        except (OSError, ValueError) as err:
            message = f"Cannot read the saved index: {err}"
            self.app.call_from_thread(self.notify, message, severity="error", markup=False)
            return
        markdown = Path(doc).suffix.lower() != ".pdf"
        nodes = from_pageindex(result.get("structure") or [])
        live = LiveDoc(nodes, entry.structure_source, markdown, result)
        self.app.call_from_thread(self._entry_loaded, doc, live)

    def _entry_loaded(self, doc: str, live: LiveDoc) -> None:
        self.apply(self.model.entry_loaded(doc, live))

    # -- the title filter ------------------------------------------------------------------------------
    def action_filter(self) -> None:
        box = self.query_one("#tree-filter", FilterInput)
        box.display = True
        box.focus()

    @on(FilterInput.Closed)
    def _close_filter(self, message: FilterInput.Closed) -> None:
        box, tree = self.query_one("#tree-filter", FilterInput), self.tree
        if message.clear:
            box.value = ""
            tree.set_filter("")
            box.display = False
        elif not box.value:
            box.display = False
        self._update_subtitle()
        tree.focus()

    @on(Input.Changed, "#tree-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        if self._filter_timer is not None:
            self._filter_timer.stop()
        self._filter_timer = self.set_timer(FILTER_DELAY, partial(self._apply_filter, event.value))

    def _apply_filter(self, text: str) -> None:
        self.tree.set_filter(text)
        self._update_subtitle()

    @on(Input.Submitted, "#tree-filter")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        if self._filter_timer is not None:
            self._filter_timer.stop()
        self._apply_filter(event.value)
        self.post_message(FilterInput.Closed(False))

    # -- node actions --------------------------------------------------------------------------------
    def action_toggle_detail(self) -> None:
        self.detail.display = not self.detail.display

    def _shown(self) -> LiveDoc | None:
        live = self.model.shown
        if live is None or not live.nodes or self.model.current_doc is None:
            self.notify("No index is shown.", severity="warning")
            return None
        return live

    def _highlighted(self) -> tuple[LiveDoc, NodeRef] | None:
        live = self._shown()
        if live is None:
            return None
        node = self.tree.cursor_node
        if node is None or node.data is None:
            self.notify("Highlight a node first.", severity="warning")
            return None
        return live, node.data

    def action_copy_json(self) -> None:
        found = self._highlighted()
        if found is not None:
            live, ref = found
            text = export.node_json(ref.node, live.markdown)
            self.copy(text, f"node {ref.node.node_id or one_line(ref.node.title, 30)} as JSON")

    def action_page_text(self) -> None:
        self._page_text(copy=False)

    def action_copy_text(self) -> None:
        self._page_text(copy=True)

    def copy(self, text: str, what: str) -> None:
        self.app.copy_to_clipboard(text)
        self.notify(f"Copied {what} ({len(text):,} characters) via OSC 52.", markup=False)

    def _page_text(self, copy: bool) -> None:
        """Read the node's text from the document in a thread; show it, or copy it."""
        found = self._highlighted()
        if found is None or self.model.current_doc is None:
            return
        live, ref = found
        if not copy:
            self.detail.show_text(None, "loading page text ...")
        self._read_page_text(Path(self.model.current_doc), ref, live, copy)

    @work(thread=True, group="page-text", exclusive=True, exit_on_error=False)
    def _read_page_text(self, doc: Path, ref: NodeRef, live: LiveDoc, copy: bool) -> None:
        detail, call = self.detail, self.app.call_from_thread
        try:
            text, heading = export.page_text(doc, ref.node, self._opened)
        except PageIndexError as err:
            call(detail.show_text, None, f"cannot read the document: {err.describe()}")
            return
        except Exception as err:  # a damaged file: say so, never a traceback
            call(detail.show_text, None, f"cannot read the document: {err}")
            return
        if copy:
            call(self.copy, text, f"the text of {heading}")
        call(self._page_text_ready, ref, text, heading)

    def _page_text_ready(self, ref: NodeRef, text: str, heading: str) -> None:
        if self.detail.ref is ref:  # the user has not moved on meanwhile
            self.detail.show_text(text, heading)

    def action_export_json(self) -> None:
        self._export("PageIndex JSON", "_structure.json")

    def action_export_markdown(self) -> None:
        self._export("Markdown outline", "_outline.md")

    def _export(self, what: str, suffix: str) -> None:
        live, doc = self._shown(), self.model.current_doc
        if live is None or doc is None:
            return
        default = export_folder(self.app.root_path) / f"{Path(doc).stem}{suffix}"
        self.app.push_screen(ExportScreen(what, default), partial(self._write_export, what, suffix))

    def _write_export(self, what: str, suffix: str, path: Path | None) -> None:
        live, doc = self.model.shown, self.model.current_doc  # as they are now: indexing goes on meanwhile
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
