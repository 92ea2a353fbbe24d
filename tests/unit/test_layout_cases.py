"""The layout on generated reproductions of what it misread in real documents (issue 18)."""

from __future__ import annotations

import layoutcases
import precisioncases
import scoring

from pageindex_tui.document import open_pdf
from pageindex_tui.document.lines import PageLines, TextLine
from pageindex_tui.index.layout import choose, find_headings, unsure
from pageindex_tui.index.layout_rejects import garbled


def _line(
    text: str,
    top: float,
    x0: float = 50,
    bold: bool = False,
    font: str = "Times",
    width: float = 5.0,
    size: float = 10.0,
    trusted: bool = True,
) -> TextLine:
    """A line `width` points a character wide, 11 points tall."""
    return TextLine(text, size, bold, font, x0, x0 + width * len(text), top, top + 11, size_trusted=trusted)


def _body(top: float, count: int, font: str = "Times", width: float = 5.0) -> list[TextLine]:
    """`count` lines of body text 14 points apart from `top`, at x 50."""
    return [
        _line(
            f"Body sentence number {k} of the page, long enough to be text.",
            top + 14 * k,
            font=font,
            width=width,
        )
        for k in range(count)
    ]


def chosen(path) -> list[scoring.Heading]:
    return [(h.title, h.page, h.level) for h in choose(find_headings(open_pdf(path).layout()).candidates)]


def test_a_heading_over_two_or_three_lines_is_one_candidate_with_all_its_lines(tmp_path):
    path, truth = layoutcases.make_multiline(tmp_path)
    found = chosen(path)
    assert [(title, page) for title, page, _level in found] == [(title, page) for title, page, _l in truth]


def titles(path) -> list[str]:
    return [title for title, _page, _level in chosen(path)]


def test_code_listings_are_not_headings(tmp_path):
    """A bold identifier standing alone, SQL and macro lines in capitals: all set in Courier."""
    path, truth = layoutcases.make_code_listing(tmp_path)
    assert titles(path) == [title for title, _page, _level in truth]
    assert find_headings(open_pdf(path).layout()).rejected["code"] >= 4


def test_a_tables_column_heads_and_row_labels_are_not_headings(tmp_path):
    """Bold capitals over columns of figures, bold group labels between rows of figures; the
    statement's title under a letterhead and the sections around the table stay."""
    path, truth = layoutcases.make_table(tmp_path)
    assert titles(path) == [title for title, _page, _level in truth]
    result = find_headings(open_pdf(path).layout())
    grid = [c for c in result.candidates if c.grid]
    assert {c.title for c in grid} >= {"Operating Revenues", "Operating Expenses"}
    assert all(not c.sure for c in grid)  # only a model may still take one


def test_exercise_numbers_are_not_section_numbers(tmp_path):
    path, truth = layoutcases.make_exercises(tmp_path)
    assert titles(path) == [title for title, _page, _level in truth]


def test_a_number_after_a_word_on_its_row_is_no_section_number():
    """'Exercise' and '11 Declare ...' read as two pieces of one row: the piece is no section 11."""

    def line(text: str, x0: float, top: float) -> TextLine:
        return _line(text, top, x0, bold=True, font="Helvetica", width=5.5)

    body = _body(130, 9, font="Helvetica", width=5.5)
    rows = [line("Exercise", 50, 300), line("11 Declare a Loop Counting Down", 110, 300)]
    page = PageLines(1, 600, 800, 0, [line("1 Lists and Loops", 50, 90), *body, *rows])
    result = find_headings([page])
    assert [c.title for c in result.candidates] == ["1 Lists and Loops"]
    assert result.rejected["exercise, example or figure number"] == 2  # both pieces of the row


def test_a_section_number_set_apart_opens_the_title(tmp_path):
    """On its own line over a date and a two-line title, or at a tab stop before the title."""
    path, truth = layoutcases.make_numbers_apart(tmp_path)
    assert [(t, p) for t, p, _l in chosen(path)] == [(t, p) for t, p, _l in truth]


def test_underlined_and_coloured_headings_at_the_body_size_are_found(tmp_path):
    path, truth = layoutcases.make_emphasis(tmp_path)
    assert titles(path) == [title for title, _page, _level in truth]


def test_a_headings_note_in_parentheses_is_no_run_in_and_a_continued_heading_is_none(tmp_path):
    """ "DC CHARACTERISTICS (Over Operating Conditions)", bold words then a note in the body's type:
    a heading titled by its bold words, not a run-in for the model; "... (Continued)" on the next
    page, where its table goes on, is no heading."""
    path, truth = layoutcases.make_heading_notes(tmp_path)
    assert titles(path) == [title for title, _page, _level in truth]
    candidates = find_headings(open_pdf(path).layout()).candidates
    assert [(c.title, c.page) for c in candidates if c.title.startswith("DC")] == [("DC CHARACTERISTICS", 1)]


