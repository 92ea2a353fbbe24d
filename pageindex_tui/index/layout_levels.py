"""Heading levels: numbering depth first, then font rank (sizes clustered with a tolerance)."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from .heading import Candidate

MAX_LEVEL = 4
SIZE_TOLERANCE = 0.8  # points: sizes closer than this are one rank

_DECIMAL = re.compile(r"^(?P<num>\d{1,2}(?:\.\d{1,2}){0,4})(?:\.|\)|\s)\s*(?=[A-Z\u00c0-\u00de\"'(\u201c])")
_ROMAN = re.compile(r"^(?P<num>[IVXL]{1,6})[.)]\s+(?=[A-Z])")
_LETTER = re.compile(r"^(?P<num>[A-Z])[.)]\s+(?=[A-Z])")
_PAREN = re.compile(r"^\((?P<num>[a-z]|\d{1,2}|[ivx]{1,4})\)\s+(?=\S)")
_KEYWORD = re.compile(
    r"^(?P<word>part|chapter|section|appendix|annex|article|book|lecture|unit)\s+"
    r"(?P<num>\d{1,3}|[IVXLC]{1,6}|[A-Z])\b",
    re.IGNORECASE,
)
_TOP_WORDS = {"part", "book"}
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


def kind_order(numbers: list[Numbering | None]) -> dict[str, int]:
    """Numbering schemes by rank: Part and Book first, then in order of first appearance.

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
    order = started + [k for k in seen if k not in started]
    order.sort(key=lambda k: 0 if k.split(":")[-1] in _TOP_WORDS and k in started else 1)  # stable
    deepest = max((n.depth for n in numbers if n and n.kind == "decimal"), default=1)
    ranks: dict[str, int] = {}
    level = 0
    for kind in order:
        ranks[kind] = level
        level += deepest if kind == "decimal" else 1
    return ranks


def _numbered_depth(n: Numbering, ranks: dict[str, int]) -> int:
    """A 0-based level from numbering alone."""
    return ranks.get(_kind(n), 0) + (n.depth - 1 if n.kind == "decimal" else 0)


def assign_levels(headings: list[Candidate]) -> list[Candidate]:
    """The same headings with levels from numbering, then font rank, made consistent.

    A heading listed on a printed contents page takes the level the contents give it; a numbered
    one takes its numbering's depth. An unnumbered one goes one below the nearest
    open heading that is more prominent (larger; as large and in capitals; as large and bold),
    which keeps one level per style within a chapter even where a rare style sits between two
    common ones.
    """
    if not headings:
        return []
    numbers = [numbering(h.title) for h in headings]
    order = kind_order(numbers)
    ranks = _size_ranks([round(h.size, 1) for h in headings])
    out: list[Candidate] = []
    stack: list[tuple[tuple[int, int], int]] = []  # (prominence, level) of the open headings
    for h, n in zip(headings, numbers, strict=True):
        caps = h.title.isupper() and sum(ch.isalpha() for ch in h.title) >= 3
        mine = (ranks[round(h.size, 1)], -(2 * caps + h.bold))  # smaller is more prominent
        said = h.listed_level if h.listed_level is not None else _numbered_depth(n, order) if n else None
        if said is not None:  # a printed contents page, then numbering, say the level
            level = said
            while stack and stack[-1][1] >= level:
                stack.pop()
        else:
            while stack and stack[-1][0] >= mine:
                stack.pop()
            level = stack[-1][1] + 1 if stack else 0
        level = min(level, MAX_LEVEL)
        stack.append((mine, level))
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
