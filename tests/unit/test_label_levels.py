"""Levels a filing's labels say: parts above items, the unlabelled sections between two items under
the first, what follows the last item at the top; from a flat printed contents and from a layout whose
headings are all set alike."""

from __future__ import annotations

import contentsgen
import scoring
from test_pipeline import no_server, run_index

from pageindex_tui.index.label_levels import label_levels, part_starts
from pageindex_tui.index.toc import TocEntry, parse_toc
from pageindex_tui.settings import Settings


def _tree(path, out):
    settings = Settings(endpoint=no_server(), if_add_node_summary=False, max_retries=0)
    result, _seen = run_index(settings, path, out)
    assert result.ok, result.error
    return result.run.structure_source, scoring.flatten(result.result.to_json()["structure"])


def test_a_filing_set_in_one_style_nests_by_its_labels(tmp_path):
    path, truth = contentsgen.make_filing(tmp_path)
    source, found = _tree(path, tmp_path / "out")
    score = scoring.score(found, truth)
    assert source == "layout" and score.recall == 1.0 and score.level_accuracy == 1.0, found


def test_a_flat_printed_contents_of_a_filing_nests_by_its_labels(tmp_path):
    path, truth = contentsgen.make_filing(tmp_path, contents=True)
    source, found = _tree(path, tmp_path / "out")
    score = scoring.score(found, truth)
    assert source == "toc" and score.recall == 1.0 and score.level_accuracy == 1.0, found


def test_exhibits_filed_after_a_filing_are_top_level_sections_and_a_charts_label_is_none(tmp_path):
    """Each exhibit opens its page with its label alone at the top ("Exhibit 31.1"): a document of its
    own, at the top level, after the contents' last entry or without a contents; the same words
    among an item's text label a chart ("Exhibit 3") and stay out."""
    for contents, source in ((True, "hybrid"), (False, "layout")):  # hybrid: the contents and the layout
        path, truth = contentsgen.make_filing(tmp_path / source, contents=contents, exhibits=True)
        assert [t for t in truth if t[0].startswith("Exhibit")] == [
            (label, page, 0) for label, page, _level in truth[-3:]
        ]
        settings = Settings(endpoint=no_server(), if_add_node_summary=False, max_retries=0)
        result, _seen = run_index(settings, path, tmp_path / source / "out")
        got, found = result.run.structure_source, scoring.sections(result.result.to_json()["structure"])
        score = scoring.score(found, truth)
        assert got == source and score.recall == 1.0 and score.precision == 1.0, found
        assert score.level_accuracy == 1.0, found


def test_a_label_alone_on_its_line_takes_the_page_of_the_entry_after_it():
    text = "Contents\nPart I\nItem 1. Business 4\nItem 2. Properties 9\nPart II\nItem 5. Market 12\n"
    assert parse_toc(text) == [
        TocEntry("Part I", 0, "4"),
        TocEntry("Item 1. Business", 0, "4"),
        TocEntry("Item 2. Properties", 0, "9"),
        TocEntry("Part II", 0, "12"),
        TocEntry("Item 5. Market", 0, "12"),
    ]
    # where the numbers stand apart from the lines, nothing places the label: it is left out
    assert [e.title for e in parse_toc("Contents\nPart I\nBusiness\nProperties\n4\n9\n")] == []


def test_labels_nest_a_flat_list_and_leave_what_follows_the_last_item_on_top():
    titles = [
        "Glossary",
        "Part I",
        "Item 1. Business",
        "Overview",
        "Item 2. Properties",
        "Part II",
        "Item 5. Market",
        "Item 7. Analysis",
        "Results",
        "Item 8. Statements",
        "Signatures",
    ]
    assert label_levels(titles, [0] * len(titles)) == [0, 0, 1, 2, 1, 0, 1, 1, 2, 1, 0]
    # nothing named twice: no series, the levels as they were
    assert label_levels(["Part I", "Item 1. Business", "Overview"], [0, 0, 0]) == [0, 0, 0]


def test_a_series_keeps_one_level_and_numbered_sections_keep_theirs():
    # "Item 3" listed under the head of "Item 2"'s sub-sections is an item all the same
    titles = [
        "Part I",
        "Item 1. Statements",
        "Income",
        "Item 2. Analysis",
        "Overview",
        "Item 3. Risk",
        "Part II",
        "Item 1. Legal",
    ]
    assert label_levels(titles, [0, 0, 1, 0, 1, 1, 0, 1]) == [0, 1, 2, 1, 2, 1, 0, 1]
    # sections numbered in decimals under a chapter have their levels from their numbers
    titles = ["Chapter 1: Setup", "1.1Installation", "1.2 Cables", "Chapter 2: Use", "2.1 Remote"]
    assert label_levels(titles, [0, 0, 1, 0, 1]) == [0, 0, 1, 0, 1]


def test_a_part_starts_no_later_than_what_is_listed_under_it():
    # a 10-Q lists Item 1 (page 80) before Item 2 (page 3); the part's line has no page of its own
    titles = ["Part I", "Item 1. Statements", "Item 2. Analysis", "Part II", "Item 1. Legal"]
    levels = [0, 1, 1, 0, 1]
    assert part_starts(titles, levels, [80, 80, 3, 175, 175]) == [3, 80, 3, 175, 175]


def test_chapters_and_appendices_of_a_flat_contents_are_top_whatever_line_they_follow(tmp_path):
    path, truth = contentsgen.make_manual_contents(tmp_path)
    source, found = _tree(path, tmp_path / "out")
    score = scoring.score(found, truth)
    assert source == "toc" and score.recall == 1.0 and score.level_accuracy == 1.0, found
    # what is listed under an appendix moves up with it
    titles = [
        "Chapter 1: Setup",
        "1.1 Cables",
        "Chapter 2: Use",
        "2.1 Remote",
        "Appendix A: Data",
        "Figure",
        "Appendix B: Symbols",
    ]
    assert label_levels(titles, [0, 1, 2, 1, 2, 3, 2]) == [0, 1, 0, 1, 0, 1, 0]
