"""Generated PDFs that reproduce the ways the layout misread real documents (issue 18), with their truth.

Each maker writes one small PDF (no outline, no contents page) into a directory and returns
(path, truth), truth being [(title, page, level)] as in `layoutgen`. Core fonts, latin-1 text.
"""

from __future__ import annotations

from pathlib import Path

from fpdf import FPDF
from layoutgen import Truth
from pdfgen import _body_lines, _target

BODY = 10.5


class _Page:
    """One A4 page written top-down at the left margin, one text line per call."""

    def __init__(self, pdf: FPDF, truth: Truth) -> None:
        self.pdf = pdf
        self.truth = truth
        pdf.add_page()
        pdf.set_xy(20, 20)

    @property
    def number(self) -> int:
        return self.pdf.page_no()

    def line(
        self,
        text: str,
        size: float = BODY,
        style: str = "",
        family: str = "Helvetica",
        align: str = "L",
        after: float = 0.0,
    ) -> None:
        self.pdf.set_font(family, style=style, size=size)
        self.pdf.set_x(20)
        self.pdf.cell(170, size * 0.45, text, align=align, new_x="LEFT", new_y="NEXT")
        self.pdf.set_y(self.pdf.get_y() + after)

    def space(self, mm: float) -> None:
        self.pdf.set_y(self.pdf.get_y() + mm)

    def body(self, seed: int, count: int = 8) -> None:
        for text in _body_lines(seed, "cases", count):
            self.line(text, after=1.2)
        self.space(3)

    def heading(
        self,
        lines: list[str],
        size: float,
        style: str = "B",
        align: str = "L",
        level: int = 0,
        sizes: list[float] | None = None,
    ) -> None:
        """A heading over one or more lines, closely set; the truth is all its lines joined."""
        self.space(5)
        for k, text in enumerate(lines):
            self.line(text, size=(sizes or [size] * len(lines))[k], style=style, align=align, after=0.6)
        self.space(3)
        self.truth.append((" ".join(lines), self.number, level))


def _pdf() -> FPDF:
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(False)
    return pdf


def make_multiline(directory: Path | str) -> tuple[Path, Truth]:
    """Headings over two or three lines: a company name over a statement title, a centred chapter
    title whose second line is the longer, a chapter label over its title in a larger size."""
    pdf, truth = _pdf(), []
    page = _Page(pdf, truth)
    page.heading(["NORTHWIND TRADERS INC.", "CONSOLIDATED STATEMENTS OF OPERATIONS"], 12)
    page.body(1, 10)
    page.heading(["Northwind Traders Inc.", "Consolidated Balance Sheets"], 12)
    page.body(2, 10)
    page = _Page(pdf, truth)
    page.heading(
        ["The Harbour and the River:", "Two Centuries of Trade Along the Northern Coast"], 18, align="C"
    )
    page.body(3, 12)
    page.body(4, 12)
    page = _Page(pdf, truth)
    page.heading(["Chapter 2", "Measuring the Tides"], 20, sizes=[14, 20])
    page.body(5, 12)
    page.heading(["Sources of the Records Kept", "by the Harbour Office"], 13, level=1)
    page.body(6, 12)
    path = _target(directory, "multiline.pdf")
    pdf.output(str(path))
    return path, truth