def test_an_italic_run_in_heading_is_a_candidate_for_the_model(tmp_path):
    """'Scope of the work.' in italics opening a paragraph: put to the model, not taken by rule."""
    path, _truth = layoutcases.make_emphasis(tmp_path)
    result = find_headings(open_pdf(path).layout())
    run_ins = [c for c in result.candidates if c.title in ("Scope of the work", "Notice periods")]
    assert len(run_ins) == 2
    assert all(i in unsure(result.candidates) for i, c in enumerate(result.candidates) if c in run_ins)
    assert all(c.italic and c.context.startswith("The parties agree") for c in run_ins)


def test_a_statements_numbered_note_is_a_section_and_a_unit_note_leaves_the_title():
    """'NOTE 1. BASIS OF PRESENTATION' heads a section (a caption 'Note: ...' does not), and
    '(dollars in millions)' after a title is a note on the figures, not part of the title."""

    lines = [_line("NOTE 1. BASIS OF PRESENTATION", 60, bold=True), *_body(90, 6)]
    lines += [_line("Revenue (dollars in millions)", 200, bold=True), *_body(230, 6)]
    lines += [_line("Note: amounts may not add up.", 330, bold=True), *_body(360, 6)]
    result = find_headings([PageLines(1, 600, 800, 0, lines)])
    assert [c.title for c in result.candidates] == ["NOTE 1. BASIS OF PRESENTATION", "Revenue"]


def test_a_tables_head_row_over_rows_of_figures_is_not_a_heading():
    """'Layer NarrativeQA Quality' in bold over rows of figures, no larger than the body."""

    body = _body(60, 6)
    table = [_line("Layer NarrativeQA Quality", 160, bold=True)]
    for r in range(4):
        table += [_line(f"Layer {r}", 175 + 13 * r), _line(f"{40 + r}.5 {61 + r}.2", 175 + 13 * r, 200)]
    result = find_headings([PageLines(1, 600, 800, 0, [*body, *table])])
    assert not [c for c in choose(result.candidates) if c.title.startswith("Layer")]


def test_a_heading_whose_size_is_not_believed_is_judged_without_it():
    """A Type-3 heading whose stated size (0.12 pt) no glyph box corrected: its numbering and the
    space around it still make it a heading, and the body's size comes from believed sizes."""

    body = _body(100, 8, font="F")
    page = PageLines(
        1, 600, 800, 0, [_line("2 Results of the Survey", 60, font="F", size=0.12, trusted=False), *body]
    )
    result = find_headings([page])
    assert result.body_size == 10.0
    assert [c.title for c in choose(result.candidates)] == ["2 Results of the Survey"]


def test_a_running_head_that_changes_with_the_chapter_is_no_heading(tmp_path):
    # "2 Methods" atop the chapter's later pages: twice per chapter, too seldom for the count of
    # repeated lines, but atop pages close together in one size
    path, truth = layoutcases.make_running_chapters(tmp_path)
    assert chosen(path) == truth


def test_numbered_paragraphs_panel_captions_and_leader_lines_are_not_headings(tmp_path):
    """Findings numbered "1." whose sentence ends inside their first line, "(a)" panel captions, a
    list of parts with dot leaders, all at the body size, and a bold lead-in ending in a colon: only
    the bold sections are headings."""
    path, truth = layoutcases.make_running_text(tmp_path)
    assert titles(path) == [title for title, _page, _level in truth]


def test_speckles_read_as_text_are_no_heading_but_short_real_ones_are():
    """A scanned brochure's noise recognised as "v <| s/s" was taken for a heading (no model to ask)."""
    from pageindex_tui.index.layout_rejects import reject

    def why(text: str) -> str:
        return reject(TextLine(text, 14, True, "Helvetica", 50, 250, 100, 114), text, frozenset())

    assert why("v <| s/s") == "no words" and why("~ i/ l; —") == "no words"
    assert [why(t) for t in ("Q & A", "I/O", "R&D", "A. Scope", "Step 2 — Clean")] == [""] * 5


def test_dash_run_ins_and_sentences_in_heading_style_are_not_headings(tmp_path):
    """ "Leases - The Company recognizes ..." is a run-in heading for the model to decide; a two-line
    sentence in the heading's style is no title, nor is its first line."""
    path, truth = precisioncases.make_run_ins_and_sentences(tmp_path)
    assert titles(path) == [title for title, _page, _level in truth]
    candidates = find_headings(open_pdf(path).layout()).candidates
    run_ins = [c for c in candidates if c.title in ("Leases", "Credit Losses")]
    assert len(run_ins) == 2 and all(not c.sure for c in run_ins) and unsure(run_ins) == [0, 1]


