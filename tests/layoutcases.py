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

    def row(
        self, cells: list[tuple[float, str]], style: str = "", size: float = BODY, family: str = "Helvetica"
    ) -> None:
        """Pieces of text on one baseline at the given distances (mm) from the left edge."""
        self.pdf.set_font(family, style=style, size=size)
        y = self.pdf.get_y()
        for x, text in cells:
            self.pdf.set_xy(x, y)
            self.pdf.cell(0, size * 0.45, text)
        self.pdf.set_xy(20, y + size * 0.45 + 1.2)

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


def _written(pdf: FPDF, directory: Path | str, name: str, truth: Truth) -> tuple[Path, Truth]:
    """Write `pdf` as `name` in `directory`: a maker's (path, truth)."""
    path = _target(directory, name)
    pdf.output(str(path))
    return path, truth


def make_multiline(directory: Path | str) -> tuple[Path, Truth]:
    """Headings over two or three lines: a company name over a statement title, a centred chapter
    title whose second line is the longer, a chapter label over its title in a larger size, a
    title in capitals whose second line starts with a smaller capital (small capitals)."""
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
    page = _Page(pdf, truth)  # small capitals: each line's size is its first letter's
    page.heading(
        ["TIDES AND TRADE: A RECORD OF SIX", "HARBOURS OVER TWO CENTURIES"], 17, style="", sizes=[17, 13.8]
    )
    page.body(7, 12)
    return _written(pdf, directory, "multiline.pdf", truth)


CODE = [
    "#define MAX_BUFFER_SIZE 4096",
    "SELECT NAME, TOTAL",
    "FROM ORDERS",
    "WHERE TOTAL > 100",
    "ORDER BY TOTAL DESC",
    "RETURN VALUES",
    "int read_block(FILE *source);",
    "EXPORT PATH",
]


def make_code_listing(directory: Path | str) -> tuple[Path, Truth]:
    """Numbered bold sections holding code listings in Courier: a bold identifier standing alone (an
    API entry), lines in capitals (SQL keywords, a macro) set apart by space like headings in capitals."""
    pdf, truth = _pdf(), []
    for k, title in enumerate(["1 Reading the Orders", "2 Writing the Report"]):
        page = _Page(pdf, truth)
        page.heading([title], 14)
        page.body(10 + k, 5)
        for identifier in ["ORDER_TOTALS", "read_block"]:
            page.space(4)
            page.line(identifier, style="B", family="Courier", after=3)
            page.body(15 + k, 3)
        page.space(3)
        for code in CODE:
            page.line(code, family="Courier", after=1.2)
        page.space(4)
        page.body(20 + k, 6)
        for caps in ["EXPORT PATH", "WHERE TOTAL IS NULL"]:
            page.line(caps, family="Courier", after=4)
            page.body(25 + k, 3)
    return _written(pdf, directory, "code_listing.pdf", truth)


def make_table(directory: Path | str) -> tuple[Path, Truth]:
    """A statement page under a letterhead, then a results section with a table of figures: column
    heads in bold capitals over the figures, bold row-group labels between rows of figures."""
    pdf, truth = _pdf(), []
    for k, statement in enumerate(["Consolidated Balance Sheets", "Consolidated Statements of Income"]):
        page = _Page(pdf, truth)
        page.line("NORTHWIND TRADERS INC.", size=12, style="B", align="C", after=0.6)
        page.line(statement.upper(), size=12, style="B", align="C", after=0.6)
        page.line("(In millions, except per share data)", align="C", after=4)
        truth.append((statement.upper(), page.number, 0))
        _figures_table(page, k)
        page.body(40 + k, 6)
    page = _Page(pdf, truth)
    page.heading(["Results of Operations"], 14)
    page.body(50, 5)
    _figures_table(page, 3)
    page.heading(["Liquidity and Capital Resources"], 14)
    page.body(51, 8)
    return _written(pdf, directory, "table.pdf", truth)


def _figures_table(page: _Page, seed: int) -> None:
    page.row([(120, "YEAR ENDED MAY 31,")], style="B")
    page.row([(125, "2023"), (160, "2022")], style="B")
    for group in ["Operating Revenues", "Operating Expenses"]:
        page.row([(20, group)], style="B")
        for r, label in enumerate(["Service revenues", "Equipment", "Other income"]):
            a, b = (seed + 3) * (r + 7) * 131, (seed + 5) * (r + 3) * 97
            page.row([(24, label), (118, "$"), (125, f"{a:,}"), (160, f"{b:,}")])
    page.space(4)


