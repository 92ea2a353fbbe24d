"""The layout stage in a run: headings from typography, the model asked only about the unsure ones.

Also the two other uses of the layout: sections grafted under a coarse outline, and the
sub-headings a large node is split at before the model is asked to find any.
"""

from __future__ import annotations

import asyncio
import itertools
import math
import re
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING

from ..errors import ContextOverflow, LLMError
from ..llm.replies import ask_json
from . import prompts
from .context import RunContext
from .heading import Candidate
from .layout import KEEP, LayoutResult, choose, find_headings, unsure
from .layout_guard import Verdicts, judge, line_for_model, open_to_model
from .layout_levels import Numbering, numbering
from .locate import normalize, restates
from .shapes import CHECK_LINES, HeadingsCheck
from .split import Subheadings
from .tables import sections_only
from .toc import TocEntry
from .tree import Entry, Node

if TYPE_CHECKING:
    from ..document.lines import PageLines
    from ..document.pdf import PdfDocument
    from ..llm.client import LLMClient

Pages = set[int] | frozenset[int]
BATCH = CHECK_LINES  # unsure candidates put to the model in one call
REPLY_TOKENS_PER_LINE = 24  # a heading check's reply: a number, or a number and a reason, per line
COARSE_PAGES = 2  # an outline of top-level entries only, this many pages per entry or more, is coarse


def _entries(headings: list[Candidate]) -> list[Entry]:
    return [h.entry(h.level) for h in headings]


async def read_layout(
    ctx: RunContext, doc: PdfDocument, skip: Pages = frozenset(), precise: bool = True
) -> LayoutResult | None:
    """Candidates of the whole document; None where the document has no layout (pdfium failed).
    `precise`: False under an outline (`find_headings`)."""
    pages = await asyncio.to_thread(doc.layout)
    if not pages:
        return None
    result = await asyncio.to_thread(find_headings, pages, skip, True, precise)
    for warning in result.warnings:
        ctx.warn(warning, "document")
    ctx.facts.layout_candidates = len(result.candidates)
    ctx.facts.layout_rejected = dict(result.rejected)
    return result


async def _ask_batch(
    ctx: RunContext, llm: LLMClient, result: LayoutResult, batch: list[int]
) -> Verdicts | None:
    candidates = result.candidates
    text = "\n".join(line_for_model(k, candidates[i], result.body_size) for k, i in enumerate(batch, 1))
    first, last = candidates[batch[0]].page, candidates[batch[-1]].page
    try:
        reply = await ask_json(
            llm,
            prompts.check_headings(text),
            doc=ctx.doc_id,
            purpose=f"check headings p{first}-{last}",
            shape=HeadingsCheck,
            context={"lines": len(batch)},
            max_tokens=None if ctx.settings.thinks("structure") else REPLY_TOKENS_PER_LINE * len(batch) + 64,
        )
    except (ContextOverflow, LLMError):
        return None
    return Verdicts.from_reply(reply, batch) if reply is not None else None


