"""How big one MCP tool result may be, and how a tree or a run of pages is cut into results that fit.

Every result is one JSON text of at most RESULT_CHARS characters (`render`). What does not fit goes to a
later call, never silently away: a tree's nodes are cut into parts (`tree_parts`: runs of nodes in reading
order, each run nested again under shells of the ancestors it lacks) or read from an offset (`flat_run`),
and pages are read until the next would not fit (`fill`); the caller says what is left.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from ..safe_text import literal
from ..tree import TreeNode, Unit, nodes_json

RESULT_CHARS = 40_000  # the most characters the text of one tool result holds (about 10,000 tokens)
ENVELOPE_CHARS = 2_500  # kept for what surrounds the items: names, counts, next_steps
ITEMS_CHARS = RESULT_CHARS - ENVELOPE_CHARS
NODE_CHARS = ITEMS_CHARS // 4  # one node's own fields at most: a longer summary or title is cut
SHELL_TITLE_CHARS = 200  # the title an ancestor's shell repeats
CUT_MARK = " [...]"


def render(payload: Any) -> str:
    """A result's text: compact JSON (sizes add up: a list's text is its items' texts joined by ", ")."""
    return json.dumps(payload, ensure_ascii=False)


def size(payload: Any) -> int:
    return len(render(payload))


def fits(payload: Any) -> bool:
    return size(payload) <= RESULT_CHARS


