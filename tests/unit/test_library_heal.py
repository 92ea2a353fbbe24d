"""A damaged library entry heals: set aside (never deleted) with a warning naming it, shown as damaged, and
indexing again makes a fresh index; every other document keeps working. Through the real command line,
the MCP SDK's client and the app's workbench model."""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path

from fakes import FakeVLLM, smart_model
from pdfgen import make_encrypted_pdf
from test_jobs import GUIDE
from test_mcp_server import call, file_harbor, with_session

from pageindex_tui.cli.main import main
from pageindex_tui.settings import Settings
from pageindex_tui.store.damage import DAMAGED_MARK
from pageindex_tui.store.library import ENTRY_FILE, Library
from pageindex_tui.workbench.handler import EngineHandler
from pageindex_tui.workbench.state import Workbench


def _index(doc: Path, endpoint: str, *more: str) -> int:
    return main(
        [
            "index",
            str(doc),
            "--endpoint",
            endpoint,
            "--no-cache",
            "-q",
            "--out",
            str(doc.parent / "out"),
            *more,
        ]
    )


def _entry_folder(doc: Path) -> Path:
    library = Library()
    return library.folder_for(library.digest(doc), Settings())


def _guide(tmp_path: Path) -> Path:
    """The test guide as a Markdown document in `tmp_path`."""
    doc = tmp_path / "guide.md"
    doc.write_text(GUIDE, encoding="utf-8")
    return doc


def test_a_wrong_typed_entry_is_set_aside_and_index_makes_it_again(tmp_path, capsys, caplog):
    doc = _guide(tmp_path)
    with FakeVLLM(default=smart_model) as fake:
        assert _index(doc, fake.base_url) == 0
        folder = _entry_folder(doc)
        entry = json.loads((folder / ENTRY_FILE).read_text())
        (folder / ENTRY_FILE).write_text(json.dumps({**entry, "nodes": "many"}))
        capsys.readouterr()
        with caplog.at_level(logging.WARNING):
            assert main(["export", str(doc), "-o", "-"]) == 1  # no sound index left: says so, no traceback
        err = capsys.readouterr().err
        assert "has no saved index" in err and "Traceback" not in err
        aside = [p for p in folder.parent.iterdir() if DAMAGED_MARK in p.name]
        assert len(aside) == 1 and (aside[0] / ENTRY_FILE).is_file()  # moved, never deleted
        assert str(aside[0]) in caplog.text and "nodes" in caplog.text and "many" in caplog.text
        calls = len(fake.requests)
        assert _index(doc, fake.base_url) == 0  # indexed afresh, not "internal error"
        assert len(fake.requests) > calls
    capsys.readouterr()
    assert main(["export", str(doc), "-o", "-"]) == 0
    assert json.loads(capsys.readouterr().out)["structure"]  # the fresh index exports


def test_an_odd_saved_tree_is_checked_before_reuse_and_indexed_again(tmp_path, capsys):
    doc = _guide(tmp_path)
    with FakeVLLM(default=smart_model) as fake:
        assert _index(doc, fake.base_url) == 0
        folder = _entry_folder(doc)
        structure = next(folder.glob("*_structure.json"))
        structure.write_text(
            json.dumps({"structure": [{"title": "a", "line_num": float("inf")}]}).replace("Infinity", "1e999")
        )
        calls = len(fake.requests)
        assert _index(doc, fake.base_url) == 0
        assert len(fake.requests) > calls  # not reused: made again
    out = json.loads((tmp_path / "out" / "guide_structure.json").read_text())
    assert out["structure"][0]["title"]  # the fresh tree, not the damaged one
    assert any(DAMAGED_MARK in p.name for p in folder.parent.iterdir())


def test_library_check_lists_and_repair_sets_damaged_entries_aside(tmp_path, capsys):
    doc, other = tmp_path / "guide.md", tmp_path / "other.md"
    doc.write_text(GUIDE, encoding="utf-8")
    other.write_text(GUIDE.replace("Guide", "Other"), encoding="utf-8")
    with FakeVLLM(default=smart_model) as fake:
        assert _index(doc, fake.base_url) == 0 and _index(other, fake.base_url) == 0
    folder = _entry_folder(doc)
    run = next(folder.glob("*_run.json"))
    run.write_text('{"llm": {"calls": "lots"}}')
    capsys.readouterr()
    assert main(["library", "check"]) == 1
    out = capsys.readouterr().out
    assert str(run) in out and "llm.calls" in out and "2 saved indexes" in out and "1 damaged" in out
    assert folder.is_dir()  # listing moves nothing
    assert main(["library", "check", "--repair"]) == 0
    assert not folder.exists()
    assert main(["library", "check"]) == 0
    out = capsys.readouterr().out
    assert "set aside:" in out and "1 saved index in" in out and "0 damaged" in out


