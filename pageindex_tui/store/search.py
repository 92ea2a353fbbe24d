"""The library's search index: every saved tree's titles, summaries, node text (where saved), document
names and descriptions in SQLite's FTS5 (in the standard library's sqlite3), ranked by BM25.

It lives beside the library as `search.sqlite`, one row per node plus one per document (its name and
description), for the newest saved index of each content digest. Each document is put or dropped in one
transaction, so a reader sees it whole or not at all, and two processes filing at once wait for each
other (WAL, a busy timeout). A file that is not a sound index (damaged, or of another schema) is set aside
as `search.sqlite.damaged-<UTC time>` (never deleted), and the index is built again from the library.

Why FTS5 rather than our own BM25: it answers from disk without loading the index (a 10,000-document
library's postings need not fit a CLI call's start-up), updates one document in a transaction, and is
safe with several writers; `benchmarks/search_bench.py` prints its build and query times and size.
"""

from __future__ import annotations

import logging
import os
import re
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ..tree import Tree, Unit
from .damage import DAMAGED_MARK, stamp
from .files import make_private

log = logging.getLogger(__name__)

SEARCH_FILE = "search.sqlite"
SCHEMA = 1  # PRAGMA user_version: an index of another schema is built again
BUSY_MS = 30_000  # a second writer waits this long for the first
MAX_QUERY_WORDS = 32
BATCH = 100  # documents per commit when many are put at once
TITLE, SUMMARY, BODY = 6.0, 2.0, 1.0  # BM25 weights of the columns: a title's word counts most
WIDE = 4000  # node matches ranked before documents are grouped
COMMON = 0.05  # a query word found in more than this share of rows is left out when rarer ones remain:
# it adds little to BM25 (low IDF) and costs a score for every row it is in; below FEW rows, none is
FEW = 2000
_STOP = frozenset(
    "the a an of in on at to for and or is are was were be by with what which who how does do did "  # noqa: SIM905
    "this that these those it its as from".split()
)
_TABLES = f"""
CREATE TABLE IF NOT EXISTS documents(
  digest TEXT PRIMARY KEY, folder TEXT NOT NULL, doc_name TEXT NOT NULL, description TEXT NOT NULL,
  unit TEXT NOT NULL, outline TEXT NOT NULL, node_count INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS node_rows(
  id INTEGER PRIMARY KEY, digest TEXT NOT NULL, node_id TEXT NOT NULL, start INTEGER NOT NULL,
  stop INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS node_rows_digest ON node_rows(digest);
CREATE VIRTUAL TABLE IF NOT EXISTS nodes USING fts5(
  title, summary, body, tokenize = 'porter unicode61 remove_diacritics 2');
PRAGMA user_version = {SCHEMA};
"""


@dataclass(frozen=True)
class Indexed:
    """A saved tree to index: its content digest, its library folder, its document's name and tree."""

    digest: str
    folder: str
    doc_name: str
    tree: Tree


@dataclass(frozen=True)
class SearchHit:
    """One node that matched (node_id "" for the document's own name and description); `snippet` is from
    its text where saved, else its summary (the document's description)."""

    digest: str
    doc_name: str
    node_id: str
    title: str
    start: int
    end: int
    unit: Unit
    snippet: str
    score: float  # BM25, higher is better


@dataclass(frozen=True)
class DocumentHit:
    """A document that matched: its best node's score, how many of its nodes matched, and its line for
    routing (name, description, top-level titles)."""

    digest: str
    doc_name: str
    folder: str
    description: str
    outline: str
    score: float
    matches: int


def query_words(text: str) -> list[str]:
    """The words of `text` to look for: stop words dropped unless nothing else is left, each once."""
    words = [w for w in re.findall(r"\w+", text.lower()) if w]
    kept = [w for w in words if w not in _STOP] or words
    return list(dict.fromkeys(kept))[:MAX_QUERY_WORDS]


def match_query(words: list[str]) -> str:
    """Words as an FTS5 query: each quoted (no FTS5 syntax from the user is read), any of them (BM25 ranks
    rows with more and rarer words first). "" for no words."""
    return " OR ".join(f'"{w}"' for w in words)


