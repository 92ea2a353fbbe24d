"""PDF documents: outline, labels, lazy page text, errors with hints, and pypdf kept quiet."""

from __future__ import annotations

import itertools
import logging
import re
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pypdf
import pytest
from fpdf import FPDF
from pdfgen import (
    make_broken_outline_pdf,
    make_corrupt_pdf,
    make_damaged_xref_pdf,
    make_empty_pdf,
    make_encrypted_pdf,
    make_labeled_pdf,
    make_outline_pdf,
    make_plain_pdf,
    make_scanned_pdf,
    make_toc_pdf,
)

from pageindex_tui.document import OutlineEntry, PdfDocument, open_document, open_pdf, quiet
from pageindex_tui.document import pdf as pdf_module
from pageindex_tui.document.password import check_password
from pageindex_tui.document.pdf import clean_title, sample_pages
from pageindex_tui.errors import (
    CorruptPDF,
    DocumentError,
    EmptyDocument,
    EncryptedPDF,
    NoTextLayer,
)

SAMPLES = Path("/work/shared/sample_pdfs")


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("pdfs")
    return {
        "outline": make_outline_pdf(folder),
        "toc": make_toc_pdf(folder),
        "plain": make_plain_pdf(folder),
        "labeled": make_labeled_pdf(folder),
        "broken_outline": make_broken_outline_pdf(folder),
        "damaged_xref": make_damaged_xref_pdf(folder),
    }


# --- structure ---------------------------------------------------------------------------------
def test_outline_pdf(pdfs):
    doc = open_pdf(pdfs["outline"])
    assert isinstance(doc, PdfDocument) and doc.kind == "pdf"
    assert doc.name == "outline.pdf" and doc.path == pdfs["outline"]
    assert doc.page_count == 12
    assert doc.outline == [
        OutlineEntry("1 Introduction", 1, 0),
        OutlineEntry("2 Methods", 4, 0),
        OutlineEntry("2.1 Data", 4, 1),
        OutlineEntry("2.2 Analysis", 6, 1),
        OutlineEntry("3 Results", 9, 0),
    ]
    assert doc.page_labels is None
    assert doc.warnings == []


def test_section_titles_are_printed_on_their_start_pages(pdfs):
    doc = open_pdf(pdfs["outline"])
    for entry in doc.outline:
        assert entry.title in doc.page_text(entry.page)
    texts = [doc.page_text(n) for n in range(1, 13)]
    assert len(set(texts)) == 12 and all(len(t) > 200 for t in texts)
    assert "Page 7 line 1" in texts[6]


def test_toc_pdf_has_no_outline_and_a_printed_contents_page(pdfs):
    doc = open_pdf(pdfs["toc"])
    assert doc.page_count == 14 and doc.outline == [] and doc.page_labels is None
    contents = doc.page_text(2)
    assert "Contents" in contents
    for title, printed in [
        ("1 Introduction", 1),
        ("2.1 Prior Work", 3),
        ("4 Evaluation", 10),
        ("5 Conclusion", 12),
    ]:
        assert re.search(rf"{re.escape(title)} \.{{4,}} {printed}\b", contents), title
    # printed page 1 is physical page 3; footers carry the printed number
    assert "1 Introduction" in doc.page_text(3)
    assert doc.page_text(3).rstrip().endswith("1")
    assert "4 Evaluation" in doc.page_text(12) and doc.page_text(12).rstrip().endswith("10")
    assert "5 Conclusion" in doc.page_text(14)


def test_plain_pdf(pdfs):
    doc = open_pdf(pdfs["plain"])
    assert doc.page_count == 6 and doc.outline == [] and doc.page_labels is None
    assert doc.page_text(1).startswith("Overview")
    assert doc.page_text(3).startswith("Details")
    assert doc.page_text(5).startswith("Summary")
    assert "Contents" not in doc.tagged(1, 6)


def test_page_labels(pdfs):
    assert open_pdf(pdfs["labeled"]).page_labels == ["i", "ii", "1", "2", "3", "4"]


