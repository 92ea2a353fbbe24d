"""ask and MCP edges: an empty question is a usage error with no call made, a question that crowds out the
pages is refused naming its length, ranges are counted before they are expanded, and a source changed
since indexing is reported as changed. Through the real command line and the MCP SDK's client."""

from __future__ import annotations

import asyncio

import pytest
from askdocs import make_harbor
from fakes import FakeVLLM, smart_model
from test_mcp_server import call, file_harbor, with_session

from pageindex_tui.ask import AskInputError, parse_ranges
from pageindex_tui.cli.main import main


@pytest.mark.parametrize("question", ["", "   ", "\n\t"])
def test_an_empty_question_is_a_usage_error_and_no_call_is_made(tmp_path, capsys, question):
    structure = make_harbor(tmp_path)
    with FakeVLLM(default=smart_model) as fake:
        with pytest.raises(SystemExit) as ended:
            main(["ask", str(structure), question, "--endpoint", fake.base_url])
        assert fake.requests == []
    assert ended.value.code == 2 and "the question is empty" in capsys.readouterr().err


def test_a_question_that_crowds_out_the_pages_is_refused_naming_its_length(tmp_path, capsys):
    structure = make_harbor(tmp_path)
    question = "why " * 25_000  # 100 KB
    with FakeVLLM(default=smart_model) as fake:
        code = main(["ask", str(structure), question, "--endpoint", fake.base_url, "--no-cache"])
        assert fake.requests == []
    err = capsys.readouterr().err
    assert code == 2 and f"{len(question)} characters" in err and "too long" in err
    assert "max_tokens_per_node" not in err


def test_ranges_are_counted_before_they_are_expanded():
    assert parse_ranges("1-3,2-5,5", 10, limit=5) == [1, 2, 3, 4, 5]
    assert parse_ranges("7,1-2,7", 10) == [7, 1, 2]
    with pytest.raises(AskInputError, match="more than 4 pages"):
        parse_ranges("1-3,2-5,5", 10, limit=4)
    with pytest.raises(AskInputError, match="more than 400 pages"):
        parse_ranges("1-1000000000," * 2000, 10**9, limit=400)  # counted from 2000 ranges, not expanded
    with pytest.raises(AskInputError, match="not a page or a range"):
        parse_ranges("1" * 5000, 10**9, limit=400)  # no int() of a 5000-digit number


def test_mcp_reports_a_source_changed_since_indexing_instead_of_reading_it(tmp_path):
    pdf = file_harbor(tmp_path)
    with pdf.open("ab") as handle:
        handle.write(b"\n% changed\n")

    async def work(session):
        listed = await call(session, "list_documents")
        return listed, await call(session, "get_pages", document="harbor.pdf", pages="1")

    with FakeVLLM(default=smart_model) as fake:
        listed, (failed, text) = asyncio.run(with_session(tmp_path, fake.base_url, work))
    assert failed is True and "changed since it was indexed" in text
    listed_doc = listed[1]["documents"][0]
    assert listed_doc["status"] == "changed" and "indexes it again" in listed_doc["note"]
