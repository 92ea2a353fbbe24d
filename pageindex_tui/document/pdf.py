"""PDF documents: page count, outline and page labels through pypdf; page text and layout through pdfium.

Page text comes from the lines pdfium reads (`lines.py`), which also carry each line's typography
for the layout stage; one read gives both. Where pdfium cannot open the file or a page, pypdf's
text extraction stands in (with a warning), and that page has no layout.

pypdf's own log records and warnings never reach the terminal: while we call into pypdf they are
captured into `PdfDocument.warnings` (`quiet.py`). All pypdf calls hold one module-wide lock, which keeps
that capture (a process-wide change to the "pypdf" logger and the warnings filters) consistent
when several documents are read from several threads.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pypdf import PdfReader
from pypdf.errors import DependencyError, FileNotDecryptedError

from ..errors import CorruptPDF, EmptyDocument, EncryptedPDF, NoTextLayer, PageIndexError
from . import ocr, parallel
from .base import Entry, Unit, tag_pages
from .files import read_document_bytes, shared_stream
from .lines import PageLines, read_page, writable
from .ocr import INSTALL_HINT, OCR_DPI, OcrCache, digest, engine_installed, usable_text
from .password import decrypt
from .pdfium_file import PdfiumFile
from .quiet import PYPDF_LOCK, quiet_pypdf
from .scan import draws_image, render_page

if TYPE_CHECKING:
    from PIL import Image

__all__ = ["OutlineEntry", "PdfDocument", "open_pdf"]

SAMPLE_PAGES = 12  # pages looked at to decide whether a PDF has a text layer


@dataclass(frozen=True)
class OutlineEntry:
    title: str  # cleaned: whitespace collapsed, control characters removed
    page: int  # 1-based physical page
    level: int  # 0 for top level, 1 for children, ...


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def clean_title(raw: object) -> str:
    """Collapse whitespace; drop NUL, control and invisible format characters from an outline title."""
    if raw is None:
        return ""
    text = raw.decode("latin-1") if isinstance(raw, bytes) else str(raw)
    text = _CONTROL.sub(" ", text)
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")  # BOMs, zero-width marks
    return " ".join(text.split())


def sample_pages(page_count: int, samples: int = SAMPLE_PAGES) -> list[int]:
    """Up to `samples` 1-based page numbers spread evenly over the document, first and last included."""
    if page_count <= samples:
        return list(range(1, page_count + 1))
    return sorted({1 + round(i * (page_count - 1) / (samples - 1)) for i in range(samples)})


class PdfDocument:
    """An opened PDF. Build it with `open_pdf`; page text is extracted on first use and cached."""

    kind = "pdf"
    unit: Unit = "page"

    def __init__(self, path: Path | str, password: str | None = None, ocr: bool | None = None) -> None:
        """`ocr`: whether scanned pages can be recognised (None: when the embedded engine is installed);
        without it a PDF with no text layer raises NoTextLayer."""
        self.path = Path(path)
        self.ocr = engine_installed() if ocr is None else ocr
        self.ocr_cache = OcrCache()  # recognised pages, read back where a page needs OCR
        self.recognised: dict[int, str] = {}  # page -> the engine that read it
        self._scanned: set[int] = set()  # pages without a usable text layer that draw an image
        self._unlooked: set[int] = set()  # scanned pages not yet looked up in the OCR cache (nor recognised)
        self.name = self.path.name
        self.warnings: list[str] = []
        self.outline_dropped = 0  # outline entries whose destination does not exist
        self._text: dict[int, str] = {}
        self._lines: dict[int, PageLines | None] = {}
        self._pdfium: PdfiumFile | None = None  # None where pdfium cannot read the file
        self._reader: PdfReader
        self.page_count: int
        self._open(password)  # sets _reader and page_count
        with self._capture("outline"):
            self.outline: list[OutlineEntry] = self._read_outline()
        with self._capture("page labels"):
            self.page_labels: list[str] | None = self._read_labels()

    # --- opening ----------------------------------------------------------------------------
    def _open(self, password: str | None) -> None:
        where = str(self.path)
        data = read_document_bytes(self.path, "PDF", ".pdf")
        try:
            with self._capture("open"):
                reader = PdfReader(shared_stream(data), strict=False)
                if reader.is_encrypted:
                    self._decrypt(reader, password)
                page_count = len(reader.pages)
        except PageIndexError:
            raise
        except DependencyError as err:
            raise EncryptedPDF(
                f"{where} is encrypted with a method that needs an extra package: {err}",
                "install it with `pip install cryptography`, or pass a decrypted copy",
            ) from err
        except FileNotDecryptedError as err:
            raise EncryptedPDF(f"{where} is password-protected", "pass its password with --password") from err
        except Exception as err:  # pypdf raises many kinds on damaged files; KeyboardInterrupt passes
            raise CorruptPDF(
                f"{where} is not a readable PDF ({type(err).__name__}: {err})",
                "the file may be truncated, damaged or not a PDF at all; re-download or re-export it",
            ) from err
        self.page_count = page_count
        if page_count == 0:
            raise EmptyDocument(f"{where} has no pages", "check that this is the PDF you meant")
        self._reader = reader
        self._open_pdfium(data, password)
        self._check_text_layer()

    def _open_pdfium(self, data: bytes, password: str | None) -> None:
        for candidate in ([password] if password else []) + [None]:
            try:
                self._pdfium = PdfiumFile(data, candidate)
                return
            except Exception as err:  # pdfium refuses some files pypdf repairs
                why = f"{type(err).__name__}: {err}"
        self._note("layout")(f"pdfium could not read the file ({why}); text from pypdf, no layout")

    def _decrypt(self, reader: PdfReader, password: str | None) -> None:
        decrypt(reader, self.path, password)

    def _check_text_layer(self) -> None:
        sampled = sample_pages(self.page_count)
        for page in sampled:
            if not self._needs_ocr(page) and usable_text(self._extract(page)):
                return
        if self.ocr and self._pdfium is not None and any(self._draws_image(p) for p in sampled):
            return  # scanned: its pages are recognised (`scanned_pages`, `set_recognised`)
        raise NoTextLayer(
            f"{self.path} has no text layer (none of the {len(sampled)} pages checked has usable text)",
            f"it looks scanned: {INSTALL_HINT}, or set ocr_model to a vision model the server serves, "
            f"or OCR it first (`ocrmypdf {self.name} out.pdf`)",
        )

    # --- pypdf access -------------------------------------------------------------------------
    def _note(self, context: str) -> Callable[[str], None]:
        def note(message: str) -> None:
            line = f"{context}: {' '.join(message.split())}"
            if line not in self.warnings:
                self.warnings.append(line)

        return note

    def _capture(self, context: str) -> AbstractContextManager[None]:
        return quiet_pypdf(self._note(context))

    def _layer(self, page: int) -> PageLines | None:
        """The page's text layer as pdfium reads it, read once, a scanned page marked (`_detect`);
        nothing rendered, the OCR cache not asked."""
        if page not in self._lines:
            lines = None
            if self._pdfium is not None:
                try:
                    lines = self._pdfium.on_page(page, read_page)
                except Exception as err:  # a damaged page must not stop the document
                    self._note(f"page {page}")(f"layout could not be read ({type(err).__name__}: {err})")
            self._lines[page] = self._detect(page, lines)
        return self._lines[page]

    def _read_lines(self, page: int) -> PageLines | None:
        """The page's lines: its text layer's, or, for a scanned page, what the OCR cache holds for its
        image (looked up the first time the page's text is wanted: one rendering)."""
        lines = self._layer(page)
        if page in self._unlooked:
            self._unlooked.discard(page)
            lines = self._lines[page] = self._cached_ocr(page, lines)
        return lines

    def _needs_ocr(self, page: int) -> bool:
        """Whether `page` is scanned, from its text layer and its images alone: nothing rendered."""
        with PYPDF_LOCK:
            self._layer(page)
            return page in self._scanned

    def _detect(self, page: int, lines: PageLines | None) -> PageLines | None:
        """`lines` as read; a page whose text layer is not usable and that draws an image is marked
        scanned (and its OCR cache entry to be looked up). Nothing is rendered here."""
        if self.ocr and lines is not None and not usable_text(lines.text) and self._draws_image(page):
            self._scanned.add(page)
            self._unlooked.add(page)
        return lines

    def _cached_ocr(self, page: int, lines: PageLines | None) -> PageLines | None:
        """A scanned page recognised before (by any engine): its recognised lines, else `lines`."""
        assert lines is not None  # only a page with a text layer is marked scanned
        image = self.render(page)
        found = self.ocr_cache.get(digest(image))
        if found is None:
            return lines
        self.recognised[page] = found.engine
        return ocr.page_lines(page, lines.width, lines.height, OCR_DPI, found.lines)

    def _draws_image(self, page: int) -> bool:
        assert self._pdfium is not None
        try:
            return self._pdfium.on_page(page, draws_image)
        except Exception:  # a damaged page: nothing to recognise
            return False

    def _extract(self, page: int) -> str:
        """Text of a 1-based page, extracted once; failures give "" and a warning."""
        with PYPDF_LOCK:
            if page in self._text:
                return self._text[page]
            lines = self._read_lines(page)
            if lines is not None:
                self._text[page] = lines.text
                return self._text[page]
            text = ""
            try:
                with self._capture(f"page {page}"):
                    text = self._reader.pages[page - 1].extract_text() or ""
            except Exception as err:  # a damaged page must not stop the document
                self._note(f"page {page}")(f"text could not be extracted ({type(err).__name__}: {err})")
            text = writable(text.replace("\x00", ""))
            self._text[page] = text
            return text

    def _read_outline(self) -> list[OutlineEntry]:
        try:
            items = self._reader.outline
        except Exception as err:
            self._note("outline")(f"the outline could not be read ({type(err).__name__}: {err}); ignored")
            return []
        entries: list[OutlineEntry] = []
        self._walk_outline(items, 0, entries)
        return entries

    def _walk_outline(self, items: list[Any], level: int, entries: list[OutlineEntry]) -> None:
        note = self._note("outline")
        for item in items:
            if isinstance(item, list):
                self._walk_outline(item, level + 1, entries)
                continue
            title = clean_title(getattr(item, "title", None)) or "Untitled"
            try:
                index = self._reader.get_destination_page_number(item)
            except Exception as err:
                index, why = None, f"{type(err).__name__}: {err}"
            else:
                why = "its destination is missing"
            if index is not None and not 0 <= index < self.page_count:
                why, index = f"page {index + 1} does not exist", None
            if index is None:
                note(f"entry {title!r} dropped: {why}")
                self.outline_dropped += 1
                continue
            entries.append(OutlineEntry(title=title, page=index + 1, level=level))

    def _read_labels(self) -> list[str] | None:
        try:
            labels = [str(label) for label in self._reader.page_labels]
        except Exception as err:
            self._note("page labels")(f"could not be read ({type(err).__name__}: {err}); ignored")
            return None
        if len(labels) != self.page_count:
            self._note("page labels")(f"{len(labels)} labels for {self.page_count} pages; ignored")
            return None
        if labels == [str(i + 1) for i in range(self.page_count)]:
            return None
        return labels

    # --- public -------------------------------------------------------------------------------
    def prefetch(self, pages: Iterable[int]) -> None:
        """Read these pages' lines now, in several processes where there are enough of them and more
        than one CPU; a stage about to read most of a long document calls this first."""
        with PYPDF_LOCK:
            wanted = sorted({p for p in pages if 1 <= p <= self.page_count and p not in self._lines})
            if self._pdfium is None:
                return
        workers = parallel.workers_for(len(wanted))
        if workers < 2:
            return  # read one by one, on demand
        file = self._pdfium
        read = parallel.read_pages(
            file.data, file.password, wanted, workers, lambda run: parallel.read_run_in(file, run)
        )
        failed: dict[str, list[int]] = {}
        with PYPDF_LOCK:
            for page, lines, why in read:
                if page not in self._lines:
                    self._lines[page] = self._detect(page, lines)
                    if lines is None:
                        failed.setdefault(why, []).append(page)
        for why, lost in failed.items():  # one warning per cause, not one per page
            where = f"page {lost[0]}" if len(lost) == 1 else f"{len(lost)} pages from {lost[0]} to {lost[-1]}"
            self._note(where)(f"layout could not be read ({why})")

    def page_lines(self, page: int) -> PageLines | None:
        """The typeset lines of 1-based `page` (None where pdfium could not read it), read once."""
        if not isinstance(page, int) or not 1 <= page <= self.page_count:
            return None
        with PYPDF_LOCK:
            return self._read_lines(page)

    def layout(self) -> list[PageLines]:
        """Every readable page's lines, in page order."""
        self.prefetch(range(1, self.page_count + 1))
        out = []
        for page in range(1, self.page_count + 1):
            lines = self.page_lines(page)
            if lines is not None:
                out.append(lines)
        return out

    def scanned_pages(self) -> list[int]:
        """The pages that need OCR: their text layer is missing or junk and they draw an image (those
        read back from the OCR cache included: `recognised` says by which engine). Nothing is rendered:
        a page's image is made once, when it is recognised or its text first wanted."""
        self.prefetch(range(1, self.page_count + 1))
        return [page for page in range(1, self.page_count + 1) if self._needs_ocr(page)]

    def render(self, page: int, dpi: float = OCR_DPI) -> Image.Image:
        """1-based `page` as a greyscale image at `dpi` (for OCR)."""
        if self._pdfium is None:
            raise CorruptPDF(f"{self.path}: pdfium cannot read it, so its pages cannot be rendered")
        return self._pdfium.on_page(page, lambda doc, number: render_page(doc, number, dpi))

    def set_recognised(self, page: int, lines: PageLines, engine: str) -> None:
        """Recognised lines stand in for `page`'s text layer from now on."""
        with PYPDF_LOCK:
            self._unlooked.discard(page)
            self._lines[page] = lines
            self._text[page] = lines.text
            self.recognised[page] = engine

    def page_size(self, page: int) -> tuple[float, float] | None:
        """Width and height in points of 1-based `page` (None where pdfium could not read it), without
        rendering it or asking the OCR cache."""
        with PYPDF_LOCK:
            lines = self._layer(page)
        return None if lines is None else (lines.width, lines.height)

    def page_text(self, page: int) -> str:
        """Text of 1-based physical `page`; "" (and a warning) for a page out of range or unreadable."""
        if not isinstance(page, int) or not 1 <= page <= self.page_count:
            self._note("page_text")(f"page {page} is out of range 1-{self.page_count}")
            return ""
        return self._extract(page)

    # --- the document interface (base.Document) ------------------------------------------------
    @property
    def size(self) -> int:
        return self.page_count

    @property
    def doc_name(self) -> str:
        return self.name

    def entries(self) -> list[Entry]:
        """The outline (bookmarks) as sections."""
        return [Entry(e.title, e.level, e.page, "outline") for e in self.outline]

    def node_text(self, start: int, end: int) -> str:
        """Pages `start`..`end` (inclusive, clamped to the document), joined by newlines."""
        first, last = max(1, start), min(self.page_count, end)
        return "\n".join(self.page_text(p) for p in range(first, last + 1))

    def tagged(self, start: int, end: int) -> str:
        """Pages `start`..`end` (inclusive, clamped to the document), each wrapped in <page N> tags."""
        return tag_pages(self.page_text, max(1, start), min(self.page_count, end))

    def __repr__(self) -> str:
        return f"PdfDocument({str(self.path)!r}, pages={self.page_count}, outline={len(self.outline)})"


def open_pdf(path: Path | str, password: str | None = None, ocr: bool | None = None) -> PdfDocument:
    """Open a PDF; raises CorruptPDF, EncryptedPDF, EmptyDocument, NoTextLayer or DocumentError.
    `ocr`: whether scanned pages can be recognised (None: when the embedded engine is installed)."""
    return PdfDocument(path, password, ocr)
