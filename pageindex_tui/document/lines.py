"""A PDF's text lines with their typography, read through pdfium (pypdfium2).

Each line carries its font size (in points, after the text matrix), weight, slant, pitch
(`fonts.py` reads them from the font's name and flags), colour, font name, box, whether a rule
underlines it and whether a link covers it (`rules.py`). pdfium reads a page's text in one call;
font, colour and position are asked only at line and word starts (a line's first and last
characters), so a 400-page document is read in a second or two rather than the tens of seconds that
asking every character would take. A page's rules and links are listed once per page.

Sizes: pdfium reports the font size of the text state, which for a Type-3 font (whose glyphs are
drawn by procedures scaled by the font's own matrix) can be nominal, 0.12 pt for 10 pt glyphs. A
size below MIN_SIZE, or one its character's box contradicts, is checked against the line's glyph
boxes (capitals, digits and ascenders are about CAP_EM of a size tall, x-height letters X_EM). A
size its glyphs agree with stands; otherwise every such line of that font on the page takes the
stated size times the font's median scale (one font, one matrix), and a font no glyph measured
keeps its stated size, marked untrusted, which never splits a line into columns. Only doubted
lines ask glyph boxes, a few characters each.

pdfium is not thread-safe: every call holds one module-wide lock.
"""

from __future__ import annotations

import ctypes
import math
import re
import statistics
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field, replace

import pypdfium2 as pdfium
import pypdfium2.raw as raw

from .fonts import Face, face_of
from .rules import links, page_links, page_rules, underlines

__all__ = ["PageLines", "TextLine", "read_lines", "writable"]

_LOCK = threading.RLock()
MIN_SIZE = 2.0  # points: a smaller effective size is nominal, not what is drawn
BOX_RATIO = (0.3, 3.0)  # a character's loose box height over its size, outside which the size is doubted
BOX_AGREES = 1.5  # a doubted size within this factor of its glyphs' size stands
CAP_EM = 0.70  # height of capitals, digits and ascenders, in font sizes
X_EM = 0.48  # height of x-height letters, in font sizes
GLYPHS_ASKED = 12  # glyph boxes read to recover one line's size
COLUMN_GAP_EM = 2.2  # a gap wider than this many font sizes splits a line into two segments
COLUMN_GAP_MIN = 14.0  # points
PLAIN_CHAR_EM = 0.62  # a generous average character width, in font sizes
_LABEL = re.compile(r"^\s*(\(?[\dIVXLivxl]{1,5}(\.\d{1,2}){0,4}[.)]?|\(?[A-Za-z][.)]|\u00a7+)\s*$")
_MARKER = re.compile("[\x02\ufffe](?=[^ ])")  # a line-end hyphen marker with text after it
_SPACES = re.compile(" +")
_SURROGATE = re.compile("[\ud800-\udfff]")
_TALL = frozenset("ABDEFHIKLMNPRTUVWXZbdhkl0123456789")  # flat on the baseline, top at cap or ascender
_SHORT = frozenset("acemnorsuvwxz")  # flat on the baseline, top at the x-height


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
    italic: bool = False  # set in an italic or oblique font (its first and last characters)
    mono: bool = False  # set in a fixed-pitch font (its first and last characters)
    underlined: bool = False  # a thin ruled line is drawn just under the text, across most of its width
    color: int = -1  # fill colour of the line's first character as 0xRRGGBB; -1 when unknown
    size_trusted: bool = True  # False when the font size is nominal and no glyph box gave a better one
    italic_prefix: str = ""  # a run-in heading: the leading italic words of a line that is not all italic
    linked: bool = False  # a link annotation covers part of the line (a web address, a contents entry)


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


Doubt = tuple[int, float, float | None]  # (font, stated size, size the glyphs show) of a doubted size


def _doubted(size: float, box_height: float) -> bool:
    """True when a reported size cannot be what is drawn: tiny, or far from its character's box."""
    if size < MIN_SIZE:
        return True
    ratio = box_height / size
    return box_height > 0 and not BOX_RATIO[0] <= ratio <= BOX_RATIO[1]


