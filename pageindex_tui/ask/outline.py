"""What the model reads: the outline of the trees (paged to fit the context) and the chosen nodes' text
(bounded in tokens), each node under one handle the model cites it by."""

from __future__ import annotations

from dataclasses import dataclass

from ..events import NodeRead
from ..llm.tokens import estimate_tokens
from ..tree import TreeNode
from .types import AskDocument

SUMMARY_CHARS = 400  # of each node's summary in the outline


@dataclass(frozen=True, eq=False)
class Ref:
    handle: str  # "0003", or "2:0003" when several documents are asked at once
    doc: AskDocument
    node: TreeNode


class Handles:
    """Every node of the documents under the id the model sees and cites."""

    def __init__(self, docs: list[AskDocument]) -> None:
        self.docs = docs
        self.refs: dict[str, Ref] = {}
        for number, doc in enumerate(docs, start=1):
            for node in doc.nodes():
                handle = node.node_id if len(docs) == 1 else f"{number}:{node.node_id}"
                self.refs.setdefault(handle, Ref(handle, doc, node))

    def resolve(self, raw: object) -> Ref | None:
        """The node a model named, leniently: brackets, "node 3" or a missing document number when
        unambiguous, an unpadded number ("3" for "0003")."""
        text = str(raw).strip().strip("[]()\"'").strip()
        text = text.removeprefix("node").removeprefix("Node").strip(" #")
        if text in self.refs:
            return self.refs[text]
        doc_part, _, node_part = text.rpartition(":")
        candidates = [node_part, node_part.zfill(4)] if node_part.isdigit() else [node_part]
        for candidate in candidates:
            key = f"{doc_part}:{candidate}" if doc_part else candidate
            if key in self.refs:
                return self.refs[key]
            if not doc_part:
                found = [r for r in self.refs.values() if r.node.node_id == candidate]
                if len(found) == 1:
                    return found[0]
        return None

    def number(self, doc: AskDocument) -> int:
        return next(i for i, d in enumerate(self.docs, start=1) if d is doc)

    def example(self) -> str:
        """An id shaped like the real ones for the prompts' examples, but of no node: a model that copies
        the example names nothing, instead of always reading (and citing) the first node."""
        prefix = "1:" if len(self.docs) > 1 else ""
        number = 9999
        while f"{prefix}{number:04d}" in self.refs:
            number -= 1
        return f"{prefix}{number:04d}"

    def of(self, doc: AskDocument, node: TreeNode) -> str:
        return next(h for h, r in self.refs.items() if r.doc is doc and r.node is node)


def merge_ranked(lists: list[list[Ref]], limit: int) -> list[Ref]:
    """The picks of several outline parts, merged by the model's own ranking: every part's first choice,
    then every part's second, and so on, up to `limit` (no part wins by coming first)."""
    merged: list[Ref] = []
    for rank in range(max((len(got) for got in lists), default=0)):
        for got in lists:
            if rank < len(got) and got[rank] not in merged and len(merged) < limit:
                merged.append(got[rank])
    return merged


def _span(doc: AskDocument, node: TreeNode) -> str:
    word = "lines" if doc.unit == "line" else "pages"
    return f"{word} {node.start}-{node.end}" if node.end > node.start else f"{word[:-1]} {node.start}"


def outline_lines(handles: Handles, summaries: bool = True) -> list[str]:
    """One line per node (documents introduced by a heading line), indented by depth."""
    lines: list[str] = []
    for number, doc in enumerate(handles.docs, start=1):
        unit = "lines" if doc.unit == "line" else "pages"
        lines.append(f"Document {number}: {doc.name} ({doc.size} {unit})")
        for node in doc.nodes():
            indent = "  " * (doc.depth(node) + 1)
            line = f"{indent}[{handles.of(doc, node)}] {node.title} ({_span(doc, node)})"
            if summaries and node.summary:
                summary = " ".join(node.summary.split())
                line += ": " + (summary[:SUMMARY_CHARS] + "…" if len(summary) > SUMMARY_CHARS else summary)
            lines.append(line)
    return lines


