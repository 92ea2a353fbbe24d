"""Levels from a printed contents' indentation: a line set further in than the one above it is listed
under it, one set as far in is its sibling.

The contents' text loses its indentation; its page lines keep where each line starts. Each entry is
found among the lines in order (the first line of a wrapped title), and nests under the nearest entry
before it that starts further left; each page's indents count from its own leftmost entry (facing
pages have other margins). Taken only where it reads as indentation: nearly every entry found (a
line far across the page, a second column or a folio, is not counted as found), two indents or more,
and where entries are numbered in decimals ("2", "2.1", "2.1.1") the indents agree with the numbers.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import TYPE_CHECKING

from .layout_levels import numbering
from .locate import normalize

if TYPE_CHECKING:
    from ..document.lines import PageLines

TOLERANCE = 2.0  # points: starts closer than this are one indent
MIN_FOUND = 0.9  # share of the entries whose line is found
MAX_SPREAD = 0.3  # of the page width: starts further apart are no indents
MIN_AGREEING = 0.9  # share of steps between numbered entries that the indents take the same way
KEY = 24  # characters of a title looked for at the start of a line
MIN_KEY = 6


def _starts_with_title(line: str, key: str) -> bool:
    if not line:
        return False
    return line.startswith(key) or (len(line) >= min(len(key), MIN_KEY) and key.startswith(line))


def line_starts(titles: Sequence[str], pages: Sequence[PageLines]) -> list[float | None]:
    """Where each entry's line starts (its left edge, from its page's leftmost entry), found in the
    contents' lines in order; None where it is not found."""
    lines = [(n, line.x0, normalize(line.text)) for n, page in enumerate(pages) for line in page.lines]
    found: list[tuple[int, float] | None] = []
    at = 0
    for title in titles:
        key = normalize(title)[:KEY]
        hit = next((k for k in range(at, len(lines)) if key and _starts_with_title(lines[k][2], key)), None)
        found.append(None if hit is None else lines[hit][:2])
        at = at if hit is None else hit + 1
    margins: dict[int, float] = {}  # each page's leftmost entry: facing pages have other margins
    for n, x in (f for f in found if f is not None):
        margins[n] = min(x, margins.get(n, x))
    return [None if f is None else f[1] - margins[f[0]] for f in found]


def _nested(starts: list[float]) -> list[int]:
    """Levels from left edges: under the nearest line before that starts further left."""
    stack: list[float] = []
    levels: list[int] = []
    for x in starts:
        while stack and stack[-1] >= x - TOLERANCE:
            stack.pop()
        levels.append(len(stack))
        stack.append(x)
    return levels


def _agrees(titles: Sequence[str], levels: list[int]) -> bool:
    """Whether the indents step as the decimal numbers do between consecutive numbered entries."""
    numbered = [
        (n.depth, level)
        for title, level in zip(titles, levels, strict=True)
        if (n := numbering(title)) is not None and n.kind == "decimal"
    ]
    steps = [
        ((b[0] > a[0]) - (b[0] < a[0]), (b[1] > a[1]) - (b[1] < a[1]))
        for a, b in itertools.pairwise(numbered)
    ]
    return not steps or sum(x == y for x, y in steps) >= MIN_AGREEING * len(steps)


def indent_levels(titles: Sequence[str], pages: Sequence[PageLines]) -> list[int] | None:
    """The entries' levels by indentation (see the module's docstring), or None where the contents'
    lines do not read as indentation."""
    if not titles or not pages:
        return None
    width = max(page.width for page in pages)
    # a line far across the page (a second column, a folio, a centred line) is no indent
    starts = [x if x is not None and x <= MAX_SPREAD * width else None for x in line_starts(titles, pages)]
    known = [x for x in starts if x is not None]
    if len(known) < MIN_FOUND * len(titles):
        return None
    filled: list[float] = []
    for x in starts:  # an entry whose line is not found: a sibling of the one before
        filled.append(x if x is not None else (filled[-1] if filled else min(known)))
    levels = _nested(filled)
    if max(levels) == 0 or not _agrees(titles, levels):
        return None
    return levels
