"""Synthetic test PDFs, generated with fpdf2 (core Helvetica font, latin-1 text) and pypdf, and a
Markdown document whose sections need the model's summaries (`operations_notes`).

Every helper writes into the given directory and returns the path it wrote.
"""

from __future__ import annotations

import io
from pathlib import Path

from fpdf import FPDF
from pypdf import PdfWriter
from pypdf.generic import ArrayObject, NameObject, NullObject

_WORDS = (  # noqa: SIM905 - one readable line of words
    "alpha beta gamma delta sample measure river stone signal model window cluster harvest "
    "ledger orbit pattern margin vector lantern summit quarry thread balance canyon meadow "
    "engine puzzle network harbor figure method result record"
).split()


def _body_lines(page: int, topic: str, count: int = 6) -> list[str]:
    """Distinct, deterministic sentences for one page."""
    lines = []
    for k in range(count):
        words = [_WORDS[(page * 7 + k * 3 + j * 5) % len(_WORDS)] for j in range(8)]
        lines.append(f"Page {page} line {k + 1} on {topic}: {' '.join(words)}.")
    return lines


def _new_pdf() -> FPDF:
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(False)
    pdf.set_font("Helvetica", size=11)
    return pdf


def _heading(pdf: FPDF, title: str) -> None:
    pdf.set_font("Helvetica", style="B", size=16)
    pdf.cell(0, 10, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=11)


def _body(pdf: FPDF, page: int, topic: str, count: int = 6) -> None:
    for line in _body_lines(page, topic, count):
        pdf.cell(0, 7, line, new_x="LMARGIN", new_y="NEXT")


def _footer(pdf: FPDF, number: str) -> None:
    pdf.set_y(-20)
    pdf.cell(0, 8, number, align="C")


def _target(directory: Path | str, name: str) -> Path:
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    return directory / name


OUTLINE_SECTIONS = [  # (title, level, first page, last page)
    ("1 Introduction", 0, 1, 3),
    ("2 Methods", 0, 4, 8),
    ("2.1 Data", 1, 4, 5),
    ("2.2 Analysis", 1, 6, 8),
    ("3 Results", 0, 9, 12),
]


def make_outline_pdf(directory: Path | str) -> Path:
    """12 pages with bookmarks: 1 Introduction, 2 Methods (2.1 Data, 2.2 Analysis), 3 Results."""
    pdf = _new_pdf()
    for page in range(1, 13):
        pdf.add_page()
        starts = [s for s in OUTLINE_SECTIONS if s[2] == page]
        for title, level, _first, _last in starts:
            pdf.start_section(title, level)
            _heading(pdf, title)
        topic = next(t for t, _lvl, first, last in reversed(OUTLINE_SECTIONS) if first <= page <= last)
        _body(pdf, page, topic)
    path = _target(directory, "outline.pdf")
    pdf.output(str(path))
    return path


TOC_SECTIONS = [  # (title, printed page)
    ("1 Introduction", 1),
    ("2 Background", 3),
    ("2.1 Prior Work", 3),
    ("2.2 Open Problems", 5),
    ("3 Design", 7),
    ("4 Evaluation", 10),
    ("5 Conclusion", 12),
]
TOC_OFFSET = 2  # printed page 1 is physical page 3


def make_toc_pdf(
    directory: Path | str, printed_as: dict[str, str] | None = None, plain: bool = False
) -> Path:
    """14 pages, no outline: title page, a printed Contents page, 12 numbered content pages;
    `printed_as` gives headings a page prints otherwise than the contents lists them; `plain`
    prints the contents without its heading and its dot leaders (the rules are unsure of it)."""
    pdf = _new_pdf()
    pdf.add_page()
    pdf.set_y(90)
    pdf.set_font("Helvetica", style="B", size=24)
    pdf.cell(0, 14, "A Study of Synthetic Documents", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=13)
    pdf.cell(0, 10, "Technical report prepared for the indexing test suite", align="C")

    pdf.add_page()
    if not plain:
        _heading(pdf, "Contents")
    for title, printed in TOC_SECTIONS:
        indent = "    " if "." in title.split()[0] else ""
        dots = "" if plain else "." * max(4, 48 - len(indent + title))
        pdf.cell(0, 8, f"{indent}{title} {dots} {printed}", new_x="LMARGIN", new_y="NEXT")

    for printed in range(1, 13):
        pdf.add_page()
        starts = [t for t, p in TOC_SECTIONS if p == printed]
        for title in starts:
            _heading(pdf, (printed_as or {}).get(title, title))
        topic = next(t for t, p in reversed(TOC_SECTIONS) if p <= printed)
        _body(pdf, printed + TOC_OFFSET, topic)
        _footer(pdf, str(printed))
    path = _target(directory, "toc.pdf")
    pdf.output(str(path))
    return path


