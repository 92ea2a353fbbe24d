"""The layout's headings set under a document's own list of sections (an outline, a printed contents).

Two cases. A coarse list (chapters only, several pages each) takes every heading the layout finds
within an entry's pages (`graft`). A deeper list may still stop a level short of the document: a
manual's contents that name chapters and sections but not the sub-sections set in bold under them, a
report's that stops at "3.1.1" where the text goes on to "3.1.1.1". There the layout's headings are
taken only below the deepest level the list names (`deepen`), where the list is a printed contents:
those numbered under a listed entry and not listed ("3.1.1.1" under "3.1.1", where three entries or
more are decimal-numbered), from its page to the next entry's, one level deeper per step of
numbering; and those set less prominently than the entries of
the deepest listed level as the layout found them on their pages (a bold body-size line under
sections in 14 pt), not smaller than the body, in a style that sets such lines apart on four pages
or more (one figure's or table's labels do not), and, where the entries are numbered, larger than
the body (a bold line at the body size there is a run-in paragraph head). What is as prominent as a
listed level and not listed is left out: the authors chose not to list it.
"""

from __future__ import annotations

import itertools
import re
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace

from ..document.lines import PageLines
from .heading import Candidate
from .layout_levels import Numbering, numbering
from .locate import normalize
from .tables import sections_only, table_headings
from .tree import Entry

__all__ = ["deepen", "graft", "listed_key", "numbered_entries"]

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


def _ends(outline: list[Entry], page_count: int) -> list[int]:
    """Where each entry's pages end (exclusive): at the next entry in page order, not in list order.
    A contents whose last lines point back ("Exhibit ... 26" after "Item 16 ... 131") would else
    give its last entry every page from there to the end, and each heading there a second parent."""
    order = sorted(range(len(outline)), key=lambda k: (outline[k].start, k))
    ends = [page_count + 1] * len(outline)
    for k, nxt in itertools.pairwise(order):
        ends[k] = outline[nxt].start
    return ends


def _restates(title: str, entries: list[str]) -> bool:
    """Whether a heading (normalised) is an entry of its page, set over more lines or fewer than the
    contents or outline print it ("Item 5. Market for ... Issuer" where the entry reads on to
    "... Purchases of Equity Securities"): one title starts the other, two words or more."""
    return any(
        len(min(title, entry, key=len).split()) >= 2
        and (entry.startswith(f"{title} ") or title.startswith(f"{entry} "))
        for entry in entries
    )


def graft(
    outline: list[Entry],
    headings: list[Candidate],
    page_count: int,
    page_lines: Callable[[int], PageLines | None] | None = None,
    printed: bool = False,
) -> tuple[list[Entry], int]:
    """The outline with the layout's headings nested under the entry whose pages hold them; with
    `page_lines`, no table title, stub or column head (`tables.sections_only`). With `printed` (the
    entries are a printed contents' lines, wrapped and cut as the page allowed), a heading that
    restates an entry of its page is that entry (`_restates`); an outline's titles are the author's
    own, and its trees stay as they were."""
    known = {normalize(e.title) for e in outline}
    on_page: dict[int, list[str]] = {}
    for e in outline if printed else []:
        on_page.setdefault(e.start, []).append(normalize(e.title))
    ends = _ends(outline, page_count)
    out: list[Entry] = []
    added = 0
    for entry, end in zip(outline, ends, strict=True):
        out.append(entry)
        inside = [
            h
            for h in headings
            if entry.start <= h.page < end
            and normalize(h.title) not in known
            and not _restates(normalize(h.title), on_page.get(h.page, []))
        ]
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


MIN_NUMBERED = 3  # decimal-numbered entries a contents needs before numbered sub-sections are looked for


def _decimal_number(title: str) -> Numbering | None:
    n = numbering(title)
    return n if n and n.kind == "decimal" else None


def numbered_entries(entries: list[Entry]) -> bool:
    """Whether a contents numbers its sections in decimals ("3", "3.1"), enough to go by."""
    return sum(1 for e in entries if _decimal_number(e.title)) >= MIN_NUMBERED


def _listed_parent(label: str, listed: set[str]) -> str:
    """The deepest listed label a section number falls under ("2.1" for "2.1.3" where "2.1" is
    listed), "" where none is."""
    parts = label.split(".")
    return next((p for k in range(len(parts) - 1, 0, -1) if (p := ".".join(parts[:k])) in listed), "")