def cut_text(text: str, room: int) -> str:
    """`text` within `room` characters of JSON, its cut marked."""
    if len(json.dumps(text, ensure_ascii=False)) <= room:
        return text
    keep = max(0, room - len(CUT_MARK) - 2)
    while keep and len(json.dumps(text[:keep] + CUT_MARK, ensure_ascii=False)) > room:
        keep = max(0, keep - max(1, keep // 8))
    return text[:keep] + CUT_MARK


def largest(count: int, size_of: Callable[[int], int], room: int) -> int:
    """The largest n in 0..count whose `size_of(n)` is within `room` (sizes grow with n)."""
    low, high = 0, count
    while low < high:
        middle = (low + high + 1) // 2
        if size_of(middle) <= room:
            low = middle
        else:
            high = middle - 1
    return low


# -- a tree's nodes --------------------------------------------------------------------------------
@dataclass(frozen=True)
class FlatNode:
    """One node in reading order: its own fields in PageIndex's node format, its depth and its parent."""

    fields: dict[str, Any]
    depth: int
    parent: int  # index of its parent among the flat nodes, -1 for a top node


def flatten(nodes: Sequence[TreeNode], unit: Unit) -> list[FlatNode]:
    """The tree's nodes in reading order, each with its own fields as the tree's JSON writes them
    (`tree.nodes_json`: title, node_id, start_index/end_index or a Markdown node's line_num, summary),
    without its text; a Markdown node also carries start_index and end_index, in lines, so every node
    says the range to read. A node's fields longer than NODE_CHARS have their summary, then title, cut."""
    out: list[FlatNode] = []

    def down(items: Sequence[TreeNode], depth: int, parent: int) -> None:
        for node in items:
            fields = nodes_json((replace(node, nodes=(), text=None),), unit)[0]
            if unit == "line":
                fields["start_index"], fields["end_index"] = node.start, node.end
            out.append(FlatNode(_bounded(_literal(fields)), depth, parent))
            down(node.nodes, depth + 1, len(out) - 1)

    down(nodes, 0, -1)
    return out


def _literal(fields: dict[str, Any]) -> dict[str, Any]:
    return {k: literal(v) if isinstance(v, str) else v for k, v in fields.items()}


def _bounded(fields: dict[str, Any]) -> dict[str, Any]:
    for key in ("summary", "prefix_summary", "title"):
        over = size(fields) - NODE_CHARS
        if over > 0 and isinstance(fields.get(key), str):
            room = max(40, size(fields[key]) - over)
            fields = {**fields, key: cut_text(fields[key], room)}
    return fields


def flat_run(flat: list[FlatNode], offset: int, limit: int) -> list[dict[str, Any]]:
    """Up to `limit` nodes from `offset`, each with its `depth`, as many as fit ITEMS_CHARS (at least one)."""
    items = [{**n.fields, "depth": n.depth} for n in flat[offset : offset + limit]]
    taken = largest(len(items), lambda n: size(items[:n]), ITEMS_CHARS)
    return items[: max(1, taken)]


def tree_parts(flat: list[FlatNode]) -> list[list[dict[str, Any]]]:
    """The tree cut into parts of at most ITEMS_CHARS: each part is a run of nodes in reading order, nested
    as in the tree; an ancestor outside the run is repeated as a shell (title, id, range, `"continued":
    true`) holding the run's nodes under it. One part for a tree that fits (or has no nodes)."""
    parts: list[list[dict[str, Any]]] = []
    own = [size(n.fields) + 2 for n in flat]  # a part holds at least its nodes' own fields: a bound
    start = 0
    while start < len(flat):
        room, total = 0, 0
        while start + room < len(flat) and total + own[start + room] <= ITEMS_CHARS:
            total += own[start + room]
            room += 1
        taken = max(1, largest(room, _run_size(flat, start), ITEMS_CHARS))
        parts.append(nest(flat, start, start + taken))
        start += taken
    return parts or [[]]


def _run_size(flat: list[FlatNode], first: int) -> Callable[[int], int]:
    return lambda count: size(nest(flat, first, first + count))


def nest(flat: list[FlatNode], first: int, end: int) -> list[dict[str, Any]]:
    """Nodes first..end-1 nested again, under shells of their ancestors outside the run."""
    made: dict[int, dict[str, Any]] = {}
    top: list[dict[str, Any]] = []

    def place(index: int) -> dict[str, Any]:
        if index in made:
            return made[index]
        node = flat[index]
        item = dict(node.fields) if index >= first else _shell(node.fields)
        made[index] = item
        siblings = top if node.parent < 0 else place(node.parent).setdefault("nodes", [])
        siblings.append(item)
        return item

    for index in range(first, end):
        place(index)
    return top


def _shell(fields: dict[str, Any]) -> dict[str, Any]:
    keep = ("title", "node_id", "line_num", "start_index", "end_index")
    shell = {k: fields[k] for k in keep if k in fields}
    if isinstance(shell.get("title"), str):
        shell["title"] = cut_text(shell["title"], SHELL_TITLE_CHARS)
    return shell | {"continued": True}


# -- pages -----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Text:
    unit: int  # the page (or line) number
    text: str
    cut: bool = False  # the unit alone holds more than one result: its text is cut


def fill(units: list[int], read: Callable[[int], str]) -> list[Text]:
    """The texts of `units` in order, read one at a time while they fit ITEMS_CHARS together (an item is
    {"page": n, "text": ...}: the key's length does not change between "page" and "line"); the first is
    always read, its text cut to fit when it alone is too long."""
    out: list[Text] = []
    used = 2  # "[]"
    for unit in units:
        text = literal(read(unit))
        cost = size({"page": unit, "text": text}) + (2 if out else 0)
        if used + cost > ITEMS_CHARS:
            if out:
                break
            room = ITEMS_CHARS - size({"page": unit, "text": "", "cut": True}) - 2
            out.append(Text(unit, cut_text(text, room), cut=True))
            break
        out.append(Text(unit, text))
        used += cost
    return out


def spans(units: Sequence[int]) -> str:
    """[1, 2, 3, 7] as "1-3,7" (in the order given; a run is consecutive numbers going up)."""
    runs: list[list[int]] = []
    for unit in units:
        if runs and unit == runs[-1][-1] + 1:
            runs[-1].append(unit)
        else:
            runs.append([unit])
    return ",".join(str(r[0]) if len(r) == 1 else f"{r[0]}-{r[-1]}" for r in runs)