class _Page:
    """Font, colour and box look-ups on one text page, each a single pdfium call."""

    def __init__(self, textpage: pdfium.PdfTextPage, height: float) -> None:
        self.tp = textpage.raw
        self.height = height
        self._name = ctypes.create_string_buffer(128)
        self._flags = ctypes.c_int()
        self._flags_ref = ctypes.byref(self._flags)
        self._matrix = raw.FS_MATRIX()
        self._rect = raw.FS_RECTF()
        self._rgba = [ctypes.c_uint() for _ in range(4)]
        self._rgba_refs = [ctypes.byref(v) for v in self._rgba]
        self._tight = [ctypes.c_double() for _ in range(4)]
        self._tight_refs = [ctypes.byref(v) for v in self._tight]
        self._boxes: dict[int, tuple[float, float, float, float]] = {}  # a line's ends are asked twice
        self.recovered = False  # some size on the page was read off glyph boxes

    def size(self, i: int) -> tuple[float, bool]:
        """(font size after the text matrix, upright) of character i, as the PDF states it."""
        size = raw.FPDFText_GetFontSize(self.tp, i)
        m = self._matrix
        if not raw.FPDFText_GetMatrix(self.tp, i, m):
            return float(size), True
        scale = math.sqrt(abs(m.a * m.d - m.b * m.c)) or 1.0
        upright = abs(m.b) <= abs(m.a) * 0.1 and m.a > 0
        return float(size) * scale, upright

    def sized(self, text: str, i: int) -> tuple[float, bool, bool, Doubt | None]:
        """(size, upright, trusted, doubt) of a piece of a line, `text`, starting at character i.

        `doubt` is (font, stated size, size its glyphs show or None) when the stated size was not
        believed; the page then sizes every such piece of one font alike (`_rescaled`).
        """
        size, upright = self.size(i)
        _l, _r, top, bottom = self.box(i)
        if size <= 0 or not _doubted(size, bottom - top):
            return size, upright, size > 0, None
        drawn = self.glyph_size(text, i) if upright else None  # a turned glyph's box measures its width
        if drawn is not None and 1 / BOX_AGREES <= drawn / size <= BOX_AGREES:
            return size, upright, True, None  # tiny text, or odd font metrics (a maths font's tall box)
        font = raw.FPDFTextObj_GetFont(raw.FPDFText_GetTextObject(self.tp, i))
        key = ctypes.cast(font, ctypes.c_void_p).value or 0
        if drawn is None:
            return size, upright, size >= MIN_SIZE, (key, size, None)
        self.recovered = True
        return drawn, upright, True, (key, size, drawn)

    def glyph_size(self, text: str, start: int) -> float | None:
        """The size the glyphs of `text` (from character `start`) are drawn at, from their tight boxes."""
        tall: list[float] = []
        short: list[float] = []
        v = self._tight
        for k, ch in enumerate(text):
            if len(tall) + len(short) >= GLYPHS_ASKED:
                break
            if ch in _TALL or ch in _SHORT:
                raw.FPDFText_GetCharBox(self.tp, start + k, *self._tight_refs)
                height = v[3].value - v[2].value  # top - bottom
                if height > 0:
                    (tall if ch in _TALL else short).append(height)
        if tall:
            return statistics.median(tall) / CAP_EM
        return statistics.median(short) / X_EM if short else None

    def font(self, i: int) -> Face:
        """The face of character i."""
        got = raw.FPDFText_GetFontInfo(self.tp, i, self._name, 128, self._flags_ref)
        return face_of(
            self._name.value if got else b"", raw.FPDFText_GetFontWeight(self.tp, i), self._flags.value
        )

    def color(self, i: int) -> int:
        """Fill colour of character i as 0xRRGGBB; -1 when pdfium has none."""
        if not raw.FPDFText_GetFillColor(self.tp, i, *self._rgba_refs):
            return -1
        r, g, b, _a = (c.value for c in self._rgba)
        return (r << 16) | (g << 8) | b

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
    those that fail are scanned gap by gap. A size of 0 is one not believed: no gap is then wide.
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
    gap_limit = max(COLUMN_GAP_MIN, COLUMN_GAP_EM * size) if size > 0 else math.inf
    step = _step(page, start + first, size)
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


def _prefix(text: str, start: int, page: _Page, italic: bool) -> str:
    """The leading words of a segment that are set bold (or italic); its first word is."""
    end = 0
    pos = 0
    for word in text.split(" "):
        if word:
            face = page.font(start + pos)
            if not (face.italic if italic else face.bold):
                break
            end = pos + len(word)
        pos += len(word) + 1
    return text[:end].strip()


def _plain(text: str, start: int, page: _Page, size: float) -> bool:
    """True when one pdfium line is surely one piece: as wide as its characters, level, no hyphen
    marker inside. Two look-ups instead of two per word. Without a believed size (0), only level."""
    if "\x02" in text[:-1] or "\ufffe" in text[:-1]:
        return False
    lead = len(text) - len(text.lstrip())
    last = len(text.rstrip()) - 1
    x0, _r, top, _b = page.box(start + lead)
    _l, x1, top_last, _b = page.box(start + last)
    expected = (last - lead + 1) * PLAIN_CHAR_EM * size if size > 0 else math.inf
    level = abs(top_last - top) <= _step(page, start + lead, size)
    return level and x0 <= x1 <= x0 + expected + COLUMN_GAP_EM * size


def _step(page: _Page, i: int, size: float) -> float:
    """How far the next word's top may stand from this one's on one line: without a believed size
    (0), measured by character i's box, which for such fonts is often the glyph's own."""
    if size <= 0:
        _l, _r, top, bottom = page.box(i)
        size = bottom - top
    return max(2.0, 0.6 * size)