async def confirm_unsure(ctx: RunContext, result: LayoutResult, use_model: bool = True) -> list[Candidate]:
    """The layout's headings, levelled; unsure ones decided by the model where one answers, within
    the bounds `layout_guard` sets (the tree is never worse than the rules' own).

    Without a model (none reachable, or `use_model` False) the rules decide and a warning says so;
    a batch whose reply is unusable is decided by the rules too.
    """
    asked = unsure(result.candidates)
    ctx.facts.layout_unsure = len(asked)
    shown = open_to_model(result.candidates, asked)  # the others' fate is the rules', whatever it says
    if not shown:
        return choose(result.candidates)
    llm = None
    if use_model:
        try:
            llm = await ctx.get_llm()
        except LLMError as err:
            ctx.warn(
                f"no model server ({err.message}): the layout tree stands on the rules alone, "
                f"{len(shown)} unsure headings decided without the model",
                "fallback",
            )
    if llm is None:
        return choose(result.candidates)
    size = math.ceil(len(shown) / math.ceil(len(shown) / BATCH))  # even batches: never one of a line or two
    batches = [shown[i : i + size] for i in range(0, len(shown), size)]
    replies = await asyncio.gather(*(_ask_batch(ctx, llm, result, b) for b in batches))
    failed = sum(reply is None for reply in replies)
    if failed:
        message = f"{failed} of {len(batches)} heading checks got no usable reply; the rules decided those"
        ctx.warn(message, "fallback")
    verdict = judge(result.candidates, asked, replies, shown)
    if verdict.distrusted:
        reasons = ", ".join(f"{n} {reason}" for reason, n in verdict.reasons.most_common())
        ctx.warn(
            f"the model rejected {verdict.dropped} of the unsure headings the rules keep ({reasons}), too "
            "many to trust: the rules decided them all",
            "fallback",
        )
    if verdict.undiscerning:
        ctx.warn(
            f"the model called nearly all of the {len(shown)} unsure lines it was shown headings; only those "
            "the rules keep were taken",
            "fallback",
        )
    if verdict.refused and not verdict.distrusted:
        ctx.warn(
            f"the model rejected {verdict.refused} headings the rules keep without a reason the rules "
            "could see in them; they were kept",
            "structure",
        )
    ctx.facts.layout_model_lines = len(shown)
    ctx.facts.layout_model_batches = len(batches)
    ctx.facts.layout_model_accepted = len(verdict.confirmed)  # its yes that stood
    candidates = [
        replace(c, decided_by="model") if i in verdict.confirmed else c
        for i, c in enumerate(result.candidates)
    ]
    return choose(candidates, verdict.accepted)


def _listed_key(title: str) -> str:
    """A title as a contents page and a heading both print it: normalised, numbering left off."""
    n = numbering(title)
    return normalize(title[len(n.label) :] if n and title.startswith(n.label) else title).strip()


def confirm_by_contents(candidates: list[Candidate], listed: list[TocEntry]) -> tuple[list[Candidate], int]:
    """Candidates a printed contents page lists are headings, at the level it gives them: the
    contents is the author's own word, where its page numbers could not be used (an excerpt)."""
    levels: dict[str, int] = {}
    for entry in listed:
        levels.setdefault(_listed_key(entry.title), entry.level)
    out, confirmed = [], 0
    for c in candidates:
        level = levels.get(_listed_key(c.title))
        if level is None:
            out.append(c)
        else:
            confirmed += 1
            out.append(replace(c, confidence=1.0, decided_by="contents", listed_level=level))
    return out, confirmed


async def structure_from_layout(
    ctx: RunContext, doc: PdfDocument, skip: Pages = frozenset(), listed: list[TocEntry] | None = None
) -> list[Entry]:
    """The layout's headings as entries; those a printed contents page lists (`listed`) are sure."""
    result = await read_layout(ctx, doc, skip)
    if result is None:
        return []
    if listed:
        result.candidates, ctx.facts.layout_listed = confirm_by_contents(result.candidates, listed)
    return _entries(await confirm_unsure(ctx, result))


def is_coarse(outline: list[Entry], page_count: int) -> bool:
    """Chapters only: top-level entries, several pages each."""
    return bool(outline) and all(e.level == 0 for e in outline) and page_count >= COARSE_PAGES * len(outline)


def _ends(outline: list[Entry], page_count: int) -> list[int]:
    """Where each entry's pages end (exclusive): at the next entry in page order, not in list order.
    A contents whose last lines point back ("Exhibit ... 26" after "Item 16 ... 131") would else
    give its last entry every page from there to the end, and each heading there a second parent."""
    order = sorted(range(len(outline)), key=lambda k: (outline[k].start, k))
    ends = [page_count + 1] * len(outline)
    for k, nxt in itertools.pairwise(order):
        ends[k] = outline[nxt].start
    return ends


def _restates(title: str, entries: list[str]) -> bool:
    """Whether a heading (normalised) is an entry of its page, set over more lines or fewer than the
    contents or outline print it ("Item 5. Market for ... Issuer" where the entry reads on to
    "... Purchases of Equity Securities"): one title starts the other, two words or more."""
    return any(restates(title, entry) for entry in entries)


# a heading's number and label word, which a contents and the page may print apart: "Note 3 - Leases"
# listed, "3. LEASES" printed; "Item 7." and "ITEM 7 -"
_LABELLED = re.compile(
    r"^(?:(?:note|item|section|chapter|part|article)\s+)?(?P<num>\d{1,3}[A-Za-z]?)\s*[.:)\-\u2013\u2014]?\s+(?=\S)",
    re.IGNORECASE,
)


