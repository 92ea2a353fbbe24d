"""Nodes too large to be useful get subsections: the layout's sub-headings first, else the model reads
their pages, as PageIndex does. A split is a refinement: when the model cannot be had it is skipped
with a warning, never failing a document whose structure is known.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from ..aio import gather_or_cancel
from ..document import span_label
from ..errors import ContextOverflow, LLMError
from ..llm.tokens import estimate_tokens
from .context import RunContext
from .generate import structure_from_model
from .locate import normalize
from .tree import Entry, Node, PageText, StartsAtTop, build_tree, walk

MAX_SPLIT_DEPTH = 3


@dataclass(frozen=True)
class Subheadings:
    """The layout's headings inside a node (levels from 0), or why the node is to stay whole."""

    entries: list[Entry]
    refused: str = ""  # why the headings found are not the node's sections ("" when they may be)


HeadingsIn = Callable[[Node], Subheadings]
Outcome = Literal["split", "none", "whole"]  # a split's: subsections, none found, left whole on purpose


def over_pages(node: Node, max_pages: int) -> bool:
    """A node without subsections over `max_pages` pages: the part of `too_large` that needs no text."""
    return not node.nodes and node.end - node.start + 1 > max_pages


def too_large(node: Node, page_text: PageText, max_pages: int, max_tokens: int) -> bool:
    """PageIndex's rule: more pages than max_pages_per_node and at least max_tokens_per_node tokens."""
    return not node.nodes and large_span(node.start, node.end, page_text, max_pages, max_tokens)


def large_span(start: int, end: int, page_text: PageText, max_pages: int, max_tokens: int) -> bool:
    """Pages `start` to `end` are more than `max_pages` and hold `max_tokens` tokens or more: a
    section without subsections over them is split (`too_large`)."""
    if end - start + 1 <= max_pages:
        return False
    tokens = 0
    for page in range(start, end + 1):  # stop reading once the limit is passed
        tokens += estimate_tokens(page_text(page))
        if tokens >= max_tokens:
            return True
    return False


def split_entry(entry: Entry, top: int) -> Entry:
    """A subsection found inside a large node: levels from 0 under it, its provenance kept and marked
    as a split's ("split/layout", "split/model"), so that the run record says where every node came from."""
    return Entry(entry.title, entry.level - top, entry.start, f"split/{entry.source}", entry.confidence)


Known = frozenset[tuple[str, int]]  # (normalised title, start page) of every node of a tree


def _before_next(entries: list[Entry], node: Node, known: Known) -> list[Entry]:
    """The subsections of `node` less what its last page holds from the first heading that is
    already a node of the tree on: the sections after it that open on that page ("Item 1B", "Item
    2" on the last page of "Item 1A"), and theirs."""
    cut = next(
        (k for k, e in enumerate(entries) if e.start == node.end and (normalize(e.title), e.start) in known),
        None,
    )
    return entries if cut is None else entries[:cut]


async def split_node(
    ctx: RunContext,
    node: Node,
    page_text: PageText,
    starts_at_top: StartsAtTop,
    headings_in: HeadingsIn | None = None,
    known: Known = frozenset(),
) -> Outcome:
    """Subsections for `node`: `headings_in(node)` (the layout's) when it finds any, else the model's;
    none when the layout says the headings in it are a table section's titles and rows. A heading
    on its last page that is already a node of the tree (`known`), and what follows it, are not
    its subsections."""
    found = await asyncio.to_thread(headings_in, node) if headings_in is not None else Subheadings([])
    entries = found.entries
    if found.refused:
        ctx.facts.add("split_refused")
        ctx.warn(
            f"section {node.title[:60]!r} ({span_label(node.start, node.end)}) left whole: {found.refused}",
            "structure",
        )
        return "whole"
    if entries:
        ctx.facts.add("split_by_layout")
    else:
        why = f"section {node.title[:60]!r} is large enough to be split by the model"
        try:
            entries = await structure_from_model(ctx, page_text, node.start, node.end, stage="split", why=why)
        except LLMError as err:
            ctx.facts.add("split_skipped")
            ctx.warn(
                f"split of {node.title[:60]!r} ({span_label(node.start, node.end)}) skipped: {err.message}",
                "overflow" if isinstance(err, ContextOverflow) else "fallback",
            )
            return "none"
    own = normalize(node.title)
    entries = [e for e in entries if not (e.start == node.start and normalize(e.title) == own)]
    entries = _before_next(entries, node, known)
    if not entries:
        return "none"
    top = min(e.level for e in entries)
    entries = [split_entry(e, top) for e in entries]
    node.nodes = build_tree(entries, node.end, starts_at_top)
    return "split"


def pages_to_read(nodes: list[Node], max_pages: int) -> list[int]:
    """The pages `too_large` and a split will read, whatever they find: those of every node without
    subsections over `max_pages` (under the token limit, counting reads them all; over it, the split)."""
    return [p for n in walk(nodes) if over_pages(n, max_pages) for p in range(n.start, n.end + 1)]


async def split_large(
    ctx: RunContext,
    nodes: list[Node],
    page_text: PageText,
    starts_at_top: StartsAtTop,
    headings_in: HeadingsIn | None = None,
    prefetch: Callable[[list[int]], None] | None = None,
) -> int:
    """Give subsections to every node over both limits; returns how many nodes were split.

    `prefetch` (a document's) reads the pages each round will read, in one go, before it reads them."""
    settings = ctx.settings
    split = 0
    whole: set[int] = set()  # ids of the nodes left whole on purpose (tables): not tried again

    def large() -> list[Node]:
        return [
            n
            for n in walk(nodes)
            if id(n) not in whole
            and too_large(n, page_text, settings.max_pages_per_node, settings.max_tokens_per_node)
        ]

    for _round in range(MAX_SPLIT_DEPTH):
        wanted = pages_to_read(nodes, settings.max_pages_per_node)
        if prefetch is not None and wanted:
            await asyncio.to_thread(prefetch, wanted)
        todo = large()
        if not todo:
            break
        known = frozenset((normalize(n.title), n.start) for n in walk(nodes))
        results = await gather_or_cancel(
            *(split_node(ctx, n, page_text, starts_at_top, headings_in, known) for n in todo)
        )
        whole.update(id(n) for n, r in zip(todo, results, strict=True) if r == "whole")
        split += results.count("split")
        if "split" not in results:
            break
    left = large()
    if left:
        ctx.warn(
            f"{len(left)} large sections have no subsections the layout or the model could find", "structure"
        )
    return split