def _line(text: str, start: int, page: _Page) -> list[tuple[TextLine, Doubt | None]]:
    """The pieces of one pdfium line, each with its size's doubt (TextLine is frozen: `_rescaled`)."""
    lead = len(text) - len(text.lstrip())
    first = start + lead
    face = page.font(first)
    size, upright, trusted, doubt = page.sized(text[lead:], first)
    split_size = size if trusted else 0.0
    out = []
    if not upright or _plain(text, start, page, split_size):
        pieces: Iterator[tuple[int, int]] | list[tuple[int, int]] = [(lead, len(text) - 1)]
    else:
        pieces = _segments(text, start, page, split_size)
    for a, b in pieces:
        part = text[a : b + 1].strip()
        if not part:
            continue
        a += len(text[a : b + 1]) - len(text[a : b + 1].lstrip())
        i, j = start + a, start + a + len(part) - 1
        if i != first:
            face = page.font(i)
            size, upright, trusted, doubt = page.sized(part, i)
        bold, italic, mono = face.bold, face.italic, face.mono
        bold_prefix = italic_prefix = ""
        if (bold or italic or mono) and " " in part:
            end = page.font(j)
            mono = mono and end.mono
            if bold and not end.bold:
                bold_prefix, bold = _prefix(part, i, page, italic=False), False
            if italic and not end.italic:
                italic_prefix, italic = _prefix(part, i, page, italic=True), False
        x0, _r, top, bottom = page.box(i)
        _l, x1, top_j, bottom_j = page.box(j)
        out.append(
            (
                TextLine(
                    text=_clean(part),
                    size=round(size, 2),
                    bold=bold,
                    font=face.name,
                    x0=round(x0, 1),
                    x1=round(max(x1, x0), 1),
                    top=round(min(top, top_j), 1),
                    bottom=round(max(bottom, bottom_j), 1),
                    bold_prefix=_clean(bold_prefix),
                    upright=upright,
                    italic=italic,
                    mono=mono,
                    color=page.color(i),
                    size_trusted=trusted,
                    italic_prefix=_clean(italic_prefix),
                ),
                doubt,
            )
        )
    return out


def _rescaled(pieces: list[tuple[TextLine, Doubt | None]]) -> list[TextLine]:
    """The page's lines, those whose stated size was doubted sized alike within their font.

    A nominal size comes from the font's own matrix, so one font needs one scale at every size:
    the median of what its lines' glyphs showed. A line of a font no glyph measured keeps its
    stated size, untrusted.
    """
    found: dict[int, list[float]] = {}
    for _line, doubt in pieces:
        if doubt is not None and doubt[2] is not None:
            found.setdefault(doubt[0], []).append(doubt[2] / doubt[1])
    scale = {key: statistics.median(ratios) for key, ratios in found.items()}
    out = []
    for line, doubt in pieces:
        if doubt is not None and doubt[0] in scale:
            line = replace(line, size=round(doubt[1] * scale[doubt[0]], 2), size_trusted=True)
        out.append(line)
    return out


def _marked(lines: list[TextLine], page: pdfium.PdfPage, height: float) -> list[TextLine]:
    """The lines with `underlined` and `linked` set from what the page draws and links."""
    rules, areas = page_rules(page.raw, height), page_links(page.raw, height)
    if not rules and not areas:
        return lines
    boxes = [(line.x0, line.x1, line.top, line.bottom, line.size) for line in lines]
    under, linked = underlines(boxes, rules), links(boxes, areas)
    return [
        replace(line, underlined=u and line.upright, linked=k) if u or k else line
        for line, u, k in zip(lines, under, linked, strict=True)
    ]


def writable(text: str) -> str:
    """`text` with each lone UTF-16 half (a broken ToUnicode map) as U+FFFD: it cannot be written as
    UTF-8, and one character for one keeps pdfium's character indexes."""
    return _SURROGATE.sub("\ufffd", text)


def _page_text(textpage: pdfium.PdfTextPage, count: int) -> str:
    text = textpage.get_text_range(0, count) if count else ""
    if len(text) != count:  # characters outside the BMP: rebuild one index per character
        text = "".join(chr(raw.FPDFText_GetUnicode(textpage.raw, i) or 32) for i in range(count))
    return writable(text)


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
                pieces: list[tuple[TextLine, Doubt | None]] = []
                start = 0
                for raw_line in text.replace("\r\n", "\n\x00").split("\n"):
                    line = raw_line.lstrip("\x00")
                    start += len(raw_line) - len(line)
                    if line.strip():
                        pieces.extend(_line(line, start, look))
                    start += len(line) + 1
                if pieces:  # a page without text (a scan, a figure) is not searched for rules
                    result.lines = _marked(_rescaled(pieces), page, height)
                result.sizes_from_glyphs = look.recovered
            finally:
                textpage.close()
        finally:
            page.close()
    sized = [line for line in result.lines if line.size > 0.5 and line.size_trusted]
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
