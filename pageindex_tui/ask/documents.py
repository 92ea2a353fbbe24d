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

from .. import checked
from ..document import MarkdownDocument, PdfDocument, open_document
from ..errors import DamagedFile, DocumentError, PageIndexError
from ..formats import STRUCTURE_SUFFIX, SUPPORTED_SUFFIXES, kind_of
from ..store.library import LibraryEntry, file_digest
from ..tree import Tree, Unit
from .types import AskDocument

NO_SOURCE = "its source document is not beside it, so citations cannot be checked against pages"


class AskInputError(PageIndexError):
    """A document to ask about cannot be used: no such file, not a PageIndex tree, a bad page range."""


def _reader(doc: PdfDocument | MarkdownDocument) -> Callable[[int, int], list[str]]:
    if isinstance(doc, MarkdownDocument):
        return lambda first, last: [
            doc.lines[i - 1] if 0 < i <= len(doc.lines) else "" for i in range(first, last + 1)
        ]
    return lambda first, last: [doc.page_text(p) for p in range(max(1, first), min(doc.page_count, last) + 1)]


def build_document(
    tree: Tree,
    where: str,
    source: Path | None,
    password: str | None = None,
    opened: PdfDocument | MarkdownDocument | None = None,
) -> AskDocument:
    """An AskDocument from a tree and, when given and readable, its source (`opened`: already opened by
    the caller)."""
    tree = tree.numbered()
    if not tree.nodes:
        raise AskInputError(f"{where} holds an empty tree", "index the document again")
    size = tree.size or max((n.end for n in tree.walk()), default=0)
    if source is None:
        return AskDocument(tree.name, where, tree, size, note=NO_SOURCE)
    try:
        opened = opened or open_document(source, password)
    except DocumentError as err:
        note = f"its source {source} cannot be read ({err.message}), so citations cannot be checked"
        return AskDocument(tree.name, where, tree, size, note=note)
    if opened.unit != tree.unit:
        note = f"{source} is not the kind of document the tree was made from; citations cannot be checked"
        return AskDocument(tree.name, where, tree, size, note=note)
    return AskDocument(tree.name, where, tree.sized(opened.size), opened.size, source, _reader(opened))


def source_beside(structure: Path) -> Path | None:
    """The document a `_structure.json` was made from, when it lies beside it (see the module docstring)."""
    stem = structure.name.removesuffix(STRUCTURE_SUFFIX)
    folder = structure.parent
    candidates = [folder / stem] if kind_of(stem) is not None else []
    candidates += [folder / f"{stem}{suffix}" for suffix in SUPPORTED_SUFFIXES]
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
    name = Path(path).name.removesuffix(STRUCTURE_SUFFIX)
    try:
        tree = checked.read_json(Path(path), lambda data: Tree.from_json(data, name))
    except FileNotFoundError:
        raise AskInputError(f"{path}: no such file", "check the path") from None
    except OSError as err:
        raise AskInputError(f"{path} cannot be read: {err.strerror}", "check its permissions") from None
    except DamagedFile as err:
        raise AskInputError(
            f"not a sound PageIndex tree: {err}", "pass a _structure.json the indexer wrote"
        ) from None
    return build_document(tree, str(path), source_beside(Path(path)), password)


def load_entry(
    entry: LibraryEntry,
    password: str | None = None,
    opened: PdfDocument | MarkdownDocument | None = None,
    digest: Callable[[Path], str] = file_digest,
) -> AskDocument:
    """An AskDocument from a saved index; its source is the file it was made from, if still unchanged
    (`digest` gives a file's content digest: the library's remembers it by size and mtime), or `opened`:
    that content, already opened by the caller. A source whose content changed since it was indexed is
    not read against the old tree: the document says so, and has no pages to read."""
    try:
        tree = entry.load()
    except (OSError, ValueError) as err:
        hint = err.hint if isinstance(err, PageIndexError) and err.hint else "index it again"
        raise AskInputError(f"the saved index of {entry.doc_name} cannot be read: {err}", hint) from None
    source = opened.path if opened is not None else Path(entry.source) if entry.source else None
    if source is not None and not source.is_file():
        source = None
    changed = False
    if opened is None and source is not None and entry.digest:
        try:
            changed = digest(source) != entry.digest
        except OSError:
            source = None
    doc = build_document(tree, str(entry.structure_path), None if changed else source, password, opened)
    doc.name = entry.doc_name or doc.name
    doc.made_with = dict(entry.settings) if entry.settings else None
    if changed:
        doc.note = f"its source {source} changed since it was indexed; index it again to read its pages"
    elif source is None and entry.source:
        doc.note = f"its source {entry.source} is gone, so citations cannot be checked against pages"
    return doc


_RANGE = re.compile(r"^\s*(\d{1,12})\s*(?:[-–]\s*(\d{1,12}))?\s*$")  # 12 digits: past any document


def parse_ranges(text: str, last: int, limit: int = 0, unit: Unit = "page") -> list[int]:
    """ "1-3,7" as [1, 2, 3, 7] (each unit once, in the order given); raises AskInputError naming the bad
    part, a unit past `last`, or more than `limit` units (0: no limit), in the words of `unit` (pages of a
    PDF, lines of a Markdown document). The count is taken from the ranges before any is expanded, so a
    huge range costs no more than a small one."""
    spans: list[tuple[int, int]] = []
    for part in str(text).split(","):
        if not part.strip():
            continue
        match = _RANGE.match(part)
        if match is None:
            raise AskInputError(
                f"{part.strip()[:40]!r} is not a {unit} or a range such as 3-5", 'use "1-3,7"'
            )
        first = int(match.group(1))
        end = int(match.group(2) or first)
        if first < 1 or end < first:
            raise AskInputError(f"{part.strip()!r} is not a range of {unit}s from 1 up", 'use "1-3,7"')
        if end > last:
            raise AskInputError(f"{part.strip()!r} goes past the document's last {unit}, {last}", "")
        spans.append((first, end))
    if not spans:
        raise AskInputError(f"no {unit}s given", 'use "1-3,7"')
    if limit and _covered(spans) > limit:
        raise AskInputError(f"more than {limit} {unit}s asked for at once", f"ask for fewer {unit}s")
    seen: set[int] = set()
    units = []
    for first, end in spans:
        for number in range(first, end + 1):
            if number not in seen:
                seen.add(number)
                units.append(number)
    return units


def _covered(spans: list[tuple[int, int]]) -> int:
    """How many distinct units the inclusive spans cover (merged, not expanded)."""
    total, reach = 0, 0
    for first, end in sorted(spans):
        if end > reach:
            total += end - max(first, reach + 1) + 1
            reach = end
    return total
