"""A PDF's text lines with their typography, read through pdfium (pypdfium2).

Each line carries its font size (in points, after the text matrix), weight, font name and box.
pdfium reads a page's text in one call; font and position are asked only at line and word starts,
so a 400-page document is read in a second or two rather than the tens of seconds that asking
every character would take.

pdfium is not thread-safe: every call holds one module-wide lock.
"""

from __future__ import annotations

import ctypes
import functools
import math
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

import pypdfium2 as pdfium
import pypdfium2.raw as raw

__all__ = ["PageLines", "TextLine", "read_lines"]

_LOCK = threading.RLock()
FORCE_BOLD = 1 << 18  # FontDescriptor flag 19
COLUMN_GAP_EM = 2.2  # a gap wider than this many font sizes splits a line into two segments
COLUMN_GAP_MIN = 14.0  # points
PLAIN_CHAR_EM = 0.62  # a generous average character width, in font sizes
_LABEL = re.compile(r"^\s*(\(?[\dIVXLivxl]{1,5}(\.\d{1,2}){0,4}[.)]?|\(?[A-Za-z][.)]|\u00a7+)\s*$")
_MARKER = re.compile("[\x02\ufffe](?=[^ ])")  # a line-end hyphen marker with text after it
_SPACES = re.compile(" +")
_BOLD_WORDS = ("bold", "black", "heavy", "semibold", "demibold", "demi", "extrabold")


@dataclass(frozen=True)
class TextLine:
    """One line of text (or one column's part of it) on a page; y grows downwards from the top."""

    text: str
    size: float  # effective font size in points; 0.0 when the PDF gives none
    bold: bool
    font: str  # the font's name without a subset prefix; "" when unknown
    x0: float
    x1: float
    top: float
    bottom: float
    bold_prefix: str = ""  # a run-in heading: the leading bold words of a line that is not all bold
    upright: bool = True  # False for rotated or vertical text
    italic: bool = False  # the line's first character is set in an italic or oblique font
    mono: bool = False  # the line's first character is set in a fixed-pitch font
    underlined: bool = False  # a thin ruled line is drawn just under the text, across most of its width
    color: int = -1  # fill colour of the line's first character as 0xRRGGBB; -1 when unknown
    size_trusted: bool = True  # False when the font size is nominal and no glyph box gave a better one


@dataclass
class PageLines:
    page: int  # 1-based physical page
    width: float
    height: float
    rotation: int
    lines: list[TextLine] = field(default_factory=list)
    fonts_known: bool = True  # False when no line on the page has a usable size (reported or from glyphs)
    sizes_from_glyphs: bool = False  # some sizes were nominal (a Type-3 font) and were read off glyph boxes

    @property
    def text(self) -> str:
        """The page's text: one line per row, pieces of a row (columns, tab stops) joined by spaces."""
        out: list[str] = []
        prev: TextLine | None = None
        for line in self.lines:
            if prev is not None and abs(line.top - prev.top) < 2 and line.x0 > prev.x1:
                out[-1] += "  " + line.text
            else:
                out.append(line.text)
            prev = line
        return "\n".join(out)


# pdfium marks a hyphen at a line break as \x02; other control characters carry nothing
_CLEAN = str.maketrans({**{chr(c): " " for c in range(32) if c != 9}, "\x02": "-", "\ufffe": "-"})


def _clean(text: str) -> str:
    return text.translate(_CLEAN).rstrip()


def _font_name(name: str) -> str:
    if len(name) > 7 and name[6] == "+" and name[:6].isupper():
        return name[7:]  # "ABCDEF+Helvetica-Bold" -> "Helvetica-Bold"
    return name


@functools.lru_cache(maxsize=256)
def _font(raw_name: bytes, weight: int, flags: int) -> tuple[str, bool]:
    """(font name, bold) from pdfium's font facts; a page asks the same few fonts thousands of times."""
    name = _font_name(raw_name.decode("utf-8", "replace"))
    lowered = name.lower().replace("-", "").replace(",", "")
    bold = (
        weight >= 600 or bool(flags & FORCE_BOLD) or any(w in lowered.rsplit("+", 1)[-1] for w in _BOLD_WORDS)
    )
    return name, bold


