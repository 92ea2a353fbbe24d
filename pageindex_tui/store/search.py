"""The library's search index: every saved tree's titles, summaries and node text, its document's page
text (PDF pages, Markdown lines in passages) where the caller gives it, document names and descriptions
in SQLite's FTS5 (in the standard library's sqlite3), ranked by BM25.

It lives in the library as `search/search.sqlite` (a folder of its own, so that the database's journal
files do not touch the library folder's time, which `library_search` reads to see whether documents came
or went). One row per node, per page passage and per document (its name and description), for the newest
saved index of each content digest. A row's id holds its document's number (`rowid >> SHIFT`), so
documents are ranked without a join. Each document is put or dropped in one transaction, so a reader
sees it whole or not at all, and two processes filing at once wait for each other (WAL, a busy timeout).
A file that is not a sound index (damaged, or of another schema) is set aside as
`search.sqlite.damaged-<UTC time>` (never deleted), and the index is built again from the library; the
file, and the connection each thread keeps to it, are `searchfile.py`'s.

Why FTS5 rather than our own BM25: it answers from disk without loading the index (a 10,000-document
library's postings need not fit a CLI call's start-up), updates one document in a transaction, and is
safe with several writers; `benchmarks/search_bench.py` prints its build and query times and size.
The query (`searchquery.py`) keeps BM25's cost bounded: see there.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..tree import Tree, TreeNode, Unit
from .searchfile import SEARCH_FILE, SEARCH_FOLDER, IndexFile
from .searchquery import BODY, SHIFT, SUMMARY, TITLE, WIDE, fts_queries, match_query, query_words

__all__ = ["SEARCH_FILE", "SEARCH_FOLDER", "match_query", "query_words"]

BATCH = 100  # documents per commit when many are put at once


@dataclass(frozen=True)
class Passage:
    """A piece of a document's own text: a PDF page (start = end), or a run of a Markdown file's lines."""

    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Indexed:
    """A saved tree to index: its content digest, its library folder, its document's name and tree, the
    source file it was made from, and its page text where known (else node text saved in the tree)."""

    digest: str
    folder: str
    doc_name: str
    tree: Tree
    source: str = ""
    passages: tuple[Passage, ...] = ()


@dataclass(frozen=True)
class SearchHit:
    """One node that matched (node_id "" for the document's own name and description), or a passage of
    its page text (`page`: where the words are; a node's own match gives its first page). `snippet` is
    from the passage, the node's text where saved, else its summary (the document's description)."""

    digest: str
    doc_name: str
    node_id: str
    title: str
    start: int
    end: int
    unit: Unit
    snippet: str
    score: float  # BM25, higher is better
    page: int = 0
    folder: str = ""
    passage: bool = False  # the words were in a passage of page text, not the node's own title or summary


@dataclass(frozen=True)
class DocumentHit:
    """A document that matched: its best row's score, how many of its rows matched (among the best
    WIDE), and its line for routing (name, description, top-level titles)."""

    digest: str
    doc_name: str
    folder: str
    description: str
    outline: str
    score: float
    matches: int
    source: str = ""


def _holder(nodes: list[TreeNode], place: int, unit: Unit) -> TreeNode | None:
    """The node a passage at `place` belongs to: a PDF's narrowest node whose pages hold it (the deepest
    of equals); a Markdown file's last node starting at or before that line (its saved nodes give only
    their first line)."""
    best: TreeNode | None = None
    for node in nodes:
        if unit == "line":
            if node.start <= place and (best is None or node.start >= best.start):
                best = node
        elif node.start <= place <= node.end and (
            best is None or node.end - node.start <= best.end - best.start
        ):
            best = node
    return best


def _rows(item: Indexed) -> Iterator[tuple[str, str, int, int, int, str, str, str]]:
    """(node_id, title, start, end, page, fts title, summary, body) for the document row, every node, and
    every passage (under the node that holds it; its title is not searched again)."""
    tree = item.tree.numbered()
    name = item.doc_name or tree.name
    yield "", name, 1, 1, 1, name, tree.description or "", ""
    nodes = list(tree.walk())
    texts = not item.passages  # node text saved in the tree is the page text when no passage is given
    for node in nodes:
        body = (node.text or "") if texts else ""
        yield node.node_id, node.title, node.start, node.end, node.start, node.title, node.summary or "", body
    for passage in item.passages:
        if not passage.text.strip():
            continue
        held = _holder(nodes, passage.start, tree.unit)
        node_id, title = (held.node_id, held.title) if held else ("", name)
        start, end = (held.start, held.end) if held else (passage.start, passage.end)
        yield node_id, title, start, end, passage.start, "", "", passage.text


class SearchIndex(IndexFile):
    """The index in `root` (the library's folder): its file and connections are `IndexFile`'s."""

    # -- writing ---------------------------------------------------------------------------------
    def put(self, items: Iterable[Indexed]) -> int:
        """Index these documents, each replacing what the index held of its digest, a few a transaction
        (each one whole in one of them)."""
        count = 0
        batch = list(items)
        with self.connect() as db:
            for first in range(0, len(batch), BATCH):
                with _transaction(db):
                    for item in batch[first : first + BATCH]:
                        _drop(db, item.digest)
                        _insert(db, item)
                        count += 1
            if count > 1:
                self.cut_log(db)
        return count

    def drop(self, digests: Iterable[str]) -> None:
        with self.connect() as db, _transaction(db):
            for digest in digests:
                _drop(db, digest)

    def clear(self) -> None:
        with self.connect() as db, _transaction(db):
            for table in ("documents", "node_rows", "nodes", "meta"):
                db.execute(f"DELETE FROM {table}")

    def indexed(self) -> dict[str, str]:
        """Each indexed digest with the library folder its rows came from."""
        with self.connect() as db:
            return dict(db.execute("SELECT digest, folder FROM documents").fetchall())

    def note(self, key: str) -> str:
        with self.connect() as db:
            row = db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return str(row[0]) if row else ""

    def set_note(self, key: str, value: str) -> None:
        with self.connect() as db:
            db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    # -- reading ---------------------------------------------------------------------------------
    def search(self, text: str, limit: int = 20, under: str = "") -> list[SearchHit]:
        """The rows best matching the words of `text`, best first; `under`: only documents whose source
        lies in that folder."""
        sql = f"""
            SELECT m.id, d.digest, d.doc_name, r.node_id, r.title, r.start, r.stop, d.unit, m.s, r.page,
                   d.folder
            FROM (SELECT rowid AS id, bm25(nodes, {TITLE}, {SUMMARY}, {BODY}) AS s FROM nodes
                  WHERE nodes MATCH ? {_scope(under)} ORDER BY s LIMIT ?) m
            JOIN node_rows r ON r.id = m.id JOIN documents d ON d.id = m.id >> {SHIFT} ORDER BY m.s"""
        snip = """SELECT CASE WHEN body != '' THEN snippet(nodes, 2, '', '', '…', 16)
                  WHEN summary != '' THEN snippet(nodes, 1, '', '', '…', 16) ELSE '' END,
                  title = '' AND summary = ''
                  FROM nodes WHERE nodes MATCH ? AND rowid = ?"""  # a passage's row: page text alone
        with self.connect() as db:
            query, found = _first(db, fts_queries(db, text), sql, (*_under(under), 2 * max(1, limit)))
            places = {(r[1], r[3], r[9]): r for r in reversed(found)}  # a node's own row and its passage
            rows = [r for r in found if places[(r[1], r[3], r[9])] is r][: max(1, limit)]  # there: the best
            snippets = [db.execute(snip, (query, r[0])).fetchone() for r in rows]  # the shown rows only
        return [_hit(r, s) for r, s in zip(rows, snippets, strict=True)]

    def documents(self, text: str, limit: int = 10, under: str = "") -> list[DocumentHit]:
        """The documents whose rows best match `text` (each by its best row), best first; `under`: only
        documents whose source lies in that folder."""
        sql = f"""
            SELECT d.digest, d.doc_name, d.folder, d.description, d.outline, g.s, g.n, d.source
            FROM (SELECT id >> {SHIFT} AS doc, min(s) AS s, count(*) AS n
                  FROM (SELECT rowid AS id, bm25(nodes, {TITLE}, {SUMMARY}, {BODY}) AS s FROM nodes
                        WHERE nodes MATCH ? {_scope(under)} ORDER BY s LIMIT {WIDE})
                  GROUP BY doc ORDER BY s, n DESC LIMIT ?) g
            JOIN documents d ON d.id = g.doc ORDER BY g.s, g.n DESC"""
        with self.connect() as db:
            _query, rows = _first(db, fts_queries(db, text), sql, (*_under(under), max(1, limit)))
        return [DocumentHit(r[0], r[1], r[2], r[3], r[4], round(-r[5], 4), r[6], r[7]) for r in rows]

    def listed(self, limit: int, under: str = "") -> list[DocumentHit]:
        """Up to `limit` indexed documents, by name, unranked (score 0)."""
        where = "WHERE substr(source, 1, ?) = ?" if under else ""
        sql = f"""SELECT digest, doc_name, folder, description, outline, source FROM documents {where}
                  ORDER BY doc_name LIMIT ?"""
        with self.connect() as db:
            rows = db.execute(sql, (*_under(under), max(1, limit))).fetchall()
        return [DocumentHit(r[0], r[1], r[2], r[3], r[4], 0.0, 0, r[5]) for r in rows]

    def size(self) -> int:
        """Bytes on disk (the database and its write-ahead log)."""
        return sum(os.path.getsize(p) for p in (self.path, Path(f"{self.path}-wal")) if os.path.exists(p))


def _hit(row: tuple[Any, ...], snipped: tuple[Any, ...] | None) -> SearchHit:
    """A row of `search`'s query, with its snippet and whether it is a passage of page text."""
    digest, doc_name, node_id, title, start, end, unit, score, page, folder = row[1:11]
    snippet, passage = (snipped[0], bool(snipped[1])) if snipped else ("", False)
    return SearchHit(
        digest, doc_name, node_id, title, start, end, unit, snippet, round(-score, 4), page, folder, passage
    )


def _first(
    db: sqlite3.Connection, queries: list[str], sql: str, args: tuple[object, ...]
) -> tuple[str, list[Any]]:
    """The first of `queries` that finds rows, with its rows ("" and [] when none does)."""
    for query in queries:
        rows = db.execute(sql, (query, *args)).fetchall()
        if rows:
            return query, rows
    return "", []


def folder_prefix(folder: Path | str) -> str:
    """A folder as the start of the sources under it: resolved, with a trailing separator."""
    return os.path.join(str(Path(folder).expanduser().resolve()), "")


def _scope(under: str) -> str:
    if not under:
        return ""
    return f"AND rowid >> {SHIFT} IN (SELECT id FROM documents WHERE substr(source, 1, ?) = ?)"


def _under(under: str) -> tuple[object, ...]:
    return (len(under), under) if under else ()


@contextmanager
def _transaction(db: sqlite3.Connection) -> Iterator[None]:
    db.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


def _drop(db: sqlite3.Connection, digest: str) -> None:
    row = db.execute("SELECT id FROM documents WHERE digest = ?", (digest,)).fetchone()
    if row is None:
        return
    first, last = row[0] << SHIFT, ((row[0] + 1) << SHIFT) - 1
    db.execute("DELETE FROM nodes WHERE rowid BETWEEN ? AND ?", (first, last))
    db.execute("DELETE FROM node_rows WHERE id BETWEEN ? AND ?", (first, last))
    db.execute("DELETE FROM documents WHERE id = ?", (row[0],))


def _insert(db: sqlite3.Connection, item: Indexed) -> None:
    tree = item.tree
    outline = "; ".join(node.title.strip() for node in tree.nodes if node.title.strip())
    cursor = db.execute(
        "INSERT INTO documents(digest, folder, source, doc_name, description, unit, outline, node_count)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (item.digest, item.folder, item.source, item.doc_name or tree.name, tree.description or "", tree.unit,
         outline, tree.count()),
    )  # fmt: skip
    base = int(cursor.lastrowid or 0) << SHIFT
    for number, (node_id, title, start, end, page, fts_title, summary, body) in enumerate(_rows(item)):
        db.execute(
            "INSERT INTO node_rows VALUES (?, ?, ?, ?, ?, ?)",
            (base + number, node_id, title, start, end, page),
        )
        db.execute(
            "INSERT INTO nodes(rowid, title, summary, body) VALUES (?, ?, ?, ?)",
            (base + number, fts_title, summary, body),
        )
