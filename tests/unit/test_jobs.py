"""The job service both front ends use: reuse of saved indexes, --force, the queue, export."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from pathlib import Path

import pytest
from fakes import FakeVLLM, Script, smart_model
from pdfgen import make_outline_pdf, make_plain_pdf

from pageindex_tui import events
from pageindex_tui.cli.main import main
from pageindex_tui.jobs.service import JobService, JobUpdate
from pageindex_tui.local.server import free_port
from pageindex_tui.settings import Settings
from pageindex_tui.store.cache import ResponseCache
from pageindex_tui.store.library import Library
from pageindex_tui.ui.jobqueue import JobQueue

GUIDE = "# Guide\n\nIntro.\n\n## Part One\n\n" + "one " * 300 + "\n\n## Part Two\n\n" + "two " * 300 + "\n"


def no_server() -> str:
    return f"http://127.0.0.1:{free_port()}/v1"


def wait_until(predicate, what: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


# -- `pageindex-tui index`: reuse and --force ---------------------------------------------------------
def test_index_reuses_a_saved_index_unless_forced(tmp_path, capsys):
    doc = tmp_path / "guide.md"
    doc.write_text(GUIDE, encoding="utf-8")
    out = tmp_path / "out"
    with FakeVLLM(default=smart_model) as fake:
        common = ["--endpoint", fake.base_url, "--no-cache", "-q", "--out", str(out)]
        assert main(["index", str(doc), *common]) == 0
        first = capsys.readouterr().out
        calls = len(fake.requests)
        assert calls > 0 and "reused" not in first
        written = (out / "guide_structure.json").read_text()
        (out / "guide_structure.json").unlink()

        assert main(["index", str(doc), *common]) == 0
        second = capsys.readouterr().out
        assert "reused the saved index" in second and len(fake.requests) == calls
        assert (out / "guide_structure.json").read_text() == written  # the saved copy, in --out again
        assert json.loads((out / "guide_run.json").read_text())["nodes"] == 3

        assert main(["index", str(doc), *common, "--force"]) == 0
        forced = capsys.readouterr().out
        assert "reused" not in forced and len(fake.requests) > calls


def test_changed_content_or_tree_settings_are_indexed_afresh(tmp_path, capsys):
    pdf = make_outline_pdf(tmp_path)
    common = ["--endpoint", no_server(), "--if-add-node-summary", "no", "-q", "--out", str(tmp_path / "o")]
    assert main(["index", str(pdf), *common]) == 0
    assert "reused" not in capsys.readouterr().out
    assert main(["index", str(pdf), *common, "--if-add-node-id", "no"]) == 0  # another tree: not reused
    assert "reused" not in capsys.readouterr().out
    assert main(["index", str(pdf), *common, "--concurrency", "2"]) == 0  # speed only: reused
    assert "reused" in capsys.readouterr().out


def test_a_damaged_saved_index_is_indexed_again(tmp_path, capsys):
    pdf = make_outline_pdf(tmp_path)
    common = ["--endpoint", no_server(), "--if-add-node-summary", "no", "-q", "--out", str(tmp_path / "o")]
    assert main(["index", str(pdf), *common]) == 0
    entry = Library().lookup(pdf)
    assert entry is not None
    entry.structure_path.write_text("{not json")
    capsys.readouterr()
    assert main(["index", str(pdf), *common]) == 0
    assert "reused" not in capsys.readouterr().out
    assert json.loads(entry.structure_path.read_text())["structure"]


# -- `pageindex-tui export` -----------------------------------------------------------------------------
def test_export_a_saved_index_in_both_formats(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    pdf = make_outline_pdf(tmp_path)
    assert main(["index", str(pdf), "--endpoint", no_server(), "--if-add-node-summary", "no", "-q"]) == 0
    capsys.readouterr()

    assert main(["export", str(pdf)]) == 0
    exported = tmp_path / "results" / f"{pdf.stem}_structure.json"
    assert f"Exported PageIndex JSON to {exported.relative_to(tmp_path)}" in capsys.readouterr().out
    data = json.loads(exported.read_text())
    assert data["doc_name"] == pdf.name and data["structure"][0]["start_index"] == 1

    outline = tmp_path / "tree.md"
    assert main(["export", str(pdf), "-o", str(outline)]) == 0  # the format follows the suffix
    text = outline.read_text()
    assert text.startswith(f"# {pdf.name}\n") and "- 2.1 Data (pages 4-5) `0002`" in text
    capsys.readouterr()

    assert main(["export", str(exported), "--format", "markdown", "-o", "-"]) == 0
    assert capsys.readouterr().out == text
    assert not list(tmp_path.rglob(".*.tmp"))


def test_export_markdown_tree_from_a_structure_file(tmp_path, capsys):
    doc = tmp_path / "notes.md"
    doc.write_text("# Notes\n\n## A\n\ntext\n", encoding="utf-8")
    out = tmp_path / "o"
    assert (
        main(
            [
                "index",
                str(doc),
                "--endpoint",
                no_server(),
                "--if-add-node-summary",
                "no",
                "-q",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    target = tmp_path / "x" / "notes.md"
    assert main(["export", str(out / "notes_structure.json"), "--format", "markdown", "-o", str(target)]) == 0
    assert "- A (line 3)" in target.read_text()
    again = tmp_path / "again.json"
    assert main(["export", str(out / "notes_structure.json"), "-o", str(again)]) == 0
    assert json.loads(again.read_text())["line_count"] == 6


def test_export_errors_are_clear(tmp_path, capsys):
    assert main(["export", str(tmp_path / "missing.pdf")]) == 2
    assert "does not exist" in capsys.readouterr().err
    pdf = make_plain_pdf(tmp_path)
    assert main(["export", str(pdf)]) == 1
    err = capsys.readouterr().err
    assert "has no saved index" in err and "pageindex-tui index" in err
    bad = tmp_path / "bad_structure.json"
    bad.write_text("[1, 2]")
    assert main(["export", str(bad)]) == 2
    assert "not a sound PageIndex tree" in capsys.readouterr().err
    bad.write_text('{"doc_name": "x"}')
    assert main(["export", str(bad)]) == 2
    assert "no PageIndex tree" in capsys.readouterr().err
    good = tmp_path / "good_structure.json"
    good.write_text('{"doc_name": "x", "structure": []}')
    assert main(["export", str(good), "-o", str(tmp_path)]) == 2
    assert "is a folder" in capsys.readouterr().err


# -- the queue: submit, cancel, reuse, from another thread -----------------------------------------------
class LoopThread:
    """An event loop in a thread, as the app's engine runs one."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    def __enter__(self) -> asyncio.AbstractEventLoop:
        self.thread.start()
        return self.loop

    def __exit__(self, *exc: object) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)
        self.loop.close()