def _relabelled(title: str) -> tuple[str, str] | None:
    """(number, words) of a numbered title (normalised), the label word and punctuation left out."""
    match = _LABELLED.match(title.strip())
    words = normalize(title.strip()[match.end() :]).strip() if match else ""
    return (match.group("num").lower(), words) if match and words else None


def _in_page_words(entries: list[Entry], headings: list[Candidate]) -> list[Entry]:
    """A contents' entries, each titled as its page prints it where a heading there has its number
    and words under another label ("Note 3 - Leases" listed, "3. LEASES" printed): the heading the
    reader sees, and one node for it rather than two."""
    printed = {(h.page, key): h.title for h in headings if (key := _relabelled(h.title)) is not None}
    out = []
    for e in entries:
        key = _relabelled(e.title)
        title = printed.get((e.start, key)) if key is not None else None
        out.append(replace(e, title=title) if title else e)
    return out


def graft(
    outline: list[Entry],
    headings: list[Candidate],
    page_count: int,
    page_lines: Callable[[int], PageLines | None] | None = None,
    printed: bool = False,
) -> tuple[list[Entry], int]:
    """The outline with the layout's headings nested under the entry whose pages hold them; with
    `page_lines`, no table title, stub or column head (`tables.sections_only`). With `printed` (the
    entries are a printed contents' lines, wrapped and cut as the page allowed), a heading that
    restates an entry of its page is that entry (`_restates`); an outline's titles are the author's
    own, and its trees stay as they were. A heading numbered as an entry of its page, in its words, is
    that entry labelled otherwise ("3. LEASES" printed where the contents list "Note 3 - Leases"): the
    entry takes the page's title (`_in_page_words`)."""
    if printed:
        outline = _in_page_words(outline, headings)
    known = {normalize(e.title) for e in outline}
    on_page: dict[int, list[str]] = {}
    numbered: set[tuple[int, tuple[str, str]]] = set()  # (page, (number, words)) of the entries
    for e in outline if printed else []:
        on_page.setdefault(e.start, []).append(normalize(e.title))
        if (key := _relabelled(e.title)) is not None:
            numbered.add((e.start, key))
    ends = _ends(outline, page_count)
    out: list[Entry] = []
    added = 0
    for entry, end in zip(outline, ends, strict=True):
        out.append(entry)
        inside = [
            h
            for h in headings
            if entry.start <= h.page < end
            and normalize(h.title) not in known
            and not _restates(normalize(h.title), on_page.get(h.page, []))
            and (h.page, _relabelled(h.title)) not in numbered
        ]
        if inside and page_lines is not None:
            pages = [lines for p in range(entry.start, end) if (lines := page_lines(p)) is not None]
            inside = sections_only(inside, pages)[0]
        if not inside:
            continue
        top = min(h.level for h in inside)
        out.extend(h.entry(0 if h.exhibit else entry.level + 1 + h.level - top) for h in inside)
        added += len(inside)
    return out, added


MIN_NUMBERED = 3  # decimal-numbered entries a contents needs before numbered sub-sections are looked for


def _decimal(title: str) -> Numbering | None:
    n = numbering(title)
    return n if n and n.kind == "decimal" else None


# a contents entry's section number: the entry is a heading already, so its title may start in lower
# case ("32.1 v2.18.0 (27/10/2021)", "30.5 pycocotools compatibility"), which a line of the layout
# may not (`numbering` asks a capital there, lest "2.5 times the rate" be taken for a section)
_ENTRY_DECIMAL = re.compile(r"^(?P<num>[1-9]\d?(?:\.\d{1,2}){0,4})\.?\s+(?=\S)")


def _entry_decimal(title: str) -> Numbering | None:
    n = _decimal(title)
    match = None if n else _ENTRY_DECIMAL.match(title.strip())
    if match:
        num = match.group("num")
        return Numbering("decimal", num, num.count(".") + 1)
    return n


def numbered_entries(entries: list[Entry]) -> bool:
    """Whether a contents numbers its sections in decimals ("3", "3.1"), enough to go by."""
    return sum(1 for e in entries if _entry_decimal(e.title)) >= MIN_NUMBERED


