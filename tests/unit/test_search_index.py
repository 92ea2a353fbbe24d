"""The library's search index: ranking, kept in step with filing and removal, damage, two writers."""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
import threading
from pathlib import Path

import pytest
from fakes import FakeVLLM, smart_model
from libdocs import file_in_two_processes, file_markdown, many_documents

from pageindex_tui.errors import SearchIndexError
from pageindex_tui.jobs.service import JobService
from pageindex_tui.settings import Settings
from pageindex_tui.store import searchfile
from pageindex_tui.store.damage import DAMAGED_MARK
from pageindex_tui.store.library import Library
from pageindex_tui.store.library_search import LibrarySearch
from pageindex_tui.store.search import SEARCH_FILE, SearchIndex, match_query, query_words


def library_at(tmp_path: Path) -> Library:
    return Library(tmp_path / "library")


def test_query_words_are_quoted_and_stop_words_dropped():
    assert query_words('What is the "harbour" AND budget?') == ["harbour", "budget"]
    assert match_query(query_words("the of")) == '"the" OR "of"'  # nothing else left: kept
    assert match_query(query_words('x" OR NEAR(a b)')) == '"x" OR "near" OR "b"'
    assert query_words("  ?! ") == []


def test_a_title_outranks_a_passing_mention(tmp_path):
    library = library_at(tmp_path)
    file_markdown(
        library, tmp_path / "docs", "ports", [("Harbour dues", "Fees paid by ships."), ("Cranes", "")]
    )
    file_markdown(library, tmp_path / "docs", "towns", [("Markets", "Near the harbour there is a market.")])
    search = LibrarySearch(library)
    hits = search.search("harbour")
    assert [(h.doc_name, h.title) for h in hits[:2]] == [
        ("ports.md", "Harbour dues"),
        ("towns.md", "Markets"),
    ]
    top = hits[0]
    assert (top.node_id, top.start, top.end, top.unit) == ("0001", 3, 6, "line")
    assert hits[0].score > hits[1].score
    assert "market" in hits[1].snippet.lower()
    assert [d.doc_name for d in search.documents("harbour dues")] == ["ports.md", "towns.md"]
    assert search.search("") == [] and search.documents("?") == []


def test_the_planted_section_routes_its_document_first(tmp_path):
    library = library_at(tmp_path)
    many_documents(library, tmp_path / "docs", 40)
    found = LibrarySearch(library).documents("How much does the lighthouse keeper earn?", 5)
    assert found[0].doc_name == "doc0007.md" and found[0].matches >= 1


def test_filing_through_the_job_service_makes_a_document_searchable(tmp_path):
    library = library_at(tmp_path)
    doc = tmp_path / "guide.md"
    doc.write_text("# Guide\n\nIntro.\n\n## Sprocket tolerances\n\nTight.\n\n## Other\n\nLoose.\n")
    search = LibrarySearch(library)
    assert search.index.indexed() == {}

    async def go(settings: Settings) -> None:
        async with JobService(library) as jobs:
            result = await jobs.run(doc, settings)
            assert result.ok

    with FakeVLLM(default=smart_model) as fake:
        asyncio.run(go(Settings(endpoint=fake.base_url, cache=False, max_retries=0)))
    indexed = search.index.indexed()  # put in on filing, before any search synced it
    assert len(indexed) == 1
    assert [h.title for h in search.index.search("sprocket")] == ["Sprocket tolerances"]


def test_removed_and_set_aside_documents_leave_the_index(tmp_path):
    library = library_at(tmp_path)
    kept = file_markdown(library, tmp_path / "docs", "kept", [("Quarry safety", "Helmets.")])
    gone = file_markdown(library, tmp_path / "docs", "gone", [("Quarry blasting", "Warnings.")])
    search = LibrarySearch(library)
    assert {d.doc_name for d in search.documents("quarry")} == {"kept.md", "gone.md"}
    folder = library.lookup(gone).folder
    folder.rename(folder.with_name(folder.name + DAMAGED_MARK + "20260101T000000Z"))
    assert [d.doc_name for d in search.documents("quarry")] == ["kept.md"]
    shutil.rmtree(library.lookup(kept).folder.parent)
    assert search.documents("quarry") == [] and search.index.indexed() == {}


