"""Scanned PDFs indexed end to end: the embedded engine (Tesseract) and a vision model on a fake vLLM."""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import subprocess
import threading

import pytest
from fakes import FakeVLLM, Script, error, smart_model
from pdfgen import _body_lines
from scangen import (
    SECTIONS,
    images_to_pdf,
    make_bold_headings_pdf,
    make_half_scanned,
    make_scanned_copy,
    page_images,
)
from test_pipeline import no_server, run_index

from pageindex_tui import events
from pageindex_tui.cli.main import main
from pageindex_tui.document.pdf import PdfDocument
from pageindex_tui.index.ocr_stage import ocr_source
from pageindex_tui.index.ocr_vision import data_url
from pageindex_tui.settings import Settings
from pageindex_tui.tree import Tree


@pytest.fixture(autouse=True)
def _own_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))  # recognised pages: this test's own


def titles(tree: Tree | None) -> list[str]:
    assert tree is not None
    return [node.title for node in tree.walk()]


@pytest.mark.usefixtures("tesseract")
def test_a_scanned_pdf_gets_its_headings_from_the_embedded_engine(tmp_path):
    path = make_scanned_copy(tmp_path)
    settings = Settings(endpoint=no_server(), if_add_node_summary=False, max_retries=0)
    result, seen = run_index(settings, path, tmp_path / "out")
    assert titles(result.result) == SECTIONS
    assert [n.start for n in result.result.nodes] == [1, 2, 3]
    facts = result.run.facts
    assert facts.ocr_engine == "tesseract" and facts.ocr_pages == [1, 2, 3] and facts.ocr_cached == 0
    assert result.run.structure_source == "layout"
    assert result.run.origins.by_source == {"ocr+layout": 3}  # the headings were read off recognised pages
    stages = [e.stage for e in seen if isinstance(e, events.StageProgress)]
    assert "ocr" in stages
    again, _seen = run_index(settings, path, tmp_path / "out2")  # the second run reads the OCR cache
    assert again.run.facts.ocr_cached == 3 and titles(again.result) == SECTIONS


