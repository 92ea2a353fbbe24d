"""Headings a printed contents leaves out, taken from the layout where its type says what they are.

A contents often lists fewer headings than the text sets: the sections but not their sub-sections
(a manual's "Charging" over "Checking the battery level"), or some of its sections and not others
(an annual report's awards, a filing's business segments). The contents' own entries, found on
their pages, say how the document sets each level of its headings. A heading the layout finds inside
the contents' pages is then taken only where its type is that of a level the contents lists (a
section left out, at that level), or where it belongs to the one style set below every listed
level and above the body, consistently: most of the lines set in it are headings, several entries
hold them, and they read as titles. Anything else the authors may have chosen not to list, or it is
a table's head, a caption or a list item.

After its last entry a contents says nothing: a heading there set larger than every level it lists
is a part it leaves out (an annex), and the headings under it are taken by their type as above.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter, defaultdict
from collections.abc import Callable
from typing import TYPE_CHECKING

from .heading import Candidate
from .locate import normalize, restates
from .tables import sections_only
from .tree import Entry

if TYPE_CHECKING:
    from ..document.lines import PageLines

Style = tuple[int, bool, bool, bool]  # size in whole points, bold, italic, capitals
Split = Callable[[int, int], bool]  # whether a section over these pages will be split (`split.large_span`)

MIN_MATCHED = 3  # contents entries found in one style before it is taken as their level's
LEVEL_SHARE = 0.6  # of a level's entries found on their pages, at least this share in its style
MIN_CHILDREN = 3  # headings of the style below the contents' levels, in two entries or more
HEADING_SHARE = 0.6  # of the lines set in that style, at least this share taken as headings
TITLE_WORDS = 12  # a sub-heading of more words is a sentence set in bold, not a title


def style(c: Candidate) -> Style:
    letters = [ch for ch in c.title if ch.isalpha()]
    caps = len(letters) >= 3 and all(ch.isupper() for ch in letters)
    return round(c.size), c.bold, c.italic, caps


def _below(s: Style, other: Style) -> bool:
    """Set less prominently than `other`: smaller, or as large without its weight."""
    return s[0] < other[0] or (s[0] == other[0] and other[1] and not s[1])


def _same(title: str, entry: str) -> bool:
    """A heading's title and a contents entry's, normalised: equal, or one restates the other."""
    return title == entry or restates(title, entry)


def _matches(entries: list[Entry], headings: list[Candidate]) -> dict[int, int]:
    """Entry index -> the index of the heading that prints it on its page: of those whose title is
    the entry's, the most prominent (a sub-heading may repeat its section's title, smaller)."""
    by_page: dict[int, list[int]] = defaultdict(list)
    for i, h in enumerate(headings):
        by_page[h.page].append(i)
    out: dict[int, int] = {}
    used: set[int] = set()
    for k, e in enumerate(entries):
        title = normalize(e.title)
        same = [
            i
            for i in by_page.get(e.start, [])
            if i not in used and _same(normalize(headings[i].title), title)
        ]
        if same:
            best = max(same, key=lambda i: (headings[i].size, headings[i].bold))
            out[k] = best
            used.add(best)
    return out


def _level_styles(
    entries: list[Entry], headings: list[Candidate], matched: dict[int, int]
) -> dict[Style, int]:
    """The style of each level the contents lists, where its entries agree on one: style -> level."""
    by_level: dict[int, Counter[Style]] = defaultdict(Counter)
    for k, i in matched.items():
        by_level[entries[k].level][style(headings[i])] += 1
    out: dict[Style, int] = {}
    for level, styles in sorted(by_level.items()):
        top, n = styles.most_common(1)[0]
        if n >= MIN_MATCHED and n >= LEVEL_SHARE * sum(styles.values()):
            out.setdefault(top, level)
    return out


def _owners(
    entries: list[Entry], matched: dict[int, int], page_count: int, split: Split | None
) -> Callable[[int, int], int | None]:
    """(page, index of a heading in reading order) -> the entry that holds it: the last printed
    before it, in page order and, on a page two entries share, in reading order (an entry not
    found on its page counts from the page's top); none for the pages of an entry that `split`
    says will be split at its own sub-headings later (`split.py` reads its whole layout then; an
    entry given sub-sections here would not be split)."""
    keys = sorted(((e.start, matched.get(k, -1)), k) for k, e in enumerate(entries))
    large: set[int] = set()
    for n, (key, k) in enumerate(keys):
        start = key[0]
        end = keys[n + 1][0][0] - 1 if n + 1 < len(keys) else page_count
        if split is not None and split(start, max(start, end)):
            large.add(k)

    def owner(page: int, index: int) -> int | None:
        at = bisect_right(keys, ((page, index), len(entries))) - 1
        k = keys[at][1] if at >= 0 else None
        return None if k is None or k in large or page > page_count else k

    return owner


def _title_like(c: Candidate) -> bool:
    text = c.title.rstrip()
    return len(text.split()) <= TITLE_WORDS and not text.endswith((".", ",", ";", ":"))


def fill(
    entries: list[Entry],
    headings: list[Candidate],
    candidates: list[Candidate],
    page_count: int,
    page_lines: Callable[[int], PageLines | None] | None = None,
    split: Split | None = None,
    under: set[int] | None = None,
) -> tuple[list[Entry], int]:
    """The contents' `entries` with the layout's `headings` (chosen, in reading order) it leaves out,
    where their type says so (see the module's doc); `candidates` are all the lines the layout
    considered, chosen or not, to judge how consistently a style marks headings. Nothing is added
    to an entry whose pages `split(start, end)` says will be split later."""
    matched = _matches(entries, headings)
    levels = _level_styles(entries, headings, matched)
    if not levels:
        return entries, 0
    owner = _owners(entries, matched, page_count, split)
    taken = set(matched.values())
    inside = [
        (i, k)
        for i, h in enumerate(headings)
        if i not in taken and (k := owner(h.page, i)) is not None and (under is None or k in under)
    ]
    if page_lines is not None and inside:
        pages = [lines for p in sorted({headings[i].page for i, _k in inside}) if (lines := page_lines(p))]
        kept = {id(c) for c in sections_only([headings[i] for i, _k in inside], pages)[0]}
        inside = [(i, k) for i, k in inside if id(headings[i]) in kept]
    listed = {(normalize(e.title), e.start) for e in entries}  # a listed title set again: no second one
    peers = [
        (i, k, levels[s])
        for i, k in inside
        if (s := style(headings[i])) in levels
        and (normalize(headings[i].title), headings[i].page) not in listed
    ]
    child = _child_style(headings, candidates, inside, levels)
    children = [(i, k, entries[k].level + 1) for i, k in inside if style(headings[i]) == child]
    # an exhibit is a document filed beside the report, not a section of the entry before it
    added = {i: (k, 0 if headings[i].exhibit else level) for i, k, level in [*peers, *children]}
    if not added:
        return entries, 0
    return _merged(entries, headings, added), len(added)


def _child_style(
    headings: list[Candidate],
    candidates: list[Candidate],
    inside: list[tuple[int, int]],
    levels: dict[Style, int],
) -> Style | None:
    """The most prominent style set below every listed level that marks sub-headings consistently."""
    groups: dict[Style, list[tuple[int, int]]] = defaultdict(list)
    for i, k in inside:
        s = style(headings[i])
        if all(_below(s, listed) for listed in levels):
            groups[s].append((i, k))
    lines = Counter(style(c) for c in candidates)
    for s in sorted(groups, key=lambda s: (s[0], s[1]), reverse=True):
        members = groups[s]
        titles = sum(1 for i, _k in members if _title_like(headings[i]))
        if (
            len(members) >= MIN_CHILDREN
            and len({k for _i, k in members}) >= 2
            and len(members) >= HEADING_SHARE * lines[s]
            and titles >= HEADING_SHARE * len(members)
        ):
            return s
    return None


def _merged(
    entries: list[Entry], headings: list[Candidate], added: dict[int, tuple[int, int]]
) -> list[Entry]:
    """Each added heading after its entry and the headings before it on the entry's pages."""
    under: dict[int, list[Entry]] = defaultdict(list)
    for i in sorted(added, key=lambda i: (headings[i].page, i)):
        k, level = added[i]
        h = headings[i]
        under[k].append(h.entry(level))
    out: list[Entry] = []
    for k, e in enumerate(entries):
        out.append(e)
        out.extend(under.get(k, []))
    return out


def parts(
    entries: list[Entry],
    headings: list[Candidate],
    candidates: list[Candidate],
    page_count: int,
    page_lines: Callable[[int], PageLines | None] | None = None,
    split: Split | None = None,
) -> tuple[list[Entry], int]:
    """Parts a contents leaves out after its last entry (annexes, appendices, a filing's exhibits):
    headings on the pages after the last entry's, set larger than every level it lists or opening
    an exhibit, once each, read as titles, at the top level; under them, the headings their type
    makes sections (`fill`, there only: under the listed entries, what the contents leaves out the
    authors may have chosen to)."""
    matched = _matches(entries, headings)
    levels = _level_styles(entries, headings, matched)
    if not levels:
        return entries, 0
    largest = max(s[0] for s in levels)
    last = max(e.start for e in entries)
    pages_of: dict[str, set[int]] = defaultdict(set)
    for h in headings:
        pages_of[normalize(h.title)].add(h.page)
    new = [
        h.entry(0)
        for h in headings
        if h.page > last
        and (round(h.size) > largest or h.exhibit)
        and _title_like(h)
        and len(pages_of[normalize(h.title)]) == 1
    ]
    if not new:
        return entries, 0
    out = [*entries, *new]
    under = set(range(len(entries), len(out)))
    filled, more = fill(out, headings, candidates, page_count, page_lines, split, under)
    return filled, len(new) + more
