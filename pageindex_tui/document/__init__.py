"""Documents to index: PDFs (pypdf) and Markdown files. No UI imports, no printing."""

from .base import DocEntry, Document, Unit, span_label, tag_pages
from .loader import SUPPORTED_SUFFIXES, open_document
from .markdown import Heading, MarkdownDocument, open_markdown
from .pdf import OutlineEntry, PdfDocument, open_pdf

__all__ = [
    "SUPPORTED_SUFFIXES",
    "DocEntry",
    "Document",
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
