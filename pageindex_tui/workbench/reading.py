"""What the page-text reader shows, without Textual: a node's text as display lines (always literal),
where each page or line starts, matches of a search, and where a cited quote lies.

`ui/widgets/reader.py` draws a `ReaderText`; the ask screen and the node panel build one from an
`export.NodeText` (a node's text by page or line).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass

from ..export import PAGE_RULE, NodeText
from ..safe_text import literal

Span = tuple[int, int]  # start and end offsets in `ReaderText.text`
MAX_MATCHES = 10_000  # search matches kept (a one-letter search in a long node)
_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")  # words, hyphenated ones whole ("well-known")
_BREAK = re.compile(r"(^|[\s(\[“‘\"'-])([^\W\d_]+)-$")  # a line's last word, cut by a hyphen ("re-")
_BROKEN = re.compile(r"[^\W\d_]+-[ \t]*\n\s*[^\W\d_]+")  # a word a line-end hyphen broke
_REST = re.compile(r"^\s*([^\W\d_]\w*)([.,;:!?)\]’”'\"]*)\s*")  # the next line's first word


class Words:
    """The words of a node's pages, as its own vocabulary for telling a hyphenated line break of a word
    ("re-" / "ceived") from a compound broken at its hyphen ("well-" / "known")."""

    def __init__(self, pages: Iterable[str]) -> None:
        self.seen: set[str] = set()
        for page in pages:  # the broken words themselves left out: their halves are no words
            self.seen.update(w.casefold() for w in _WORD.findall(_BROKEN.sub(" ", page)))

    def keeps_hyphen(self, head: str, tail: str) -> bool:
        """Whether `head`-`tail` is a compound: written so elsewhere, or both halves are words and the
        whole is not. Otherwise the hyphen only broke the word."""
        whole, compound = (head + tail).casefold(), f"{head}-{tail}".casefold()
        if compound in self.seen:
            return True
        if whole in self.seen:
            return False
        return head.casefold() in self.seen and tail.casefold() in self.seen and len(head) > 2


def join_breaks(lines: list[str], words: Words | None) -> list[str]:
    """A page's lines with each word a line-end hyphen broke made whole on the first line ("has re-" /
    "ceived it" -> "has received" / "it"); a compound keeps its hyphen ("well-known"). Only a hyphen
    at the end of a line, after a word (not a web address's or a path's part), before a line that goes
    on in lower case."""
    if words is None:
        return lines
    out, emptied = list(lines), set()
    for i in range(len(out) - 1):
        cut, rest = _BREAK.search(out[i].rstrip()), _REST.match(out[i + 1])
        if cut is None or rest is None or not rest.group(1)[0].islower():
            continue
        head, tail = cut.group(2), rest.group(1)
        compound = cut.group(1) == "-" or words.keeps_hyphen(head, tail)  # "over-the-" / "counter"
        hyphen = "-" if compound else ""
        out[i] = out[i].rstrip()[:-1] + hyphen + tail + rest.group(2)
        out[i + 1] = out[i + 1][rest.end() :]
        if not out[i + 1]:
            emptied.add(i + 1)  # its one word went up: no blank line where the text had none
    return [line for n, line in enumerate(out) if n not in emptied]


@dataclass(frozen=True)
class Line:
    kind: str  # "rule" (the line before a page), "text", or "note" (our own words)
    text: str  # literal: control characters made visible, tabs expanded
    unit: int  # the page or line number it belongs to (0: none)
    start: int  # offset of its first character in `ReaderText.text`


class ReaderText:
    """A node's text laid out for reading: lines, units and offsets in one joined, literal string."""

    def __init__(self, source: NodeText | None = None, note: str = "", cited: tuple[int, ...] = ()) -> None:
        self.unit = source.unit if source is not None else "page"
        self.heading = source.heading if source is not None else ""
        self.cited = frozenset(cited)
        self.lines: list[Line] = []
        self.unit_first: dict[int, int] = {}  # unit number -> index of its first line
        offset = 0
        words = Words(raw for _n, raw in source.parts) if source is not None and self.unit == "page" else None

        def add(kind: str, text: str, unit: int) -> None:
            nonlocal offset
            self.lines.append(Line(kind, text, unit, offset))
            offset += len(text) + 1

        if note:
            add("note", literal(note).replace("\n", " "), 0)
        for number, raw in source.parts if source is not None else ():
            self.unit_first.setdefault(number, len(self.lines))
            if self.unit == "page":
                mark = " cited" if number in self.cited else ""
                add("rule", PAGE_RULE.format(number) + mark, number)
                if not raw.strip():
                    add("note", "(no text on this page)", number)
                    continue
            for part in join_breaks(literal(raw).split("\n"), words):  # words: None but for pages
                add("text", part, number)
        self.text = "\n".join(line.text for line in self.lines)
        self._starts = [line.start for line in self.lines]

    @property
    def empty(self) -> bool:
        return not self.unit_first

    @property
    def units(self) -> list[int]:
        return list(self.unit_first)

    @property
    def unit_word(self) -> str:
        return "line" if self.unit == "line" else "page"

    def line_of(self, offset: int) -> int:
        """The index of the line holding `offset`."""
        return max(0, bisect_right(self._starts, offset) - 1)

    def unit_start(self, number: int) -> int | None:
        """The offset where page (or line) `number` begins, or the nearest one after it."""
        later = [n for n in self.unit_first if n >= number]
        if not later:
            return None
        return self.lines[self.unit_first[min(later)]].start

    def region(self, first: int, last: int) -> Span | None:
        """The text of units first..last (without the pages' rules), as a span."""
        lines = [
            line for line in self.lines if first <= line.unit <= last and line.kind == "text" and line.unit
        ]
        if not lines:
            return None
        return lines[0].start, lines[-1].start + len(lines[-1].text)

    # -- search and quotes -------------------------------------------------------------------------
    def find(self, query: str) -> list[Span]:
        """Where `query` occurs, ignoring case, taken literally (no patterns)."""
        if not query:
            return []
        found: list[Span] = []
        for match in re.finditer(re.escape(query), self.text, re.IGNORECASE):
            found.append((match.start(), match.end()))
            if len(found) >= MAX_MATCHES:
                break
        return found

    def locate(self, quote: str, units: tuple[int, ...] = ()) -> Span | None:
        """Where a cited quote lies: on one of the cited units, else anywhere on them together, else
        anywhere in the text (matched as the ask engine checks it: case, punctuation and slips aside)."""
        if not quote.strip():
            return None
        from ..ask.verify import quote_span  # the ask engine loads when a citation is first opened

        spans = [self.region(u, u) for u in units]
        if units:
            spans.append(self.region(min(units), max(units)))
        spans.append((0, len(self.text)))
        for span in spans:
            if span is None:
                continue
            found = quote_span(quote, self.text[span[0] : span[1]])
            if found is not None:
                return span[0] + found[0], span[0] + found[1]
        return None
