"""Node summaries and the document description, concurrently, with extractive fallbacks."""

from __future__ import annotations

import re
from collections.abc import Callable

from .. import events
from ..aio import gather_or_cancel
from ..errors import BadReply, ContextOverflow
from ..llm.replies import strip_reasoning
from ..llm.tokens import estimate_tokens
from ..settings.rules import description_budget, summary_budget
from ..store.records import WarningKind
from . import prompts
from .context import RunContext
from .locate import normalize
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


def without_heading(text: str, title: str) -> str:
    """The text less its first line where that line is the node's own heading ("# Setup", "2.1 Setup"):
    an extractive summary should say what the section holds, not repeat its title. A node whose own
    text is its heading alone (a title over its sections) keeps it: an empty summary says nothing."""
    first, _sep, rest = text.lstrip().partition("\n")
    heading = normalize(first.lstrip("#").strip())
    return rest if heading and heading == normalize(title) and rest.strip() else text


def _clean(text: str) -> str:
    text = strip_reasoning(text).strip().strip('"').strip()
    return re.sub(r"^(summary|here is (a|the) summary[^:]*)\s*:\s*", "", text, flags=re.IGNORECASE).strip()


async def summarize_one(ctx: RunContext, node: Node, text: str) -> str:
    """The model's summary of `text`, or the first sentences when it cannot give one."""
    if estimate_tokens(text) < SHORT_TEXT_TOKENS:
        ctx.facts.add("summaries_short_text")
        return re.sub(r"\s+", " ", without_heading(text, node.title)).strip()
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
                use="summary",
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
    return first_sentences(without_heading(text, node.title))


async def summarize_tree(ctx: RunContext, nodes: list[Node], text_of: Callable[[Node], str]) -> None:
    """Fill `summary` on every node (parents too) that has none yet, concurrently under the client's bound.

    Each summary is reported (`NodeSummarized`) as soon as it is there; nodes that already have one (a
    resumed partial index) are counted as done and not asked again."""
    every = list(walk(nodes))
    todo = [n for n in every if n.summary is None]
    done = len(every) - len(todo)
    ctx.stage("summarize", len(every))
    if done:
        ctx.progress("summarize", done, len(every))

    async def one(node: Node) -> None:
        nonlocal done
        summary = await summarize_one(ctx, node, text_of(node))
        node.summary = summary
        ctx.sink(events.NodeSummarized(ctx.doc_id, node.node_id, summary))
        done += 1
        ctx.progress("summarize", done, len(every))

    await gather_or_cancel(*(one(n) for n in todo))
    new = f", {len(todo)} new" if len(todo) < len(every) else ""
    ctx.done("summarize", f"{len(every)} summaries{new}")


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
    answer = description_budget(ctx.settings, context)
    try:
        reply = await llm.chat(
            prompts.describe_document(outline),
            doc=ctx.doc_id,
            purpose="describe document",
            max_tokens=answer,
            use="summary",
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