def page_outline(lines: list[str], budget: int) -> list[str]:
    """The outline cut into parts of at most `budget` tokens each (a line longer than that is cut)."""
    parts: list[str] = []
    current: list[str] = []
    used = 0
    for line in lines:
        cost = estimate_tokens(line) + 1
        if cost > budget:
            line, cost = line[: max(1, int(budget * 3))], budget
        if current and used + cost > budget:
            parts.append("\n".join(current))
            current, used = [], 0
        current.append(line)
        used += cost
    if current:
        parts.append("\n".join(current))
    return parts


@dataclass
class Reading:
    """The text shown to the model so far, and what it covers."""

    text: str = ""
    tokens: int = 0
    reads: list[NodeRead] | None = None
    seen: dict[tuple[int, int], str] | None = None  # (document number, unit) -> its text

    def __post_init__(self) -> None:
        self.reads = self.reads or []
        self.seen = self.seen or {}


def read_nodes(handles: Handles, refs: list[Ref], reading: Reading, budget: int, round_: int) -> int:
    """Append the refs' text to `reading` within `budget` tokens, shared fairly between them; units already
    shown are not shown again. Returns the tokens added."""
    assert reading.reads is not None and reading.seen is not None
    fresh = [
        r for r in refs if not any(x.node_id == r.node.node_id and x.doc == r.doc.name for x in reading.reads)
    ]
    if not fresh:
        return 0
    share = max(1, budget // len(fresh))
    added = 0
    blocks: list[str] = []
    for ref in fresh:
        number = handles.number(ref.doc)
        block, units, cost, cut = _node_text(ref, number, reading.seen, share)
        for unit, text in units:
            reading.seen[(number, unit)] = text
        reading.reads.append(
            NodeRead(ref.doc.name, ref.node.node_id, ref.node.title, tuple(u for u, _ in units), round_, cut)
        )
        if block:
            blocks.append(block)
            added += cost
    if blocks:
        reading.text = "\n\n".join([reading.text, *blocks]) if reading.text else "\n\n".join(blocks)
        reading.tokens += added
    return added


def _node_text(
    ref: Ref, number: int, seen: dict[tuple[int, int], str], share: int
) -> tuple[str, list[tuple[int, str]], int, bool]:
    doc, node = ref.doc, ref.node
    head = f'=== [{ref.handle}] "{node.title}" from {doc.name} ({_span(doc, node)})'
    if doc.read is None:  # no source: the summary is all there is
        body = node.summary or "(no summary)"
        return (
            f"{head}\n(summary only; the pages are not available)\n{body}",
            [],
            estimate_tokens(body),
            False,
        )
    used = estimate_tokens(head)
    units: list[tuple[int, str]] = []
    parts = [head]
    cut = False
    texts = doc.read(node.start, node.end)
    for unit, text in zip(range(node.start, node.end + 1), texts, strict=False):
        if (number, unit) in seen:
            continue
        tagged = f"<{doc.unit} {unit}>\n{text}\n</{doc.unit} {unit}>" if doc.unit == "page" else text
        cost = estimate_tokens(tagged) + 1
        if used + cost > share:
            room = share - used
            if room > 64 and doc.unit == "page":  # a part of a page is still worth reading
                keep = text[: int(room * 3)]
                tagged = f"<page {unit}>\n{keep}\n(page cut here)\n</page {unit}>"
                units.append((unit, keep))
                parts.append(tagged)
                used += estimate_tokens(tagged)
            cut = True
            break
        units.append((unit, text))
        parts.append(tagged)
        used += cost
    if not units:
        return "", [], 0, cut
    if doc.unit == "line":
        first, last = units[0][0], units[-1][0]
        parts = [head, f"<lines {first}-{last}>", *parts[1:], f"</lines {first}-{last}>"]
    return "\n".join(parts), units, used, cut


def remaining_list(handles: Handles, reading: Reading, budget: int) -> str:
    """Titles of the nodes not read yet, within `budget` tokens."""
    assert reading.reads is not None
    done = {(r.doc, r.node_id) for r in reading.reads}
    lines = [
        f"[{h}] {r.node.title} ({_span(r.doc, r.node)})"
        for h, r in handles.refs.items()
        if (r.doc.name, r.node.node_id) not in done
    ]
    parts = page_outline(lines, budget)
    return parts[0] if parts else "(none)"
