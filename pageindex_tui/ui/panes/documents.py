"""The documents pane: the folder's files with their index state, the info line, and the index and
cancel keys. What to index or cancel is decided here; the app, which holds the job queue, runs it."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Static
from textual.widgets.directory_tree import DirEntry

from ...formats import is_document
from ...jobs.batch import BatchReading
from ...store.search import SearchHit
from ...workbench.state import Workbench
from ..host import host_of
from ..keys import bindings, shown_key
from ..screens.library_search import LibrarySearchScreen
from ..widgets.documents import DocumentsTree


class DocumentsPane(Vertical):
    ALLOW_MAXIMIZE = True  # zoom (m) and the palette's Maximize take the whole pane
    BINDINGS = bindings("documents", widget=False)

    class IndexRequested(Message):
        """Index these files (`folder`: they are the files of that folder)."""

        def __init__(self, paths: list[Path], force: bool, folder: Path | None = None) -> None:
            super().__init__()
            self.paths, self.force, self.folder = paths, force, folder

    class CancelRequested(Message):
        """Cancel this file, or every running file under this folder."""

        def __init__(self, path: Path) -> None:
            super().__init__()
            self.path = path

    class CancelAllRequested(Message):
        pass

    class OpenAt(Message):
        """Show this document's tree at this node (the library search chose it), and with `at` the
        node's page text in the reader at that page (a Markdown file's line)."""

        def __init__(self, doc: str, node_id: str, at: int | None = None) -> None:
            super().__init__()
            self.doc, self.node_id, self.at = doc, node_id, at

    class Selected(Message):
        """A file was highlighted."""

        def __init__(self, doc: str) -> None:
            super().__init__()
            self.doc = doc

    def __init__(self, root: Path, model: Workbench, start_file: Path | None = None, *, id: str) -> None:
        super().__init__(id=id, classes="pane")
        self.root, self.model, self.start_file = root, model, start_file

    def compose(self) -> ComposeResult:
        yield DocumentsTree(self.root, self.model.states, id="documents")
        yield Static(Text(""), id="doc-info")

    def on_mount(self) -> None:
        self.border_title = "Documents"

    @property
    def files(self) -> DocumentsTree:
        return self.query_one("#documents", DocumentsTree)

    # -- showing ---------------------------------------------------------------------------------------
    def show_batch(self, reading: BatchReading) -> None:
        """'2/5 docs · ETA 3m 20s · 12.3k/40.0k tok' below the list, once a batch began (the calls'
        bound is the calls pane's)."""
        self.border_subtitle = Text(" · ".join(reading.parts(limit=False))) if reading.documents else ""

    def refresh_docs(self, docs: set[str]) -> None:
        """Repaint these documents' rows, and the info line if the current one is among them."""
        self.files.refresh_paths(docs)
        state = self.model.current
        if state is not None and self.model.current_doc in docs:
            index = shown_key("documents.index", self.app)
            info = Text(state.describe(index))
            if state.warned or state.problems or state.phase == "failed":
                info.append(f" · {shown_key('app.log', self.app)}: log", style="italic")
            self.query_one("#doc-info", Static).update(info)

    @on(DocumentsTree.Populated)
    def _listed(self, message: DocumentsTree.Populated) -> None:
        # The message goes on to the app, which asks the library about the files.
        if self.start_file is not None and self.start_file in message.paths:
            target, self.start_file = self.start_file, None
            self.call_after_refresh(self._highlight, target)

    def _highlight(self, path: Path) -> None:
        node = self.files.find(path)
        if node is not None:
            self.files.move_cursor(node)

    def on_tree_node_highlighted(self, event: DocumentsTree.NodeHighlighted[DirEntry]) -> None:
        event.stop()
        data = event.node.data
        if data is None:
            return
        path = data.path
        if is_document(path) and not event.node.allow_expand:
            self.post_message(self.Selected(str(path)))
        else:
            key = shown_key("documents.index_folder", self.app)
            self.query_one("#doc-info", Static).update(Text(f"{path.name}/ · {key}: index every file inside"))

    # -- actions -----------------------------------------------------------------------------------------
    def _highlighted(self) -> Path | None:
        path = self.files.highlighted_path
        if path is None:
            self.notify("Highlight a file or a folder first.", severity="warning")
        return path

    def _index(self, force: bool, folder: bool) -> None:
        path = self._highlighted()
        if path is None:
            return
        if folder or path.is_dir():
            where = path if path.is_dir() else path.parent
            from ...index.pipeline import find_documents  # the engine loads on first use

            self.post_message(self.IndexRequested(find_documents(where), force, where))
        else:
            self.post_message(self.IndexRequested([path], force))

    def action_index(self) -> None:
        self._index(force=False, folder=False)

    def action_index_force(self) -> None:
        self._index(force=True, folder=False)

    def action_index_folder(self) -> None:
        self._index(force=False, folder=True)

    def action_cancel(self) -> None:
        path = self._highlighted()
        if path is not None:
            self.post_message(self.CancelRequested(path))

    def action_cancel_all(self) -> None:
        self.post_message(self.CancelAllRequested())

    async def action_reload(self) -> None:
        await self.files.reload()

    def action_search_library(self) -> None:
        host = host_of(self.app)
        if host is not None:
            self.app.push_screen(LibrarySearchScreen(host.library), self._library_chosen)

    def _library_chosen(self, hit: SearchHit | None) -> None:
        """Open the chosen section's document at its node: the document's row highlighted (its tree
        shown), then the node, its page text read at the page (line) where the words were found; a
        document outside this folder is named, not opened."""
        host = host_of(self.app)
        if hit is None or host is None:
            return
        entries = host.library.entries_for(hit.digest)
        source = Path(entries[0].source) if entries and entries[0].source else None
        if source is None or not source.is_file() or not source.is_relative_to(self.root.resolve()):
            where = f"{source}" if source is not None else "a file no longer known"
            self.notify(f"{hit.doc_name} is not in this folder: {where}", severity="warning", markup=False)
            return
        path = self.root / source.relative_to(self.root.resolve())
        at = (hit.page or hit.start) if hit.node_id else None  # the document's own row: its tree alone
        self.post_message(self.OpenAt(str(path), hit.node_id, at))
        row = self.files.find(path)
        if row is not None:
            self.files.move_cursor(row)
        else:
            self.post_message(self.Selected(str(path)))