def states(seen: list[events.Event], doc: Path) -> list[str]:
    return [e.state for e in list(seen) if isinstance(e, JobUpdate) and e.doc == str(doc)]


def test_submit_reuse_and_force_through_the_queue(tmp_path):
    seen: list[events.Event] = []
    library = Library(tmp_path / "library")
    service = JobService(library, sink=seen.append, cache=ResponseCache(enabled=False))
    jobs = JobQueue(service)  # the app's queue over it
    pdf = make_outline_pdf(tmp_path / "docs")
    settings = Settings(endpoint=no_server(), if_add_node_summary=False, max_retries=0)
    assert jobs.submit(pdf, settings)  # before the loop is up: it waits
    assert not jobs.submit(pdf, settings)  # already queued
    assert jobs.busy() == [str(pdf)]
    with LoopThread() as loop:
        jobs.attach(loop)
        wait_until(lambda: "finished" in states(seen, pdf) and not jobs.busy(), "first run")
        entry = library.lookup(pdf, settings)
        assert entry is not None and entry.nodes == 5 and entry.structure_path.is_file()
        assert not list((tmp_path / "library" / "staging").glob("*.json"))  # moved, not copied
        assert jobs.submit(pdf, settings)
        wait_until(lambda: "reused" in states(seen, pdf) and not jobs.busy(), "reuse")
        finished = [e for e in seen if isinstance(e, events.DocumentFinished)]
        assert len(finished) == 1  # the reuse ran no engine
        assert jobs.submit(pdf, settings, force=True)
        wait_until(lambda: states(seen, pdf).count("finished") == 2 and not jobs.busy(), "forced run")
        asyncio.run_coroutine_threadsafe(service.aclose(), loop).result(timeout=10)
    runs = (
        ["queued", "started", "finished"],
        ["queued", "started", "reused"],
        ["queued", "started", "finished"],
    )
    assert states(seen, pdf) == [state for run in runs for state in run]