def test_broken_outline_entries_are_dropped_with_a_warning_and_titles_cleaned(pdfs):
    doc = open_pdf(pdfs["broken_outline"])
    assert doc.outline == [OutlineEntry("Good", 1, 0), OutlineEntry("Later entry", 3, 0)]
    assert any("Broken" in w and "dropped" in w for w in doc.warnings)


def test_clean_title():
    assert clean_title("  Two\x00  words\n\tand\x07 more\ufeff ") == "Two words and more"
    assert clean_title(b"bytes \xe9") == "bytes é"
    assert clean_title(None) == ""


# --- page text ---------------------------------------------------------------------------------
def test_page_text_is_extracted_lazily_and_cached(pdfs, monkeypatch):
    doc = open_pdf(pdfs["outline"])
    assert set(doc._text) == {1}  # only what the text-layer check needed
    text = doc.page_text(7)
    assert set(doc._text) == {1, 7} and "Page 7" in text

    def boom(*args, **kwargs):
        raise AssertionError("extracted twice")

    monkeypatch.setattr(pdf_module, "read_page", boom)
    monkeypatch.setattr(pypdf.PageObject, "extract_text", boom)
    assert doc.page_text(7) == text
    assert doc.page_lines(7) is not None and doc.page_lines(7).lines[0].text.startswith("Page 7")


def test_tagged_wraps_each_page_and_node_text_joins_them(pdfs):
    doc = open_pdf(pdfs["outline"])
    assert (doc.unit, doc.size, doc.doc_name) == ("page", doc.page_count, doc.name) == ("page", 12, doc.name)
    assert [(e.title, e.level, e.start) for e in doc.entries()][:2] == [
        (o.title, o.level, o.page) for o in doc.outline
    ][:2]
    assert doc.node_text(2, 3) == f"{doc.page_text(2)}\n{doc.page_text(3)}"
    joined = doc.tagged(2, 3)
    assert joined == f"<page 2>\n{doc.page_text(2)}\n</page 2>\n<page 3>\n{doc.page_text(3)}\n</page 3>\n"
    assert doc.tagged(12, 15) == f"<page 12>\n{doc.page_text(12)}\n</page 12>\n"
    assert doc.tagged(0, 1).startswith("<page 1>\n")
    assert doc.tagged(5, 4) == ""


def test_bad_pages_give_empty_text_and_a_warning(pdfs, monkeypatch):
    doc = open_pdf(pdfs["outline"])
    assert doc.page_text(0) == "" and doc.page_text(13) == ""
    assert any("13" in w and "out of range" in w for w in doc.warnings)

    def broken(*args, **kwargs):
        raise ValueError("bad content stream")

    monkeypatch.setattr(pdf_module, "read_page", broken)
    monkeypatch.setattr(pypdf.PageObject, "extract_text", broken)
    assert doc.page_text(5) == "" and doc.page_lines(5) is None
    assert any(w.startswith("page 5:") and "layout could not be read" in w for w in doc.warnings)
    assert any(w.startswith("page 5:") and "bad content stream" in w for w in doc.warnings)


def test_pypdf_stands_in_where_pdfium_fails(pdfs, monkeypatch):
    doc = open_pdf(pdfs["outline"])

    def broken(*args, **kwargs):
        raise ValueError("pdfium says no")

    monkeypatch.setattr(pdf_module, "read_page", broken)
    assert "Page 6 line 1" in doc.page_text(6) and doc.page_lines(6) is None


def test_page_text_from_many_threads(pdfs):
    expected = [open_pdf(pdfs["outline"]).page_text(n) for n in range(1, 13)]
    doc = open_pdf(pdfs["outline"])
    with ThreadPoolExecutor(max_workers=8) as pool:
        got = list(pool.map(doc.page_text, [n for _ in range(4) for n in range(1, 13)]))
    assert got == expected * 4


def test_opening_from_many_threads_restores_the_logger(pdfs):
    logger = logging.getLogger("pypdf")
    handlers, propagate = list(logger.handlers), logger.propagate
    names = ["outline", "toc", "plain", "damaged_xref"] * 3
    with ThreadPoolExecutor(max_workers=6) as pool:
        docs = list(pool.map(lambda name: open_pdf(pdfs[name]), names))
    assert [d.page_count for d in docs] == [12, 14, 6, 6] * 3
    assert logger.handlers == handlers and logger.propagate == propagate


