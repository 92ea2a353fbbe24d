"""Lines that look like headings and are not: running heads, page numbers, captions, list items,
references, equations, code, labels, lines of a contents (dot leaders), running text (a sentence
ends inside the line: a numbered finding or step), and cells of a table.

`reject` judges one line (or the lines of one heading joined) by its own text and type; `Grid`
looks at the lines around it on its page, where a table's column heads and row labels show
themselves: figures in columns beside, under or over them.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field

from ..document.lines import TextLine

__all__ = [
    "BULLETS",
    "KNOWN",
    "LETTERS",
    "MAX_TITLE_CHARS",
    "PARENTHESIS",
    "ROW_TOLERANCE",
    "Grid",
    "caps",
    "caption",
    "continued",
    "dash_run_in",
    "figures_beside",
    "garbled",
    "item_number",
    "note_section",
    "opens_exhibit",
    "reject",
    "running_text",
    "same_row",
    "sentence_case",
    "shape",
    "table_caption",
    "unit_note",
]

MAX_TITLE_CHARS = 120
MAX_TITLE_WORDS = 16
ROW_TOLERANCE = 2.0  # points: segments whose tops differ less sit on one row

_CAPTION = re.compile(
    r"^(fig(ure)?|table|tab|chart|exhibit|graph|plate|map|box|source|sources|note|notes|photo)\.?\s*"
    r"([\dIVX]+[A-Za-z]?([.\-:]\d+)*|[A-Z])?\s*[:.\-\u2013\u2014]",
    re.IGNORECASE,
)
# a financial statement's numbered note is a section: "NOTE 1. BASIS OF PRESENTATION", "Note 12 - Leases"
_NOTE_SECTION = re.compile(r"^notes?\s+\d{1,2}[.:]?\s*[-\u2013\u2014]?\s*[A-Z][A-Za-z]", re.IGNORECASE)
_CAPTION_BARE = re.compile(r"^(figure|fig\.|table|chart|exhibit)\s+\d+([.\-]\d+)*\b", re.IGNORECASE)
# numbered items of a text that are not its sections: "Exercise 11", "Example 2.3", "Theorem 4"
_ITEM = re.compile(
    r"^(exercises?|problems?|examples?|questions?|solutions?|answers?|listings?|algorithms?|theorems?|"
    r"lemmas?|definitions?|propositions?|corollary|corollaries|remarks?|proofs?|equations?|"
    r"figures?|fig\.|tables?|charts?|exhibits?|plates?|illustrations?)"
    r"\s*\(?[\dIVX]+[a-z]?([.\-]\d+)*\)?\b",
    re.IGNORECASE,
)
_FOLIO = re.compile(
    r"^(page\s+)?([\dA-Z]{0,3}[-\u2013.])?(\d{1,4}|[ivxlcdm]{1,7})(\s*(of|/)\s*\d{1,4})?$|^[-\u2013\u2014]\s*\d{1,4}\s*[-\u2013\u2014]$",
    re.IGNORECASE,
)
_REFERENCE = re.compile(
    r"^(\[\d{1,3}\]|\d{1,3}\.\s+[A-Z][A-Za-z'\-]+,\s+([A-Z]\.|[A-Z][a-z]+)|[A-Z][A-Za-z'\-]+,\s+[A-Z]\.(\s?[A-Z]\.)*[,;])"
)
BULLETS = "\u2022\u25e6\u25aa\u25cf\u25a0\u2013\u2014-*\u00b7\u2023\u2043\u2219\uf0b7"
PARENTHESIS = re.compile(r"^\([^()]*\)$")
_WEB = re.compile(r"(https?://|\bwww\.)\S+|\b[\w.+-]+@[\w-]+\.\w", re.IGNORECASE)
_LABELS = re.compile(r"^(\(\w\)\s*)+$")  # "(a) (b)" under a figure's panels
_CONTENTS = re.compile(r"^(table of )?contents$", re.IGNORECASE)
# source code: identifiers joined by underscores, braces, statement ends, operators, directives
_CODE = re.compile(
    r"\w_\w|[{};]|->|::|==|!=|:=|^#\s?(include|define|import)\b|^(def|class|import|return)\s|\w\(\)"
)
# a short label that introduces what follows it: "CONTACTS:", "Media contact:", "Note:"
_LABEL = re.compile(r"^[^\s:]+(\s+[^\s:]+){0,2}\s*:$")
# a line of a contents or an index: a leader of dots to a page number ("2.1 Uses .......... 2-1")
_LEADER = re.compile(r"(\.\s?){5,}")
# a sentence ends inside the line and another begins: a paragraph's first line, a numbered step or
# finding ("1. Strong models generalize beyond their supervisors. If we"), not a title. The word
# before the stop has two letters or more, in lower case after its first, and is no abbreviation
# ("e.g.", "U.S.", "Inc.", "Mr.")
_SENTENCE_INSIDE = re.compile(
    r"(?<![\w.])([A-Za-z\u00c0-\u00ff][a-z\u00df-\u00ff]+)[.!?]\s+[A-Z\u00c0-\u00de][a-z\u00df-\u00ff]"
)
_ABBREVIATION = re.compile(
    r"^(inc|corp|ltd|co|bros|vs|etc|al|nos?|vol|figs?|eq|sec|st|mt|dept|univ|approx|ca|cf|ch|pp|mrs?|ms|dr|"
    r"jr|sr|prof|rev|eds?)$",
    re.IGNORECASE,
)
_LIST_LABEL = re.compile(r"^\(?([\divxlc]{1,4}|[a-z])[.)]\s+")  # "1. ", "ii) ", "(a) ": an item's number
LETTERS = re.compile(r"[A-Za-z\u00c0-\u024f]")
_DIGITS = re.compile(r"\d")
_WORD = re.compile(r"[A-Za-z\u00c0-\u024f]{2}")  # two letters in a row
_SYMBOLS = re.compile(r"[^\w\s]")
_SHAPE_DIGITS = re.compile(r"\d+")
_NUMBERS = re.compile(r"\d[\d,.]*")
_NOT_FIGURES = re.compile(r"\d\.\d+\.\d|\d-\d{1,2}-\d")
# a cell of figures: amounts, percentages, years, dashes for nil ("$ 5,070", "(6)", "12.1 %", "2023 2022")
_FIGURES = re.compile(
    r"^[\s$\u20ac\u00a3\u00a5(+\-\u2013\u2014]*(\d[\d,.]*[)%]?[\s$\u20ac\u00a3\u00a5%()\-\u2013\u2014]*)+$|^[\-\u2013\u2014]+$"
)


def _norm(text: str) -> str:
    return " ".join(text.lower().split())


def shape(text: str) -> str:
    """A line's text with its digits left out, for lines that repeat page after page."""
    return _SHAPE_DIGITS.sub("#", " ".join(text.lower().split()))