def test_cancel_a_running_job_and_a_failure_is_reported_once(tmp_path):
    seen: list[events.Event] = []
    library = Library(tmp_path / "library")
    service = JobService(library, sink=seen.append, cache=ResponseCache(enabled=False))
    jobs = JobQueue(service)  # the app's queue over it
    plain = make_plain_pdf(tmp_path / "docs")
    missing = tmp_path / "docs" / "gone.md"
    slow = lambda body: Script(reasoning="thinking", answer="{}", delay=30)  # noqa: E731
    with FakeVLLM(default=slow, chunk=1) as fake, LoopThread() as loop:
        jobs.attach(loop)
        settings = Settings(endpoint=fake.base_url)
        assert jobs.submit(plain, settings)
        assert jobs.submit(missing, settings)
        wait_until(lambda: len(fake.requests) > 0, "a model call")
        assert jobs.is_busy(str(plain)) and not jobs.cancel(str(tmp_path / "other.pdf"))
        assert jobs.cancel(str(plain))
        wait_until(lambda: not jobs.busy(), "cancelled")
        asyncio.run_coroutine_threadsafe(service.aclose(), loop).result(timeout=10)
    assert states(seen, plain)[-1] == "cancelled"
    assert not list(library.root.rglob("entry.json"))
    failures = [e for e in seen if isinstance(e, events.DocumentFailed)]
    assert [f.doc for f in failures] == [str(missing)] and "cannot read gone.md" in failures[0].error
    assert states(seen, missing) == ["queued", "started"]  # no JobUpdate repeats the failure


def test_run_many_keeps_going_when_one_fails(tmp_path):
    good = make_outline_pdf(tmp_path)
    bad = tmp_path / "bad.md"
    bad.write_text("", encoding="utf-8")
    settings = Settings(endpoint=no_server(), if_add_node_summary=False, max_retries=0)

    async def go():
        async with JobService(Library(tmp_path / "lib"), cache=ResponseCache(enabled=False)) as jobs:
            return await jobs.run_many([good, bad], settings, tmp_path / "out")

    ok, failed = asyncio.run(go())
    assert ok.ok and not ok.reused and ok.structure_path == tmp_path / "out" / f"{good.stem}_structure.json"
    assert not failed.ok and failed.kind == "document" and "empty" in failed.error


@pytest.mark.parametrize("move", [True, False])
def test_a_library_that_cannot_be_written(tmp_path, move):
    """The app's jobs fail with a clear message; the CLI's keep their output and warn."""
    pdf = make_outline_pdf(tmp_path)
    root = tmp_path / "lib"
    root.mkdir()
    (root / "staging").mkdir()
    seen: list[events.Event] = []
    jobs = JobService(Library(root), sink=seen.append, cache=ResponseCache(enabled=False))
    settings = Settings(endpoint=no_server(), if_add_node_summary=False, max_retries=0)
    digest = Library(root).digest(pdf)
    (root / digest).write_text("a file where the folder should be")
    outputs = None if move else (tmp_path / "o" / "s.json", tmp_path / "o" / "r.json")

    async def go():
        async with jobs:
            return await jobs.run(pdf, settings, outputs=outputs)

    result = asyncio.run(go())
    if move:
        assert not result.ok and result.kind == "output" and "library" in result.error
    else:
        assert result.ok and (tmp_path / "o" / "s.json").is_file()
        assert any(
            isinstance(e, events.WarningEvent) and "not kept in the library" in e.message for e in seen
        )