def _listed_parent(label: str, listed: set[str]) -> str:
    """The deepest listed label a section number falls under ("2.1" for "2.1.3" where "2.1" is
    listed), "" where none is."""
    parts = label.split(".")
    return next((p for k in range(len(parts) - 1, 0, -1) if (p := ".".join(parts[:k])) in listed), "")


def _set_apart(h: Candidate) -> bool:
    """A numbered line the rules would not keep alone, set apart as a sub-section's title is: bold or
    underlined, and no sentence (a standard's numbered requirement in bold, "3.1.8 Limit unsuccessful
    logon attempts.", ends in a full stop; a title does not)."""
    return (h.bold or h.underlined) and not h.title.rstrip().endswith(".")


def deepen(entries: list[Entry], headings: list[Candidate], page_count: int) -> tuple[list[Entry], int]:
    """A printed contents that stops a level short: under each decimal-numbered entry, the layout's
    headings numbered below it ("3.1.1.1" under "3.1.1", "4.4.2" under "4.4") that the contents do
    not list, from its page to the next entry's (that page included: a sub-section may end a page
    the next entry opens), one level deeper per step of numbering. Nothing else is taken: what is not
    numbered under an entry, the authors may have chosen not to list. `headings` may be all the
    layout's candidates: a number that goes on from a listed entry's is evidence enough where its
    line is set apart (bold or underlined) though the rules alone would not keep it (a bold
    "4.5.2.1 Example 1: ..." a point smaller than the text, and long), and whatever follows the
    number, as in a contents' entry ("7.2.1 1. Define a new neck", "3.2.1 pycocotools"). After an
    entry or a section taken, the headings the rules are sure of numbered as a series from 1
    ("1. Define a new backbone", "2. Import the module") are its steps, one level below it."""
    listed = {n.label for e in entries if (n := _entry_decimal(e.title))}
    titles = {normalize(e.title) for e in entries}
    ends = _ends(entries, page_count)
    used: set[int] = set()
    out: list[Entry] = []
    for entry, end in zip(entries, ends, strict=True):
        out.append(entry)
        parent = _entry_decimal(entry.title)
        if parent is None:
            continue
        level, step = entry.level, 1  # of the last section taken; the step a series goes on with
        for i, h in enumerate(headings):
            n = _entry_decimal(h.title)  # "7.2.1 1. Define a new neck": the number goes on from "7.2"
            if n is None or i in used or not (h.confidence >= KEEP or _set_apart(h)):
                continue
            if (
                entry.start <= h.page <= end
                and n.label not in listed
                and _listed_parent(n.label, listed) == parent.label
            ):
                used.add(i)
                level, step = entry.level + n.depth - parent.depth, 1
                out.append(h.entry(level))
            elif (
                h.sure
                and n.depth == 1
                and n.label == str(step)
                and (entry.start <= h.page < end or (h.page == end and step > 1))  # a series goes on
                and normalize(h.title) not in titles
            ):  # "1. Define a new backbone", "2. Import the module": the steps of the section before
                used.add(i)
                step += 1
                out.append(h.entry(level + 1))
    return out, len(used)


def subheadings(doc: PdfDocument, node: Node, precise: bool = True) -> Subheadings:
    """Headings the layout finds in a node's pages, levels from 0, less its own title (and its
    parents' above it on its first page) and table titles. None, and why, where the node is a
    section of tables (`tables.sections_only`). `precise`: False under an outline (`find_headings`), and
    then no item series either (`choose`), as the outline's tree was built."""
    start, end, title = node.start, node.end, node.title
    doc.prefetch(range(start, end + 1))
    pages = [lines for p in range(start, end + 1) if (lines := doc.page_lines(p)) is not None]
    if not pages:
        return Subheadings([])
    own = normalize(title)
    found = choose(find_headings(pages, whole=False, precise=precise).candidates, series=precise)
    mine = next((i for i, h in enumerate(found) if h.page == start and normalize(h.title) == own), None)
    if mine is not None:  # its own title, and what stands above it on its first page (its parents')
        found = found[mine + 1 :]
    found, refused = sections_only(found, pages)
    if refused:
        return Subheadings([], refused)
    if not found:
        return Subheadings([])
    top = min(h.level for h in found)
    return Subheadings([h.entry(h.level - top) for h in found])
