"""Bold in scans: a recognised line's stroke width against the page's median line's."""

from __future__ import annotations

from PIL import Image, ImageDraw, ImageFont

from pageindex_tui.document.ocr import OcrLine, page_lines
from pageindex_tui.document.weight import mark_bold, stroke

BODY = [
    "The committee reviewed the annual budget",
    "and approved the plan for the next year,",
    "with changes to the travel and training",
    "lines that the auditors had asked for.",
    "Members noted the reserve stays above",
]


def page(bold_rows: set[int], rows: list[str] = BODY) -> tuple[Image.Image, list[OcrLine]]:
    """A white page with one line of text a row; rows in `bold_rows` drawn with heavier strokes."""
    font = ImageFont.load_default(size=18)
    image = Image.new("L", (700, 60 + 40 * len(rows)), 255)
    draw = ImageDraw.Draw(image)
    lines = []
    for row, text in enumerate(rows):
        at = (30, 30 + 40 * row)
        heavy = 1 if row in bold_rows else 0
        draw.text(at, text, fill=0, font=font, stroke_width=heavy, stroke_fill=0)
        x0, top, x1, bottom = draw.textbbox(at, text, font=font, stroke_width=heavy)
        lines.append(OcrLine(text, x0, top, x1, bottom))
    return image, lines


def test_heavier_strokes_are_bold_and_the_rest_are_not():
    image, lines = page({2})
    marked = mark_bold(image, lines)
    assert [line.bold for line in marked] == [False, False, True, False, False]
    assert [line.text for line in marked] == BODY  # nothing else changes


def test_a_page_all_in_one_weight_has_no_bold_line():
    for heavy in (set(), set(range(len(BODY)))):
        image, lines = page(heavy)
        assert not any(line.bold for line in mark_bold(image, lines))


def test_too_few_lines_to_compare_are_left_as_they_are():
    image, lines = page({0}, BODY[:3])
    assert mark_bold(image, lines) == lines


def test_a_box_without_ink_weighs_nothing():
    image, _lines = page(set())
    assert stroke(image, (600, 0, 690, 20)) == 0.0
    assert stroke(image, (0, 0, 700, 240)) > 0.0


def test_bold_reaches_the_page_lines_the_layout_reads():
    image, lines = page({0})
    found = page_lines(1, 350, 120 + 20 * len(BODY), 144, mark_bold(image, lines))
    assert [line.bold for line in found.lines] == [True, False, False, False, False]
