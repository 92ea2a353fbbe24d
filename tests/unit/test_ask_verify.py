"""Citations parsed from answers, quotes matched fuzzily, page ranges read, the prose filter on a stream."""

from __future__ import annotations

import pytest

from pageindex_tui.ask import AskInputError, parse_ranges
from pageindex_tui.ask.verify import ProseFilter, parse_answer, quote_found, quote_span


def test_sources_lines_are_parsed():
    prose, cites = parse_answer(
        "Rates rose [1] and fell [2].\n\n**Sources:**\n"
        '[1] 0003, pages 12-13: "rates rose"\n'
        "- [2] 2:0007, p. 30 and 32: “rates fell”\n"
        "[3] section 0009\n"
    )
    assert prose == "Rates rose [1] and fell [2]."
    assert [(c.marker, c.pages, c.quote) for c in cites] == [
        ("1", (12, 13), "rates rose"),
        ("2", (30, 32), "rates fell"),
        ("3", (), ""),
    ]
    assert cites[1].target.strip().startswith("2:0007")


def test_inline_citations_are_parsed_and_a_marker_without_a_source_is_kept():
    prose, cites = parse_answer("<think>hmm</think>It rose [0003, page 12] and [1].")
    assert prose == "It rose [0003, page 12] and [1]."
    assert [(c.target.strip(), c.pages, c.unsourced) for c in cites] == [
        ("0003, page 12", (12,), False),
        ("", (), True),  # [1] names a source the answer never lists
    ]


def test_a_word_sources_inside_the_prose_is_not_the_header():
    prose, cites = parse_answer("Sources say the rate rose.\nSources differ on why.")
    assert prose.startswith("Sources say") and cites == []


@pytest.mark.parametrize(
    ("quote", "found"),
    [
        ("the Federal Reserve monitors", True),
        ("THE federal-reserve, monitors!", True),
        ("financial system risks and engages", True),  # across a hyphenated line break
        ("the Federal Reserve monitor financial systems risk", True),  # small slips
        ("the Bank of England sets rates", False),
        ("monitors", True),
        ("", False),
    ],
)
def test_quotes_match_fuzzily(quote, found):
    page = "The Federal Reserve monitors finan-\ncial system risks and engages at home and abroad."
    assert quote_found(quote, page) is found


def test_quote_span_says_where_the_quote_is():
    page = "The Federal Reserve monitors finan-\ncial system risks and engages at home and abroad."
    start, end = quote_span("federal reserve", page)
    assert page[start:end] == "Federal Reserve"
    start, end = quote_span("financial system risks", page)  # across the hyphenated break
    assert page[start:end] == "finan-\ncial system risks"
    start, end = quote_span("the Federal Reserve monitor financial systems risk", page)  # small slips
    assert page[start:end] == "The Federal Reserve monitors finan-\ncial system risks"
    start, end = quote_span("serve monit", page)  # a match inside words covers the whole words
    assert page[start:end] == "Reserve monitors"
    assert quote_span("the Bank of England sets rates", page) is None and quote_span("", page) is None


def test_ranges():
    assert parse_ranges("1-3,7", 10) == [1, 2, 3, 7]
    assert parse_ranges(" 2 , 2-3 ", 10) == [2, 3]
    for bad, message in (
        ("x", "not a page"),
        ("5-2", "from 1 up"),
        ("9-11", "last page, 10"),
        ("", "no pages"),
    ):
        with pytest.raises(AskInputError, match=message):
            parse_ranges(bad, 10)
    with pytest.raises(AskInputError, match="more than 3"):
        parse_ranges("1-5", 10, limit=3)


def test_the_prose_filter_holds_back_the_sources_lines_across_chunks():
    text = "The answer is 5 [1].\nMore prose.\n\nSour" + 'ces:\n[1] 0001, page 2: "five"\n'
    stream = ProseFilter()
    shown = "".join(stream.feed(text[i : i + 3]) for i in range(0, len(text), 3)) + stream.close()
    assert shown == "The answer is 5 [1].\nMore prose.\n\n"
    plain = ProseFilter()
    assert plain.feed("No sources here") == "No sources here" and plain.close() == ""
    held = ProseFilter()
    assert held.feed("So") == "" and held.feed("lar panels.") == "Solar panels."


def test_a_singular_header_as_small_models_write_it():
    prose, cites = parse_answer('The answer is 2.\nSource: [1] 0000, page 12: "exact words"')
    assert prose == "The answer is 2." and [(c.marker, c.pages) for c in cites] == [("1", (12,))]
