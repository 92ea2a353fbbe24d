"""The answer's citations: parsed from its `Sources:` lines (or inline markers), then each one checked.

A citation is verified when its node exists, its pages exist and were shown to the model, and its quote,
where it gives one, is found on those pages (fuzzy: case, punctuation, hyphenation and small slips aside).
An unverified citation is kept, with the reason, never dropped.
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
_HEADER = re.compile(
    r"^[ \t>*#_-]*(?:sources?|references?|citations?)[ \t*_]*(?::[ \t*_]*)?(?=\[|$)", re.I | re.M
)
_SOURCE_LINE = re.compile(r"^\s*[-*]?\s*\[?(\d{1,3})\]?[.:)]?\s+(.*\S)\s*$")
_QUOTE = re.compile(r"\"([^\"]{2,})\"|“([^”]{2,})”|«([^»]{2,})»")
_PAGES = re.compile(r"\b(?:pages?|pp?)\.?\s*(\d[\d\s,–-]*(?:\s*(?:and|&)\s*\d+)*)", re.I)
_INLINE = re.compile(r"\[([^\[\]\n]{3,80})\]")
_WORD = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True)
class RawCitation:
    marker: str
    target: str  # the text that names the node ("0003", "2:0003", "section 0003")
    pages: tuple[int, ...]
    quote: str


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


def parse_answer(text: str) -> tuple[str, list[RawCitation]]:
    """The prose of an answer and its citations: the `Sources:` lines, else inline markers such as
    `[0003 p.12]` in the prose."""
    text = strip_reasoning(text or "")
    header = None
    for match in _HEADER.finditer(text):
        header = match  # the last one: "sources" may be a word of the prose too
    if header is not None:
        prose, block = text[: header.start()].rstrip(), text[header.end() :]
        cites = []
        for line in block.splitlines():
            found = _SOURCE_LINE.match(line)
            if found:
                cites.append(_one(found.group(1), found.group(2)))
        if cites:
            return prose, cites
    prose = text.strip()
    inline = [_one("", m.group(1)) for m in _INLINE.finditer(prose) if not m.group(1).strip().isdigit()]
    return prose, inline


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
    pages = _PAGES.search(target)
    target = target[: pages.start()] if pages else target  # a page number is never taken for a node id
    for token in [target.strip(), *re.split(r"[\s,;]+", target)]:
        token = token.strip(" .:;,()[]")
        if len(token) < 2 and not token.isdigit():
            continue
        if token.lower() in ("section", "node", "doc", "document", "page", "pages", "p", "pp"):
            continue
        ref = handles.resolve(token)
        if ref is not None:
            return ref
    return None


def check(raw: RawCitation, handles: Handles, reading: Reading) -> tuple[Citation, str]:
    """The citation as checked, and the problem the model must fix ("" when it is not the model's
    fault, such as a quote not found or a document without source)."""
    assert reading.reads is not None and reading.seen is not None
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
        return cite(_compact(pages, doc.unit), True, ""), ""
    texts = {u: reading.seen.get((number, u), "") for u in pages}
    joined = "\n".join(texts[u] for u in sorted(texts))
    if any(quote_found(raw.quote, t) for t in texts.values()) or quote_found(raw.quote, joined):
        on = [u for u, t in texts.items() if quote_found(raw.quote, t)]
        return cite(tuple(on) or _compact(pages, doc.unit), True, ""), ""
    elsewhere = [u for u in shown_units if quote_found(raw.quote, reading.seen[(number, u)])]
    if elsewhere and doc.unit == "page":
        return cite(pages, False, f"the quoted words are on page {elsewhere[0]}, not on the cited page"), ""
    return cite(
        _compact(pages, doc.unit), False, f"the quoted words are not found on the cited {doc.unit}s"
    ), ""


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
    """Passes streamed answer text through until the `Sources:` line, which it holds back: front ends show
    the prose as it comes and the checked citations at the end."""

    def __init__(self) -> None:
        self.pending = ""
        self.stopped = False

    def feed(self, text: str) -> str:
        if self.stopped:
            return ""
        self.pending += text
        out = ""
        while "\n" in self.pending:
            line, self.pending = self.pending.split("\n", 1)
            if _HEADER.match(line):
                self.stopped = True
                return out
            out += line + "\n"
        if self.pending and not _could_be_header(self.pending):
            out, self.pending = out + self.pending, ""
        return out

    def close(self) -> str:
        rest, self.pending = ("" if self.stopped or _HEADER.match(self.pending) else self.pending), ""
        return rest


def _could_be_header(partial: str) -> bool:
    stripped = partial.lstrip(" \t>*#_-").lower()
    return any(
        word.startswith(stripped) or stripped.startswith(word) for word in ("source", "reference", "citation")
    )
