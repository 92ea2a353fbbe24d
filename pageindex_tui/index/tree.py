"""The tree while it is built: Node, building it from flat section starts, node ids.

`Node` is the engine's working tree, which the stages fill in (splits, summaries, text) and which keeps
each node's provenance (source, confidence, verified); what crosses a boundary is its frozen form,
`pageindex_tui.tree.Tree` (`frozen` makes it, `thawed` turns it back into nodes to fill in)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace

from ..document.base import Entry as Entry  # the section starts a tree is built from
from ..tree import TreeNode

PageText = Callable[[int], str]  # a document's text of a 1-based page
StartsAtTop = Callable[["Entry"], bool]  # does an entry's title open its page?


@dataclass
class Node:
    """A node of a tree being built or filled in: kept apart from the frozen `tree.TreeNode` because its
    meaning differs: stages change it in place (split, ids, summaries, text), and it carries how it was
    found (`verified`, `source`, `confidence`), which the run record keeps and PageIndex's JSON does not."""

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


def frozen(nodes: list[Node], ids: bool = True) -> tuple[TreeNode, ...]:
    """The tree as it stands, as the frozen data that crosses boundaries (`ids`: keep the node ids)."""
    return tuple(
        TreeNode(n.title, n.start, n.end, n.node_id if ids else "", n.summary, n.text, frozen(n.nodes, ids))
        for n in nodes
    )


def thawed(nodes: tuple[TreeNode, ...]) -> list[Node]:
    """A reported tree as nodes to fill in again (new objects: a front end or a resumed run changes them)."""
    return [Node(n.title, n.start, n.end, thawed(n.nodes), n.node_id, n.summary, n.text) for n in nodes]


def refill(nodes: list[Node], reported: tuple[TreeNode, ...]) -> bool:
    """Bring `nodes` up to a later report of the same tree in place (its summaries and texts), when it has
    the same nodes in the same places (titles, ranges, ids); False, and nothing changed, when it has not."""
    if not _same(nodes, reported):
        return False
    for node, twin in _pairs(nodes, reported):
        node.summary, node.text = twin.summary, twin.text
    return True


def _same(nodes: list[Node], reported: tuple[TreeNode, ...]) -> bool:
    return len(nodes) == len(reported) and all(
        (n.title, n.start, n.end, n.node_id) == (r.title, r.start, r.end, r.node_id)
        and _same(n.nodes, r.nodes)
        for n, r in zip(nodes, reported, strict=True)
    )


def _pairs(nodes: list[Node], reported: tuple[TreeNode, ...]) -> Iterator[tuple[Node, TreeNode]]:
    for node, twin in zip(nodes, reported, strict=True):
        yield node, twin
        yield from _pairs(node.nodes, twin.nodes)
