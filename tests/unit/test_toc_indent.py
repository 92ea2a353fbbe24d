"""Levels from a printed contents' indentation, where neither numbers nor labels say them."""

from __future__ import annotations

import contentsgen
import scoring
from test_pipeline import no_server, run_index

from pageindex_tui.document.lines import PageLines, TextLine
from pageindex_tui.index.toc_indent import indent_levels
from pageindex_tui.settings import Settings


def _page(page: int, rows: list[tuple[float, str]], width: float = 600.0) -> PageLines:
    lines = [
        TextLine(text, 11.0, False, "Helvetica", x, x + 200, 20.0 * k, 20.0 * k + 11)
        for k, (x, text) in enumerate(rows)
    ]
    return PageLines(page, width, 800.0, 0, lines)


def test_an_indented_contents_gives_its_levels(tmp_path):
    path, truth = contentsgen.make_indented_contents(tmp_path)
    settings = Settings(endpoint=no_server(), if_add_node_summary=False, max_retries=0)
    result, _seen = run_index(settings, path, tmp_path / "out")
    assert result.ok and result.run.structure_source == "toc", result.error
    found = scoring.flatten(result.result.to_json()["structure"])
    score = scoring.score(found, truth)
    assert score.recall == 1.0 and score.level_accuracy == 1.0, found


def test_facing_pages_indent_from_their_own_margins():
    first = _page(2, [(90, "Loops ..... 25"), (105, "Updating ..... 25")])
    second = _page(3, [(75, "Series ..... 30"), (60, "Vectors ..... 37"), (75, "Creating ..... 37")])
    assert indent_levels(["Loops", "Updating", "Series", "Vectors", "Creating"], [first, second]) == [
        0,
        1,
        1,
        0,
        1,
    ]


def test_no_indents_or_indents_against_the_numbers_give_nothing():
    flat = _page(2, [(60, "Intro ..... 1"), (60, "Methods ..... 3")])
    assert indent_levels(["Intro", "Methods"], [flat]) is None
    # "2" set further in than "1.1": the lines are placed some other way (centred), not indented
    odd = _page(2, [(60, "1 Intro ..... 1"), (80, "1.1 Scope ..... 2"), (100, "2 Methods ..... 3")])
    assert indent_levels(["1 Intro", "1.1 Scope", "2 Methods"], [odd]) is None
    # a second column of entries far across the page: too few entries left to go by
    columns = _page(2, [(60, "Intro ..... 1"), (80, "Scope ..... 2"), (400, "Methods ..... 3")])
    assert indent_levels(["Intro", "Scope", "Methods"], [columns]) is None
