"""pdfium keeps what it parsed until its document closes: a PDF's pages are read through a document opened
again every RELOAD_PAGES pages, and read exactly as one document open throughout reads them."""

from __future__ import annotations

from pathlib import Path

from fpdf import FPDF

from pageindex_tui.document import open_pdf
from pageindex_tui.document import pdfium_file as pdfium_file_module
from pageindex_tui.document.lines import read_lines
from pageindex_tui.document.pdfium_file import PdfiumFile
from pageindex_tui.document.scan import render_page


def _pdf(path: Path, pages: int) -> Path:
    pdf = FPDF(format="A5")
    for page in range(1, pages + 1):
        pdf.add_page()
        pdf.set_font("Helvetica", "B", 14)
        pdf.cell(0, 10, f"Section {page}", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", size=10)
        pdf.cell(0, 6, f"Body text of page {page}.", new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(path))
    return path


def test_the_document_is_opened_again_every_reload_pages_pages(tmp_path, monkeypatch):
    monkeypatch.setattr(pdfium_file_module, "RELOAD_PAGES", 4)
    path = _pdf(tmp_path / "doc.pdf", 10)
    file = PdfiumFile(path.read_bytes())
    sizes = [file.on_page(n, lambda doc, number: doc[number - 1].get_size()) for n in range(1, 11)]
    assert len(sizes) == 10
    assert file.opened == 3  # pages 1-4, 5-8, 9-10: never more than 4 pages' objects held
    assert file.loads == 2
    file.close()


def test_pages_read_and_rendered_across_reopenings_are_the_same(tmp_path, monkeypatch):
    monkeypatch.setattr(pdfium_file_module, "RELOAD_PAGES", 3)
    path = _pdf(tmp_path / "doc.pdf", 8)
    expected = list(read_lines(path.read_bytes()))  # one document open for every page
    doc = open_pdf(path)
    assert [doc.page_lines(p) for p in range(1, 9)] == expected
    assert doc._pdfium is not None and doc._pdfium.opened >= 3
    whole = PdfiumFile(path.read_bytes())
    monkeypatch.setattr(pdfium_file_module, "RELOAD_PAGES", 1000)
    once = [whole.on_page(p, lambda d, n: render_page(d, n, 50)).tobytes() for p in range(1, 9)]
    assert [doc.render(p, 50).tobytes() for p in range(1, 9)] == once
