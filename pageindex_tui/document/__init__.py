"""Documents to index: PDFs (pypdf) and Markdown files. No UI imports, no printing."""

from .loader import SUPPORTED_SUFFIXES, open_document
from .markdown import Heading, MarkdownDocument, open_markdown
from .pdf import OutlineEntry, PdfDocument, open_pdf

__all__ = [
    "SUPPORTED_SUFFIXES",
    "Heading",
    "MarkdownDocument",
    "OutlineEntry",
    "PdfDocument",
    "open_document",
    "open_markdown",
    "open_pdf",
]
