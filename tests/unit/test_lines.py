"""Text lines read from PDFs: sizes of Type-3 fonts, and emphasis (italic, underline, fixed pitch, colour)."""

from __future__ import annotations

from pathlib import Path

import pytest
from fpdf import FPDF
from type3pdf import raw_pdf, stream, write_type3_pdf

from pageindex_tui.document import parallel
from pageindex_tui.document.lines import PageLines, TextLine, read_lines

BODY = "Body text of the report runs across the page in plain upright type, as most lines do."


def read(path: Path) -> list[PageLines]:
    return list(read_lines(path.read_bytes()))


def only(page: PageLines, text: str) -> TextLine:
    found = [line for line in page.lines if line.text == text]
    assert len(found) == 1, [line.text for line in page.lines]
    return found[0]


# Type-3 fonts: pdfium reports the nominal size of the text state (0.12 pt), the glyphs are 12 pt


def test_a_type3_heading_stays_one_line_with_the_size_its_glyphs_are_drawn_at(tmp_path):
    path = write_type3_pdf(
        tmp_path / "t3.pdf",
        [(72, 700, "1 ML at a Glance"), (72, 680, "Body text of the section runs on here.")],
    )
    (page,) = read(path)
    heading = only(page, "1 ML at a Glance")
    assert 11.0 <= heading.size <= 13.0 and heading.size_trusted
    body = only(page, "Body text of the section runs on here.")
    assert 11.0 <= body.size <= 13.0 and body.size_trusted
    assert page.fonts_known and page.sizes_from_glyphs


def test_lines_of_one_type3_font_at_one_stated_size_read_one_size(tmp_path):
    # capitals, ascenders and x-height letters each measure the size a little differently
    lines = [
        (72, 700, "1 ML at a Glance"),
        (72, 680, "Body text of the section runs on here."),
        (72, 660, "n"),
    ]
    (page,) = read(write_type3_pdf(tmp_path / "one.pdf", lines))
    assert len({line.size for line in page.lines}) == 1 and 11.0 <= page.lines[0].size <= 13.0


def test_a_type3_line_still_splits_at_a_column_gap_measured_in_its_recovered_size(tmp_path):
    # two columns of 12 pt text, 60 pt apart: wider than the column gap of a 12 pt font
    path = write_type3_pdf(
        tmp_path / "cols.pdf", [(72, 700, "Left column text"), (72 + 120 + 60, 700, "Right side")]
    )
    (page,) = read(path)
    assert [line.text for line in page.lines] == ["Left column text", "Right side"]


def test_a_type3_line_without_measurable_glyphs_takes_the_scale_of_its_font_on_the_page(tmp_path):
    path = write_type3_pdf(tmp_path / "rule.pdf", [(72, 700, "2 Results"), (72, 680, "- - -")])
    (page,) = read(path)
    dashes = only(page, "- - -")
    assert dashes.size_trusted and dashes.size == pytest.approx(only(page, "2 Results").size, rel=0.01)


def test_a_page_whose_sizes_nothing_recovers_says_its_fonts_are_unknown(tmp_path):
    (page,) = read(write_type3_pdf(tmp_path / "dashes.pdf", [(72, 700, "- - - -"), (72, 680, ": : :")]))
    assert page.lines and not page.fonts_known and not page.sizes_from_glyphs
    assert all(not line.size_trusted for line in page.lines)


def test_an_ordinary_font_keeps_its_stated_size(tmp_path):
    pdf = FPDF(format="A4")
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 16)
    pdf.cell(0, 10, "1 Introduction", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=10)
    pdf.cell(0, 6, BODY, new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(tmp_path / "plain.pdf"))
    (page,) = read(tmp_path / "plain.pdf")
    assert only(page, "1 Introduction").size == 16.0 and only(page, BODY).size == 10.0
    assert page.fonts_known and not page.sizes_from_glyphs


# Emphasis


