"""Libraries of many small Markdown documents, filed as `index` files them, for search and routing tests."""

from __future__ import annotations

import json
import multiprocessing
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pageindex_tui.settings import Settings
from pageindex_tui.store.library import Library
from pageindex_tui.store.records import RunRecord
from pageindex_tui.tree import Tree, TreeNode

FILLER = ["harbour", "ledger", "quarry", "orchard", "turbine", "glacier", "lantern", "meadow", "furnace"]


def file_markdown(
    library: Library, folder: Path, name: str, sections: list[tuple[str, str]], summaries: bool = True
) -> Path:
    """`<name>.md` in `folder` with one `##` section per (title, body of one line or more), its tree filed
    in `library` with the default settings, each body (when not empty) as its section's summary unless
    not `summaries` (then the body is only in the file's text); returns the Markdown file."""
    folder.mkdir(parents=True, exist_ok=True)
    lines = [f"# {name}", ""]
    nodes = []
    for title, body in sections:
        node_id = f"{len(nodes) + 1:04d}"  # as the engine numbers them: the document's node is 0000
        nodes.append(
            {"title": title, "node_id": node_id, "line_num": len(lines) + 1}
            | ({"summary": body} if body and summaries else {})
        )
        lines += [f"## {title}", "", *body.split("\n"), ""]
    path = folder / f"{name}.md"
    path.write_text("\n".join(lines), encoding="utf-8")
    tree = {"doc_name": name, "line_count": len(lines),
            "structure": [{"title": name, "node_id": "0000", "line_num": 1, "nodes": nodes}]}  # fmt: skip
    _file(
        library, path, tree, RunRecord(f"{name}.md", str(path), unit="lines", size=len(lines)), len(nodes) + 1
    )
    return path


def file_pdf(library: Library, pdf: Path, sections: list[tuple[str, int, int]], pages: int) -> Path:
    """`pdf`'s tree filed in `library` with the default settings, one node per (title, first page, last
    page), without summaries: its words are only in its page text (which a search sync reads from the
    file); returns the PDF."""
    nodes = tuple(TreeNode(title, first, last) for title, first, last in sections)
    tree = Tree(pdf.name, "page", nodes).numbered()
    _file(library, pdf, tree.to_json(), RunRecord(pdf.name, str(pdf), unit="pages", size=pages), len(nodes))
    return pdf


def _file(library: Library, path: Path, tree: dict[str, Any], record: RunRecord, nodes: int) -> None:
    """The tree's files written where the engine writes them, and saved in the library."""
    digest = library.digest(path)
    target = library.folder_for(digest, Settings())
    target.mkdir(parents=True, exist_ok=True)
    structure, run = target / f"{path.stem}_structure.json", target / f"{path.stem}_run.json"
    structure.write_text(json.dumps(tree), encoding="utf-8")
    record.nodes = nodes
    record.finished_at = "2026-01-01T00:00:00"
    run.write_text(json.dumps(record.to_dict()), encoding="utf-8")
    library.save(path, digest, Settings(), structure, run, record)


def many_documents(library: Library, folder: Path, count: int) -> None:
    """`count` documents `doc0000` ... each with three sections; document 7's second section alone names
    the lighthouse keeper's salary (when there are at least 8)."""
    for number in range(count):
        word = FILLER[number % len(FILLER)]
        sections = [
            (f"Overview of the {word} works {number}", f"The {word} works {number} are described here."),
            (f"Budget {number}", f"The {word} budget {number} was approved in spring."),
            (f"Staff {number}", f"Staff of the {word} works {number}."),
        ]
        if number == 7:
            sections[1] = ("Lighthouse keeper salary", "The lighthouse keeper earns 41,000 euros a year.")
        file_markdown(library, folder, f"doc{number:04d}", sections)


def file_in_two_processes(writer: Callable[[str, int], None], root: Path) -> None:
    """`writer(root, first)` in two spawned processes at once (first 0 and 100), each to exit cleanly."""
    context = multiprocessing.get_context("spawn")
    writers = [context.Process(target=writer, args=(str(root), first)) for first in (0, 100)]
    for process in writers:
        process.start()
    for process in writers:
        process.join(120)
        assert process.exitcode == 0
