"""Finding titles on pages without the model: normalised and fuzzy matching of page lines."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from difflib import SequenceMatcher
from functools import lru_cache

_NON_WORD = re.compile(r"[^0-9a-z]+")
TOP_LINES = 6  # a title among the first lines of a page "opens" the page
MATCH_RATIO = 0.86
# a word that may stand before a numbered title on its page ("Chapter 10" over "Systems of ODEs",
# where the contents print "10 Systems of ODEs")
_LABEL_WORDS = frozenset(
    ("chapter", "part", "section", "lecture", "appendix", "unit", "lesson", "module", "book")
)


def normalize(text: str) -> str:
    """Lowercase letters and digits only, single spaces: tolerant of case, accents, punctuation."""
    if not text.isascii():  # ASCII has no compatibility forms and no combining marks
        text = unicodedata.normalize("NFKD", text)
        text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return _NON_WORD.sub(" ", text.lower()).strip()


def restates(title: str, entry: str) -> bool:
    """Whether two normalised titles name one heading set over more lines or fewer (a contents line
    cut short, a heading that reads on): one starts the other, two words or more."""
    shorter = min(title, entry, key=len)
    return len(shorter.split()) >= 2 and (entry.startswith(f"{title} ") or title.startswith(f"{entry} "))


def _words(text: str) -> str:
    """`normalize`, an ampersand read as "and": a title is looked for on a page that may print it
    either way ("Honors & Awards" on its page, "Honors and Awards" in the contents)."""
    return normalize(text.replace("&", " and "))


Span = tuple[int, str, int]  # (line index, 1-3 lines from it joined, that first line's length)


@lru_cache(maxsize=4096)
def _page_spans(page_text: str) -> tuple[str, tuple[Span, ...], dict[str, list[Span]]]:
    """A page's normalised lines run together, every span of 1-3 lines in order, and the spans by
    their first two characters (a fuzzy match must share them). Built once per page text."""
    lines = [line for line in (_words(line) for line in page_text.splitlines()) if line]
    spans = tuple(
        (i, " ".join(lines[i : i + span]), len(lines[i]))
        for i in range(len(lines))
        for span in (1, 2, 3)
        if i + span <= len(lines)
    )
    by_head: dict[str, list[Span]] = {}
    for span in spans:
        by_head.setdefault(span[1][:2], []).append(span)
    return " ".join(lines), spans, by_head


def title_position(title: str, page_text: str) -> int | None:
    """Index of the (non-empty) line where `title` is printed on the page, or None.

    A title may wrap over two or three lines, and may be printed with different case or
    punctuation; small OCR-like differences are tolerated by a fuzzy ratio.
    """
    wanted, counts = _wanted(title)
    if not wanted:
        return None
    flat, spans, by_head = _page_spans(page_text)
    short = len(wanted) < 8
    if wanted in flat:  # every run of lines is a piece of `flat`: no exact match can hide elsewhere
        for i, joined, _first in spans:
            if joined == wanted or (not short and joined.startswith(wanted)) or _labelled(joined, wanted):
                return i
    if short:
        return None
    for i, joined, first in by_head.get(wanted[:2], ()):
        if len(wanted) * 0.8 <= len(joined) and first <= len(wanted) * 1.5:
            piece = joined[: len(wanted) + 3]
            if (
                _same_number(wanted, piece)
                and _quick_ratio(counts, len(wanted), piece) >= MATCH_RATIO
                and SequenceMatcher(None, wanted, piece, autojunk=False).ratio() >= MATCH_RATIO
            ):
                return i
    return None


def _labelled(joined: str, wanted: str) -> bool:
    """A numbered title under its label word: "chapter 10 systems of odes" for "10 systems of odes"."""
    word, _space, rest = joined.partition(" ")
    return word in _LABEL_WORDS and wanted[:1].isdigit() and (rest == wanted or rest.startswith(f"{wanted} "))


def _same_number(wanted: str, piece: str) -> bool:
    """A title's leading number is its identity: "10 systems of odes" is not "102 systems of odes"
    (a running head: page 102 and the chapter's title), however close the rest."""
    number = wanted.split(" ", 1)[0]
    return not number.isdigit() or piece.split(" ", 1)[0] == number


@lru_cache(maxsize=1024)
def _wanted(title: str) -> tuple[str, tuple[tuple[str, int], ...]]:
    """A title normalised, and its characters counted: built once, though pages are many."""
    wanted = _words(title)
    return wanted, tuple(Counter(wanted).items())


def _quick_ratio(counts: tuple[tuple[str, int], ...], size: int, other: str) -> float:
    """`SequenceMatcher(None, a, other).quick_ratio()` from `a`'s length and character counts, without
    building the matcher (most pieces of a page fail this bound, and the matcher costs more)."""
    have = Counter(other)
    matches = sum(min(n, have[ch]) for ch, n in counts)
    return 2.0 * matches / (size + len(other))


def title_on_page(title: str, page_text: str) -> bool:
    return title_position(title, page_text) is not None


def title_opens_page(title: str, page_text: str) -> bool:
    position = title_position(title, page_text)
    return position is not None and position < TOP_LINES


def find_title(title: str, page_texts: dict[int, str], near: int | None = None) -> int | None:
    """The page (a key of `page_texts`) where the title is printed, nearest to `near` if given.

    Pages where the title opens the page win over pages that merely mention it.
    """
    pages = sorted(page_texts, key=lambda p: (abs(p - near), p) if near is not None else p)
    mention: int | None = None
    for page in pages:
        position = title_position(title, page_texts[page])
        if position is None:
            continue
        if position < TOP_LINES:
            return page
        if mention is None:
            mention = page
    return mention
