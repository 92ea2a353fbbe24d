"""Scanned test PDFs: a generated text PDF rendered to page images (pdfium) and wrapped in an image-only PDF
(Pillow), so the OCR path reads pages whose text is known."""

from __future__ import annotations

from pathlib import Path

import pypdfium2 as pdfium
from fpdf import FPDF
from pdfgen import _body_lines, _target
from PIL import Image

SECTIONS = ["1 Introduction", "2 Methods", "3 Results"]  # one per page, headings set large and bold
SCAN_DPI = 150


def make_text_pdf(directory: Path | str, name: str = "born.pdf", sections: list[str] = SECTIONS) -> Path:
    """One page per section: a 20 pt bold heading, then eight lines of 11 pt body text."""
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(False)
    for number, title in enumerate(sections, 1):
        pdf.add_page()
        pdf.set_font("Helvetica", style="B", size=20)
        pdf.cell(0, 14, title, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", size=11)
        for line in _body_lines(number, title.split(" ", 1)[1].lower(), 8):
            pdf.cell(0, 7, line, new_x="LMARGIN", new_y="NEXT")
    path = _target(directory, name)
    pdf.output(str(path))
    return path


def make_bold_headings_pdf(directory: Path | str, sections: list[str] = SECTIONS) -> Path:
    """Headings that only bold sets apart: per page two sections, each an 11 pt bold heading over eight
    lines of 11 pt body text (a report's run of numbered sections)."""
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(False)
    for number, title in enumerate(sections, 1):
        if number % 2:
            pdf.add_page()
        pdf.set_font("Helvetica", style="B", size=11)
        pdf.cell(0, 10, title, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", size=11)
        for line in _body_lines(number, title.split(" ", 1)[1].lower(), 8):
            pdf.cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
    path = _target(directory, "bold_headings.pdf")
    pdf.output(str(path))
    return path


def page_images(pdf: Path, dpi: int = SCAN_DPI) -> list[Image.Image]:
    doc = pdfium.PdfDocument(str(pdf))
    try:
        return [page.render(scale=dpi / 72, grayscale=True).to_pil().copy() for page in doc]
    finally:
        doc.close()


def images_to_pdf(images: list[Image.Image], path: Path, dpi: int = SCAN_DPI) -> Path:
    images[0].save(path, "PDF", resolution=dpi, save_all=True, append_images=images[1:])
    return path


def make_scanned_copy(directory: Path | str, sections: list[str] = SECTIONS) -> Path:
    """The text PDF of `sections`, as a scan: every page an image, no text layer."""
    directory = Path(directory)
    born = make_text_pdf(directory, "born.pdf", sections)
    return images_to_pdf(page_images(born), _target(directory, "scanned_copy.pdf"))


def make_half_scanned(directory: Path | str) -> Path:
    """Three pages: the first keeps its text layer, the second and third are images."""
    directory = Path(directory)
    born = make_text_pdf(directory, "born.pdf")
    scans = images_to_pdf(page_images(born)[1:], directory / "scans.pdf")
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    writer.add_page(PdfReader(born).pages[0])
    for page in PdfReader(scans).pages:
        writer.add_page(page)
    path = _target(directory, "half_scanned.pdf")
    with path.open("wb") as out:
        writer.write(out)
    return path
