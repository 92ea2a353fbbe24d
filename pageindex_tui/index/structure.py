"""A PDF's sections from the cheapest reliable evidence: outline, printed contents, layout, then the model."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from functools import partial
from typing import TYPE_CHECKING, Any

from ..errors import LLMError
from ..events import StructureSource
from ..llm.replies import ask_json
from . import prompts, toc
from .context import RunContext
from .generate import structure_from_model
from .label_levels import label_levels, part_starts
from .layout import choose
from .layout_fill import fill, parts
from .layout_stage import deepen, graft, is_coarse, numbered_entries, read_layout, structure_from_layout
from .locate import find_title, title_on_page
from .shapes import ContentsCheck, ContentsEntries
from .split import large_span
from .toc_indent import indent_levels
from .tree import Entry, PageText

if TYPE_CHECKING:
    from ..document.pdf import PdfDocument

LOCATE_WINDOW = 3  # pages either side of where a title was expected
MIN_LAYOUT_HEADINGS = 2  # fewer, and the model is asked to find the sections
YES_NO_TOKENS = 32  # a reply of one true or false, where the model does not think first


def outline_covers(outline: list[Any], page_count: int) -> bool:
    """An outline is used as the structure when it starts near the front of the document."""
    return bool(outline) and min(e.page for e in outline) <= max(3, page_count // 4)


def count_verified(entries: list[Entry], page_text: PageText) -> int:
    return sum(1 for e in entries if title_on_page(e.title, page_text(e.start)))


def _contents_entries(doc: PdfDocument, found: toc.TocPages) -> tuple[str, list[toc.TocEntry]]:
    """The contents pages' text without running heads and folios, and its entries by rules (with
    the chapter titles that are also running heads, `toc.contents_heads`)."""
    running = toc.running_lines(doc.page_text, range(1, min(doc.page_count, 30) + 1))
    texts, heads = [], set()
    for page in found.pages:
        text, page_heads = toc.contents_heads(doc.page_text(page), running)
        texts.append(text)
        heads |= page_heads
    contents = "\n".join(texts)
    return contents, toc.parse_toc(contents, heads)


def _contents_pages(ctx: RunContext, doc: PdfDocument) -> toc.TocPages | None:
    """The printed contents pages among the document's first pages (the settings say how many)."""
    return toc.find_toc_pages(doc.page_text, doc.page_count, ctx.settings.toc_check_pages)


async def structure_from_toc(
    ctx: RunContext, doc: PdfDocument, found: toc.TocPages | None
) -> list[Entry] | None:
    """Entries from the printed table of contents `found` (`_contents_pages`), placed on physical pages;
    None when there is none."""
    page_text = doc.page_text
    if found is None:
        return None
    if not found.sure:
        why = f"page {found.pages[0]} may hold a printed table of contents for the model to confirm"
        llm = await ctx.llm(why)
        confirmed = await ask_json(
            llm,
            prompts.is_contents_page(page_text(found.pages[0])),
            doc=ctx.doc_id,
            purpose=f"confirm contents on p{found.pages[0]}",
            shape=ContentsCheck,
            max_tokens=None if ctx.settings.thinks("structure") else YES_NO_TOKENS,
        )
        if confirmed is None or not confirmed.is_contents:
            return None
    contents, entries = _contents_entries(doc, found)
    ctx.facts.toc_pages = list(found.pages)
    ctx.facts.toc_parsed_by = "rules"
    if len(entries) < 3:
        llm = await ctx.llm("the printed table of contents could not be read by rules")
        read = await ask_json(
            llm,
            prompts.read_contents(contents),
            doc=ctx.doc_id,
            purpose="read contents",
            shape=ContentsEntries,
        )
        transcribed = [
            toc.TocEntry(e.title, max(0, min(e.level, 6) - 1), None if e.page is None else str(e.page))
            for e in (read.entries if read is not None else [])
        ]
        if transcribed and len(transcribed) >= len(entries):
            entries = transcribed
            ctx.facts.toc_parsed_by = "model"
    if not entries:
        return None
    return place_entries(ctx, doc, entries, set(found.pages))


def place_entries(
    ctx: RunContext, doc: PdfDocument, entries: list[toc.TocEntry], toc_pages: set[int]
) -> list[Entry]:
    """Printed page numbers to physical pages: labels, then the common offset, then search.
    The offset vote reads every page: `pdf_structure` has read them all, in parallel, before."""
    page_text, count = doc.page_text, doc.page_count
    by_label = toc.map_by_labels(entries, doc.page_labels)
    offset = toc.page_offset(entries, page_text, count, toc_pages)
    roman = toc.roman_offset(entries, page_text, count, toc_pages)
    ctx.facts.page_offset = offset
    ctx.facts.mapped_by = "page labels" if by_label else ("offset" if offset is not None else "search")
    searchable = {p: page_text(p) for p in range(1, count + 1) if p not in toc_pages}
    placed: list[Entry] = []
    beyond = unplaced = 0
    for i, entry in enumerate(entries):
        guess: int | None = by_label.get(i)
        if guess is None and entry.printed:
            if entry.printed.isdigit() and offset is not None:
                guess = int(entry.printed) + offset
            elif not entry.printed.isdigit() and roman is not None:
                value = toc.roman_to_int(entry.printed)
                guess = value + roman if value else None
        if guess is not None and guess > count:
            beyond += 1  # an excerpt: the section is not in this file
            continue
        if guess is not None and title_on_page(entry.title, page_text(guess)):
            placed.append(Entry(entry.title, entry.level, guess))
            continue
        # No model is asked where the search fails: a page it named would be taken only with the title
        # printed on it, and the search has read every page of the window for that already.
        near = guess if guess is not None else (placed[-1].start if placed else 1)
        window = {p: t for p, t in searchable.items() if abs(p - near) <= LOCATE_WINDOW}
        page = find_title(entry.title, window, near=near)
        if page is None and guess is None:
            page = find_title(entry.title, {p: t for p, t in searchable.items() if p >= near}, near=near)
        if page is None:
            page = guess
        if page is None:
            unplaced += 1
            continue
        placed.append(Entry(entry.title, entry.level, page))
    if beyond:
        ctx.warn(
            f"{beyond} contents entries point past the last page ({count}); the file is probably an excerpt",
            "structure",
        )
    if unplaced:
        ctx.warn(f"{unplaced} contents entries could not be placed on a page and were left out", "structure")
    ctx.facts.toc_entries = len(entries)
    ctx.facts.toc_entries_beyond_end = beyond
    return placed


