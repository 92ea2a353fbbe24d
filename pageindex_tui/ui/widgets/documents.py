"""The documents pane: the folder's PDF and Markdown files, each marked with its index state."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual.message import Message
from textual.widgets import DirectoryTree
from textual.widgets._directory_tree import DirEntry
from textual.widgets.tree import TreeNode

from ...formats import is_document
from ...workbench.state import DocState
from ..keys import bindings
from ..literal import one_line

NAME_CELLS = 16  # cells a file name keeps beside its badge ("fed-ann…cerpt.pdf"): the badge gives way


def squeeze(label: Text, width: int) -> Text:
    """`label` cut in the middle with "…" to `width` cells, keeping its end (the suffix tells PDF from
    Markdown, numbered names differ at the end)."""
    if label.cell_len <= width:
        return label
    width = max(4, width)
    head = (width - 1) // 2
    tail = width - 1 - head
    plain = label.plain
    out = label[:head]
    out.append("…")
    out.append_text(label[len(plain) - tail :])
    return out


class DocumentsTree(DirectoryTree):
    BINDINGS = bindings("documents", widget=True)  # the pane binds the rest
    ICON_NODE_EXPANDED = "▼ "
    ICON_NODE = "▶ "
    ICON_FILE = ""
    COMPONENT_CLASSES: ClassVar[set[str]] = DirectoryTree.COMPONENT_CLASSES | {
        "documents--queued",
        "documents--indexing",
        "documents--indexed",
        "documents--failed",
        "documents--partial",
        "documents--cancelled",
        "documents--none",
        "documents--warned",
    }
    DEFAULT_CSS = """
    DocumentsTree > .documents--queued { color: $accent; text-style: italic; }
    DocumentsTree > .documents--indexing { color: $warning; text-style: bold; }
    DocumentsTree > .documents--indexed { color: $success; }
    DocumentsTree > .documents--failed { color: $error; }
    DocumentsTree > .documents--partial { color: $warning; }
    DocumentsTree > .documents--cancelled { color: $warning; }
    DocumentsTree > .documents--none { color: $secondary; }
    DocumentsTree > .documents--warned { color: $warning; text-style: bold; }
    """

    class Opened(Message):
        """enter or l on a file: show its tree."""

        def __init__(self, path: Path) -> None:
            super().__init__()
            self.path = path

    class Populated(Message):
        """Files appeared in a folder the tree loaded."""

        def __init__(self, paths: list[Path]) -> None:
            super().__init__()
            self.paths = paths

    def __init__(self, path: Path, states: dict[str, DocState], *, id: str | None = None) -> None:
        super().__init__(path, id=id)
        self.root.label = Text(f"{Path(path).name or path}/")
        self.guide_depth = 2
        self.states = states
        self.loaded_once = False

    def filter_paths(self, paths: Iterable[Path]) -> Iterable[Path]:
        """Folders and PDF/Markdown files; no hidden entries. Runs in a thread: no widget access."""
        out = []
        for path in paths:
            if path.name.startswith("."):
                continue
            if is_document(path) or self._safe_is_dir(path):
                out.append(path)
        return out

    def process_label(self, label: str | Text) -> Text:
        return Text(one_line(label)) if isinstance(label, str) else label

    def render_label(self, node: TreeNode[DirEntry], base_style: Style, style: Style) -> Text:
        label = super().render_label(node, base_style, style)
        if node.data is None or node.allow_expand or not self.is_mounted:
            return label
        state = self.states.get(str(node.data.path))
        badge, kind = state.badge() if state is not None else ("", "none")
        symbol, _, detail = badge.partition(" ")
        mark = self.get_component_rich_style(f"documents--{kind}", partial=True)
        warned = state.warned if state is not None else 0
        warn_style = self.get_component_rich_style("documents--warned", partial=True)
        warn = Text(f" ⚠{warned}" if warned else "", style=warn_style)
        room = self._label_room(node) - 2
        wanted = min(label.cell_len, NAME_CELLS)  # the name keeps this much; the badge's words give way
        counts = kind in ("indexing", "partial")  # their figures say the most: "3/12"
        figures = " ".join(w for w in detail.split() if any(c.isdigit() for c in w)) if counts else ""
        for words in (detail, figures, ""):  # "summarizing 3/12", then "3/12", then the symbol alone
            tail = Text(f"  {words}" if words else "", style=mark).append_text(warn)
            if room - tail.cell_len >= wanted:
                break
        name = max(1, min(label.cell_len, room - tail.cell_len))
        return Text.assemble((f"{symbol or ' '} ", mark), squeeze(label, name), tail)

    def _label_room(self, node: TreeNode[DirEntry]) -> int:
        """Cells a row's label may take: the pane's width less the guides before it."""
        depth, parent = 0, node.parent
        while parent is not None:
            depth, parent = depth + 1, parent.parent
        guides = depth * self.guide_depth if self.show_root else max(0, depth - 1) * self.guide_depth
        return max(8, self.scrollable_content_region.width - guides - 1)

    def _populate_node(self, node: TreeNode[DirEntry], content: Iterable[Path]) -> None:
        content = list(content)
        super()._populate_node(node, content)
        self.loaded_once = True
        files = [p for p in content if is_document(p)]
        if files:
            self.post_message(self.Populated(files))

    def find(self, path: Path) -> TreeNode[DirEntry] | None:
        """The row of a path among the loaded rows."""
        stack = [self.root]
        while stack:
            node = stack.pop()
            if node.data is not None and node.data.path == path:
                return node
            stack.extend(node.children)
        return None

    def refresh_paths(self, paths: set[str]) -> None:
        """Repaint the rows of these files."""
        if not paths:
            return
        stack = [self.root]
        while stack:
            node = stack.pop()
            if node.data is not None and str(node.data.path) in paths:
                node.refresh()
            stack.extend(node.children)

    @property
    def highlighted_path(self) -> Path | None:
        node = self.cursor_node
        return node.data.path if node is not None and node.data is not None else None

    # -- actions ---------------------------------------------------------------------------------
    def action_open(self) -> None:
        node = self.cursor_node
        if node is None or node.data is None:
            return
        if node.allow_expand:
            self.action_select_cursor()  # a folder: what enter does in any directory tree
        else:
            self.post_message(self.Opened(node.data.path))

    def action_expand(self) -> None:
        node = self.cursor_node
        if node is not None and node.data is not None and not node.allow_expand:
            self.post_message(self.Opened(node.data.path))
        elif node is not None and node.allow_expand and not node.is_expanded:
            node.expand()
        elif node is not None and node.children:
            self.move_cursor(node.children[0])

    def action_collapse(self) -> None:
        node = self.cursor_node
        if node is None:
            return
        if node.allow_expand and node.is_expanded:
            node.collapse()
        elif node.parent is not None and node.parent is not self.root:
            self.move_cursor(node.parent)
        elif node.parent is self.root:
            self.move_cursor(self.root)
