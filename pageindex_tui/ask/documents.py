"""Documents to ask: a PageIndex tree with its source's text, from a `_structure.json` or the library.

A `_structure.json` finds its source beside it: `<stem>.pdf`, `<stem>.md`, `<stem>.markdown`, the file its
stem names whole (`report.pdf_structure.json`), or the path its `_run.json` records. Without one, the
tree still answers from its summaries, but no citation can be checked against a page.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..document import MarkdownDocument, PdfDocument, open_document
from ..errors import DocumentError, PageIndexError
from ..formats import STRUCTURE_SUFFIX, SUPPORTED_SUFFIXES
from ..store.library import LibraryEntry
from .types import AskDocument, TreeNode, Unit

SOURCE_SUFFIXES = SUPPORTED_SUFFIXES
NO_SOURCE = "its source document is not beside it, so citations cannot be checked against pages"


class AskInputError(PageIndexError):
    """A document to ask about cannot be used: no such file, not a PageIndex tree, a bad page range."""


def _int(value: Any, default: int = 0) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def tree_nodes(items: Any, unit: Unit, size: int) -> list[TreeNode]:
    """PageIndex JSON nodes as TreeNodes. Markdown nodes only carry `line_num`: each one's range runs to
    the line before the next node at its level or above, so a parent covers its children as in a PDF."""
    flat: list[tuple[int, dict[str, Any]]] = []

    def collect(nodes: Any, depth: int) -> None:
        for item in nodes if isinstance(nodes, list) else []:
            if isinstance(item, dict):
                flat.append((depth, item))
                collect(item.get("nodes"), depth + 1)

    collect(items, 0)
    made: list[TreeNode] = []
    stack: list[TreeNode] = []
    roots: list[TreeNode] = []
    for number, (depth, item) in enumerate(flat):
        start = _int(item.get("start_index", item.get("line_num")), 1)
        if unit == "line":
            later = next((_int(i.get("line_num"), 1) for d, i in flat[number + 1 :] if d <= depth), None)
            end = (later - 1) if later is not None else size
        else:
            end = _int(item.get("end_index"), start)
        summary = item.get("summary", item.get("prefix_summary"))
        node = TreeNode(
            node_id=str(item.get("node_id") or f"{number:04d}"),
            title=str(item.get("title", "")),
            start=start,
            end=max(start, end),
            summary=summary if isinstance(summary, str) else "",
            depth=depth,
        )
        made.append(node)
        while stack and stack[-1].depth >= depth:
            stack.pop()
        (stack[-1].children if stack else roots).append(node)
        stack.append(node)
    return roots


def _size(data: dict[str, Any], unit: Unit, roots: list[TreeNode]) -> int:
    if unit == "line" and _int(data.get("line_count")):
        return _int(data.get("line_count"))
    return max((n.end for r in roots for n in r.walk()), default=0)


def _reader(doc: PdfDocument | MarkdownDocument) -> Callable[[int, int], list[str]]:
    if isinstance(doc, MarkdownDocument):
        return lambda first, last: [
            doc.lines[i - 1] if 0 < i <= len(doc.lines) else "" for i in range(first, last + 1)
        ]
    return lambda first, last: [doc.page_text(p) for p in range(max(1, first), min(doc.page_count, last) + 1)]


def build_document(data: Any, where: str, source: Path | None, password: str | None = None) -> AskDocument:
    """An AskDocument from parsed PageIndex JSON and, when given and readable, its source file."""
    if not isinstance(data, dict) or not isinstance(data.get("structure"), list):
        raise AskInputError(
            f"{where} is not a PageIndex tree (no `structure` list)", "pass a _structure.json"
        )
    markdown = _looks_markdown(data["structure"])
    unit: Unit = "line" if markdown else "page"
    name = str(data.get("doc_name") or Path(where).name.removesuffix(STRUCTURE_SUFFIX))
    size = _int(data.get("line_count")) if markdown else 0
    roots = tree_nodes(data["structure"], unit, size or 10**9)
    if not roots:
        raise AskInputError(f"{where} holds an empty tree", "index the document again")
    size = size or _size(data, unit, roots)
    doc = AskDocument(name=name, path=where, unit=unit, size=size, roots=roots)
    if source is None:
        doc.note = NO_SOURCE
        return doc
    try:
        opened = open_document(source, password)
    except DocumentError as err:
        doc.note = f"its source {source} cannot be read ({err.message}), so citations cannot be checked"
        return doc
    if isinstance(opened, MarkdownDocument) != markdown:
        doc.note = f"{source} is not the kind of document the tree was made from; citations cannot be checked"
        return doc
    doc.source, doc.read = source, _reader(opened)
    doc.size = opened.line_count if isinstance(opened, MarkdownDocument) else opened.page_count
    if markdown:
        doc.roots = tree_nodes(data["structure"], unit, doc.size)
    return doc


def _looks_markdown(items: list[Any]) -> bool:
    first = next((i for i in items if isinstance(i, dict)), {})
    return "line_num" in first and "start_index" not in first


def source_beside(structure: Path) -> Path | None:
    """The document a `_structure.json` was made from, when it lies beside it (see the module docstring)."""
    stem = structure.name.removesuffix(STRUCTURE_SUFFIX)
    folder = structure.parent
    candidates = [folder / stem] if Path(stem).suffix.lower() in SOURCE_SUFFIXES else []
    candidates += [folder / f"{stem}{suffix}" for suffix in SOURCE_SUFFIXES]
    run = folder / f"{stem}_run.json"
    try:
        recorded = json.loads(run.read_text(encoding="utf-8")).get("path")
    except (OSError, ValueError, AttributeError):
        recorded = None
    if isinstance(recorded, str) and recorded:
        candidates.append(Path(recorded) if Path(recorded).is_absolute() else folder / recorded)
        candidates.append(Path(recorded))
    return next((c for c in candidates if c.is_file()), None)


def load_structure_file(path: Path, password: str | None = None) -> AskDocument:
    """An AskDocument from a `_structure.json` (its source found beside it when there)."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise AskInputError(f"{path}: no such file", "check the path") from None
    except OSError as err:
        raise AskInputError(f"{path} cannot be read: {err.strerror}", "check its permissions") from None
    except ValueError as err:
        raise AskInputError(
            f"{path} is not JSON: {err}", "pass a _structure.json the indexer wrote"
        ) from None
    return build_document(data, str(path), source_beside(Path(path)), password)


