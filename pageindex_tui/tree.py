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

from . import checked
from .errors import DamagedFile

Unit = Literal["page", "line"]  # what a tree's ranges count: PDF pages, Markdown lines


MAX_DEPTH = 64  # levels of nodes a tree may nest (PageIndex's go a handful deep)
MAX_NODES = 500_000


class TreeFormatError(DamagedFile):
    """The JSON holds no PageIndex tree, or a value no tree holds (a DamagedFile, and so a ValueError)."""


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
        """A tree from parsed PageIndex JSON; `name` when it names no document. Raises TreeFormatError
        (a DamagedFile) naming the field when the JSON holds no tree or a value no PageIndex tree holds:
        a wrong type, a page or line number that is not a whole number from 1, nesting deeper than
        MAX_DEPTH or more than MAX_NODES nodes. Keys it does not know are ignored; an end before its
        start is read as the start (the original tool writes such ends)."""
        if not isinstance(data, dict) or not isinstance(data.get("structure"), list):
            raise TreeFormatError('it holds no PageIndex tree (no "structure" list)')
        items = data["structure"]
        unit: Unit = "line" if "line_count" in data or _has_line_numbers(items, 0) else "page"
        try:
            size = checked.whole(data.get("line_count"), "line_count") if unit == "line" else 0
            name = checked.text(data.get("doc_name"), "doc_name") or name
            description = checked.opt_text(data.get("doc_description"), "doc_description") or None
            nodes = _Reader(unit).nodes(items, "structure", 0)
        except TreeFormatError:
            raise
        except DamagedFile as err:
            raise TreeFormatError(err.problem, field=err.field) from None
        if unit == "line":
            last = size or max((n.start for top in nodes for n in top.walk()), default=0)
            nodes = _line_ends(nodes, last)
        return cls(
            name=name,
            unit=unit,
            nodes=nodes,
            description=description,
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


class _Reader:
    """Reads the nodes of one tree, counting them against MAX_NODES."""

    def __init__(self, unit: Unit) -> None:
        self.unit = unit
        self.count = 0

    def nodes(self, items: Any, where: str, depth: int) -> tuple[TreeNode, ...]:
        if items is None:
            return ()
        if depth >= MAX_DEPTH:
            raise TreeFormatError(f"nested deeper than {MAX_DEPTH} levels", field=where)
        items = checked.seq(items, where)
        return tuple(self.node(item, checked.field(where, n), depth) for n, item in enumerate(items))

    def node(self, item: Any, where: str, depth: int) -> TreeNode:
        self.count += 1
        if self.count > MAX_NODES:
            raise TreeFormatError(f"more than {MAX_NODES} nodes", field=where)
        item = checked.obj(item, where)
        key = "line_num" if self.unit == "line" and "start_index" not in item else "start_index"
        if item.get(key) is None:
            raise TreeFormatError(f'has no "{key}"', field=where)
        start = checked.whole(item[key], checked.field(where, key), minimum=1)
        end = start
        if self.unit == "page":
            end = max(
                start, checked.whole(item.get("end_index"), checked.field(where, "end_index"), start, 1)
            )
        summary_key = "summary" if item.get("summary") is not None else "prefix_summary"
        node_id = item.get("node_id")
        if isinstance(node_id, int) and not isinstance(node_id, bool):
            node_id = str(node_id)
        return TreeNode(
            title=checked.text(item.get("title"), checked.field(where, "title")),
            start=start,
            end=end,
            node_id=checked.text(node_id, checked.field(where, "node_id")),
            summary=checked.opt_text(item.get(summary_key), checked.field(where, summary_key)),
            text=checked.opt_text(item.get("text"), checked.field(where, "text")),
            nodes=self.nodes(item.get("nodes"), checked.field(where, "nodes"), depth + 1),
        )


def _line_ends(nodes: tuple[TreeNode, ...], last: int) -> tuple[TreeNode, ...]:
    """Each node runs to the line before the next node at its level or above (the last one to `last`)."""
    out = []
    for number, node in enumerate(nodes):
        after = nodes[number + 1].start - 1 if number + 1 < len(nodes) else last
        children = _line_ends(node.nodes, after)
        out.append(replace(node, end=max(node.start, after), nodes=children))
    return tuple(out)


def _has_line_numbers(items: Any, depth: int) -> bool:
    """Markdown's nodes carry `line_num` and no `start_index` (looked for no deeper than MAX_DEPTH)."""
    return (
        depth < MAX_DEPTH
        and isinstance(items, list)
        and any(
            isinstance(i, dict)
            and (("line_num" in i and "start_index" not in i) or _has_line_numbers(i.get("nodes"), depth + 1))
            for i in items
        )
    )