def _numbered_under(
    entries: list[Entry], headings: list[Candidate], page_count: int
) -> list[list[tuple[int, Entry]]]:
    """Per entry, the layout's headings numbered below it ("3.1.1.1" under "3.1.1", "4.4.2" under
    "4.4") that the contents do not list, from its page to the next entry's (that page included: a
    sub-section may end a page the next entry opens), one level deeper per step of numbering, each
    with its index in `headings`. None where the contents number fewer than MIN_NUMBERED entries."""
    runs: list[list[tuple[int, Entry]]] = [[] for _ in entries]
    if not numbered_entries(entries):
        return runs
    listed = {n.label for e in entries if (n := _decimal_number(e.title))}
    used: set[int] = set()
    for k, (entry, end) in enumerate(zip(entries, _ends(entries, page_count), strict=True)):
        parent = _decimal_number(entry.title)
        if parent is None:
            continue
        for i, h in enumerate(headings):
            n = _decimal_number(h.title)
            if (
                n is None
                or i in used
                or not entry.start <= h.page <= end
                or n.label in listed
                or _listed_parent(n.label, listed) != parent.label
            ):
                continue
            used.add(i)
            level = entry.level + n.depth - parent.depth
            runs[k].append((i, Entry(h.title, level, h.page, h.decided_by, h.confidence)))
    return runs


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

    def takes(self, h: Candidate) -> bool:
        """Of a style that sets such headings apart in this document (`recurring`), and eligible."""
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


def _less_prominent_runs(
    entries: list[Entry],
    headings: list[Candidate],
    body: float,
    page_lines: Callable[[int], PageLines | None] | None,
) -> list[list[tuple[int, Entry]]]:
    """Per entry, the layout's unnumbered headings after it in reading order (up to the next entry)
    that are set less prominently than the listed levels (`_Below`), each with its index in
    `headings`. An entry the layout did not find stands before the headings of its page; where the
    entries go back in the document (a list printed out of page order), nothing is set between them."""
    runs: list[list[tuple[int, Entry]]] = [[] for _ in entries]
    matched = _matches(entries, headings)
    found = {m for m in matched if m is not None}
    if len(found) < max(MIN_MATCHED, MATCHED_SHARE * len(entries)):
        return runs
    numbered = sum(1 for e in entries if _decimal(e.title)) * 2 > len(entries)
    below = _Below(_floor(headings, sorted(found)), body, _labels(headings), numbered)
    below = replace(below, recurring=_recurring(below, headings, found))
    keys = [(e.start, float(m) if m is not None else -1.0) for e, m in zip(entries, matched, strict=True)]
    keys.append((max(h.page for h in headings) + 1, -1.0))
    order = [(h.page, float(i)) for i, h in enumerate(headings)]  # sorted: reading order
    for k, entry in enumerate(entries):
        low, high = keys[k], keys[k + 1]
        if high <= low:
            continue
        span = range(bisect_right(order, low), bisect_left(order, high))
        run = [i for i in span if i not in found and below.takes(headings[i])]
        if run and page_lines is not None:
            pages = [
                lines for p in sorted({headings[i].page for i in run}) if (lines := page_lines(p)) is not None
            ]
            run = [
                i
                for i, table in zip(run, table_headings([headings[i] for i in run], pages), strict=True)
                if not table
            ]
        if not run:
            continue
        level = entry.level + 1 - min(headings[i].level for i in run)
        for i in run:
            h = headings[i]
            runs[k].append((i, Entry(h.title, level + h.level, h.page, h.decided_by, h.confidence)))
    return runs


def deepen(
    entries: list[Entry],
    headings: list[Candidate],
    page_count: int,
    body: float,
    page_lines: Callable[[int], PageLines | None] | None = None,
) -> tuple[list[Entry], int]:
    """`entries` (a printed contents' list, levelled, in order) with the layout's `headings`
    (levelled by `choose`, in reading order) that sit below the listed levels, each run under the
    entry it follows, in reading order: those numbered under an entry (`_numbered_under`) and those
    set less prominently than every listed level (`_less_prominent_runs`)."""
    if not entries or not headings:
        return entries, 0
    numbered = _numbered_under(entries, headings, page_count)
    styled = _less_prominent_runs(entries, headings, body, page_lines)
    out: list[Entry] = []
    added = 0
    for entry, one, two in zip(entries, numbered, styled, strict=True):
        out.append(entry)
        taken = {i: e for i, e in one + two}
        out.extend(taken[i] for i in sorted(taken))
        added += len(taken)
    return out, added
