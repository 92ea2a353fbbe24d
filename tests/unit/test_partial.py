"""Partial indexes: an outage or a cancel after the structure is known keeps the tree and the finished
summaries (in the library, atomically, with the run record saying how far it got); indexing again
resumes it and asks only for what is missing. Through the real job service and engine, against a
loopback fake of vLLM whose summaries fail after a number of answers."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from fakes import FakeVLLM as Fake
from fakes import Outage

from pageindex_tui import events
from pageindex_tui.cli.main import main
from pageindex_tui.index.partial import partial_paths, read_resume
from pageindex_tui.jobs.service import JobService, JobUpdate
from pageindex_tui.settings import Settings
from pageindex_tui.store.cache import ResponseCache
from pageindex_tui.store.library import Library
from pageindex_tui.store.records import PartialState, RunRecord

SECTION = "word " * 300  # long enough to need a model summary
PARTS = 5
TEXT = "# Guide\n\nIntro.\n\n" + "".join(f"## Part {n}\n\n{SECTION}\n\n" for n in range(1, PARTS + 1))
NODES = PARTS + 1  # the guide (its own text is short: it is its own summary) and its parts (the model's)


def document(tmp_path: Path) -> Path:
    path = tmp_path / "docs" / "guide.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(TEXT, encoding="utf-8")
    return path


def settings_for(fake: Fake, **values) -> Settings:
    values = {"thinking": False, "max_retries": 0, "concurrency": 1} | values
    return Settings(endpoint=fake.base_url, **values)


def run_job(library: Library, path: Path, settings: Settings, force: bool = False):
    seen: list[events.Event] = []

    async def go():
        async with JobService(library, sink=seen.append, cache=ResponseCache(enabled=False)) as jobs:
            return await jobs.run(path, settings, force)

    return asyncio.run(go()), seen


def summaries(data: dict) -> dict[str, str | None]:
    """Each node's summary by node id. By id, not in a list: the summary calls end in whatever order the
    server answers them, so which nodes an outage leaves without one is not the tree's first ones."""
    out: dict[str, str | None] = {}

    def walk(items: list[dict]) -> None:
        for item in items:
            out[item["node_id"]] = item.get("summary", item.get("prefix_summary"))
            walk(item.get("nodes") or [])

    walk(data["structure"])
    return out


def test_an_outage_mid_summaries_keeps_a_partial_index_and_indexing_again_resumes_it(tmp_path):
    path, library = document(tmp_path), Library(tmp_path / "library")
    model = Outage(budget=3)
    with Fake(default=model) as fake:
        settings = settings_for(fake)
        result, seen = run_job(library, path, settings)

        # What was known is kept, said to be partial, and reported as such (not as a failure).
        assert not result.ok and result.partial is not None and result.kind == "server"
        error, hint = result.partial.error, result.partial.hint
        assert result.partial == PartialState("summarize", 4, NODES, "server", error, hint)
        assert "going away" in result.partial.error and "partial: 4/6 summaries" in result.error
        assert not any(isinstance(e, events.DocumentFailed) for e in seen)
        kept = [e for e in seen if isinstance(e, events.DocumentPartial)]
        assert len(kept) == 1 and kept[0].run.partial == result.partial
        updates = [e for e in seen if isinstance(e, JobUpdate)]
        assert [u.state for u in updates] == ["started", "partial"]
        entry = updates[-1].entry
        assert entry is not None and entry.partial == result.partial and entry.nodes == NODES
        # Each finished summary was reported as its call ended, and is in the partial file.
        done = [e for e in seen if isinstance(e, events.NodeSummarized)]
        data = json.loads(entry.structure_path.read_text())
        kept_summaries = {node: text for node, text in summaries(data).items() if text}
        assert len(done) == 4 and kept_summaries == {e.node_id: e.summary for e in done}
        assert len(summaries(data)) == NODES and list(summaries(data).values()).count(None) == NODES - 4
        # The library never takes it for a finished index; its files are whole (no temp files left).
        digest = library.digest(path)
        assert library.find(digest, settings) is None and library.find(digest) is None
        assert library.find_partial(digest, settings) is not None
        assert library.best(path, settings)[0].partial is not None
        assert not list(library.root.rglob("*.tmp"))
        assert RunRecord.from_dict(json.loads(entry.run_path.read_text())).partial == result.partial

        # The server is back: indexing again asks only for the missing summaries.
        model.up, asked = True, len(model.asked)
        resumed, seen = run_job(library, path, settings)
        assert resumed.ok, resumed.error
        assert len(model.asked) - asked == NODES - 4
        assert resumed.run.resumed == "partial: 4/6 summaries" and resumed.run.partial is None
        final = json.loads(resumed.structure_path.read_text())
        assert all(summaries(final).values())
        # the kept summaries stay as they were; only the missing ones are asked for, each once
        assert {node: summaries(final)[node] for node in kept_summaries} == kept_summaries
        resumed_nodes = {e.node_id for e in seen if isinstance(e, events.NodeSummarized)}
        assert resumed_nodes == set(summaries(final)) - set(kept_summaries)
        assert len([e for e in seen if isinstance(e, events.NodeSummarized)]) == NODES - 4
        assert [e.state for e in seen if isinstance(e, JobUpdate)] == ["started", "finished"]
        assert library.find(digest, settings) is not None
        assert library.find_partial(digest, settings) is None  # the finished index replaced it
        assert not (entry.folder).exists()


