"""The tree every boundary carries: a document's PageIndex tree as frozen data, and its one JSON codec.

`Tree` is what the engine reports (events), returns (`DocumentResult`), writes and the library keeps;
`Tree.from_json` is the one reader of PageIndex JSON (ours, or the original tool's) and `Tree.to_json`
the one writer, keys in PageIndex's order. Whether a tree counts pages (PDF) or lines (Markdown) is
decided from the JSON here and nowhere else. The engine builds and fills a mutable tree while it works
(`index.tree.Node`); this is that tree once reported, plain data a front end may keep.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any, Literal

Unit = Literal["page", "line"]  # what a tree's ranges count: PDF pages, Markdown lines


class TreeFormatError(ValueError):
    """The JSON holds no PageIndex tree (no `structure` list)."""


@dataclass(frozen=True)
class TreeNode:
    """One node: a title and its 1-based inclusive range in the tree's unit, with what was added to it.

    A Markdown node's end is not in PageIndex's JSON (only its `line_num`): read back, it runs to the
    line before the next node at its level or above, as the engine built it."""

    title: str
    start: int
    end: int
    node_id: str = ""  # "" when the tree was written without ids
    summary: str | None = None
    text: str | None = None
    nodes: tuple[TreeNode, ...] = ()

    def walk(self) -> Iterator[TreeNode]:
        yield self
        for child in self.nodes:
            yield from child.walk()


@dataclass(frozen=True)
class Tree:
    """A document's tree: its PageIndex name, unit, top nodes and description; `size` is its line count
    (Markdown; written as `line_count`), 0 for a PDF, whose JSON does not carry its page count."""

    name: str
    unit: Unit
    nodes: tuple[TreeNode, ...]
    description: str | None = None
    size: int = 0

    def walk(self) -> Iterator[TreeNode]:
        for node in self.nodes:
            yield from node.walk()

    def walk_depths(self) -> Iterator[tuple[int, TreeNode]]:
        """Every node with its depth (0 = top), in document order."""

        def down(nodes: tuple[TreeNode, ...], depth: int) -> Iterator[tuple[int, TreeNode]]:
            for node in nodes:
                yield depth, node
                yield from down(node.nodes, depth + 1)

        return down(self.nodes, 0)

    def count(self) -> int:
        return sum(1 for _ in self.walk())

    def numbered(self) -> Tree:
        """The tree with every node that has no id given its number in document order ("0003")."""
        numbers = {id(node): number for number, node in enumerate(self.walk())}

        def fill(nodes: tuple[TreeNode, ...]) -> tuple[TreeNode, ...]:
            return tuple(
                replace(n, node_id=n.node_id or f"{numbers[id(n)]:04d}", nodes=fill(n.nodes)) for n in nodes
            )

        return replace(self, nodes=fill(self.nodes))

    def sized(self, size: int) -> Tree:
        """A Markdown tree with `size` lines, its nodes' ends drawn again to that last line; a PDF's as is."""
        if self.unit != "line":
            return self
        return replace(self, size=size, nodes=_line_ends(self.nodes, size))

    # -- PageIndex JSON --------------------------------------------------------------------------------
    def to_json(self, *, partial: str = "", node_ids: bool = True) -> dict[str, Any]:
        """PageIndex's JSON: `doc_name`, `partial` (what an unfinished tree lacks, when given),
        `doc_description`, `line_count` (Markdown, when known), `structure`; node ids only with `node_ids`."""
        data: dict[str, Any] = {"doc_name": self.name}
        if partial:
            data["partial"] = partial
        if self.description is not None:
            data["doc_description"] = self.description
        if self.unit == "line" and self.size:
            data["line_count"] = self.size
        data["structure"] = nodes_json(self.nodes, self.unit, node_ids=node_ids)
        return data

    @classmethod
    def from_json(cls, data: Any, name: str = "document") -> Tree:
        """A tree from parsed PageIndex JSON; `name` when it names no document. Items that are not nodes
        are skipped, numbers that are not numbers read as the node's start; raises TreeFormatError when
        there is no `structure` list."""
        if not isinstance(data, dict) or not isinstance(data.get("structure"), list):
            raise TreeFormatError('it holds no PageIndex tree (no "structure" list)')
        items = data["structure"]
        unit: Unit = "line" if "line_count" in data or _has_line_numbers(items) else "page"
        size = _int(data.get("line_count"), 0) if unit == "line" else 0
        nodes = _nodes(items, unit)
        if unit == "line":
            last = size or max((n.start for n in _walk(nodes)), default=0)
            nodes = _line_ends(nodes, last)
        description = data.get("doc_description")
        return cls(
            name=str(data.get("doc_name") or name),
            unit=unit,
            nodes=nodes,
            description=description if isinstance(description, str) and description else None,
            size=size,
        )


def nodes_json(nodes: tuple[TreeNode, ...], unit: Unit, *, node_ids: bool = True) -> list[dict[str, Any]]:
    """Nodes in PageIndex's JSON node format, keys in its order; empty `nodes` left out. A Markdown node
    carries its `line_num`, and a parent's summary is its `prefix_summary`."""
    out: list[dict[str, Any]] = []
    for node in nodes:
        item: dict[str, Any] = {"title": node.title}
        if node_ids and node.node_id:
            item["node_id"] = node.node_id
        if unit == "line":
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
            item["nodes"] = nodes_json(node.nodes, unit, node_ids=node_ids)
        out.append(item)
    return out


def _nodes(items: Any, unit: Unit) -> tuple[TreeNode, ...]:
    out = []
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict):
            continue
        start = _int(item.get("start_index", item.get("line_num")), 1)
        end = max(start, _int(item.get("end_index"), start)) if unit == "page" else start
        summary = item.get("summary", item.get("prefix_summary"))
        text = item.get("text")
        out.append(
            TreeNode(
                title=str(item.get("title", "")),
                start=start,
                end=end,
                node_id=str(item.get("node_id") or ""),
                summary=summary if isinstance(summary, str) else None,
                text=text if isinstance(text, str) else None,
                nodes=_nodes(item.get("nodes"), unit),
            )
        )
    return tuple(out)


def _line_ends(nodes: tuple[TreeNode, ...], last: int) -> tuple[TreeNode, ...]:
    """Each node runs to the line before the next node at its level or above (the last one to `last`)."""
    out = []
    for number, node in enumerate(nodes):
        after = nodes[number + 1].start - 1 if number + 1 < len(nodes) else last
        children = _line_ends(node.nodes, after)
        out.append(replace(node, end=max(node.start, after), nodes=children))
    return tuple(out)


def _has_line_numbers(items: Any) -> bool:
    """Markdown's nodes carry `line_num` and no `start_index`."""
    return (
        any(
            isinstance(i, dict)
            and (("line_num" in i and "start_index" not in i) or _has_line_numbers(i.get("nodes")))
            for i in items
        )
        if isinstance(items, list)
        else False
    )


def _walk(nodes: tuple[TreeNode, ...]) -> Iterator[TreeNode]:
    for node in nodes:
        yield from node.walk()


def _int(value: Any, default: int) -> int:
    if isinstance(value, bool):
        return default
    try:
        return int(value)
    except (TypeError, ValueError):
        return default
