"""The tree: Node, building it from flat section starts, node ids, PageIndex JSON in and out."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from ..events import NodeSnapshot

PageText = Callable[[int], str]  # a document's text of a 1-based page
StartsAtTop = Callable[["Entry"], bool]  # does an entry's title open its page?


@dataclass(frozen=True)
class Entry:
    """A section start found by any means: outline, printed contents, model, Markdown heading."""

    title: str
    level: int  # 0 = top
    start: int  # 1-based physical page (PDF) or line number (Markdown)
    source: str = ""  # where it came from: "outline", "contents", "layout", "model", "markdown", "split/..."
    confidence: float = 1.0  # how sure that source is, 0..1


@dataclass
class Node:
    title: str
    start: int
    end: int
    nodes: list[Node] = field(default_factory=list)
    node_id: str = ""
    summary: str | None = None
    text: str | None = None
    verified: bool | None = None  # title found on its start page; None = not checked
    source: str = ""  # provenance, as Entry.source
    confidence: float = 1.0

    def walk(self) -> Iterator[Node]:
        yield self
        for child in self.nodes:
            yield from child.walk()


def walk(nodes: list[Node]) -> Iterator[Node]:
    for node in nodes:
        yield from node.walk()


def walk_paths(nodes: list[Node], prefix: tuple[int, ...] = ()) -> Iterator[tuple[tuple[int, ...], Node]]:
    for i, node in enumerate(nodes):
        path = (*prefix, i)
        yield path, node
        yield from walk_paths(node.nodes, path)


def depth(nodes: list[Node]) -> int:
    return max((1 + depth(n.nodes) for n in nodes), default=0)


def count(nodes: list[Node]) -> int:
    return sum(1 for _ in walk(nodes))


def normalize_levels(entries: list[Entry]) -> list[Entry]:
    """Make levels contiguous: a child is never more than one level below its predecessor."""
    out: list[Entry] = []
    for entry in entries:
        limit = out[-1].level + 1 if out else 0
        out.append(replace(entry, level=max(0, min(entry.level, limit))))
    return out


def build_tree(
    entries: list[Entry],
    last: int,
    starts_at_top: Callable[[Entry], bool] = lambda _e: True,
) -> list[Node]:
    """Nest flat entries by level and give each a 1-based inclusive range ending before the next.

    A section ends on the page before the next section at its level or above, or on that same page
    when the next title does not open its page (the page is shared). `last` is the last page.
    """
    entries = normalize_levels(sorted(entries, key=lambda e: e.start))  # stable: same-page order kept
    ends: list[int] = []
    for i, entry in enumerate(entries):
        nxt = next((e for e in entries[i + 1 :] if e.level <= entry.level), None)
        end = last if nxt is None else (nxt.start - 1 if starts_at_top(nxt) else nxt.start)
        ends.append(max(entry.start, min(end, last)))
    roots: list[Node] = []
    stack: list[tuple[int, Node]] = []
    for entry, end in zip(entries, ends, strict=True):
        node = Node(entry.title, entry.start, end, source=entry.source, confidence=entry.confidence)
        while stack and stack[-1][0] >= entry.level:
            stack.pop()
        (stack[-1][1].nodes if stack else roots).append(node)
        stack.append((entry.level, node))
    return roots


def assign_ids(nodes: list[Node]) -> None:
    for number, node in enumerate(walk(nodes)):
        node.node_id = f"{number:04d}"


def to_pageindex(nodes: list[Node], *, markdown: bool = False, node_id: bool = True) -> list[dict[str, Any]]:
    """PageIndex's JSON node format, keys in its order; empty `nodes` omitted."""
    out: list[dict[str, Any]] = []
    for node in nodes:
        item: dict[str, Any] = {"title": node.title}
        if node_id and node.node_id:
            item["node_id"] = node.node_id
        if markdown:
            item["line_num"] = node.start
            if node.summary is not None:
                item["prefix_summary" if node.nodes else "summary"] = node.summary
        else:
            item["start_index"] = node.start
            item["end_index"] = node.end
            if node.summary is not None:
                item["summary"] = node.summary
        if node.text is not None:
            item["text"] = node.text
        if node.nodes:
            item["nodes"] = to_pageindex(node.nodes, markdown=markdown, node_id=node_id)
        out.append(item)
    return out


def from_pageindex(items: list[dict[str, Any]]) -> list[Node]:
    """Nodes back from PageIndex JSON (ours or the original tool's)."""
    nodes: list[Node] = []
    for item in items:
        start = int(item.get("start_index", item.get("line_num", 0)) or 0)
        node = Node(
            title=str(item.get("title", "")),
            start=start,
            end=int(item.get("end_index", start) or start),
            node_id=str(item.get("node_id", "")),
            summary=item.get("summary", item.get("prefix_summary")),
            text=item.get("text"),
        )
        node.nodes = from_pageindex(item.get("nodes") or [])
        nodes.append(node)
    return nodes


def snapshot(nodes: list[Node]) -> tuple[NodeSnapshot, ...]:
    """The tree as frozen data, for events."""
    return tuple(
        NodeSnapshot(n.title, n.node_id, n.start, n.end, n.summary, snapshot(n.nodes)) for n in nodes
    )


def from_snapshot(items: tuple[NodeSnapshot, ...]) -> list[Node]:
    """Nodes back from an event's snapshot (new objects: a front end may change them)."""
    return [Node(s.title, s.start, s.end, from_snapshot(s.children), s.node_id, s.summary) for s in items]
