"""Headings from the page layout: typography, numbering and position, with no model.

A line is a heading candidate when it stands apart from the body text (larger, bold, capitals,
space above, short, no final full stop, numbered like a section). Running headers and footers,
page numbers, captions, table cells, equations and reference-list entries are rejected first.
Levels come from numbering depth, then from font rank (`layout_levels.py`).
"""

from __future__ import annotations

import heapq
import re
from collections import Counter
from dataclasses import dataclass

from ..document.lines import PageLines, TextLine
from .heading import SURE, Candidate
from .layout_levels import assign_levels, numbering

__all__ = ["SURE", "Candidate", "LayoutResult", "choose", "find_headings", "unsure"]

MAX_TITLE_CHARS = 120
MAX_TITLE_WORDS = 16
MARGIN = 0.09  # fraction of the page height counted as header or footer band
KEEP = 0.45  # confidence from which an unsure candidate is kept when no model is asked
ASK = 0.3  # unsure candidates from this confidence up are put to the model, when there is one

_CAPTION = re.compile(
    r"^(fig(ure)?|table|tab|chart|exhibit|graph|plate|map|box|source|sources|note|notes|photo)\.?\s*"
    r"([\dIVX]+[A-Za-z]?([.\-:]\d+)*|[A-Z])?\s*[:.\-\u2013\u2014]",
    re.IGNORECASE,
)
_CAPTION_BARE = re.compile(r"^(figure|fig\.|table|chart|exhibit)\s+\d+([.\-]\d+)*\b", re.IGNORECASE)
_FOLIO = re.compile(
    r"^(page\s+)?([\dA-Z]{0,3}[-\u2013.])?(\d{1,4}|[ivxlcdm]{1,7})(\s*(of|/)\s*\d{1,4})?$|^[-\u2013\u2014]\s*\d{1,4}\s*[-\u2013\u2014]$",
    re.IGNORECASE,
)
_REFERENCE = re.compile(
    r"^(\[\d{1,3}\]|\d{1,3}\.\s+[A-Z][A-Za-z'\-]+,\s+([A-Z]\.|[A-Z][a-z]+)|[A-Z][A-Za-z'\-]+,\s+[A-Z]\.(\s?[A-Z]\.)*[,;])"
)
_REFERENCE_HEADS = re.compile(
    r"^(references|bibliography|works cited|literature cited|sources)$", re.IGNORECASE
)
_KNOWN = re.compile(
    r"^(abstract|introduction|summary|executive summary|conclusions?|discussion|references|bibliography|"
    r"appendix|appendices|acknowledge?ments?|preface|foreword|glossary|index|background|overview|"
    r"methods?|results|notes|epilogue|prologue|afterword)$",
    re.IGNORECASE,
)
_BULLETS = "\u2022\u25e6\u25aa\u25cf\u25a0\u2013\u2014-*\u00b7\u2023\u2043\u2219\uf0b7"
_PARENTHESIS = re.compile(r"^\([^()]*\)$")
_CONTENTS = re.compile(r"^(table of )?contents$", re.IGNORECASE)
_LETTERS = re.compile(r"[A-Za-z\u00c0-\u024f]")
_DIGITS = re.compile(r"\d")
_SHAPE_DIGITS = re.compile(r"\d+")


@dataclass
class LayoutResult:
    candidates: list[Candidate]  # in reading order, not yet levelled (see `choose`)
    body_size: float
    pages_read: int
    warnings: list[str]
    rejected: Counter[str]  # why lines that looked like headings were not taken


@dataclass(frozen=True)
class _Body:
    """What a document's body text looks like, and its running headers and footers."""

    size: float
    bold: bool
    gap: float  # the usual distance between two body lines, top to top
    running: frozenset[str]  # shapes of running headers and footers
    letterhead: frozenset[tuple[str, int]]  # (text, size) opening three pages or more


