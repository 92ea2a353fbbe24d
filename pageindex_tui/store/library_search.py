"""The search index kept in step with the library: a document filed is put in at once (`file`), and a
search first brings the index up to the library's folders (`sync`): documents filed by a version without
the index, or whose saved index was set aside or removed since, are added or dropped. `rebuild` builds it
whole again (`pageindex-tui library reindex`). The index itself is `search.py`'s.

The sync reads the library's folder (one entry per document) only when that folder's time changed since
the last sync (a document folder came or went); a found document whose saved index is gone (set aside
inside its folder) is dropped when a search finds it, and the search is run again. Page text comes from
`passages`, given by the layer that can open documents (`jobs/pagetext.py`); without it the tree's saved
node text is searched.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .. import checked
from ..errors import DamagedFile, SearchIndexError
from ..tree import Tree
from .library import ENTRY_FILE, Library, LibraryEntry
from .search import DocumentHit, Indexed, Passage, SearchHit, SearchIndex, folder_prefix
from .searchfile import SEARCH_FOLDER

log = logging.getLogger(__name__)

PassageSource = Callable[[LibraryEntry], Sequence[Passage]]
SETTLED_NS = 2_000_000_000  # a folder time this recent may yet change within the same clock tick
_SYNCED = "library_mtime_ns"
_NOT_DOCUMENTS = {"staging", SEARCH_FOLDER}


@dataclass(frozen=True)
class Synced:
    added: int
    dropped: int


class LibrarySearch:
    """Search over one library's newest saved index of each document. `passages`: a document's page
    text for an entry (none: the tree's saved node text only)."""

    def __init__(self, library: Library, passages: PassageSource | None = None) -> None:
        self.library = library
        self.index = SearchIndex(library.root)
        self.passages = passages

    def file(self, entry: LibraryEntry, tree: Tree | None = None, passages: Sequence[Passage] = ()) -> None:
        """Put a just-filed entry in (it is its document's newest); `tree`: its tree when the caller holds
        it (else read from the entry); `passages`: its page text when the caller holds it (else from
        `self.passages`). A tree that cannot be read is left to the library's own damage handling, and a
        search index that cannot be written only logs."""
        if entry.partial is not None:
            return
        item = self._indexed(entry, tree, passages)
        if item is None:
            return
        try:
            self.index.put([item])
        except (OSError, sqlite3.Error, SearchIndexError) as err:  # filing never fails on the index
            log.warning("the search index was not updated for %s: %s", entry.doc_name, err)

    def sync(self, force: bool = False) -> Synced:
        """Add the documents the index lacks, drop those whose saved index is gone; nothing to do (one
        stat) when the library's folder has not changed since the last sync, unless `force`."""
        try:
            seen = os.stat(self.library.root).st_mtime_ns
        except OSError:
            seen = 0
        settled = seen and time.time_ns() - seen > SETTLED_NS
        if not force and settled and not self.index.rebuilt and self.index.note(_SYNCED) == str(seen):
            return Synced(0, 0)
        try:
            digests = {
                p.name for p in os.scandir(self.library.root) if p.is_dir() and p.name not in _NOT_DOCUMENTS
            }
        except OSError:
            digests = set()
        indexed = self.index.indexed()
        gone = [d for d, folder in indexed.items() if not os.path.exists(os.path.join(folder, ENTRY_FILE))]
        missing = sorted(digests - indexed.keys() | set(gone))
        items = [item for digest in missing if (item := self._newest(digest)) is not None]
        self.index.drop(gone)
        self.index.put(items)
        self.index.rebuilt = False
        if settled:
            self.index.set_note(_SYNCED, str(seen))
        return Synced(len(items), len(gone) - sum(1 for i in items if i.digest in gone))

    def rebuild(self) -> int:
        """The index made again from every document's newest saved index; how many it holds."""
        self.index.clear()
        return self.sync(force=True).added

    def search(self, text: str, limit: int = 20, under: Path | str | None = None) -> list[SearchHit]:
        """The best matching nodes and passages; `under`: of documents whose source lies in that folder."""
        prefix = folder_prefix(under) if under else ""
        self.sync()
        hits = self.index.search(text, limit, prefix)
        if self._stale([h.digest for h in hits], [h.folder for h in hits]):
            hits = self.index.search(text, limit, prefix)
        return hits

    def documents(self, text: str, limit: int = 10, under: Path | str | None = None) -> list[DocumentHit]:
        """The best matching documents; `under`: those whose source lies in that folder."""
        prefix = folder_prefix(under) if under else ""
        self.sync()
        hits = self.index.documents(text, limit, prefix)
        if self._stale([h.digest for h in hits], [h.folder for h in hits]):
            hits = self.index.documents(text, limit, prefix)
        return hits

    def listed(self, limit: int, under: Path | str | None = None) -> list[DocumentHit]:
        self.sync()
        return self.index.listed(limit, folder_prefix(under) if under else "")

    def _stale(self, digests: list[str], folders: list[str]) -> bool:
        """Drop (or bring up to date) found documents whose saved index is gone; whether any was."""
        gone = sorted(
            {
                d
                for d, f in zip(digests, folders, strict=True)
                if not os.path.exists(os.path.join(f, ENTRY_FILE))
            }
        )
        if not gone:
            return False
        items = [item for digest in gone if (item := self._newest(digest)) is not None]
        self.index.drop(gone)
        self.index.put(items)
        return True

    def _newest(self, digest: str) -> Indexed | None:
        for entry in self.library.entries_for(digest):
            item = self._indexed(entry)
            if item is not None:
                return item
        return None

    def _indexed(
        self, entry: LibraryEntry, tree: Tree | None = None, passages: Sequence[Passage] = ()
    ) -> Indexed | None:
        """The entry's search item, from `tree` when given, else from its saved tree (None: unreadable),
        with its page text."""
        if tree is None:
            try:
                tree = checked.read_json(entry.structure_path, Tree.from_json)
            except (OSError, DamagedFile) as err:
                log.warning("%s is not searchable: %s", entry.doc_name, err)
                return None
        if not passages and self.passages is not None:
            passages = self.passages(entry)
        return Indexed(entry.digest, str(entry.folder), entry.doc_name, tree, entry.source, tuple(passages))
