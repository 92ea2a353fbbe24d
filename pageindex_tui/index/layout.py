"""Headings from the page layout: typography, numbering and position, with no model.

A line is a heading candidate when it stands apart from the body text (larger, bold, capitals,
space above, short, no final full stop, numbered like a section). The lines of one heading are
joined first (`layout_join.py`); running headers and footers, page numbers, captions, code,
table cells, equations, reference-list entries, lines with dot leaders and lines that read on past
a sentence's end are rejected (`layout_rejects.py`).
Levels come from numbering depth, then from font rank (`layout_levels.py`).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, replace

from ..document.lines import PageLines, TextLine
from .heading import SURE, Candidate
from .layout_join import (
    LABEL_ONLY,
    Body,
    above,
    below,
    body_style,
    in_row,
    lead,
    lead_words,
    line_gap,
    merged,
    plain,
    row_label,
    title_of,
    wrapped_plain,
)
from .layout_levels import assign_levels, numbering
from .layout_rejects import (
    KNOWN,
    LETTERS,
    ROW_TOLERANCE,
    Grid,
    caps,
    caption,
    continued,
    dash_run_in,
    figures_beside,
    garbled,
    opens_exhibit,
    reject,
    running_text,
    same_row,
    sentence_case,
    shape,
    table_caption,
    unit_note,
)
from .layout_running import letterheads, near_repeats, running_shapes, styled

__all__ = ["KEEP", "SURE", "Candidate", "LayoutResult", "choose", "find_headings", "unsure"]

KEEP = 0.45  # confidence from which an unsure candidate is kept when no model is asked
ASK = 0.3  # unsure candidates from this confidence up are put to the model, when there is one
SMALL = 0.85  # of the body size: a line set smaller is no heading the rules take alone
DASH_RUN_IN = 0.35  # a run-in heading set off by a dash: the model's to decide, numbered or not

_REFERENCE_HEADS = re.compile(r"^(references|bibliography|works cited|literature cited|sources)$", re.I)


@dataclass
class LayoutResult:
    candidates: list[Candidate]  # in reading order, not yet levelled (see `choose`)
    body_size: float
    pages_read: int
    warnings: list[str]
    rejected: Counter[str]  # why lines that looked like headings were not taken


def _same_row(line: TextLine, others: list[TextLine]) -> int:
    """How many other segments share this line's row (a table row has several)."""
    return sum(1 for o in others if o is not line and same_row(o, line) and o.x0 != line.x0)


def _score(line: TextLine, text: str, body: Body, gap_above: float, gap_below: float) -> float:
    """How much a line looks like a heading, 0..1."""
    usual = body.gap
    numbered = numbering(text)
    size_ratio = line.size / body.size if body.size and line.size_trusted else 1.0  # nominal: no say
    cap = caps(text)  # set in capitals
    # a stop ends a sentence; a colon leads in to a list or a table ("Use a TABLE to:")
    final_stop = text.rstrip().endswith((".", ",", ";", ":")) and not re.fullmatch(
        r"[\dIVXLCivxlc.]+\.?", text
    )
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
    emphasis = _emphasis(line, body, standalone and words <= 8)
    score += emphasis
    if cap:
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
    section_number = numbered and numbered.kind != "paren"  # "(a)", "(4)" number list items, panels
    if (
        size_ratio < 1.15
        and not line.bold
        and not cap
        and not emphasis
        and not (section_number and space_above)
    ):
        score = min(score, 0.3)  # body text that only happens to be short
    if final_stop and not numbered and sentence_case(text):
        score = min(score, ASK)  # a sentence in the heading's style: only the model may take it
    if size_ratio < SMALL:
        score = min(score, ASK)  # set smaller than the text: a figure's label, a table's head
    return max(0.0, min(1.0, score))


def _emphasis(line: TextLine, body: Body, alone: bool) -> float:
    """What a line's emphasis other than size and weight adds: underlined as much as bold; a colour
    not the body's only on a short line standing alone (in a sentence it marks a link). Italics
    alone add nothing: on the dev half they took more sub-headings that the outlines leave out
    (and captions, quotes) than headings they list; an italic run-in heading is a candidate
    the model decides (see `_run_in`)."""
    score = 0.4 if line.underlined else 0.0
    if alone and line.color >= 0 and body.color >= 0 and line.color != body.color:
        score += 0.3
    return score