def make_exercises(directory: Path | str) -> tuple[Path, Truth]:
    """Chapters with numbered sections, each closing with exercises: bold "Exercise 1.3" over its
    task, and a word "Exercise" set apart from a numbered task on the same row."""
    pdf, truth = _pdf(), []
    for chapter in (1, 2):
        page = _Page(pdf, truth)
        page.heading([f"Chapter {chapter} Lists and Loops"], 18)
        page.body(60 + chapter, 6)
        page.heading([f"{chapter}.1 Walking Through a List"], 13, level=1)
        page.body(70 + chapter, 6)
        for n in range(1, 4):
            page.line(f"Exercise {chapter}.{n}", style="B", after=1.0)
            page.line("Declare a list of the first ten squares and print its sum.", after=2)
        for n in range(11, 14):
            page.row([(20, "Exercise"), (48, f"{n} Declare a Loop Counting Down to Zero")], style="B")
            page.line(f"Start from {n} and print every number on its own line.", after=2)
        page.space(3)
        page.body(80 + chapter, 4)
    return _written(pdf, directory, "exercises.pdf", truth)


def make_numbers_apart(directory: Path | str) -> tuple[Path, Truth]:
    """Section numbers set apart from their titles: on a line of their own over a date in
    parentheses and a bold title over two lines (a manual with marginal headings), and at a tab
    stop before the title on its row."""
    pdf, truth = _pdf(), []
    page = _Page(pdf, truth)
    for k, title in enumerate([("Program Scope and", "Objectives"), ("Roles and Duties of", "the Office")]):
        page.space(4)
        top = pdf.get_y()
        page.line(f"4.2.{k + 1}", after=0.8)
        page.line("(01-17-2023)", after=0.8)
        page.line(title[0], style="B", after=0.8)
        page.line(title[1], style="B", after=0.8)
        truth.append((f"4.2.{k + 1} {title[0]} {title[1]}", page.number, 0))
        pdf.set_y(top)
        for text in _body_lines(90 + k, "margins", 6):
            pdf.set_x(75)
            pdf.set_font("Helvetica", size=BODY)
            pdf.cell(0, BODY * 0.45, text[:70], new_x="LEFT", new_y="NEXT")
            pdf.set_y(pdf.get_y() + 1.2)
        page.space(6)
    for k, title in enumerate(["Application Firewalls", "Proxy Gateways"]):
        page.space(5)
        page.row([(20, f"5.1.{k + 1}"), (45, title)], style="B")
        truth.append((f"5.1.{k + 1} {title}", page.number, 0))
        page.space(2)
        page.body(95 + k, 5)
    return _written(pdf, directory, "numbers_apart.pdf", truth)


def make_emphasis(directory: Path | str) -> tuple[Path, Truth]:
    """Headings told from the body by emphasis other than size and weight, all at the body size:
    underlined, in a colour, and italic run-in headings opening a paragraph ("Scope. The ...")."""
    pdf, truth = _pdf(), []
    page = _Page(pdf, truth)
    for k, title in enumerate(["Terms of the Agreement", "Payment and Delivery"]):
        page.space(5)
        page.line(title, style="U", after=2)
        truth.append((title, page.number, 0))
        page.body(110 + k, 5)
    for k, title in enumerate(["Warranties Given", "Ending the Agreement"]):
        page.space(5)
        pdf.set_text_color(20, 80, 190)
        page.line(title, after=3)
        pdf.set_text_color(0, 0, 0)
        truth.append((title, page.number, 0))
        page.body(120 + k, 5)
    page = _Page(pdf, truth)
    for k, title in enumerate(["Scope of the work.", "Notice periods."]):
        page.space(4)
        pdf.set_font("Helvetica", style="I", size=BODY)
        width = pdf.get_string_width(title + " ")
        pdf.set_x(20)
        pdf.cell(width, BODY * 0.45, title + " ")
        pdf.set_font("Helvetica", size=BODY)
        pdf.cell(
            170 - width,
            BODY * 0.45,
            "The parties agree on what follows in this part.",
            new_x="LMARGIN",
            new_y="NEXT",
        )
        pdf.set_y(pdf.get_y() + 1.2)
        page.body(130 + k, 4)
    return _written(pdf, directory, "emphasis.pdf", truth)


def make_running_chapters(directory: Path | str) -> tuple[Path, Truth]:
    """Five chapters of three pages each; the second and third page of a chapter carry its number
    and title at the top in the body's size and weight ("2 Methods"), as a running head."""
    pdf, truth = _pdf(), []
    titles = ["Introduction", "Methods", "Results", "Discussion", "Outlook"]
    for n, title in enumerate(titles, 1):
        for k in range(3):
            page = _Page(pdf, truth)
            if k:
                page.line(f"{n} {title}", after=6)
            else:  # below the top margin band: the heading is no running head by its place
                page.space(20)
                page.heading([f"{n} {title}"], 16)
            page.body(n * 10 + k, 12)
            page.body(n * 10 + k + 5, 12)
    return _written(pdf, directory, "running_chapters.pdf", truth)


FINDINGS = [  # the first line of each finding fills the measure; three more lines follow it
    "Strong pretrained models naturally generalize beyond their weak supervisors. If we",
    "Naively finetuning on weak supervision is not enough. Despite a positive transfer,",
    "Improving the transfer from weak to strong is tractable. We find that a confidence",
]
LISTED = ["3.1 Uses of the Tools", "3.2 Components and Architecture", "3.3 Detection Methods"]


