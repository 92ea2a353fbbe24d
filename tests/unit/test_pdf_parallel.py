"""A long document's pages read by worker processes give exactly the lines one process reads."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from fpdf import FPDF
from pdfgen import make_encrypted_pdf

from pageindex_tui.document import open_pdf
from pageindex_tui.document import parallel as parallel_module


def _long_pdf(path: Path, pages: int = 120) -> Path:
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(False)
    for page in range(1, pages + 1):
        pdf.add_page()
        if page % 6 == 1:
            pdf.set_font("Helvetica", "B", 15)
            pdf.cell(0, 10, f"{page // 6 + 1} Chapter {page // 6 + 1}", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", size=10)
        for k in range(20):
            pdf.cell(
                0, 5.5, f"Page {page} line {k}: body text of a long report.", new_x="LMARGIN", new_y="NEXT"
            )
    pdf.output(str(path))
    return path


@pytest.fixture
def two_workers(monkeypatch):
    monkeypatch.setattr(parallel_module, "workers_for", lambda pages: 2 if pages >= 2 else 1)


def test_workers_read_the_same_lines_as_this_process(tmp_path, two_workers):
    path = _long_pdf(tmp_path / "long.pdf")
    serial = open_pdf(path)
    expected = [serial.page_lines(p) for p in range(1, serial.page_count + 1)]
    doc = open_pdf(path)
    doc.prefetch(range(1, doc.page_count + 1))
    assert len(doc._lines) == doc.page_count  # all read up front, by this process and a worker
    assert [doc.page_lines(p) for p in range(1, doc.page_count + 1)] == expected
    assert doc.page_text(7) == serial.page_text(7)
    assert not doc.warnings


def test_an_encrypted_document_is_read_by_workers_with_its_password(tmp_path, two_workers):
    path = make_encrypted_pdf(tmp_path, user_password="pw")
    doc = open_pdf(path, password="pw")
    serial = open_pdf(path, password="pw")
    doc.prefetch(range(1, doc.page_count + 1))
    assert doc.page_lines(1) == serial.page_lines(1)
    assert not doc.warnings


def test_a_worker_that_fails_loses_only_its_pages_and_pypdf_stands_in(tmp_path, two_workers, monkeypatch):
    path = _long_pdf(tmp_path / "long.pdf", pages=60)
    serial = open_pdf(path)
    doc = open_pdf(path)
    monkeypatch.setattr(sys, "executable", "/bin/false")  # the worker cannot even start python
    monkeypatch.setattr(parallel_module, "HEAD_START", 0)
    doc.prefetch(range(1, 31))  # pages 2-16 read here, 17-30 by the worker
    assert doc.page_lines(20) is None  # pdfium's lines are lost for that run...
    assert "Page 20 line 0" in doc.page_text(20)  # ...but the text comes from pypdf, as for any bad page
    assert doc.warnings == [
        "14 pages from 17 to 30: layout could not be read "
        "(the worker reading pages 17-30 failed (exit status 1))"
    ]
    assert doc.page_lines(3) == serial.page_lines(3)  # this process's own run is read
    assert doc.page_lines(40) == serial.page_lines(40)  # pages outside the failed runs read as usual


def test_few_pages_or_one_cpu_are_read_here(tmp_path, monkeypatch):
    assert parallel_module.workers_for(10) == 1
    monkeypatch.setattr(parallel_module.os, "sched_getaffinity", lambda pid: {0})
    assert parallel_module.workers_for(10_000) == 1
    path = _long_pdf(tmp_path / "long.pdf", pages=60)
    doc = open_pdf(path)
    before = set(doc._lines)  # the pages opening sampled for a text layer
    doc.prefetch(range(1, 61))
    assert set(doc._lines) == before  # nothing read up front: pages are read on demand in this process