def _shape(text: str) -> str:
    return _SHAPE_DIGITS.sub("#", " ".join(text.lower().split()))


def _running_shapes(pages: list[PageLines], body: float) -> set[str]:
    """Lines in the header or footer band that repeat (digits aside) on many pages.

    A numbered heading that happens to open many pages repeats its shape too ("# chapter #"), but
    not its text, and it is set larger than the body: such lines are not running heads.
    """
    shapes: Counter[str] = Counter()
    texts: Counter[str] = Counter()
    small: set[str] = set()
    for page in pages:
        band = [
            line
            for line in page.lines
            if line.top < page.height * MARGIN or line.bottom > page.height * (1 - MARGIN)
        ]
        shapes.update({_shape(line.text) for line in band})
        texts.update({" ".join(line.text.lower().split()) for line in band})
        small.update(_shape(line.text) for line in band if line.size <= body * 1.05)
    need = max(2, min(len(pages) // 5, 8)) if len(pages) >= 3 else len(pages) + 1
    repeated = {_shape(text) for text, n in texts.items() if n >= need}
    return {shape for shape, n in shapes.items() if n >= need and (shape in small or shape in repeated)}


def _norm(text: str) -> str:
    return " ".join(text.lower().split())


def _letterheads(pages: list[PageLines], running: frozenset[str]) -> frozenset[tuple[str, int]]:
    """(text, size) of lines among the two topmost of three pages or more, running heads aside: a
    company's name over each of its statements, a form's letterhead."""
    seen: Counter[tuple[str, int]] = Counter()
    for page in pages:
        highest = heapq.nsmallest(4, page.lines, key=lambda line: line.top)
        tops = [line for line in highest if _shape(line.text) not in running][:2]
        seen.update({(_norm(line.text), round(line.size)) for line in tops})
    return frozenset(text for text, n in seen.items() if n >= 3)


def _body_size(pages: list[PageLines]) -> tuple[float, bool]:
    """The font size (and boldness) that carries most characters."""
    sizes: Counter[float] = Counter()
    bold: Counter[bool] = Counter()
    for page in pages:
        for line in page.lines:
            if line.size > 0.5:
                sizes[round(line.size * 2) / 2] += len(line.text)
                bold[line.bold] += len(line.text)
    if not sizes:
        return 0.0, False
    return sizes.most_common(1)[0][0], bold.most_common(1)[0][0]


def _line_gap(pages: list[PageLines], body: float) -> float:
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


def _reject(line: TextLine, text: str, page: PageLines, running: frozenset[str]) -> str:
    """Why `line` cannot be a heading, or "" when it can."""
    if _shape(text) in running:
        return "running header or footer"
    if _FOLIO.match(text.strip()):
        return "page number"
    if not line.upright:
        return "rotated text"
    if text[:1] in _BULLETS:
        return "list item"
    letters = len(_LETTERS.findall(text))
    if letters < 2:
        return "no words"
    if len(_DIGITS.findall(text)) > letters:
        return "table cell or figures"
    if sum(text.count(ch) for ch in "=+<>\u2211\u222b\u00b1\u00d7^") >= 2:
        return "equation"
    if _CAPTION.match(text) or _CAPTION_BARE.match(text):
        return "caption"
    if _PARENTHESIS.match(text):
        return "note in parentheses"
    if _CONTENTS.match(text.strip(" .:")):
        return "contents heading"
    if _REFERENCE.match(text):
        return "reference entry"
    if len(text) > MAX_TITLE_CHARS or len(text.split()) > MAX_TITLE_WORDS:
        return "too long"
    return ""


def _same_row(line: TextLine, others: list[TextLine]) -> int:
    """How many other segments share this line's row (a table row has several)."""
    return sum(1 for o in others if o is not line and abs(o.top - line.top) < 2 and o.x0 != line.x0)


def _score(line: TextLine, text: str, body: _Body, gap_above: float, gap_below: float) -> float:
    """How much a line looks like a heading, 0..1."""
    usual = body.gap
    numbered = numbering(text)
    size_ratio = line.size / body.size if body.size else 1.0
    letters = _LETTERS.findall(text)
    caps = len(letters) >= 3 and all(ch.isupper() for ch in letters)
    final_stop = text.rstrip().endswith((".", ",", ";")) and not re.fullmatch(r"[\dIVXLCivxlc.]+\.?", text)
    words = len(text.split())
    space_above = gap_above > usual * 1.35
    standalone = space_above and gap_below > usual * 1.2
    score = 0.0
    if size_ratio >= 1.5:
        score += 0.75
    elif size_ratio >= 1.15:
        score += 0.55
    elif size_ratio < 0.92:
        score -= 0.5
    if line.bold and not body.bold:
        score += 0.4
    if caps:
        score += 0.25
    if numbered:
        score += 0.3 if numbered.kind in ("decimal", "keyword") else 0.2
    if space_above:
        score += 0.15
    if standalone:
        score += 0.1
    if final_stop:
        score -= 0.45
    if words > 14:
        score -= 0.2
    if not (text[:1].isupper() or text[:1].isdigit() or text[:1] in "(\u00a7"):
        score -= 0.4
    if size_ratio < 1.15 and not line.bold and not caps and not (numbered and space_above):
        score = min(score, 0.3)  # body text that only happens to be short
    return max(0.0, min(1.0, score))


def _overlaps(a: TextLine, b: TextLine) -> bool:
    """Two lines in the same column: their horizontal extents overlap."""
    return a.x0 < b.x1 and b.x0 < a.x1


def _below(lines: list[TextLine], i: int, limit: float) -> int | None:
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


def _above(lines: list[TextLine], i: int) -> TextLine | None:
    line = lines[i]
    best: TextLine | None = None
    for j in range(max(0, i - 8), i):
        other = lines[j]
        if other.top < line.top and _overlaps(line, other) and (best is None or other.top > best.top):
            best = other
    return best


_ABBREVIATION = re.compile(r"(^|\s)([A-Z][a-z]{0,3}|[A-Z]{2,4})\.$")  # "Inc.", "Co.", "LTD." end no sentence
_LABEL_ONLY = re.compile(
    r"^((part|chapter|section|appendix|annex|article|book|lecture|unit)\s+([\dIVXLC]{1,6}|[A-Z])|"
    r"[\dIVXL]{1,4}(\.\d{1,2}){0,3})[.:]?$",
    re.IGNORECASE,
)


def _caps(text: str) -> bool:
    letters = _LETTERS.findall(text)
    return len(letters) >= 3 and all(ch.isupper() for ch in letters)


def _distinct(line: TextLine, body: _Body) -> bool:
    """Set apart from the body text by size, weight or capitals."""
    return line.size >= body.size * 1.1 or (line.bold and not body.bold) or _caps(line.text)


def _joins(prev: TextLine, nxt: TextLine, text: str, body: _Body) -> bool:
    """Whether `nxt` goes on the heading whose lines so far read `text` and end with `prev`."""
    label = _LABEL_ONLY.match(text.strip())
    if nxt.bold_prefix or (numbering(nxt.text) and not label) or _shape(nxt.text) in body.running:
        return False
    if _PARENTHESIS.match(nxt.text):
        return False  # "(In millions)" under a table's title: a note on its figures
    if text.endswith(".") and not (label or _ABBREVIATION.search(text)):
        return False  # a sentence ended
    same = abs(nxt.size - prev.size) < 0.3 and nxt.bold == prev.bold and nxt.font == prev.font
    if not _distinct(nxt, body) or not _distinct(prev, body):
        # in the body's own style only a wrapped line of the same style and case, no longer
        return (
            same
            and not text.endswith(":")
            and prev.text.isupper() == nxt.text.isupper()
            and len(nxt.text) <= len(prev.text) + 10
        )
    if label or same:
        return True  # a title wrapped in one style; "Chapter 2" over its title, in whatever size
    # both set apart, about one size (a name over a statement's title, a title over two lines),
    # and closely set; a smaller line under a title is a subtitle, a larger one a new heading
    close = nxt.top - prev.bottom <= 0.5 * max(prev.size, nxt.size, 1.0)
    return close and prev.size - 0.3 <= nxt.size <= prev.size * 1.15


def _merged(lines: list[TextLine], i: int, body: _Body) -> tuple[str, list[int]]:
    """A heading set over up to three lines (a wrapped title; a name over a title; a label over
    its title): (title, indexes of the lines used). The title is all the lines, in order."""
    text = lines[i].text
    used = [i]
    while len(used) < 3:
        prev = lines[used[-1]]
        j = _below(lines, used[-1], max(body.gap, prev.size) * 1.6)
        if j is None or not _joins(prev, lines[j], text, body):
            break
        nxt = lines[j]
        if len(text) + len(nxt.text) > MAX_TITLE_CHARS:
            break
        if len(used) == 1 and (_norm(text), round(prev.size)) in body.letterhead:
            text, used = nxt.text, [j]  # the letterhead over a title is no part of it
            continue
        if _LABEL_ONLY.match(text.strip()) and nxt.text.startswith(text.strip()):
            text = nxt.text  # a large chapter number over a title that repeats it
        else:
            text = f"{text[:-1]}{nxt.text}" if text.endswith("-") else f"{text} {nxt.text}"
        used.append(j)
    return text, used


def _lead(lines: list[TextLine], used: list[int]) -> TextLine:
    """The most prominent line of a heading (largest, then bold): its style is the heading's."""
    return max((lines[k] for k in used), key=lambda line: (round(line.size, 1), line.bold))


def _is_cover(page: PageLines, body: float) -> bool:
    """A title page: hardly any body text."""
    body_lines = sum(1 for line in page.lines if abs(line.size - body) < 0.6 and len(line.text) > 40)
    return page.page <= 2 and body_lines < 3


def _page_candidates(
    page: PageLines, body: _Body, rejected: Counter[str]
) -> list[tuple[float, TextLine, str, str]]:
    lines = page.lines
    out = []
    taken: set[int] = set()
    for i, line in enumerate(lines):
        if i in taken:
            continue
        if line.bold_prefix and len(_LETTERS.findall(line.bold_prefix)) >= 3 and not body.bold:
            run_in = line.bold_prefix.rstrip(".:\u2014\u2013- ")
            if not _reject(line, run_in, page, body.running) and len(run_in.split()) <= 8:
                score = 0.35 + (0.2 if numbering(run_in) else 0.0)
                out.append((score, line, run_in, line.text[len(line.bold_prefix) :].strip()[:120]))
            continue
        if (
            line.size < body.size * 1.1
            and not line.bold
            and not numbering(line.text)
            and not line.text.isupper()
        ):
            continue  # body text: not worth the look-ups below
        if _shape(line.text) in body.running:
            if line.size > body.size * 1.1 or line.bold:
                rejected["running header or footer"] += 1
            continue
        text, used = _merged(lines, i, body)
        first = lines[used[0]]
        why = _reject(first, text, page, body.running)
        if why:
            if first.size > body.size * 1.1 or first.bold:
                rejected[why] += 1
            continue
        if _same_row(first, lines) >= 2:
            rejected["table row"] += 1
            continue
        taken.update(used)
        prev = _above(lines, used[0])
        nxt = _below(lines, used[-1], body.gap * 6)
        gap_above = first.top - prev.top if prev else body.gap * 3
        gap_below = lines[nxt].top - lines[used[-1]].top if nxt is not None else body.gap * 3
        lead = _lead(lines, used)
        score = _score(lead, text, body, gap_above, gap_below)
        if score >= 0.2:
            out.append((score, lead, text, lines[nxt].text[:120] if nxt is not None else ""))
    return out


def _out_of_sequence(found: list[tuple[float, int, TextLine, str, str]]) -> set[int]:
    """Indexes of top-level decimal headings whose number does not follow the one before ("17 CFR")."""
    out: set[int] = set()
    last = 0
    for i, (score, _p, _l, text, _c) in enumerate(found):
        n = numbering(text)
        if not n or n.kind != "decimal" or n.depth != 1 or score < ASK:
            continue
        value = int(n.label)
        if value in (1, last, last + 1):
            last = value
        else:
            out.add(i)
    return out


def _calibrate(
    found: list[tuple[float, int, TextLine, str, str]],
) -> list[tuple[float, int, TextLine, str, str]]:
    """Where sections are numbered, an unnumbered line in a numbered heading's style is less likely
    one, and so is a number out of sequence."""
    numbered = [line for score, _p, line, text, _c in found if score >= SURE and numbering(text)]
    if len(numbered) < 3:
        return found
    styles = {(round(line.size), line.bold) for line in numbered}
    stray = _out_of_sequence(found)
    out = []
    for i, (score, page, line, text, context) in enumerate(found):
        plain = not numbering(text) and not _KNOWN.match(text.strip(" .:"))
        if plain and (round(line.size), line.bold) in styles:
            score = round(score * 0.6, 2)
        if i in stray:
            score = round(score - 0.3, 2)
        out.append((score, page, line, text, context))
    return out


def find_headings(pages: list[PageLines], skip: set[int] | frozenset[int] = frozenset()) -> LayoutResult:
    """Heading candidates of a document, levelled, in reading order."""
    warnings: list[str] = []
    no_fonts = [p.page for p in pages if not p.fonts_known]
    if no_fonts:
        warnings.append(
            f"{len(no_fonts)} pages carry no font information (first: page {no_fonts[0]}); "
            "their headings were judged by numbering and spacing only"
        )
    size, bold = _body_size(pages)
    running = frozenset(_running_shapes(pages, size))
    body = _Body(size, bold, _line_gap(pages, size), running, _letterheads(pages, running))
    rejected: Counter[str] = Counter()
    found: list[tuple[float, int, TextLine, str, str]] = []
    in_references = False
    for page in pages:
        if page.page in skip or _is_cover(page, body.size):
            continue
        for score, line, text, context in _page_candidates(page, body, rejected):
            if _REFERENCE_HEADS.match(text.strip(" .:")):
                in_references = True
            elif in_references and line.size <= body.size * 1.05 and not numbering(text):
                rejected["reference entry"] += 1
                continue
            elif score >= SURE:
                in_references = False
            found.append((score, page.page, line, text, context))
    candidates = [
        Candidate(
            " ".join(text.split()),
            page,
            0,
            round(score, 2),
            line.size,
            line.bold,
            "",
            context,
            italic=line.italic,
            underlined=line.underlined,
            mono=line.mono,
        )
        for score, page, line, text, context in _calibrate(found)
    ]
    return LayoutResult(candidates, body.size, len(pages), warnings, rejected)


def choose(candidates: list[Candidate], accepted: set[int] | None = None) -> list[Candidate]:
    """The headings to build the tree from, levelled.

    Sure candidates always; of the unsure ones, those whose index is in `accepted` (the model's
    yes), or without a model's answer those of at least KEEP confidence.
    """
    chosen = [
        c
        for i, c in enumerate(candidates)
        if c.sure or (i in accepted if accepted is not None else c.confidence >= KEEP)
    ]
    return assign_levels(chosen)


def unsure(candidates: list[Candidate]) -> list[int]:
    """Indexes of the candidates worth asking the model about."""
    return [i for i, c in enumerate(candidates) if ASK <= c.confidence < SURE]
