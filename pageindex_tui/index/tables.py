"""Sections made of tables: when the headings the layout finds inside a large node are table titles and
rows rather than sections, the node is better left whole (issue 18, family 5: a 36-page appendix of
statistical tables was split at its table titles and rows into 32 junk nodes).

A page is a grid page when most of its lines are table cells: pieces of a row of three or more
(columns), or lines that are mostly figures. A heading is tabular when its title is a table's label
("Table 4", "Exhibit B-2", "Chart 3"), is mostly figures, or the layout saw it among table cells;
on a grid page, a heading not followed by running text is a table's title, stub or column head.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right

from ..document.lines import PageLines, TextLine
from .heading import Candidate
from .layout_levels import numbering
from .layout_rejects import ROW_TOLERANCE, note_section

GRID_SHARE = 0.4  # a page whose lines are this share table cells or more is a grid page
ROW_CELLS = 3  # pieces of one row that make it a table row
PROSE_WORDS = 8  # a next line of this many words, hardly any figures, is running text

_LABEL = re.compile(r"^(?i:table|tab\.|exhibit|chart)\s+([A-Z]{1,2}[-.]?)?\d+([.\-]\d+)*[a-z]?\b")
_WORD = re.compile(r"[^\W\d_]{2,}")
_FIGURE = re.compile(r"[-+]?[$\u20ac\u00a3(]?\d[\d,.]*%?\)?|[-\u2013\u2014]")


def _figures_share(text: str) -> float:
    tokens = text.split()
    return sum(1 for t in tokens if _FIGURE.fullmatch(t)) / len(tokens) if tokens else 0.0


def _row_sizes(lines: list[TextLine]) -> list[int]:
    """For each line, how many pieces its row has (itself included): lines whose tops are less than
    ROW_TOLERANCE apart."""
    tops = sorted(line.top for line in lines)
    return [
        bisect_left(tops, line.top + ROW_TOLERANCE) - bisect_right(tops, line.top - ROW_TOLERANCE)
        for line in lines
    ]


def grid_page(page: PageLines) -> bool:
    """Most of the page's lines are table cells."""
    lines = [line for line in page.lines if line.text.strip()]
    if len(lines) < 6:
        return False
    cells = sum(
        1
        for line, row in zip(lines, _row_sizes(lines), strict=True)
        if row >= ROW_CELLS or _figures_share(line.text) >= 0.5
    )
    return cells >= GRID_SHARE * len(lines)


def _title_figures(title: str) -> float:
    """The share of a title's words that are figures; a dash between its words is punctuation
    ("Note 2 \u2013 Revenue"), not a nil figure as in a table's row."""
    return _figures_share(" ".join(t for t in title.split() if t not in "-\u2013\u2014"))


def tabular(c: Candidate) -> bool:
    """A table's title or one of its rows, not a section heading."""
    if c.exhibit:  # the label that opens a filed document's first page, not a table's
        return False
    return c.grid or bool(_LABEL.match(c.title)) or _title_figures(c.title) >= 0.5


def _prose(text: str) -> bool:
    """Running text: several words, or a sentence ("Not applicable."), hardly any figures."""
    sentence = text.rstrip().endswith(".") and len(_WORD.findall(text)) >= 2
    return (len(text.split()) >= PROSE_WORDS or sentence) and _figures_share(text) < 0.2


def _section(c: Candidate) -> bool:
    """Sure of, or numbered as a section (a financial statement's "Note 7 \u2013 Debt" too)."""
    return c.sure or bool(numbering(c.title)) or note_section(c.title)


def table_headings(found: list[Candidate], pages: list[PageLines]) -> list[bool]:
    """For each heading found in `pages`: is it a table's title, stub or head rather than a section?
    Tabular ones are; so is one on a grid page whose next line is not running text (a table title
    over its column heads, a stub over its rows), unless the rules are sure of it or it is numbered
    as a section (a financial statement's "Note 7 \u2013 Debt" too); a heading over a paragraph on such
    a page is kept."""
    grid = {p.page for p in pages if grid_page(p)}
    return [tabular(c) or (c.page in grid and not (_section(c) or _prose(c.context))) for c in found]


def sections_only(found: list[Candidate], pages: list[PageLines]) -> tuple[list[Candidate], str]:
    """The headings found in a node's `pages` less its tables' titles and rows, and why the node is
    to stay whole ("" when it need not): when all of them were table headings."""
    tables = table_headings(found, pages)
    kept = [c for c, table in zip(found, tables, strict=True) if not table]
    if found and not kept:
        grid = sum(1 for p in pages if grid_page(p))
        why = f"the {len(found)} headings found in it are table titles or rows"
        return [], f"{why} ({grid} of its {len(pages)} pages are tables)"
    return kept, ""
