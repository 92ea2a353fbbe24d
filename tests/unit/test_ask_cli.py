"""`pageindex-tui ask` and the library filing of `index`, in process against the fake vLLM."""

from __future__ import annotations

import json

import pytest
from askdocs import GOOD_ANSWER, kind, make_harbor, scripted
from fakes import FakeVLLM, smart_model
from pdfgen import make_outline_pdf

from pageindex_tui.cli.main import main
from pageindex_tui.cli.parsers import parse
from pageindex_tui.local.server import free_port

QUESTION = "How much did dredging the outer channel cost?"


@pytest.fixture(autouse=True)
def _own_library(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


def ask(fake_url: str, *paths, extra=()):
    return main(["ask", *map(str, paths), QUESTION, "--endpoint", fake_url, "--retries", "0", *extra])


def test_the_question_is_the_last_positional_or_question_and_q_is_quiet_as_in_index(capsys):
    def read(args):
        return [str(path) for path in args.paths], args.question, args.quiet

    question = "What did it cost?"
    assert read(parse(["ask", "a.pdf", "b.md", question])) == (["a.pdf", "b.md"], question, False)
    # the old `-q QUESTION` reads the same: quiet, and the question last
    assert read(parse(["ask", "a.pdf", "-q", question])) == (["a.pdf"], question, True)
    args = parse(["ask", "--question", "What did it cost?", "a.pdf", "b.md"])
    assert ([str(p) for p in args.paths], args.question) == (["a.pdf", "b.md"], "What did it cost?")
    assert parse(["index", "a.pdf", "-q"]).quiet and parse(["ask", "a.pdf", "Why?", "--quiet"]).quiet
    with pytest.raises(SystemExit) as ended:
        parse(["ask", "a.pdf"])
    assert ended.value.code == 2 and "give the documents and the question" in capsys.readouterr().err


def test_ask_streams_the_answer_and_prints_checked_citations(tmp_path, capsys):
    structure = make_harbor(tmp_path / "docs")
    with FakeVLLM(default=scripted(['{"nodes": ["0004"]}'], [GOOD_ANSWER])) as fake:
        code = ask(fake.base_url, structure)
    out = capsys.readouterr().out
    assert code == 0
    assert "Dredging the outer channel cost 9 million euros [1]." in out
    assert "Thinking about the pick." in out  # reasoning streams (dimmed on a terminal)
    assert "verified" in out and "harbor.pdf node 0004 p. 5" in out and "UNVERIFIED" not in out
    assert "1/1 citations verified" in out


def test_json_prints_the_result_alone(tmp_path, capsys):
    structure = make_harbor(tmp_path / "docs")
    with FakeVLLM(default=scripted(['{"nodes": ["0004"]}'], [GOOD_ANSWER])) as fake:
        code = ask(fake.base_url, structure, extra=["--json"])
    data = json.loads(capsys.readouterr().out)
    assert code == 0 and data["verified_citations"] == 1
    assert data["citations"][0] | {"quote": ""} == {
        "doc": "harbor.pdf",
        "node_id": "0004",
        "pages": [5],
        "quote": "",
        "verified": True,
        "problem": "",
        "marker": "1",
    }
    assert data["nodes_read"][0]["pages"] == [5] and data["calls"] == 3


def test_a_structure_without_its_source_says_citations_cannot_be_checked(tmp_path, capsys):
    structure = make_harbor(tmp_path / "docs", with_source=False)
    with FakeVLLM(default=scripted(['{"nodes": ["0004"]}'], [GOOD_ANSWER])) as fake:
        code = ask(fake.base_url, structure)
    captured = capsys.readouterr()
    assert code == 0 and "UNVERIFIED" in captured.out
    assert "citations cannot be checked against pages" in captured.err


@pytest.mark.parametrize(
    ("name", "message"),
    [("missing.pdf", "no such file"), ("notes.txt", "neither a PDF"), ("folder", "is a folder")],
)
def test_bad_paths_are_usage_errors(tmp_path, capsys, name, message):
    (tmp_path / "notes.txt").write_text("hello")
    (tmp_path / "folder").mkdir()
    code = ask(f"http://127.0.0.1:{free_port()}/v1", tmp_path / name)
    assert code == 2 and message in capsys.readouterr().err


def test_a_damaged_structure_file_is_a_usage_error(tmp_path, capsys):
    bad = tmp_path / "x_structure.json"
    bad.write_text("{not json")
    assert ask(f"http://127.0.0.1:{free_port()}/v1", bad) == 2
    assert "not valid JSON" in capsys.readouterr().err


def test_server_down_fails_like_index(tmp_path, capsys):
    structure = make_harbor(tmp_path / "docs")
    code = ask(f"http://127.0.0.1:{free_port()}/v1", structure)
    err = capsys.readouterr().err
    assert code == 1 and "pageindex-tui: error:" in err and "127.0.0.1" in err


def test_model_text_is_shown_literally(tmp_path, capsys):
    structure = make_harbor(tmp_path / "docs")
    sneaky = "Cost [red]9[/red] \x1b[31mmillion\x1b[0m [1].\n\nSources:\n[1] 0004, page 5"
    with FakeVLLM(default=scripted(['{"nodes": ["0004"]}'], [sneaky])) as fake:
        assert ask(fake.base_url, structure) == 0
    out = capsys.readouterr().out
    assert "[red]9[/red]" in out and "^[[31mmillion" in out and "\x1b[31m" not in out


def test_a_document_is_indexed_and_filed_then_reused(tmp_path, capsys, monkeypatch):
    from pageindex_tui.document import loader

    opened: list[object] = []
    real_open = loader.open_pdf
    monkeypatch.setattr(loader, "open_pdf", lambda *a, **k: opened.append(a[0]) or real_open(*a, **k))
    pdf = make_outline_pdf(tmp_path / "docs")
    answer = 'It opens the report [1].\n\nSources:\n[1] 0000, page 1: "Page 1 line 1 on Introduction"'
    model = scripted(['{"nodes": ["0000"]}'], [answer], other=smart_model)
    with FakeVLLM(default=model) as fake:
        assert ask(fake.base_url, pdf, extra=("--concurrency", "4")) == 0  # fixed: no load monitor polls
        first = capsys.readouterr()
        summaries = sum(kind(b) == "other" for b in fake.requests)
        assert fake.paths.count("GET /v1/models") == 1  # indexing and the question share one connection
        assert len(opened) == 1  # indexed first and then read for the question: opened once
        assert ask(fake.base_url, pdf) == 0
        second = capsys.readouterr()
        assert sum(kind(b) == "other" for b in fake.requests) == summaries  # nothing indexed again
    assert summaries > 0 and "indexed" in first.err and "reused" in second.err
    assert "1/1 citations verified" in first.out and "1/1 citations verified" in second.out


def test_index_files_its_trees_in_the_library_for_ask(tmp_path, capsys):
    pdf = make_outline_pdf(tmp_path / "docs")
    with FakeVLLM(default=smart_model) as fake:
        url = fake.base_url
        assert main(["index", str(pdf), "--out", str(tmp_path / "out"), "--endpoint", url, "-q"]) == 0
    capsys.readouterr()
    answer = 'Yes [1].\n\nSources:\n[1] 0000, page 1: "Page 1 line 1 on Introduction"'
    with FakeVLLM(default=scripted(['{"nodes": ["0000"]}'], [answer])) as fake:
        assert ask(fake.base_url, pdf) == 0
        assert all(kind(b) != "other" for b in fake.requests)
    assert "reused" in capsys.readouterr().err
