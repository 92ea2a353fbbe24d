"""The node detail panel: title, node id, pages, summary, where the structure came from; and the node's
page text in a focusable reader (`widgets/reader.py`)."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.widget import Widget
from textual.widgets import Static

from ...document.base import span_label
from ...export import NodeText
from ...index.tree import Node, count
from ...safe_text import counted
from ...workbench.reading import ReaderText
from ..keys import shown_key
from ..literal import literal, one_line
from .index_tree import NodeRef, pages_of
from .reader import Reader

SOURCE_WORDS = {
    "outline": "the PDF's outline (bookmarks)",
    "toc": "the printed table of contents",
    "model": "the model",
    "markdown": "Markdown headings",
    "pages": "page groups, until the model finds the sections",
}


class NodeDetail(Vertical, can_focus=False):
    """The highlighted node's facts and summary; `t` puts its page text in the reader below them."""

    ALLOW_MAXIMIZE = True  # zoom (m) and the palette's Maximize take the whole pane

    DEFAULT_CSS = """
    NodeDetail { padding: 0 0 0 1; }
    NodeDetail > #detail-head-box { height: 1fr; }
    NodeDetail > #detail-head-box > #detail-head { margin-bottom: 1; }
    NodeDetail > #detail-text { display: none; }
    NodeDetail.-reading > #detail-head-box { height: auto; max-height: 5; }
    NodeDetail.-reading > #detail-head-box > #detail-head { margin-bottom: 0; }
    NodeDetail.-reading > #detail-text { display: block; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.ref: NodeRef | None = None
        self.source = ""
        self.markdown = False
        self._back: Widget | None = None  # what had focus before the reader took it

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="detail-head-box", can_focus=False):
            yield Static(Text("No node highlighted.", style="dim"), id="detail-head")
        yield Reader(id="detail-text")

    @property
    def reader(self) -> Reader:
        return self.query_one("#detail-text", Reader)

    @property
    def reading(self) -> bool:
        return self.has_class("-reading")

    def show(self, ref: NodeRef | None, source: str = "", markdown: bool = False) -> None:
        if self.reading and same_node(ref, self.ref):  # the tree was redrawn (indexing goes on): read on
            self.ref = ref
            return
        self.ref, self.source, self.markdown = ref, source, markdown
        self._close_text()
        head = self.query_one("#detail-head", Static)
        if ref is None:
            head.update(Text("No node highlighted.", style="dim"))
            return
        head.update(describe(ref.node, source, markdown, self._hints()))
        self.query_one("#detail-head-box").scroll_home(animate=False)

    def _hints(self) -> str:
        keys = [shown_key(f"tree.{name}", self.app) for name in ("page_text", "copy_json", "copy_text")]
        return "{}: page text · {}: copy JSON · {}: copy text".format(*keys)

    def refresh_head(self) -> None:
        """Draw the node's facts again (its summary came), leaving the reader and scroll as they are."""
        if self.ref is not None and not self.reading:
            head = self.query_one("#detail-head", Static)
            head.update(describe(self.ref.node, self.source, self.markdown, self._hints()))

    def show_text(self, text: NodeText | None, note: str = "", at: int | None = None) -> None:
        """The node's page text in the reader, focused, at page (line) `at` when given (None: only `note`,
        such as why it cannot be read)."""
        if not self.reading:
            self._back = self.screen.focused
        self.add_class("-reading")
        if self.ref is not None:
            self.query_one("#detail-head", Static).update(headline(self.ref.node, self.markdown, text))
        self.reader.show(ReaderText(text, "" if text is not None else note), at)
        self.reader.focus_text()

    def _close_text(self) -> None:
        if self.reading:
            self.remove_class("-reading")
            if self.ref is not None:
                head = self.query_one("#detail-head", Static)
                head.update(describe(self.ref.node, self.source, self.markdown, self._hints()))

    @on(Reader.Closed)
    def _reader_closed(self, message: Reader.Closed) -> None:
        message.stop()
        self._close_text()
        back, self._back = self._back, None
        if back is not None and back.is_attached:
            back.focus()


def same_node(one: NodeRef | None, other: NodeRef | None) -> bool:
    """Whether two refs are the same node of a tree (a redrawn tree makes new refs)."""
    if one is None or other is None:
        return False
    a, b = one.node, other.node
    return one.path == other.path and (a.node_id, a.start, a.end) == (b.node_id, b.start, b.end)


def headline(node: Node, markdown: bool, text: NodeText | None) -> Text:
    """The node in two lines above its page text."""
    out = Text()
    out.append(one_line(node.title) or "(untitled)", style="bold")
    out.append("\n")
    facts = [f"node {node.node_id}" if node.node_id else "no node id", pages_of(node, markdown)]
    plain = (span_label(node.start, node.end), f"lines from {node.start}")  # what the facts say already
    if text is not None and text.heading not in plain:
        facts.append(one_line(text.heading))  # such as "pages 4-53 (first 50)"
    out.append(" · ".join(facts), style="dim")
    return out


def describe(node: Node, source: str, markdown: bool, hints: str = "") -> Text:
    """The detail text of a node; titles and summaries are literal."""
    text = Text()
    text.append(one_line(node.title) or "(untitled)", style="bold")
    text.append("\n")
    facts = [f"node {node.node_id}" if node.node_id else "no node id", pages_of(node, markdown)]
    if node.nodes:
        facts.append(f"{counted(len(node.nodes), 'child', 'children')}, {count(node.nodes)} below")
    text.append(" · ".join(facts), style="dim")
    if source:
        text.append("\nstructure from ", style="dim")
        text.append(SOURCE_WORDS.get(source, source), style="dim")
    if node.verified is not None:
        text.append("\ntitle found on its page" if node.verified else "\ntitle not found on its page")
    text.append("\n\n")
    if node.summary:
        text.append("Summary\n", style="bold")
        text.append(literal(node.summary))
    else:
        text.append("No summary.", style="dim italic")
    if hints:
        text.append("\n\n")
        text.append(hints, style="dim")
    return text