def test_a_cancel_mid_summaries_keeps_a_partial_index(tmp_path):
    path, library = document(tmp_path), Library(tmp_path / "library")
    model = Outage(budget=2, hold=True)  # the third summary never arrives
    with Fake(default=model) as fake:
        settings = settings_for(fake)
        seen: list[events.Event] = []

        async def go():
            async with JobService(library, sink=seen.append, cache=ResponseCache(enabled=False)) as jobs:
                task = asyncio.ensure_future(jobs.run(path, settings))
                while len(model.asked) < 3:
                    await asyncio.sleep(0.02)
                task.cancel()
                with pytest.raises(asyncio.CancelledError):
                    await task

        asyncio.run(go())
    cancelled = [e for e in seen if isinstance(e, JobUpdate) and e.state == "cancelled"]
    assert len(cancelled) == 1 and cancelled[0].entry is not None
    partial = cancelled[0].entry.partial
    assert partial is not None and partial.reason == "cancelled" and (partial.done, partial.total) == (3, 6)
    assert partial.describe() == "partial: 3/6 summaries" and partial.why() == "cancelled"
    assert next(e for e in seen if isinstance(e, events.DocumentPartial)).run.partial == partial
    assert library.find_partial(library.digest(path), settings) is not None
    assert not list(library.root.rglob("*.tmp")) and not list((library.root / "staging").glob("*"))


def test_force_starts_afresh_and_other_settings_do_not_resume(tmp_path):
    path, library = document(tmp_path), Library(tmp_path / "library")
    model = Outage(budget=2)
    with Fake(default=model) as fake:
        settings = settings_for(fake)
        assert run_job(library, path, settings)[0].partial is not None
        model.up = True
        other = settings.with_values("test", max_output_tokens=300)  # another tree: not this partial
        before = len(model.asked)
        assert run_job(library, path, other)[0].ok
        assert len(model.asked) - before == PARTS
        before = len(model.asked)
        forced, _ = run_job(library, path, settings, force=True)
        assert forced.ok and not forced.run.resumed and len(model.asked) - before == PARTS


def test_a_partial_index_whose_tree_does_not_fit_is_not_resumed(tmp_path):
    path, library = document(tmp_path), Library(tmp_path / "library")
    model = Outage(budget=1)
    with Fake(default=model) as fake:
        settings = settings_for(fake)
        assert run_job(library, path, settings)[0].partial is not None
        entry = library.find_partial(library.digest(path), settings)
        resume = read_resume(entry.structure_path, entry.run_path)
        assert resume is not None and resume.fits(TEXT.count("\n") + 1)  # the document's lines
        assert not resume.fits(3)  # a tree past the document's end is not this document's
        entry.structure_path.write_text("{damaged")
        assert read_resume(entry.structure_path, entry.run_path) is None
        model.up = True
        before = len(model.asked)
        again, _ = run_job(library, path, settings)
        assert again.ok and not again.run.resumed and len(model.asked) - before == PARTS


def test_cli_index_says_what_was_kept_and_where_and_resumes(tmp_path, capsys):
    path = document(tmp_path)
    out = tmp_path / "out"
    model = Outage(budget=4)
    with Fake(default=model) as fake:
        common = ["--endpoint", fake.base_url, "--thinking", "no", "--retries", "0", "--concurrency", "1"]
        code = main(["index", str(path), *common, "-q", "--out", str(out)])
        printed = capsys.readouterr().out
        assert code == 1, printed
        assert "PART" in printed and "partial: 5/6 summaries" in printed and "going away" in printed
        kept = out / "guide_structure.partial.json"
        assert str(kept) in " ".join(printed.split()) and "index it again to resume" in printed
        written = sorted(p.name for p in out.iterdir())
        assert written == ["guide_run.partial.json", "guide_structure.partial.json"]
        assert partial_paths((out / "guide_structure.json", out / "guide_run.json"))[0] == kept

        model.up = True
        before = len(model.asked)
        assert main(["index", str(path), *common, "-q", "--out", str(out)]) == 0
        assert "ok" in capsys.readouterr().out and len(model.asked) - before == 1
        assert sorted(p.name for p in out.iterdir()) == ["guide_run.json", "guide_structure.json"]
        assert json.loads((out / "guide_run.json").read_text())["resumed"] == "partial: 5/6 summaries"


