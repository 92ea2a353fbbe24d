"""How many tokens (prompt plus reply) a document's LLM calls will take, for a batch's ETA (`WorkEstimate`).

Twice per document: a first guess from its size when it is read (its text, its declared sections),
then a count from its tree once the structure is known (each node still to summarize, with its text
and the reply budget, and the description). Both take the same budgets the calls themselves will use
(`settings/rules.py`), and the reply budget in full: an estimate on the high side, as a reply may use it.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from ..document import Document, PdfDocument
from ..document.pdf import sample_pages
from ..llm.tokens import estimate_tokens
from ..settings import Settings
from ..settings.rules import PROMPT_OVERHEAD, description_budget, summary_budget
from .generate import group_budget
from .structure import outline_covers
from .summarize import SHORT_TEXT_TOKENS
from .tree import Node, walk

SUMMARY_PASSES = 2  # a node's text is read for its own summary and again in its parent's (clipped)
SECTION_PAGES = 4  # pages per section, for a PDF whose sections are not known yet
SUMMARY_CHARS = 200  # characters of each summary the description's outline carries (`outline_text`)
GROUP_OVERHEAD = 400  # tokens of instructions around a page group (`group_budget` leaves them)


def text_tokens(doc: Document) -> int:
    """The document's text in tokens: a PDF's from the pages sampled when it was opened (read already),
    scaled to its page count; a Markdown file's whole."""
    if isinstance(doc, PdfDocument):
        pages = sample_pages(doc.page_count)
        sampled = sum(estimate_tokens(doc.page_text(p)) for p in pages)
        return round(sampled * doc.page_count / max(1, len(pages)))
    return estimate_tokens(doc.node_text(1, doc.size))


def first_estimate(doc: Document, settings: Settings, context: int) -> int:
    """Tokens for a document just read: the model reading its pages where no outline gives the
    structure (a PDF's contents or layout may spare it: the estimate is on the high side), then a
    summary per section (a Markdown file's headings, a PDF's outline entries, else one per few pages)."""
    total_text = text_tokens(doc)
    total = 0
    structure_known = not isinstance(doc, PdfDocument) or outline_covers(doc.outline, doc.page_count)
    if not structure_known:
        groups = math.ceil(total_text / group_budget(context, settings.max_output_tokens))
        answer = min(settings.max_output_tokens, context // 4)
        total += total_text + groups * (GROUP_OVERHEAD + answer)
    if isinstance(doc, PdfDocument):
        sections = len(doc.outline) if structure_known else doc.page_count // SECTION_PAGES
    else:
        sections = len(doc.entries())
    sections = max(1, sections)
    if settings.if_add_node_summary:
        reply, body = summary_budget(settings, context)
        read = total_text * SUMMARY_PASSES
        calls = min(sections, read // SHORT_TEXT_TOKENS)  # shorter nodes are their own summary
        total += min(read, calls * body) + calls * (PROMPT_OVERHEAD + reply)
    if settings.if_add_doc_description:
        total += _description(settings, context, sections * estimate_tokens("x" * SUMMARY_CHARS))
    return total


def tree_estimate(nodes: list[Node], text_of: Callable[[Node], str], settings: Settings, context: int) -> int:
    """Tokens still to come once the structure is known: a summary call for each node without a
    summary whose text is not short, with its text clipped as the call clips it; the description."""
    total = 0
    to_summarize = 0
    if settings.if_add_node_summary:
        reply, body = summary_budget(settings, context)
        for node in walk(nodes):
            if node.summary is not None:
                continue
            tokens = estimate_tokens(text_of(node))
            to_summarize += 1
            if tokens >= SHORT_TEXT_TOKENS:
                total += min(tokens, body) + PROMPT_OVERHEAD + reply
    if settings.if_add_doc_description:
        titles = sum(estimate_tokens(n.title) + 2 for n in walk(nodes))
        summaries = sum(estimate_tokens(n.summary[:SUMMARY_CHARS]) for n in walk(nodes) if n.summary)
        summaries += to_summarize * estimate_tokens("x" * SUMMARY_CHARS)
        total += _description(settings, context, titles + summaries)
    return total


def _description(settings: Settings, context: int, outline: int) -> int:
    return min(outline, max(256, context // 2)) + PROMPT_OVERHEAD + description_budget(settings, context)
