"""Finding titles on pages without the model: normalised and fuzzy matching of page lines."""

from __future__ import annotations

import re
import unicodedata
from difflib import SequenceMatcher
from functools import lru_cache

_NON_WORD = re.compile(r"[^0-9a-z]+")
TOP_LINES = 6  # a title among the first lines of a page "opens" the page
MATCH_RATIO = 0.86


def normalize(text: str) -> str:
    """Lowercase letters and digits only, single spaces: tolerant of case, accents, punctuation."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return _NON_WORD.sub(" ", text.lower()).strip()


@lru_cache(maxsize=4096)
def _page_lines(page_text: str) -> tuple[str, ...]:
    lines = [normalize(line) for line in page_text.splitlines()]
    return tuple(line for line in lines if line)


def title_position(title: str, page_text: str) -> int | None:
    """Index of the (non-empty) line where `title` is printed on the page, or None.

    A title may wrap over two or three lines, and may be printed with different case or
    punctuation; small OCR-like differences are tolerated by a fuzzy ratio.
    """
    wanted = normalize(title)
    if not wanted:
        return None
    lines = _page_lines(page_text)
    short = len(wanted) < 8
    spans = [
        (i, span, " ".join(lines[i : i + span]))
        for i in range(len(lines))
        for span in (1, 2, 3)
        if i + span <= len(lines)
    ]
    for i, _span, joined in spans:
        if joined == wanted or (not short and joined.startswith(wanted)):
            return i
    if short:
        return None
    for i, _span, joined in spans:
        if (
            len(wanted) * 0.8 <= len(joined)
            and joined[:2] == wanted[:2]
            and len(lines[i]) <= len(wanted) * 1.5
        ):
            head = joined[: len(wanted) + 3]
            if SequenceMatcher(None, wanted, head, autojunk=False).ratio() >= MATCH_RATIO:
                return i
    return None


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
