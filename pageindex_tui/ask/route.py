"""A question over the whole library: documents first, then nodes.

The library's search index (`store/search.py`) ranks documents by the question's words; the best
MAX_CANDIDATES go before the model as one line each (name, description, top-level titles, cut to
LINE_CHARS), and it chooses at most `prompts.MAX_DOCUMENTS`; the node pick then sees those documents'
outlines only. Neither prompt grows with the library: its size changes only which documents the search
finds.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..errors import DamagedFile
from ..llm.client import LLMClient
from ..llm.replies import ask_json
from ..safe_text import one_line
from ..settings import Settings
from ..store.library import Library, read_entry_file
from ..store.library_search import LibrarySearch
from ..store.search import DocumentHit
from . import prompts
from .documents import AskInputError, load_entry
from .shapes import ChosenDocuments
from .types import AskDocument

log = logging.getLogger(__name__)

MAX_CANDIDATES = 12  # documents the search hands to the model's choice
LINE_CHARS = 300  # of each document's line in that choice


@dataclass(frozen=True)
class LibraryScope:
    """Ask the library: its search, and how a found document is loaded to be read."""

    search: LibrarySearch
    load: Callable[[DocumentHit], AskDocument]
    candidates: int = MAX_CANDIDATES
    under: Path | None = None  # only documents whose source lies in this folder

    @classmethod
    def of(
        cls,
        library: Library,
        password: str | None = None,
        under: Path | None = None,
        search: LibrarySearch | None = None,
        settings: Settings | None = None,
    ) -> LibraryScope:
        """The library's scope; `under`: a folder its documents' sources lie in; `search`: the library's
        search as the caller makes it (with page text), else one over saved trees only; `settings`: a
        found document is asked through its tree made with these, where one is saved (the search holds
        each document's newest)."""

        def load(hit: DocumentHit) -> AskDocument:
            try:
                made = library.find(hit.digest, settings) if settings is not None else None
                entry = made or read_entry_file(Path(hit.folder))
            except (OSError, DamagedFile) as err:
                raise AskInputError(f"the saved index of {hit.doc_name} cannot be read: {err}", "") from None
            return load_entry(entry, password, digest=library.digest)

        return cls(search or LibrarySearch(library), load, under=under)


def listing(hits: list[DocumentHit]) -> tuple[str, dict[str, DocumentHit]]:
    """The candidates as the model sees them, one line each under an id D1, D2, ..."""
    keys = {f"D{number}": hit for number, hit in enumerate(hits, start=1)}
    lines = []
    for key, hit in keys.items():
        parts = [hit.doc_name, hit.description, f"sections: {hit.outline}" if hit.outline else ""]
        line = one_line(" | ".join(p for p in parts if p.strip()))
        lines.append(f"[{key}] {line[:LINE_CHARS]}")
    return "\n".join(lines), keys


async def choose(
    client: LLMClient,
    hits: list[DocumentHit],
    question: str,
    run: str,
    reply: int,
    attempts: int,
    warn: Callable[[str], None],
) -> list[DocumentHit]:
    """The documents to read, chosen by the model among `hits` (all of them when they are few enough);
    the search's best when the model's reply is of no use."""
    if len(hits) <= prompts.MAX_DOCUMENTS:
        return hits
    text, keys = listing(hits)
    partial: list[str] = []
    got = await ask_json(
        client,
        prompts.pick_documents(text, question, "D1"),
        doc=run,
        purpose="ask: pick documents",
        shape=ChosenDocuments,
        context={"keys": keys, "partial": partial},
        attempts=attempts,
        max_tokens=reply,
        use="answer",
    )
    chosen = list(got.documents) if got is not None else partial
    if not chosen:
        warn("the model chose no document; reading the ones the search ranked first")
        return hits[: prompts.MAX_DOCUMENTS]
    return [keys[key] for key in chosen]


async def candidates(scope: LibraryScope, question: str) -> list[DocumentHit]:
    """The documents the search finds for the question, best first; a library of no more documents than
    the pick step reads gives them all when the search finds none (a question may share no word with its
    answer); AskInputError when there are none."""
    hits = await asyncio.to_thread(scope.search.documents, question, scope.candidates, scope.under)
    if hits:
        return hits
    few = await asyncio.to_thread(scope.search.listed, prompts.MAX_DOCUMENTS + 1, scope.under)
    if not few:
        if scope.under is not None:
            raise AskInputError(
                f"the library holds no documents from {scope.under}", "index them with `pageindex-tui index`"
            )
        raise AskInputError("the library holds no documents", "index some with `pageindex-tui index`")
    if len(few) > prompts.MAX_DOCUMENTS:
        raise AskInputError(
            "no document in the library matches the question's words",
            "ask with other words, or name the documents to ask",
        )
    return few


def load_all(scope: LibraryScope, hits: list[DocumentHit], warn: Callable[[str], None]) -> list[AskDocument]:
    docs = []
    for hit in hits:
        try:
            docs.append(scope.load(hit))
        except AskInputError as err:
            warn(f"{hit.doc_name} left out: {err.message}")
    if not docs:
        raise AskInputError("none of the documents found could be read", "index them again")
    return docs
