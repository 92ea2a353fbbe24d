"""The selected document's index as a tree: lazy children, chunked adds, a title filter.

The model is the engine's `Node` list. Tree nodes are created only for expanded branches, and long
child lists are added in chunks between repaints, so trees of thousands of nodes stay responsive.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text
from textual.message import Message
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from ...index.tree import Node, walk_paths
from ..keys import bindings
from ..literal import one_line

CHUNK = 300  # tree nodes added per step
Item = tuple[tuple[int, ...], Node]


@dataclass
class NodeRef:
    path: tuple[int, ...]
    node: Node
    loaded: bool = False


def pages_of(node: Node, markdown: bool) -> str:
    if markdown:
        return f"line {node.start}"
    return f"p. {node.start}" if node.start == node.end else f"pp. {node.start}–{node.end}"


class IndexTree(Tree[NodeRef]):
    BINDINGS = bindings("tree", widget=True)  # the pane binds the rest
    COMPONENT_CLASSES: ClassVar[set[str]] = {*Tree.COMPONENT_CLASSES, "index-tree--mark"}
    DEFAULT_CSS = """
    IndexTree > .index-tree--mark { color: $accent; text-style: bold; }
    """

    class Shown(Message):
        """The highlighted node changed (None: nothing highlighted)."""

        def __init__(self, ref: NodeRef | None) -> None:
            super().__init__()
            self.ref = ref

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(Text("index"), id=id)
        self.show_root = False
        self.guide_depth = 2
        self.auto_expand = False
        self.nodes: list[Node] = []
        self.markdown = False
        self.query_text = ""
        self.matches = 0
        self._visible: set[tuple[int, ...]] | None = None  # paths shown under a filter
        self._open: set[tuple[int, ...]] = set()  # expanded paths (kept across reloads)
        self._by_path: dict[tuple[int, ...], TreeNode[NodeRef]] = {}
        self._generation = 0
        self.marks: dict[str, str] = {}  # node id -> a mark after its title (what a question read, cited)

    # -- labels: always literal -----------------------------------------------------------------
    def process_label(self, label: str | Text) -> Text:
        text = Text(one_line(label)) if isinstance(label, str) else label
        return text

    def label_for(self, node: Node, leaf: bool = False) -> Text:
        label = Text("  " if leaf else "")  # leaves line up with the titles after "▶ "
        mark = self.marks.get(node.node_id) if node.node_id else None
        style = self.get_component_rich_style("index-tree--mark", partial=True) if mark else ""
        if mark:
            label.append("◆ ", style=style)  # before the title: seen however narrow the pane
        label.append(one_line(node.title, 300) or "(untitled)")
        label.append(f"  {pages_of(node, self.markdown)}", style="dim")
        if mark:
            label.append(f"  {mark}", style=style)
        return label

    def render_label(self, node: TreeNode[NodeRef], base_style: Style, style: Style) -> Text:
        """The label, its title cut with an ellipsis where the row is too narrow: the pages stay."""
        text = super().render_label(node, base_style, style)
        ref = node.data
        if ref is None:
            return text
        room = self.scrollable_content_region.width - self.guide_depth * (len(ref.path) - 1)
        pages = f"  {pages_of(ref.node, self.markdown)}"
        cut = len(text) - len(pages)
        if room <= len(pages) or text.cell_len <= room or cut <= 0 or not text.plain.endswith(pages):
            return text
        title = text[:cut]
        title.truncate(room - len(pages), overflow="ellipsis")
        title.append_text(text[cut:])
        return title

    def get_label_width(self, node: TreeNode[NodeRef]) -> int:
        """The whole label's width (the icon and the title before any cut), without rendering it: this
        runs for every shown node whenever the tree's lines change."""
        icon = self.ICON_NODE_EXPANDED if node.is_expanded else self.ICON_NODE
        label = node.label  # a Text (process_label), though Textual types it str | Text
        width = label.cell_len if isinstance(label, Text) else cell_len(label)
        return width + (len(icon) if node.allow_expand else 0)

    def set_marks(self, marks: dict[str, str]) -> None:
        """Marks after node titles (node id -> text); the nodes shown are labelled again."""
        changed = {k for k in marks.keys() | self.marks.keys() if marks.get(k) != self.marks.get(k)}
        self.marks = dict(marks)
        if not changed:
            return
        for tree_node in self._by_path.values():
            ref = tree_node.data
            if ref is not None and ref.node.node_id in changed:
                tree_node.set_label(self.label_for(ref.node, leaf=not tree_node.allow_expand))

    def label_of(self, node_id: str) -> str | None:
        """The label of the node with this id as shown, None while its branch is closed."""
        path = self.path_of(node_id)
        shown = self._by_path.get(path) if path is not None else None
        if shown is None or (shown.parent is not None and not shown.parent.is_expanded):
            return None
        return str(shown.label)

    def path_of(self, node_id: str) -> tuple[int, ...] | None:
        return next((path for path, node in walk_paths(self.nodes) if node.node_id == node_id), None)

    def reveal(self, node_id: str) -> TreeNode[NodeRef] | None:
        """Open the branches down to the node with this id (clearing a filter that hides it)."""
        path = self.path_of(node_id)
        if path is None:
            return None
        if not self._shown(path):
            self.set_filter("")
        for cut in range(1, len(path)):
            branch = self._by_path.get(path[:cut])
            if branch is None:
                return None
            self.ensure_loaded(branch)
            branch.expand()
        return self._by_path.get(path)

    def go_to(self, node_id: str) -> bool:
        """Put the cursor on the node with this id; False when the tree has no such node."""
        target = self.reveal(node_id)
        if target is None:
            return False
        self.call_after_refresh(self.move_cursor, target)
        return True

    # -- content ------------------------------------------------------------------------------
    def show_nodes(
        self,
        nodes: list[Node],
        markdown: bool = False,
        keep: bool = True,
        opened: frozenset[tuple[int, ...]] = frozenset(),
    ) -> None:
        """Show a (new version of a) tree, keeping expanded branches and the cursor where possible; another
        document's tree (`keep` False) opens the branches `opened` (what was open when it was last shown)."""
        cursor = self.cursor_node.data.path if keep and self.cursor_node and self.cursor_node.data else None
        if not keep:
            self._open = set(opened)
            self.query_text, self._visible = "", None
        self.nodes, self.markdown = nodes, markdown
        if self.query_text:
            self._visible = self._matching(self.query_text)
        self._rebuild(cursor)

    def opened(self) -> frozenset[tuple[int, ...]]:
        """The branches open now (by path), to open again when this tree is shown again."""
        return frozenset(self._open)

    def set_filter(self, text: str) -> None:
        self.query_text = text.strip()
        self._visible = self._matching(self.query_text) if self.query_text else None
        cursor = self.cursor_node.data.path if self.cursor_node and self.cursor_node.data else None
        self._rebuild(cursor)

    def _matching(self, text: str) -> set[tuple[int, ...]]:
        needle = text.casefold()
        visible: set[tuple[int, ...]] = set()
        self.matches = 0
        for path, node in walk_paths(self.nodes):
            if needle in node.title.casefold():
                self.matches += 1
                for cut in range(1, len(path) + 1):
                    visible.add(path[:cut])
        return visible

    def _rebuild(self, cursor: tuple[int, ...] | None) -> None:
        self._generation += 1
        self._by_path.clear()
        self.clear()
        self._load(self.root, self.nodes, ())
        if cursor is not None:
            self.call_after_refresh(self._restore_cursor, cursor, self._generation)
        else:
            self.call_after_refresh(self._announce)

    def _restore_cursor(self, path: tuple[int, ...], generation: int) -> None:
        if generation != self._generation:
            return
        while path and path not in self._by_path:
            path = path[:-1]
        target = self._by_path.get(path)
        if target is not None:
            self.move_cursor(target)
        self._announce()

    def _announce(self) -> None:
        if self.cursor_line < 0 and self.root.children:
            self.cursor_line = 0
        node = self.cursor_node
        self.post_message(self.Shown(node.data if node is not None else None))

    def _shown(self, path: tuple[int, ...]) -> bool:
        return self._visible is None or path in self._visible

    def _load(self, parent: TreeNode[NodeRef], nodes: list[Node], prefix: tuple[int, ...]) -> None:
        items = [((*prefix, i), n) for i, n in enumerate(nodes) if self._shown((*prefix, i))]
        if parent.data is not None:
            parent.data.loaded = True
        self._add_chunk(parent, items, 0, self._generation)

    def _add_chunk(self, parent: TreeNode[NodeRef], items: list[Item], start: int, generation: int) -> None:
        if generation != self._generation:
            return  # the tree was rebuilt meanwhile
        for path, node in items[start : start + CHUNK]:
            has_children = any(self._shown((*path, i)) for i in range(len(node.nodes)))
            label = self.label_for(node, leaf=not has_children)
            child = parent.add(label, NodeRef(path, node), allow_expand=has_children)
            self._by_path[path] = child
            opened = path in self._open or (self._visible is not None and has_children)
            if opened and has_children:
                self._load(child, node.nodes, path)
                child.expand()
        if start + CHUNK < len(items):
            self.call_later(self._add_chunk, parent, items, start + CHUNK, generation)

    def ensure_loaded(self, tree_node: TreeNode[NodeRef]) -> None:
        ref = tree_node.data
        if ref is not None and not ref.loaded:
            self._load(tree_node, ref.node.nodes, ref.path)

    # -- expansion ------------------------------------------------------------------------------
    def _toggle_node(self, node: TreeNode[NodeRef]) -> None:
        if not node.allow_expand:
            return
        if node.is_expanded:
            node.collapse()
        else:
            self.ensure_loaded(node)
            node.expand()

    def on_tree_node_expanded(self, event: Tree.NodeExpanded[NodeRef]) -> None:
        if event.node.data is not None:
            if self._visible is None:  # expansions made by a filter are not remembered
                self._open.add(event.node.data.path)
            self.ensure_loaded(event.node)

    def on_tree_node_collapsed(self, event: Tree.NodeCollapsed[NodeRef]) -> None:
        if event.node.data is not None:
            self._open.discard(event.node.data.path)

    def on_tree_node_highlighted(self, event: Tree.NodeHighlighted[NodeRef]) -> None:
        self.post_message(self.Shown(event.node.data))

    def on_tree_node_selected(self, event: Tree.NodeSelected[NodeRef]) -> None:
        self._toggle_node(event.node)

    # -- actions ------------------------------------------------------------------------------------
    def action_expand(self) -> None:
        node = self.cursor_node
        if node is None:
            return
        if node.allow_expand and not node.is_expanded:
            self.ensure_loaded(node)
            node.expand()
        elif node.children:
            self.call_after_refresh(self.move_cursor, node.children[0])

    def action_collapse(self) -> None:
        node = self.cursor_node
        if node is None:
            return
        if node.is_expanded:
            node.collapse()
        elif node.parent is not None and node.parent is not self.root:
            self.move_cursor(node.parent)

    def action_expand_all(self) -> None:
        """Every branch open (under a filter: the matching ones already are); the cursor stays put."""
        self._open = {path for path, node in walk_paths(self.nodes) if node.nodes}
        cursor = self.cursor_node.data.path if self.cursor_node and self.cursor_node.data else None
        self._rebuild(cursor)

    def action_collapse_all(self) -> None:
        self._open.clear()
        cursor = self.cursor_node.data.path[:1] if self.cursor_node and self.cursor_node.data else None
        self._rebuild(cursor)
