"""benchmarks/ocr_bench.py's reference: text-layer lines outside the page as displayed are not counted."""

from __future__ import annotations

import sys
from pathlib import Path

from fpdf import FPDF
from pypdf import PdfReader, PdfWriter
from pypdf.generic import RectangleObject

from pageindex_tui.document.ocr import OcrLine, page_lines
from pageindex_tui.document.pdf import PdfDocument

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

import ocr_bench


def _spread(folder: Path) -> Path:
    """A cover spread: the back cover's words on the left half, the front cover's title on the right,
    and a crop box that shows the left half only (the page as a reader sees it)."""
    pdf = FPDF(unit="pt", format=(1224, 792))
    pdf.add_page()
    pdf.set_font("Helvetica", size=14)
    pdf.text(72, 700, "Institute of Standards and Technology")
    pdf.set_font("Helvetica", size=40)
    pdf.text(680, 150, "Annual Report of the Division")
    drawn = folder / "drawn.pdf"
    pdf.output(str(drawn))
    writer = PdfWriter()
    page = PdfReader(drawn).pages[0]
    page.cropbox = RectangleObject((0, 0, 612, 792))
    writer.add_page(page)
    target = folder / "spread.pdf"
    with target.open("wb") as out:
        writer.write(out)
    return target


def test_a_line_outside_the_crop_box_is_not_counted_against_the_engine(tmp_path):
    doc = PdfDocument(_spread(tmp_path), ocr=False)
    truth = doc.page_lines(1)
    assert truth is not None
    assert "Annual Report" in truth.text  # the layer holds the title the page does not show
    image = doc.render(1, 72)
    assert image.width == 612  # the rendered page is the crop box: the title is on no pixel of it
    assert [line.text for line in ocr_bench.shown(truth).lines] == ["Institute of Standards and Technology"]
    seen = next(line for line in truth.lines if line.text.startswith("Institute"))
    read = [OcrLine(seen.text, seen.x0, seen.top, seen.x1, seen.bottom)]  # what the page shows, read right
    score = ocr_bench.score_page(page_lines(1, truth.width, truth.height, 72, read), truth)
    assert score.cer == 0.0
    assert score.all > 0.4  # the figure before the rule, still printed: the hidden title counted
