"""Trees filed in the library so every front end (app, `ask`, the MCP server) finds them: a document's saved
index reused, or the document indexed and its files moved into the library.

The app's engine (ui/engine.py) files its own runs the same way; issue 11 moves both into jobs.py.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from . import events
from .errors import DocumentError, PageIndexError
from .library import Library, LibraryEntry, ResponseCache
from .settings import Settings


class IndexingFailed(PageIndexError):
    """The document could not be indexed; `kind` as events.FailureKind."""

    def __init__(self, message: str, hint: str = "", kind: str = "other") -> None:
        super().__init__(message, hint)
        self.kind = kind


@dataclass(frozen=True)
class Filed:
    entry: LibraryEntry
    reused: bool  # True: found in the library, no model call


def file_result(
    library: Library,
    path: Path,
    digest: str,
    settings: Settings,
    structure: Path,
    run: Path,
    record: dict,
    move: bool,
) -> LibraryEntry:
    """Put a finished index's two files into the library (moved, or copied when `move` is False)."""
    folder = library.folder_for(digest, settings)
    folder.mkdir(parents=True, exist_ok=True)
    kept = folder / structure.name, folder / run.name
    for source, target in zip((structure, run), kept, strict=True):
        if move:
            os.replace(source, target)
        else:
            shutil.copyfile(source, target)
    return library.save(path, digest, settings, kept[0], kept[1], record)


async def ensure_indexed(
    path: Path,
    settings: Settings,
    library: Library,
    *,
    sink: events.EventSink = events.ignore,
    cache: ResponseCache | None = None,
    password: str | None = None,
) -> Filed:
    """The library's index of `path`, made first (events go to `sink`) when there is none: the one made with
    these settings, else the newest of this content with any settings (asking needs a tree, not a rebuild)."""
    from .index.pipeline import Indexer  # the engine loads only when something must be indexed

    path = Path(path)
    try:
        digest = await asyncio.to_thread(library.digest, path)
    except OSError as err:
        raise DocumentError(
            f"cannot read {path}: {err.strerror or err}", "is it there, and readable?"
        ) from None
    entry = await asyncio.to_thread(lambda: library.find(digest, settings) or library.find(digest))
    if entry is not None:
        return Filed(entry, True)
    staging = library.root / "staging"
    staging.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="ask-", dir=staging))
    try:
        indexer = Indexer(settings, scratch, sink=sink, cache=cache, password=password)
        try:
            result = await indexer.index(path)
        finally:
            await indexer.aclose()
        if not result.ok or result.structure_path is None or result.run_path is None:
            raise IndexingFailed(
                result.error or f"{path} could not be indexed", result.hint, result.kind or "other"
            )
        entry = await asyncio.to_thread(
            file_result,
            library,
            path,
            digest,
            settings,
            result.structure_path,
            result.run_path,
            result.run,
            True,
        )
        return Filed(entry, False)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def file_outputs(library: Library, settings: Settings, results: list) -> list[str]:
    """File `index --out` results in the library too (copies); returns a warning per one that failed."""
    warnings = []
    for result in results:
        if not result.ok or result.structure_path is None or result.run_path is None:
            continue
        try:
            digest = library.digest(Path(result.path))
            file_result(
                library,
                Path(result.path),
                digest,
                settings,
                result.structure_path,
                result.run_path,
                result.run,
                False,
            )
        except (OSError, PageIndexError) as err:
            warnings.append(f"{result.path}: not filed in the library: {err}")
    return warnings