def same_row(a: TextLine, b: TextLine) -> bool:
    """Two segments on one row: their tops less than ROW_TOLERANCE apart."""
    return abs(a.top - b.top) < ROW_TOLERANCE


def caps(text: str) -> bool:
    """Set in capitals: three letters or more, all upper case."""
    letters = LETTERS.findall(text)
    return len(letters) >= 3 and all(ch.isupper() for ch in letters)


def item_number(text: str) -> bool:
    """Numbered items of a text that are not its sections: "Exercise 11", "Example 2.3", "Figure 4"."""
    return bool(_ITEM.match(text))


# a filing's exhibit: a document of its own, filed with the report, whose label opens its first page
_EXHIBIT = re.compile(r"^exhibit\s+\d{1,3}(\.\d{1,3})*[A-Za-z]?$", re.IGNORECASE)


def opens_exhibit(line: TextLine, lines: list[TextLine]) -> bool:
    """An exhibit's label ("Exhibit 31.1") alone on its line and the topmost line of its page: the
    first page of a document filed with the report, not a chart's caption (which stands by its chart,
    under a heading or among the text)."""
    return bool(_EXHIBIT.match(line.text.strip())) and all(
        other.top >= line.top - ROW_TOLERANCE for other in lines
    )


# a heading printed again where its table or text goes on over a page: "... (Continued)", "(cont'd)"
_CONTINUED = re.compile(r"\(\s*(continued|cont\.|cont'd|cont\u2019d)\s*\)?\s*$", re.IGNORECASE)