_APPENDIX = re.compile(r"^([A-Z])\s+[A-Z]")
_APPENDIX_CHILD = re.compile(r"^[A-Z]\.\d")


BACK_COVER_LINES = 8  # a last page of no more lines and no body text is a back cover


def _is_cover(page: PageLines, body: float, last: int) -> bool:
    """A title page: hardly any body text; or a back cover: the last page, a few lines (a title, an
    address) and no body text at all."""
    body_lines = sum(1 for line in page.lines if abs(line.size - body) < 0.6 and len(line.text) > 40)
    back = page.page == last and body_lines == 0 and len(page.lines) <= BACK_COVER_LINES
    return (page.page <= 2 and body_lines < 3) or back


@dataclass
class _Found:
    """A heading candidate while the document is read."""

    score: float
    page: int
    line: TextLine  # its most prominent line: the heading's style
    text: str
    context: str  # the line after it
    lines: int = 1  # printed lines joined into the title
    grid: bool = False  # set among a table's figures
    exhibit: bool = False  # the label that opens an exhibit's first page (`opens_exhibit`)


def _run_in(line: TextLine, prefix: str, page: PageLines, body: Body) -> _Found | None:
    """A run-in heading: the bold (or italic) words `prefix` that open a line of body text. Unsure: on the
    dev half, taking the likeliest of them (short, title-like, ended by a full stop, opening a
    paragraph) without a model found no listed heading and added 80 that are not, so the model
    decides them (or, without one, they are left out)."""
    run_in = prefix.rstrip(".:\u2014\u2013- ")
    if reject(line, run_in, body.running, body.mono) or len(run_in.split()) > 8:
        return None
    score = 0.35 + (0.2 if numbering(run_in) else 0.0)
    style = replace(line, bold=prefix == line.bold_prefix, italic=prefix != line.bold_prefix)  # the words'
    return _Found(score, page.page, style, run_in, line.text[len(prefix) :].strip()[:120])


def _under_table_caption(line: TextLine, column: TextLine | None, lines: list[TextLine], body: Body) -> bool:
    """Whether the row just above the line, or the line above it in its column, within three lines'
    distance, is a table's caption."""
    higher = [o for o in lines if o.top < line.top - ROW_TOLERANCE]
    near = [o for o in (max(higher, key=lambda o: o.top, default=None), column) if o is not None]
    return any(line.top - o.top <= body.gap * 3 and table_caption(o.text) for o in near)