def emphasis_pdf(path: Path) -> Path:
    """Headings set apart by slant, underline, fixed pitch and colour, each between body paragraphs,
    a run-in italic heading, and a table whose rows have rules under them."""
    pdf = FPDF(format="A4")
    pdf.add_page()

    def body() -> None:
        pdf.set_font("Helvetica", size=10.5)
        pdf.set_text_color(0)
        for _ in range(3):
            pdf.cell(0, 5.5, BODY, new_x="LMARGIN", new_y="NEXT")

    def heading(style: str, text: str, family: str = "Helvetica") -> None:
        pdf.set_font(family, style, 10.5)
        pdf.cell(0, 6, text, new_x="LMARGIN", new_y="NEXT")
        body()

    heading("I", "Italic heading")
    heading("U", "Underlined heading")
    heading("", "DECLARE TOTAL_COUNT INTEGER;", family="Courier")
    pdf.set_text_color(0, 70, 140)
    heading("", "Coloured heading")
    pdf.set_font("Times", "I", 10.5)
    pdf.write(5.5, "Run-in italic. ")
    pdf.set_font("Times", size=10.5)
    pdf.write(5.5, "The paragraph goes on in roman type after it.\n")
    body()
    top = pdf.get_y() + 2
    for row in range(3):
        pdf.set_xy(10, top + row * 7)
        pdf.cell(40, 6, f"Row {row}")
        pdf.cell(40, 6, "12.5")
        pdf.cell(40, 6, "13.7")
        pdf.line(10, top + row * 7 + 6.5, 200, top + row * 7 + 6.5)
    pdf.output(str(path))
    return path


@pytest.fixture(scope="module")
def emphasis(tmp_path_factory) -> PageLines:
    (page,) = read(emphasis_pdf(tmp_path_factory.mktemp("emphasis") / "emphasis.pdf"))
    return page


def body_lines(page: PageLines) -> list[TextLine]:
    found = [line for line in page.lines if line.text.startswith("Body text")]
    assert len(found) == 15
    return found


@pytest.mark.parametrize(
    ("feature", "text"),
    [
        ("italic", "Italic heading"),
        ("underlined", "Underlined heading"),
        ("mono", "DECLARE TOTAL_COUNT INTEGER;"),
    ],
)
def test_each_emphasis_is_on_its_heading_and_on_no_body_line(emphasis, feature, text):
    marked = [line.text for line in emphasis.lines if getattr(line, feature)]
    assert marked == [text]
    assert not any(getattr(line, feature) for line in body_lines(emphasis))


def test_colour_is_the_text_fill_colour(emphasis):
    assert only(emphasis, "Coloured heading").color == 0x00468C
    assert {line.color for line in body_lines(emphasis)} == {0x000000}


def test_a_run_in_italic_heading_is_the_italic_prefix_of_a_roman_line(emphasis):
    line = only(emphasis, "Run-in italic. The paragraph goes on in roman type after it.")
    assert line.italic_prefix == "Run-in italic." and not line.italic and not line.bold_prefix


def test_a_table_rule_under_a_row_underlines_none_of_its_cells(emphasis):
    cells = [line for line in emphasis.lines if line.text.startswith(("Row", "12.5"))]
    assert len(cells) == 6 and not any(line.underlined for line in cells)


def test_a_strike_through_is_not_an_underline(tmp_path):
    pdf = FPDF(format="A4")
    pdf.add_page()
    pdf.set_font("Helvetica", size=12)
    pdf.cell(0, 8, "Struck out words", new_x="LMARGIN", new_y="NEXT")
    width = pdf.get_string_width("Struck out words")
    pdf.line(pdf.l_margin, 10 + 4, pdf.l_margin + width, 10 + 4)  # through the letters' middle
    pdf.output(str(tmp_path / "strike.pdf"))
    (page,) = read(tmp_path / "strike.pdf")
    assert not only(page, "Struck out words").underlined


def test_worker_processes_carry_every_field(tmp_path):
    path = emphasis_pdf(tmp_path / "emphasis.pdf")
    ((_page, lines, why),) = parallel.read_pages(path.read_bytes(), None, [1], workers=1)
    assert why == "" and lines is not None
    assert lines == read(path)[0]


def test_a_fraction_bar_is_not_an_underline(tmp_path):
    pdf = FPDF(format="A4")
    pdf.add_page()
    pdf.set_font("Helvetica", size=11)
    width = pdf.get_string_width("x + 1")
    pdf.text(40, 40, "1")  # numerator, centred over the bar
    pdf.line(36, 41.2, 36 + width, 41.2)
    pdf.text(36, 45.5, "x + 1")  # denominator, just under the bar
    pdf.output(str(tmp_path / "fraction.pdf"))
    (page,) = read(tmp_path / "fraction.pdf")
    assert not any(line.underlined for line in page.lines), [
        (line.text, line.underlined) for line in page.lines
    ]


