"""The selection rule of the corpus (see corpus.py's docstring), and the reading it rests on: a PDF's
outline through pypdf, and whether each outline title is printed on the page it points to, through pdfium.
"""

from __future__ import annotations

import io
import re
import unicodedata
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Any

import pypdfium2 as pdfium
from pypdf import PdfReader

MIN_ENTRIES = 5
MIN_FOUND = 0.80
MAX_SHIFTED = 0.05
RATIO = 0.85


@dataclass(frozen=True)
class Vetting:
    pages: int
    outline: list[tuple[str, int, int]]  # (title, 1-based page, level 0 = top), entries that resolve
    found: int  # of the outline's titles, those printed on their own page
    missed: list[tuple[str, int]]
    shifted: int  # of the missed, those printed on the page before or after instead

    @property
    def shifted_share(self) -> float:
        return self.shifted / len(self.outline) if self.outline else 0.0

    @property
    def share(self) -> float:
        return self.found / len(self.outline) if self.outline else 0.0

    @property
    def passes(self) -> bool:
        return (
            len(self.outline) >= MIN_ENTRIES and self.share >= MIN_FOUND and self.shifted_share <= MAX_SHIFTED
        )


_NON_WORD = re.compile(r"[^0-9a-z]+")
_NUMBERING = re.compile(r"^(?:(?:\d+|[ivxl]+|[a-z])\s)+")  # "1 2 ", "iv ", "a " after normalising


def normalize(text: str) -> str:
    """Lowercase letters and digits, single spaces (as pageindex_tui.index.locate.normalize)."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return _NON_WORD.sub(" ", text.lower()).strip()


def _bare(text: str) -> str:
    stripped = _NUMBERING.sub("", text)
    return stripped or text


def title_found(title: str, page_text: str) -> bool:
    """Whether `title` is printed on the page: see the module's selection rule."""
    wanted = {normalize(title), _bare(normalize(title))} - {""}
    if not wanted:
        return False
    lines = [line for line in (normalize(raw) for raw in page_text.splitlines()) if line]
    for i in range(len(lines)):
        for span in (1, 2, 3):
            if i + span > len(lines):
                break
            joined = " ".join(lines[i : i + span])
            for have in {joined, _bare(joined)}:
                if any(_same(want, have) for want in wanted):
                    return True
    return False


def _same(want: str, have: str) -> bool:
    if want == have:
        return True
    if len(want) < 8:  # a short title must be the whole line (or the line less its numbering)
        return False
    if have.startswith(want):
        return True
    piece = have[: len(want) + 3]
    if len(piece) < 0.8 * len(want):
        return False
    return SequenceMatcher(None, want, piece, autojunk=False).ratio() >= RATIO


def read_outline(reader: PdfReader) -> list[tuple[str, int, int]]:
    """(title, 1-based page, level) of every outline entry that points at a page of the file."""
    out: list[tuple[str, int, int]] = []

    def walk(items: list[Any], level: int) -> None:
        for item in items:
            if isinstance(item, list):
                walk(item, level + 1)
                continue
            try:
                page = reader.get_destination_page_number(item)
            except Exception:  # a broken destination does not resolve: it is not counted
                continue
            title = " ".join(str(item.title or "").split())
            if page is not None and 0 <= page < len(reader.pages) and title:
                out.append((title, page + 1, level))

    try:
        walk(reader.outline, 0)
    except Exception:  # an unreadable outline counts as none
        return []
    return out


def vet(data: bytes) -> Vetting:
    """Pages, resolving outline entries, and which titles are printed on their page."""
    reader = PdfReader(io.BytesIO(data))
    outline = read_outline(reader)
    pages = len(reader.pages)
    if not outline:
        return Vetting(pages, [], 0, [], 0)
    doc = pdfium.PdfDocument(data)
    texts: dict[int, str] = {}

    def text(page: int) -> str:
        if page not in texts:
            texts[page] = doc[page - 1].get_textpage().get_text_range() if 1 <= page <= pages else ""
        return texts[page]

    try:
        missed = [(title, page) for title, page, _level in outline if not title_found(title, text(page))]
        shifted = sum(1 for title, page in missed if any(title_found(title, text(page + d)) for d in (-1, 1)))
    finally:
        doc.close()
    return Vetting(pages, outline, len(outline) - len(missed), missed, shifted)
