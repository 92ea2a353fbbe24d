"""What "verified" means (issue 23): a quote of at least MIN_QUOTE_WORDS words found on a page that was read;
every `Sources:` block and every source-like line parsed; dates never read as node ids; a marker without a
source kept as an unverified citation. Each test fails on the rules before it."""

from __future__ import annotations

import pytest
from askdocs import make_harbor

from pageindex_tui.ask import load_structure_file
from pageindex_tui.ask.outline import Handles, Reading, read_nodes
from pageindex_tui.ask.verify import MIN_QUOTE_WORDS, ProseFilter, parse_answer, verify


@pytest.fixture
def harbor(tmp_path):
    doc = load_structure_file(make_harbor(tmp_path))
    handles = Handles([doc])
    reading = Reading()
    read_nodes(handles, [handles.refs["0004"], handles.refs["0001"]], reading, 4000, 1)
    return handles, reading


def checked(text: str, harbor) -> tuple[str, list]:
    handles, reading = harbor
    prose, raws = parse_answer(text)
    citations, _problems = verify(raws, handles, reading)
    return prose, citations


def test_a_citation_without_a_quote_is_not_verified_though_its_page_was_read(harbor):
    _prose, [citation] = checked("It cost 9 million euros [1].\nSources:\n[1] 0004, page 5", harbor)
    assert (citation.node_id, citation.pages, citation.verified) == ("0004", (5,), False)
    assert "quotes nothing" in citation.problem


@pytest.mark.parametrize(
    "quote",
    ["the", "outer channel", "cost 9 million euros"],  # on the page, but too short to say anything
)
def test_a_short_quote_does_not_verify(harbor, quote):
    _prose, [citation] = checked(f'It cost 9 million [1].\nSources:\n[1] 0004, page 5: "{quote}"', harbor)
    assert not citation.verified and "too short" in citation.problem


def test_a_quote_of_the_minimum_length_on_the_page_verifies(harbor):
    quote = " ".join(
        ["Dredging", "the", "outer", "channel", "cost", "9", "million", "euros"][:MIN_QUOTE_WORDS]
    )
    _prose, [citation] = checked(f'It cost 9 million [1].\nSources:\n[1] 0004, page 5: "{quote}"', harbor)
    assert citation.verified and citation.problem == ""


def test_every_sources_block_is_parsed_not_only_the_last(harbor):
    text = (
        "Ships numbered 4,210 [1].\nSources:\n"
        '[1] 0009, page 40: "Ships arriving at the harbor numbered"\n'
        '[2] 0001, page 77: "Ships arriving at the harbor numbered"\n\n'
        "Dredging cost 9 million euros [3].\nSources:\n"
        '[3] 0004, page 5: "Dredging the outer channel cost 9 million euros"\n'
    )
    prose, citations = checked(text, harbor)
    assert prose == "Ships numbered 4,210 [1].\nDredging cost 9 million euros [3]."
    assert [(c.marker, c.verified) for c in citations] == [("1", False), ("2", False), ("3", True)]


def test_a_date_is_never_read_as_a_node_id(harbor):
    text = 'Sources:\n[1] October 15, 2023 report, page 3: "Container cargo reached 1.8 million tonnes"'
    _prose, [citation] = checked(text, harbor)
    assert not citation.verified and citation.problem == "no such node"  # not node 0015
    _prose, [by_number] = checked('Sources:\n[1] node 4, page 5: "Dredging the outer channel cost 9"', harbor)
    assert by_number.node_id == "0004" and by_number.verified  # an unpadded id after "node" still counts
    _prose, [other] = checked(
        'Sources:\n[1] the 4 largest ports, page 5: "Dredging the outer channel"', harbor
    )
    assert other.problem == "no such node"  # a bare number among words is not an id


def test_source_lines_without_a_header_are_citations_not_prose(harbor):
    text = "The answer is 12.\n" + "[1] 0000, page 12\n" * 17
    prose, citations = checked(text, harbor)
    assert prose == "The answer is 12."
    assert len(citations) == 1 and not citations[0].verified  # given 17 times, listed once
    stream = ProseFilter()
    shown = "".join(stream.feed(text[i : i + 5]) for i in range(0, len(text), 5)) + stream.close()
    assert shown.strip() == prose  # the streamed prose and the parsed answer agree


def test_a_marker_with_no_source_is_an_unverified_citation(harbor):
    text = (
        "Cargo hit a record [1] and dredging cost 9 million [2].\nSources:\n"
        '[1] 0001, page 3: "Container cargo reached 1.8 million tonnes"'
    )
    _prose, citations = checked(text, harbor)
    assert [(c.marker, c.verified) for c in citations] == [("1", True), ("2", False)]
    assert citations[1].problem == "the answer marks [2] but lists no source [2]"


def test_prose_after_a_sources_block_is_shown_by_the_stream_and_the_answer_alike():
    text = 'It is 5 [1].\nSources:\n[1] 0001, page 2: "five"\n\nIn short: five.\n'
    prose, _raws = parse_answer(text)
    stream = ProseFilter()
    shown = "".join(stream.feed(text[i : i + 4]) for i in range(0, len(text), 4)) + stream.close()
    assert prose == "It is 5 [1].\nIn short: five." and " ".join(shown.split()) == " ".join(prose.split())
