"""Through a real llama-server (SmolLM2-135M): the engine ends with valid trees and honest provenance."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path

import pytest
from localserver import local_server

from pageindex_tui import events
from pageindex_tui.errors import ServerUnavailable
from pageindex_tui.index.pipeline import Indexer
from pageindex_tui.llm.client import LLMClient
from pageindex_tui.local.server import free_port
from pageindex_tui.settings import Settings
from pageindex_tui.store.cache import ResponseCache

from .schema import check_pageindex_json

SAMPLE_DOCS = Path(__file__).resolve().parents[2] / "sample_docs"

pytestmark = pytest.mark.integration

FAST = ["--thinking", "no", "--max-output-tokens", "160", "--retries", "1", "--timeout", "120"]


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pageindex_tui", *args], capture_output=True, text=True, cwd=cwd, timeout=900
    )


def test_cli_indexes_the_sample_folder(llama_server, tmp_path):
    out = tmp_path / "results"
    proc = run_cli(
        "index",
        str(SAMPLE_DOCS),
        "--out",
        str(out),
        "--endpoint",
        llama_server.endpoint,
        "--if-add-node-summary",
        "no",
        *FAST,
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr + proc.stdout
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted(
        f"{stem}_{kind}.json"
        for stem in ("fed-annual-report-2023-excerpt", "reg-bi-interpretive-release", "serving-handbook")
        for kind in ("structure", "run")
    )
    for pdf, pages in (("fed-annual-report-2023-excerpt", 50), ("reg-bi-interpretive-release", 28)):
        data = json.loads((out / f"{pdf}_structure.json").read_text())
        check_pageindex_json(data, pages=pages)
        run = json.loads((out / f"{pdf}_run.json").read_text())
        assert run["pages"] == pages and run["nodes"] >= 3
    reg = json.loads((out / "reg-bi-interpretive-release_run.json").read_text())
    assert reg["structure_source"] == "outline" and reg["structure_calls"] == 0
    assert reg["titles_verified"] >= 8
    fed = json.loads((out / "fed-annual-report-2023-excerpt_run.json").read_text())
    assert fed["structure_source"] == "toc"
    fed_tree = json.loads((out / "fed-annual-report-2023-excerpt_structure.json").read_text())
    titles = [n["title"] for n in fed_tree["structure"]]
    assert "3 Financial Stability" in titles and titles[0] == "Preface"
    stability = fed_tree["structure"][titles.index("3 Financial Stability")]
    assert stability["start_index"] == 21  # printed page 15 + offset 6
    md = json.loads((out / "serving-handbook_structure.json").read_text())
    check_pageindex_json(md, markdown=True)
    assert "ok" in proc.stdout and "FAIL" not in proc.stdout


def test_markdown_summaries_and_text_through_the_model(llama_server, tmp_path):
    out = tmp_path / "results"
    proc = run_cli(
        "index",
        str(SAMPLE_DOCS / "serving-handbook.md"),
        "--out",
        str(out),
        "--endpoint",
        llama_server.endpoint,
        "--if-add-node-text",
        "yes",
        "--if-add-doc-description",
        "yes",
        *FAST,
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    data = json.loads((out / "serving-handbook_structure.json").read_text())
    check_pageindex_json(data, markdown=True)
    assert data["doc_name"] == "serving-handbook" and data["line_count"] == 93
    assert isinstance(data["doc_description"], str) and data["doc_description"]
    root = data["structure"][0]
    assert root["title"] == "Serving Handbook for a Small Inference Team" and "prefix_summary" in root
    assert all("text" in n for n in _walk(data["structure"]))
    run = json.loads((out / "serving-handbook_run.json").read_text())
    assert run["structure_source"] == "markdown" and run["llm"]["calls"] >= 1
    assert run["llm"]["prompt_tokens"] > 0 and run["llm"]["completion_tokens"] > 0


def test_model_path_on_a_pdf_with_neither_outline_nor_contents(llama_server, tmp_path):
    from pdfgen import make_plain_pdf

    pdf = make_plain_pdf(tmp_path)
    out = tmp_path / "results"
    # the structure is the point: summaries through the real server are other tests' (markdown, OCR, jobs)
    no_summaries = ("--if-add-node-summary", "no")
    proc = run_cli(
        "index",
        str(pdf),
        "--out",
        str(out),
        "--endpoint",
        llama_server.endpoint,
        *no_summaries,
        *FAST,
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    data = json.loads((out / f"{pdf.stem}_structure.json").read_text())
    check_pageindex_json(data, pages=6)
    run = json.loads((out / f"{pdf.stem}_run.json").read_text())
    assert run["structure_source"] == "model"
    assert run["structure_calls"] >= 1
    # whatever the tiny model said, every kept title is printed on its page or the run says so
    assert run["titles_verified"] == run["titles_total"] or run["warnings"]


def test_stream_events_carry_real_tokens(llama_server):
    seen: list[events.Event] = []

    async def go():
        settings = Settings(endpoint=llama_server.endpoint, thinking=False, max_output_tokens=48, cache=False)
        async with LLMClient(settings, sink=seen.append) as client:
            return await client.chat(
                [{"role": "user", "content": "Name three colours."}], doc="d", purpose="smoke"
            )

    reply = asyncio.run(go())
    deltas = [e.text for e in seen if isinstance(e, events.AnswerDelta)]
    # the reply's text is the streamed answer, less the whitespace around it (a closing newline)
    assert len(deltas) > 3 and "".join(deltas).strip() == reply.text.strip() and reply.text.strip()
    started = next(e for e in seen if isinstance(e, events.CallStarted))
    finished = next(e for e in seen if isinstance(e, events.CallFinished))
    assert started.prompt_tokens > 0 and finished.outcome == "ok"
    assert finished.completion_tokens > 0 and finished.ttft is not None and finished.ttft <= finished.seconds


def test_server_killed_mid_run_then_rerun_reuses_cache(tmp_path):
    port = free_port()
    cache = ResponseCache(tmp_path / "cache")
    settings = Settings(
        thinking=False,
        max_output_tokens=96,
        max_retries=1,
        concurrency=1,
        if_add_node_summary=True,
        request_timeout=60,
        server_wait=0,  # fail at once, as before calls waited for a server that went away
    )
    doc = tmp_path / "long.md"
    doc.write_text(long_markdown(sections=5))
    out = tmp_path / "out"
    server = local_server(port=port, parallel=1, context=4096).start()
    try:
        settings = settings.with_values("test", endpoint=server.endpoint)
        first: list[events.Event] = []

        def kill_after_two(event: events.Event) -> None:
            first.append(event)
            done = [e for e in first if isinstance(e, events.CallFinished) and e.outcome == "ok"]
            if len(done) == 2 and server.process is not None:
                server.kill()

        async def run(sink: events.EventSink):
            async with Indexer(settings, out, sink=sink, cache=cache) as indexer:
                return await indexer.index(doc)

        result = asyncio.run(run(kill_after_two))
        assert not result.ok and result.partial is not None and result.partial.reason == "server"
        assert "127.0.0.1" in result.error or "server" in result.error.lower()
        # The headings were the structure: the tree and the finished summaries are kept, whole, as a
        # partial index (never under the finished index's name); no failure discards them.
        assert not [e for e in first if isinstance(e, events.DocumentFailed)]
        kept = [e for e in first if isinstance(e, events.DocumentPartial)]
        assert kept and kept[0].run.partial == result.partial and result.partial.done >= 2
        written = sorted(p.name for p in out.iterdir())
        assert written == ["long_run.partial.json", "long_structure.partial.json"]

        server = local_server(port=port, parallel=1, context=4096).start()
        second: list[events.Event] = []
        result = asyncio.run(run(second.append))
        assert result.ok, result.error
        cached = [e for e in second if isinstance(e, events.CallFinished) and e.outcome == "cached"]
        assert len(cached) >= 2
        check_pageindex_json(json.loads(result.structure_path.read_text()), markdown=True)
    finally:
        server.stop()


def test_server_down_is_a_clear_error(tmp_path):
    async def go():
        settings = Settings(endpoint=f"http://127.0.0.1:{free_port()}/v1", max_retries=0)
        async with LLMClient(settings) as client:
            await client.connect()

    with pytest.raises(ServerUnavailable) as err:
        asyncio.run(go())
    assert "127.0.0.1" in str(err.value) and err.value.hint


def long_markdown(sections: int) -> str:
    """Sections long enough (about 300 tokens) that each summary needs a model call."""
    topics = ["storage", "networking", "scheduling", "monitoring", "billing", "security", "backups"]
    parts = ["# Operations Notes\n"]
    for i in range(sections):
        topic = topics[i % len(topics)]
        sentences = " ".join(
            f"Rule {j} of {topic}: the team reviews {topic} item {j} weekly and records figure {i * 100 + j}."
            for j in range(20)
        )
        parts.append(f"## {i + 1} {topic.title()}\n\n{sentences}\n")
    return "\n".join(parts)


def _walk(nodes):
    for node in nodes:
        yield node
        yield from _walk(node.get("nodes", []))


def test_the_bound_starts_at_the_real_servers_slots(own_llama_server):
    """Issue 22, build 3: `--parallel 2` is what llama-server runs at once; the adaptive bound starts
    there (not at 8) and six calls never have more than two in flight."""
    limits: list[events.LimitChanged] = []
    in_flight = [0, 0]  # now, most
    settings = Settings(
        endpoint=own_llama_server.endpoint, thinking=False, max_output_tokens=16, cache=False, concurrency=0
    )

    def sink(event: events.Event) -> None:
        if isinstance(event, events.LimitChanged):
            limits.append(event)
        elif isinstance(event, events.CallStarted):
            in_flight[0] += 1
            in_flight[1] = max(in_flight)
        elif isinstance(event, events.CallFinished):
            in_flight[0] -= 1

    async def go() -> None:
        async with LLMClient(settings, sink=sink) as client:
            hello = [{"role": "user", "content": "Say hello"}]
            await asyncio.gather(*(client.chat(hello, doc="d", purpose=f"n{i}") for i in range(6)))

    asyncio.run(go())
    assert (limits[0].limit, limits[0].reason) == (2, "the server's 2 slots")
    assert in_flight == [0, 2]
