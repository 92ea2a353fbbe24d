"""The document formats the tool reads, by file suffix: one place for the loader, `find_documents` and the
app's documents pane. It imports nothing, so the app can filter its file tree without loading pypdf."""

from __future__ import annotations

PDF_SUFFIXES = (".pdf",)
MARKDOWN_SUFFIXES = (".md", ".markdown")
SUPPORTED_SUFFIXES = PDF_SUFFIXES + MARKDOWN_SUFFIXES
