"""The benchmark's scorer (tests/scoring.py): coverage nodes are left out of every tool's tree by one rule,
and the scores count what matched at the exact page, within a page, and at the true level."""

from __future__ import annotations

import scoring


def test_coverage_nodes_of_either_tool_are_not_sections():
    tree = [
        {"title": "Preface", "start_index": 1},  # both tools add one before a late first section
        {
            "title": "Methods",
            "start_index": 2,
            "nodes": [
                {"title": "Methods (intro)", "start_index": 2},  # Flash: the pages before the first child
                {"title": "Sampling", "start_index": 3},
            ],
        },
        {"title": "Pages 11-20", "start_index": 11},  # ours: page groups where nothing was found
        {"title": "Page 21", "start_index": 21},  # Flash: one node per page
    ]
    assert scoring.sections(tree) == [("Methods", 2, 0), ("Sampling", 3, 1)]


def test_titles_that_only_look_like_coverage_are_kept():
    tree = [
        {"title": "Preface", "start_index": 4},  # a real preface, not the page-1 filler
        {"title": "Pages of history", "start_index": 5},
        {"title": "Results (intro)", "start_index": 6},  # no parent of that name
    ]
    assert [t for t, _p, _l in scoring.sections(tree)] == ["Preface", "Pages of history", "Results (intro)"]


def test_score_counts_exact_pages_near_pages_and_levels():
    truth = [("1 Introduction", 1, 0), ("1.1 Scope", 2, 1), ("2 Methods", 5, 0)]
    found = [("1 Introduction", 1, 0), ("1.1 Scope", 3, 0), ("2 Methods", 5, 0), ("Figure 3", 6, 0)]
    exact, near = scoring.score(found, truth, page_slack=0), scoring.score(found, truth, page_slack=1)
    assert (exact.matched, exact.recall, exact.precision) == (2, 2 / 3, 2 / 4)
    assert (near.matched, near.levels_right) == (3, 2)  # "1.1 Scope" a page off and a level too high


def test_a_section_label_one_side_leaves_out_does_not_hide_a_match():
    # outlines often drop the label the page prints before the heading
    for outline, printed in [
        ("Tasks", "3.1 TASKS"),
        ("Introduction", "I. Introduction"),
        ("Few-shot Examples", "B.1 Few-shot Examples"),
        ("Results", "Chapter 3 Results"),
        ("Proofs", "Appendix A: Proofs"),
    ]:
        assert scoring.same_title(outline, printed), (outline, printed)
    # a number alone is no label, and different words stay different
    assert not scoring.same_title("2020", "2021")
    assert not scoring.same_title("Methods", "3.1 Results")


def test_a_root_over_every_section_does_not_shift_the_levels():
    # an outline whose first entry is the document's title, every section beneath it
    truth = [("Guidelines for Tags", 1, 0), ("1 Introduction", 3, 1), ("1.1 Scope", 3, 2), ("2 Tags", 5, 1)]
    found = [("1 Introduction", 3, 0), ("1.1 Scope", 3, 1), ("2 Tags", 5, 0)]
    assert scoring.score(found, truth).levels_right == 3
    assert scoring.score(truth, truth).levels_right == 4  # the root itself counts at its children's level
    # two top entries are no such root: the levels count from the top
    truth = [("Guidelines for Tags", 1, 0), ("1 Introduction", 3, 1), ("Index", 9, 0)]
    assert scoring.score([("1 Introduction", 3, 0)], truth).levels_right == 0
    # a first chapter that holds the others is a wrong tree, not a title: its levels count as they are
    truth = [("1 Introduction", 3, 0), ("1.1 Scope", 3, 1), ("2 Tags", 5, 0)]
    found = [("1 Introduction", 3, 0), ("1.1 Scope", 3, 1), ("2 Tags", 5, 1)]
    assert scoring.score(found, truth).levels_right == 2