PLAIN_SECTIONS = {1: "Overview", 3: "Details", 5: "Summary"}


def _plain_bytes() -> bytes:
    pdf = _new_pdf()
    topic = ""
    for page in range(1, 7):
        pdf.add_page()
        if page in PLAIN_SECTIONS:
            topic = PLAIN_SECTIONS[page]
            pdf.cell(0, 7, topic, new_x="LMARGIN", new_y="NEXT")  # set like the body: no layout cue
        _body(pdf, page, topic.lower())
    return bytes(pdf.output())


def make_plain_pdf(directory: Path | str) -> Path:
    """6 pages, no outline, no contents page and no typographic cue; only the model can find its
    headings Overview (p1), Details (p3), Summary (p5), set in the body font."""
    path = _target(directory, "plain.pdf")
    path.write_bytes(_plain_bytes())
    return path


def make_encrypted_pdf(directory: Path | str, user_password: str = "secret") -> Path:
    """3 pages of text, RC4-encrypted. With user_password="" it opens without a password."""
    pdf = _new_pdf()
    pdf.set_encryption(owner_password="owner-" + (user_password or "open"), user_password=user_password)
    for page in range(1, 4):
        pdf.add_page()
        _heading(pdf, f"Confidential part {page}")
        _body(pdf, page, "secrets")
    path = _target(directory, "encrypted.pdf" if user_password else "encrypted_empty_password.pdf")
    pdf.output(str(path))
    return path


