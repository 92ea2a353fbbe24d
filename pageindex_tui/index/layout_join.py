"""The lines of one heading: a title set over two or three lines, a number on a line of its own
or at a tab stop before its title, a letterhead over a statement's title.

Lines join when they are set apart from the body alike (size, weight, capitals), closely set and
about one size; a numbering label takes the title under it in any size. What is not part of a
heading: a smaller line under it (a subtitle), a note in parentheses, a running head, a letterhead.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, replace

from ..document.lines import PageLines, TextLine
from .layout_levels import numbering
from .layout_rejects import LETTERS, MAX_TITLE_CHARS, PARENTHESIS, caps, item_number, same_row, shape

__all__ = [
    "LABEL_ONLY",
    "Body",
    "Style",
    "above",
    "below",
    "body_style",
    "in_row",
    "lead",
    "lead_words",
    "line_gap",
    "merged",
    "norm",
    "plain",
    "row_label",
    "title_of",
    "wrapped_plain",
]


@dataclass(frozen=True)
class Body:
    """What a document's body text looks like, and its running headers and footers."""

    size: float
    bold: bool
    italic: bool
    mono: bool  # the body itself is set in a fixed-pitch font
    color: int  # 0xRRGGBB, -1 when unknown
    gap: float  # the usual distance between two body lines, top to top
    running: frozenset[str]  # shapes of running headers and footers
    letterhead: frozenset[tuple[str, int]]  # (text, size) opening three pages or more
    edge_running: frozenset[tuple[str, int]] = frozenset()  # (words, size): running heads seen near
    pages: int = 0  # the document's last page
    # False under an outline: the layout read with the rules its trees were built with, so that an
    # outline's tree stays byte for byte as it was; the rules added for precision apply elsewhere
    precise: bool = True


def norm(text: str) -> str:
    return " ".join(text.lower().split())


def _overlaps(a: TextLine, b: TextLine) -> bool:
    """Two lines in the same column: their horizontal extents overlap."""
    return a.x0 < b.x1 and b.x0 < a.x1


def below(lines: list[TextLine], i: int, limit: float) -> int | None:
    """Index of the nearest line under line i in its column, within `limit` points."""
    line = lines[i]
    best: int | None = None
    for j in range(i + 1, min(len(lines), i + 8)):
        other = lines[j]
        step = other.top - line.top
        if (
            0 < step <= limit
            and _overlaps(line, other)
            and (best is None or step < lines[best].top - line.top)
        ):
            best = j
    return best


def above(lines: list[TextLine], i: int) -> TextLine | None:
    line = lines[i]
    best: TextLine | None = None
    for j in range(max(0, i - 8), i):
        other = lines[j]
        if other.top < line.top and _overlaps(line, other) and (best is None or other.top > best.top):
            best = other
    return best


# a line that ends on a word that leads on ("PURSUANT TO", "SECTIONS OF"): its title goes on, even
# into a line that opens with a number ("18 U.S.C. SECTION 1350")
_GOES_ON = re.compile(r"\b(to|of|and|or|the|for|in|on|with|by|under|pursuant|a|an)$", re.IGNORECASE)
_ABBREVIATION = re.compile(r"(^|\s)([A-Z][a-z]{0,3}|[A-Z]{2,4})\.$")  # "Inc.", "Co.", "LTD." end no sentence
LABEL_ONLY = re.compile(
    r"^((part|chapter|section|appendix|annex|article|book|lecture|unit)\s+([\dIVXLC]{1,6}|[A-Z])|"
    r"[\dIVXL]{1,4}(\.\d{1,2}){0,5})[.:]?$",
    re.IGNORECASE,
)


def _distinct(line: TextLine, body: Body) -> bool:
    """Set apart from the body text by size, weight, an underline or capitals."""
    larger = line.size_trusted and line.size >= body.size * 1.1  # a nominal size has no say
    return larger or (line.bold and not body.bold) or line.underlined or caps(line.text)


