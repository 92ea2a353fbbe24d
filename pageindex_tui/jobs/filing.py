"""The tree the CLI's `ask` needs for a document: its saved index, or one made now (the MCP server
only reads what the library holds).

A thin layer over the job service (service.py), which indexes and files into the library for every front
end; this adds only the rule that asking takes a tree made with any settings when none was made with
these, since a question needs a tree, not a rebuild.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .. import events
from ..errors import DocumentError, PageIndexError
from ..settings import Settings
from ..store.cache import ResponseCache
from ..store.library import Library, LibraryEntry

if TYPE_CHECKING:
    from ..document import Document
    from ..llm.session import ModelSession


class IndexingFailed(PageIndexError):
    """The document could not be indexed (the message says why, a partial index how far it got)."""


@dataclass(frozen=True)
class Filed:
    entry: LibraryEntry
    reused: bool  # True: found in the library, no model call


async def ensure_indexed(
    path: Path,
    settings: Settings,
    library: Library,
    *,
    sink: events.EventSink = events.ignore,
    cache: ResponseCache | None = None,
    password: str | None = None,
    session: ModelSession | None = None,
    document: Document | None = None,
) -> Filed:
    """The library's index of `path`, made first (events go to `sink`) when there is none: the one made with
    these settings, else the newest of this content with any settings. Indexing runs on `session` when
    given (its owner closes it), so a question asked next needs no second connection; `document` is the
    file already opened by the caller, who reads it next."""
    from .service import JobService, unlocks  # the engine loads only when something must be indexed

    path = Path(path)
    try:
        digest = await asyncio.to_thread(library.digest, path)
    except OSError as err:
        raise DocumentError(
            f"cannot read {path}: {err.strerror or err}", "is it there, and readable?"
        ) from None
    entry = await asyncio.to_thread(library.for_asking, digest, settings)
    if entry is not None and document is None:
        await asyncio.to_thread(unlocks, path, password)  # raises EncryptedPDF as opening it would
    if entry is not None:
        return Filed(entry, True)
    sessions = [session] if session is not None else []  # indexing connects it for what comes next
    async with JobService(library, sink=sink, cache=cache, password=password, sessions=sessions) as jobs:
        result = await jobs.run(path, settings, document=document)
    entry = await asyncio.to_thread(library.find, digest, settings)
    if not result.ok or entry is None:  # a partial index says how far it got, and why it stopped
        if result.error:
            raise IndexingFailed(result.error, result.hint)
        raise IndexingFailed(f"{path} could not be indexed", "")
    return Filed(entry, False)
