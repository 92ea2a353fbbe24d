"""The embedded engine's second pass: what Tesseract's layout analysis left out, read on the page with the
first pass's lines painted white, and page numbers joined to the contents entries they end."""

from __future__ import annotations

import pytest
from scangen import make_scanned_copy

from pageindex_tui.document.ocr import OcrLine
from pageindex_tui.document.ocr_engine import _leftovers, _read, join_leftovers
from pageindex_tui.document.pdf import PdfDocument
from pageindex_tui.index.toc import parse_toc


def test_a_page_number_left_out_joins_the_entry_it_ends():
    found = [
        OcrLine("Contents", 100, 40, 400, 80),
        OcrLine("Notes to the financial statements", 100, 200, 700, 224),
        OcrLine("Market risk", 100, 260, 330, 284),
    ]
    leftovers = [OcrLine("85", 1100, 202, 1130, 222, 0.9), OcrLine("xii", 1095, 262, 1130, 282, 0.8)]
    lines = join_leftovers(found, leftovers)
    assert [line.text for line in lines] == [
        "Contents",
        "Notes to the financial statements 85",
        "Market risk xii",
    ]
    assert (lines[1].x0, lines[1].x1, lines[1].confidence) == (100, 1130, 0.9)
    assert [entry.printed for entry in parse_toc("\n".join(line.text for line in lines))] == ["85", "xii"]


def test_words_left_out_and_numbers_off_any_row_are_lines_of_their_own():
    found = [
        OcrLine("Left column line", 100, 200, 500, 224),
        OcrLine("Right column line", 700, 200, 1100, 224),
    ]
    leftovers = [
        OcrLine("caption words", 520, 202, 680, 222),  # on a row, but not a page number
        OcrLine("17", 60, 202, 90, 222),  # a number left of every line on its row
        OcrLine("42", 1150, 600, 1180, 620),  # on no line's row
    ]
    lines = join_leftovers(found, leftovers)
    assert [line.text for line in lines] == [
        "Left column line",
        "Right column line",
        "caption words",
        "17",
        "42",
    ]


def test_a_number_joins_the_nearest_line_to_its_left_in_its_row():
    found = [
        OcrLine("Left column entry", 100, 200, 400, 224),
        OcrLine("Right column entry", 600, 200, 900, 224),
    ]
    lines = join_leftovers(found, [OcrLine("9", 480, 203, 492, 221), OcrLine("31", 1000, 201, 1024, 223)])
    assert [line.text for line in lines] == ["Left column entry 9", "Right column entry 31"]


@pytest.mark.usefixtures("tesseract")
def test_the_second_pass_reads_only_what_the_first_left_out(tmp_path):
    image = PdfDocument(make_scanned_copy(tmp_path), ocr=True).render(2)
    whole = _read(image)
    assert whole[0].text == "2 Methods" and len(whole) > 2
    heading_only = _leftovers(image, whole[:1], [])
    texts = " ".join(line.text for line in heading_only)
    assert "Methods" not in texts and whole[1].text.split()[0] in texts
    assert _leftovers(image, whole, []) == []  # a page read whole leaves nothing