class _Page:
    """Font and box look-ups on one text page, each a single pdfium call."""

    def __init__(self, textpage: pdfium.PdfTextPage, height: float) -> None:
        self.tp = textpage.raw
        self.height = height
        self._name = ctypes.create_string_buffer(128)
        self._flags = ctypes.c_int()
        self._flags_ref = ctypes.byref(self._flags)
        self._matrix = raw.FS_MATRIX()
        self._rect = raw.FS_RECTF()
        self._boxes: dict[int, tuple[float, float, float, float]] = {}  # a line's ends are asked twice

    def size(self, i: int) -> tuple[float, bool]:
        """(effective font size, upright) of character i."""
        size = raw.FPDFText_GetFontSize(self.tp, i)
        m = self._matrix
        if not raw.FPDFText_GetMatrix(self.tp, i, m):
            return float(size), True
        scale = math.sqrt(abs(m.a * m.d - m.b * m.c)) or 1.0
        upright = abs(m.b) <= abs(m.a) * 0.1 and m.a > 0
        return float(size) * scale, upright

    def font(self, i: int) -> tuple[str, bool]:
        """(font name, bold) of character i."""
        got = raw.FPDFText_GetFontInfo(self.tp, i, self._name, 128, self._flags_ref)
        return _font(
            self._name.value if got else b"", raw.FPDFText_GetFontWeight(self.tp, i), self._flags.value
        )

    def box(self, i: int) -> tuple[float, float, float, float]:
        """(left, right, top, bottom) of character i, top-down y.

        The loose box spans the font's ascent and descent, so that a full stop and a capital on one
        line share their top.
        """
        box = self._boxes.get(i)
        if box is None:
            r = self._rect
            raw.FPDFText_GetLooseCharBox(self.tp, i, r)
            box = self._boxes[i] = (r.left, r.right, self.height - r.top, self.height - r.bottom)
        return box


def _segments(text: str, start: int, page: _Page, size: float) -> Iterator[tuple[int, int]]:
    """(first, last) offsets within `text` of each piece of one pdfium line.

    pdfium joins what it reads as one line: two columns at the same height, and sometimes the next
    line (after a hyphen, or after a colon). A line-end hyphen marker, a wide gap, a step down or
    back splits it. The pieces between hyphen markers are first tested whole (two look-ups); only
    those that fail are scanned gap by gap.
    """
    first = 0
    for marker in _MARKER.finditer(text):
        k = marker.start()
        yield from _gaps(text, start, page, size, first, k)
        first = k + 1
    yield from _gaps(text, start, page, size, first, len(text) - 1)


def _gaps(
    text: str, start: int, page: _Page, size: float, first: int, last: int
) -> Iterator[tuple[int, int]]:
    """The pieces of text[first..last] (no hyphen marker inside), split at wide gaps and steps."""
    if (first, last) != (0, len(text) - 1) and _plain(text[first : last + 1], start + first, page, size):
        yield first, last
        return
    gap_limit = max(COLUMN_GAP_MIN, COLUMN_GAP_EM * size)
    step = max(2.0, 0.6 * size)
    end = last + 1
    for spaces in _SPACES.finditer(text, first, end):  # each run of spaces, whole
        left, right = spaces.start() - 1, spaces.end()
        if left >= first and right < end:
            l_left, l_right, l_top, _b = page.box(start + left)
            r_left, _r, r_top, _b = page.box(start + right)
            label = _LABEL.match(text[first : left + 1])  # "II." before a tab stays with its title
            wide = r_left - l_right > gap_limit and not label
            if wide or abs(r_top - l_top) > step or r_left < l_left - step:
                yield first, left
                first = right
    yield first, last


def _bold_prefix(text: str, start: int, page: _Page) -> str:
    """The leading words of a segment that are set bold (the segment's first word is)."""
    end = 0
    pos = 0
    for word in text.split(" "):
        if word:
            if not page.font(start + pos)[1]:
                break
            end = pos + len(word)
        pos += len(word) + 1
    return text[:end].strip()


