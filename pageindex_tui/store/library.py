"""The library of saved indexes: finished (and partial) indexes keyed by file content and tree settings."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import checked
from ..errors import DamagedFile, OutputError
from ..settings import TREE_SETTINGS
from ..tree import Tree
from .damage import DAMAGED_MARK, SetAside, healed_hint, set_aside, stamp
from .files import atomic_write_json, data_dir, make_private
from .records import PartialState, RunRecord

log = logging.getLogger(__name__)
ENTRY_FILE = "entry.json"
PATHS_FILE = "paths.json"
PARTIAL_FOLDER = ".partial"  # suffix of the folder that holds a partial index beside the finished one
MAX_REMEMBERED_PATHS = 5000


def file_digest(path: Path, chunk: int = 1 << 20) -> str:
    """The SHA-256 of a file's content (hex); raises OSError when it cannot be read."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def tree_settings(settings: Any) -> dict[str, Any]:
    """The settings that shape a tree (settings.TREE_SETTINGS), as plain data; anything else (endpoint, key,
    concurrency, timeouts) changes only how fast a tree comes."""
    return {name: getattr(settings, name) for name in TREE_SETTINGS}


def tree_settings_key(settings: Any) -> str:
    blob = json.dumps(tree_settings(settings), sort_keys=True)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:16]


def settings_differences(recorded: dict[str, Any], settings: Any) -> list[str]:
    """How the tree settings a saved index `recorded` differ from `settings`' ones, one phrase each, such as
    "if_add_node_summary yes, not no" (what the tree was made with first); [] when they are the same."""

    def said(value: Any) -> str:
        return ("yes" if value else "no") if isinstance(value, bool) else repr(value)

    out = []
    for name, wanted in tree_settings(settings).items():
        if name not in recorded:
            out.append(f"{name} not recorded, not {said(wanted)}")
        elif recorded[name] != wanted:
            out.append(f"{name} {said(recorded[name])}, not {said(wanted)}")
    return out


@dataclass
class LibraryEntry:
    """One saved index (its `entry.json`): a document's content, the settings that shaped its tree, the
    files written, and what its run record says in short. `to_json` / `from_json` are its one codec."""

    folder: Path
    digest: str = ""
    settings_key: str = ""
    settings: dict[str, Any] = field(default_factory=dict)  # tree_settings() of the run
    source: str = ""  # the document's resolved path when it was indexed
    doc_name: str = ""
    structure_file: str = ""
    run_file: str = ""
    nodes: int = 0
    structure_source: str = ""
    finished_at: str = ""
    warnings: int = 0  # how many its run record holds
    partial: PartialState | None = None  # set for a partial index (a run that stopped)

    @property
    def structure_path(self) -> Path:
        return self.folder / self.structure_file

    @property
    def run_path(self) -> Path:
        return self.folder / self.run_file

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "digest": self.digest,
            "settings_key": self.settings_key,
            "settings": self.settings,
            "source": self.source,
            "doc_name": self.doc_name,
            "structure_file": self.structure_file,
            "run_file": self.run_file,
            "nodes": self.nodes,
            "structure_source": self.structure_source,
            "finished_at": self.finished_at,
            "warnings": self.warnings,
        }
        if self.partial is not None:
            data["partial"] = self.partial.to_dict()
        return data

    @classmethod
    def from_json(cls, folder: Path, data: Any) -> LibraryEntry:
        """An entry back from its JSON; missing or null fields get their defaults, a field of the wrong
        type raises DamagedFile naming it (file names must name a file in the entry's folder)."""
        data = checked.obj(data, "the entry")
        return cls(
            folder=Path(folder),
            digest=checked.text(data.get("digest"), "digest"),
            settings_key=checked.text(data.get("settings_key"), "settings_key"),
            settings=checked.obj(data.get("settings") or {}, "settings"),
            source=checked.text(data.get("source"), "source"),
            doc_name=checked.text(data.get("doc_name"), "doc_name"),
            structure_file=checked.file_name(data.get("structure_file"), "structure_file"),
            run_file=checked.file_name(data.get("run_file"), "run_file"),
            nodes=checked.whole(data.get("nodes"), "nodes"),
            structure_source=checked.text(data.get("structure_source"), "structure_source"),
            finished_at=checked.text(data.get("finished_at"), "finished_at"),
            warnings=checked.whole(data.get("warnings"), "warnings"),
            partial=PartialState.from_dict(data.get("partial")),
        )

    def load(self) -> Tree:
        """The saved tree; raises OSError, or DamagedFile (a TreeFormatError, naming the file) when the
        file holds no sound tree: then the entry's folder is set aside (see `set_aside`) and the error's
        hint says so."""
        try:
            return checked.read_json(self.structure_path, Tree.from_json)
        except DamagedFile as err:
            moved = set_aside(self.folder, err, self.doc_name)
            raise DamagedFile(err.problem, healed_hint(moved), err.path, err.field) from None

    def __repr__(self) -> str:
        return f"LibraryEntry({self.doc_name!r}, {self.digest[:12]}, {self.settings_key})"