def _joins(prev: TextLine, nxt: TextLine, text: str, body: Body) -> bool:
    """Whether `nxt` goes on the heading whose lines so far read `text` and end with `prev`."""
    label = LABEL_ONLY.match(text.strip())
    numbered = numbering(nxt.text) and not label and not _GOES_ON.search(text)
    if nxt.bold_prefix or numbered or shape(nxt.text) in body.running:
        return False
    if PARENTHESIS.match(nxt.text):
        return False  # "(In millions)" under a table's title: a note on its figures
    if text.endswith(".") and not (label or _ABBREVIATION.search(text)):
        return False  # a sentence ended
    same = abs(nxt.size - prev.size) < 0.3 and nxt.bold == prev.bold and nxt.font == prev.font
    if label and _distinct(nxt, body):
        return True  # "Chapter 2" or "2.3.1" over its title, in whatever size
    if not _distinct(nxt, body) or not _distinct(prev, body):
        # in the body's own style only a wrapped line of the same style and case, no longer
        return (
            same
            and not text.endswith(":")
            and prev.text.isupper() == nxt.text.isupper()
            and len(nxt.text) <= len(prev.text) + 10
        )
    if same:
        return True  # a title wrapped in one style
    # both set apart, about one size (a name over a statement's title, a title over two lines),
    # and closely set; a smaller line under a title is a subtitle, a larger one a new heading
    close = nxt.top - prev.bottom <= 0.5 * max(prev.size, nxt.size, 1.0)
    if close and nxt.font == prev.font and caps(prev.text) and caps(nxt.text):
        # a title in small capitals: a line's size is its first letter's, large or small
        return prev.size * 0.75 <= nxt.size <= prev.size * 1.33
    return close and prev.size - 0.3 <= nxt.size <= prev.size * 1.15


def merged(lines: list[TextLine], i: int, body: Body) -> tuple[str, list[int]]:
    """A heading set over up to three lines (a wrapped title; a name over a title; a label over
    its title): (title, indexes of the lines used). The title is all the lines, in order; where the
    next line of the heading's style would make it longer than a title is, it is all the lines read
    (a sentence set in the heading's style, for `reject` to find too long)."""
    text = lines[i].text
    used = [i]
    most = 4 if LABEL_ONLY.match(text) else 3  # a number on its own line, then three of title
    while len(used) < most:
        prev = lines[used[-1]]
        j = below(lines, used[-1], max(body.gap, prev.size) * 1.6)
        if j is not None and used == [i] and LABEL_ONLY.match(text) and PARENTHESIS.match(lines[j].text):
            j = below(lines, j, max(body.gap, prev.size) * 1.6)  # a date or status under the number
        if j is None or not _joins(prev, lines[j], text, body):
            break
        nxt = lines[j]
        if len(text) + len(nxt.text) > MAX_TITLE_CHARS:  # a paragraph set as a heading is
            text, used = f"{text} {nxt.text}", [*used, j]  # "too long", not its first line's title
            break
        if len(used) == 1 and (norm(text), round(prev.size)) in body.letterhead:
            text, used = nxt.text, [j]  # the letterhead over a title is no part of it
            continue
        if LABEL_ONLY.match(text.strip()) and nxt.text.startswith(text.strip()):
            text = nxt.text  # a large chapter number over a title that repeats it
        else:
            text = f"{text[:-1]}{nxt.text}" if text.endswith("-") else f"{text} {nxt.text}"
        used.append(j)
    return text, used


def lead_words(line: TextLine, prefix: str) -> TextLine:
    """The bold (or italic) words `prefix` that open a line, as a line of their own in their style: a
    heading whose note in parentheses follows it on its line, in the body's type ("DC CHARACTERISTICS
    (Over Operating Conditions)"), is no run-in heading; its title is the words set apart."""
    bold = prefix == line.bold_prefix
    return replace(line, text=prefix.rstrip(), bold=bold, italic=not bold, bold_prefix="", italic_prefix="")


def lead(lines: list[TextLine], used: list[int]) -> TextLine:
    """The most prominent line of a heading (largest, then bold): its style is the heading's."""
    return max((lines[k] for k in used), key=lambda line: (round(line.size, 1), line.bold))