def _plain(text: str, start: int, page: _Page, size: float) -> bool:
    """True when one pdfium line is surely one piece: as wide as its characters, level, no hyphen
    marker inside. Two look-ups instead of two per word."""
    if "\x02" in text[:-1] or "\ufffe" in text[:-1]:
        return False
    lead = len(text) - len(text.lstrip())
    last = len(text.rstrip()) - 1
    x0, _r, top, _b = page.box(start + lead)
    _l, x1, top_last, _b = page.box(start + last)
    expected = (last - lead + 1) * PLAIN_CHAR_EM * size
    return abs(top_last - top) <= max(2.0, 0.6 * size) and x0 <= x1 <= x0 + expected + COLUMN_GAP_EM * size


def _line(text: str, start: int, page: _Page) -> list[TextLine]:
    lead = len(text) - len(text.lstrip())
    first = start + lead
    size, upright = page.size(first)
    out = []
    if not upright or _plain(text, start, page, size):
        pieces: Iterator[tuple[int, int]] | list[tuple[int, int]] = [(lead, len(text) - 1)]
    else:
        pieces = _segments(text, start, page, size)
    for a, b in pieces:
        part = text[a : b + 1].strip()
        if not part:
            continue
        a += len(text[a : b + 1]) - len(text[a : b + 1].lstrip())
        i, j = start + a, start + a + len(part) - 1
        seg_size, seg_upright = page.size(i) if i != first else (size, upright)
        name, bold = page.font(i)
        prefix = ""
        if bold and " " in part and not page.font(j)[1]:
            prefix, bold = _bold_prefix(part, i, page), False
        x0, _r, top, bottom = page.box(i)
        _l, x1, top_j, bottom_j = page.box(j)
        out.append(
            TextLine(
                text=_clean(part),
                size=round(seg_size, 2),
                bold=bold,
                font=name,
                x0=round(x0, 1),
                x1=round(max(x1, x0), 1),
                top=round(min(top, top_j), 1),
                bottom=round(max(bottom, bottom_j), 1),
                bold_prefix=_clean(prefix),
                upright=seg_upright,
            )
        )
    return out


def _page_text(textpage: pdfium.PdfTextPage, count: int) -> str:
    text = textpage.get_text_range(0, count) if count else ""
    if len(text) != count:  # characters outside the BMP: rebuild one index per character
        text = "".join(chr(raw.FPDFText_GetUnicode(textpage.raw, i) or 32) for i in range(count))
    return text


def read_page(doc: pdfium.PdfDocument, number: int) -> PageLines:
    """The lines of 1-based page `number`, in pdfium's reading order."""
    with _LOCK:
        page = doc[number - 1]
        try:
            width, height = page.get_size()
            result = PageLines(number, float(width), float(height), int(page.get_rotation()))
            textpage = page.get_textpage()
            try:
                count = textpage.count_chars()
                text = _page_text(textpage, count)
                look = _Page(textpage, height)
                start = 0
                for raw_line in text.replace("\r\n", "\n\x00").split("\n"):
                    line = raw_line.lstrip("\x00")
                    start += len(raw_line) - len(line)
                    if line.strip():
                        result.lines.extend(_line(line, start, look))
                    start += len(line) + 1
            finally:
                textpage.close()
        finally:
            page.close()
    sized = [line for line in result.lines if line.size > 0.5]
    result.fonts_known = bool(sized) or not result.lines
    return result


def open_pdfium(data: bytes, password: str | None = None) -> pdfium.PdfDocument:
    with _LOCK:
        return pdfium.PdfDocument(data, password=password)


def read_lines(data: bytes, password: str | None = None) -> Iterator[PageLines]:
    """Every page's lines, one page at a time (so memory stays bounded on long documents)."""
    doc = open_pdfium(data, password)
    try:
        for number in range(1, len(doc) + 1):
            yield read_page(doc, number)
    finally:
        with _LOCK:
            doc.close()
