"""Open a document by its suffix: .pdf through pypdf, .md / .markdown as UTF-8 text."""

from __future__ import annotations

from pathlib import Path

from ..errors import DocumentError, UnsupportedDocument
from ..formats import MARKDOWN_SUFFIXES, PDF_SUFFIXES, SUPPORTED_SUFFIXES, kind_of
from .markdown import MarkdownDocument, open_markdown
from .pdf import PdfDocument, open_pdf

__all__ = ["MARKDOWN_SUFFIXES", "PDF_SUFFIXES", "SUPPORTED_SUFFIXES", "open_document"]


def open_document(
    path: Path | str, password: str | None = None, ocr: bool | None = None
) -> PdfDocument | MarkdownDocument:
    """Open a PDF or Markdown file; every failure is a DocumentError subclass with a hint. `ocr`: whether
    a PDF's scanned pages can be recognised (None: when the embedded OCR engine is installed)."""
    path = Path(path).expanduser()
    if not path.exists():
        raise DocumentError(f"{path}: no such file", "check the path")
    if path.is_dir():
        raise DocumentError(
            f"{path} is a directory, not a document", "pass a .pdf or .md file inside it instead"
        )
    kind = kind_of(path)
    if kind == "pdf":
        return open_pdf(path, password, ocr)
    if kind == "markdown":
        return open_markdown(path)
    raise UnsupportedDocument(
        f"{path}: unsupported file type {path.suffix.lower() or '(no suffix)'!s}",
        "only PDF (.pdf) and Markdown (.md, .markdown) documents can be indexed",
    )