def test_an_index_of_exhibits_and_text_read_from_a_drawing_are_not_headings(tmp_path):
    """ "10.12 Omniture Equity Incentive Plan" beside "10-Q 8/6/09 10.3 000-52076" is a row of an
    index, not section 10.12; a huge "L XTAL2" and "'arame'erI---%#" were recognised in a figure."""
    path, truth = precisioncases.make_exhibit_index_and_drawing_text(tmp_path)
    assert titles(path) == [title for title, _page, _level in truth]
    assert garbled("ElXTAL2", 40, 10) and not garbled("Preface", 40, 10) and not garbled("R&D", 12, 10)
    assert not garbled("Chapter 2", 40, 10) and garbled("~M'f2#fi+-oN", 12, 10)


def test_a_drawings_words_a_byline_a_sentence_and_an_index_row_are_not_headings(tmp_path):
    """Coloured words at the body size over a figure's caption or over nothing, a line of four names,
    a bold sentence ended by a full stop (the model's to decide), an index row ending in three codes."""
    path, truth = precisioncases.make_figure_words_bylines_and_sentences(tmp_path)
    assert titles(path) == [title for title, _page, _level in truth]
    result = find_headings(open_pdf(path).layout())
    assert result.rejected["figure label"] == 3 and result.rejected["names"] == 1
    sentence = [c for c in result.candidates if c.title.startswith("Competition")]
    assert len(sentence) == 1 and not sentence[0].sure


def test_a_title_whose_line_ends_on_a_leading_word_goes_on_into_a_numbered_line(tmp_path):
    path, truth = precisioncases.make_title_going_on_into_numbers(tmp_path)
    assert titles(path) == [title for title, _page, _level in truth]


def test_labels_set_smaller_than_the_text_are_left_to_the_model(tmp_path):
    path, truth = precisioncases.make_small_labels(tmp_path)
    assert titles(path) == [title for title, _page, _level in truth]
    small = [c for c in find_headings(open_pdf(path).layout()).candidates if c.size < 8]
    assert small and all(not c.sure and c.confidence <= 0.3 for c in small)


def test_lines_wrapped_at_the_body_size_are_no_heading(tmp_path):
    """ "2. Time-Series Multiple instances / of one or more measures ..." (a table's rows read across
    its columns) and an address over two lines: plain text that wraps is no title."""
    path, truth = precisioncases.make_wrapped_plain_items(tmp_path)
    assert titles(path) == [title for title, _page, _level in truth]
    assert find_headings(open_pdf(path).layout()).rejected["wrapped body text"] >= 3
    # under an outline, the layout reads as when the outline trees were built (they stay as they were)
    assert find_headings(open_pdf(path).layout(), precise=False).rejected["wrapped body text"] == 0


def test_a_head_row_over_rows_read_whole_with_their_figures_is_not_a_heading(tmp_path):
    path, truth = precisioncases.make_table_rows_read_whole(tmp_path)
    assert titles(path) == [title for title, _page, _level in truth]
    assert find_headings(open_pdf(path).layout()).rejected["table cell"] >= 1


def test_a_charts_title_over_a_note_on_its_units_is_not_a_heading(tmp_path):
    path, truth = precisioncases.make_chart_titles_over_units(tmp_path)
    assert titles(path) == [title for title, _page, _level in truth]
    assert find_headings(open_pdf(path).layout()).rejected["table or chart title"] == 2


def test_a_papers_title_on_its_first_page_is_no_section(tmp_path):
    path, truth = precisioncases.make_paper_title(tmp_path)
    assert chosen(path) == truth
    assert find_headings(open_pdf(path).layout()).rejected["document title"] == 1
    # a section's pages read alone (under an outline's entry): their first heading is the section's
    assert find_headings(open_pdf(path).layout(), whole=False).rejected["document title"] == 0


def test_a_chapter_saved_alone_keeps_its_title(tmp_path):
    """The title over sections all numbered under one chapter is that chapter's (a book's chapter
    as its own PDF): it stays a heading. (Its level is not asserted: the sections take theirs from
    their numbers' depth, and "4.1" is set level with the title, a weakness left open.)"""
    path, truth = precisioncases.make_chapter_alone(tmp_path)
    assert [(title, page) for title, page, _level in chosen(path)] == [(t, p) for t, p, _level in truth]
    assert find_headings(open_pdf(path).layout()).rejected["document title"] == 0


def test_the_head_row_just_under_a_tables_caption_is_not_a_heading(tmp_path):
    path, truth = precisioncases.make_head_row_under_table_caption(tmp_path)
    assert titles(path) == [title for title, _page, _level in truth]


def test_a_back_cover_is_no_section(tmp_path):
    path, truth = precisioncases.make_back_cover(tmp_path)
    assert chosen(path) == truth