def make_corrupt_pdf(directory: Path | str, kind: str = "truncated") -> Path:
    """kind="truncated": the first third of a real PDF; kind="garbage": bytes that are no PDF at all."""
    if kind == "garbage":
        path = _target(directory, "garbage.pdf")
        path.write_bytes(b"This is not a PDF file at all.\n" * 40)
        return path
    data = _plain_bytes()
    path = _target(directory, "truncated.pdf")
    path.write_bytes(data[: len(data) // 3])
    return path


def make_empty_pdf(directory: Path | str) -> Path:
    """A valid PDF with zero pages."""
    path = _target(directory, "empty.pdf")
    with path.open("wb") as fh:
        PdfWriter().write(fh)
    return path


def make_scanned_pdf(directory: Path | str, pages: int = 4) -> Path:
    """Pages that carry only drawn shapes (like a scan), no text layer."""
    pdf = _new_pdf()
    for page in range(pages):
        pdf.add_page()
        pdf.set_fill_color(200 - page * 10, 200, 200)
        pdf.rect(20, 20, 170, 250, style="DF")
        pdf.line(20, 20, 190, 270)
    path = _target(directory, "scanned.pdf")
    pdf.output(str(path))
    return path


def make_labeled_pdf(directory: Path | str) -> Path:
    """6 pages labelled i, ii, 1, 2, 3, 4 through /PageLabels."""
    pdf = _new_pdf()
    for page in range(1, 7):
        pdf.add_page()
        _heading(pdf, "Preface" if page <= 2 else f"Chapter {page - 2}")
        _body(pdf, page, "labels")
    writer = PdfWriter(clone_from=io.BytesIO(pdf.output()))
    writer.set_page_label(0, 1, style="/r")
    writer.set_page_label(2, 5, style="/D", start=1)
    path = _target(directory, "labeled.pdf")
    with path.open("wb") as fh:
        writer.write(fh)
    return path


def make_broken_outline_pdf(directory: Path | str) -> Path:
    """5 pages; outline entries "Good" (p1), "Later" (p3) and "Broken", whose destination is missing."""
    pdf = _new_pdf()
    for page in range(1, 6):
        pdf.add_page()
        _body(pdf, page, "outline repair")
    writer = PdfWriter(clone_from=io.BytesIO(pdf.output()))
    writer.add_outline_item(title="Good", page_number=0)
    broken = writer.add_outline_item(title="Broken", page_number=1).get_object()
    writer.add_outline_item(title="  Later\x00\n entry ", page_number=2)
    del broken["/A"]  # an outline item that goes nowhere
    broken[NameObject("/Dest")] = ArrayObject([NullObject(), NameObject("/Fit")])
    path = _target(directory, "broken_outline.pdf")
    with path.open("wb") as fh:
        writer.write(fh)
    return path


def make_damaged_xref_pdf(directory: Path | str) -> Path:
    """The plain PDF with a wrong startxref offset: pypdf recovers, but logs warnings while reading."""
    data = _plain_bytes()
    marker = data.rindex(b"startxref")
    offset = int(data[marker + len(b"startxref") :].split()[0])
    path = _target(directory, "damaged_xref.pdf")
    path.write_bytes(data[:marker] + b"startxref\n" + str(offset + 7).encode() + b"\n%%EOF\n")
    return path


def make_dead_outline_pdf(directory: Path | str) -> Path:
    """The plain PDF (no contents page) with an outline whose every entry leads nowhere."""
    writer = PdfWriter(clone_from=io.BytesIO(_plain_bytes()))
    for number, title in enumerate(("Overview", "Details", "Summary")):
        item = writer.add_outline_item(title=title, page_number=number).get_object()
        del item["/A"]
        item[NameObject("/Dest")] = ArrayObject([NullObject(), NameObject("/Fit")])
    path = _target(directory, "dead_outline.pdf")
    with path.open("wb") as fh:
        writer.write(fh)
    return path


LONG_SECTIONS = [("1 Scope", 1, 1), ("2 Findings", 2, 6), ("3 Outlook", 7, 7)]  # (title, first, last)


def make_long_pdf(directory: Path | str, lines_per_page: int = 44) -> Path:
    """7 pages with bookmarks; "2 Findings" spans pages 2-6 of dense text (about 16,000 characters), one
    line on page 4 says "the harbor dredging cost rose sharply"."""
    pdf = _new_pdf()
    for page in range(1, 8):
        pdf.add_page()
        for title, first, _last in LONG_SECTIONS:
            if first == page:
                pdf.start_section(title, 0)
                _heading(pdf, title)
        topic = next(t for t, first, last in LONG_SECTIONS if first <= page <= last)
        pdf.set_font("Helvetica", size=9)
        count = lines_per_page if topic == "2 Findings" else 6
        for number, line in enumerate(_body_lines(page, topic, count), start=1):
            if page == 4 and number == 30:
                line = "In that year the harbor dredging cost rose sharply, to 9 million euros."
            pdf.cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
    path = _target(directory, "long.pdf")
    pdf.output(str(path))
    return path


def operations_notes(directory: Path | str, sections: int = 4) -> Path:
    """ops-notes.md: headings give the structure (no model call) and each section (about 300 tokens)
    needs a summary from the model."""
    topics = ["storage", "networking", "scheduling", "monitoring", "billing", "security"]
    parts = ["# Operations Notes\n"]
    for i in range(sections):
        topic = topics[i % len(topics)]
        rule = "Rule {j} of {topic}: the team reviews item {j} weekly, figure {figure}."
        rules = " ".join(rule.format(j=j, topic=topic, figure=i * 100 + j) for j in range(20))
        parts.append(f"## {i + 1} {topic.title()}\n\n{rules}\n")
    path = _target(directory, "ops-notes.md")
    path.write_text("\n".join(parts))
    return path
