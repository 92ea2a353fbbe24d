"""Heading levels from numbering and typography (index/layout_levels.py), on candidate lists and on a
generated PDF."""

from __future__ import annotations

import layoutcases
import layoutgen
import scoring

from pageindex_tui.document import open_pdf
from pageindex_tui.index.heading import Candidate
from pageindex_tui.index.layout import choose, find_headings
from pageindex_tui.index.layout_levels import assign_levels, numbering


def _cand(title: str, size: float = 12, bold: bool = True) -> Candidate:
    return Candidate(title, 1, 0, 0.9, size, bold, "")


def levels(*titles: str | tuple[str, float]) -> list[int]:
    cands = [_cand(t) if isinstance(t, str) else _cand(*t) for t in titles]
    return [h.level for h in assign_levels(cands)]


def test_decimal_depth_nests_and_comes_back_up():
    assert levels("1 Scope", "1.1 Terms", "1.1.1 Units", "1.2 Limits", "2 Methods") == [0, 1, 2, 1, 0]


def test_decimals_count_from_the_shallowest_depth_the_document_uses():
    # a book's chapters are "Chapter 3", its sections "3.1": "3.1" is one below the chapter, and
    # "3.2" after "3.1.1" goes back to it
    got = levels("Chapter 3 Soils", "3.1 Clay", "3.1.1 Tests", "3.2 Sand", "Chapter 4 Water", "4.1 Wells")
    assert got == [0, 1, 2, 1, 0, 1]


def test_chapter_lecture_and_unit_words_rank_above_numbered_sections_wherever_they_first_appear():
    got = levels("1 Overview", "Lecture 1 Basics", "1 Overview", "2 Details", "Lecture 2 More", "1 Recap")
    assert got[1:] == [0, 1, 1, 0, 1]
    assert levels("Unit 1 Sounds", "1. Vowels", "2. Consonants", "Unit 2 Words") == [0, 1, 1, 0]


def test_parts_rank_above_chapters_above_sections():
    got = levels("Part I Foundations", "Chapter 1 Origins", "1.1 Early", "Chapter 2 Growth", "Part II Now")
    assert got == [0, 1, 2, 1, 0]


def test_a_single_part_number_that_does_not_start_a_series_leads_nothing():
    # a regulation's "PART 276" at the end of a release numbered I., II., III.
    got = levels("I. Introduction", "II. Guidance", "A. Background", "B. Effects", "PART 276 Releases")
    assert got[:4] == [0, 0, 1, 1]  # before, "PART" took the top and every other level moved down


def test_an_appendix_sits_beside_the_top_sections_and_its_lettered_sections_below_it():
    assert numbering("A.1 Proofs") is not None and numbering("A.1 Proofs").depth == 2
    got = levels("1 Intro", "1.1 Aims", "2 Results", "Appendix A Proofs", "A.1 Lemma", "A.2 Bounds")
    assert got == [0, 1, 0, 0, 1, 1]
    got = levels("Chapter 1 Intro", "1.1 Aims", "Chapter 2 Data", "Appendix A Tables", "A.1 Rates")
    assert got == [0, 1, 0, 0, 1]


def test_lettered_appendices_without_sections_of_their_own_go_on_the_series(tmp_path):
    # "C Prompts" and "D Examples" after "B Tables" (which has "B.1 Rates"), in the numbered
    # sections' style: appendices, not unnumbered lines that only look like numbered headings
    path, truth = layoutcases.make_appendix_series(tmp_path)
    chosen = choose(find_headings(open_pdf(path).layout()).candidates)
    score = scoring.score([(h.title, h.page, h.level) for h in chosen], truth)
    assert score.recall == 1.0 and score.precision == 1.0 and score.level_accuracy == 1.0, chosen


def test_a_lone_lettered_line_is_not_a_section_level():
    # "A. Smith" once, before numbered sections, is a name on a letterhead, not a level above them
    got = levels(("A. Smith and Partners", 11), "1 Intro", "1.1 Aims", "2 Methods")
    assert got == [0, 0, 1, 0]
    assert levels("I. Scope", "A. Part", "B. Other", "II. More") == [0, 1, 1, 0]  # a series is one


def test_typography_orders_unnumbered_headings_larger_and_bolder_above():
    got = levels(("Overview", 20), ("Context", 14), ("Detail", 12), ("Plain", 12), ("Next", 20))
    assert got == [0, 1, 2, 2, 0]
    plain = [_cand("Title", 14), _cand("Bold", 11), _cand("Regular", 11, bold=False)]
    assert [h.level for h in assign_levels(plain)] == [0, 1, 2]


def test_no_level_is_more_than_one_below_the_heading_before_it():
    assert levels("1 Intro", "1.1.1 Deep", "1.1.1.1 Deeper", "2 Next") == [0, 1, 2, 0]
    assert levels("2.3 Mid", "3 Top", "3.1 Sub") == [0, 0, 1]


def test_a_generated_book_with_parts_chapters_sections_and_an_appendix(tmp_path):
    path, truth = layoutgen.make_book(tmp_path)
    chosen = choose(find_headings(open_pdf(path).layout()).candidates)
    score = scoring.score([(h.title, h.page, h.level) for h in chosen], truth)
    assert score.recall == 1.0 and score.level_accuracy == 1.0, score


def test_numbered_sections_that_restart_under_larger_unnumbered_titles_go_below_them():
    got = levels(
        ("Number Theory", 16), "1. Divisibility", "2. Congruences", ("Coding Theory", 16), "1. Sources"
    )
    assert got == [0, 1, 1, 0, 1]
    # a title above sections numbered once through is not their parent: they stay at the top
    assert levels(("A Study of Things", 18), "1 Introduction", "1.1 Aims", "2 Methods") == [0, 0, 1, 0]
    # a restart with no larger heading before it (two lists of steps) makes no parents
    assert levels(("Setup", 12), "1. Plug in", "2. Turn on", "1. Open") == [0, 0, 0, 0]