def _page_candidates(page: PageLines, body: Body, rejected: Counter[str]) -> list[_Found]:
    lines = page.lines
    out: list[_Found] = []
    taken: set[int] = set()
    grid: Grid | None = None
    for i, line in enumerate(lines):
        if i in taken:
            continue
        if opens_exhibit(line, lines):  # sure (the model is not asked): a filed document's label
            out.insert(0, _Found(SURE, page.page, line, line.text.strip(), "", exhibit=True))
            continue
        prefix = line.bold_prefix if not body.bold else ""  # bold words where the body is not bold,
        prefix = prefix or (line.italic_prefix if not body.italic else "")  # else italic ones
        note = prefix and line.text[len(prefix) :].lstrip().startswith("(") and not continued(line.text)
        if note:  # "DC CHARACTERISTICS (Over Operating Conditions)": a heading and its note, no run-in
            lines = [*lines[:i], lead_words(line, prefix), *lines[i + 1 :]]
            line, prefix = lines[i], ""
        if prefix and len(LETTERS.findall(prefix)) >= 3:
            found = _run_in(line, prefix, page, body)
            if found is not None:
                out.append(found)
            continue
        head = dash_run_in(line.text)
        if head and line.text.startswith(head):  # "Leases \u2014 The Company recognizes ..."
            found = _run_in(line, line.text[: len(head)], page, body)
            if found is not None:
                out.append(replace(found, line=line, score=min(found.score, DASH_RUN_IN)))
            continue
        if (
            line.size < body.size * 1.1
            and not line.bold
            and not numbering(line.text)
            and not line.text.isupper()
            and not LABEL_ONLY.match(line.text)
            and not line.underlined
            and line.italic == body.italic
            and line.color in (body.color, -1)
        ):
            continue  # body text: not worth the look-ups below
        if shape(line.text) in body.running or styled(line, body.pages) in body.edge_running:
            if line.size > body.size * 1.1 or line.bold:
                rejected["running header or footer"] += 1
            continue
        text, used = merged(lines, i, body)
        first, last = lines[used[0]], lines[used[-1]]
        style = lead(lines, used)
        why = reject(first, text, body.running, body.mono) or (
            "running text" if running_text(first.text) else ""
        )
        why = why or ("garbled text" if garbled(text, style.size, body.size) else "")
        if why:
            if first.size > body.size * 1.1 or first.bold:
                rejected[why] += 1
            if why == "too long":
                taken.update(used)  # a paragraph in a heading's style: none of its lines opens one
            continue
        row = _same_row(first, lines) >= 2 or (plain(first, body) and figures_beside(first, lines))
        why = "table row" if row else in_row(first, text, lines)
        wrapped = body.precise and len(used) > 1 and wrapped_plain(style, body)
        why = why or ("wrapped body text" if wrapped else "")
        label = row_label(first, lines)
        if label and not numbering(text):
            text = f"{label} {text}"  # "2.1.3" at a tab stop before its title
        if why:
            rejected[why] += 1
            continue
        taken.update(used)
        prev = above(lines, used[0])
        nxt = below(lines, used[-1], body.gap * 6)
        gap_above = first.top - prev.top if prev else body.gap * 3
        gap_below = lines[nxt].top - last.top if nxt is not None else body.gap * 3
        score = _score(style, text, body, gap_above, gap_below)
        if body.precise and _under_table_caption(first, prev, lines, body) and not numbering(text):
            rejected["table cell"] += 1  # the head row just under a table's caption
            score = min(score, ASK)
        if score < 0.2:
            continue
        grid = grid or Grid(lines, body.gap, body.size, body.precise)
        cells = grid.cells(first, last)
        if cells:
            rejected["table cell"] += 1
            score = min(score, ASK)  # only the model may still take it
        context = lines[nxt].text[:120] if nxt is not None else ""
        if body.precise and unit_note(context) and not caps(text) and not numbering(text):
            rejected["table or chart title"] += 1  # "Investing Cash Flows" over "(in millions)"
            score = min(score, ASK)
        under = not context or caption(context)  # nothing under it, or a figure's caption
        if score < SURE and plain(style, body) and not numbering(text) and under:
            rejected["figure label"] += 1  # set as the body is: a drawing's words
            continue
        out.append(_Found(score, page.page, style, text, context, len(used), cells))
    return out


def _out_of_sequence(found: list[_Found]) -> set[int]:
    """Indexes of top-level decimal headings whose number does not follow the one before ("17 CFR")."""
    out: set[int] = set()
    last = 0
    for i, f in enumerate(found):
        n = numbering(f.text)
        if not n or n.kind != "decimal" or n.depth != 1 or f.score < ASK:
            continue
        value = int(n.label)
        if value in (1, last, last + 1):
            last = value
        else:
            out.add(i)
    return out


def _calibrate(found: list[_Found]) -> list[_Found]:
    """Where sections are numbered, an unnumbered line in a numbered heading's style is less likely
    one, and so is a number out of sequence."""
    numbered = [f.line for f in found if f.score >= SURE and numbering(f.text)]
    if len(numbered) < 3:
        return found
    styles = {(round(line.size), line.bold) for line in numbered}
    stray = _out_of_sequence(found)
    appendices = {f.text[0] for f in found if _APPENDIX_CHILD.match(f.text)}
    for i, f in enumerate(found):
        parent = _APPENDIX.match(f.text)  # "A Dataset Construction" over "A.1 Person Selection"
        if parent and chr(ord(parent.group(1)) - 1) in appendices:  # "D Prompts" after "C ...": the
            appendices.add(parent.group(1))  # next appendix of the series, with sections or without
        plain = not numbering(f.text) and not KNOWN.match(f.text.strip(" .:")) and not f.exhibit
        plain = plain and not (parent and parent.group(1) in appendices)
        if plain and (round(f.line.size), f.line.bold) in styles:
            f.score = round(f.score * 0.6, 2)
        if i in stray:
            f.score = round(f.score - 0.3, 2)
    return found