# --- errors ------------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["truncated", "garbage"])
def test_corrupt_pdf(tmp_path, kind):
    path = make_corrupt_pdf(tmp_path, kind=kind)
    with pytest.raises(CorruptPDF) as err:
        open_pdf(path)
    assert path.name in str(err.value) and "not a readable PDF" in str(err.value)
    assert err.value.hint and isinstance(err.value, DocumentError)


def test_corrupt_pdf_default_kind(tmp_path):
    with pytest.raises(CorruptPDF):
        open_pdf(make_corrupt_pdf(tmp_path))
    assert [p.name for p in tmp_path.iterdir()] == ["truncated.pdf"]  # writes only what it returns


def test_encrypted_pdf_needs_a_password(tmp_path):
    path = make_encrypted_pdf(tmp_path)
    with pytest.raises(EncryptedPDF) as err:
        open_pdf(path)
    assert path.name in str(err.value) and "password" in str(err.value)
    assert "--password" in err.value.hint


def test_encrypted_pdf_wrong_password(tmp_path):
    path = make_encrypted_pdf(tmp_path)
    with pytest.raises(EncryptedPDF) as err:
        open_pdf(path, password="guess")
    assert "wrong password" in str(err.value) and path.name in str(err.value)
    assert "--password" in err.value.hint


def test_encrypted_pdf_opens_with_its_password(tmp_path):
    path = make_encrypted_pdf(tmp_path, user_password="secret")
    doc = open_document(path, password="secret")
    assert isinstance(doc, PdfDocument) and doc.page_count == 3
    assert "Confidential part 2" in doc.page_text(2)


def test_encrypted_pdf_with_an_empty_user_password_opens_without_one(tmp_path):
    doc = open_pdf(make_encrypted_pdf(tmp_path, user_password=""))
    assert doc.page_count == 3 and "Confidential part 1" in doc.page_text(1)
    # a password that is not needed does no harm
    assert open_pdf(make_encrypted_pdf(tmp_path, user_password=""), password="whatever").page_count == 3


def test_empty_pdf(tmp_path):
    path = make_empty_pdf(tmp_path)
    assert len(pypdf.PdfReader(path).pages) == 0
    with pytest.raises(EmptyDocument) as err:
        open_pdf(path)
    assert path.name in str(err.value) and "no pages" in str(err.value) and err.value.hint


def test_scanned_pdf_has_no_text_layer(tmp_path):
    path = make_scanned_pdf(tmp_path)
    with pytest.raises(NoTextLayer) as err:
        open_pdf(path)
    assert path.name in str(err.value) and "text" in str(err.value)
    assert "ocrmypdf" in err.value.hint and "OCR" in err.value.hint


def _pdf_with_text_on(tmp_path: Path, pages: int, text_pages: set[int], name: str) -> Path:
    pdf = FPDF()
    pdf.set_font("Helvetica", size=11)
    for page in range(1, pages + 1):
        pdf.add_page()
        pdf.rect(20, 20, 100, 100)
        if page in text_pages:
            pdf.cell(0, 10, f"Page {page} carries a real line of extractable text.")
    path = tmp_path / name
    pdf.output(str(path))
    return path


def test_text_layer_check_samples_pages_evenly(tmp_path):
    assert sample_pages(5) == [1, 2, 3, 4, 5]
    picks = sample_pages(50)
    assert len(picks) == 12 and picks[0] == 1 and picks[-1] == 50 and picks == sorted(set(picks))
    assert all(b - a in (4, 5) for a, b in itertools.pairwise(picks))
    # text only on the last page: found by the sample
    assert open_pdf(_pdf_with_text_on(tmp_path, 30, {30}, "late.pdf")).page_count == 30
    # text only on a page the sample skips: treated as scanned
    assert 2 not in sample_pages(30)
    with pytest.raises(NoTextLayer):
        open_pdf(_pdf_with_text_on(tmp_path, 30, {2}, "skipped.pdf"))


