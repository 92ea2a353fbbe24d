"""The search index's file (`search/search.sqlite` in the library): made whole and linked into place,
opened with one connection kept per thread, and set aside when damaged. What it holds and how it is
searched is `search.py`'s.

A connection is kept for its thread's next call (sqlite3 lets a connection be used by one thread only)
while the file at the path is still the one it opened (the file's device and inode, one `stat` a call):
opening costs PRAGMAs, the schema check and a cold page cache, a quarter to a third of a planted-fact
question's CPU time on `benchmarks/search_bench.py`'s 10,000 documents. A file set aside and made again,
or a search folder removed, is opened afresh; the old connection is closed then, which is safe: SQLite
neither checkpoints nor deletes the write-ahead log by name for a database file that was renamed or
unlinked while open (`tests/unit/test_search_file.py` checks the new file is left whole). An error while a
connection is in use drops it: the next call opens afresh and checks the file again (one damaged in place
is set aside where the check finds it).
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..errors import SearchIndexError
from .damage import DAMAGED_MARK, stamp
from .files import make_private

log = logging.getLogger(__name__)

SEARCH_FOLDER = "search"  # in the library's folder
SEARCH_FILE = "search.sqlite"
OLD_FILE = "search.sqlite"  # schema 1 lived in the library's folder itself: removed (it is derived)
SCHEMA = 2  # PRAGMA user_version: an index of another schema is built again
BUSY_MS = 30_000  # a second writer waits this long for the first
LOG_BYTES = 4 << 20  # the write-ahead log is cut back to this after a checkpoint (a kept connection
# would otherwise leave it at its largest, a batch of documents, until the process ends)
TABLES = f"""
CREATE TABLE IF NOT EXISTS documents(
  id INTEGER PRIMARY KEY, digest TEXT NOT NULL UNIQUE, folder TEXT NOT NULL, source TEXT NOT NULL,
  doc_name TEXT NOT NULL, description TEXT NOT NULL, unit TEXT NOT NULL, outline TEXT NOT NULL,
  node_count INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS node_rows(
  id INTEGER PRIMARY KEY, node_id TEXT NOT NULL, title TEXT NOT NULL, start INTEGER NOT NULL,
  stop INTEGER NOT NULL, page INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE VIRTUAL TABLE IF NOT EXISTS nodes USING fts5(
  title, summary, body, tokenize = 'porter unicode61 remove_diacritics 2');
PRAGMA user_version = {SCHEMA}
"""
Identity = tuple[int, int]  # a file's device and inode


class IndexFile:
    """`search/search.sqlite` in `root` (the library's folder), with a connection per thread; the app's
    threads and the CLI may all use one."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.folder = self.root / SEARCH_FOLDER
        self.path = self.folder / SEARCH_FILE
        self._lock = threading.Lock()
        self._held = threading.local()  # this thread's connection and the identity of the file it opened
        self.rebuilt = False  # set when the file was set aside (damaged) or new: the caller fills it

    @contextmanager
    def connect(self) -> Iterator[sqlite3.Connection]:
        """This thread's connection to a sound index (kept for its next call): a damaged file is set aside
        and a new one made (`rebuilt`). Only a file SQLite calls corrupt or not a database, or one of
        another schema, is damaged; one held past the busy timeout, or that the disk refuses, raises
        `SearchIndexError` and is left."""
        try:
            db = self._connection()
            try:
                yield db
            except sqlite3.Error:
                self.close()  # the next call opens afresh and checks the file again
                raise
        except sqlite3.OperationalError as err:
            raise self._unusable(err) from err

    def close(self) -> None:
        """Close this thread's connection (the next call opens one again)."""
        held: tuple[sqlite3.Connection, Identity | None] | None = getattr(self._held, "db", None)
        self._held.db = None
        if held is not None:
            held[0].close()

    def cut_log(self, db: sqlite3.Connection) -> None:
        """After many documents were written: the write-ahead log copied into the file and emptied, if no
        other connection is reading now (not waited for: the log is then cut back by a later write). A
        connection closed after each call left no log behind; a kept one would leave a batch's worth."""
        db.execute("PRAGMA busy_timeout = 0")
        try:
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()  # (1, ...) when others read
        except sqlite3.OperationalError as err:
            if _code(err) not in (_BUSY, _LOCKED):
                raise
        finally:
            db.execute(f"PRAGMA busy_timeout = {BUSY_MS}")

    def _connection(self) -> sqlite3.Connection:
        held: tuple[sqlite3.Connection, Identity | None] | None = getattr(self._held, "db", None)
        if held is not None:
            if held[1] is not None and held[1] == _identity(self.path):
                return held[0]
            self.close()  # the file was replaced or removed since it was opened
        with self._lock:
            try:
                db, identity = self._checked()
            except sqlite3.DatabaseError as err:
                if not _damaged(err):
                    raise
                self._set_aside(err)
                db, identity = self._checked()
        self._held.db = (db, identity)
        return db

    def _checked(self) -> tuple[sqlite3.Connection, Identity | None]:
        """`_open`, and the tables read once (a damaged file can open and fail there)."""
        db, identity = self._open()
        try:
            db.execute("SELECT count(*) FROM documents").fetchone()
        except BaseException:
            db.close()
            raise
        return db, identity

    def _open(self) -> tuple[sqlite3.Connection, Identity | None]:
        """A connection to the index file, made first where there is none, with the identity the file had
        just before it was opened (a file replaced in between is opened again on the next call). Raises
        `_Unsound` for a file that is not an index of this schema; waits up to the busy timeout while
        others hold it."""
        make_private(self.root)
        make_private(self.folder)
        deadline = time.monotonic() + BUSY_MS / 1000
        while True:
            if not self.path.exists():
                _remove_old(self.root / OLD_FILE)
                self._make()
            identity = _identity(self.path)
            try:
                return self._open_made(), identity
            except sqlite3.OperationalError as err:
                code = _code(err)
                if code == _CANTOPEN and not self.path.exists():
                    continue  # set aside by another process between our look and our open: make it
                if code not in (_BUSY, _LOCKED):
                    raise
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def _open_made(self) -> sqlite3.Connection:
        uri = f"{self.path.as_uri()}?mode=rw"  # never makes an empty file: `_make` makes it whole
        db = sqlite3.connect(uri, uri=True, timeout=BUSY_MS / 1000, isolation_level=None)
        try:
            db.execute(f"PRAGMA busy_timeout = {BUSY_MS}")
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version != SCHEMA:
                raise _Unsound(f"schema {version}, not {SCHEMA}")
            db.execute("PRAGMA synchronous = NORMAL")  # WAL: a crash loses the last commits, never the file
            db.execute(f"PRAGMA journal_size_limit = {LOG_BYTES}")
            return db
        except BaseException:
            db.close()
            raise

    def _make(self) -> None:
        """Make the index whole in a file of its own, then link it into place: a process that finds
        the file finds its tables, and of two making it at once one wins and the other's is removed.
        (Setting WAL on a shared new file can fail at once with "database is locked", the busy timeout
        unheeded, which is why nothing is set up in place.)"""
        fresh = self.folder / f"{SEARCH_FILE}.new-{os.getpid()}-{threading.get_ident()}"
        _remove_old(fresh)
        db = sqlite3.connect(fresh, isolation_level=None)
        try:
            db.execute("PRAGMA journal_mode = WAL")  # kept in the file's header
            db.executescript(TABLES)
        finally:
            db.close()
        try:
            os.link(fresh, self.path)
            self.rebuilt = True
        except FileExistsError:
            pass  # another process made it first: theirs is used
        finally:
            _remove_old(fresh)

    def _unusable(self, err: sqlite3.OperationalError) -> SearchIndexError:
        if _code(err) in (_BUSY, _LOCKED):
            waited = f"{BUSY_MS / 1000:g} s"
            return SearchIndexError(
                f"the search index {self.path} is held by another process (waited {waited})",
                "another pageindex-tui is filing documents: try again when it is done",
            )
        return SearchIndexError(
            f"the search index {self.path} could not be used: {err}",
            f"check the disk and the permissions of {self.folder}; the index is derived from the library,"
            " so the folder may be removed and is built again",
        )

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


def _identity(path: Path) -> Identity | None:
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return stat.st_dev, stat.st_ino


def _remove_old(path: Path) -> None:
    """A file and its journal files: the schema-1 index in the library's own folder (derived data, built
    again in the new place), or a new file once linked into place."""
    for extra in ("", "-wal", "-shm"):
        try:
            os.unlink(f"{path}{extra}")
        except OSError:
            pass


class _Unsound(sqlite3.DatabaseError):
    """A file that opens but is not an index of this schema."""


def _damaged(err: sqlite3.DatabaseError) -> bool:
    """Whether the file itself is bad (set aside and built again), not the moment (busy, disk full)."""
    if isinstance(err, _Unsound):
        return True
    return _code(err) in (_CORRUPT, _NOTADB)


# SQLite's primary result codes (sqlite3 names them from Python 3.11; 3.10 gives only the message)
_BUSY, _LOCKED, _CORRUPT, _CANTOPEN, _NOTADB = 5, 6, 11, 14, 26
_MESSAGES = {
    "database is locked": _BUSY,
    "database table is locked": _LOCKED,
    "database disk image is malformed": _CORRUPT,
    "unable to open database file": _CANTOPEN,
    "file is not a database": _NOTADB,
}


def _code(err: sqlite3.Error) -> int:
    """The primary result code of an error from sqlite3, 0 where it cannot be told."""
    code = getattr(err, "sqlite_errorcode", None)
    if isinstance(code, int):
        return code & 0xFF
    return _MESSAGES.get(str(err), 0)
