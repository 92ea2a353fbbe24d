"""Large nodes split into subsections: every node keeps its provenance."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

import layoutgen
from fakes import FakeVLLM, Script
from pdfgen import make_outline_pdf
from test_layout_pipeline import offline
from test_pipeline import run_index

from pageindex_tui import events
from pageindex_tui.document.lines import PageLines, TextLine
from pageindex_tui.index.heading import Candidate
from pageindex_tui.index.layout_stage import deepen, graft
from pageindex_tui.index.tables import grid_page, sections_only, table_headings
from pageindex_tui.index.tree import Entry
from pageindex_tui.settings import Settings


def _sources(result) -> dict[str, str]:
    return {n["title"]: n["source"] for n in result.run.to_dict()["provenance"]["nodes"]}


def test_every_node_of_a_tree_split_at_layout_headings_says_where_it_came_from(tmp_path):
    path, _truth = layoutgen.make_long_sections(tmp_path, outline=True)
    result, _ = run_index(offline(max_pages_per_node=2, max_tokens_per_node=100), path, tmp_path / "out")
    assert result.ok, result.error
    assert result.run.facts.split_by_layout >= 2
    sources = _sources(result)
    assert all(sources.values()), sources  # no node without a source
    assert sources["2 Chapter 2"] == "outline" and sources["Topic 2B Observed"] == "split/layout"
    nodes = result.run.to_dict()["provenance"]["nodes"]
    assert all(0 < n["confidence"] <= 1 for n in nodes)


def test_every_node_of_a_tree_split_by_the_model_says_where_it_came_from(tmp_path):
    def answer(body: dict) -> Script:
        prompt = body["messages"][-1]["content"]
        first = re.search(r"<page (\d+)>", prompt)
        if first is None:
            return Script(answer="{}")
        page = int(first.group(1))
        line = re.search(rf"Page {page} line 2 on [^:]+", prompt)
        title = line.group(0) if line else f"Page {page}"
        return Script(answer=json.dumps({"sections": [{"title": title, "level": 1, "page": page}]}))

    with FakeVLLM(default=answer) as fake:
        settings = Settings(
            endpoint=fake.base_url, if_add_node_summary=False, max_pages_per_node=2, max_tokens_per_node=50
        )
        result, _ = run_index(settings, make_outline_pdf(tmp_path), tmp_path / "out")
    assert result.ok, result.error
    sources = _sources(result)
    assert all(sources.values()), sources
    assert "split/model" in sources.values() and sources["2 Methods"] == "outline"


def _table_appendix(directory, coarse: bool = False) -> Path:
    """An outline of two chapters and a statistical appendix: chapter 1 is text; chapter 2 has six
    bold sub-headings over several pages of text, the first of them in the outline too; the appendix
    is 16 pages of tables, each under a bold title, with a bold head row, rows of figures and a bold
    total row. With `coarse`, the outline names the chapters only (the layout's headings are grafted
    under them rather than split out)."""
    writer = layoutgen._Writer(layoutgen.Style(((16, True, False), (12, True, False))))
    writer.pdf.start_section("1 Chapter One", 0)
    writer.heading("1 Chapter One", 0)
    for p in range(6):
        writer.paragraph(p, 8)
    writer._new_page()
    writer.pdf.start_section("2 Chapter Two", 0)
    writer.heading("2 Chapter Two", 0)
    for part in range(6):
        if (
            part == 0 and not coarse
        ):  # an outline entry below the top: the outline is not coarse, nothing is grafted
            writer.pdf.start_section("Topic A Observed", 1)
        writer.heading(f"Topic {chr(65 + part)} Observed", 1)
        for p in range(4):
            writer.paragraph(100 + part * 10 + p, 8)
    for k in range(16):
        writer._new_page()
        if k == 0:
            writer.pdf.start_section("Statistical Appendix", 0)
            writer.heading("Statistical Appendix", 0)
        writer.heading(f"Households by region and tenure, {2001 + k}", 1)
        writer.pdf.set_font("Helvetica", style="B", size=10.5)
        writer.row(["Region", "Owned", "Rented", "Other", "Total"])
        for r in range(28):
            writer.row([f"Region {r + 1}", *(f"{(r + 3) * (c + 7) * (k + 2):,}" for c in range(4))])
        writer.row(["All regions", "91,204", "40,118", "7,310", "138,632"])
    path = Path(directory) / f"table_appendix{'_coarse' if coarse else ''}.pdf"
    writer.pdf.output(str(path))
    return path


def test_a_large_section_of_tables_is_left_whole_not_split_at_its_table_titles(tmp_path):
    path = _table_appendix(tmp_path)
    settings = offline(max_pages_per_node=3, max_tokens_per_node=200)
    result, seen = run_index(settings, path, tmp_path / "out")
    assert result.ok, result.error
    chapters = {c["title"]: c for c in result.result.to_json()["structure"]}
    appendix = chapters["Statistical Appendix"]
    assert appendix["end_index"] - appendix["start_index"] >= 15 and not appendix.get("nodes")
    assert len(chapters["1 Chapter One"].get("nodes", [])) == 0
    topic = chapters["2 Chapter Two"]["nodes"][0]  # an outline entry, split at the headings after it
    assert [n["title"] for n in topic["nodes"]] == [f"Topic {x} Observed" for x in "BCDEF"]
    facts = result.run.facts
    assert facts.split_refused == 1 and facts.split_by_layout >= 1
    assert any(
        "'Statistical Appendix'" in w.message and "left whole" in w.message for w in result.run.warnings
    )
    assert all(_sources(result).values())
    assert not any(isinstance(e, events.CallStarted) for e in seen)  # the model was not asked instead


def test_no_table_title_is_grafted_under_a_coarse_outlines_section_of_tables(tmp_path):
    path = _table_appendix(tmp_path, coarse=True)
    result, _seen = run_index(offline(), path, tmp_path / "out")
    assert result.ok, result.error
    assert result.run.structure_source == "hybrid"
    chapters = {c["title"]: c for c in result.result.to_json()["structure"]}
    assert [n["title"] for n in chapters["2 Chapter Two"]["nodes"]] == [
        f"Topic {x} Observed" for x in "ABCDEF"
    ]
    assert not chapters["Statistical Appendix"].get("nodes")
    assert result.run.facts.layout_grafted == 6


def _page(number: int, rows: list[list[str]]) -> PageLines:
    lines = [
        TextLine(cell, 10, False, "Helvetica", 40 + 100 * k, 90 + 100 * k, 60 + 14 * r, 70 + 14 * r)
        for r, row in enumerate(rows)
        for k, cell in enumerate(row)
    ]
    return PageLines(number, 600, 800, 0, lines)


def test_on_a_page_of_tables_a_heading_over_its_column_heads_is_the_tables_and_one_over_prose_is_kept():
    table = _page(1, [["Households by region"], *[["North", "1,204", "3,118", "77"] for _ in range(12)]])
    text = _page(2, [["A sentence of running text that goes on for quite a few words."] for _ in range(12)])
    assert grid_page(table) and not grid_page(text)
    head = Candidate("Households by region", 1, 0, 0.6, 12, True, "", context="Region Owned Rented Total")
    note = Candidate("Notes on the method", 1, 0, 0.6, 12, True, "", context=text.lines[0].text)
    plain = Candidate("Owned and rented", 2, 0, 0.6, 12, True, "", context="Region Owned")
    label = Candidate("Table 4.2 Households", 2, 0, 0.6, 12, True, "", context=text.lines[0].text)
    assert table_headings([head, note, plain, label], [table, text]) == [True, False, False, True]
    kept, why = sections_only([head, label], [table, text])
    assert (
        kept == []
        and why == "the 2 headings found in it are table titles or rows (1 of its 2 pages are tables)"
    )
    assert sections_only([head, note], [table, text]) == ([note], "")
    numbered, sure = replace(head, title="4 Households by region"), replace(head, confidence=0.9)
    assert table_headings([numbered, sure], [table]) == [False, False]  # a section's number, or sure


def test_a_heading_that_starts_an_entrys_title_is_that_entry_only_in_a_printed_contents():
    # a contents line may be cut or wrapped where the heading is not; an outline's title is exact,
    # and "BOARD OF DIRECTORS" under "Board of Directors and Executive Officers" is its sub-section
    entries = [Entry("Overview", 0, 1), Entry("FedEx Board of Directors and Executive Officers", 0, 5)]
    found = [
        Candidate("FEDEX BOARD OF DIRECTORS", 5, 0, 0.9, 12.0, True, ""),
        Candidate("FEDEX EXECUTIVE OFFICERS", 5, 0, 0.9, 12.0, True, ""),
    ]
    from_outline, added = graft(entries, found, 8)
    assert added == 2 and [e.title for e in from_outline][2:] == [
        "FEDEX BOARD OF DIRECTORS",
        "FEDEX EXECUTIVE OFFICERS",
    ]
    from_contents, added = graft(entries, found, 8, printed=True)
    assert added == 1 and [e.title for e in from_contents][2:] == ["FEDEX EXECUTIVE OFFICERS"]


def test_sections_numbered_under_a_contents_entry_whose_title_starts_in_lower_case():
    """A changelog's contents list "32.1 v2.18.0 (27/10/2021)", a version, and stop there; its pages
    number "32.1.1 Highlights", "32.1.2 Bug Fixes" under it. The entry's number was not read (a
    section number asks a capital after it, lest "2.5 times" in a line of text be one), so the
    sections under it were taken under "32 Changelog" on its first page only, or not at all."""
    entries = [
        Entry("32 Changelog", 0, 3),
        Entry("32.1 v2.18.0 (27/10/2021)", 1, 3),
        Entry("32.2 v2.17.0 (28/9/2021)", 1, 4),
        Entry("33 pycocotools compatibility", 0, 6),
    ]
    found = [
        Candidate("32.1.1 Highlights", 3, 0, 1.0, 12.0, True, "32.1.1"),
        Candidate("32.1.2 Bug Fixes", 4, 0, 1.0, 12.0, True, "32.1.2"),
        Candidate("32.2.1 Highlights", 4, 0, 1.0, 12.0, True, "32.2.1"),
        Candidate("33.1 Version", 6, 0, 1.0, 12.0, True, "33.1"),
    ]
    deeper, added = deepen(entries, found, 8)
    assert added == 4
    assert [(e.title, e.level, e.start) for e in deeper] == [
        ("32 Changelog", 0, 3),
        ("32.1 v2.18.0 (27/10/2021)", 1, 3),
        ("32.1.1 Highlights", 2, 3),
        ("32.1.2 Bug Fixes", 2, 4),
        ("32.2 v2.17.0 (28/9/2021)", 1, 4),
        ("32.2.1 Highlights", 2, 4),
        ("33 pycocotools compatibility", 0, 6),
        ("33.1 Version", 1, 6),
    ]


def test_a_split_takes_no_heading_that_is_already_a_node_on_the_sections_last_page(tmp_path):
    """A 10-K's "Item 1A" runs over several pages with bold sub-headings and ends on the page where
    "Item 1B" and "Item 2" open, both in the outline: its split takes its own sub-headings only (it
    took "Item 1B" and "Item 2" again, as its children, beside the outline's)."""
    writer = layoutgen._Writer(layoutgen.Style(((16, True, False), (13, True, False), (11, True, False))))
    writer.pdf.start_section("Part I", 0)
    writer.heading("Part I", 0)
    writer.pdf.start_section("Item 1A. Risk Factors", 1)
    writer.heading("Item 1A. Risk Factors", 1)
    for part, topic in enumerate(["Market Risks", "Credit Risks", "Operational Risks"]):
        writer.heading(topic, 2)
        for p in range(6):
            writer.paragraph(200 + part * 10 + p, 8)
    for title in ("Item 1B. Unresolved Staff Comments", "Item 2. Properties"):
        writer.pdf.start_section(title, 1)
        writer.heading(title, 1)
        writer.paragraph(300 + len(title), 4)
    path = tmp_path / "risk_factors.pdf"
    writer.pdf.output(str(path))
    last = writer.page
    result, _ = run_index(offline(max_pages_per_node=2, max_tokens_per_node=100), path, tmp_path / "out")
    assert result.ok, result.error
    assert result.run.facts.split_by_layout >= 1
    nodes = [(n["title"], n["source"]) for n in result.run.to_dict()["provenance"]["nodes"]]
    titles = [title for title, _source in nodes]
    assert titles.count("Item 1B. Unresolved Staff Comments") == 1 and titles.count("Item 2. Properties") == 1
    assert ("Operational Risks", "split/layout") in nodes, nodes
    assert writer.truth[-1][1] == last == writer.truth[-2][1]  # both open on the section's last page


def test_a_statements_note_over_a_table_is_a_section_not_the_tables_title():
    """ "Note 2 \u2013 Revenue" over a sentence and a table of figures: its dash is no nil figure and its
    number a note's, so it stays where a plain title over column heads does not."""
    rows = [["iPhone", "205,489", "191,973", "137,781"] for _ in range(12)]
    table = _page(1, [["Net sales by category"], *rows])
    note = Candidate("Note 2 \u2013 Revenue", 1, 0, 0.65, 9, True, "", context="Net sales by category")
    debt = Candidate("Note 7 \u2013 Debt", 1, 0, 0.65, 9, True, "", context="Commercial Paper")
    plain = Candidate("Net sales by category", 1, 0, 0.65, 9, True, "", context="iPhone")
    assert table_headings([note, debt, plain], [table]) == [False, False, True]


def test_a_heading_numbered_as_a_contents_entry_of_its_page_is_that_entry_in_the_pages_words():
    """The contents list "Note 3 - Leases", the page prints "3. LEASES": one node, titled as printed;
    an outline's entries keep their titles."""
    entries = [
        Entry("Note 2 - Inventory", 0, 3),
        Entry("Note 3 - Leases", 0, 3),
        Entry("Item 9. Other", 0, 6),
    ]
    found = [
        Candidate("2. INVENTORY", 3, 0, 1.0, 10.0, True, "2"),
        Candidate("3. LEASES", 3, 0, 1.0, 10.0, True, "3"),
        Candidate("Operating leases", 4, 0, 0.9, 10.0, True, ""),
        Candidate("4. LEASES", 5, 0, 1.0, 10.0, True, "4"),  # another number: not the entry
    ]
    grafted, added = graft(entries, found, 8, printed=True)
    assert [(e.title, e.level, e.start) for e in grafted] == [
        ("2. INVENTORY", 0, 3),
        ("3. LEASES", 0, 3),
        ("Operating leases", 1, 4),
        ("4. LEASES", 1, 5),
        ("Item 9. Other", 0, 6),
    ]
    assert added == 2
    from_outline, added = graft(entries, found, 8)
    assert [e.title for e in from_outline][:2] == ["Note 2 - Inventory", "Note 3 - Leases"] and added == 4


def test_sections_numbered_under_a_contents_entry_take_no_numbered_sentence_set_in_bold():
    """A standard numbers its requirements under its sections and sets them in bold ("3.1.8 Limit
    unsuccessful logon attempts."): bold alone, with a number going on from a listed entry's, made
    them sub-sections; a sentence is none. A bold sub-section's title the rules would not keep alone
    (a point smaller than the text) is still taken."""
    entries = [Entry("3.1 Access Control", 0, 2), Entry("3.2 Awareness and Training", 0, 4)]
    found = [
        Candidate("3.1.1 Limit system access to authorized users.", 2, 0, 0.3, 10.0, True, "3.1.1"),
        Candidate("3.1.2 Separation of Duties in Shared Accounts", 3, 0, 0.3, 9.5, True, "3.1.2"),
        Candidate("3.2.1 Ensure that managers are made aware of risks.", 4, 0, 0.3, 10.0, True, "3.2.1"),
    ]
    deeper, added = deepen(entries, found, 5)
    assert added == 1
    assert [(e.title, e.level, e.start) for e in deeper] == [
        ("3.1 Access Control", 0, 2),
        ("3.1.2 Separation of Duties in Shared Accounts", 1, 3),
        ("3.2 Awareness and Training", 0, 4),
    ]
