"""Scanned pages: which need OCR, their lines as the layout reads them, the cache, the engine's output."""

from __future__ import annotations

import os

import pytest
from fpdf import FPDF
from pdfgen import make_scanned_pdf
from scangen import make_half_scanned, make_scanned_copy, make_text_pdf

from pageindex_tui.document.ocr import (
    OcrCache,
    OcrLine,
    Recognised,
    digest,
    page_lines,
    usable_text,
)
from pageindex_tui.document.ocr_engine import parse_tsv
from pageindex_tui.document.pdf import PdfDocument, open_pdf
from pageindex_tui.errors import NoTextLayer

SENTENCE = "The committee reviewed the annual budget and approved the plan for next year."


@pytest.fixture(autouse=True)
def _own_cache(tmp_path, monkeypatch):
    """Recognised pages are cached by the page image's digest: another test's reading of the same generated
    page would be read back here (CI saw page 1 of a fresh scan come with its text already)."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


def test_usable_text_takes_prose_and_figures():
    assert usable_text(SENTENCE)
    assert usable_text("2021 2022 2023\n14.5 16.2 18.9\n1,204 1,390 1,577")  # a table of figures


@pytest.mark.parametrize(
    "junk",
    [
        "",  # no text at all
        "p. 1 of 9",  # too little
        "\ue000\ue001\ue002 " * 10 + "ab",  # private-use glyphs (a font with no Unicode map)
        "~~ ;; '' ,, .. -- ## @@ !! ?? ** ^^ ~~ ;; '' ,,",  # punctuation
        " ".join(list("tIlaoernmsxcvbwqzk") * 3),  # spaced-out single letters
        " ".join(["Thrsk", "mnprt", "cvbnm", "Wxzrt", "pqrst", "lkjhg"] * 3),  # consonant runs
    ],
)
def test_usable_text_refuses_junk(junk):
    assert not usable_text(junk)


def test_page_lines_scale_boxes_and_keep_the_engines_reading_order():
    found = [
        OcrLine("A Large Heading", 100, 100, 900, 200),
        OcrLine("left column, first line", 100, 300, 500, 340),
        OcrLine("left column, second line", 100, 350, 500, 388),
        OcrLine("   ", 100, 390, 500, 420),  # nothing recognised: left out
        OcrLine("other column, first line", 700, 300, 1100, 338),
    ]
    page = page_lines(3, 595, 842, 144, found)  # 144 dpi: two pixels to the point
    assert [line.text for line in page.lines] == [
        "A Large Heading",
        "left column, first line",
        "left column, second line",
        "other column, first line",
    ]
    heading, body = page.lines[0], page.lines[1]
    assert heading.top == 50 and heading.bottom == 100 and heading.x1 == 450
    assert heading.size > 1.5 * body.size  # line height stands in for font size (its descender counted)
    assert len({line.size for line in page.lines[1:]}) == 1  # body lines of nearly equal height: one size
    assert page.fonts_known and page.page == 3


def test_a_line_in_capitals_is_not_taken_for_smaller_type():
    """Boxes of 10 pt type at 72 dpi: a line with descenders reaches 9.2 pixels (capitals' 7 and
    descenders' 2.2), one in capitals only 7, one of short lower-case letters 4.8; all read as 10 pt.
    (A scanned paper's small-capital headings were read as 7 pt, under the body's 9.5, and missed.)"""
    body = [OcrLine(f"the quickly typed body line {k}", 10, 20 * k, 400, 20 * k + 9.2) for k in range(1, 6)]
    heading = OcrLine("IV. TEXT DATA", 10, 0, 200, 7.0)
    short = OcrLine("seven more acorns", 10, 130, 80, 134.8)
    descending = OcrLine("gypsy", 10, 150, 80, 150 + 4.8 + 2.2)
    sizes = [line.size for line in page_lines(1, 595, 842, 72, [heading, *body, short, descending]).lines]
    assert sizes == [10.0] * 8


def test_ocr_cache_round_trip_and_damage(tmp_path):
    cache = OcrCache(tmp_path)
    found = Recognised(
        "tesseract", [OcrLine("Hello world", 1, 2, 30, 12, 0.9), OcrLine("Aims", 1, 20, 9, 30, bold=True)]
    )
    cache.put("ab" * 32, found)
    assert cache.get("ab" * 32) == found
    assert cache.get("cd" * 32) is None
    entry = tmp_path / "ab" / f"{'ab' * 32}.json"
    entry.write_text('{"engine": "x", "lines": [{"text": "Aims", "x0": 1, "top": 2, "x1": 3, "bottom": 4}]}')
    assert cache.get("ab" * 32) == Recognised("x", [OcrLine("Aims", 1, 2, 3, 4, 0.0)])  # older: no bold
    entry.write_text('{"engine": "x", "lines": [{"text": "Aims", "bold": "yes"}]}')
    assert cache.get("ab" * 32) is None  # a damaged entry is a miss
    entry.write_text('{"engine": "x", "lines": [{"text": 3}]}')
    assert cache.get("ab" * 32) is None
    assert oct(os.stat(tmp_path / "ab").st_mode & 0o777) == "0o700"


def test_digest_depends_on_the_pixels(tmp_path):
    doc = PdfDocument(make_scanned_copy(tmp_path), ocr=True)
    assert digest(doc.render(1)) == digest(doc.render(1))
    assert digest(doc.render(1)) != digest(doc.render(2))


def test_half_scanned_pdf_needs_ocr_only_where_it_has_no_text(tmp_path):
    doc = PdfDocument(make_half_scanned(tmp_path), ocr=True)
    assert doc.scanned_pages() == [2, 3]
    assert "Introduction" in doc.page_text(1)
    born = PdfDocument(make_text_pdf(tmp_path / "born"), ocr=True)
    assert born.scanned_pages() == []


def test_scanned_pdf_opens_where_ocr_can_read_it(tmp_path):
    path = make_scanned_copy(tmp_path)
    doc = open_pdf(path, ocr=True)
    assert doc.scanned_pages() == [1, 2, 3] and doc.page_text(1) == ""
    with pytest.raises(NoTextLayer) as err:
        open_pdf(path, ocr=False)
    assert "tesseract-ocr" in err.value.hint and "ocr_model" in err.value.hint


def test_pages_that_draw_no_image_are_not_scans(tmp_path):
    with pytest.raises(NoTextLayer):  # shapes only: nothing for OCR to read
        open_pdf(make_scanned_pdf(tmp_path), ocr=True)


def test_a_garbage_text_layer_over_a_scan_is_read_again(tmp_path):
    images = make_scanned_copy(tmp_path)
    from pypdf import PdfReader, PdfWriter

    overlay = FPDF(format="A4")
    overlay.set_font("Helvetica", size=9)
    overlay.add_page()
    overlay.set_text_color(255, 255, 255)
    overlay.multi_cell(0, 5, " ".join(["Thrsk", "mnprt", "cvbnm", "Wxzrt", "pqrst", "lkjhg"] * 6))
    overlay.output(str(tmp_path / "overlay.pdf"))
    writer = PdfWriter()
    page = writer.add_page(PdfReader(images).pages[0])
    page.merge_page(PdfReader(tmp_path / "overlay.pdf").pages[0])
    path = tmp_path / "garbage_layer.pdf"
    with path.open("wb") as out:
        writer.write(out)
    assert PdfDocument(path, ocr=True).scanned_pages() == [1]


def test_the_recognised_page_replaces_the_text_layer_and_is_read_back(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    path = make_scanned_copy(tmp_path)
    doc = PdfDocument(path, ocr=True)
    image = doc.render(2)
    found = [
        OcrLine("2 Methods", 60, 60, 400, 120),
        OcrLine("Body text of the page, read.", 60, 150, 900, 180),
    ]
    doc.ocr_cache.put(digest(image), Recognised("tesseract", found))
    doc.set_recognised(2, page_lines(2, 595, 842, 150, found), "tesseract")
    assert doc.page_text(2).splitlines()[0] == "2 Methods"
    again = PdfDocument(path, ocr=True)  # ask, the reader, MCP: a new open reads the cache
    assert again.page_text(2).splitlines() == ["2 Methods", "Body text of the page, read."]
    assert again.recognised == {2: "tesseract"} and again.scanned_pages() == [1, 2, 3]


TSV = """level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext
1\t1\t0\t0\t0\t0\t0\t0\t1240\t1754\t-1\t
4\t1\t1\t1\t1\t0\t100\t90\t300\t40\t-1\t
5\t1\t1\t1\t1\t1\t100\t92\t120\t36\t96.5\t2
5\t1\t1\t1\t1\t2\t240\t90\t160\t38\t93.5\tMethods
4\t1\t1\t2\t1\t0\t100\t160\t800\t20\t-1\t
5\t1\t1\t2\t1\t1\t100\t160\t90\t20\t90\tBody
5\t1\t1\t2\t1\t2\t200\t160\t50\t20\t-1\t\x20
"""


def test_tesseract_tsv_gives_lines_with_their_boxes():
    lines = parse_tsv(TSV)
    assert [(line.text, line.x0, line.top, line.x1, line.bottom) for line in lines] == [
        ("2 Methods", 100, 90, 400, 130),
        ("Body", 100, 160, 900, 180),
    ]
    assert lines[0].confidence == pytest.approx(0.95)
    assert parse_tsv("not\ta\ttsv\n1\t2\n") == []


def test_the_ocr_endpoint_may_be_empty_or_a_url():
    from pageindex_tui.errors import SettingsError
    from pageindex_tui.settings import FIELDS
    from pageindex_tui.settings.metadata import convert

    info = FIELDS["ocr_endpoint"]
    assert convert(info, "str", "", "flag --ocr-endpoint") == ""
    assert convert(info, "str", "http://gpu:8000/v1/", "flag --ocr-endpoint") == "http://gpu:8000/v1"
    with pytest.raises(SettingsError, match="http"):
        convert(info, "str", "gpu:8000", "flag --ocr-endpoint")
    assert convert(FIELDS["endpoint"], "str", "http://a:1/v1", "flag") == "http://a:1/v1"
    with pytest.raises(SettingsError):
        convert(FIELDS["endpoint"], "str", "", "flag --endpoint")  # the main endpoint stays required