def load_entry(entry: LibraryEntry, password: str | None = None) -> AskDocument:
    """An AskDocument from a saved index; its source is the file it was made from, if still unchanged."""
    try:
        data = entry.load()
    except (OSError, ValueError) as err:
        raise AskInputError(
            f"the saved index of {entry.doc_name} cannot be read: {err}", "index it again"
        ) from None
    source = Path(entry.source) if entry.source else None
    if source is not None and not source.is_file():
        source = None
    doc = build_document(data, str(entry.structure_path), source, password)
    doc.name = entry.doc_name or doc.name
    if source is None and entry.source:
        doc.note = f"its source {entry.source} is gone, so citations cannot be checked against pages"
    return doc


_RANGE = re.compile(r"^\s*(\d+)\s*(?:[-–]\s*(\d+))?\s*$")


def parse_ranges(text: str, last: int, limit: int = 0) -> list[int]:
    """ "1-3,7" as [1, 2, 3, 7]; raises AskInputError naming the bad part, a unit past `last`, or more than
    `limit` units (0: no limit)."""
    units: list[int] = []
    for part in str(text).split(","):
        if not part.strip():
            continue
        match = _RANGE.match(part)
        if match is None:
            raise AskInputError(f"{part.strip()!r} is not a page or a range such as 3-5", 'use "1-3,7"')
        first = int(match.group(1))
        end = int(match.group(2) or first)
        if first < 1 or end < first:
            raise AskInputError(f"{part.strip()!r} is not a range of pages from 1 up", 'use "1-3,7"')
        if end > last:
            raise AskInputError(f"{part.strip()!r} goes past the document's last page, {last}", "")
        units.extend(u for u in range(first, end + 1) if u not in units)
        if limit and len(units) > limit:
            raise AskInputError(f"more than {limit} pages asked for at once", "ask for fewer pages")
    if not units:
        raise AskInputError("no pages given", 'use "1-3,7"')
    return units
