"""The layout's headings under a printed contents that stops a level short (issue 18, on the
corpus' manuals and reports)."""

from __future__ import annotations

import layoutcases
import pytest
import scoring
from test_layout_pipeline import offline
from test_pipeline import run_index

from pageindex_tui.index.heading import Candidate
from pageindex_tui.index.layout_graft import deepen
from pageindex_tui.index.tree import Entry


@pytest.mark.parametrize("numbered", [True, False], ids=["numbered one deeper", "less prominent"])
def test_sub_sections_the_contents_leave_out_are_taken_from_the_layout(tmp_path, numbered):
    path, truth = layoutcases.make_section_contents(tmp_path, numbered)
    result, _seen = run_index(offline(), path, tmp_path / "out")
    assert result.ok, result.error
    run = result.run.to_dict()
    assert run["structure_source"] == "hybrid" and run["facts"]["toc_pages"] == [1]
    found = scoring.sections(result.result.to_json()["structure"])
    score = scoring.score(found, truth)
    assert score.recall == 1.0 and score.precision == 1.0, (found, truth)
    if numbered:  # unnumbered, the contents' entries are all one level (their indents are not read)
        assert score.level_accuracy == 1.0, (found, truth)
    assert {"contents", "layout"} <= set(run["provenance"]["by_source"]), run["provenance"]["by_source"]


def _heading(title: str, page: int, size: float, bold: bool = True) -> Candidate:
    return Candidate(title, page, 0, 0.8, size, bold, "")


def test_only_what_is_set_below_the_listed_levels_goes_under_them():
    entries = [Entry("Setting up", 0, 1, "contents"), Entry("Charging", 0, 3, "contents")]
    entries += [Entry("Care", 0, 5, "contents")]
    found = [
        _heading("Setting up", 1, 16),
        _heading("Pairing the watch", 1, 10),  # bold at the body size, under a 16 pt entry: taken
        _heading("Unlisted Section", 2, 16),  # as prominent as the listed ones: the authors left it out
        _heading("Press the button. The screen lights up and shows the time", 2, 10),  # a sentence
        _heading("Hold the button for three seconds.", 2, 10),  # a step, ending as a sentence does
        _heading("Solution", 2, 10),  # a label found three times
        _heading("Updating the watch", 2, 10),
        _heading("Charging", 3, 16),
        _heading("Solution", 3, 10),
        _heading("Checking the battery", 4, 11, bold=False),  # neither bold nor larger than the body
        _heading("Solution", 4, 10),
        _heading("Battery saving", 4, 10),
        _heading("Care", 5, 16),
        _heading("Cleaning the strap", 5, 10),
        _heading("Front Back", 5, 7),  # a figure's labels, bold but smaller than the body
        _heading("Hand wash", 5, 12),  # bold and larger, but a style seen on one page only
    ]
    out, added = deepen(entries, found, 6, body=10.5)
    assert [(e.title, e.level, e.start) for e in out] == [
        ("Setting up", 0, 1),
        ("Pairing the watch", 1, 1),
        ("Updating the watch", 1, 2),
        ("Charging", 0, 3),
        ("Battery saving", 1, 4),
        ("Care", 0, 5),
        ("Cleaning the strap", 1, 5),
    ]
    assert added == 4


def test_under_numbered_entries_an_unnumbered_line_must_be_set_larger_than_the_body():
    """Under "1 Setup", "2 Charging"...: "3.1"-style numbers and larger type mark a section, a bold
    line at the body size is a run-in paragraph head."""
    titles = ["1 Setup", "2 Charging", "3 Care", "4 Repairs"]
    entries = [Entry(t, 0, 2 * k + 1, "contents") for k, t in enumerate(titles)]
    found: list[Candidate] = []
    for k, t in enumerate(titles):
        found += [_heading(t, 2 * k + 1, 16), _heading(f"{k + 1}.1 First steps", 2 * k + 1, 11, False)]
        found += [
            _heading(f"Paragraph head {k}", 2 * k + 2, 10.5),
            _heading(f"Larger head {k}", 2 * k + 2, 13),
        ]
    out, added = deepen(entries, found, 6, body=10.5)
    taken = [e.title for e in out if e.level == 1]
    assert taken == [t for k in range(4) for t in (f"{k + 1}.1 First steps", f"Larger head {k}")]
    assert added == 8
