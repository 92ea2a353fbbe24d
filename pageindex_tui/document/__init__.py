"""Documents to index: PDFs (pypdf) and Markdown files. No UI imports, no printing.

The readers load on first use (PEP 562), so that what needs only the interface and its labels (`base`),
such as the app at start-up, does not pay for pypdf and pdfium.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .base import Document, Entry, Unit, span_label, tag_pages

if TYPE_CHECKING:
    from .loader import SUPPORTED_SUFFIXES, open_document
    from .markdown import Heading, MarkdownDocument, open_markdown
    from .pdf import OutlineEntry, PdfDocument, open_pdf

_LAZY = {
    "SUPPORTED_SUFFIXES": "loader",
    "open_document": "loader",
    "Heading": "markdown",
    "MarkdownDocument": "markdown",
    "open_markdown": "markdown",
    "OutlineEntry": "pdf",
    "PdfDocument": "pdf",
    "open_pdf": "pdf",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "SUPPORTED_SUFFIXES",
    "Document",
    "Entry",
    "Heading",
    "MarkdownDocument",
    "OutlineEntry",
    "PdfDocument",
    "Unit",
    "open_document",
    "open_markdown",
    "open_pdf",
    "span_label",
    "tag_pages",
]
