"""Asking the whole library: documents found by search, chosen by the model, then nodes in those only; the
prompts a question sends do not grow with the library."""

from __future__ import annotations

import asyncio
import json

import pytest
from askdocs import scripted
from fakes import FakeVLLM, Script
from libdocs import file_markdown, many_documents

from pageindex_tui import events
from pageindex_tui.ask import Asker, AskInputError, LibraryScope
from pageindex_tui.cli.main import main
from pageindex_tui.settings import Settings
from pageindex_tui.store.library import Library

QUESTION = "How much does the lighthouse keeper earn?"
BROAD = "What budget pays the lighthouse keeper?"  # 'budget': in nearly every document
ANSWER = (
    "The keeper earns 41,000 euros a year [1].\n\n"
    'Sources:\n[1] 0002, lines 7-10: "The lighthouse keeper earns 41,000 euros a year"'
)


def choose_first(body: dict) -> Script:
    prompt = body["messages"][-1]["content"]
    assert "Which documents most likely hold the answer" in prompt
    return Script(answer='{"documents": ["D1"]}')


def model():
    return scripted(picks=['{"nodes": ["0002"]}'], answers=[ANSWER], other=choose_first)


def ask_library(fake: FakeVLLM, library: Library, question: str = QUESTION):
    seen: list[events.Event] = []
    conf = Settings(endpoint=fake.base_url, cache=False, max_retries=0)

    async def go():
        async with Asker(conf, sink=seen.append) as asker:
            return await asker.ask([], question, scope=LibraryScope.of(library))

    return asyncio.run(go()), seen


def prompt_sizes(fake: FakeVLLM) -> list[int]:
    return [sum(len(m["content"]) for m in body["messages"]) for body in fake.requests]


@pytest.mark.parametrize("sizes", [(10, 150)])
def test_prompts_stay_flat_as_the_library_grows(tmp_path, sizes):
    figures = {}
    for size in sizes:
        library = Library(tmp_path / f"lib{size}")
        many_documents(library, tmp_path / f"docs{size}", size)
        with FakeVLLM(default=model()) as fake:
            result, seen = ask_library(fake, library, BROAD)
            figures[size] = (result.prompt_tokens, result.calls, max(prompt_sizes(fake)))
            pick = [b["messages"][-1]["content"] for b in fake.requests if "Which sections" in str(b)]
            chose = [b["messages"][-1]["content"] for b in fake.requests if "Which documents" in str(b)]
        assert len(chose) == 1 and chose[0].startswith("[D1] doc0007.md")  # every document has a budget
        assert chose[0].count("\n[D") == min(size, 12) - 1  # at most 12 candidates, whatever the library
        assert result.documents == ["doc0007.md"]  # the search ranked it first, the model chose it
        assert [r.node_id for r in result.nodes_read] == ["0002"]
        assert len(pick) == 1 and "Lighthouse keeper salary" in pick[0] and "doc0008" not in pick[0]
        routed = [e.detail for e in seen if isinstance(e, events.AskProgress) and e.step == "route"]
        assert routed == ["doc0007.md"]
    small, large = figures[sizes[0]], figures[sizes[-1]]
    assert large[1] == small[1]  # the same calls
    assert large[0] <= 1.5 * small[0] and large[2] <= 1.5 * small[2]  # tokens and the largest prompt


def test_few_candidates_need_no_document_call(tmp_path):
    library = Library(tmp_path / "lib")
    many_documents(library, tmp_path / "docs", 8)
    with FakeVLLM(default=model()) as fake:
        result, _seen = ask_library(fake, library)
        asked = [b["messages"][-1]["content"] for b in fake.requests]
    assert not any("Which documents" in p for p in asked)  # 'lighthouse' is in one document only
    assert result.documents == ["doc0007.md"]


