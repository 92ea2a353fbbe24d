"""A PDF opened in pdfium from its bytes, opened afresh every RELOAD_PAGES pages, so memory stays flat.

pdfium keeps every object it has parsed until its document is closed, a page's images among them: a
page loaded and closed again still holds its share of memory. Reading the pages of an image-only PDF
of 500 pages (112 MB, 150 dpi) one at a time grew the process by 110 MB, the file's images over again,
and rendering them for OCR did the same. Through `PdfiumFile` every use of a page loads it, uses it and
closes it under the pdfium lock, so nothing of the document outlives a use, and the document is closed
and opened again from the same bytes once RELOAD_PAGES pages have been loaded: what pdfium keeps is
bounded by that many pages whatever the page count. Opening costs little (the cross-reference table,
a few milliseconds for 500 pages).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from .lines import _LOCK, open_pdfium

if TYPE_CHECKING:
    import pypdfium2 as pdfium

RELOAD_PAGES = 32  # pages loaded before the document is opened again (about 7 MB of 150 dpi scans)

T = TypeVar("T")


class PdfiumFile:
    """`data` opened in pdfium (with `password`); raises what pdfium raises when it cannot."""

    def __init__(self, data: bytes, password: str | None = None) -> None:
        self.data = data
        self.password = password
        self._doc = open_pdfium(data, password)
        self.loads = 0  # pages loaded since the document was last opened
        self.opened = 1  # times the document was opened

    def on_page(self, number: int, use: Callable[[pdfium.PdfDocument, int], T]) -> T:
        """`use(document, number)`, which loads 1-based page `number` and closes it before it returns,
        under the pdfium lock; the document opened again first where RELOAD_PAGES pages were loaded."""
        with _LOCK:
            if self.loads >= RELOAD_PAGES:
                self._doc.close()
                self._doc = open_pdfium(self.data, self.password)
                self.loads = 0
                self.opened += 1
            self.loads += 1
            return use(self._doc, number)

    def close(self) -> None:
        with _LOCK:
            self._doc.close()