async def _with_layout(
    ctx: RunContext, doc: PdfDocument, entries: list[Entry], source: StructureSource, skip: set[int]
) -> tuple[list[Entry], StructureSource]:
    """Coarse entries (chapters only) with the layout's sections grafted under them; a printed
    contents' numbered entries with the sections numbered under them that it does not list
    ("3.1.1.1" after "3.1.1"); an unnumbered one with the headings it leaves out, where their type
    says what they are (`layout_fill.fill`); either with the parts after its last entry that it
    does not list, an annex (`layout_fill.parts`): "hybrid". An outline that is not coarse is left
    as it is."""
    coarse = is_coarse(entries, doc.page_count)
    if source == "toc":  # a contents read as text is flat where its indents or labels say how it nests
        titles = [e.title for e in entries]
        pages = [lines for p in sorted(skip) if (lines := doc.page_lines(p)) is not None]
        levels = indent_levels(titles, pages) or [e.level for e in entries]
        levels = label_levels(titles, levels)
        starts = part_starts(titles, levels, [e.start for e in entries])
        entries = [replace(e, level=lv, start=p) for e, lv, p in zip(entries, levels, starts, strict=True)]
    if not coarse and source != "toc":
        return entries, source
    outline = source == "outline"  # its trees stay as they were built: the rules of then, and their levels
    if outline:  # a printed contents page lists other pages' headings, as in the layout path
        found = _contents_pages(ctx, doc)
        skip = skip | set(found.pages) if found else skip
    result = await read_layout(ctx, doc, skip, precise=not outline)
    if result is None:
        return entries, source
    chosen = choose(result.candidates, series=not outline)  # no model
    if coarse:
        grafted, added = graft(entries, chosen, doc.page_count, doc.page_lines, printed=source == "toc")
    else:
        settings = ctx.settings
        split = partial(
            large_span,
            page_text=doc.page_text,
            max_pages=settings.max_pages_per_node,
            max_tokens=settings.max_tokens_per_node,
        )
        if numbered_entries(entries):
            deep, deeper = deepen(entries, result.candidates, doc.page_count)
        else:
            deep, deeper = fill(entries, chosen, result.candidates, doc.page_count, doc.page_lines, split)
        grafted, added = parts(deep, chosen, result.candidates, doc.page_count, doc.page_lines, split)
        added += deeper
    ctx.facts.layout_grafted = added
    return (grafted, "hybrid") if added else (entries, source)


async def pdf_structure(ctx: RunContext, doc: PdfDocument) -> tuple[list[Entry], StructureSource]:
    """Entries and their source: "outline", "toc", "hybrid" (either of them, coarse, plus the layout),
    "layout" or "model"."""
    if outline_covers(doc.outline, doc.page_count):
        return await _with_layout(ctx, doc, doc.entries(), "outline", set())
    # every way on from here reads every page (the contents' offset vote, else the layout): at once,
    # in parallel, rather than the contents search's first pages one by one before the rest
    await asyncio.to_thread(doc.prefetch, range(1, doc.page_count + 1))
    found = _contents_pages(ctx, doc)  # the contents path's, and the layout path's pages to skip
    try:
        entries = await structure_from_toc(ctx, doc, found)
    except LLMError as err:  # the contents stage wanted the model; the layout may do without it
        ctx.warn(f"the printed contents could not be read without the model ({err.message})", "fallback")
        entries = None
    if entries and len(entries) >= 2:
        contents = [replace(e, source="contents") for e in entries]
        return await _with_layout(ctx, doc, contents, "toc", set(ctx.facts.toc_pages or []))
    # contents whose page numbers could not be used (an excerpt) still say which headings are real
    listed = _contents_entries(doc, found)[1] if found and found.sure else []
    entries = await structure_from_layout(ctx, doc, set(found.pages) if found else set(), listed)
    if len(entries) >= MIN_LAYOUT_HEADINGS:
        return entries, "layout"
    if ctx.facts.layout_model_batches:
        ctx.warn(
            f"the model accepted {len(entries)} of the layout's {ctx.facts.layout_unsure} unsure "
            "headings, too few for a tree: the model is asked to find the sections in the text",
            "fallback",
        )
    entries = await structure_from_model(ctx, doc.page_text, 1, doc.page_count, why=_why_model(doc))
    return entries, "model"


def _why_model(doc: PdfDocument) -> str:
    """Why a PDF's structure must come from the model, for the message when no model can be reached."""
    dropped = getattr(doc, "outline_dropped", 0)
    if doc.outline:
        outline = f"its outline starts too late (page {min(e.page for e in doc.outline)})"
    elif dropped:
        outline = f"all {dropped} entries of its outline lead nowhere (see the warnings)"
    else:
        outline = "it has no outline (bookmarks)"
    return (
        f"the sections of {doc.name} must come from the model: {outline}, it has no printed contents "
        "and its page layout shows too few headings"
    )
