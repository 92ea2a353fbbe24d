"""The engine end to end with a loopback fake of vLLM: each path, each fallback, each failure."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from fakes import FakeVLLM, Script, error, smart_model
from pdfgen import make_corrupt_pdf, make_outline_pdf, make_plain_pdf, make_toc_pdf

from pageindex_tui import events
from pageindex_tui.cli.main import main
from pageindex_tui.index.pipeline import Indexer
from pageindex_tui.local.server import free_port
from pageindex_tui.settings import Settings
from pageindex_tui.store.cache import ResponseCache

MARKDOWN = """# Guide

Intro text.

## Part One

Text of part one.

```
# not a heading
```

### Detail

Detail text.

## Part Two

Text of part two.
"""


def run_index(settings: Settings, path: Path, out: Path, cache: ResponseCache | None = None):
    seen: list[events.Event] = []

    async def go():
        cache_ = cache or ResponseCache(enabled=False)
        async with Indexer(settings, out, sink=seen.append, cache=cache_) as indexer:
            return await indexer.index(path)

    return asyncio.run(go()), seen


def no_server() -> str:
    return f"http://127.0.0.1:{free_port()}/v1"


def test_outline_pdf_needs_no_server(tmp_path):
    settings = Settings(endpoint=no_server(), if_add_node_summary=False, max_retries=0)
    result, seen = run_index(settings, make_outline_pdf(tmp_path), tmp_path / "out")
    assert result.ok, result.error
    tree = result.result["structure"]
    assert [(n["title"], n["start_index"], n["end_index"]) for n in tree] == [
        ("1 Introduction", 1, 3),
        ("2 Methods", 4, 8),
        ("3 Results", 9, 12),
    ]
    assert [(n["title"], n["start_index"], n["end_index"]) for n in tree[1]["nodes"]] == [
        ("2.1 Data", 4, 5),
        ("2.2 Analysis", 6, 8),
    ]
    assert result.run.structure_source == "outline" and result.run.structure_calls == 0
    assert result.run.llm.calls == 0 and result.run.titles_verified == 5
    assert not any(isinstance(e, events.CallStarted) for e in seen)
    kinds = [type(e).__name__ for e in seen]
    assert kinds[0] == "StageStarted" and kinds[-1] == "DocumentFinished" and "StructureFound" in kinds
    on_disk = json.loads(result.structure_path.read_text())
    assert on_disk == result.result and json.loads(result.run_path.read_text())["nodes"] == 5


def test_printed_contents_mapped_through_page_offset(tmp_path):
    settings = Settings(endpoint=no_server(), if_add_node_summary=False, max_retries=0)
    result, _ = run_index(settings, make_toc_pdf(tmp_path), tmp_path / "out")
    assert result.ok, result.error
    flat = {n["title"]: n["start_index"] for n in _walk(result.result["structure"])}
    assert flat["1 Introduction"] == 3 and flat["2 Background"] == 5 and flat["5 Conclusion"] == 14
    assert flat["2.2 Open Problems"] == 7
    assert result.result["structure"][0]["title"] == "Preface"
    assert result.run.structure_source == "toc" and result.run.structure_calls == 0
    assert result.run.facts.page_offset == 2


def test_model_path_with_a_good_model(tmp_path):
    with FakeVLLM(default=smart_model) as fake:
        settings = Settings(endpoint=fake.base_url, thinking=True)
        result, seen = run_index(settings, make_plain_pdf(tmp_path), tmp_path / "out")
    assert result.ok, result.error
    tree = result.result["structure"]
    assert [(n["title"], n["start_index"], n["end_index"]) for n in tree] == [
        ("Overview", 1, 2),
        ("Details", 3, 4),
        ("Summary", 5, 6),
    ]
    assert all(n["summary"] for n in tree)
    assert result.run.structure_source == "model" and result.run.structure_calls >= 1
    assert result.run.titles_verified == 3
    reasoning = "".join(e.text for e in seen if isinstance(e, events.ReasoningDelta))
    assert "Looking at the pages" in reasoning
    sent = fake.requests[0]
    assert sent["chat_template_kwargs"] == {"enable_thinking": True} and sent["temperature"] == 0.6


def test_model_path_survives_garbage_replies(tmp_path):
    with FakeVLLM(default=lambda body: Script(answer="Sure! Here are some sections: intro, body.")) as fake:
        settings = Settings(endpoint=fake.base_url, thinking=False)
        result, seen = run_index(settings, make_plain_pdf(tmp_path), tmp_path / "out")
        asked = len(fake.requests)
    assert result.ok, result.error
    assert result.result["structure"][0]["title"].startswith("Pages 1-")
    assert result.run.warnings and any(isinstance(e, events.WarningEvent) for e in seen)
    # each bad reply was retried with the error shown to the model
    assert asked >= 3
    assert all(n.get("summary") for n in _walk(result.result["structure"]))


def test_hallucinated_titles_are_dropped(tmp_path):
    answer = json.dumps(
        {
            "sections": [
                {"title": "Chapter Nowhere", "level": 1, "page": 2},
                {"title": "Details", "level": 1, "page": 4},
            ]
        }
    )
    with FakeVLLM(default=lambda body: Script(answer=answer)) as fake:
        settings = Settings(endpoint=fake.base_url, if_add_node_summary=False)
        result, _ = run_index(settings, make_plain_pdf(tmp_path), tmp_path / "out")
    titles = [(n["title"], n["start_index"]) for n in result.result["structure"]]
    assert ("Details", 3) in titles  # moved to the page where it is printed
    assert all(t != "Chapter Nowhere" for t, _ in titles)
    assert any("not found" in w.message for w in result.run.warnings)


def test_markdown_tree_summaries_and_text(tmp_path):
    doc = tmp_path / "guide.md"
    doc.write_text(MARKDOWN)
    settings = Settings(endpoint=no_server(), if_add_node_text=True, max_retries=0)
    result, _ = run_index(settings, doc, tmp_path / "out")  # short sections: no model needed
    assert result.ok, result.error
    data = result.result
    assert data["doc_name"] == "guide" and data["line_count"] == MARKDOWN.count("\n") + 1
    root = data["structure"][0]
    assert (root["title"], root["line_num"], root["node_id"]) == ("Guide", 1, "0000")
    assert "prefix_summary" in root and "summary" not in root
    one = root["nodes"][0]
    assert one["title"] == "Part One" and one["nodes"][0]["title"] == "Detail"
    assert one["nodes"][0]["summary"] and "# not a heading" in one["text"]
    assert (
        one["nodes"][0]["summary"] == "Detail text."
    )  # a short section is its own summary, less its heading
    assert root["prefix_summary"] == "Intro text."
    assert [n["node_id"] for n in _walk(data["structure"])] == ["0000", "0001", "0002", "0003"]
    assert result.run.structure_source == "markdown"


def test_a_heading_alone_stays_its_own_summary():
    """A title over its sections has no text but its heading: that is its summary, never an empty one."""
    from pageindex_tui.index.summarize import without_heading

    assert without_heading("# Operations Notes\n", "Operations Notes") == "# Operations Notes\n"
    assert without_heading("## 2 Setup\nRun it.", "2 Setup") == "Run it."
    assert without_heading("Run it.", "Setup") == "Run it."


def test_rerun_is_served_from_the_cache(tmp_path):
    cache = ResponseCache(tmp_path / "cache")
    with FakeVLLM(default=smart_model) as fake:
        settings = Settings(endpoint=fake.base_url)
        first, _ = run_index(settings, make_plain_pdf(tmp_path), tmp_path / "out", cache)
        asked = len(fake.requests)
        second, seen = run_index(settings, make_plain_pdf(tmp_path), tmp_path / "out", cache)
        assert len(fake.requests) == asked
    assert first.result == second.result
    assert second.run.llm.calls == 0 and second.run.llm.cached_calls >= 1
    assert all(e.outcome == "cached" for e in seen if isinstance(e, events.CallFinished))


def test_corrupt_pdf_fails_cleanly_and_writes_nothing(tmp_path):
    out = tmp_path / "out"
    result, seen = run_index(Settings(endpoint=no_server()), make_corrupt_pdf(tmp_path), out)
    assert not result.ok and "PDF" in result.error and result.kind == "document"
    assert isinstance(seen[-1], events.DocumentFailed) and seen[-1].kind == "document"
    assert not list(out.glob("*.json"))


def test_server_down_is_reported_when_the_model_is_needed(tmp_path):
    settings = Settings(endpoint=no_server(), max_retries=0)
    result, _ = run_index(settings, make_plain_pdf(tmp_path), tmp_path / "out")
    assert not result.ok and "127.0.0.1" in result.error and result.hint and result.kind == "server"


def test_unwritable_output_fails_before_any_work(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    result, seen = run_index(Settings(endpoint=no_server()), make_outline_pdf(tmp_path), blocker / "out")
    assert not result.ok and "cannot be made" in result.error and result.kind == "output"
    assert not any(isinstance(e, events.DocumentStarted) for e in seen)


def test_cli_exit_codes(tmp_path, capsys):
    good = make_outline_pdf(tmp_path)
    bad = make_corrupt_pdf(tmp_path)
    out = tmp_path / "out"
    common = [
        "--endpoint",
        no_server(),
        "--if-add-node-summary",
        "no",
        "--retries",
        "0",
        "-q",
        "--out",
        str(out),
    ]
    assert main(["index", str(good), *common]) == 0
    assert main(["index", str(good), str(bad), *common]) == 1
    assert (out / f"{good.stem}_structure.json").exists()
    printed = capsys.readouterr()
    assert "FAIL" in printed.out and "ok" in printed.out
    assert main(["index", str(tmp_path / "missing.pdf"), *common]) == 2
    assert main(["index", str(good), *common, "--concurrency", "-1"]) == 2
    assert "concurrency" in capsys.readouterr().err
    # a flag's value is checked where the settings file's are, with the same words
    assert main(["index", str(good), "--if-add-node-summary", "maybe"]) == 2
    assert "is not yes or no" in capsys.readouterr().err


def _walk(nodes):
    for node in nodes:
        yield node
        yield from _walk(node.get("nodes", []))


def test_the_run_record_keeps_retried_calls_and_settings_that_do_not_work_together(tmp_path):
    """A call the server refused once is in the record with the whole error text; values that pass their
    own checks but cannot work together (a reply cap above the context) are warned of, as "settings"."""
    with FakeVLLM(default=smart_model, max_model_len=2048) as fake:
        fake.add(error(503, "the model is loading, try again " + "x" * 300))
        settings = Settings(endpoint=fake.base_url, thinking=False, max_output_tokens=4096, max_retries=2)
        result, _ = run_index(settings, make_plain_pdf(tmp_path), tmp_path / "out")
    assert result.ok, result.error
    run = result.run
    retried = [p for p in run.problems if p.outcome == "retry"]
    assert len(retried) == 1 and retried[0].purpose and "x" * 300 in retried[0].error
    kinds = {w.kind for w in run.warnings}
    assert "settings" in kinds
    assert any(
        "max_output_tokens = 4096 is not below the served context of 2048" in w.message for w in run.warnings
    )
    saved = json.loads((tmp_path / "out" / "plain_run.json").read_text())
    assert saved["call_problems"][0]["error"] == retried[0].error and "settings" in saved["warning_kinds"]