def continued(text: str) -> bool:
    """A heading's title printed again with a note that its section goes on: no new section."""
    return bool(_CONTINUED.search(text))


def caption(text: str) -> bool:
    """A figure's or a table's caption: "Figure 1: ...", "Table 3. ...", "Fig. 2"."""
    return bool(_CAPTION.match(text) or _CAPTION_BARE.match(text)) and not note_section(text)


# a note on the figures under a title: "(in millions)", "(In thousands, except per share data)"
_UNIT_NOTE = re.compile(
    r"^\([^()]*\b(millions?|thousands?|billions?|per share|percent)\b[^()]*\)$", re.IGNORECASE
)


def unit_note(text: str) -> bool:
    """Whether a line is a note on the units of the figures under a title: the title names a table
    or a chart ("Investing Cash Flows" over "(in millions)"), unless it is a statement's title in
    capitals ("CONSOLIDATED BALANCE SHEETS" over "(In thousands)"), which outlines list."""
    return bool(_UNIT_NOTE.match(text.strip()))


def table_caption(text: str) -> bool:
    """A table's caption ("Table 11: Prompt for Summarization"), set over the table: the line just
    under it is the table's head row ("Role Content"), not a heading."""
    return caption(text) and text.lstrip()[:3].lower() == "tab"


def note_section(text: str) -> bool:
    """A financial statement's numbered note: "NOTE 1. BASIS OF PRESENTATION", "Note 12 - Leases"."""
    return bool(_NOTE_SECTION.match(text))


def reject(line: TextLine, text: str, running: frozenset[str], body_mono: bool = False) -> str:
    """Why `line` (whose heading would read `text`) cannot be a heading, or "" when it can."""
    if shape(text) in running:
        return "running header or footer"
    if continued(line.text) or continued(text):
        return "continued"
    if _FOLIO.match(text.strip()):
        return "page number"
    if not line.upright:
        return "rotated text"
    if text[:1] in BULLETS:
        return "list item"
    letters = len(LETTERS.findall(text))
    if letters < 2:
        return "no words"
    if not _WORD.search(text) and len(_SYMBOLS.findall(text)) >= letters:
        return "no words"  # "v <| s/s": a recognised page's speckles and rules read as text
    if len(_DIGITS.findall(text)) > letters:
        return "table cell or figures"
    if sum(text.count(ch) for ch in "=+<>\u2211\u222b\u00b1\u00d7^") >= 2 or text.rstrip().endswith("="):
        return "equation"
    if _WEB.search(text):
        return "web or mail address"
    if _LABELS.match(text):
        return "figure panel labels"
    if caption(text):
        return "caption"
    if item_number(text):
        return "exercise, example or figure number"
    if PARENTHESIS.match(text):
        return "note in parentheses"
    if _CONTENTS.match(text.strip(" .:")):
        return "contents heading"
    if _REFERENCE.match(text):
        return "reference entry"
    if _LEADER.search(text):
        return "contents line"
    if (line.mono and not body_mono) or _CODE.search(text):
        return "code"
    if _LABEL.match(text.strip()):
        return "label"
    if len(text) > MAX_TITLE_CHARS or len(text.split()) > MAX_TITLE_WORDS:
        return "too long"
    if _TRAILING_CODES.search(text):
        return "table row"
    if _NAMES.match(text.strip()):
        return "names"
    return ""


# a run-in heading set off by a dash: "Depreciation \u2014 Depreciation, after consideration of ..."
_DASH_RUN_IN = re.compile(r"^(?P<head>[^\u2013\u2014]{3,80}?)\s+[-\u2013\u2014]\s+(?P<rest>.+)$")
_LOWER_WORD = re.compile(r"^[a-z\u00df-\u00ff][a-z\u00df-\u00ff'\u2019-]*[,;]?$")
RUN_ON_WORDS = 8  # words after the dash, two in five or more in lower case: the paragraph's text