def _rows(item: Indexed) -> Iterator[tuple[str, int, int, str, str, str]]:
    """(node_id, start, end, title, summary, body) for the document row and every node."""
    tree = item.tree.numbered()
    yield "", 1, 1, item.doc_name or tree.name, tree.description or "", ""
    for node in tree.walk():
        yield node.node_id, node.start, node.end, node.title, node.summary or "", node.text or ""


class SearchIndex:
    """`search.sqlite` in `root` (the library's folder). Every method opens its own connection (one
    thread at a time per connection in sqlite3), so the app's threads and the CLI may all use one."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.path = self.root / SEARCH_FILE
        self._lock = threading.Lock()
        self.rebuilt = False  # set when the file was set aside (damaged) or new: the caller fills it

    # -- the file ------------------------------------------------------------------------------
    def _open(self) -> sqlite3.Connection:
        make_private(self.root)
        fresh = not self.path.exists()
        db = sqlite3.connect(self.path, timeout=BUSY_MS / 1000, isolation_level=None)
        try:
            db.execute(f"PRAGMA busy_timeout = {BUSY_MS}")
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version not in (0, SCHEMA) or (version == 0 and not fresh and _has_tables(db)):
                raise sqlite3.DatabaseError(f"schema {version}, not {SCHEMA}")
            if version == 0:
                db.execute("PRAGMA journal_mode = WAL")
                db.executescript(_TABLES)
                self.rebuilt = True
            db.execute("PRAGMA synchronous = NORMAL")  # WAL: a crash loses the last commits, never the file
            db.execute("CREATE VIRTUAL TABLE IF NOT EXISTS temp.vocab USING fts5vocab(main, nodes, 'row')")
            return db
        except BaseException:
            db.close()
            raise

    @contextmanager
    def connect(self) -> Iterator[sqlite3.Connection]:
        """A connection to a sound index: a damaged file is set aside and a new one made (`rebuilt`)."""
        with self._lock:
            try:
                db = self._open()
                db.execute("SELECT count(*) FROM documents").fetchone()
            except sqlite3.DatabaseError as err:
                self._set_aside(err)
                db = self._open()
        try:
            yield db
        finally:
            db.close()

    def _set_aside(self, err: Exception) -> None:
        moved = self.path.with_name(f"{SEARCH_FILE}{DAMAGED_MARK}{stamp()}")
        try:
            os.replace(self.path, moved)
        except FileNotFoundError:
            return  # another process set it aside first
        for extra in ("-wal", "-shm"):
            try:
                os.unlink(f"{self.path}{extra}")
            except OSError:
                pass
        log.warning("damaged search index set aside as %s (%s); building it again", moved, err)

    # -- writing ---------------------------------------------------------------------------------
    def put(self, items: Iterable[Indexed]) -> int:
        """Index these documents, each replacing what the index held of its digest, in one transaction."""
        count = 0
        batch = list(items)
        with self.connect() as db:
            for first in range(0, len(batch), BATCH):
                with _transaction(db):  # a few documents a commit: each one is whole in one of them
                    for item in batch[first : first + BATCH]:
                        _drop(db, item.digest)
                        _insert(db, item)
                        count += 1
        return count

    def drop(self, digests: Iterable[str]) -> None:
        with self.connect() as db, _transaction(db):
            for digest in digests:
                _drop(db, digest)

    def clear(self) -> None:
        with self.connect() as db, _transaction(db):
            db.execute("DELETE FROM documents")
            db.execute("DELETE FROM node_rows")
            db.execute("DELETE FROM nodes")

    def indexed(self) -> dict[str, str]:
        """Each indexed digest with the library folder its rows came from."""
        with self.connect() as db:
            return dict(db.execute("SELECT digest, folder FROM documents").fetchall())

    # -- reading ---------------------------------------------------------------------------------
    def search(self, text: str, limit: int = 20) -> list[SearchHit]:
        """The nodes best matching the words of `text`, best first."""
        sql = f"""
            SELECT r.digest, d.doc_name, r.node_id, nodes.title, r.start, r.stop, d.unit,
                   CASE WHEN nodes.body != '' THEN snippet(nodes, 2, '', '', '…', 16)
                   ELSE snippet(nodes, 1, '', '', '…', 16) END, bm25(nodes, {TITLE}, {SUMMARY}, {BODY}) AS s
            FROM nodes JOIN node_rows r ON r.id = nodes.rowid JOIN documents d ON d.digest = r.digest
            WHERE nodes MATCH ? ORDER BY s LIMIT ?"""
        with self.connect() as db:
            query = _query(db, text)
            rows = db.execute(sql, (query, max(1, limit))).fetchall() if query else []
        return [SearchHit(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], round(-r[8], 4)) for r in rows]

    def documents(self, text: str, limit: int = 10) -> list[DocumentHit]:
        """The documents whose nodes best match `text` (each by its best node), best first."""
        sql = f"""
            SELECT d.digest, d.doc_name, d.folder, d.description, d.outline, min(m.s), count(*)
            FROM (SELECT rowid AS id, bm25(nodes, {TITLE}, {SUMMARY}, {BODY}) AS s FROM nodes
                  WHERE nodes MATCH ? ORDER BY s LIMIT {WIDE}) m
            JOIN node_rows r ON r.id = m.id JOIN documents d ON d.digest = r.digest
            GROUP BY d.digest ORDER BY min(m.s), count(*) DESC LIMIT ?"""
        with self.connect() as db:
            query = _query(db, text)
            rows = db.execute(sql, (query, max(1, limit))).fetchall() if query else []
        return [DocumentHit(r[0], r[1], r[2], r[3], r[4], round(-r[5], 4), r[6]) for r in rows]

    def listed(self, limit: int) -> list[DocumentHit]:
        """Up to `limit` indexed documents, by name, unranked (score 0)."""
        sql = "SELECT digest, doc_name, folder, description, outline FROM documents ORDER BY doc_name LIMIT ?"
        with self.connect() as db:
            rows = db.execute(sql, (max(1, limit),)).fetchall()
        return [DocumentHit(r[0], r[1], r[2], r[3], r[4], 0.0, 0) for r in rows]

    def size(self) -> int:
        """Bytes on disk (the database and its write-ahead log)."""
        return sum(os.path.getsize(p) for p in (self.path, Path(f"{self.path}-wal")) if os.path.exists(p))


def _query(db: sqlite3.Connection, text: str) -> str:
    """The FTS5 query for `text`, its words found in more than COMMON of the rows (and more than FEW)
    left out while rarer ones remain (the rarest is always kept)."""
    words = query_words(text)
    if len(words) < 2:
        return match_query(words)
    rows = db.execute("SELECT total(node_count) + count(*) FROM documents").fetchone()[0] or 1
    found = {w: db.execute("SELECT doc FROM vocab WHERE term = ?", (w,)).fetchone() for w in words}
    counts = {w: (row[0] if row else 0) for w, row in found.items()}
    rare = [w for w in words if counts[w] <= max(FEW, COMMON * rows)]
    return match_query(rare or [min(words, key=lambda w: counts[w])])


def _has_tables(db: sqlite3.Connection) -> bool:
    return bool(db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0])


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
    db.execute("DELETE FROM nodes WHERE rowid IN (SELECT id FROM node_rows WHERE digest = ?)", (digest,))
    db.execute("DELETE FROM node_rows WHERE digest = ?", (digest,))
    db.execute("DELETE FROM documents WHERE digest = ?", (digest,))


def _insert(db: sqlite3.Connection, item: Indexed) -> None:
    tree = item.tree
    outline = "; ".join(node.title.strip() for node in tree.nodes if node.title.strip())
    db.execute(
        "INSERT INTO documents VALUES (?, ?, ?, ?, ?, ?, ?)",
        (item.digest, item.folder, item.doc_name or tree.name, tree.description or "", tree.unit, outline,
         tree.count()),
    )  # fmt: skip
    for node_id, start, end, title, summary, body in _rows(item):
        cursor = db.execute(
            "INSERT INTO node_rows(digest, node_id, start, stop) VALUES (?, ?, ?, ?)",
            (item.digest, node_id, start, end),
        )
        db.execute(
            "INSERT INTO nodes(rowid, title, summary, body) VALUES (?, ?, ?, ?)",
            (cursor.lastrowid, title, summary, body),
        )