def test_too_little_text_counts_as_none(tmp_path):
    pdf = FPDF()
    pdf.set_font("Helvetica", size=11)
    pdf.add_page()
    pdf.cell(0, 10, "p. 1   of   9  x")  # 11 non-space characters
    path = tmp_path / "sparse.pdf"
    pdf.output(str(path))
    with pytest.raises(NoTextLayer):
        open_pdf(path)


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(DocumentError, match="no such file") as err:
        open_pdf(tmp_path / "nope.pdf")
    assert err.value.hint
    with pytest.raises(DocumentError, match="directory"):
        open_pdf(tmp_path)


def test_open_document_dispatches_pdf(pdfs, tmp_path):
    assert isinstance(open_document(pdfs["plain"]), PdfDocument)
    upper = tmp_path / "UPPER.PDF"
    upper.write_bytes(pdfs["plain"].read_bytes())
    assert isinstance(open_document(upper), PdfDocument)


# --- pypdf stays quiet -------------------------------------------------------------------------
def test_pypdf_warnings_never_reach_the_terminal(pdfs, tmp_path, capsys, caplog):
    caplog.set_level(logging.DEBUG)
    doc = open_pdf(pdfs["damaged_xref"])
    assert doc.page_count == 6 and "Details" in doc.page_text(3)
    with pytest.raises(CorruptPDF):
        open_pdf(make_corrupt_pdf(tmp_path, kind="garbage"))
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""
    assert not [r for r in caplog.records if r.name.startswith("pypdf")]
    assert any("startxref" in w for w in doc.warnings)
    assert all(w.startswith(("open:", "outline:", "page labels:", "page ")) for w in doc.warnings)


def test_the_password_check_of_a_saved_index_is_quiet_too(pdfs, capsys, caplog):
    """Filing a damaged PDF's page text for search checked its password through pypdf uncaptured: the
    CLI printed pypdf's repairs ("Ignoring wrong pointing object ...", 21 lines for one real PDF)."""
    caplog.set_level(logging.DEBUG)
    check_password(pdfs["damaged_xref"])
    assert capsys.readouterr().err == ""
    assert not [r for r in caplog.records if r.name.startswith("pypdf")]


def test_quiet_pypdf_records_pypdf_warnings_and_returns_others(recwarn):
    noted: list[str] = []
    logger = logging.getLogger("pypdf._reader")
    with quiet.quiet_pypdf(noted.append):
        logger.warning("logged %s", "here")
        logger.info("too low to keep")
        warnings.warn_explicit("pypdf says so", UserWarning, quiet.PYPDF_DIR + "_reader.py", 1)
        warnings.warn_explicit("not ours", UserWarning, "/elsewhere/module.py", 1)
    assert noted == ["logged here", "pypdf says so"]
    assert [str(w.message) for w in recwarn] == ["not ours"]
    assert logging.getLogger("pypdf").propagate is True


# --- real documents ----------------------------------------------------------------------------
needs_samples = pytest.mark.skipif(not SAMPLES.is_dir(), reason=f"{SAMPLES} is missing")


@needs_samples
def test_fed_annual_report_excerpt(capsys):
    doc = open_pdf(SAMPLES / "fed-annual-report-2023-excerpt.pdf")
    assert doc.page_count == 50 and doc.outline == []
    assert sum(len(doc.page_text(n)) > 100 for n in range(1, 51)) > 40
    assert capsys.readouterr().err == ""


@needs_samples
def test_reg_bi_interpretive_release():
    doc = open_pdf(SAMPLES / "reg-bi-interpretive-release.pdf")
    assert doc.page_count == 28 and len(doc.outline) == 10
    assert doc.outline[0] == OutlineEntry("I. Introduction", 2, 0)
    assert {e.level for e in doc.outline} == {0, 1, 2}
    assert all(1 <= e.page <= 28 for e in doc.outline)
    assert [e.page for e in doc.outline] == sorted(e.page for e in doc.outline)
    assert "Introduction" in doc.page_text(2)
