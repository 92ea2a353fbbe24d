"""The documents pane as the app drives it: index states, the selected document, loading saved
indexes, and the index/cancel actions. `PageIndexApp` builds on this class."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.text import Text
from textual import on, work
from textual.widgets import Static

from ..formats import SUPPORTED_SUFFIXES as SUFFIXES
from ..index.tree import count, from_pageindex
from ..library import LibraryEntry
from ..settings import Settings
from .engine_view import EngineViewApp
from .literal import one_line
from .messages import DocStatesLoaded
from .panes import LiveDoc
from .state import DocState
from .widgets.detail import NodeDetail
from .widgets.documents import DocumentsTree
from .widgets.index_tree import IndexTree


class DocumentsViewApp(EngineViewApp):
    """Documents pane behaviour; state lives on `PageIndexApp`."""

    # -- documents -------------------------------------------------------------------------------------------
    def state(self, path: Path | str) -> DocState:
        key = str(path)
        if key not in self.states:
            self.states[key] = DocState(Path(key))
        return self.states[key]

    @on(DocumentsTree.Populated)
    def _files_listed(self, message: DocumentsTree.Populated) -> None:
        self.refresh_states([str(p) for p in message.paths])
        if self.start_file is not None and any(p == self.start_file for p in message.paths):
            target, self.start_file = self.start_file, None
            self.call_after_refresh(self._highlight_file, target)

    def _highlight_file(self, path: Path) -> None:
        tree = self.query_one("#documents", DocumentsTree)
        stack = [tree.root]
        while stack:
            node = stack.pop()
            if node.data is not None and node.data.path == path:
                tree.move_cursor(node)
                return
            stack.extend(node.children)

    def refresh_states(self, docs: list[str]) -> None:
        docs = [d for d in docs if not self.state(d).busy]
        if docs:
            self.scan_library(docs, self.settings)

    @work(thread=True, group="library-scan", exit_on_error=False)
    def scan_library(self, docs: list[str], settings: Settings) -> None:
        found: dict[str, tuple[Any, bool]] = {}
        for doc in docs:
            exact = self.library.lookup(Path(doc), settings)
            entry = exact or self.library.lookup(Path(doc))
            found[doc] = (entry, exact is not None)
        self.post_message(DocStatesLoaded(found))

    def on_doc_states_loaded(self, message: DocStatesLoaded) -> None:
        for doc, (entry, exact) in message.states.items():
            state = self.state(doc)
            if state.busy:
                continue
            state.entry, state.exact = entry, exact
            if entry is not None:
                state.phase, state.nodes = "indexed", entry.nodes
            elif state.phase in ("unknown", "indexed"):
                state.phase = "none"
        self._docs_changed(set(message.states))

    def _docs_changed(self, docs: set[str]) -> None:
        self.query_one("#documents", DocumentsTree).refresh_paths(docs)
        if self.current_doc in docs:
            self._update_doc_info()
            state = self.states.get(self.current_doc or "")
            if state is not None and self.current_doc not in self.live and state.entry is not None:
                if self.shown is None or not self.shown.nodes:
                    self.load_entry(self.current_doc or "", state.entry)
            elif state is not None and self.current_doc not in self.live and state.entry is None:
                self._show_empty(state)

    def on_tree_node_highlighted(self, event: DocumentsTree.NodeHighlighted) -> None:
        if event.control is not self.query_one("#documents", DocumentsTree):
            return
        data = event.node.data
        if data is None:
            return
        path = data.path
        if path.suffix.lower() in SUFFIXES and not event.node.allow_expand:
            self.select_document(str(path))
        else:
            self.query_one("#doc-info", Static).update(Text(f"{path.name}/ · a: index every file inside"))

    def select_document(self, doc: str) -> None:
        if doc == self.current_doc:
            self._update_doc_info()
            return
        self.current_doc = doc
        self._update_doc_info()
        self.query_one("#tree-pane").border_title = f"Tree · {one_line(Path(doc).name, 60)}"
        live = self.live.get(doc)
        state = self.state(doc)
        if live is not None:
            self.show_tree(live, keep=False)
        elif state.entry is not None:
            self.load_entry(doc, state.entry)
        else:
            self._show_empty(state)

    def _show_empty(self, state: DocState) -> None:
        self.shown = None
        tree = self.query_one("#tree", IndexTree)
        tree.show_nodes([], keep=False)
        if state.phase == "failed":
            note = f"Indexing failed: {state.error}" + (f"\nCheck: {state.hint}" if state.hint else "")
        elif state.busy:
            note = "Indexing: the tree appears as soon as the structure is found."
        else:
            note = "Not indexed yet: press i in the documents pane."
        self._show_tree_note(note)
        self.query_one("#detail", NodeDetail).show(None)
        self.query_one("#tree-pane").border_subtitle = ""

    def _show_tree_note(self, note: str) -> None:
        widget = self.query_one("#tree-note", Static)
        widget.update(Text(note))
        widget.display = bool(note)

    def _update_doc_info(self) -> None:
        if self.current_doc is None:
            return
        self.query_one("#doc-info", Static).update(Text(self.state(self.current_doc).describe()))

    @work(thread=True, group="load-entry", exclusive=True, exit_on_error=False)
    def load_entry(self, doc: str, entry: LibraryEntry) -> None:
        try:
            result = entry.load()
        except (OSError, ValueError) as err:
            message = f"Cannot read the saved index: {err}"
            self.call_from_thread(self.notify, message, severity="error", markup=False)
            return
        markdown = Path(doc).suffix.lower() != ".pdf"
        nodes = from_pageindex(result.get("structure") or [])
        live = LiveDoc(nodes, entry.structure_source, markdown, result)
        self.call_from_thread(self._entry_loaded, doc, live)

    def _entry_loaded(self, doc: str, live: LiveDoc) -> None:
        if doc == self.current_doc and doc not in self.live:
            self.show_tree(live, keep=False)

    def show_tree(self, live: LiveDoc, keep: bool = True) -> None:
        self.shown = live
        tree = self.query_one("#tree", IndexTree)
        tree.show_nodes(live.nodes, live.markdown, keep=keep)
        self._show_tree_note("" if live.nodes else "No sections yet.")
        self._update_tree_subtitle()

    def _update_tree_subtitle(self) -> None:
        live, tree = self.shown, self.query_one("#tree", IndexTree)
        if live is None:
            return
        parts = [f"{count(live.nodes)} nodes"]
        if live.source:
            parts.append(live.source)
        if tree.query_text:
            parts.append(f"filter “{one_line(tree.query_text, 30)}”: {tree.matches} matches")
        self.query_one("#tree-pane").border_subtitle = " · ".join(parts)

    # -- document actions ------------------------------------------------------------------------------------
    @on(DocumentsTree.ActionRequested)
    def _documents_action(self, message: DocumentsTree.ActionRequested) -> None:
        path, action = message.path, message.action
        if action == "cancel_all":
            cancelled = self.engine.cancel_all()
            self.notify(f"Cancelling {cancelled} document(s)." if cancelled else "Nothing is running.")
            return
        if path is None:
            self.notify("Highlight a file or a folder first.", severity="warning")
            return
        if action == "cancel":
            targets = [d for d in self.engine.busy() if path.is_dir() and d.startswith(str(path) + "/")]
            targets = targets if path.is_dir() else [str(path)]
            cancelled = sum(self.engine.cancel(d) for d in targets)
            name = one_line(path.name)
            note = f"Cancelling {name}." if cancelled else f"{name} is not running."
            self.notify(note, markup=False)
            return
        if action == "index_folder" or path.is_dir():
            folder = path if path.is_dir() else path.parent
            from ..index.pipeline import find_documents

            self.index_paths(find_documents(folder), force=action == "index_force", folder=folder)
            return
        self.index_paths([path], force=action == "index_force")

    def index_paths(self, paths: list[Path], force: bool = False, folder: Path | None = None) -> None:
        paths = [p for p in paths if p.suffix.lower() in SUFFIXES]
        if not paths:
            note = f"No PDF or Markdown files in {folder}." if folder else "Nothing to index."
            self.notify(note, markup=False)
            return
        queued: set[str] = set()
        for path in paths:
            if self.engine.submit(path, self.settings, force=force):
                state = self.state(path)
                state.phase, state.stage, state.done, state.total = "queued", "", 0, 0
                state.error = state.hint = ""
                queued.add(str(path))
        if folder is not None:
            self.notify(f"Queued {len(queued)} document(s) from {folder.name}/.", markup=False)
        elif not queued:
            self.notify(f"{one_line(paths[0].name)} is already queued.", markup=False)
        self._docs_changed(queued)
