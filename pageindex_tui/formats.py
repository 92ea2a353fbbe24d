"""The document formats the tool reads, by file suffix, and which files are documents at all: one place for
the loader, `find_documents`, the app's documents pane and its index keys. It imports nothing heavy, so the
app can filter its file tree without loading pypdf.

A document is a PDF or Markdown file that is not one of our own outputs (whatever folder it lies in: an
export written into the documents folder must never be indexed as a document) and not hidden.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

Kind = Literal["pdf", "markdown"]

PDF_SUFFIXES = (".pdf",)
MARKDOWN_SUFFIXES = (".md", ".markdown")
SUPPORTED_SUFFIXES = PDF_SUFFIXES + MARKDOWN_SUFFIXES

# What we write: a tree (`<stem>_structure.json`), its run record, a Markdown outline export.
STRUCTURE_SUFFIX = "_structure.json"
RUN_SUFFIX = "_run.json"
OUTLINE_SUFFIX = "_outline.md"
OUTPUT_SUFFIXES = (STRUCTURE_SUFFIX, RUN_SUFFIX, OUTLINE_SUFFIX)


def kind_of(path: Path | str) -> Kind | None:
    """Whether a file is a PDF or a Markdown document, by its suffix (the one place that decides it; a
    tree read back tells its own kind, see `tree.Tree.from_json`); None for any other file."""
    suffix = Path(path).suffix.lower()
    if suffix in PDF_SUFFIXES:
        return "pdf"
    return "markdown" if suffix in MARKDOWN_SUFFIXES else None


def is_our_output(path: Path | str) -> bool:
    """A file this tool writes (by its name), never a document to index."""
    return Path(path).name.lower().endswith(OUTPUT_SUFFIXES)


def is_document(path: Path | str, root: Path | str | None = None) -> bool:
    """A file to index: a PDF or Markdown file that is not our output and, below `root`, not hidden."""
    path = Path(path)
    if kind_of(path) is None or is_our_output(path):
        return False
    if root is None:
        return not path.name.startswith(".")
    try:
        parts = path.relative_to(root).parts
    except ValueError:
        parts = (path.name,)
    return not any(part.startswith(".") for part in parts)
