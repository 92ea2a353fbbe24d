"""The search index kept in step with the library: a document filed is put in at once (`file`), and every
search first brings the index up to the library's folders (`sync`): documents filed by a version without
the index, or whose saved index was set aside or removed since, are added or dropped. `rebuild` builds it
whole again (`pageindex-tui library reindex`). The index itself is `search.py`'s."""

from __future__ import annotations

import logging
import os
import sqlite3
from dataclasses import dataclass

from .. import checked
from ..errors import DamagedFile
from ..tree import Tree
from .library import ENTRY_FILE, Library, LibraryEntry
from .search import DocumentHit, Indexed, SearchHit, SearchIndex

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Synced:
    added: int
    dropped: int


class LibrarySearch:
    """Search over one library's newest saved index of each document."""

    def __init__(self, library: Library) -> None:
        self.library = library
        self.index = SearchIndex(library.root)

    def file(self, entry: LibraryEntry, tree: Tree | None = None) -> None:
        """Put a just-filed entry in (it is its document's newest); `tree`: its tree when the caller holds
        it (else read from the entry). A tree that cannot be read is left to the library's own damage
        handling, and a search index that cannot be written only logs."""
        if entry.partial is not None:
            return
        item = _indexed(entry, tree)
        if item is None:
            return
        try:
            self.index.put([item])
        except (OSError, sqlite3.Error) as err:  # filing never fails on the index
            log.warning("the search index was not updated for %s: %s", entry.doc_name, err)

    def sync(self) -> Synced:
        """Add the documents the index lacks, drop those whose saved index is gone."""
        try:
            digests = {p.name for p in os.scandir(self.library.root) if p.is_dir() and p.name != "staging"}
        except OSError:
            digests = set()
        indexed = self.index.indexed()
        gone = [d for d, folder in indexed.items() if not os.path.exists(os.path.join(folder, ENTRY_FILE))]
        missing = sorted(digests - indexed.keys() | set(gone))
        items = [item for digest in missing if (item := self._newest(digest)) is not None]
        self.index.drop(gone)
        self.index.put(items)
        return Synced(len(items), len(gone) - sum(1 for i in items if i.digest in gone))

    def rebuild(self) -> int:
        """The index made again from every document's newest saved index; how many it holds."""
        self.index.clear()
        return self.sync().added

    def search(self, text: str, limit: int = 20) -> list[SearchHit]:
        self.sync()
        return self.index.search(text, limit)

    def documents(self, text: str, limit: int = 10) -> list[DocumentHit]:
        self.sync()
        return self.index.documents(text, limit)

    def listed(self, limit: int) -> list[DocumentHit]:
        self.sync()
        return self.index.listed(limit)

    def _newest(self, digest: str) -> Indexed | None:
        for entry in self.library.entries_for(digest):
            item = _indexed(entry)
            if item is not None:
                return item
        return None


def _indexed(entry: LibraryEntry, tree: Tree | None = None) -> Indexed | None:
    """The entry's search item, from `tree` when given, else from its saved tree (None: unreadable)."""
    if tree is None:
        try:
            tree = checked.read_json(entry.structure_path, Tree.from_json)
        except (OSError, DamagedFile) as err:
            log.warning("%s is not searchable: %s", entry.doc_name, err)
            return None
    return Indexed(entry.digest, str(entry.folder), entry.doc_name, tree)
