"""The search index's file: the connection each thread keeps, seeing what others write, a file set aside
or removed while it is kept, and two threads searching at once."""

from __future__ import annotations

import os
import shutil
import sqlite3
import threading
from pathlib import Path

import pytest
from libdocs import many_documents

from pageindex_tui.errors import SearchIndexError
from pageindex_tui.store import searchfile
from pageindex_tui.store.damage import DAMAGED_MARK
from pageindex_tui.store.library import Library
from pageindex_tui.store.library_search import LibrarySearch
from pageindex_tui.store.search import SearchIndex


def test_a_thread_keeps_its_connection_and_sees_what_others_write(tmp_path):
    index = SearchIndex(tmp_path)
    index.set_note("who", "first")
    with index.connect() as db, index.connect() as again:
        assert again is db  # one connection for this thread's calls
    other = sqlite3.connect(index.path, isolation_level=None)  # as another process would write
    other.execute("INSERT OR REPLACE INTO meta VALUES ('who', 'second')")
    other.close()
    assert index.note("who") == "second"  # a kept connection holds no old snapshot


def test_an_error_while_in_use_drops_the_kept_connection(tmp_path):
    index = SearchIndex(tmp_path)
    with pytest.raises(SearchIndexError, match="no such table"), index.connect() as db:
        db.execute("SELECT * FROM nowhere")
    with index.connect() as fresh:
        assert fresh is not db
        assert fresh.execute("SELECT count(*) FROM documents").fetchone() == (0,)


def test_a_file_set_aside_and_made_again_is_seen_and_left_whole(tmp_path):
    index = SearchIndex(tmp_path)
    index.set_note("who", "first")  # its connection is kept
    index.rebuilt = False  # filled, as the library's sync leaves it
    aside = index.path.with_name(f"{index.path.name}{DAMAGED_MARK}20260101T000000Z")
    os.replace(index.path, aside)  # as another process setting a damaged file aside does
    for extra in ("-wal", "-shm"):
        Path(f"{index.path}{extra}").unlink(missing_ok=True)
    other = SearchIndex(tmp_path)
    other.set_note("who", "second")  # makes the file again; kept open, its commit still in the log
    assert index.note("who") == "second"  # the kept connection to the old file was closed, a new opened
    assert other.rebuilt and not index.rebuilt  # the other made it: this one only opened it
    wal = Path(f"{index.path}-wal")
    assert wal.exists()  # closing the old connection removed nothing of the new file's
    check = sqlite3.connect(index.path)
    assert check.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert check.execute("SELECT value FROM meta WHERE key = 'who'").fetchone() == ("second",)
    check.close()
    other.close()
    index.close()


def test_a_search_folder_removed_while_kept_is_built_again(tmp_path):
    library = Library(tmp_path / "library")
    many_documents(library, tmp_path / "docs", 10)
    search = LibrarySearch(library)
    before = [(h.doc_name, h.node_id) for h in search.search("budget approved", 5)]
    assert before
    shutil.rmtree(search.index.folder)
    assert [(h.doc_name, h.node_id) for h in search.search("budget approved", 5)] == before
    assert search.index.path.exists()


def test_two_threads_searching_at_once_get_what_one_gets(tmp_path):
    library = Library(tmp_path / "library")
    many_documents(library, tmp_path / "docs", 12)
    search = LibrarySearch(library)
    queries = ["budget approved", "lighthouse keeper salary", "staff of the works", "spring"]
    alone = {q: [(h.doc_name, h.node_id, h.snippet) for h in search.search(q, 8)] for q in queries}
    ranked = {q: [d.doc_name for d in search.documents(q, 5)] for q in queries}
    together = threading.Barrier(2)
    seen: list[bool] = []
    errors: list[BaseException] = []

    def searcher() -> None:
        try:
            together.wait(30)
            for _ in range(10):
                for q in queries:
                    hits = [(h.doc_name, h.node_id, h.snippet) for h in search.search(q, 8)]
                    seen.append(
                        hits == alone[q] and [d.doc_name for d in search.documents(q, 5)] == ranked[q]
                    )
        except BaseException as err:  # reported below, with the thread's error
            errors.append(err)

    threads = [threading.Thread(target=searcher) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert errors == []
    assert len(seen) == 2 * 10 * len(queries) and all(seen)


def test_a_kept_connection_cuts_the_log_back_after_a_large_batch(tmp_path, monkeypatch):
    monkeypatch.setattr(searchfile, "LOG_BYTES", 64 << 10)
    library = Library(tmp_path / "library")
    many_documents(library, tmp_path / "docs", 150)
    search = LibrarySearch(library)
    search.sync()  # one batch far larger than the limit, through this thread's kept connection
    wal = Path(f"{search.index.path}-wal")
    search.index.set_note("after", "a checkpoint")
    with search.index.connect() as db:
        db.execute("PRAGMA wal_checkpoint(PASSIVE)")
    search.index.set_note("and", "a commit")
    assert wal.stat().st_size <= 64 << 10
    assert search.documents("lighthouse keeper")[0].doc_name == "doc0007.md"


def test_many_documents_put_leave_no_log_unless_another_is_reading(tmp_path):
    library = Library(tmp_path / "library")
    many_documents(library, tmp_path / "docs", 30)
    search = LibrarySearch(library)
    wal = Path(f"{search.index.path}-wal")
    search.sync()
    assert wal.stat().st_size == 0  # copied into the file by the kept connection, as closing it would
    reader = sqlite3.connect(search.index.path, isolation_level=None)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM documents").fetchone()  # another process reading: not waited for
    assert search.rebuild() == 30
    assert wal.stat().st_size > 0
    reader.execute("COMMIT")
    reader.close()
    assert search.documents("lighthouse keeper")[0].doc_name == "doc0007.md"
