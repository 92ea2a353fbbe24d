"""Generated PDFs with no outline and no contents page, one per heading style, with their true headings.

Every maker writes into a directory and returns (path, truth), truth being [(title, page, level)].
Body text comes from pdfgen's deterministic sentences; core Helvetica/Times fonts, latin-1 text.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from fpdf import FPDF
from pdfgen import _body_lines, _target

Truth = list[tuple[str, int, int]]


@dataclass(frozen=True)
class Style:
    """How headings of each level are set: (font size, bold, upper case) by level."""

    levels: tuple[tuple[float, bool, bool], ...]
    body: float = 10.5
    family: str = "Helvetica"


NUMBERED = Style(((16, True, False), (13, True, False), (11.5, True, False)))
LARGER = Style(((20, False, False), (15, False, False), (12.5, False, False)))
BOLD_BODY = Style(((10.5, True, False), (10.5, True, False)), family="Times")
CAPS = Style(((10.5, False, True), (10.5, True, False)))


class _Writer:
    """Places headings and paragraphs on pages, one or two columns, tracking where headings land."""

    def __init__(self, style: Style, columns: int = 1, running: str = "", folios: bool = False) -> None:
        self.pdf = FPDF(format="A4")
        self.pdf.set_auto_page_break(False)
        self.style = style
        self.columns = columns
        self.running = running
        self.folios = folios
        self.truth: Truth = []
        self.page = 0
        self.column = 0
        self._new_page()

    @property
    def width(self) -> float:
        return (190 - 10 * (self.columns - 1)) / self.columns

    def _new_page(self) -> None:
        self.pdf.add_page()
        self.page += 1
        self.column = 0
        if self.running:
            self.pdf.set_font(self.style.family, size=8)
            self.pdf.set_xy(10, 8)
            self.pdf.cell(0, 4, self.running, align="R")
        if self.folios:
            self.pdf.set_font(self.style.family, size=8)
            self.pdf.set_xy(10, 285)
            self.pdf.cell(0, 4, str(self.page), align="C")
        self.pdf.set_xy(10, 20)

    def _room(self, height: float) -> None:
        if self.pdf.get_y() + height <= 275:
            return
        if self.column + 1 < self.columns:
            self.column += 1
            self.pdf.set_xy(10 + self.column * (self.width + 10), 20)
        else:
            self._new_page()

    def _x(self) -> float:
        return 10 + self.column * (self.width + 10)

    def heading(self, title: str, level: int, looks: tuple[float, bool, bool] | None = None) -> None:
        """A heading at `level`, set as the style sets that level or as `looks` says."""
        size, bold, caps = looks or self.style.levels[min(level, len(self.style.levels) - 1)]
        text = title.upper() if caps else title
        self._room(size * 0.6 + 30)
        self.pdf.set_y(self.pdf.get_y() + 4)
        self.pdf.set_x(self._x())
        self.pdf.set_font(self.style.family, style="B" if bold else "", size=size)
        self.pdf.cell(self.width, size * 0.5 + 2, text, new_x="LEFT", new_y="NEXT")
        self.pdf.set_y(self.pdf.get_y() + 1.5)
        self.truth.append((text, self.page, level))

    def lines(self, texts: list[str], size: float | None = None) -> None:
        self.pdf.set_font(self.style.family, size=size or self.style.body)
        for text in texts:
            self._room(5)
            self.pdf.set_x(self._x())
            width = self.pdf.get_string_width(text)
            while width > self.width and " " in text:
                text = text.rsplit(" ", 1)[0]
                width = self.pdf.get_string_width(text)
            self.pdf.cell(self.width, 5, text, new_x="LEFT", new_y="NEXT")

    def paragraph(self, seed: int, count: int = 6) -> None:
        self.lines(_body_lines(seed, "layout", count))
        self.pdf.set_y(self.pdf.get_y() + 2)

    def row(self, cells: list[str]) -> None:
        self._room(5)
        self.pdf.set_font(self.style.family, size=self.style.body)
        width = self.width / len(cells)
        self.pdf.set_x(self._x())
        for cell in cells:
            self.pdf.cell(width, 5, cell)
        self.pdf.ln(5)

    def save(self, directory: Path | str, name: str) -> tuple[Path, Truth]:
        path = _target(directory, name)
        self.pdf.output(str(path))
        return path, self.truth


# sections as (level, title); numbering is added by the makers that want it
SECTIONS = [
    (0, "Introduction"),
    (1, "Scope of the Work"),
    (1, "Earlier Studies"),
    (0, "Materials and Methods"),
    (1, "Collecting the Samples"),
    (2, "Field Sites"),
    (2, "Laboratory Handling"),
    (1, "Statistical Analysis"),
    (0, "Results"),
    (1, "Growth Rates"),
    (1, "Seasonal Patterns"),
    (0, "Discussion"),
    (0, "Conclusions"),
]


def _numbered(sections: list[tuple[int, str]]) -> list[tuple[int, str]]:
    counters = [0, 0, 0]
    out = []
    for level, title in sections:
        counters[level] += 1
        for deeper in range(level + 1, len(counters)):
            counters[deeper] = 0
        out.append((level, f"{'.'.join(str(c) for c in counters[: level + 1])} {title}"))
    return out


def _write(writer: _Writer, sections: list[tuple[int, str]], paragraphs: int = 3) -> None:
    for k, (level, title) in enumerate(sections):
        writer.heading(title, level)
        for p in range(paragraphs):
            writer.paragraph(k * 10 + p, 6)


def make_numbered(directory: Path | str) -> tuple[Path, Truth]:
    """Numbered headings (1, 1.1, 1.1.1) in larger bold type."""
    writer = _Writer(NUMBERED)
    _write(writer, _numbered(SECTIONS))
    return writer.save(directory, "numbered.pdf")


def make_larger(directory: Path | str) -> tuple[Path, Truth]:
    """Unnumbered headings told apart by size alone (20, 15, 12.5 pt over 10.5 pt body)."""
    writer = _Writer(LARGER)
    _write(writer, SECTIONS)
    return writer.save(directory, "larger.pdf")


def make_bold_body(directory: Path | str) -> tuple[Path, Truth]:
    """Numbered bold headings in the body size (Times), two levels."""
    writer = _Writer(BOLD_BODY)
    _write(writer, [s for s in _numbered(SECTIONS) if s[0] < 2])
    return writer.save(directory, "bold_body.pdf")


def make_caps(directory: Path | str) -> tuple[Path, Truth]:
    """Top headings in capitals at the body size, subheadings bold at the body size."""
    writer = _Writer(CAPS)
    _write(writer, [s for s in SECTIONS if s[0] < 2])
    return writer.save(directory, "caps.pdf")


def make_open_lines(directory: Path | str) -> tuple[Path, Truth]:
    """`make_caps` with lines whose fate the model's answer can change (`layout_guard.open_to_model`):
    a bold "Key findings" after every other section, a title repeated on page after page, which
    the rules keep though they see a running head in it (the model may drop it for that), and
    bold capitals set small, "WINTER SAMPLES", which the rules drop though they see nothing
    against it (the model's yes lifts it). The truth holds them all."""
    writer = _Writer(CAPS)
    for k, (level, title) in enumerate(s for s in SECTIONS if s[0] < 2):
        writer.heading(title, level)
        writer.paragraph(k * 10, 6)
        if title == "Seasonal Patterns":
            writer.heading("Winter Samples", 1, looks=(9, True, True))
        if k % 3 == 1:
            writer.heading("Key findings", 1, looks=(10, True, False))
        writer.paragraph(k * 10 + 1, 6)
    return writer.save(directory, "open_lines.pdf")


def make_two_columns(directory: Path | str) -> tuple[Path, Truth]:
    """Two columns, numbered bold headings in either column."""
    writer = _Writer(NUMBERED, columns=2)
    _write(writer, _numbered(SECTIONS), paragraphs=4)
    return writer.save(directory, "two_columns.pdf")


def make_roman(directory: Path | str) -> tuple[Path, Truth]:
    """Legal style: I. then A. then 1., all bold at one size."""
    romans = ["I", "II", "III", "IV", "V", "VI"]
    style = Style(((12, True, True), (11, True, False), (10.5, True, False)))
    writer = _Writer(style)
    counters = [0, 0, 0]
    for k, (level, title) in enumerate(SECTIONS):
        counters[level] += 1
        for deeper in range(level + 1, 3):
            counters[deeper] = 0
        label = [romans[counters[0] - 1], chr(64 + counters[1]) if counters[1] else "", str(counters[2])][
            level
        ]
        writer.heading(f"{label}. {title}", level)
        for p in range(3):
            writer.paragraph(k * 10 + p, 6)
    return writer.save(directory, "roman.pdf")


def make_noisy(directory: Path | str) -> tuple[Path, Truth]:
    """Numbered headings among running headers, page numbers, captions, a table and a reference list."""
    writer = _Writer(NUMBERED, running="Journal of Synthetic Results - Volume 7", folios=True)
    sections = _numbered([s for s in SECTIONS if s[0] < 2])
    for k, (level, title) in enumerate(sections):
        writer.heading(title, level)
        writer.paragraph(k * 10, 6)
        if k % 3 == 1:
            writer.lines([f"Figure {k}: Growth of the samples over the {k + 2} seasons of the study"], 9)
            writer.row(["Site", "2019", "2020", "2021", "2022"])
            for r in range(4):
                writer.row([f"S{r + 1}", *(f"{(r + 1) * (c + 3) * 1.7:.1f}" for c in range(4))])
            writer.lines([f"Table {k}. Mean growth by site and year"], 9)
        writer.paragraph(k * 10 + 1, 6)
    writer.heading("References", 0)
    writer.lines(
        [
            f"[{i}] Author{chr(65 + i)}, B., Writer, C. A study of things, number {i}. Journal {i}, 2019."
            for i in range(1, 12)
        ],
        9,
    )
    return writer.save(directory, "noisy.pdf")


def make_chapters(directory: Path | str) -> tuple[Path, Truth]:
    """Chapter keywords ("Chapter 2 Methods") over unnumbered bold sections."""
    style = Style(((18, True, False), (12, True, False), (11, True, False)))
    writer = _Writer(style)
    chapter = 0
    for k, (level, title) in enumerate(s for s in SECTIONS if s[0] < 2):
        if level == 0:
            chapter += 1
            writer._new_page() if k else None
            title = f"Chapter {chapter} {title}"
        writer.heading(title, level)
        for p in range(4):
            writer.paragraph(k * 10 + p, 7)
    return writer.save(directory, "chapters.pdf")


def make_coarse_outline(directory: Path | str) -> tuple[Path, Truth]:
    """Numbered headings with an outline (bookmarks) of the chapters only: the sections are not in it."""
    writer = _Writer(NUMBERED)
    for k, (level, title) in enumerate(_numbered(SECTIONS)):
        if level == 0:
            writer.pdf.start_section(title, 0)
        writer.heading(title, level)
        for p in range(6):
            writer.paragraph(k * 10 + p, 6)
    return writer.save(directory, "coarse_outline.pdf")


def make_long_sections(directory: Path | str, outline: bool = False) -> tuple[Path, Truth]:
    """Numbered chapters of several pages each, with unnumbered bold subheadings inside (for splitting).

    With `outline`, bookmarks name the chapters and the first chapter's first topic only, so that the
    outline is not coarse and chapters 2 and 3 are large leaves.
    """
    writer = _Writer(Style(((16, True, False), (12, True, False))))
    for chapter in range(1, 4):
        if outline:
            writer.pdf.start_section(f"{chapter} Chapter {chapter}", 0)
        writer.heading(f"{chapter} Chapter {chapter}", 0)
        for part in range(1, 7):
            if outline and chapter == 1 and part == 1:
                writer.pdf.start_section("Topic 1A Observed", 1)
            writer.heading(f"Topic {chapter}{chr(64 + part)} Observed", 1)
            for p in range(4):
                writer.paragraph(chapter * 100 + part * 10 + p, 8)
        writer._new_page()
    return writer.save(directory, "long_outline.pdf" if outline else "long_sections.pdf")


def make_book(directory: Path | str) -> tuple[Path, Truth]:
    """Parts, chapters, decimal sections and an appendix with lettered sections, every heading bold in
    one size: only the numbering tells the levels (Part > Chapter > 1.1; Appendix A beside the
    chapters, A.1 below it)."""
    writer = _Writer(Style(((12, True, False),)))
    book = [
        (0, "Part I Foundations"),
        (1, "Chapter 1 Origins"),
        (2, "1.1 Early Work"),
        (2, "1.2 Later Work"),
        (1, "Chapter 2 Growth"),
        (2, "2.1 Markets"),
        (0, "Part II Practice"),
        (1, "Chapter 3 Methods"),
        (2, "3.1 Sampling"),
        (2, "3.2 Measuring"),
        (1, "Appendix A Tables"),
        (2, "A.1 Rates"),
        (2, "A.2 Totals"),
    ]
    for k, (level, title) in enumerate(book):
        writer.heading(title, 0)
        writer.truth[-1] = (title, writer.page, level)
        for p in range(2):
            writer.paragraph(k * 10 + p, 6)
    return writer.save(directory, "book.pdf")


MAKERS: dict[str, Callable[[Path | str], tuple[Path, Truth]]] = {
    "numbered": make_numbered,
    "larger": make_larger,
    "bold_body": make_bold_body,
    "caps": make_caps,
    "two_columns": make_two_columns,
    "roman": make_roman,
    "noisy": make_noisy,
    "chapters": make_chapters,
}


def _raw_pdf(objects: list[bytes]) -> bytes:
    """A PDF from numbered object bodies (object 1 is the catalog), with a correct xref table."""
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def _stream(data: bytes) -> bytes:
    return b"<< /Length %d >>\nstream\n" % len(data) + data + b"\nendstream"


def make_type3(directory: Path | str, pages: int = 3) -> tuple[Path, Truth]:
    """Headings set in a Type 3 font (glyphs drawn as boxes, letters named A-Z), body in Helvetica."""
    glyph = _stream(b"600 0 0 0 500 700 d1 0 0 500 700 re f")
    names = b" ".join(b"/" + bytes([c]) for c in range(65, 91))
    font3 = (
        b"<< /Type /Font /Subtype /Type3 /FontBBox [0 0 600 700] /FontMatrix [0.001 0 0 0.001 0 0]"
        b" /CharProcs << " + b" ".join(b"/" + bytes([c]) + b" 4 0 R" for c in range(65, 91)) + b" >>"
        b" /Encoding << /Type /Encoding /Differences [65 " + names + b"] >>"
        b" /FirstChar 32 /LastChar 90 /Widths [" + b" ".join([b"600"] * 59) + b"] /Resources << >> >>"
    )
    helvetica = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
    objects: list[bytes] = [b"", b"", font3, glyph, helvetica]
    kids = []
    truth: Truth = []
    for page in range(1, pages + 1):
        title = f"PART {chr(64 + page)} FINDINGS"
        body = b"".join(
            b"BT /F1 10 Tf 60 %d Td (%s) Tj ET\n" % (700 - 16 * k, line.encode("latin-1"))
            for k, line in enumerate(_body_lines(page, "type three", 12))
        )
        content = b"BT /T3 20 Tf 60 750 Td (" + title.encode() + b") Tj ET\n" + body
        objects.append(_stream(content))
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents %d 0 R"
            b" /Resources << /Font << /T3 3 0 R /F1 5 0 R >> >> >>" % len(objects)
        )
        kids.append(b"%d 0 R" % len(objects))
        truth.append((title, page, 0))
    objects[0] = b"<< /Type /Catalog /Pages 2 0 R >>"
    objects[1] = b"<< /Type /Pages /Kids [" + b" ".join(kids) + b"] /Count %d >>" % pages
    path = _target(directory, "type3.pdf")
    path.write_bytes(_raw_pdf(objects))
    return path, truth
