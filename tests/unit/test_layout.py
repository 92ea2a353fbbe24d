"""The layout stage on its own: headings from typography and numbering, scored against known trees."""

from __future__ import annotations

import io
from pathlib import Path

import layoutgen
import pytest
import scoring
from pypdf import PdfReader, PdfWriter

from pageindex_tui.document import open_pdf
from pageindex_tui.document.lines import TextLine
from pageindex_tui.index import toc
from pageindex_tui.index.layout import SURE, Candidate, choose, find_headings, unsure
from pageindex_tui.index.layout_levels import assign_levels, numbering

SAMPLES = Path(__file__).resolve().parents[2] / "sample_docs"


def headings_of(path: Path, skip: set[int] | None = None) -> list[scoring.Heading]:
    doc = open_pdf(path)
    chosen = choose(find_headings(doc.layout(), skip or set()).candidates)
    return [(h.title, h.page, h.level) for h in chosen]


@pytest.mark.parametrize("style", sorted(layoutgen.MAKERS))
def test_each_heading_style_is_found_with_its_level(tmp_path, style):
    path, truth = layoutgen.MAKERS[style](tmp_path)
    result = scoring.score(headings_of(path), truth)
    assert result.recall >= 0.9, (style, result)
    assert result.precision >= 0.9, (style, result)
    assert result.level_accuracy >= 0.9, (style, result)


def test_running_heads_page_numbers_captions_tables_and_references_are_not_headings(tmp_path):
    path, truth = layoutgen.make_noisy(tmp_path)
    found = headings_of(path)
    titles = [title for title, _page, _level in found]
    assert not any("Journal of Synthetic Results" in t for t in titles)
    assert not any(t.startswith(("Figure", "Table", "[", "S1", "Site")) for t in titles)
    assert not any(t.strip().isdigit() for t in titles)
    assert "References" in titles and titles[-1] == "References"  # its entries are not sections
    assert scoring.score(found, truth).matched == len(truth)


def test_rejections_are_counted_by_reason(tmp_path):
    path, _truth = layoutgen.make_noisy(tmp_path)
    result = find_headings(open_pdf(path).layout())
    assert result.rejected["table row"] >= 1 and result.body_size == pytest.approx(10.5, abs=0.5)


def test_two_columns_keep_their_headings_apart_from_the_other_column(tmp_path):
    path, truth = layoutgen.make_two_columns(tmp_path)
    found = headings_of(path)
    assert all(len(title) < 40 for title, _p, _l in found)  # never merged with the other column's text
    assert scoring.score(found, truth).recall == 1.0


def _strip_outline(source: Path, target: Path) -> Path:
    writer = PdfWriter(clone_from=source)
    writer._root_object.pop("/Outlines", None)
    buffer = io.BytesIO()
    writer.write(buffer)
    target.write_bytes(buffer.getvalue())
    return target


def test_a_real_pdf_with_its_outline_removed_scores_against_that_outline(tmp_path):
    source = SAMPLES / "reg-bi-interpretive-release.pdf"
    outline = open_pdf(source).outline
    truth = [(e.title, e.page, e.level) for e in outline]
    stripped = _strip_outline(source, tmp_path / "no-outline.pdf")
    assert PdfReader(stripped).outline == []
    result = scoring.score(headings_of(stripped), truth)
    assert len(truth) == 10
    assert result.recall >= 0.9 and result.precision >= 0.7 and result.level_accuracy >= 0.9, result


def test_a_real_pdf_with_its_contents_page_hidden_scores_against_the_contents(tmp_path):
    doc = open_pdf(SAMPLES / "fed-annual-report-2023-excerpt.pdf")
    found = toc.find_toc_pages(doc.page_text, doc.page_count, 20)
    assert found is not None
    running = toc.running_lines(doc.page_text, range(1, 31))
    entries = toc.parse_toc("\n".join(toc.strip_running(doc.page_text(p), running) for p in found.pages))
    # the chapters of this excerpt, placed where the layout must find them without the contents
    chapters = [e.title for e in entries if e.printed and e.printed.isdigit() and int(e.printed) <= 30]
    assert len(chapters) >= 4
    layout = headings_of(SAMPLES / "fed-annual-report-2023-excerpt.pdf", set(found.pages))
    titles = {scoring.normalize(t) for t, _p, _l in layout}
    hits = [c for c in chapters if any(scoring.same_title(c, t) for t in titles)]
    assert len(hits) >= 0.8 * len(chapters), (chapters, sorted(titles))
    assert not any(p in found.pages for _t, p, _l in layout)  # the contents pages were skipped


@pytest.mark.parametrize(
    ("text", "kind", "depth"),
    [
        ("1 Introduction", "decimal", 1),
        ("2.3.1 Field Sites", "decimal", 3),
        ("IV. Economic Considerations", "roman", 1),
        ("B. Background", "letter", 2),
        ("(a) Scope", "paren", 3),
        ("Chapter 12 Results", "keyword", 1),
        ("Appendix C Audits", "keyword", 1),
    ],
)
def test_numbering_patterns(text, kind, depth):
    found = numbering(text)
    assert found is not None and (found.kind, found.depth) == (kind, depth)


@pytest.mark.parametrize("text", ["2023 was a year", "0 items", "Results of the study", "1.5 percent rise"])
def test_not_numbering(text):
    assert numbering(text) is None


def _cand(title: str, size: float = 12, bold: bool = True, confidence: float = 0.9) -> Candidate:
    return Candidate(title, 1, 0, confidence, size, bold, "")


def test_levels_come_from_numbering_before_font_size():
    levelled = assign_levels(
        [_cand("I. Scope", 12), _cand("A. Part", 16), _cand("1. Detail", 20), _cand("B. Next", 16),
         _cand("II. More", 12)]
    )  # fmt: skip
    assert [h.level for h in levelled] == [0, 1, 2, 1, 0]


def test_unnumbered_levels_come_from_font_rank_with_a_tolerance():
    levelled = assign_levels(
        [_cand("Chapter", 20), _cand("Section", 14), _cand("Other section", 14.4), _cand("Sub", 12),
         _cand("Next chapter", 19.6), _cand("Plain bold", 12, bold=True), _cand("Regular", 12, bold=False)]
    )  # fmt: skip
    assert [h.level for h in levelled] == [0, 1, 1, 2, 0, 1, 2]


def test_choose_keeps_sure_candidates_and_asks_about_the_rest():
    candidates = [
        _cand("Sure", confidence=SURE),
        _cand("Maybe", confidence=0.5),
        _cand("Weak", confidence=0.3),
    ]
    assert unsure(candidates) == [1, 2]
    assert [h.title for h in choose(candidates)] == ["Sure", "Maybe"]  # rules alone keep the likelier
    assert [h.title for h in choose(candidates, accepted={2})] == ["Sure", "Weak"]  # the model's say


def test_text_without_font_sizes_still_gives_headings_by_numbering():
    from pageindex_tui.document.lines import PageLines

    def line(text: str, top: float) -> TextLine:
        return TextLine(text, 0.0, False, "", 50, 300, top, top + 10)

    page = PageLines(1, 600, 800, 0, [line("1 Introduction", 100)] + [
        line(f"Body sentence number {k} of the page, long enough to be text.", 130 + 14 * k) for k in range(8)
    ], fonts_known=False)  # fmt: skip
    result = find_headings([page])
    assert result.warnings and "font information" in result.warnings[0]
    assert [h.title for h in choose(result.candidates)] == ["1 Introduction"]
    assert not any(c.title.startswith("Body sentence") for c in result.candidates)
