"""The library search over page text, a folder as its scope, the bounded query and the cheap sync."""

from __future__ import annotations

import asyncio
import os
import sqlite3
from pathlib import Path

from fakes import FakeVLLM, smart_model
from libdocs import file_in_two_processes, file_markdown, many_documents

from pageindex_tui.cli.main import main
from pageindex_tui.document import open_document
from pageindex_tui.jobs.pagetext import library_search, passages
from pageindex_tui.jobs.service import JobService
from pageindex_tui.settings import Settings
from pageindex_tui.store import searchquery
from pageindex_tui.store.hitplace import found_at
from pageindex_tui.store.library import Library
from pageindex_tui.store.library_search import LibrarySearch
from pageindex_tui.store.search import Indexed, Passage, SearchHit, SearchIndex
from pageindex_tui.store.searchquery import SHIFT, fts_queries, sample, share
from pageindex_tui.tree import Tree, TreeNode

SAMPLE = Path(__file__).resolve().parents[2] / "sample_docs"
PHRASE = "the anemometer calibration drifted"  # on a page, in no title or summary


def unsummarised(library: Library, folder: Path, name: str = "station") -> Path:
    return file_markdown(
        library,
        folder,
        name,
        [("Instruments", "We note that the anemometer calibration drifted in May."), ("Staff", "Two.")],
        summaries=False,
    )


def test_a_phrase_on_a_page_without_summary_is_found_with_document_node_and_page(tmp_path):
    library = Library(tmp_path / "library")
    unsummarised(library, tmp_path / "docs")
    many_documents(library, tmp_path / "docs", 5)
    assert LibrarySearch(library).search(PHRASE) == []  # the tree alone does not hold it
    search = library_search(library)
    search.rebuild()
    hits = search.search(PHRASE)
    assert hits and hits[0].doc_name == "station.md"
    top = hits[0]
    assert (top.node_id, top.title, top.page, top.unit) == ("0001", "Instruments", 3, "line")  # its lines
    assert "anemometer calibration drifted" in top.snippet
    assert search.documents(PHRASE)[0].doc_name == "station.md"


