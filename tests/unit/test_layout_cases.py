"""The layout on generated reproductions of what it misread in real documents (issue 18)."""

from __future__ import annotations

import layoutcases
import scoring

from pageindex_tui.document import open_pdf
from pageindex_tui.index.layout import choose, find_headings


def chosen(path) -> list[scoring.Heading]:
    return [(h.title, h.page, h.level) for h in choose(find_headings(open_pdf(path).layout()).candidates)]


def test_a_heading_over_two_or_three_lines_is_one_candidate_with_all_its_lines(tmp_path):
    path, truth = layoutcases.make_multiline(tmp_path)
    found = chosen(path)
    assert [(title, page) for title, page, _level in found] == [(title, page) for title, page, _l in truth]
