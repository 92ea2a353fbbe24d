"""A scanned PDF through the CLI against the real llama-server: Tesseract reads the pages, the model
summarises the recognised text."""

from __future__ import annotations

import json
import shutil

import pytest

from .schema import check_pageindex_json
from .test_real_server import FAST, run_cli

pytestmark = pytest.mark.integration


def test_a_scanned_pdf_is_read_and_summarised(llama_server, tmp_path):
    if shutil.which("tesseract") is None:
        pytest.skip("tesseract-ocr not installed (apt-get install tesseract-ocr)")
    from scangen import SECTIONS, make_scanned_copy

    pdf = make_scanned_copy(tmp_path)
    out = tmp_path / "results"
    proc = run_cli(
        "index", str(pdf), "--out", str(out), "--endpoint", llama_server.endpoint, *FAST, cwd=tmp_path
    )
    assert proc.returncode == 0, proc.stderr
    data = json.loads((out / f"{pdf.stem}_structure.json").read_text())
    check_pageindex_json(data, pages=3)
    assert [node["title"] for node in data["structure"]] == SECTIONS
    assert all(node.get("summary", "").strip() for node in data["structure"])  # from the recognised text
    run = json.loads((out / f"{pdf.stem}_run.json").read_text())
    assert run["facts"]["ocr_engine"] == "tesseract" and run["facts"]["ocr_pages"] == [1, 2, 3]