def _row_pieces(line: TextLine, lines: list[TextLine]) -> list[TextLine]:
    """The line with the pieces of its row that touch it (within three font sizes), left to right:
    the reader may split "Exercise" from "11 Declare ..." at a wide space."""
    near = 3 * max(line.size, 1.0)
    row = sorted((o for o in lines if same_row(o, line)), key=lambda o: o.x0)
    k = next(i for i, o in enumerate(row) if o is line)
    start = end = k
    while start > 0 and row[start].x0 - row[start - 1].x1 < near:
        start -= 1
    while end + 1 < len(row) and row[end + 1].x0 - row[end].x1 < near:
        end += 1
    return row[start : end + 1]


def row_label(line: TextLine, lines: list[TextLine]) -> str:
    """A section number set apart on the line's row, just before it ("2.1.3" at a tab stop)."""
    pieces = _row_pieces(line, lines)
    k = pieces.index(line)
    return pieces[k - 1].text if k and LABEL_ONLY.match(pieces[k - 1].text) else ""


def in_row(line: TextLine, text: str, lines: list[TextLine]) -> str:
    """Why a heading that shares its row with touching pieces is none, or ""."""
    pieces = _row_pieces(line, lines)
    if len(pieces) == 1:
        return ""
    if item_number(" ".join(p.text for p in pieces)):
        return "exercise, example or figure number"
    before = pieces[: pieces.index(line)]
    if numbering(text) and before and len(before[-1].text.split()) <= 2:
        return "number within a line"
    return ""


_UNIT_NOTE = re.compile(r"\s*\([a-z][^()\s]*(\s+[^()\s]+)+\)$")  # "Revenue (dollars in millions)"


def title_of(text: str) -> str:
    """A heading's title: its words, less a note of two words or more in parentheses after it that
    starts in lower case, on the figures under it (an acronym, or '(losses)', stays)."""
    words = " ".join(text.split())
    bare = _UNIT_NOTE.sub("", words)
    return bare if len(LETTERS.findall(bare)) >= 2 else words


def plain(line: TextLine, body: Body) -> bool:
    """Set as the body is: its size, not bold, not in capitals."""
    return line.size < body.size * 1.1 and not line.bold and not caps(line.text)


def wrapped_plain(style: TextLine, body: Body) -> bool:
    """Whether a heading of two lines or more is set as the body is (its size or smaller, neither
    bold, capitals, underlined nor coloured): a title set so does not wrap; the lines are a numbered
    paragraph, a table's cell beside the next ("2. Time-Series Multiple instances / of one or
    more"), an address. On the dev half no such line was a heading the outlines list."""
    coloured = style.color >= 0 and body.color >= 0 and style.color != body.color
    return plain(style, body) and not style.underlined and not coloured and style.italic == body.italic


@dataclass(frozen=True)
class Style:
    """The typography that carries most of a document's characters."""

    size: float
    bold: bool
    italic: bool
    mono: bool
    color: int


def body_style(pages: list[PageLines]) -> Style:
    sizes: Counter[float] = Counter()
    faces: Counter[tuple[bool, bool, bool]] = Counter()
    colors: Counter[int] = Counter()
    for page in pages:
        for line in page.lines:
            if line.size > 0.5 and line.size_trusted:
                sizes[round(line.size * 2) / 2] += len(line.text)
                faces[line.bold, line.italic, line.mono] += len(line.text)
                colors[line.color] += len(line.text)
    if not sizes:
        return Style(0.0, False, False, False, -1)
    face = faces.most_common(1)[0][0]
    return Style(sizes.most_common(1)[0][0], *face, colors.most_common(1)[0][0])


def line_gap(pages: list[PageLines], body: float) -> float:
    """The usual distance between consecutive body lines (top to top)."""
    nominal = body or 10.0  # without font sizes, a common body size
    gaps: Counter[float] = Counter()
    for page in pages[:60]:
        prev: TextLine | None = None
        for line in page.lines:
            if prev is not None and abs(line.size - body) < 0.6 and abs(prev.size - body) < 0.6:
                step = line.top - prev.top
                if 0 < step < nominal * 3:
                    gaps[round(step)] += 1
            prev = line
    return float(gaps.most_common(1)[0][0]) if gaps else nominal * 1.3
