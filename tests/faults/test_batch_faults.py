"""Fault suite, engine side: a batch where documents fail in different ways still reports every one.

Cases 1 (one failure never sinks another), 3 (same stems), 5 (every call failed), 13 (why a server was
needed) and 7 (no orphan connection attempts) of issue 10.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from fakes import FakeVLLM, Script, llamacpp_overflow, smart_model
from pdfgen import make_dead_outline_pdf, make_outline_pdf, make_plain_pdf

from pageindex_tui import events
from pageindex_tui.cli.main import main
from pageindex_tui.index.pipeline import output_plan
from pageindex_tui.jobs.service import JobService
from pageindex_tui.llm import LLMClient
from pageindex_tui.local.server import free_port
from pageindex_tui.settings import Settings
from pageindex_tui.store.cache import ResponseCache
from pageindex_tui.store.library import Library

SECTION = "word " * 400  # long enough to need a model summary


def markdown(path: Path, title: str = "Guide") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"# {title}\n\nIntro.\n\n## Part\n\n{SECTION}\n", encoding="utf-8")
    return path


def index_many(settings: Settings, paths: list[Path], out: Path, **options):
    """A batch as the product runs it: the job service, its files under `out`, a library of its own."""
    seen: list[events.Event] = []

    async def go():
        cache = ResponseCache(enabled=False)
        library = Library(out.parent / f"{out.name}.library")
        async with JobService(library, sink=seen.append, cache=cache, **options) as jobs:
            return await jobs.run_many(paths, settings, out)

    return asyncio.run(go()), seen


def test_a_garbled_stream_stops_one_document_and_the_rest_finish(tmp_path):
    """The PDF whose sections only the model can find keeps page groups as a partial index waiting
    for the model (a server fault, said as it came); the others finish."""
    garbled = Script(answer="x" * 40, raw=b"\xff\xfe")
    outline, plain = make_outline_pdf(tmp_path), make_plain_pdf(tmp_path)
    note = markdown(tmp_path / "note.md")
    with FakeVLLM(default=lambda body: garbled, chunk=4) as fake:
        settings = Settings(endpoint=fake.base_url, max_retries=1, if_add_node_summary=False)
        results, seen = index_many(settings, [outline, plain, note], tmp_path / "out")
    by_name = {r.path.name: r for r in results}
    assert by_name["outline.pdf"].ok and by_name["note.md"].ok
    stopped = by_name["plain.pdf"]
    assert not stopped.ok and "garbled reply stream (bytes that are not UTF-8" in stopped.error
    assert stopped.kind == "server" and stopped.partial is not None and stopped.partial.stage == "structure"
    assert sum(isinstance(e, events.DocumentPartial) for e in seen) == 1
    assert not any(isinstance(e, events.DocumentFailed) for e in seen)


class BuggyClient(LLMClient):
    """The real client, with a bug for one document: its chat raises what our code never expects."""

    async def chat(self, messages, *, doc, **kwargs):
        if doc.endswith("buggy.md"):
            raise ZeroDivisionError("a bug")
        return await super().chat(messages, doc=doc, **kwargs)


def test_an_unexpected_error_costs_only_its_own_document(tmp_path):
    with FakeVLLM(default=smart_model) as fake:
        settings = Settings(endpoint=fake.base_url, thinking=False)
        docs = [markdown(tmp_path / "buggy.md"), markdown(tmp_path / "fine.md"), make_plain_pdf(tmp_path)]
        results, _ = index_many(settings, docs, tmp_path / "out", client_factory=BuggyClient)
    by_name = {r.path.name: r for r in results}
    assert by_name["fine.md"].ok and by_name["plain.pdf"].ok
    buggy = by_name["buggy.md"]
    assert not buggy.ok and buggy.error == "internal error: ZeroDivisionError: a bug"
    assert "bug in pageindex-tui" in buggy.hint


def test_documents_with_one_stem_keep_their_outputs_apart(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    docs = [
        markdown(Path("a/report.md"), "From a"),
        markdown(Path("b/report.md"), "From b"),
        markdown(Path("report.md"), "From here"),
        markdown(Path("report.markdown"), "Also from here"),
    ]
    code = main(["index", "a", "b", "report.md", "report.markdown", "--if-add-node-summary", "no"])
    out = capsys.readouterr().out
    assert code == 0, out
    written = {
        str(p.relative_to("results")): json.loads(p.read_text())["structure"][0]["title"]
        for p in Path("results").rglob("*_structure.json")
    }
    assert written == {
        "a/report_structure.json": "From a",
        "b/report_structure.json": "From b",
        "report.md_structure.json": "From here",
        "report.markdown_structure.json": "Also from here",
    }
    assert "a/report.md: " in out and "-> results/a/report_structure.json" in out
    assert "outputs kept apart: 2 in subfolders of results" in out
    assert "2 named by their whole file name" in out
    assert {len(output_plan(docs, Path("x")))} == {4}


def test_one_folder_keeps_the_flat_layout(tmp_path):
    docs = [markdown(tmp_path / "docs" / "one.md"), markdown(tmp_path / "docs" / "two.md")]
    plan = output_plan(docs, tmp_path / "out")
    assert [paths[0].relative_to(tmp_path / "out") for paths in plan.values()] == [
        Path("one_structure.json"),
        Path("two_structure.json"),
    ]


def test_every_call_overflowing_fails_the_document_with_the_reason_and_the_fix(tmp_path, capsys):
    with FakeVLLM(
        default=lambda body: llamacpp_overflow(prompt=1500, limit=1024), owned_by="llamacpp"
    ) as fake:
        code = main(
            [
                "index",
                str(make_plain_pdf(tmp_path)),
                "--endpoint",
                fake.base_url,
                "--out",
                str(tmp_path / "o"),
            ]
        )
    out = capsys.readouterr().out
    assert code == 1, out
    assert "FAIL" in out and "structure requests failed" in out
    assert "exceeds the available context size (1024 tokens)" in out
    assert "llama.cpp -c" in out and "max_tokens_per_node" in out
    assert not (tmp_path / "o" / "plain_structure.json").exists()


def test_every_summary_overflowing_fails_the_document(tmp_path, capsys):
    with FakeVLLM(
        default=lambda body: llamacpp_overflow(prompt=1500, limit=1024), owned_by="llamacpp"
    ) as fake:
        code = main(
            [
                "index",
                str(markdown(tmp_path / "long.md")),
                "--endpoint",
                fake.base_url,
                "--out",
                str(tmp_path / "o"),
            ]
        )
    out = capsys.readouterr().out
    assert code == 1, out
    assert "summary requests failed" in out and "exceeds the available context size" in out


def test_some_summaries_overflowing_is_not_a_failure(tmp_path):
    replies = [llamacpp_overflow(), llamacpp_overflow()]  # two requests fail; the retries answer
    with FakeVLLM(replies=replies, default=smart_model) as fake:
        text = f"# Guide\n\n## One\n\n{SECTION}\n\n## Two\n\n{SECTION}\n"
        (tmp_path / "two.md").write_text(text, encoding="utf-8")
        settings = Settings(endpoint=fake.base_url, thinking=False, concurrency=1)
        results, _ = index_many(settings, [tmp_path / "two.md"], tmp_path / "out")
    assert results[0].ok, results[0].error
    assert results[0].run.llm.failed_calls == 2


def test_the_failure_says_why_a_server_was_needed(tmp_path, capsys):
    endpoint = f"http://127.0.0.1:{free_port()}/v1"
    pdf = make_dead_outline_pdf(tmp_path)
    code = main(["index", str(pdf), "--endpoint", endpoint, "--out", str(tmp_path / "o")])
    out = capsys.readouterr().out
    assert code == 1
    assert "the sections of dead_outline.pdf must come from the model" in out
    assert "all 3 entries of its outline lead nowhere" in out and "cannot reach the model server" in out
    code = main(
        ["index", str(markdown(tmp_path / "m.md")), "--endpoint", endpoint, "--out", str(tmp_path / "o")]
    )
    out = capsys.readouterr().out
    assert code == 1 and "node summaries are on (--if-add-node-summary no indexes without a model)" in out


def test_no_connection_attempt_outlives_a_failed_document(tmp_path, recwarn):
    # Many summaries wait for one connection; when it fails they are cancelled, not left to connect later.
    text = "# Guide\n\n" + "".join(f"## Part {n}\n\n{SECTION}\n\n" for n in range(12))
    (tmp_path / "many.md").write_text(text, encoding="utf-8")
    settings = Settings(endpoint=f"http://127.0.0.1:{free_port()}/v1", max_retries=0)
    seen: list[events.Event] = []

    async def go():
        cache = ResponseCache(enabled=False)
        async with JobService(Library(tmp_path / "library"), sink=seen.append, cache=cache) as jobs:
            result = await jobs.run(tmp_path / "many.md", settings)
        others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        return result, others

    result, others = asyncio.run(go())
    assert not result.ok and "cannot reach" in result.error
    assert others == []
    assert not [w for w in recwarn if issubclass(w.category, RuntimeWarning)]