def read_entry_file(folder: Path) -> LibraryEntry:
    """The entry in `folder`; raises OSError, or DamagedFile naming the file and field."""
    return checked.read_json(folder / ENTRY_FILE, lambda data: LibraryEntry.from_json(folder, data))


def read_paths(data: Any) -> dict[str, list[Any]]:
    """`paths.json`: each resolved path's [size, mtime in ns, content digest]; raises DamagedFile."""
    out: dict[str, list[Any]] = {}
    for path, memo in checked.obj(data, "the paths").items():
        where = checked.field("", path)
        items = checked.seq(memo, where)
        if len(items) != 3:
            raise checked.damaged(where, f"should be [size, mtime, digest], not {len(items)} values")
        size = checked.whole(items[0], checked.field(where, 0), maximum=1 << 62)
        mtime = checked.whole(items[1], checked.field(where, 1), minimum=-(1 << 62), maximum=1 << 62)
        out[path] = [size, mtime, checked.text(items[2], checked.field(where, 2))]
    return out


class Library:
    """Finished indexes under `data_dir()/library`, keyed by file content and the tree-shaping settings.

    Layout: `<root>/<digest>/<settings key>/` holds the engine's `<stem>_structure.json` and
    `<stem>_run.json` plus `entry.json`, written last, so a folder without `entry.json` (an interrupted
    run) is never taken for an index. A run that stopped after its structure was known keeps a partial
    index in `<settings key>.partial/` (its entry says how far it got): `find` never takes it for a
    finished one, `find_partial` finds it to resume, and filing the finished index removes it.
    `paths.json` remembers each file's size, mtime and digest so that reopening the app finds indexes
    without reading every document again.
    """

    def __init__(self, root: Path | None = None) -> None:
        self.root = Path(root) if root else data_dir() / "library"
        self._lock = threading.RLock()
        self._paths: dict[str, list[Any]] | None = None
        self._private = False  # the root is known to be 0700

    def _make_private(self) -> None:
        """Make the root 0700 before anything is written under it: saved trees and summaries are the
        user's documents, kept as privately as the response cache (also closes an older 0755 root)."""
        if self._private:
            return
        try:
            make_private(self.root)
            self._private = True
        except OSError:
            pass  # the write that follows reports the folder's problem

    # -- file digests, remembered by path ------------------------------------------------------
    def _load_paths(self) -> dict[str, list[Any]]:
        if self._paths is None:
            try:
                self._paths = checked.read_json(self.root / PATHS_FILE, read_paths)
            except OSError:
                self._paths = {}
            except DamagedFile as err:  # only a memo: moved aside, and digests are read again
                self._paths = {}
                moved = self.root / f"{PATHS_FILE}{DAMAGED_MARK}{stamp()}"
                try:
                    os.replace(self.root / PATHS_FILE, moved)
                    log.warning("damaged %s set aside as %s: %s", PATHS_FILE, moved, err)
                except OSError:
                    pass
        return self._paths

    def known_digest(self, path: Path) -> str | None:
        """The digest remembered for `path` if the file has not changed since (no reading)."""
        path = Path(path).resolve()
        try:
            stat = path.stat()
        except OSError:
            return None
        with self._lock:
            memo = self._load_paths().get(str(path))
        if memo and memo[0] == stat.st_size and memo[1] == stat.st_mtime_ns:
            return str(memo[2])
        return None

    def digest(self, path: Path) -> str:
        """The file's content digest, from memory when size and mtime are unchanged; raises OSError."""
        path = Path(path).resolve()
        known = self.known_digest(path)
        if known:
            return known
        stat = path.stat()
        value = file_digest(path)
        with self._lock:
            paths = self._load_paths()
            paths.pop(str(path), None)
            paths[str(path)] = [stat.st_size, stat.st_mtime_ns, value]
            while len(paths) > MAX_REMEMBERED_PATHS:
                paths.pop(next(iter(paths)))
            try:
                self._make_private()
                atomic_write_json(self.root / PATHS_FILE, paths)
            except OutputError:
                pass  # only slower next time
        return value

    # -- entries -------------------------------------------------------------------------------
    def folder_for(self, digest: str, settings: Any, partial: bool = False) -> Path:
        """Where the index of this content with these settings lives (the engine's out folder), or its
        partial index (`partial`).

        The root is made private (0700) here, since the engine writes there next."""
        self._make_private()
        key = tree_settings_key(settings)
        return self.root / digest / (key + PARTIAL_FOLDER if partial else key)

    def _read_entry(self, folder: Path) -> LibraryEntry | None:
        try:
            entry = read_entry_file(folder)
        except OSError:
            return None
        except DamagedFile as err:
            set_aside(folder, err)
            return None
        return entry if entry.structure_path.is_file() else None

    def check(self, repair: bool = False) -> tuple[int, list[DamagedFile]]:
        """Read every saved index whole (entry, tree, run record): how many there are, and the damage found;
        `repair` sets each damaged one aside. Nothing is moved without `repair`."""
        try:
            folders = sorted(
                key
                for digest in self.root.iterdir()
                if digest.is_dir()
                for key in digest.iterdir()
                if key.is_dir() and DAMAGED_MARK not in key.name and (key / ENTRY_FILE).exists()
            )
        except OSError:
            return 0, []
        found = []
        for folder in folders:
            try:
                entry = read_entry_file(folder)
                for name, reader in (
                    (entry.structure_file, Tree.from_json),
                    (entry.run_file, RunRecord.from_dict),
                ):
                    if name and (folder / name).is_file():
                        checked.read_json(folder / name, reader)
            except OSError:
                continue
            except DamagedFile as err:
                found.append(err)
                if repair:
                    set_aside(folder, err)
        return len(folders), found

    def set_aside_all(self) -> list[SetAside]:
        """Every damaged index set aside so far, any content."""
        try:
            digests = sorted(p.name for p in self.root.iterdir() if p.is_dir())
        except OSError:
            return []
        return [item for digest in digests for item in self.damaged(digest)]

    def damaged(self, digest: str) -> list[SetAside]:
        """The damaged indexes of this content that were set aside, newest first."""
        try:
            folders = [p for p in (self.root / digest).iterdir() if DAMAGED_MARK in p.name and p.is_dir()]
        except OSError:
            return []
        return [SetAside.read(f) for f in sorted(folders, key=lambda p: p.name, reverse=True)]

    def damaged_for(self, path: Path) -> SetAside | None:
        """For a file with no index: its newest damaged index that was set aside, if any (no reading
        when its digest is remembered)."""
        try:
            digest = self.digest(path)
        except OSError:
            return None
        found = self.damaged(digest)
        return found[0] if found else None

    def entries_for(self, digest: str) -> list[LibraryEntry]:
        """Every saved index of this content, newest first."""
        try:
            folders = [
                p
                for p in (self.root / digest).iterdir()
                if p.is_dir() and not p.name.endswith(PARTIAL_FOLDER) and DAMAGED_MARK not in p.name
            ]
        except OSError:
            return []
        entries = [e for e in (self._read_entry(f) for f in folders) if e is not None]
        return sorted(entries, key=lambda e: e.finished_at, reverse=True)

    def entries(self) -> list[LibraryEntry]:
        """Every finished index in the library (any content, any settings), newest first."""
        try:
            digests = [p for p in self.root.iterdir() if p.is_dir()]
        except OSError:
            return []
        entries = [entry for digest in digests for entry in self.entries_for(digest.name)]
        return sorted(entries, key=lambda e: e.finished_at, reverse=True)

    def find(self, digest: str, settings: Any | None = None) -> LibraryEntry | None:
        """The index made with exactly these settings; without settings, the newest of any."""
        if settings is not None:
            return self._read_entry(self.folder_for(digest, settings))
        entries = self.entries_for(digest)
        return entries[0] if entries else None

    def for_asking(self, digest: str, settings: Any) -> LibraryEntry | None:
        """The index to ask: the one made with these settings, else the newest made with any (the question
        says how its settings differ: ask/engine.py)."""
        return self.find(digest, settings) or self.find(digest)

    def find_partial(self, digest: str, settings: Any) -> LibraryEntry | None:
        """The partial index of this content with these settings (a run that stopped), if one is kept."""
        entry = self._read_entry(self.folder_for(digest, settings, partial=True))
        return entry if entry is not None and entry.partial is not None else None

    def lookup(self, path: Path, settings: Any | None = None) -> LibraryEntry | None:
        """`find` for a file on disk; None when it cannot be read or has no index."""
        try:
            digest = self.digest(path)
        except OSError:
            return None
        return self.find(digest, settings)

    def best(self, path: Path, settings: Any) -> tuple[LibraryEntry | None, bool]:
        """What to show for a file: its index made with these settings, else its partial index with these
        settings, else its newest index made with any; and whether it was made with these settings."""
        try:
            digest = self.digest(path)
        except OSError:
            return None, False
        exact = self.find(digest, settings) or self.find_partial(digest, settings)
        return (exact, True) if exact is not None else (self.find(digest), False)

    def save(
        self,
        path: Path,
        digest: str,
        settings: Any,
        structure_path: Path,
        run_path: Path,
        run: RunRecord | None = None,
    ) -> LibraryEntry:
        """Record an index whose files the engine wrote into `folder_for(digest, settings)`, or a partial
        one (`run.partial` set) in `folder_for(digest, settings, partial=True)`. A finished index replaces
        the partial one it went on from."""
        partial = run.partial if run is not None else None
        folder = self.folder_for(digest, settings, partial=partial is not None)
        entry = LibraryEntry(
            folder,
            digest=digest,
            settings_key=tree_settings_key(settings),
            settings=tree_settings(settings),
            source=str(Path(path).resolve()),
            doc_name=(run.doc_name if run else "") or Path(path).name,
            structure_file=Path(structure_path).name,
            run_file=Path(run_path).name,
            nodes=run.nodes if run else 0,
            structure_source=run.structure_source if run else "",
            finished_at=run.finished_at if run else "",
            warnings=len(run.warnings) if run else 0,
            partial=partial,
        )
        atomic_write_json(folder / ENTRY_FILE, entry.to_json())
        if partial is None:
            self.drop_partial(digest, settings)
        return entry

    def drop_partial(self, digest: str, settings: Any) -> None:
        """Forget the partial index of this content with these settings (its entry first, then its files)."""
        folder = self.folder_for(digest, settings, partial=True)
        try:
            (folder / ENTRY_FILE).unlink()
        except FileNotFoundError:
            return
        except OSError:
            pass
        shutil.rmtree(folder, ignore_errors=True)
