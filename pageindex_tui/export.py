"""A tree into files and clipboard text: PageIndex JSON, a Markdown outline, a node's page text.

The app exports the tree it shows; `pageindex-tui export` a saved index or a `_structure.json`."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from .document.base import Unit, span_label
from .formats import OUTLINE_SUFFIX, STRUCTURE_SUFFIX
from .index.tree import Node
from .tree import Tree, TreeNode, nodes_json

MAX_PAGES = 50  # pages of text shown or copied for one node

Format = Literal["json", "markdown"]
SUFFIXES: dict[Format, str] = {"json": STRUCTURE_SUFFIX, "markdown": OUTLINE_SUFFIX}
NAMES: dict[Format, str] = {"json": "PageIndex JSON", "markdown": "Markdown outline"}


def node_json(node: TreeNode, unit: Unit) -> str:
    return json.dumps(nodes_json((node,), unit)[0], indent=2, ensure_ascii=False)


def result_json(tree: Tree, partial: str = "") -> str:
    """PageIndex JSON; `partial` (what is missing, e.g. "indexing is still running (summarizing 3/6)")
    is written as a top-level "partial" so that no reader takes the tree for a finished index."""
    return json.dumps(tree.to_json(partial=partial), indent=2, ensure_ascii=False) + "\n"


def markdown_outline(tree: Tree, partial: str = "") -> str:
    """A nested list: title, pages (or line), node id; summaries as indented quotes. `partial`: a line
    under the title says what is missing."""
    lines = [f"# {tree.name}", ""]
    if partial:
        lines += [f"*Partial index: {' '.join(partial.split())}.*", ""]

    def add(items: tuple[TreeNode, ...], depth: int) -> None:
        for node in items:
            where = span_label(node.start, node.end, tree.unit)
            node_id = f" `{node.node_id}`" if node.node_id else ""
            title = " ".join(node.title.split())
            lines.append(f"{'  ' * depth}- {title} ({where}){node_id}")
            if node.summary:
                summary = " ".join(node.summary.split())
                lines.append(f"{'  ' * (depth + 1)}> {summary}")
            add(node.nodes, depth + 1)

    add(tree.nodes, 0)
    return "\n".join(lines) + "\n"


PAGE_RULE = "── page {} ──"  # the line before each page of a PDF node's text


@dataclass(frozen=True)
class NodeText:
    """A node's text by unit, `(page or line number, its text)`, and a heading for it."""

    unit: Unit
    parts: tuple[tuple[int, str], ...]
    heading: str

    def joined(self) -> str:
        """The text as one string: a PDF's pages under a rule each, a Markdown node's lines."""
        if self.unit == "line":
            return "\n".join(text for _number, text in self.parts)
        return "\n".join(f"{PAGE_RULE.format(number)}\n{text}" for number, text in self.parts)


def _lines(text: str, first: int, heading: str) -> NodeText:
    return NodeText("line", tuple(enumerate(text.split("\n"), start=first)), heading)


def node_text(path: Path, node: Node, opened: dict[str, Any]) -> NodeText:
    """The node's text from the document (blocking: run it in a thread): a PDF's pages (at most
    MAX_PAGES), a Markdown node's own lines, or the text the index stored for it.

    `opened` keeps opened documents between calls (the caller bounds it).
    """
    from .document import PdfDocument, open_document

    if node.text:
        return _lines(node.text, node.start, "text stored in the index")
    key = str(path)
    doc = opened.get(key)
    if doc is None:
        doc = open_document(path)
        opened.clear()
        opened[key] = doc
    if not isinstance(doc, PdfDocument):
        return _lines(doc.node_text(node.start, node.end), node.start, f"lines from {node.start}")
    first, last = max(1, node.start), min(doc.page_count, node.end, node.start + MAX_PAGES - 1)
    parts = tuple((n, doc.page_text(n)) for n in range(first, last + 1))
    more = f" (first {MAX_PAGES})" if node.end - node.start + 1 > MAX_PAGES else ""
    return NodeText("page", parts, span_label(first, last) + more)
