"""Heading levels: numbering depth first, then font rank (sizes clustered with a tolerance)."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from .heading import Candidate

MAX_LEVEL = 4
SIZE_TOLERANCE = 0.8  # points: sizes closer than this are one rank

_DECIMAL = re.compile(r"^(?P<num>\d{1,2}(?:\.\d{1,2}){0,4})(?:\.|\)|\s)\s*(?=[A-Z\u00c0-\u00de\"'(\u201c])")
_LETTERED = re.compile(  # an appendix's sections: "A.1", "B.2.3"
    r"^(?P<num>[A-Z](?:\.\d{1,2}){1,3})(?:\.|\)|\s)\s*(?=[A-Z\u00c0-\u00de\"'(\u201c])"
)
_ROMAN = re.compile(r"^(?P<num>[IVXL]{1,6})[.)]\s+(?=[A-Z])")
_LETTER = re.compile(r"^(?P<num>[A-Z])[.)]\s+(?=[A-Z])")
_PAREN = re.compile(r"^\((?P<num>[a-z]|\d{1,2}|[ivx]{1,4})\)\s+(?=\S)")
_KEYWORD = re.compile(
    r"^(?P<word>part|chapter|section|appendix|annex|article|book|lecture|unit|item)\s+"
    r"(?P<num>\d{1,3}[A-Z]?|[IVXLC]{1,6}|[A-Z])\b",
    re.IGNORECASE,
)
_TOP_WORDS = {"part", "book"}  # above every other scheme
_CHAPTER_WORDS = {"chapter", "lecture", "unit"}  # above numbered sections, below parts
_APPENDIX_WORDS = {"appendix", "annex"}  # beside chapters, or beside top-level numbered sections
_SEQUENCED = {"letter", "paren"}  # schemes that are a level only where two or more labels of it appear
_FIRST = {"1", "i", "a"}


@dataclass(frozen=True)
class Numbering:
    kind: str  # "decimal", "roman", "letter", "paren", "keyword"
    label: str  # "2.1", "IV", "A", "(a)", "Chapter 3"
    depth: int  # 1 for "2", 2 for "2.1", ...
    word: str = ""  # for keywords: "chapter", "part", ...

    def __bool__(self) -> bool:
        return True


def numbering(text: str) -> Numbering | None:
    """The section numbering a heading starts with, if any."""
    text = text.strip()
    match = _KEYWORD.match(text)
    if match:
        word = match.group("word").lower()
        return Numbering("keyword", f"{match.group('word')} {match.group('num')}", 1, word)
    match = _DECIMAL.match(text)
    if match:
        num = match.group("num")
        if len(num) <= 2 and int(num.split(".")[0]) == 0:
            return None
        return Numbering("decimal", num, num.count(".") + 1)
    match = _LETTERED.match(text)
    if match:
        num = match.group("num")
        return Numbering("decimal", num, num.count(".") + 1)
    match = _ROMAN.match(text)
    if match:
        return Numbering("roman", match.group("num"), 1)
    match = _LETTER.match(text)
    if match:
        return Numbering("letter", match.group("num"), 2)
    match = _PAREN.match(text)
    if match:
        return Numbering("paren", f"({match.group('num')})", 3)
    return None


def _size_ranks(sizes: list[float]) -> dict[float, int]:
    """Each size to its rank: 0 for the largest cluster of sizes."""
    ranks: dict[float, int] = {}
    rank = -1
    head: float | None = None
    for size in sorted(set(sizes), reverse=True):
        if head is None or head - size > SIZE_TOLERANCE:
            rank += 1
            head = size
        ranks[size] = rank
    return ranks


def _kind(n: Numbering) -> str:
    return f"keyword:{n.word}" if n.kind == "keyword" else n.kind


def _word(kind: str) -> str:
    return kind.split(":")[-1]


def section_numbers(numbers: list[Numbering | None]) -> list[Numbering | None]:
    """The numberings that say a level: a letter or "(a)" scheme of which only one label appears
    ("A. Smith", a lone "(a)") is a list's or a name's, not a section level."""
    labels: dict[str, set[str]] = {}
    for n in numbers:
        if n:
            labels.setdefault(n.kind, set()).add(n.label)
    return [n if n and (n.kind not in _SEQUENCED or len(labels[n.kind]) >= 2) else None for n in numbers]


def kind_order(numbers: list[Numbering | None]) -> dict[str, int]:
    """Numbering schemes by rank: Part and Book first, then Chapter, Lecture and Unit (each where it
    is a series: its first item appears, or two of its items), then the others in order of first
    appearance; an appendix ranks with the chapters, or with the top numbered
    sections where there are no chapters ("Appendix A" beside "3 Results", "A.1" beside "3.1").

    "II." then "A." then "1." nests letters under numerals and digits under letters, as legal and
    government documents do; "1" then "1.1" then "(a)" nests the other way round.
    """
    started: list[str] = []  # schemes in the order their first item ("1", "I", "A", "(a)") appears
    seen: list[str] = []
    for n in numbers:
        if not n:
            continue
        kind = _kind(n)
        if kind not in seen:
            seen.append(kind)
        if kind not in started and n.label.split()[-1].strip("()").lower() in _FIRST:
            started.append(kind)
    order = [k for k in started + [k for k in seen if k not in started] if _word(k) not in _APPENDIX_WORDS]
    labels: dict[str, set[str]] = {}
    for n in numbers:
        if n:
            labels.setdefault(_kind(n), set()).add(n.label)

    def tier(kind: str) -> int:  # a keyword leads only as a series: its first item, or two of them
        if not (kind in started or len(labels[kind]) >= 2):
            return 2
        return 0 if _word(kind) in _TOP_WORDS else 1 if _word(kind) in _CHAPTER_WORDS else 2

    order.sort(key=tier)  # stable
    depths = [n.depth for n in numbers if n and n.kind == "decimal"]
    span = max(depths, default=1) - min(depths, default=1) + 1
    ranks: dict[str, int] = {}
    level = 0
    for kind in order:
        ranks[kind] = level
        level += span if kind == "decimal" else 1
    chapters = [ranks[k] for k in order if _word(k) in _CHAPTER_WORDS]
    beside = chapters[0] if chapters else ranks.get("decimal", level)
    for kind in seen:
        if _word(kind) in _APPENDIX_WORDS:
            ranks[kind] = beside
    return ranks


def _numbered_depth(n: Numbering, ranks: dict[str, int], top_depth: int) -> int:
    """A 0-based level from numbering alone; decimals from the shallowest depth the document uses
    ("3.1" is a top section in a book whose chapters are "Chapter 3")."""
    return ranks.get(_kind(n), 0) + (max(0, n.depth - top_depth) if n.kind == "decimal" else 0)


Style = tuple[int, int]  # (size rank, -(2 * capitals + bold)): smaller is more prominent


def _styles(headings: list[Candidate]) -> list[Style]:
    ranks = _size_ranks([round(h.size, 1) for h in headings])
    out: list[Style] = []
    for h in headings:
        caps = h.title.isupper() and sum(ch.isalpha() for ch in h.title) >= 3
        out.append((ranks[round(h.size, 1)], -(2 * caps + h.bold)))
    return out


def restart_styles(
    numbers: list[Numbering | None], styles: list[Style], order: dict[str, int], top_depth: int
) -> set[Style]:
    """Styles of the unnumbered headings the top numbering restarts under: where "1." comes again
    after "3.", and every such restart follows an unnumbered heading set larger than the numbered
    one ("Part title", then "1.", "2.", "3.", "Next part title", "1."), those headings are the
    numbered ones' parents. A title above sections numbered once through has no restart: none."""
    top = min((order.get(_kind(n), 0) for n in numbers if n), default=None)
    parents: set[Style] = set()
    seen_first = False
    last_plain: Style | None = None
    for n, style in zip(numbers, styles, strict=True):
        if not n:
            last_plain = style if last_plain is None or style < last_plain else last_plain
            continue
        if order.get(_kind(n), 0) != top or (n.kind == "decimal" and n.depth != top_depth):
            continue
        first = n.label.split()[-1].split(".")[-1].strip("()").lower() in _FIRST
        if first and seen_first:
            if last_plain is None or last_plain[0] >= style[0]:
                return set()  # a restart with no larger heading before it: no parents
            parents.add(last_plain)
        seen_first = seen_first or first
        last_plain = None
    return parents


