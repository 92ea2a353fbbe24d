"""The log a run leaves (runlog.py), what counts as a document (formats.py) and where the app writes its
own files when not told (outputs.py)."""

from __future__ import annotations

from pathlib import Path

from pageindex_tui import formats
from pageindex_tui.index.pipeline import find_documents
from pageindex_tui.store import outputs
from pageindex_tui.store.records import (
    CallFigures,
    CallProblem,
    Provenance,
    RunRecord,
    RunWarning,
    ServerFacts,
)
from pageindex_tui.store.runlog import from_events, from_record, ocr_fact


def test_a_record_reads_as_sections_with_whole_texts():
    long_error = "cannot reach the model server at http://gpu-box:8000/v1 (connection refused) " * 4
    facts = Provenance(summaries_fallback=8, summaries_short_text=1, split_skipped=2)
    record = RunRecord(
        "report.pdf",
        "/d/report.pdf",
        nodes=12,
        structure_source="toc",
        llm=CallFigures(calls=10, cached_calls=1, failed_calls=2),
        server=ServerFacts("http://gpu-box:8000/v1", "llamacpp", "smol", 1024, "settings"),
        facts=facts,
        warnings=[
            RunWarning(
                "summary of 'A' fell back to its first sentences (a context overflow: ...)", "overflow"
            ),
            RunWarning("max_output_tokens = 4096 is not below context_length = 1024 tokens", "settings"),
            RunWarning("an old warning"),
        ],
        problems=[
            CallProblem("summarize 0003 A", "retry", long_error),
            CallProblem("summarize 0003 A", "error", long_error),
            CallProblem("find sections", "invalid", "not JSON"),
        ],
        problems_dropped=5,
    )
    log = from_record("report.pdf", record)
    titles = [title for title, _entries in log.sections()]
    assert titles == [
        "Failed",
        "Context overflows",
        "Retried calls",
        "Settings that do not work together",
        "Other warnings",
    ]
    by_title = dict(log.sections())
    assert by_title["Failed"][0].text == long_error and by_title["Failed"][0].where == "summarize 0003 A"
    assert [e.text for e in by_title["Retried calls"]] == [
        long_error,
        "invalid reply: not JSON",
        "... and 5 more calls that were retried or failed",
    ]
    assert "8 summaries fell back to their text's first sentences" in log.facts
    assert "1 node was short enough to be its own summary" in log.facts  # one: said in the singular
    assert "2 large sections could not be split" in log.facts
    assert any("context 1,024 tokens (settings)" in fact for fact in log.facts)
    assert log.warnings == 3


def test_the_log_says_which_pages_ocr_read_by_which_engine_and_how_long_it_took():
    facts = Provenance(
        ocr_engine="tesseract",
        ocr_pages=[1, 2, 3, 4, 7],
        ocr_cached=1,
        ocr_failed=[7],
        ocr_seconds=6.4,
        ocr_page_seconds=[1.2, 0.0, 2.5, 1.1, 1.6],
    )
    log = from_record("scan.pdf", RunRecord("scan.pdf", "/d/scan.pdf", facts=facts))
    assert (
        "5 scanned pages (1-4, 7) read by tesseract, 1 from the cache, 1 unreadable (7), 6.4 s "
        "(slowest: page 3, 2.5 s)"
    ) in log.facts
    born = from_record("born.pdf", RunRecord("born.pdf", "/d/born.pdf"))
    assert not any("scanned" in fact for fact in born.facts)
    old = Provenance(ocr_engine="tesseract", ocr_pages=[2], ocr_seconds=1.0)  # no seconds per page
    assert ocr_fact(old) == "1 scanned page (2) read by tesseract, 1.0 s"


def test_a_failed_run_logs_its_failure_first():
    log = from_events(
        "a.pdf", [RunWarning("w", "fallback")], [], ("the server went away", "start it"), "failed"
    )
    sections = log.sections()
    assert sections[0][0] == "Failed" and sections[0][1][0].text == "the server went away\nstart it"
    assert sections[1][0].startswith("Fallbacks") and log.facts == ["failed"]


def test_our_outputs_and_hidden_files_are_never_documents(tmp_path):
    docs = tmp_path / "docs"
    (docs / "results").mkdir(parents=True)
    (docs / ".cache").mkdir()
    for name in (
        "a.pdf",
        "notes.md",
        "b.MARKDOWN",
        "results/a_outline.md",
        ".cache/x.md",
        "results/a_run.json",
    ):
        (docs / name).write_text("x")
    (docs / "notes_OUTLINE.md").write_text("x")
    found = [p.relative_to(docs).as_posix() for p in find_documents(docs)]
    assert found == ["a.pdf", "b.MARKDOWN", "notes.md"]
    assert formats.is_our_output("x_structure.json") and not formats.is_document(docs / "a_outline.md")
    assert formats.is_document(docs / "a.pdf", docs) and not formats.is_document(docs / ".cache/x.md", docs)


def test_the_export_folder_is_never_inside_the_watched_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    docs = tmp_path / "docs"
    docs.mkdir()
    assert outputs.export_folder(docs, cwd=tmp_path) == tmp_path / "results"  # beside, not inside
    inside = outputs.export_folder(docs, cwd=docs)
    assert not outputs.inside(inside, docs) and inside.name == "pageindex-tui"
    home = tmp_path / "home"  # watching the whole home: the data folder's exports/ is the last resort
    assert outputs.export_folder(tmp_path, cwd=tmp_path) == Path(
        tmp_path / "data" / "pageindex-tui" / "exports"
    )
    assert outputs.screenshot_folder(docs, cwd=tmp_path) == tmp_path / "results"  # no ~/Downloads here
    (home / "Downloads").mkdir(parents=True)
    assert outputs.screenshot_folder(docs, cwd=tmp_path) == home / "Downloads"