def test_a_server_down_from_the_start_keeps_the_declared_tree(tmp_path):
    """The structure needs no model (the document's own headings): with the server gone it is kept."""
    from pageindex_tui.local.server import free_port

    path, library = document(tmp_path), Library(tmp_path / "library")
    settings = Settings(endpoint=f"http://127.0.0.1:{free_port()}/v1", max_retries=0)
    result, seen = run_job(library, path, settings)
    assert result.partial is not None and (result.partial.done, result.partial.total) == (1, NODES)
    assert "cannot reach" in result.error and result.hint
    assert any(isinstance(e, events.DocumentPartial) for e in seen)


def test_sections_only_the_model_can_find_wait_for_it_under_page_groups(tmp_path):
    """No outline, no contents, no heading in the layout, and no server: the document still gets a tree
    (page groups, kept as a partial index whose stage is "structure"); with a server, the next run
    indexes it afresh and the model finds its sections."""
    from fakes import smart_model
    from pdfgen import make_plain_pdf

    from pageindex_tui.local.server import free_port

    path, library = make_plain_pdf(tmp_path / "docs"), Library(tmp_path / "library")
    values = {"max_retries": 0, "if_add_node_summary": False, "thinking": False}
    down = Settings(endpoint=f"http://127.0.0.1:{free_port()}/v1", **values)
    result, seen = run_job(library, path, down)
    assert not any(isinstance(e, events.DocumentFailed) for e in seen)
    assert result.partial is not None and result.partial.stage == "structure" and result.kind == "server"
    assert result.error.startswith("partial: sections wait for the model, stopped: the sections of plain.pdf")
    assert "cannot reach" in result.error and result.hint
    assert result.result is not None and [n.title for n in result.result.nodes] == ["Pages 1-6"]
    assert result.run is not None and result.run.structure_source == "pages"
    assert [o.source for o in result.run.origins.nodes] == ["pages"]
    assert any("page groups stand in" in w.message for w in result.run.warnings)
    digest = library.digest(path)
    assert library.find(digest, down) is None and library.find_partial(digest, down) is not None
    resume = read_resume(result.structure_path, result.run_path)
    assert resume is not None and not resume.fits(6)  # page groups are no structure to go on from

    with Fake(default=smart_model) as fake:
        again, _ = run_job(library, path, Settings(endpoint=fake.base_url, **values))
    assert again.ok, again.error
    assert again.run.structure_source == "model" and again.run.resumed == ""
    assert [n.title for n in again.result.nodes] == ["Overview", "Details", "Summary"]
    assert library.find_partial(digest, down) is None  # the finished index replaced the stand-in


def test_partial_state_in_the_run_record_round_trips_and_old_records_have_none():
    state = PartialState("summarize", 8, 12, "server", "cannot reach the model server", "is it running?")
    record = RunRecord("a.pdf", "/a.pdf", partial=state, resumed="")
    data = json.loads(json.dumps(record.to_dict()))
    assert data["partial"]["done"] == 8 and "resumed" not in data
    assert RunRecord.from_dict(data).partial == state
    assert RunRecord.from_dict({"doc_name": "old"}).partial is None
    assert "partial" not in RunRecord("a.pdf", "/a.pdf").to_dict()
    assert state.describe() == "partial: 8/12 summaries"
    assert PartialState("describe", 12, 12, "cancelled").describe() == "partial: no document description yet"
    assert PartialState("structure", 0, 0, "server").describe() == "partial: sections wait for the model"


def test_an_export_of_an_unfinished_tree_says_what_it_lacks():
    from pageindex_tui.export import markdown_outline, result_json
    from pageindex_tui.tree import Tree, TreeNode

    nodes = (TreeNode("One", 1, 2, "0000", "About one."), TreeNode("Two", 3, 4, "0001"))
    tree = Tree("a.pdf", "page", nodes)
    note = "indexing is still running (summarizing 1/2)"
    data = json.loads(result_json(tree, partial=note))
    assert data["partial"] == note and data["structure"][0]["summary"] == "About one."
    assert "partial" not in json.loads(result_json(tree))
    outline = markdown_outline(tree, partial=note)
    assert outline.splitlines()[2] == f"*Partial index: {note}.*"
    assert "Partial" not in markdown_outline(tree)