def test_a_bad_document_choice_falls_back_to_the_search(tmp_path):
    library = Library(tmp_path / "lib")
    many_documents(library, tmp_path / "docs", 30)

    def nonsense(body: dict) -> Script:
        return Script(answer='{"documents": ["D99"]}')

    with FakeVLLM(default=scripted(picks=['{"nodes": ["0002"]}'], answers=[ANSWER], other=nonsense)) as fake:
        conf = Settings(endpoint=fake.base_url, cache=False, max_retries=0)

        async def go():
            async with Asker(conf) as asker:
                return await asker.ask([], "budget approved in spring", scope=LibraryScope.of(library))

        result = asyncio.run(go())
    assert len(result.documents) == 3  # the search's three best
    assert any("chose no document" in w for w in result.warnings)


def test_nothing_found_says_so(tmp_path):
    library = Library(tmp_path / "lib")
    many_documents(library, tmp_path / "docs", 5)
    with FakeVLLM(default=model()) as fake:
        conf = Settings(endpoint=fake.base_url, cache=False, max_retries=0)

        async def go():
            async with Asker(conf) as asker:
                return await asker.ask([], "zeppelin", scope=LibraryScope.of(library))

        with pytest.raises(AskInputError, match="no document in the library matches"):
            asyncio.run(go())
        assert fake.requests == []


def test_a_small_library_is_read_whole_when_no_word_matches(tmp_path):
    library = Library(tmp_path / "lib")
    many_documents(library, tmp_path / "docs", 2)
    with FakeVLLM(default=scripted(picks=['{"nodes": ["1:0002"]}'], answers=["No."])) as fake:
        conf = Settings(endpoint=fake.base_url, cache=False, max_retries=0)

        async def go():
            async with Asker(conf) as asker:
                return await asker.ask([], "zeppelin", scope=LibraryScope.of(library))

        result = asyncio.run(go())
    assert result.documents == ["doc0000.md", "doc0001.md"]


def test_cli_search_and_ask_library(tmp_path, capsys, monkeypatch):
    library = Library()  # the data folder the tests isolate
    many_documents(library, tmp_path / "docs", 12)
    assert main(["search", "lighthouse", "keeper"]) == 0
    out = capsys.readouterr().out
    first = out.splitlines()[0]
    assert "doc0007.md" in first and "[0002] Lighthouse keeper salary (lines 7-10)" in first
    assert "41,000 euros" in out
    assert main(["search", "--documents", "lighthouse"]) == 0
    assert capsys.readouterr().out.split()[1] == "doc0007.md"
    assert main(["search", "zeppelin"]) == 0 and "no section matches" in capsys.readouterr().out
    with FakeVLLM(default=model()) as fake:
        code = main(["ask", "--library", QUESTION, "--endpoint", fake.base_url, "--no-cache", "--json"])
    assert code == 0
    assert '"doc0007.md"' in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["ask", "--library", "doc.pdf", QUESTION])
    assert "name no documents" in capsys.readouterr().err


def test_library_reindex(tmp_path, capsys):
    many_documents(Library(), tmp_path / "docs", 4)
    assert main(["library", "reindex"]) == 0
    assert "search index of 4 documents built" in capsys.readouterr().out


def test_cli_under_a_folder(tmp_path, capsys):
    library = Library()
    many_documents(library, tmp_path / "docs", 12)  # doc0007 holds the lighthouse keeper
    file_markdown(library, tmp_path / "other", "lights", [("Lighthouse keeper duties", "Lamps.")])
    assert main(["search", "--documents", "--under", str(tmp_path / "other"), "lighthouse"]) == 0
    assert capsys.readouterr().out.split()[1] == "lights.md"
    with FakeVLLM(default=model()) as fake:
        code = main(
            ["ask", "--under", str(tmp_path / "docs"), QUESTION, "--endpoint", fake.base_url, "--json"]
        )
    assert code == 0
    assert json.loads(capsys.readouterr().out)["documents"] == ["doc0007.md"]
    with pytest.raises(SystemExit):
        main(["ask", "--under", str(tmp_path / "nowhere"), QUESTION])
    err = capsys.readouterr().err
    assert "--under" in err and "no such folder" in err
    assert main(["search", "--under", str(tmp_path / "nowhere"), "lighthouse"]) == 2
