"""Where a search hit is, in words, for every front end that shows one (`pageindex-tui search`, the app's
library search): its node's span ("pages 2-6", "line 7") and, for a passage of page text, the page (or
a Markdown passage's first line) the words were found at."""

from __future__ import annotations

from .search import SearchHit


def hit_span(hit: SearchHit) -> str:
    """ "pages 2-6", "page 4", "lines 7-10", "line 7": the node's (or the document's) span."""
    word = "line" if hit.unit == "line" else "page"
    return f"{word}s {hit.start}-{hit.end}" if hit.end > hit.start else f"{word} {hit.start}"


def found_at(hit: SearchHit) -> str:
    """ "page 4" or "line 12": where a passage of page text that matched lies (a page, or a Markdown
    passage's first line), on the node's first page too; "" for a node's own title or summary, where the
    node is that one page, and for a Markdown passage that starts where its node does (the span says it)."""
    if not hit.passage or not hit.page or hit.start == hit.end == hit.page:
        return ""
    if hit.unit == "line" and hit.page == hit.start:
        return ""
    return f"{'line' if hit.unit == 'line' else 'page'} {hit.page}"