def test_mcp_lists_a_damaged_document_as_such_and_the_others_keep_working(tmp_path):
    file_harbor(tmp_path)
    root = tmp_path / "data" / "pageindex-tui" / "library"
    sound = next(p for p in root.iterdir() if p.is_dir())
    broken = root / ("ab" * 32) / next(sound.iterdir()).name
    broken.mkdir(parents=True)
    (broken / "broken_structure.json").write_text("{}")
    (broken / ENTRY_FILE).write_text(json.dumps({"nodes": "many", "structure_file": "broken_structure.json"}))

    async def work(session):
        listed = await call(session, "list_documents")
        structure = await call(session, "get_structure", document="harbor.pdf", limit=2)
        asked = await call(session, "get_pages", document="broken", pages="1")
        pages = [await call(session, "list_documents", offset=n, limit=1) for n in range(3)]
        return listed, structure, asked, pages

    with FakeVLLM(default=smart_model) as fake:
        listed, structure, asked, pages = asyncio.run(with_session(tmp_path, fake.base_url, work))
    assert listed[0] is False
    by_name = {d["name"]: d for d in listed[1]["documents"]}
    assert by_name["harbor.pdf"]["status"] == "indexed" and by_name["broken"]["status"] == "damaged"
    assert structure[0] is False and structure[1]["total_nodes"] == 6
    assert asked[0] is True and "saved index was damaged" in asked[1]
    # paged one at a time: the sound one, then the damaged one, then none
    assert [[d["name"] for d in page[1]["documents"]] for page in pages] == [["harbor.pdf"], ["broken"], []]
    assert [page[1]["next_offset"] for page in pages] == [1, None, None] and pages[0][1]["total"] == 2
    assert any(DAMAGED_MARK in p.name for p in broken.parent.iterdir()) and not broken.exists()


def test_the_documents_pane_shows_a_damaged_index_and_the_key_that_indexes_again(tmp_path):
    model = Workbench()
    handler = EngineHandler(model, lambda key: "i")
    doc = str(tmp_path / "guide.md")
    handler.library_states({doc: (None, False)}, damaged=[doc])
    state = model.state(doc)
    assert state.badge() == ("✗ index damaged", "failed")
    assert "index damaged: i re-indexes" in state.describe("i")
    handler.library_states(
        {doc: (None, False)}
    )  # set aside, then indexed again elsewhere: no longer shown so
    assert model.state(doc).phase == "none"


def test_an_encrypted_pdf_in_the_library_is_reused_only_when_the_password_opens_it(tmp_path, capsys):
    pdf = make_encrypted_pdf(tmp_path)
    with FakeVLLM(default=smart_model) as fake:
        assert _index(pdf, fake.base_url, "--password", "secret", "--if-add-node-summary", "no") == 0
        calls = len(fake.requests)
        capsys.readouterr()
        assert _index(pdf, fake.base_url, "--password", "wrong") == 1
        assert "wrong password" in capsys.readouterr().out  # as on a fresh library: the FAIL line
        assert _index(pdf, fake.base_url) == 1
        assert "password-protected" in capsys.readouterr().out
        assert _index(pdf, fake.base_url, "--password", "secret", "--if-add-node-summary", "no") == 0
        assert len(fake.requests) == calls  # the right password: reused, no call
        assert main(["ask", str(pdf), "what is it?", "--endpoint", fake.base_url, "--no-cache"]) == 1
        assert "password-protected" in capsys.readouterr().err
        assert len(fake.requests) == calls


def test_export_of_a_document_whose_saved_tree_is_odd_sets_it_aside_and_says_so(tmp_path, capsys):
    doc = _guide(tmp_path)
    with FakeVLLM(default=smart_model) as fake:
        assert _index(doc, fake.base_url) == 0
    folder = _entry_folder(doc)
    structure = next(folder.glob("*_structure.json"))
    structure.write_text('{"structure": [{"title": "a", "line_num": 1, "summary": 3}]}')
    capsys.readouterr()
    assert main(["export", str(doc), "-o", "-"]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err and "is damaged" in err and "structure[0].summary" in err
    assert "moved aside to" in err and "index the document again" in err
    assert not folder.exists() and any(DAMAGED_MARK in p.name for p in folder.parent.iterdir())


def test_a_damaged_paths_memo_is_set_aside_and_digests_are_read_again(tmp_path, caplog):
    doc = _guide(tmp_path)
    library = Library(tmp_path / "library")
    digest = library.digest(doc)
    (library.root / "paths.json").write_text(json.dumps({str(doc.resolve()): 5}))
    again = Library(library.root)
    with caplog.at_level(logging.WARNING):
        assert again.known_digest(doc) is None and again.digest(doc) == digest
    aside = [p for p in library.root.iterdir() if p.name.startswith("paths.json" + DAMAGED_MARK)]
    assert len(aside) == 1 and "should be a list" in caplog.text and str(aside[0]) in caplog.text
    assert Library(library.root).known_digest(doc) == digest  # written afresh