def make_running_text(directory: Path | str) -> tuple[Path, Truth]:
    """Numbered sections in bold over what looks like them at the body size: findings numbered
    "1.", "2.", each the first line of a paragraph whose sentence ends inside it (a paper's list of
    findings, a manual's steps); panel captions under a figure ("(a) Easy cutoff"); a list of a
    report's parts with dot leaders to their pages, outside any contents page; and a bold lead-in
    to a list ("Use a table to:")."""
    pdf, truth = _pdf(), []
    page = _Page(pdf, truth)
    page.heading(["1 Introduction"], 14)
    page.body(101, 6)
    for k, first in enumerate(FINDINGS, 1):
        page.space(4)
        for x, text in [(25, f"{k}. {first}"), *((31, rest) for rest in _body_lines(110 + k, "findings", 3))]:
            pdf.set_x(x)
            pdf.cell(190 - x, BODY * 0.45, text, new_x="LEFT", new_y="NEXT")
            pdf.set_y(pdf.get_y() + 1.2)
    page.space(4)
    page.heading(["2 Method"], 14)
    page.body(102, 6)
    for caption in ("(a) Easy cutoff at the first level", "(b) Hard cutoff at the second level"):
        page.space(5)
        page.line(caption, align="C", after=5)
    page.body(103, 4)
    page = _Page(pdf, truth)
    page.heading(["3 Related Reports"], 14)
    page.body(104, 5)
    for k, title in enumerate(LISTED, 1):
        page.space(3)
        page.line(f"{title} {'.' * (80 - len(title))} 3-{k}", after=2)
    page.space(3)
    page.body(105, 5)
    page.space(5)
    page.line("Use a table to:", style="B", after=2)  # a lead-in to a list, in bold, standing alone
    for item in ("look up single values", "compare values side by side"):
        page.line(f"- {item}", after=1.2)
    page.space(3)
    page.body(107, 3)
    page.heading(["4 Results"], 14)
    page.body(106, 6)
    return _written(pdf, directory, "running_text.pdf", truth)


def _noted(page: _Page, words: str, note: str, size: float = 12) -> None:
    """Bold words and a note in parentheses after them on one line, in the body's type."""
    pdf = page.pdf
    page.space(5)
    pdf.set_font("Helvetica", style="B", size=size)
    width = pdf.get_string_width(words + " ")
    pdf.set_x(20)
    pdf.cell(width, size * 0.45, words + " ")
    pdf.set_font("Helvetica", size=size)
    pdf.cell(170 - width, size * 0.45, note, new_x="LMARGIN", new_y="NEXT")
    page.space(3)


def make_heading_notes(directory: Path | str) -> tuple[Path, Truth]:
    """A data sheet's headings: bold words with a note in parentheses after them on their line
    ("DC CHARACTERISTICS (Over Operating Conditions)"), a heading's title; the same words on the
    next page with "(Continued)", where its table goes on, no new one."""
    pdf, truth = _pdf(), []
    page = _Page(pdf, truth)
    _noted(page, "DC CHARACTERISTICS", "(Over Operating Conditions)")
    truth.append(("DC CHARACTERISTICS", page.number, 0))
    page.body(300, 12)
    page = _Page(pdf, truth)
    _noted(page, "DC CHARACTERISTICS", "(Continued)")
    page.body(301, 6)
    _noted(page, "AC CHARACTERISTICS", "(Under Operating Conditions; Load Capacitance 80 pF)")
    truth.append(("AC CHARACTERISTICS", page.number, 0))
    page.body(302, 8)
    return _written(pdf, directory, "heading_notes.pdf", truth)


def make_appendix_series(directory: Path | str) -> tuple[Path, Truth]:
    """A paper's numbered sections, then lettered appendices in the sections' style: "A Proofs" and
    "B Tables" with lettered sections of their own ("A.1 Lemma"), "C Prompts" and "D Examples"
    without: the series of letters makes them appendices too."""
    pdf, truth = _pdf(), []
    heads = [
        ("1 Introduction", ["1.1 Aims"]),
        ("2 Methods", ["2.1 Data", "2.2 Models"]),
        ("3 Results", ["3.1 Accuracy"]),
        ("A Proofs", ["A.1 Lemma", "A.2 Bounds"]),
        ("B Tables", ["B.1 Rates"]),
        ("C Prompts", []),
        ("D Examples", []),
    ]
    for k, (head, sections) in enumerate(heads):
        page = _Page(pdf, truth)
        page.heading([head], 12)
        page.body(400 + k, 6)
        for j, section in enumerate(sections):
            page.heading([section], 11, level=1)
            page.body(420 + 10 * k + j, 5)
    return _written(pdf, directory, "appendix_series.pdf", truth)
