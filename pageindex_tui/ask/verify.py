"""The answer's citations: every citation-like part of it parsed (the lines of each `Sources:` block, a
source line standing alone, inline markers), then each one checked.

A citation is verified when its node exists, its pages exist and were shown to the model, and it quotes a
passage of at least MIN_QUOTE_WORDS words that is on those pages (fuzzy: case, punctuation, hyphenation
and small slips aside) and is not a running line printed on every page read. A citation without a quote,
or with a shorter one, is not verified: a page read says nothing about the sentence that cites it. An
unverified citation is kept, with the reason, never dropped; a marker such as [3] in the prose with no
source [3] is kept too, as a citation that names nothing.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from difflib import SequenceMatcher

from ..llm.replies import strip_reasoning
from .outline import Handles, Reading, Ref
from .types import Citation

FUZZY_RATIO = 0.85
# Quotes of fewer words are found on another page of the same document too often to verify anything:
# benchmarks/quote_rule.py (1,160 quotes per length) found them there, tuned on the corpus's dev half:
# 1 word 50%, 2 words 8.6%, 3 and 4 words 3.1%, 5 words 2.0%, longer ones 1.3-2.3%; on the check half
# 51%, 10.3%, 4.1%, 4.3%, 4.3% and 2.1-3.4%: past a few words what is left is running lines (which
# `_running_line` catches when several pages were read) and near misses, which length does not remove.
MIN_QUOTE_WORDS = 5
RUNNING_LINE_PAGES = 3  # a quote on every page read, when at least this many were read, is a running line
_HEADER = re.compile(
    r"^[ \t>*#_-]*(?:sources?|references?|citations?)[ \t*_]*(?::[ \t*_]*)?(?=\[|$)", re.I | re.M
)
_SOURCE_LINE = re.compile(r"^\s*[-*]?\s*\[?(\d{1,3})\]?[.:)]?\s+(.*\S)\s*$")
# a source line outside a `Sources:` block: "[1] 0000, page 12", "[2] node 7 (p. 3)"
_BARE_SOURCE = re.compile(
    r"^\s*[-*]?\s*\[(\d{1,3})\][.:)]?\s+(?:(?:node|section|id)\s*)?(?:\d+:)?\d{1,4}\b\s*"
    r"(?:[,;(:]|pp?\.|pages?\b|$)",
    re.I,
)
_MAYBE_BARE = re.compile(r"^\s*[-*]?\s*\[\d{0,3}\]?[.:)]?\s*\S{0,12}$")  # a line too short to tell yet
_QUOTE = re.compile(r"\"([^\"]{2,})\"|“([^”]{2,})”|«([^»]{2,})»")
_PAGES = re.compile(r"\b(?:pages?|pp?)\.?\s*(\d[\d\s,–-]*(?:\s*(?:and|&)\s*\d+)*)", re.I)
_INLINE = re.compile(r"\[([^\[\]\n]{1,80})\]")
_MARKERS = re.compile(r"^\s*\d{1,3}(?:\s*(?:,|–|-|and)\s*\d{1,3})*\s*$")  # [1], [1, 2], [2-3]
_CITED_LOOK = re.compile(r"\d{4}|\bp(?:p|ages?)?\.?\s*\d|\b(?:node|section)\s*\d", re.I)
_WORD = re.compile(r"[a-z0-9]+")
_MONTHS = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?"
    r"|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_DATE = re.compile(
    rf"\b{_MONTHS}\s+\d{{1,2}}(?:st|nd|rd|th)?\b(?:,?\s*\d{{4}})?|\b\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTHS}"
    rf"(?:,?\s*\d{{4}})?|\b{_MONTHS}\s+\d{{4}}\b",
    re.I,
)
_NODE_WORDS = ("section", "node", "id", "doc", "document", "page", "pages", "p", "pp")


@dataclass(frozen=True)
class RawCitation:
    marker: str
    target: str  # the text that names the node ("0003", "2:0003", "section 0003")
    pages: tuple[int, ...]
    quote: str
    unsourced: bool = False  # a marker of the prose that no source line explains


def _pages(text: str) -> tuple[int, ...]:
    match = _PAGES.search(text)
    if match is None:
        return ()
    out: list[int] = []
    for part in re.split(r",|\band\b|&", match.group(1)):
        numbers = [int(n) for n in re.findall(r"\d+", part)]
        if len(numbers) == 2 and ("-" in part or "–" in part):
            low, high = numbers
            if low <= high <= low + 200:
                out.extend(range(low, high + 1))
        else:
            out.extend(numbers)
    return tuple(dict.fromkeys(out))


def _one(marker: str, rest: str) -> RawCitation:
    quote_match = _QUOTE.search(rest)
    quote = next((g for g in quote_match.groups() if g), "") if quote_match else ""
    head = rest[: quote_match.start()] if quote_match else rest
    return RawCitation(marker, head, _pages(head), quote.strip())


class _Lines:
    """Tells the answer's lines apart, one at a time: prose, or a source (a line of a `Sources:` block, or
    a source line standing alone). The streamed prose (`ProseFilter`) and the parsed answer
    (`parse_answer`) both go through it, so what is shown as prose is what the citations are not."""

    def __init__(self) -> None:
        self.in_block = False

    def take(self, line: str) -> RawCitation | str | None:
        """A citation, the line as prose, or None (a header or a blank line inside a block)."""
        header = _HEADER.match(line)
        if header is not None:
            self.in_block = True
            rest = line[header.end() :]
            return self._source(rest) if rest.strip() else None
        if self.in_block and not line.strip():
            return None
        if self.in_block or _BARE_SOURCE.match(line):
            found = self._source(line)
            if found is not None:
                self.in_block = True
                return found
        self.in_block = False
        return line

    @staticmethod
    def _source(line: str) -> RawCitation | None:
        found = _SOURCE_LINE.match(line)
        if found:
            return _one(found.group(1), found.group(2))
        if _CITED_LOOK.search(line) or _QUOTE.search(line):
            return _one("", line.strip(" \t-*"))
        return None


def _inline(prose: str, sourced: set[str]) -> list[RawCitation]:
    """Citation-like brackets of the prose: `[0003 p.12]` as a citation; a numeric marker such as `[3]`
    with no source line [3] as a citation naming nothing."""
    out: list[RawCitation] = []
    for match in _INLINE.finditer(prose):
        inside = match.group(1).strip()
        if _MARKERS.match(inside):
            for number in re.findall(r"\d+", inside):
                if number not in sourced:
                    out.append(RawCitation(number, "", (), "", unsourced=True))
        elif len(inside) >= 3 and _CITED_LOOK.search(inside):
            out.append(_one("", inside))
    return out


def parse_answer(text: str) -> tuple[str, list[RawCitation]]:
    """The prose of an answer and every citation-like part of it: the lines of every `Sources:` block,
    source lines standing alone, inline citations such as `[0003 p.12]`, and markers such as `[3]` that
    no source line explains. The same citation given twice counts once."""
    lines, prose, cites = _Lines(), [], []
    for line in strip_reasoning(text or "").splitlines():
        got = lines.take(line)
        if isinstance(got, RawCitation):
            cites.append(got)
        elif got is not None:
            prose.append(got)
    answer = "\n".join(prose).strip()
    cites += _inline(answer, {c.marker for c in cites if c.marker})
    return answer, list(dict.fromkeys(cites))


_HYPHEN = re.compile(r"(\w)-\s*\n\s*(\w)")  # "finan-\ncial" is "financial"


def _tokens(text: str) -> list[tuple[str, int, int]]:
    """The words of `text` (lower case, hyphenated line breaks joined), each with its start and end in
    `text`: what quotes are matched on, and where a match lies for a front end to highlight it."""
    kept: list[int] = []  # positions of `text` left after joining hyphenated breaks
    last = 0
    for match in _HYPHEN.finditer(text):
        kept.extend(range(last, match.start(1) + 1))
        last = match.start(2)
    kept.extend(range(last, len(text)))
    chars: list[str] = []
    origin: list[int] = []
    for position in kept:
        low = text[position].lower()
        chars.append(low)
        origin.extend([position] * len(low))
    joined = "".join(chars)
    return [(m.group(), origin[m.start()], origin[m.end() - 1] + 1) for m in _WORD.finditer(joined)]


def words(text: str) -> list[str]:
    return [word for word, _start, _end in _tokens(text)]


def quote_span(quote: str, page: str) -> tuple[int, int] | None:
    """Where `quote` is on `page` (start and end offsets in `page`), allowing case, punctuation,
    hyphenation and small slips; None when it is not there."""
    wanted, tokens = words(quote), _tokens(page)
    if not wanted:
        return None
    have = [word for word, _start, _end in tokens]
    needle, hay = " ".join(wanted), " ".join(have)
    at = hay.find(needle)
    if at >= 0:
        starts, offset = [], 0
        for word in have:
            starts.append(offset)
            offset += len(word) + 1
        first = bisect_right(starts, at) - 1
        last = bisect_right(starts, at + len(needle) - 1) - 1
        return tokens[first][1], tokens[last][2]
    if len(wanted) < 4:
        return None
    n, vocabulary = len(wanted), set(wanted)
    for start in range(0, max(1, len(have) - n + 1)):
        window = have[start : start + n]
        if len(vocabulary.intersection(window)) * 2 < len(vocabulary):
            continue
        if SequenceMatcher(None, needle, " ".join(window), autojunk=False).ratio() >= FUZZY_RATIO:
            return tokens[start][1], tokens[min(start + n, len(tokens)) - 1][2]
    return None


def quote_found(quote: str, page: str) -> bool:
    """Whether `quote` is on `page`, allowing case, punctuation, hyphenation and small slips."""
    return quote_span(quote, page) is not None


def _target(handles: Handles, target: str) -> Ref | None:
    """The node a citation names. Page numbers and dates ("October 15", "15 Oct 2023") are never taken
    for node ids, and neither is any other bare number: an unpadded one ("3" for "0003") counts only as
    the whole target or after "node", "section" or "id"."""
    pages = _PAGES.search(target)
    target = target[: pages.start()] if pages else target
    target = _DATE.sub(" ", target)
    whole = target.strip().strip(" .:;,()[]")
    if whole and (ref := handles.resolve(whole)) is not None:
        return ref
    tokens = [t.strip(" .:;,()[]") for t in re.split(r"[\s,;]+", target)]
    for before, token in zip(["", *tokens], tokens, strict=False):
        if len(token) < 2 and not token.isdigit():
            continue
        if token.lower() in _NODE_WORDS:
            continue
        bare = token.isdigit() and len(token) < 4  # unpadded: "3", "15"
        if bare and before.lower() not in ("node", "section", "id"):
            continue
        ref = handles.resolve(token)
        if ref is not None:
            return ref
    return None


def check(raw: RawCitation, handles: Handles, reading: Reading) -> tuple[Citation, str]:
    """The citation as checked, and the problem the model must fix ("" when it is not the model's
    fault, such as a quote not found or a document without source)."""
    assert reading.reads is not None and reading.seen is not None
    if raw.unsourced:
        why = f"the answer marks [{raw.marker}] but lists no source [{raw.marker}]"
        return Citation("", "", (), "", False, why, raw.marker), why
    ref = _target(handles, raw.target)
    if ref is None:
        problem = f"source [{raw.marker}] names no section shown ({raw.target.strip()[:40]!r})"
        return Citation(
            "", raw.target.strip()[:40], raw.pages, raw.quote, False, "no such node", raw.marker
        ), problem
    doc, node, number = ref.doc, ref.node, handles.number(ref.doc)
    read_units = [
        u for r in reading.reads if r.doc == doc.name and r.node_id == node.node_id for u in r.pages
    ]
    shown_units = sorted(u for (n, u) in reading.seen if n == number)

    def cite(pages: tuple[int, ...], verified: bool, why: str) -> Citation:
        return Citation(doc.name, node.node_id, pages, raw.quote, verified, why, raw.marker)

    if doc.read is None:
        return cite(raw.pages, False, doc.note), ""
    if doc.unit == "page" and raw.pages:
        missing = [p for p in raw.pages if not 1 <= p <= doc.size]
        if missing:
            why = f"page {missing[0]} does not exist (the document has {doc.size} pages)"
            return cite(raw.pages, False, why), f"source [{raw.marker}]: {why}"
        unread = [p for p in raw.pages if p not in shown_units]
        if unread:
            why = f"page {unread[0]} was not read"
            return cite(raw.pages, False, why), f"source [{raw.marker}]: {why}; cite only pages shown above"
        pages = raw.pages
    else:
        pages = tuple(read_units) or tuple(u for u in shown_units if node.start <= u <= node.end)
        if not pages:
            why = f"section {ref.handle} was not read"
            return cite((), False, why), f"source [{raw.marker}]: {why}; cite only sections shown above"
    if not raw.quote:
        why = "it quotes nothing, so nothing ties the statement to the page"
        return cite(_compact(pages, doc.unit), False, why), f"source [{raw.marker}]: {why}; {_ASK_QUOTE}"
    if len(words(raw.quote)) < MIN_QUOTE_WORDS:
        why = f"the quote is too short to check ({len(words(raw.quote))} of {MIN_QUOTE_WORDS} words at least)"
        return cite(_compact(pages, doc.unit), False, why), f"source [{raw.marker}]: {why}; {_ASK_QUOTE}"
    texts = {u: reading.seen.get((number, u), "") for u in pages}
    joined = "\n".join(texts[u] for u in sorted(texts))
    if any(quote_found(raw.quote, t) for t in texts.values()) or quote_found(raw.quote, joined):
        on = [u for u, t in texts.items() if quote_found(raw.quote, t)]
        if _running_line(raw.quote, [reading.seen[(number, u)] for u in shown_units]):
            why = f"the quoted words are on every {doc.unit} read (a running header or footer)"
            return cite(tuple(on) or _compact(pages, doc.unit), False, why), ""
        return cite(tuple(on) or _compact(pages, doc.unit), True, ""), ""
    elsewhere = [u for u in shown_units if quote_found(raw.quote, reading.seen[(number, u)])]
    if elsewhere and doc.unit == "page":
        return cite(pages, False, f"the quoted words are on page {elsewhere[0]}, not on the cited page"), ""
    return cite(
        _compact(pages, doc.unit), False, f"the quoted words are not found on the cited {doc.unit}s"
    ), ""


_ASK_QUOTE = f"copy a passage of at least {MIN_QUOTE_WORDS} words word for word from the page"


def _running_line(quote: str, shown: list[str]) -> bool:
    """Whether `quote` is printed on every page shown, and enough were shown to tell."""
    return len(shown) >= RUNNING_LINE_PAGES and all(quote_found(quote, text) for text in shown)


def _compact(pages: tuple[int, ...], unit: str) -> tuple[int, ...]:
    """Lines of a Markdown section are given as its first and last line; pages as they are."""
    if unit == "line" and len(pages) > 2:
        return (min(pages), max(pages))
    return pages


def verify(raws: list[RawCitation], handles: Handles, reading: Reading) -> tuple[list[Citation], list[str]]:
    citations, problems = [], []
    for raw in raws:
        citation, problem = check(raw, handles, reading)
        citations.append(citation)
        if problem:
            problems.append(problem)
    return citations, problems


class ProseFilter:
    """Passes streamed answer text through as prose, holding back the source lines (`_Lines` tells them
    apart, as `parse_answer` does): front ends show the prose as it comes and the checked citations at
    the end."""

    def __init__(self) -> None:
        self.pending = ""
        self.lines = _Lines()

    def feed(self, text: str) -> str:
        self.pending += text
        out = ""
        while "\n" in self.pending:
            line, self.pending = self.pending.split("\n", 1)
            got = self.lines.take(line)
            if isinstance(got, str):
                out += got + "\n"
        if self.pending and not self.lines.in_block and not _could_be_source(self.pending):
            out, self.pending = out + self.pending, ""
        return out

    def close(self) -> str:
        rest, self.pending = self.pending, ""
        got = self.lines.take(rest) if rest else None
        return got if isinstance(got, str) else ""


def _could_be_source(partial: str) -> bool:
    """Whether a line not finished yet may still turn out to be a `Sources:` header or a source line."""
    if _MAYBE_BARE.match(partial) or _BARE_SOURCE.match(partial):
        return True
    stripped = partial.lstrip(" \t>*#_-").lower()
    return any(
        word.startswith(stripped) or stripped.startswith(word) for word in ("source", "reference", "citation")
    )
