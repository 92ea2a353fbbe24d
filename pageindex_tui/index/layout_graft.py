"""The layout's headings set under a document's own list of sections (an outline, a printed contents).

Two cases. A coarse list (chapters only, several pages each) takes every heading the layout finds
within an entry's pages (`graft`). A deeper list may still stop a level short of the document: a
manual's contents that name chapters and sections but not the sub-sections set in bold under them, a
report's that stops at "3.1.1" where the text goes on to "3.1.1.1". There the layout's headings are
taken only below the deepest level the list names (`deepen`): those numbered one level deeper than
the entry they follow ("3.1.1.1" after "3.1.1"), and those set less prominently than the entries of
the deepest listed level as the layout found them on their pages (a bold body-size line under
sections in 14 pt), not smaller than the body, in a style that sets such lines apart on four pages
or more (one figure's or table's labels do not), and, where the entries are numbered, larger than
the body (a bold line at the body size there is a run-in paragraph head). What is as prominent as a
listed level and not listed is left out: the authors chose not to list it.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace

from ..document.lines import PageLines
from .heading import Candidate
from .layout_levels import numbering
from .locate import normalize
from .tables import sections_only, table_headings
from .tree import Entry

__all__ = ["deepen", "graft", "listed_key"]

MATCHED_SHARE = 0.5  # of the deepest level's entries, the share the layout must find to learn its style
MIN_MATCHED = 3
SIZE_STEP = 0.5  # points: a size this much below the listed style's is less prominent
LARGER = 1.15  # a heading set this much larger than the body stands apart without bold
MAX_WORDS = 12  # a longer line is a sentence, not a title
REPEATED = 3  # an unnumbered title found this many times is a label ("Solution", "Notes")
RECUR_PAGES = 4  # an unlisted heading's style must set headings apart on this many pages


def listed_key(title: str) -> str:
    """A title as a contents page and a heading both print it: normalised, numbering left off."""
    n = numbering(title)
    return normalize(title[len(n.label) :] if n and title.startswith(n.label) else title).strip()


def graft(
    outline: list[Entry],
    headings: list[Candidate],
    page_count: int,
    page_lines: Callable[[int], PageLines | None] | None = None,
) -> tuple[list[Entry], int]:
    """The outline with the layout's headings nested under the entry whose pages hold them; with
    `page_lines`, no table title, stub or column head (`tables.sections_only`)."""
    known = {normalize(e.title) for e in outline}
    out: list[Entry] = []
    added = 0
    for k, entry in enumerate(outline):
        out.append(entry)
        end = outline[k + 1].start if k + 1 < len(outline) else page_count + 1
        inside = [h for h in headings if entry.start <= h.page < end and normalize(h.title) not in known]
        if inside and page_lines is not None:
            pages = [lines for p in range(entry.start, end) if (lines := page_lines(p)) is not None]
            inside = sections_only(inside, pages)[0]
        if not inside:
            continue
        top = min(h.level for h in inside)
        out.extend(
            Entry(h.title, entry.level + 1 + h.level - top, h.page, h.decided_by, h.confidence)
            for h in inside
        )
        added += len(inside)
    return out, added


Style = tuple[float, bool]  # (size, bold) of a heading as the layout found it


def _matches(entries: list[Entry], headings: list[Candidate]) -> list[int | None]:
    """For each entry, the index of the heading it is (same words, same page), in order."""
    out: list[int | None] = []
    start = 0
    by_page: dict[int, list[int]] = {}
    for i, h in enumerate(headings):
        by_page.setdefault(h.page, []).append(i)
    for e in entries:
        key = listed_key(e.title)
        same = (i for i in by_page.get(e.start, []) if i >= start and listed_key(headings[i].title) == key)
        hit = next(same, None) if key else None
        if hit is not None:
            start = hit + 1
        out.append(hit)
    return out


def _less_prominent(style: Style, floor: Style) -> bool:
    size, bold = style
    return size < floor[0] - SIZE_STEP or (abs(size - floor[0]) <= SIZE_STEP and floor[1] and not bold)


def _decimal(title: str) -> bool:
    n = numbering(title)
    return bool(n and n.kind == "decimal")


def _deeper_number(title: str, parent: str) -> bool:
    """`title` numbered one level under `parent` ("3.1.1.1" under "3.1.1")."""
    n, p = numbering(title), numbering(parent)
    return bool(n and p and n.kind == "decimal" and p.kind == "decimal" and n.label.startswith(p.label + "."))


def _floor(headings: list[Candidate], found: list[int]) -> Style:
    """The least prominent style the listed entries are set in (one that two of them share, else the
    most common one)."""
    styles = Counter((round(headings[m].size, 1), headings[m].bold) for m in found)
    least = min(styles)
    return least if styles[least] >= 2 else styles.most_common(1)[0][0]


_SENTENCE = re.compile(r"[.!?]\s+\S")


@dataclass(frozen=True)
class _Below:
    """What a heading below the listed levels looks like in one document."""

    floor: Style | None  # the least prominent listed style; None where too few entries were found
    body: float  # the body's font size
    labels: frozenset[str]  # unnumbered titles the layout found three times or more: labels, not sections
    numbered: bool  # most listed entries carry a decimal number ("3.1")
    recurring: frozenset[Style] = frozenset()  # styles that set unlisted headings apart (`_recurring`)

    def eligible(self, h: Candidate) -> bool:
        """Unnumbered, set larger than the body where the entries are numbered, and `_unlisted`."""
        if self.floor is None or numbering(h.title):
            return False
        larger = h.size >= self.body * LARGER
        return (larger or not self.numbered) and _unlisted(h, self.floor, self.body, self.labels)

    def takes(self, h: Candidate, parent: Entry) -> bool:
        """Numbered one level under `parent`; or of a style that sets such headings apart in this
        document (`recurring`)."""
        if _deeper_number(h.title, parent.title):
            return True
        return _style(h) in self.recurring and self.eligible(h)


def _style(h: Candidate) -> Style:
    return (round(h.size, 1), h.bold)


def _unlisted(h: Candidate, floor: Style, body: float, labels: frozenset[str]) -> bool:
    """Set apart by weight or size, yet less prominently than every listed level and not smaller
    than the body (a figure's or a table's labels are), a title rather than a sentence, and not a
    label that repeats."""
    if not _less_prominent(_style(h), floor) or h.size < body - SIZE_STEP:
        return False
    styled = h.bold or h.size >= body * LARGER
    title = h.title.strip()
    sentence = bool(_SENTENCE.search(title)) or title.endswith(".") or len(title.split()) > MAX_WORDS
    return styled and not sentence and normalize(title) not in labels


def _recurring(below: _Below, headings: list[Candidate], found: set[int]) -> frozenset[Style]:
    """The styles of unlisted headings (`_Below.eligible`) found on RECUR_PAGES pages or more: a
    class of headings the document uses throughout, not the labels of one figure or table. Where
    the listed entries are numbered, only styles larger than the body: a section below them is
    numbered too ("3.1.1.1") or set larger, and an unnumbered bold line at the body size is a
    run-in paragraph head ("Data", "Toolkits")."""
    pages: dict[Style, set[int]] = {}
    for i, h in enumerate(headings):
        if i not in found and below.eligible(h):
            pages.setdefault(_style(h), set()).add(h.page)
    return frozenset(style for style, seen in pages.items() if len(seen) >= RECUR_PAGES)


def _labels(headings: list[Candidate]) -> frozenset[str]:
    titles = Counter(normalize(h.title) for h in headings if not numbering(h.title))
    return frozenset(t for t, n in titles.items() if n >= REPEATED)


def deepen(
    entries: list[Entry],
    headings: list[Candidate],
    body: float,
    page_lines: Callable[[int], PageLines | None] | None = None,
) -> tuple[list[Entry], int]:
    """`entries` (levelled, in order) with the layout's `headings` (levelled by `choose`, in reading
    order) that sit below the listed levels, each run under the entry it follows. An entry the layout
    did not find stands before the headings of its page; where the entries go back in the document
    (a list printed out of page order), nothing is set between them."""
    if not entries or not headings:
        return entries, 0
    matched = _matches(entries, headings)
    found = {m for m in matched if m is not None}
    enough = len(found) >= max(MIN_MATCHED, MATCHED_SHARE * len(entries))
    floor = _floor(headings, sorted(found)) if enough else None
    numbered = sum(1 for e in entries if _decimal(e.title)) * 2 > len(entries)
    below = _Below(floor, body, _labels(headings), numbered)
    below = replace(below, recurring=_recurring(below, headings, found))
    keys = [(e.start, float(m) if m is not None else -1.0) for e, m in zip(entries, matched, strict=True)]
    keys.append((max(h.page for h in headings) + 1, -1.0))
    order = [(h.page, float(i)) for i, h in enumerate(headings)]  # sorted: reading order
    out: list[Entry] = []
    added = 0
    for k, entry in enumerate(entries):
        out.append(entry)
        low, high = keys[k], keys[k + 1]
        if high <= low:
            continue
        span = range(bisect_right(order, low), bisect_left(order, high))
        run = [headings[i] for i in span if i not in found and below.takes(headings[i], entry)]
        if run and page_lines is not None:
            pages = [lines for p in sorted({h.page for h in run}) if (lines := page_lines(p)) is not None]
            run = [h for h, table in zip(run, table_headings(run, pages), strict=True) if not table]
        if not run:
            continue
        top = min(h.level for h in run)
        level = entry.level + 1 - top
        out.extend(Entry(h.title, level + h.level, h.page, h.decided_by, h.confidence) for h in run)
        added += len(run)
    return out, added
