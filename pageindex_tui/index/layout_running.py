"""Lines that repeat from page to page and so are no headings: running heads and footers (in the
margin bands, or opening pages close together), and letterheads over a document's statements."""

from __future__ import annotations

import heapq
import re
from collections import Counter

from ..document.lines import PageLines, TextLine
from .layout_join import LABEL_ONLY, norm
from .layout_rejects import ROW_TOLERANCE, shape

__all__ = ["MARGIN", "Styled", "letterheads", "near_repeats", "running_shapes", "styled"]

MARGIN = 0.09  # fraction of the page height counted as header or footer band


def running_shapes(pages: list[PageLines], body: float) -> set[str]:
    """Lines in the header or footer band that repeat (digits aside) on many pages.

    A numbered heading that happens to open many pages repeats its shape too ("# chapter #"), but
    not its text, and it is set larger than the body: such lines are not running heads.
    """
    shapes: Counter[str] = Counter()
    texts: Counter[str] = Counter()
    small: set[str] = set()
    for page in pages:
        band = [
            line
            for line in page.lines
            if line.top < page.height * MARGIN or line.bottom > page.height * (1 - MARGIN)
        ]
        shapes.update({shape(line.text) for line in band})
        texts.update({" ".join(line.text.lower().split()) for line in band})
        small.update(shape(line.text) for line in band if line.size <= body * 1.05)
    need = max(2, min(len(pages) // 5, 8)) if len(pages) >= 3 else len(pages) + 1
    repeated = {shape(text) for text, n in texts.items() if n >= need}
    return {shape for shape, n in shapes.items() if n >= need and (shape in small or shape in repeated)}


Styled = tuple[str, int]  # (words, size in whole points) of a line at a page's edge
_FOLIO_ENDS = re.compile(r"^(\d{1,4})\s+|\s+(\d{1,4})$")


def styled(line: TextLine, pages: int) -> Styled:
    """A line's words less a page number at either end ("12 Dos au mur"; a number past the last
    page, a year, stays), and its size."""
    words = " ".join(line.text.lower().split())
    folio = lambda m: "" if int(m.group(1) or m.group(2)) <= pages else m.group(0)  # noqa: E731
    return _FOLIO_ENDS.sub(folio, words), round(line.size)


def _edge_lines(page: PageLines, pages: int) -> set[Styled]:
    """The topmost and the lowest row of a page, less bare labels ("Chapter 3", "2.1")."""
    if not page.lines:
        return set()
    top = min(line.top for line in page.lines)
    bottom = max(line.top for line in page.lines)
    edge = [line for line in page.lines if min(line.top - top, bottom - line.top) < ROW_TOLERANCE]
    return {styled(line, pages) for line in edge if not LABEL_ONLY.match(line.text.strip())}


def near_repeats(pages: list[PageLines], last: int) -> frozenset[Styled]:
    """Lines that open (or close) a page and again a page one or two pages on, in the same words
    (a page number aside) and size: a running head whose words change with the chapter ("CHAPTER 2.
    BACKGROUND", "12 Dos au mur" on even pages), too seldom in the whole document to be seen by its
    count, and maybe below the margin band. A heading does not open two pages that close together;
    the heading a running head repeats is set in another size, and stays."""
    edges = {page.page: _edge_lines(page, last) for page in pages}
    out: set[Styled] = set()
    for number, lines in edges.items():
        out |= lines & (edges.get(number + 1, set()) | edges.get(number + 2, set()))
    return frozenset(out)


def letterheads(pages: list[PageLines], running: frozenset[str]) -> frozenset[tuple[str, int]]:
    """(text, size) of lines among the two topmost of three pages or more, running heads aside: a
    company's name over each of its statements, a form's letterhead."""
    seen: Counter[tuple[str, int]] = Counter()
    for page in pages:
        highest = heapq.nsmallest(4, page.lines, key=lambda line: line.top)
        tops = [line for line in highest if shape(line.text) not in running][:2]
        seen.update({(norm(line.text), round(line.size)) for line in tops})
    return frozenset(text for text, n in seen.items() if n >= 3)
