"""Node summaries and the document description, concurrently, with extractive fallbacks."""

from __future__ import annotations

import re
from collections.abc import Callable

from ..aio import gather_or_cancel
from ..errors import BadReply, ContextOverflow
from ..events import WarningKind
from ..llm.replies import strip_reasoning
from ..llm.tokens import estimate_tokens
from ..settings_rules import summary_budget
from . import prompts
from .context import RunContext
from .tree import Node, walk

SHORT_TEXT_TOKENS = 200  # a node this short is its own summary (no model call)


def first_sentences(text: str, limit: int = 400) -> str:
    """An extractive stand-in summary: the first sentences of the text, at most `limit` characters."""
    flat = re.sub(r"\s+", " ", text).strip()
    if len(flat) <= limit:
        return flat
    cut = flat[:limit]
    end = max(cut.rfind(". "), cut.rfind("? "), cut.rfind("! "))
    return cut[: end + 1] if end > limit // 3 else cut.rsplit(" ", 1)[0] + " ..."


def clip_to_tokens(text: str, tokens: int) -> str:
    """Cut `text` so that its estimated size is at most `tokens`."""
    if estimate_tokens(text) <= tokens:
        return text
    ratio = tokens / max(1, estimate_tokens(text))
    return text[: int(len(text) * ratio * 0.95)]


def _clean(text: str) -> str:
    text = strip_reasoning(text).strip().strip('"').strip()
    return re.sub(r"^(summary|here is (a|the) summary[^:]*)\s*:\s*", "", text, flags=re.IGNORECASE).strip()


async def summarize_one(ctx: RunContext, node: Node, text: str) -> str:
    """The model's summary of `text`, or the first sentences when it cannot give one."""
    if estimate_tokens(text) < SHORT_TEXT_TOKENS:
        ctx.facts.add("summaries_short_text")
        return re.sub(r"\s+", " ", text).strip()
    llm = await ctx.llm("node summaries are on (--if-add-node-summary no indexes without a model)")
    context = llm.info.context_length if llm.info else 32768
    answer, budget = summary_budget(ctx.settings, context)
    body = clip_to_tokens(text, budget)
    kind: WarningKind = "fallback"
    for _attempt in range(2):
        try:
            reply = await llm.chat(
                prompts.summarize_node(node.title, body),
                doc=ctx.doc_id,
                purpose=f"summarize {node.node_id} {node.title[:40]}".replace("  ", " "),
                max_tokens=answer,
            )
            ctx.answered("summarize")
            summary = _clean(reply.text)
            if len(summary) >= 20:
                return summary
            problem, kind = "an empty or too short reply", "fallback"
        except ContextOverflow as err:
            body = clip_to_tokens(body, estimate_tokens(body) // 2)
            problem, kind = f"a context overflow: {err.message}", "overflow"
            overflow = err
            continue
        except BadReply as err:
            problem, kind = str(err), "fallback"
        break
    else:
        ctx.failed("summarize", overflow)
    ctx.warn(f"summary of '{node.title[:60]}' fell back to its first sentences ({problem})", kind)
    ctx.facts.add("summaries_fallback")
    return first_sentences(text)


async def summarize_tree(ctx: RunContext, nodes: list[Node], text_of: Callable[[Node], str]) -> None:
    """Fill `summary` on every node (parents too), concurrently under the client's bound."""
    todo = list(walk(nodes))
    ctx.stage("summarize", len(todo))
    done = 0

    async def one(node: Node) -> None:
        nonlocal done
        node.summary = await summarize_one(ctx, node, text_of(node))
        done += 1
        ctx.progress("summarize", done, len(todo))

    await gather_or_cancel(*(one(n) for n in todo))
    ctx.done("summarize", f"{len(todo)} summaries")


def outline_text(nodes: list[Node], depth: int = 0) -> str:
    lines = []
    for node in nodes:
        line = "  " * depth + f"- {node.title}"
        if node.summary:
            line += f": {first_sentences(node.summary, 200)}"
        lines.append(line)
        if node.nodes:
            lines.append(outline_text(node.nodes, depth + 1))
    return "\n".join(lines)


async def describe(ctx: RunContext, nodes: list[Node]) -> str:
    ctx.stage("describe", 1)
    llm = await ctx.llm("a document description is asked for (--if-add-doc-description yes)")
    context = llm.info.context_length if llm.info else 32768
    outline = clip_to_tokens(outline_text(nodes), max(256, context // 2))
    answer = (
        ctx.settings.max_output_tokens if ctx.settings.thinking else min(ctx.settings.max_output_tokens, 256)
    )
    answer = min(answer, context // 4)
    try:
        reply = await llm.chat(
            prompts.describe_document(outline), doc=ctx.doc_id, purpose="describe document", max_tokens=answer
        )
        text = _clean(reply.text)
    except (BadReply, ContextOverflow) as err:
        text = ""
        kind: WarningKind = "overflow" if isinstance(err, ContextOverflow) else "fallback"
        ctx.warn(f"document description failed: {err}", kind)
    if len(text) < 10:
        text = "; ".join(n.title for n in nodes[:8])
        ctx.warn("document description fell back to the top-level titles", "fallback")
    ctx.done("describe")
    return text