def dash_run_in(text: str) -> str:
    """The words before a dash where a line goes on after it into a paragraph's text (eight words
    or more, two in five in lower case), "" where it does not ("ASC 326 \u2014 Financial Instruments \u2014
    Credit Losses" is a title)."""
    match = _DASH_RUN_IN.match(text.strip())
    if not match:
        return ""
    rest = match.group("rest").split()
    lower = sum(1 for word in rest if _LOWER_WORD.match(word))
    return match.group("head") if len(rest) >= RUN_ON_WORDS and lower * 5 >= len(rest) * 2 else ""


# three codes, dates or numbers end the line: the cells of an index's row ("... Agreement* 10-Q
# 6/26/09 10.12 000-15175")
_TRAILING_CODES = re.compile(r"[A-Za-z]{2}.*?(\s+\S*\d\S*){3}\s*$")
# a byline: three names or more, each of two to four capitalised words ("Parth Sarthi, Salman
# Abdullah, Aditi Tuli, ...")
_NAME = r"[A-Z][\w.'\u2019-]*(\s+[A-Z][\w.'\u2019-]*){1,3}"
_NAMES = re.compile(rf"^{_NAME}(\s*,\s*(and\s+)?{_NAME}){{2,}},?$")
FIGURES_SHARE = 0.4  # a piece of a row this share digits is a table's cell of numbers, dates, codes


def figures_beside(line: TextLine, lines: list[TextLine]) -> bool:
    """Whether a piece of the line's row, apart from it on its right, is mostly digits ("S-1 4/4/06
    10.2A 333-132987" beside "10.12 Equity Incentive Plan"): a row of an index of exhibits or forms,
    whose number is an item's, not a section's."""
    for other in lines:
        if other is line or not same_row(other, line) or other.x0 <= line.x1:
            continue
        chars = other.text.replace(" ", "")
        if chars and len(_DIGITS.findall(chars)) >= FIGURES_SHARE * len(chars):
            return True
    return False


_CLEAN_WORD = re.compile(r"^([A-Z\u00c0-\u00de]?[a-z\u00df-\u00ff]{2,}|[A-Z\u00c0-\u00de]{3,})$")
_EDGE_PUNCTUATION = "\"'\u2018\u2019\u201c\u201d.,;:!?()[]"
_NOISE = re.compile(r"[~#%_|\\^{}<>=+@*]")
HUGE = 2.5  # times the body size: a recognised figure's fragment is drawn this large, or a cover


def garbled(text: str, size: float, body: float) -> bool:
    """Text recognised from a drawing rather than set: two noise characters or more ("'arame'erI---%#",
    "I'__"ll"), or set huge with no word in it ("ElXTAL2", "L XTAL2"); a cover's large title has
    words."""
    if len(_NOISE.findall(text)) >= 2:
        return True
    words = (word.strip(_EDGE_PUNCTUATION) for word in text.split())
    return body > 0 and size >= HUGE * body and not any(_CLEAN_WORD.match(word) for word in words)


SENTENCE_WORDS = 5


def sentence_case(text: str) -> bool:
    """Words as a sentence has them: five or more, most after the first in lower case
    ("Competition is increasing and could adversely affect us"), not a title's capitals."""
    words = text.split()[1:]
    lower = sum(1 for word in words if _LOWER_WORD.match(word.rstrip(".")))
    return len(words) + 1 >= SENTENCE_WORDS and lower * 2 > len(words)


def running_text(text: str) -> bool:
    """Whether a line reads on past the end of a sentence (`_SENTENCE_INSIDE`), an item's number
    ("ii.") and an abbreviation's stop aside."""
    rest = _LIST_LABEL.sub("", text.strip(), count=1)
    return any(not _ABBREVIATION.match(m.group(1)) for m in _SENTENCE_INSIDE.finditer(rest))


