"""The typed run record: the file it writes reads back to the same record, and older files still load."""

from __future__ import annotations

import json

import pytest

from pageindex_tui.errors import DamagedFile
from pageindex_tui.store.records import (
    CallFigures,
    CallProblem,
    NodeOrigin,
    NodeOrigins,
    Provenance,
    RunRecord,
    RunWarning,
    ServerFacts,
)


def full_record() -> RunRecord:
    facts = Provenance(toc_pages=[2, 3], toc_parsed_by="rules", mapped_by="offset", page_offset=None)
    facts.add("split_skipped")
    facts.add("split_skipped")
    return RunRecord(
        doc_name="report.pdf",
        path="/docs/report.pdf",
        unit="pages",
        size=12,
        tool="pageindex-tui 0",
        finished_at="2026-01-01T00:00:00+00:00",
        structure_source="toc",
        titles_verified=4,
        titles_total=5,
        nodes=6,
        depth=2,
        structure_calls=1,
        origins=NodeOrigins(
            [NodeOrigin("0000", "Intro", "contents", 0.9), NodeOrigin("0001", "A", "pages", 1.0)]
        ),
        llm=CallFigures(
            calls=3, cached_calls=1, prompt_tokens=100, completion_tokens=20, ttft_seconds_mean=0.5
        ),
        server=ServerFacts("http://h/v1", "vllm", "m", 8192, "server"),
        settings={"model": "m", "thinking": True},
        facts=facts,
        warnings=[RunWarning("one"), RunWarning("summary of 'A' fell back", "fallback")],
        problems=[CallProblem("summarize 0001 A", "retry", "cannot reach the model server at http://h/v1")],
        problems_dropped=2,
        wall_seconds=1.5,
    )


def test_round_trip_through_json():
    record = full_record()
    data = json.loads(json.dumps(record.to_dict()))
    assert RunRecord.from_dict(data) == record
    assert data["pages"] == 12 and "lines" not in data
    assert data["warnings"] == ["one", "summary of 'A' fell back"]  # the file keeps its plain list
    assert data["warning_kinds"] == ["other", "fallback"] and data["call_problems_dropped"] == 2
    assert data["provenance"]["by_source"] == {"contents": 1, "pages": 1}
    assert data["facts"] == {
        "toc_pages": [2, 3],
        "toc_parsed_by": "rules",
        "mapped_by": "offset",
        "page_offset": None,
        "split_skipped": 2,
    }


def test_markdown_record_writes_lines():
    record = RunRecord("notes", "/n.md", unit="lines", size=40)
    data = record.to_dict()
    assert data["lines"] == 40 and "pages" not in data and data["server"] is None
    assert RunRecord.from_dict(data) == record


def test_the_written_file_reads_back_unchanged(tmp_path):
    """A run.json as the engine writes it: record -> file -> record -> the same file."""
    from pdfgen import make_outline_pdf

    from pageindex_tui.cli.main import main

    pdf = make_outline_pdf(tmp_path)
    out = tmp_path / "out"
    assert main(["index", str(pdf), "--if-add-node-summary", "no", "-q", "--out", str(out)]) == 0
    data = json.loads((out / f"{pdf.stem}_run.json").read_text())
    assert RunRecord.from_dict(data).to_dict() == data


def test_old_files_missing_fields_still_load():
    old = {"doc_name": "a.pdf", "pages": 3, "nodes": 4, "llm": {"calls": 2, "unknown": 1}, "facts": None}
    record = RunRecord.from_dict(old)
    assert (record.doc_name, record.size, record.nodes, record.llm.calls) == ("a.pdf", 3, 4, 2)
    assert record.facts == Provenance() and record.server is None and record.warnings == []
    assert record.problems == [] and record.problems_dropped == 0


def test_ocr_seconds_per_page_read_back_and_old_records_without_them_load():
    facts = Provenance(ocr_engine="tesseract", ocr_pages=[2, 3], ocr_page_seconds=[1.25, 0.0])
    data = RunRecord("scan.pdf", "/d/scan.pdf", facts=facts).to_dict()
    assert data["facts"]["ocr_page_seconds"] == [1.25, 0.0]
    assert RunRecord.from_dict(data).facts.ocr_page_seconds == [1.25, 0.0]
    del data["facts"]["ocr_page_seconds"]  # a record written before pages were timed
    assert RunRecord.from_dict(data).facts.ocr_page_seconds is None


def test_warnings_without_kinds_load_and_unknown_kinds_read_as_other():
    data = {"warnings": ["a", "b"], "warning_kinds": ["overflow", "nonsense"]}
    record = RunRecord.from_dict(data)
    assert record.warnings == [RunWarning("a", "overflow"), RunWarning("b", "other")]
    assert RunRecord.from_dict({"warnings": ["old"]}).warnings == [RunWarning("old", "other")]


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ("not a record", "the record"),
        ({"nodes": "4"}, "nodes"),
        ({"wall_seconds": [1]}, "wall_seconds"),
        ({"pages": float("inf")}, "pages"),
        ({"call_problems": [1]}, "call_problems[0]"),
        ({"call_problems": [{"outcome": "ok"}]}, "call_problems[0].outcome"),
        ({"llm": {"calls": "x"}}, "llm.calls"),
        ({"facts": {"toc_pages": [1, "b"]}}, "facts.toc_pages[1]"),
        ({"facts": {"ocr_page_seconds": [1.5, "slow"]}}, "facts.ocr_page_seconds[1]"),
        ({"facts": {"layout_rejected": {"a": "x"}}}, "facts.layout_rejected.a"),
        ({"provenance": {"nodes": [{"confidence": "high"}]}}, "provenance.nodes[0].confidence"),
        ({"partial": {"stage": "summarize", "done": -1}}, "partial.done"),
        ({"partial": {"stage": "later", "done": 1}}, "partial.stage"),
        ({"warnings": "many"}, "warnings"),
    ],
)
def test_a_damaged_field_is_refused_naming_it(data, field):
    with pytest.raises(DamagedFile) as caught:
        RunRecord.from_dict(data)
    assert caught.value.field == field
