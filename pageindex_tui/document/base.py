"""What every document offers the engine, PDF or Markdown: one interface, so the pipeline has one path.

A document counts in `unit`s (pages of a PDF, lines of a Markdown file), carries the sections it
declares itself (a PDF's outline, a Markdown file's headings) as `entries()`, and gives the text of a
node's span. The `<page N>` wrapper the model reads pages in, and the labels of a span ("page 3",
"pages 3-5", "line 12"), are written here and nowhere else.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from ..tree import Unit as Unit  # pages of a PDF, lines of a Markdown file


@dataclass(frozen=True)
class Entry:
    """A section start found by any means: outline, printed contents, model, Markdown heading. A document
    declares its own as `entries()` (a PDF's outline, a Markdown file's headings)."""

    title: str
    level: int  # 0 = top
    start: int  # 1-based physical page (PDF) or line number (Markdown)
    source: str = ""  # where it came from: "outline", "contents", "layout", "model", "markdown",
    # "split/..." (a large node split at its own headings)
    confidence: float = 1.0  # how sure that source is, 0..1


class Document(Protocol):
    path: Path
    name: str  # the file name
    unit: Unit
    warnings: list[str]

    @property
    def size(self) -> int:
        """Pages of a PDF, lines of a Markdown file."""
        ...

    @property
    def doc_name(self) -> str:
        """The name PageIndex gives the document in its JSON."""
        ...

    def entries(self) -> list[Entry]: ...

    def node_text(self, start: int, end: int) -> str:
        """The text of a node spanning `start`..`end` (inclusive)."""
        ...


def span_label(start: int, end: int, unit: Unit = "page") -> str:
    """ "page 3", "pages 3-5"; a Markdown node is labelled by its first line: "line 12"."""
    if unit == "line":
        return f"line {start}"
    return f"page {start}" if start == end else f"pages {start}-{end}"


def tag_pages(page_text: Callable[[int], str], first: int, last: int) -> str:
    """Pages `first`..`last`, each wrapped in `<page N>` tags, as the prompts expect them."""
    return "".join(f"<page {n}>\n{page_text(n)}\n</page {n}>\n" for n in range(first, last + 1))