def test_a_rule_drawn_inside_a_form_xobject_underlines_the_text_above_it(tmp_path):
    # the rule is drawn in the form's own space, the form placed under the first line by a matrix
    content = (
        b"BT /F1 12 Tf 100 700 Td (Underlined by a form) Tj ET\n"
        b"BT /F1 12 Tf 100 600 Td (A line with no rule under it) Tj ET\n"
        b"q 1 0 0 1 100 697.5 cm /Fm0 Do Q\n"
    )
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> /XObject << /Fm0 6 0 R >> >> >>",
        stream(content),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        stream(b"0.5 w 0 0 m 110 0 l S", b"/Type /XObject /Subtype /Form /BBox [0 -5 200 5] "),
    ]
    (tmp_path / "form.pdf").write_bytes(raw_pdf(objects))
    (page,) = read(tmp_path / "form.pdf")
    assert only(page, "Underlined by a form").underlined
    assert not only(page, "A line with no rule under it").underlined


def test_tex_fonts_say_bold_italic_and_fixed_pitch_by_their_names(tmp_path):
    # Computer Modern / EC fonts carry no weight and no fixed-pitch flag a reader can use
    fonts = {"F1": "CMBX12", "F2": "CMR10", "F3": "SFTT1000", "F4": "NimbusMonL-Regu", "F5": "SFBX1440"}
    fonts |= {"F6": "CMTI10"}
    lines = [("F1", "1 Introduction"), ("F2", "Body text set in roman."), ("F3", "print(x)")]
    lines += [("F4", "int main(void);"), ("F5", "2 Methods"), ("F6", "Proof sketch")]
    content = b"".join(
        f"BT /{font} 11 Tf 72 {700 - 20 * k} Td ({text}) Tj ET\n".encode()
        for k, (font, text) in enumerate(lines)
    )
    names = " ".join(f"/{key} {6 + k} 0 R" for k, key in enumerate(fonts))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R"
        f" /Resources << /Font << {names} >> >> >>".encode(),
        stream(content),
        b"<< >>",
    ]
    objects += [f"<< /Type /Font /Subtype /Type1 /BaseFont /{name} >>".encode() for name in fonts.values()]
    (tmp_path / "tex.pdf").write_bytes(raw_pdf(objects))
    (page,) = read(tmp_path / "tex.pdf")
    assert [line.text for line in page.lines if line.bold] == ["1 Introduction", "2 Methods"]
    assert [line.text for line in page.lines if line.mono] == ["print(x)", "int main(void);"]
    assert [line.text for line in page.lines if line.italic] == ["Proof sketch"]


def test_every_line_of_an_underlined_list_is_underlined(tmp_path):
    # set solid, each entry's rule close over the next entry: not fraction bars, each has its own
    pdf = FPDF(format="A4")
    pdf.add_page()
    pdf.set_font("Helvetica", "U", 12)
    entries = ["The Veil", "Culture and History", "The Dales", "The Long Walk"]
    for entry in entries:
        pdf.cell(0, 4.6, entry, new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(tmp_path / "links.pdf"))
    (page,) = read(tmp_path / "links.pdf")
    assert [line.text for line in page.lines if line.underlined] == entries


def test_a_line_with_a_link_annotation_is_linked_and_an_underlined_heading_is_not(tmp_path):
    pdf = FPDF(format="A4")
    pdf.add_page()
    target = pdf.add_link()
    pdf.set_font("Helvetica", "U", 11)
    pdf.cell(0, 7, "2 Methods ..... 2", new_x="LMARGIN", new_y="NEXT", link=target)  # a contents entry
    pdf.cell(0, 7, "An underlined heading", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=11)
    pdf.cell(
        0, 7, "See https://example.org for more.", new_x="LMARGIN", new_y="NEXT", link="https://example.org"
    )
    pdf.cell(0, 7, BODY, new_x="LMARGIN", new_y="NEXT")
    pdf.add_page()
    pdf.set_link(target)
    pdf.output(str(tmp_path / "links.pdf"))
    page = read(tmp_path / "links.pdf")[0]
    assert [line.text for line in page.lines if line.linked] == [
        "2 Methods ..... 2",
        "See https://example.org for more.",
    ]
    assert only(page, "An underlined heading").underlined and only(page, "2 Methods ..... 2").underlined


def test_a_lone_utf16_half_in_a_pages_text_becomes_a_replacement_character():
    """A broken ToUnicode map can give pdfium a lone surrogate; written as UTF-8 it crashed the run
    (a real two-column paper). One U+FFFD per half keeps one character per pdfium index."""
    from pageindex_tui.document.lines import _page_text

    class TextPage:
        def get_text_range(self, start: int, count: int) -> str:
            return "Se\ud835ction 1"[start : start + count]

    text = _page_text(TextPage(), 10)  # type: ignore[arg-type]
    assert text == "Se\ufffdction 1" and len(text) == 10
    text.encode("utf-8")  # writable