@pytest.mark.usefixtures("tesseract")
def test_headings_set_apart_only_by_bold_are_found_in_a_scan(tmp_path):
    """Bold at the body's size: the stroke weight read off the page image makes them headings (with
    bold measured off, only the four of six that stand out otherwise were found)."""
    sections = ["1 Scope", "2 Budget", "3 Staffing", "4 Travel", "5 Training", "6 Reserves"]
    born = make_bold_headings_pdf(tmp_path, sections)
    scan = images_to_pdf(page_images(born), tmp_path / "scan.pdf")
    settings = Settings(endpoint=no_server(), if_add_node_summary=False, max_retries=0)
    result, _seen = run_index(settings, scan, tmp_path / "out")
    assert result.result is not None
    assert [(n.title, n.start) for n in result.result.walk()] == [
        (t, 1 + i // 2) for i, t in enumerate(sections)
    ]
    assert result.run.origins.by_source == {"ocr+layout": 6}


def test_a_node_says_when_its_heading_was_read_by_ocr():
    assert [ocr_source(s) for s in ("layout", "model", "split/layout", "outline", "contents", "pages")] == [
        "ocr+layout",
        "ocr+model",
        "split/ocr+layout",
        "outline",
        "contents",
        "pages",
    ]
    assert ocr_source("ocr+layout") == "ocr+layout"  # a resumed index's node says so already


@pytest.mark.usefixtures("tesseract")
def test_a_half_scanned_pdf_is_recognised_only_where_it_needs_it(tmp_path):
    settings = Settings(endpoint=no_server(), if_add_node_summary=False, max_retries=0)
    result, _seen = run_index(settings, make_half_scanned(tmp_path), tmp_path / "out")
    assert result.run.facts.ocr_pages == [2, 3]
    assert titles(result.result) == SECTIONS
    sources = [o.source for o in result.run.origins.nodes]
    assert sources == ["layout", "ocr+layout", "ocr+layout"]  # page 1 kept its text layer


def page_markdown(path) -> dict[str, str]:
    """Each page image's digest -> the text the fake vision model answers for it."""
    doc = PdfDocument(path, ocr=True)
    out = {}
    for number, title in enumerate(SECTIONS, 1):
        png = base64.b64decode(data_url(doc.render(number)).split(",", 1)[1])
        body = "\n".join(_body_lines(number, title.split(" ", 1)[1].lower(), 8))
        out[hashlib.sha256(png).hexdigest()] = f"# {title}\n\n{body}\n"
    return out


def vision_model(answers: dict[str, str]):
    def reply(body: dict) -> Script:
        content = body["messages"][-1]["content"]
        if isinstance(content, list):
            url = content[1]["image_url"]["url"]
            key = hashlib.sha256(base64.b64decode(url.split(",", 1)[1])).hexdigest()
            return Script(answer=answers.get(key, "(unknown page)"))
        return smart_model(body)

    return reply


def test_a_vision_model_reads_the_pages(tmp_path):
    path = make_scanned_copy(tmp_path)
    with FakeVLLM(default=vision_model(page_markdown(path)), vision=True, model="Qwen/Qwen2.5-VL-7B") as fake:
        fake.add(error(500, "a transient failure"))  # retried like every call
        settings = Settings(endpoint=fake.base_url, ocr_model="Qwen/Qwen2.5-VL-7B", if_add_node_summary=False)
        result, _seen = run_index(settings, path, tmp_path / "out")
        ocr_calls = [b for b in fake.requests if isinstance(b["messages"][-1]["content"], list)]
    assert titles(result.result) == SECTIONS, (result.run.structure_source, result.run.warnings)
    assert result.run.facts.ocr_engine == "vision:Qwen/Qwen2.5-VL-7B"
    assert len(ocr_calls) == 4  # one failed and was sent again
    assert len({hashlib.sha256(image).digest() for image in fake.images}) == 3  # three pages, one image each
    body = ocr_calls[-1]
    assert body["model"] == "Qwen/Qwen2.5-VL-7B"
    system, user = body["messages"]
    assert system["role"] == "system" and user["role"] == "user"
    text, image = user["content"]
    assert text["type"] == "text" and "heading" in text["text"]
    assert image["type"] == "image_url" and image["image_url"]["url"].startswith("data:image/png;base64,")
    assert result.run.llm.calls >= 3  # the OCR calls are counted with the document's


def test_a_text_only_model_refuses_images_and_the_document_says_so(tmp_path):
    path = make_scanned_copy(tmp_path)
    with FakeVLLM(default=smart_model) as fake:  # not a vision model: vLLM answers 400
        settings = Settings(endpoint=fake.base_url, ocr_model="Qwen/Qwen3-8B", max_retries=0)
        with pytest.raises(Exception) as err:
            run_index(settings, path, tmp_path / "out")
    assert "image" in str(err.value)


def test_one_scanned_pdf_through_the_cli_with_a_vision_model(tmp_path, capsys):
    path = make_scanned_copy(tmp_path)
    with FakeVLLM(default=vision_model(page_markdown(path)), vision=True) as fake:
        code = main(
            [
                "index",
                str(path),
                "--endpoint",
                fake.base_url,
                "--ocr-model",
                fake.model,
                "--if-add-node-summary",
                "no",
                "--out",
                str(tmp_path / "out"),
            ]
        )
    assert code == 0, capsys.readouterr()
    tree = json.loads((tmp_path / "out" / "scanned_copy_structure.json").read_text())
    assert [node["title"] for node in tree["structure"]] == SECTIONS
    record = json.loads((tmp_path / "out" / "scanned_copy_run.json").read_text())
    assert record["facts"]["ocr_pages"] == [1, 2, 3]


@pytest.mark.usefixtures("tesseract")
def test_a_page_scanned_upside_down_is_read_upright(tmp_path):
    from pageindex_tui.document.ocr_engine import EmbeddedRecognizer, turn_of

    image = PdfDocument(make_scanned_copy(tmp_path), ocr=True).render(2)
    upside_down = image.rotate(180)
    upside_down.info["dpi"] = image.info["dpi"]
    assert turn_of(upside_down) == 180
    lines = EmbeddedRecognizer().recognize(upside_down)
    assert lines[0].text == "2 Methods"


def test_the_embedded_engine_reads_pages_side_by_side(tmp_path, monkeypatch):
    """PAGES_AT_ONCE pages go to the engine together (one single-threaded process each): two pages of a
    window meet at a barrier, which a one-page-at-a-time reader would leave waiting until it breaks."""
    from pageindex_tui.document.ocr import OcrLine
    from pageindex_tui.document.ocr_engine import EmbeddedRecognizer
    from pageindex_tui.index import ocr_stage

    sections = ["1 Scope", "2 Budget", "3 Staffing", "4 Travel"]
    meet = threading.Barrier(2, timeout=60)

    pages = itertools.count(1)

    def recognize(self, image):
        meet.wait()  # both pages of the window are being read at once
        body = [
            OcrLine(
                f"Body line {k} of the page as the engine read it.", 100, 200 + 40 * k, 1100, 230 + 40 * k
            )
            for k in range(8)
        ]
        return [OcrLine(f"Part {next(pages)}", 100, 100, 500, 160), *body]

    monkeypatch.setattr(ocr_stage, "engine_installed", lambda: True)
    monkeypatch.setattr(ocr_stage, "PAGES_AT_ONCE", 2)
    monkeypatch.setattr(EmbeddedRecognizer, "recognize", recognize)
    settings = Settings(endpoint=no_server(), if_add_node_summary=False, max_retries=0)
    result, _seen = run_index(settings, make_scanned_copy(tmp_path, sections), tmp_path / "out")
    facts = result.run.facts
    assert facts.ocr_pages == [1, 2, 3, 4] and facts.ocr_failed is None, result.run.warnings


def test_each_scanned_page_is_rendered_once_and_its_progress_told_page_by_page(tmp_path, monkeypatch):
    """Opening a scanned PDF and finding its scanned pages render nothing; the OCR stage renders each page
    once, looks its image up in the cache and recognises it on a miss (a run once rendered every page
    twice, and opening rendered up to 12 pages first)."""
    from collections import Counter

    from pageindex_tui.document import pdf as pdf_module
    from pageindex_tui.document.ocr import OcrLine
    from pageindex_tui.document.ocr_engine import EmbeddedRecognizer
    from pageindex_tui.index import ocr_stage

    rendered: Counter[int] = Counter()
    real_render = pdf_module.render_page

    def render(doc, number, dpi):
        rendered[number] += 1
        return real_render(doc, number, dpi)

    parts = itertools.count(1)

    def recognize(self, image):
        line = "Body line {} of the page, read."
        body = [OcrLine(line.format(k), 100, 200 + 40 * k, 1100, 230 + 40 * k) for k in range(8)]
        return [OcrLine(f"Part {next(parts)}", 100, 100, 500, 160), *body]

    monkeypatch.setattr(pdf_module, "render_page", render)
    monkeypatch.setattr(ocr_stage, "engine_installed", lambda: True)
    monkeypatch.setattr(EmbeddedRecognizer, "recognize", recognize)
    path = make_scanned_copy(tmp_path, ["1 Scope", "2 Budget", "3 Staffing", "4 Travel"])
    assert PdfDocument(path, ocr=True).scanned_pages() == [1, 2, 3, 4] and not rendered
    settings = Settings(endpoint=no_server(), if_add_node_summary=False, max_retries=0)
    result, seen = run_index(settings, path, tmp_path / "out")
    assert rendered == Counter({1: 1, 2: 1, 3: 1, 4: 1})
    facts = result.run.facts
    assert facts.ocr_cached == 0 and facts.ocr_page_seconds is not None and len(facts.ocr_page_seconds) == 4
    told = [e.done for e in seen if isinstance(e, events.StageProgress) and e.stage == "ocr"]
    assert told == [0, 1, 2, 3, 4]
    rendered.clear()
    again, _seen = run_index(settings, path, tmp_path / "out2")  # every page from the cache
    assert again.run.facts.ocr_cached == 4 and rendered == Counter({1: 1, 2: 1, 3: 1, 4: 1})


def test_each_tesseract_process_runs_one_thread_unless_told_otherwise(monkeypatch):
    """OpenMP's threads wait busily on shared cores: 13.6 s a page against 4.6 for two one-thread
    processes (benchmarks/ocr_bench.py --throughput); an OMP_THREAD_LIMIT the user set stands."""
    from PIL import Image

    from pageindex_tui.document import ocr_engine

    seen = []

    def run(command, **kwargs):
        seen.append(kwargs["env"]["OMP_THREAD_LIMIT"])
        return subprocess.CompletedProcess(command, 0, b"", b"")

    monkeypatch.setattr(ocr_engine, "engine_command", lambda: "/usr/bin/tesseract")
    monkeypatch.setattr(ocr_engine.subprocess, "run", run)
    monkeypatch.delenv("OMP_THREAD_LIMIT", raising=False)
    ocr_engine._run(Image.new("L", (40, 20), 255), "tsv")
    monkeypatch.setenv("OMP_THREAD_LIMIT", "4")
    ocr_engine._run(Image.new("L", (40, 20), 255), "tsv")
    assert seen == ["1", "4"]
