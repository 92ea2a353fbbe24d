"""Structure from the model alone: it reads token-bounded page groups and names the sections in them."""

from __future__ import annotations

from .. import events
from ..aio import gather_or_cancel
from ..document import span_label, tag_pages
from ..errors import ContextOverflow
from ..llm.replies import ask_json
from ..llm.tokens import estimate_tokens
from . import prompts
from .context import RunContext
from .locate import find_title
from .shapes import Sections
from .tree import Entry, PageText

MAX_LEVEL = 6
MODEL_CONFIDENCE = 0.6  # a title the model named and the page text confirmed


def page_groups(token_counts: list[int], budget: int, first_page: int = 1) -> list[tuple[int, int]]:
    """Consecutive page ranges of at most `budget` tokens, each overlapping the previous by one page."""
    groups: list[tuple[int, int]] = []
    n = len(token_counts)
    start = 0
    while start < n:
        end = start
        used = token_counts[start]
        while end + 1 < n and used + token_counts[end + 1] <= budget:
            end += 1
            used += token_counts[end]
        groups.append((first_page + start, first_page + end))
        if end + 1 >= n:
            break
        start = end if end > start else end + 1  # one page of overlap, but always move forward
    return groups


def group_budget(context_length: int, max_output_tokens: int) -> int:
    """Tokens of page text that fit one call, leaving room for the instruction and the answer."""
    answer = min(max_output_tokens, context_length // 4)
    return max(256, int((context_length - answer - 400) * 0.85))


async def sections_in_pages(
    ctx: RunContext,
    page_text: PageText,
    first: int,
    last: int,
    purpose: str,
    stage: str = "structure",
    why: str = "",
) -> list[Entry] | None:
    """Ask the model for the headings that begin in pages first..last; None when its replies are unusable."""
    llm = await ctx.llm(why or f"pages {first}-{last} are read by the model")
    text = tag_pages(page_text, first, last)
    try:
        found = await ask_json(
            llm,
            prompts.find_sections(text, first, last),
            doc=ctx.doc_id,
            purpose=purpose,
            shape=Sections,
            context={"first": first, "last": last},
        )
    except ContextOverflow as err:
        if first == last:
            message = f"page {first} alone does not fit the model's context; skipped: {err.message}"
            ctx.warn(message, "overflow")
            ctx.failed(stage, err)
            return None
        middle = (first + last) // 2
        left, right = await gather_or_cancel(
            sections_in_pages(ctx, page_text, first, middle, f"{purpose} (a)", stage, why),
            sections_in_pages(ctx, page_text, middle + 1, last, f"{purpose} (b)", stage, why),
        )
        return (left or []) + (right or []) if left is not None or right is not None else None
    ctx.answered(stage)
    if found is None:
        return None
    return [Entry(s.title, min(max(s.level, 1), MAX_LEVEL) - 1, s.page) for s in found.sections]


def check_entries(
    entries: list[Entry], page_text: PageText, first: int, last: int
) -> tuple[list[Entry], int]:
    """Keep entries whose title is printed in the range, moved to the page where it is; count dropped ones."""
    texts = {p: page_text(p) for p in range(first, last + 1)}
    kept: list[Entry] = []
    seen: set[tuple[str, int]] = set()
    dropped = 0
    for entry in entries:
        page = find_title(entry.title, texts, near=entry.start)
        if page is None:
            dropped += 1
            continue
        key = (entry.title.casefold(), page)
        if key in seen:
            continue
        seen.add(key)
        kept.append(Entry(entry.title, entry.level, page, "model", MODEL_CONFIDENCE))
    return kept, dropped


async def structure_from_model(
    ctx: RunContext,
    page_text: PageText,
    first: int,
    last: int,
    stage: events.Stage = "structure",
    why: str = "",
) -> list[Entry]:
    """Sections of pages first..last found by the model, each checked against the page text.

    `why` says, in failure messages, why this document needed the model."""
    why = why or f"pages {first}-{last} are read by the model"
    llm = await ctx.llm(why)
    budget = group_budget(llm.context_length, ctx.settings.max_output_tokens)
    counts = [estimate_tokens(page_text(p)) + 8 for p in range(first, last + 1)]
    groups = page_groups(counts, budget, first)
    ctx.stage(stage, len(groups))
    done = 0

    async def one(group: tuple[int, int]) -> list[Entry] | None:
        nonlocal done
        result = await sections_in_pages(
            ctx, page_text, group[0], group[1], f"find sections p{group[0]}-{group[1]}", stage, why
        )
        done += 1
        ctx.progress(stage, done, len(groups))
        return result

    replies = await gather_or_cancel(*(one(g) for g in groups))
    found = [entry for reply in replies if reply for entry in reply]
    kept, dropped = check_entries(found, page_text, first, last)
    if dropped:
        ctx.warn(
            f"{dropped} section titles named by the model were not found on "
            f"{span_label(first, last)}; dropped",
            "structure",
        )
    ctx.facts.model_groups = len(groups)
    ctx.facts.add("model_titles_dropped", dropped)
    return kept