def _document_title(found: list[_Found]) -> bool:
    """Whether the first heading is the document's title: on page 1 (not a cover), set larger than
    any other line taken, neither numbered nor a known section's name ("Abstract"). It names the
    whole document (the tree is the document), not a section of it; the outlines of papers and
    reports on the dev half never listed it."""
    first, rest = (found[0], found[1:]) if found else (None, [])
    if first is None or first.page != 1 or first.score < SURE or len(rest) < 3:
        return False
    plain = not numbering(first.text) and not KNOWN.match(first.text.strip(" .:"))
    return plain and first.line.size > max(f.line.size for f in rest) + 0.5 and not _one_chapter(rest)


def _one_chapter(found: list[_Found]) -> bool:
    """The sections all number under one chapter ("5.1", "5.2", "5.2.1"): the pages are a chapter
    saved alone, and the heading over them is the chapter's title, not the document's."""
    numbers = [n for f in found if (n := numbering(f.text)) is not None and n.kind == "decimal"]
    return (
        len(numbers) >= 3
        and min(n.depth for n in numbers) >= 2
        and len({n.label.split(".")[0] for n in numbers}) == 1
    )


def find_headings(
    pages: list[PageLines],
    skip: set[int] | frozenset[int] = frozenset(),
    whole: bool = True,
    precise: bool = True,
) -> LayoutResult:
    """Heading candidates of a document, levelled, in reading order. `whole`: the pages are the
    whole document (not a section's), so its last page may be a back cover and its first heading
    the document's title. `precise`: with the rules added for precision (`Body.precise`; False
    under an outline, whose trees stay as they were)."""
    warnings: list[str] = []
    no_fonts = [p.page for p in pages if not p.fonts_known]
    if no_fonts:
        warnings.append(
            f"{len(no_fonts)} pages carry no font information (first: page {no_fonts[0]}); "
            "their headings were judged by numbering and spacing only"
        )
    style = body_style(pages)
    size = style.size
    running = frozenset(running_shapes(pages, size))
    gap = line_gap(pages, size)
    last = max((p.page for p in pages), default=0)
    heads, near = letterheads(pages, running), near_repeats(pages, last)
    face = (style.bold, style.italic, style.mono, style.color)
    body = Body(size, *face, gap, running, heads, near, last, precise)
    whole = whole and precise
    rejected: Counter[str] = Counter()
    found: list[_Found] = []
    in_references = False
    for page in pages:
        if page.page in skip or _is_cover(page, body.size, last if whole else -1):
            continue
        for f in _page_candidates(page, body, rejected):
            if _REFERENCE_HEADS.match(f.text.strip(" .:")):
                in_references = True
            elif in_references and f.line.size <= body.size * 1.05 and not numbering(f.text):
                rejected["reference entry"] += 1
                continue
            elif f.score >= SURE:
                in_references = False
            found.append(f)
    if whole and _document_title(found):
        rejected["document title"] += 1
        found = found[1:]
    candidates = [
        Candidate(
            title_of(f.text),
            f.page,
            0,
            round(f.score, 2),
            f.line.size,
            f.line.bold,
            "",
            f.context,
            italic=f.line.italic,
            underlined=f.line.underlined,
            mono=f.line.mono,
            lines=f.lines,
            grid=f.grid,
            exhibit=f.exhibit,
        )
        for f in _calibrate(found)
    ]
    return LayoutResult(candidates, body.size, len(pages), warnings, rejected)


def choose(
    candidates: list[Candidate], accepted: set[int] | None = None, series: bool = True
) -> list[Candidate]:
    """The headings to build the tree from, levelled (`series`: see `assign_levels`).

    Sure candidates always; of the unsure ones, those whose index is in `accepted` (the model's
    yes), or without a model's answer those of at least KEEP confidence.
    """
    chosen = [
        c
        for i, c in enumerate(candidates)
        if c.sure or (i in accepted if accepted is not None else c.confidence >= KEEP)
    ]
    return assign_levels(chosen, series)


def unsure(candidates: list[Candidate]) -> list[int]:
    """Indexes of the candidates worth asking the model about."""
    return [i for i, c in enumerate(candidates) if ASK <= c.confidence < SURE]
