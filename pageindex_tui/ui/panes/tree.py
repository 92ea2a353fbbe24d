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
from textual.timer import Timer
from textual.widgets import Input, Static

from ... import export
from ...errors import PageIndexError
from ...export import NodeText
from ...index.tree import count, frozen
from ...safe_text import counted
from ...store.files import atomic_write_text
from ...store.library import LibraryEntry
from ...store.outputs import export_folder
from ...workbench.state import Changes, LiveDoc, Workbench
from ..keys import bindings, shown_key
from ..layout import fits_reader, toggle_detail
from ..literal import one_line
from ..screens.export import ExportScreen
from ..widgets.detail import NodeDetail, same_node
from ..widgets.index_tree import IndexTree, NodeRef, pages_of
from ..widgets.inputs import TypedInput

FILTER_DELAY = 0.15  # seconds of quiet typing before the filter applies


class FilterInput(TypedInput):
    BINDINGS = bindings("filter")

    class Closed(Message):
        def __init__(self, clear: bool) -> None:
            super().__init__()
            self.clear = clear

    def action_clear(self) -> None:
        self.value = ""
        self.post_message(self.Closed(True))


class TreePane(Vertical):
    ALLOW_MAXIMIZE = True  # zoom (m) and the palette's Maximize take the whole pane
    BINDINGS = bindings("tree", widget=False)

    def __init__(self, model: Workbench, detail: NodeDetail, root: Path, *, id: str) -> None:
        """`root`: the documents folder, whose export folder the export screen offers."""
        super().__init__(id=id, classes="pane")
        self.model, self.detail, self.root = model, detail, root
        self._filter_timer: Timer | None = None
        self._opened: dict[str, Any] = {}  # the last opened document, for page text
        self._tree_doc: str | None = None  # whose tree the tree widget shows
        self._branches: dict[str, frozenset[tuple[int, ...]]] = {}  # doc -> its open branches, when left
        self._go_to: tuple[str, str, int | None] | None = None  # (doc, node id, read at) once shown
        self._read_at: tuple[str, int] | None = None  # (node id, page or line): read once the cursor is there

    def compose(self) -> ComposeResult:
        clear = shown_key("filter.clear", self.app)
        yield FilterInput(placeholder=f"filter titles · enter: keep · {clear}: clear", id="tree-filter")
        yield Static(Text(""), id="tree-note")
        yield IndexTree(id="tree")

    def on_mount(self) -> None:
        self.border_title = "Tree"
        self._note("Highlight a document to see its index.")

    @property
    def index_tree(self) -> IndexTree:
        return self.query_one("#tree", IndexTree)

    # -- showing -----------------------------------------------------------------------------------------
    def apply(self, changes: Changes) -> None:
        if self.model.current_doc is not None:
            self.border_title = f"Tree · {one_line(Path(self.model.current_doc).name, 60)}"
        if changes.empty:
            self._show_empty()
        if changes.tree and self.model.shown is not None:
            self._show(self.model.shown, changes.keep)
        elif changes.summaries:
            ref = self.detail.ref
            if ref is not None and ref.node.node_id in changes.summaries:
                self.detail.refresh_head()  # the highlighted node's summary just came
        if changes.load is not None:
            self.load_entry(*changes.load)
        if changes.docs and self.model.current_doc in changes.docs:
            self._update_subtitle()
        if self.model.current_doc in changes.ask.marks:
            self.index_tree.set_marks(self.model.asks.marks(self.model.current_doc))

    def _show(self, live: LiveDoc, keep: bool) -> None:
        doc = self.model.current_doc
        self.index_tree.marks = self.model.asks.marks(doc) if doc is not None else {}  # what questions read
        opened = frozenset[tuple[int, ...]]()
        if not keep:  # another document: keep what was open in this one, open what was in that one
            self._leave_tree()
            self._read_at = None
            opened = self._branches.get(doc, opened) if doc is not None else opened
        self.index_tree.show_nodes(live.nodes, live.markdown, keep=keep, opened=opened)
        self._tree_doc = doc
        if self._go_to is not None and self._go_to[0] == doc:
            self._go(*self._go_to[1:], drawn=False)
            self._go_to = None
        if not keep:
            self._close_box()  # another document: the tree dropped its filter, so does the box
        self._update_subtitle()

    def _leave_tree(self) -> None:
        """Remember which branches of the shown document's tree are open, for when it is shown again."""
        if self._tree_doc is not None:
            self._branches[self._tree_doc] = self.index_tree.opened()

    def _show_empty(self) -> None:
        state = self.model.current
        self._leave_tree()
        self._tree_doc = None
        self.index_tree.show_nodes([], keep=False)
        self._close_box()
        if state is not None and state.phase == "failed":
            note = f"Indexing failed: {state.error}" + (f"\nCheck: {state.hint}" if state.hint else "")
        elif state is not None and state.busy:
            note = "Indexing: the tree appears as soon as the structure is found."
        elif state is not None and state.phase == "damaged":  # as its badge says: "✗ index damaged"
            key = shown_key("documents.index", self.app)
            note = f"Index damaged: it was set aside; press {key} in the documents pane to index it again."
        else:
            note = f"Not indexed yet: press {shown_key('documents.index', self.app)} in the documents pane."
        self._note(note)
        self.detail.show(None)
        self.border_subtitle = ""

    def _note(self, note: str) -> None:
        widget = self.query_one("#tree-note", Static)
        widget.update(Text(note))
        widget.display = bool(note)

    def _update_subtitle(self) -> None:
        """The subtitle (nodes, source, filter) and the note under the filter, as the tree is now."""
        live, tree = self.model.shown, self.index_tree
        if live is None:
            return
        parts = [counted(count(live.nodes), "node")]
        if live.source:
            parts.append(live.source)
        state = self.model.current
        if state is not None and state.phase == "partial" and state.partial is not None:
            parts.append(state.partial.describe())
        if tree.query_text:
            parts.append(f"filter “{one_line(tree.query_text, 30)}”: {tree.matches} matches")
        self.border_subtitle = " · ".join(parts)
        if not live.nodes:
            self._note("No sections yet.")
        elif tree.query_text and not tree.matches:
            clear = shown_key("tree.clear_filter", self.app)
            self._note(f"No titles match “{one_line(tree.query_text, 40)}”. {clear}: clear the filter.")
        else:
            self._note("")

    @on(IndexTree.Shown)
    def _node_shown(self, message: IndexTree.Shown) -> None:
        live = self.model.shown
        with contextlib.suppress(NoMatches):  # the message arrived while the app was closing
            self.detail.show(message.ref, live.source if live else "", live.markdown if live else False)
        pending = self._read_at
        if pending is not None and message.ref is not None and message.ref.node.node_id == pending[0]:
            self._read_at = None  # (a Shown for another node first: the tree drawn, the cursor on its way)
            self._page_text(copy=False, at=pending[1])

    @work(thread=True, group="load-entry", exclusive=True, exit_on_error=False)
    def load_entry(self, doc: str, entry: LibraryEntry) -> None:
        """Read a saved index in a thread, then show it unless the user has moved on."""
        try:
            tree = entry.load()
        except (OSError, ValueError) as err:
            message = f"Cannot read the saved index: {err}"
            self.app.call_from_thread(self.notify, message, severity="error", markup=False)
            return
        live = LiveDoc(tree, entry.structure_source)
        self.app.call_from_thread(self._entry_loaded, doc, live)

    def _entry_loaded(self, doc: str, live: LiveDoc) -> None:
        self.apply(self.model.entry_loaded(doc, live))

    def open_at(self, doc: str, node_id: str, at: int | None = None) -> None:
        """Put the cursor on `node_id` of `doc`'s tree: now if it is shown, else once it is; with `at`,
        then read its page text (as `t` does) at that page, or a Markdown file's line."""
        if self._tree_doc == doc and self.model.current_doc == doc:
            self._go(node_id, at, drawn=True)
        else:
            self._go_to = (doc, node_id, at)

    def _go(self, node_id: str, at: int | None, drawn: bool) -> None:
        """The cursor to the node; its page text read at `at` once the node panel shows that node (its
        Shown message: the tree just `drawn` again always sends one)."""
        cursor = self.index_tree.cursor_node
        ref = cursor.data if cursor is not None else None
        there = drawn and ref is not None and ref.node.node_id == node_id and same_node(self.detail.ref, ref)
        if not self.index_tree.go_to(node_id) or at is None:
            return
        if there:  # the cursor stays where it is: no Shown message comes
            self.call_after_refresh(self._page_text, False, at)
        else:
            self._read_at = (node_id, at)

    # -- the title filter ------------------------------------------------------------------------------
    def action_filter(self) -> None:
        box = self.query_one("#tree-filter", FilterInput)
        box.display = True
        box.focus()

    @on(FilterInput.Closed)
    def _close_filter(self, message: FilterInput.Closed) -> None:
        box = self.query_one("#tree-filter", FilterInput)
        if message.clear or not box.value:
            self.action_clear_filter()
        self.index_tree.focus()

    def action_clear_filter(self) -> None:
        """esc in the tree or the box: no filter, no box, and the subtitle and note say so."""
        self._close_box()
        if self.index_tree.query_text:
            self.index_tree.set_filter("")
        self._update_subtitle()

    def _close_box(self) -> None:
        box = self.query_one("#tree-filter", FilterInput)
        if self._filter_timer is not None:
            self._filter_timer.stop()
            self._filter_timer = None
        with box.prevent(Input.Changed):  # emptying the box is not typing: no filter run for it
            box.value = ""
        box.display = False

    @on(Input.Changed, "#tree-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        if self._filter_timer is not None:
            self._filter_timer.stop()
        self._filter_timer = self.set_timer(FILTER_DELAY, partial(self._apply_filter, event.value))

    def _apply_filter(self, text: str) -> None:
        if text.strip() != self.index_tree.query_text:
            self.index_tree.set_filter(text)
        self._update_subtitle()

    @on(Input.Submitted, "#tree-filter")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        if self._filter_timer is not None:
            self._filter_timer.stop()
        self._apply_filter(event.value)
        self.post_message(FilterInput.Closed(False))

    # -- node actions --------------------------------------------------------------------------------
    def action_toggle_detail(self) -> None:
        toggle_detail(self.detail)

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
        node = self.index_tree.cursor_node
        if node is None or node.data is None:
            self.notify("Highlight a node first.", severity="warning")
            return None
        return live, node.data

    def action_copy_json(self) -> None:
        found = self._highlighted()
        if found is not None:
            live, ref = found
            text = export.node_json(frozen([ref.node])[0], live.tree.unit)
            self.copy(text, f"node {ref.node.node_id or one_line(ref.node.title, 30)} as JSON")

    def action_page_text(self) -> None:
        self._page_text(copy=False)

    def action_copy_text(self) -> None:
        self._page_text(copy=True)

    def copy(self, text: str, what: str) -> None:
        self.app.copy_to_clipboard(text)
        self.notify(f"Copied {what} ({len(text):,} characters) via OSC 52.", markup=False)

    def _page_text(self, copy: bool, at: int | None = None) -> None:
        """Read the node's text from the document in a thread; show it in the reader (at page or line
        `at`, else its start), or copy it."""
        found = self._highlighted()
        if found is None or self.model.current_doc is None:
            return
        live, ref = found
        doc = Path(self.model.current_doc)
        if not copy:
            if not fits_reader(self.detail):
                self._read_full_screen(doc, ref, live, at)
                return
            self.detail.show_text(None, "loading page text ...")
        self._read_page_text(doc, ref, copy, at)

    def _read_full_screen(self, doc: Path, ref: NodeRef, live: LiveDoc, at: int | None) -> None:
        """The node panel is hidden (narrow, or `d`) or too small to read in: the reader takes the whole
        screen, and `esc` leaves the panes as they were."""
        from ..screens.reader import ReaderScreen

        title = Text()
        title.append(f"{one_line(doc.name, 60)} · ")
        title.append(one_line(ref.node.title, 80) or "(untitled)", style="bold")
        title.append(f" · {pages_of(ref.node, live.markdown)}", style="dim")
        self.app.push_screen(ReaderScreen(doc, ref.node, title, at=at or ref.node.start, opened=self._opened))

    @work(thread=True, group="page-text", exclusive=True, exit_on_error=False)
    def _read_page_text(self, doc: Path, ref: NodeRef, copy: bool, at: int | None) -> None:
        call = self.app.call_from_thread
        try:
            text = export.node_text(doc, ref.node, self._opened)
        except Exception as err:  # a damaged file: say so, never a traceback
            why = err.describe() if isinstance(err, PageIndexError) else str(err)
            if copy:
                call(self.notify, f"Cannot read the document: {why}", severity="error", markup=False)
            else:
                call(self._page_text_ready, ref, None, f"cannot read the document: {why}", at)
            return
        if copy:
            call(self.copy, text.joined(), f"the text of {text.heading}")
        else:
            call(self._page_text_ready, ref, text, "", at)

    def _page_text_ready(self, ref: NodeRef, text: NodeText | None, note: str, at: int | None) -> None:
        if same_node(self.detail.ref, ref) and self.detail.reading:  # the user has not moved on meanwhile
            self.detail.show_text(text, note, at)

    def action_export_json(self) -> None:
        self._export("PageIndex JSON", "_structure.json")

    def action_export_markdown(self) -> None:
        self._export("Markdown outline", "_outline.md")

    def _export(self, what: str, suffix: str) -> None:
        live, doc = self._shown(), self.model.current_doc
        if live is None or doc is None:
            return
        default = export_folder(self.root) / f"{Path(doc).stem}{suffix}"
        state = self.model.state(doc)
        note = state.export_note()
        title = f"partial {what} — {note}" if note else what
        self.app.push_screen(ExportScreen(title, default), partial(self._write_export, what, suffix))

    def _write_export(self, what: str, suffix: str, path: Path | None) -> None:
        live, doc = self.model.shown, self.model.current_doc  # as they are now: indexing goes on meanwhile
        if path is None or live is None or doc is None:
            return
        tree = live.current()
        note = self.model.state(doc).export_note()  # the tree as it stands: say what it lacks
        if suffix.endswith(".json"):
            text = export.result_json(tree, partial=note)
        else:
            text = export.markdown_outline(tree, partial=note)
        try:
            atomic_write_text(path, text)
        except PageIndexError as err:
            self.notify(err.describe(), severity="error", markup=False)
            return
        if note:
            message = f"Exported a partial {what} to {path}: {note}."
            self.notify(message, title="Partial export", severity="warning", markup=False)
        else:
            self.notify(f"Exported {what} to {path}", markup=False)
