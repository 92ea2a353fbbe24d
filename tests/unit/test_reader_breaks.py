"""The reader joins the words a line-end hyphen broke ("has re-" / "ceived" -> "has received"), keeps
compounds ("well-known") and everything that is not such a break (issue 22, item 9)."""

from __future__ import annotations

from pageindex_tui.export import NodeText
from pageindex_tui.workbench.reading import ReaderText, Words, join_breaks


def joined(page: str, *others: str) -> list[str]:
    return join_breaks(page.split("\n"), Words([page, *others]))


def test_a_word_broken_at_a_line_end_is_made_whole_on_the_first_line():
    assert joined("The board has re-\nceived the report.") == ["The board has received", "the report."]
    assert joined("No ques-\ntion.\nNext line") == ["No question.", "Next line"]  # no blank line left
    assert joined("as (re-\nceived) here") == ["as (received)", "here"]


def test_a_compound_keeps_its_hyphen():
    # written with its hyphen elsewhere in the node
    assert joined("a well-\nknown text", "a well-known fact")[0] == "a well-known"
    # both halves are words of the node, and the whole is not
    assert joined("a well-\nknown text. It is well known.")[0] == "a well-known"
    # a compound of three: the hyphen before the last part is one of its own
    assert joined("the over-the-\ncounter market")[0] == "the over-the-counter"
    # the whole word is written elsewhere: the hyphen only broke it
    assert joined("an e-\nmail and an email")[0] == "an email"


def test_what_is_no_line_end_break_stays_as_it_was():
    assert joined("a well-known text\nand more") == ["a well-known text", "and more"]  # mid-line
    assert joined("pages 12-\n13") == ["pages 12-", "13"]  # numbers
    assert joined("see A-\nB matrix") == ["see A-", "B matrix"]  # the next line goes on in capitals
    assert joined("publications/annual-\nreport/default.htm")[0] == "publications/annual-"  # an address
    assert joined("a list -\nitem") == ["a list -", "item"]  # a dash, not a hyphen after a word


def test_the_reader_joins_breaks_on_pages_but_not_in_markdown_lines():
    page = ReaderText(NodeText("page", ((3, "The board has re-\nceived it."),), "page 3"))
    assert [line.text for line in page.lines if line.kind == "text"] == ["The board has received", "it."]
    assert "received" in page.text and page.unit_first == {3: 0}
    lines = ReaderText(NodeText("line", ((10, "has re-"), (11, "ceived")), "lines 10-11"))
    assert [line.text for line in lines.lines] == ["has re-", "ceived"]