# a word, then two figures or more closing the line: a row's label and its cells read as one piece
_FIGURE = r"[$\u20ac\u00a3(]?\d[\d,]*(\.\d+)?[%)]?"
_TRAILING_FIGURES = re.compile(rf"[A-Za-z]{{2}}\S*(\s+{_FIGURE}){{2,}}$")


def _figures(text: str) -> bool:
    """A cell of figures; a section number ("2.3.1") or a date ("01-17-2023") is none."""
    return bool(_DIGITS.search(text)) and bool(_FIGURES.match(text)) and not _NOT_FIGURES.search(text)


@dataclass
class _Row:
    top: float
    bottom: float
    segments: list[TextLine] = field(default_factory=list)
    whole_rows: bool = True  # a piece holding a label and its figures makes the row a table's

    @property
    def figures(self) -> list[TextLine]:
        return [s for s in self.segments if _figures(s.text)]

    @property
    def tabular(self) -> bool:
        """A table's row: figures beside a label or other figures ("Equipment  $ 3,144  1,940",
        "2023  2022"); with `whole_rows`, a label read with its figures ("NarrativeQA 57.36% 36.78%")."""
        figures = self.figures
        if self.whole_rows and any(_TRAILING_FIGURES.search(s.text) for s in self.segments):
            return True
        return bool(figures) and (len(self.segments) >= 2 or len(_NUMBERS.findall(figures[0].text)) >= 2)


def _leads(rows: list[_Row], until: float, count: int) -> bool:
    """Whether the first `count` rows start by `until` and are rows of a table, each close under
    the one before."""
    first = rows[:count]
    return (
        len(first) == count
        and first[0].top <= until
        and all(r.tabular for r in first)
        and all(b.top - a.bottom <= (a.bottom - a.top) * 1.5 for a, b in itertools.pairwise(first))
    )


class Grid:
    """The rows of one page, to tell a table's heads and row labels from headings."""

    def __init__(self, lines: list[TextLine], gap: float, body: float, whole_rows: bool = True) -> None:
        self.gap = gap
        self.body = body
        self.rows: list[_Row] = []
        for line in sorted(lines, key=lambda line: line.top):
            row = self.rows[-1] if self.rows else None
            if row is not None and abs(line.top - row.top) < ROW_TOLERANCE:
                row.segments.append(line)
                row.bottom = max(row.bottom, line.bottom)
            else:
                self.rows.append(_Row(line.top, line.bottom, [line], whole_rows))

    def _near(self, first: TextLine, last: TextLine, reach: float) -> tuple[list[_Row], list[_Row]]:
        """Rows ending within `reach` points above the heading, and starting within it below."""
        above = [r for r in self.rows if first.top - reach <= r.bottom and r.top < first.top - ROW_TOLERANCE]
        below = [r for r in self.rows if last.top + ROW_TOLERANCE < r.top <= last.bottom + reach]
        return above, below

    def cells(self, first: TextLine, last: TextLine) -> bool:
        """Whether the heading set from line `first` to line `last` sits in a table: over a column of
        figures within two lines (a column head), or between rows of figures (a row label)."""
        above, below = self._near(first, last, self.gap * 2)
        x0, x1 = min(first.x0, last.x0), max(first.x1, last.x1)
        labels = min((seg.x0 for row in below for seg in row.segments), default=x0)
        if x0 > labels + first.size and any(f.x0 < x1 and x0 < f.x1 for row in below for f in row.figures):
            return True  # indented past the row labels, over a column of figures: a column head
        reach = self.gap * 1.6
        if first.size < self.body * 1.15 and _leads(below, last.bottom + reach, 2):
            return True  # a table's head row: rows of figures follow at once
        return any(r.tabular for r in above if r.bottom >= first.top - reach) and any(
            r.tabular for r in below if r.top <= last.bottom + reach
        )


KNOWN = re.compile(
    r"^(abstract|introduction|summary|executive summary|conclusions?|discussion|references|bibliography|"
    r"appendix|appendices|acknowledge?ments?|preface|foreword|glossary|index|background|overview|"
    r"methods?|results|notes|epilogue|prologue|afterword)$",
    re.IGNORECASE,
)
