"""The node detail panel: title, node id, pages, summary, where the structure came from, page text."""

from __future__ import annotations

from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import Static

from ...index.tree import Node, count
from ..keys import shown_key
from ..literal import literal, one_line
from .index_tree import NodeRef, pages_of

SOURCE_WORDS = {
    "outline": "the PDF's outline (bookmarks)",
    "toc": "the printed table of contents",
    "model": "the model",
    "markdown": "Markdown headings",
}
MAX_PAGE_TEXT = 40_000


class NodeDetail(VerticalScroll, can_focus=False):
    ALLOW_MAXIMIZE = True  # zoom (m) and the palette's Maximize take the whole pane
    DEFAULT_CSS = """
    NodeDetail { padding: 0 1; }
    NodeDetail > #detail-head { margin-bottom: 1; }
    NodeDetail > #detail-text { color: $text-muted; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.ref: NodeRef | None = None
        self.source = ""
        self.markdown = False

    def compose(self):
        yield Static(Text("No node highlighted.", style="dim"), id="detail-head")
        yield Static(Text(""), id="detail-text")

    def show(self, ref: NodeRef | None, source: str = "", markdown: bool = False) -> None:
        self.ref, self.source, self.markdown = ref, source, markdown
        head = self.query_one("#detail-head", Static)
        body = self.query_one("#detail-text", Static)
        body.update(Text(""))
        if ref is None:
            head.update(Text("No node highlighted.", style="dim"))
            return
        keys = [shown_key(f"tree.{name}", self.app) for name in ("page_text", "copy_json", "copy_text")]
        hints = "{}: page text · {}: copy JSON · {}: copy text".format(*keys)
        head.update(describe(ref.node, source, markdown, hints))
        self.scroll_home(animate=False)

    def refresh_head(self) -> None:
        """Draw the node's facts again (its summary came), leaving page text and scroll as they are."""
        if self.ref is not None:
            head = self.query_one("#detail-head", Static)
            head.update(describe(self.ref.node, self.source, self.markdown))

    def show_text(self, text: str | None, note: str = "") -> None:
        body = self.query_one("#detail-text", Static)
        if text is None:
            body.update(Text(note, style="italic"))
            return
        if len(text) > MAX_PAGE_TEXT:
            text = text[:MAX_PAGE_TEXT] + f"\n… ({len(text) - MAX_PAGE_TEXT:,} more characters)"
        out = Text()
        if note:
            out.append(note + "\n", style="bold")
        out.append(literal(text) or "(no text on these pages)")
        body.update(out)


def describe(node: Node, source: str, markdown: bool, hints: str = "") -> Text:
    """The detail text of a node; titles and summaries are literal."""
    text = Text()
    text.append(one_line(node.title) or "(untitled)", style="bold")
    text.append("\n")
    facts = [f"node {node.node_id}" if node.node_id else "no node id", pages_of(node, markdown)]
    if node.nodes:
        facts.append(f"{len(node.nodes)} children, {count(node.nodes)} below")
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