def test_pdf_pages_are_passages_under_the_node_that_holds_them(tmp_path):
    pdf = next(SAMPLE.glob("*.pdf"))
    doc = open_document(pdf, ocr=False)
    found = passages(doc)
    assert found and all(p.start == p.end for p in found) and found[0].start >= 1
    page = found[len(found) // 2]
    words = " ".join(page.text.split()[5:12])
    nodes = (
        TreeNode("Front", 1, page.start - 1, "0001"),
        TreeNode(
            "Middle", page.start, doc.size, "0002", nodes=(TreeNode("Inner", page.start, page.start, "0003"),)
        ),
    )
    tree = Tree(pdf.name, "page", nodes, size=doc.size)
    search = LibrarySearch(Library(tmp_path / "library"))
    search.index.put([Indexed("d" * 64, str(tmp_path), pdf.name, tree, str(pdf), tuple(found))])
    hits = [h for h in search.index.search(words, 50) if h.page == page.start]
    assert hits and (hits[0].node_id, hits[0].title, hits[0].start, hits[0].end) == (
        "0003",
        "Inner",
        page.start,
        page.start,
    )


def test_filing_through_the_job_service_indexes_the_page_text(tmp_path):
    library = Library(tmp_path / "library")
    doc = tmp_path / "logbook.md"
    doc.write_text(
        "# Logbook\n\nIntro.\n\n## Week one\n\nThe barometer needle stuck twice.\n\n## Week two\n\nCalm.\n"
    )

    async def go(settings: Settings) -> None:
        async with JobService(library) as jobs:
            assert (await jobs.run(doc, settings)).ok

    with FakeVLLM(default=smart_model) as fake:
        settings = Settings(endpoint=fake.base_url, cache=False, max_retries=0, if_add_node_summary=False)
        asyncio.run(go(settings))
    hits = LibrarySearch(library).index.search("barometer needle")  # put in on filing, no sync
    assert hits and hits[0].doc_name == "logbook" and hits[0].title == "Week one" and hits[0].page == 5


def test_page_text_follows_reindex_removal_and_damage(tmp_path):
    library = Library(tmp_path / "library")
    path = unsummarised(library, tmp_path / "docs")
    search = library_search(library)
    assert len(search.search(PHRASE, 50)) == 1
    search.file(library.lookup(path))  # filed again: replaced, not added twice
    assert len(search.search(PHRASE, 50)) == 1
    assert search.rebuild() == 1 and len(search.search(PHRASE, 50)) == 1
    entry = library.lookup(path)
    entry.structure_path.write_text("{ not json", encoding="utf-8")
    assert len(library.check(repair=True)[1]) == 1  # the damaged index is set aside
    assert search.search(PHRASE) == [] and search.index.indexed() == {}
    with sqlite3.connect(search.index.path) as db:
        assert db.execute("SELECT count(*) FROM node_rows").fetchone()[0] == 0


def test_a_folder_scopes_search_and_routing(tmp_path):
    library = Library(tmp_path / "library")
    unsummarised(library, tmp_path / "north", "north")
    unsummarised(library, tmp_path / "south" / "deep", "south")
    unsummarised(library, tmp_path / "southern", "southern")  # a name that starts the same is not inside
    search = library_search(library)
    assert {h.doc_name for h in search.documents(PHRASE)} == {"north.md", "south.md", "southern.md"}
    assert [h.doc_name for h in search.documents(PHRASE, under=tmp_path / "south")] == ["south.md"]
    assert {h.doc_name for h in search.search(PHRASE, under=tmp_path / "north")} == {"north.md"}
    assert [h.doc_name for h in search.listed(10, under=tmp_path / "south")] == ["south.md"]
    assert search.documents(PHRASE, under=tmp_path / "elsewhere") == []


def test_the_query_keeps_the_rarest_words_within_its_budget(tmp_path):
    library = Library(tmp_path / "library")
    many_documents(library, tmp_path / "docs", 20)  # 'budget' in 20 rows, 'lighthouse' in one document
    search = LibrarySearch(library)
    search.sync()
    with sqlite3.connect(search.index.path) as db:
        assert fts_queries(db, "lighthouse budget zeppelin", budget=5) == ['"lighthouse"']
        assert fts_queries(db, "lighthouse budget zeppelin", budget=1000) == ['"lighthouse" OR "budget"']
        assert fts_queries(db, "zeppelin airship", budget=5) == []  # no row holds either
        assert fts_queries(db, "budget", budget=1) == ['"budget"']  # one word is kept whatever it costs
        both, rarest = fts_queries(db, "budget spring", budget=5)  # each in 19 or 20 rows: all words first
        assert both == '"budget" AND "spring"' and rarest in ('"budget"', '"spring"')
    assert search.documents("budget lighthouse keeper")[0].doc_name == "doc0007.md"


def _spread(index: SearchIndex, count: int) -> None:
    """`count` documents of 4 rows (its own, a section's, two pages'): "everywhere" in every row,
    "anywhere" in 3 of 4, "often" in the pages of 2 documents in 3, "sometimes" in those of 1 in 4."""
    for n in range(count):
        pages = " ".join(w for w, on in (("often", n % 3), ("sometimes", n % 4 == 0)) if on)
        tree = Tree(f"everywhere {n}", "page", (TreeNode("everywhere anywhere", 1, 2, "0001"),), "everywhere")
        passages = tuple(Passage(p, p, f"everywhere anywhere {pages} page {p}") for p in (1, 2))
        index.put([Indexed(f"{n:064x}", str(n), f"d{n}.pdf", tree, passages=passages)])


def test_words_in_half_the_rows_or_more_are_left_out_when_every_word_is_common(tmp_path, monkeypatch):
    index = SearchIndex(tmp_path)
    _spread(index, 40)
    with index.connect() as db:
        assert fts_queries(db, "everywhere often", budget=5) == ['"often"']
        both = ['"often" AND "sometimes"', '"sometimes"']  # rows with both, then the rarest
        assert fts_queries(db, "everywhere often sometimes", budget=5) == both
        assert fts_queries(db, "anywhere everywhere", budget=5) == ['"anywhere"']  # both that common
        assert fts_queries(db, "everywhere", budget=5) == ['"everywhere"']  # one word, whatever it costs
        assert fts_queries(db, "everywhere often", budget=1000) == ['"everywhere" OR "often"']  # not common
        assert share(db, "everywhere", sample(db)) == 1.0 and share(db, "anywhere", sample(db)) == 0.75
        monkeypatch.setattr(searchquery, "SAMPLE_DOCUMENTS", 8)  # fewer than the library's 40
        taken = sample(db)
        first, last = db.execute("SELECT min(id), max(id) FROM documents").fetchone()
        assert len(taken.ranges) == 4 and taken.rows == 8 * 4  # 2 documents in each of 4 places
        assert taken.ranges[0][0] == first << SHIFT and taken.ranges[-1][1] == ((last + 1) << SHIFT) - 1
        assert fts_queries(db, "everywhere often sometimes", budget=5)[0] == '"often" AND "sometimes"'


def test_a_document_filed_by_hand_after_a_sync_is_found(tmp_path):
    library = Library(tmp_path / "library")
    many_documents(library, tmp_path / "docs", 3)
    search = LibrarySearch(library)
    assert search.search("lighthouse") == []
    settled = library.root.stat().st_mtime_ns - 10_000_000_000
    os.utime(library.root, ns=(settled, settled))
    search.sync()
    search.index.drop(list(search.index.indexed()))  # unseen by the sync: the folder has not changed
    assert search.sync().added == 0
    assert search.sync(force=True).added == 3
    unsummarised(library, tmp_path / "docs")  # a new document folder: the library's time moves
    assert search.documents("instruments")[0].doc_name == "station.md"


def _writer(root: str, first: int) -> None:
    library = Library(Path(root) / "library")
    for number in range(first, first + 10):
        path = file_markdown(
            library,
            Path(root) / "docs",
            f"w{number:03d}",
            [(f"Part {number}", f"Gasket torque {number}")],
            False,
        )
        library_search(library).file(library.lookup(path))


def test_two_processes_filing_page_text_at_once_lose_nothing(tmp_path):
    file_in_two_processes(_writer, tmp_path)
    index = LibrarySearch(Library(tmp_path / "library")).index
    assert len(index.indexed()) == 20
    assert len({h.digest for h in index.search("gasket torque", 50)}) == 20


def test_cli_search_names_the_line_a_passage_starts_at(tmp_path, capsys):
    filler = "\n".join(f"Routine entry {n}." for n in range(60))
    body = f"{filler}\nThe sluice gate jammed."  # its passage: lines 43-64 of the Spring section
    file_markdown(Library(), tmp_path / "docs", "log", [("Spring", body)], summaries=False)  # the tests' data
    assert main(["search", "sluice", "gate"]) == 0
    first = capsys.readouterr().out.splitlines()[0]
    assert "log.md  [0001] Spring (lines 3-" in first and ", found at line 43)" in first


def test_the_previous_versions_index_beside_the_documents_is_removed(tmp_path):
    library = Library(tmp_path / "library")
    many_documents(library, tmp_path / "docs", 2)
    old = library.root / "search.sqlite"
    for extra in ("", "-wal"):
        Path(f"{old}{extra}").write_bytes(b"schema 1")
    search = LibrarySearch(library)
    assert search.sync().added == 2
    assert not old.exists() and not Path(f"{old}-wal").exists()
    assert search.index.path == library.root / "search" / "search.sqlite" and search.index.path.exists()


def test_a_passage_says_where_it_was_found_on_its_node_s_first_page_too():
    """Found-at was left out where a passage began on its node's first page, as if the node's own title
    had matched; a passage is now told from the node's own row by the index itself. A Markdown passage
    that starts where its node starts says nothing the span does not."""

    def hit(unit: str, start: int, end: int, page: int, passage: bool) -> SearchHit:
        return SearchHit("d", "doc", "0001", "T", start, end, unit, "", 1.0, page, "", passage)  # type: ignore[arg-type]

    assert found_at(hit("page", 2, 6, 2, True)) == "page 2"
    assert found_at(hit("page", 2, 6, 2, False)) == ""  # the node's own title or summary
    assert found_at(hit("page", 7, 7, 7, True)) == ""  # a one-page node: its span says it
    assert found_at(hit("line", 3, 66, 3, True)) == "" and found_at(hit("line", 3, 66, 43, True)) == "line 43"


def test_the_index_tells_a_passage_from_its_node_s_own_row(tmp_path):
    library = Library(tmp_path / "library")
    path = file_markdown(library, tmp_path / "docs", "log", [("Spring", "The sluice gate jammed.")], False)
    search = library_search(library)
    search.file(library.lookup(path))
    assert next(h for h in search.search("sluice gate", 10) if h.node_id == "0001").passage
    assert not next(h for h in search.search("spring", 10) if h.node_id == "0001").passage