def _series_holds(
    numbers: list[Numbering | None],
    order: dict[str, int],
    open_: tuple[Style, int, int],
    mine: Style,
    at: int,
) -> bool:
    """Whether the open heading, labelled ("Item 1."), holds the unlabelled heading at `at` set in
    its own style ("Business Overview" under "ITEM 1. BUSINESS", both bold capitals): its series
    goes on after it ("ITEM 1A." comes before any label of its rank or above). After a series' last
    item ("SIGNATURES" after "ITEM 15.") the heading is not its."""
    style, _level, index = open_
    n = numbers[index]
    if style != mine or n is None or n.kind != "keyword":
        return False
    rank = order.get(_kind(n), 0)
    for later in numbers[at + 1 :]:
        if later and order.get(_kind(later), 0) <= rank:
            return _kind(later) == _kind(n)
    return False


def assign_levels(headings: list[Candidate], series: bool = True) -> list[Candidate]:
    """The same headings with levels from numbering, then font rank, made consistent.

    A heading listed on a printed contents page takes the level the contents give it; an exhibit's
    label the top level; a numbered one takes its numbering's depth, one deeper under the larger
    unnumbered headings its top numbering restarts under (`restart_styles`). An unnumbered one goes
    one below the nearest open heading that is more prominent (larger; as large and in capitals; as
    large and bold), which keeps one level per style within a chapter even where a rare style sits
    between two common ones; with `series`, also below an open labelled heading of its own style
    whose series goes on after it (`_series_holds`).
    """
    if not headings:
        return []
    numbers = section_numbers([numbering(h.title) for h in headings])
    order = kind_order(numbers)
    top_depth = min((n.depth for n in numbers if n and n.kind == "decimal"), default=1)
    styles = _styles(headings)
    parents = restart_styles(numbers, styles, order, top_depth)
    out: list[Candidate] = []
    stack: list[tuple[Style, int, int]] = []  # (style, level, index) of the open headings
    under = False  # a parent heading (see restart_styles) is open
    for i, (h, n, mine) in enumerate(zip(headings, numbers, styles, strict=True)):
        said = _numbered_depth(n, order, top_depth) + under if n else None
        said = 0 if h.exhibit else said  # a document filed beside the text, none of its sections
        said = h.listed_level if h.listed_level is not None else said
        if n is None and mine in parents and h.listed_level is None:
            stack.clear()
            level, under = 0, True
        elif said is not None:  # a printed contents page, then numbering, say the level
            level = said
            while stack and stack[-1][1] >= level:
                stack.pop()
        else:
            while (
                stack
                and stack[-1][0] >= mine
                and not (series and _series_holds(numbers, order, stack[-1], mine, i))
            ):
                stack.pop()
            level = stack[-1][1] + 1 if stack else 0
        level = min(level, MAX_LEVEL)
        stack.append((mine, level, i))
        out.append(replace(h, level=level, numbered=n.label if n else ""))
    return _consistent(out)


def _consistent(headings: list[Candidate]) -> list[Candidate]:
    """Levels start at 0 and never step down by more than one."""
    if not headings:
        return headings
    top = min(h.level for h in headings)
    out: list[Candidate] = []
    for h in headings:
        limit = out[-1].level + 1 if out else 0
        level = max(0, min(h.level - top, limit))
        out.append(replace(h, level=level))
    return out