def test_a_damaged_index_is_set_aside_and_built_again(tmp_path, caplog):
    library = library_at(tmp_path)
    file_markdown(library, tmp_path / "docs", "ports", [("Harbour dues", "Fees.")])
    search = LibrarySearch(library)
    assert search.search("harbour")
    for extra in ("", "-wal", "-shm"):
        Path(f"{search.index.path}{extra}").unlink(missing_ok=True)
    search.index.path.write_bytes(b"this is not a database" * 100)
    hits = LibrarySearch(library).search("harbour")
    assert [h.doc_name for h in hits] == ["ports.md"]
    aside = list(search.index.folder.glob(f"{SEARCH_FILE}{DAMAGED_MARK}*"))
    assert len(aside) == 1 and aside[0].read_bytes().startswith(b"this is not")
    assert "damaged search index set aside" in caplog.text


def test_an_index_held_by_another_process_is_waited_for_never_set_aside(tmp_path, monkeypatch):
    index = SearchIndex(tmp_path)
    index.set_note("kept", "yes")
    index.close()  # its kept connection would stop the holder's exclusive lock itself
    holder = sqlite3.connect(index.path, isolation_level=None)  # as another process writing would
    holder.execute("PRAGMA locking_mode = EXCLUSIVE")
    holder.execute("BEGIN EXCLUSIVE")
    holder.execute("INSERT INTO meta VALUES ('held', 'now')")
    monkeypatch.setattr(searchfile, "BUSY_MS", 200)
    with pytest.raises(SearchIndexError, match="held by another process"):
        SearchIndex(tmp_path).note("kept")
    assert not list(index.folder.glob(f"*{DAMAGED_MARK}*"))  # busy is not damage
    holder.execute("COMMIT")
    holder.close()
    assert SearchIndex(tmp_path).note("kept") == "yes" and SearchIndex(tmp_path).note("held") == "now"


def test_many_opening_a_new_index_at_once_make_one_and_set_none_aside(tmp_path):
    """Setting WAL on a new file shared by several openers failed at once with "database is locked",
    which was taken for damage: another opener's file was set aside with what it had written."""
    for trial in range(50):
        root = tmp_path / str(trial)
        opened = threading.Barrier(6)
        made: list[bool] = []

        def open_and_note(
            number: int, root: Path = root, opened: threading.Barrier = opened, made: list[bool] = made
        ) -> None:
            index = SearchIndex(root)
            opened.wait(30)
            index.set_note(f"opener {number}", "here")
            made.append(index.rebuilt)

        openers = [threading.Thread(target=open_and_note, args=(n,)) for n in range(6)]
        for opener in openers:
            opener.start()
        for opener in openers:
            opener.join(60)
        assert len(made) == 6 and made.count(True) == 1
        assert not list((root / "search").glob(f"*{DAMAGED_MARK}*"))
        assert sorted(p.name for p in (root / "search").iterdir() if ".new-" in p.name) == []
        index = SearchIndex(root)
        assert [index.note(f"opener {n}") for n in range(6)] == ["here"] * 6


def test_an_index_of_another_schema_is_built_again(tmp_path):
    library = library_at(tmp_path)
    file_markdown(library, tmp_path / "docs", "ports", [("Harbour dues", "Fees.")])
    search = LibrarySearch(library)
    search.sync()
    import sqlite3

    with sqlite3.connect(search.index.path) as db:
        db.execute("PRAGMA user_version = 99")
    assert [h.doc_name for h in LibrarySearch(library).search("harbour")] == ["ports.md"]
    assert list(search.index.folder.glob(f"{SEARCH_FILE}{DAMAGED_MARK}*"))


def test_rebuild_gives_the_same_answers(tmp_path):
    library = library_at(tmp_path)
    many_documents(library, tmp_path / "docs", 12)
    search = LibrarySearch(library)
    before = [(h.doc_name, h.node_id) for h in search.search("budget approved", 8)]
    assert search.rebuild() == 12
    assert [(h.doc_name, h.node_id) for h in search.search("budget approved", 8)] == before


def _writer(root: str, first: int) -> None:
    library = Library(Path(root) / "library")
    for number in range(first, first + 15):
        path = file_markdown(
            library, Path(root) / "docs", f"w{number:03d}", [(f"Turbine blade {number}", "")]
        )
        LibrarySearch(library).file(library.lookup(path))


def test_two_processes_filing_at_once_lose_nothing(tmp_path):
    file_in_two_processes(_writer, tmp_path)
    index = LibrarySearch(library_at(tmp_path)).index
    assert len(index.indexed()) == 30  # both writers' documents, before any sync
    assert len(index.search("turbine blade", 50)) == 30
