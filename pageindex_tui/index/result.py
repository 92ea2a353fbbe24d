"""One document's outcome of the engine, as the job service and the front ends get it."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import FailureKind
from ..events import DocumentFailed
from ..store.records import PartialState, RunRecord
from ..tree import Tree

if TYPE_CHECKING:
    from ..document import Document


@dataclass
class DocumentResult:
    """One document's outcome. A failure is the `DocumentFailed` event the engine reported, kept as is; a
    partial index (the run stopped after its structure was known) has files and a run record whose
    `partial` says how far it got, and is not `ok` either."""

    path: Path
    structure_path: Path | None = None
    run_path: Path | None = None
    result: Tree | None = None  # the tree written (None when the document failed)
    run: RunRecord | None = None
    failure: DocumentFailed | None = None
    reused: bool = False  # a saved index of the same content and tree-shaping settings was taken
    # the document as the engine read it (its pages read already), for the library search's page text;
    # the job service lets go of it once filed
    document: Document | None = field(default=None, repr=False, compare=False)

    @property
    def partial(self) -> PartialState | None:
        return self.run.partial if self.run is not None else None

    @property
    def ok(self) -> bool:
        return self.failure is None and self.partial is None

    @property
    def error(self) -> str:
        if self.failure is not None:
            return self.failure.error
        partial = self.partial
        return f"{partial.describe()}, {partial.why()}" if partial is not None else ""

    @property
    def hint(self) -> str:
        if self.failure is not None:
            return self.failure.hint
        return self.partial.hint if self.partial is not None else ""

    @property
    def kind(self) -> FailureKind | None:
        if self.failure is not None:
            return self.failure.kind
        return "server" if self.partial is not None and self.partial.reason == "server" else None


class CancelledKeeping(asyncio.CancelledError):
    """A run was cancelled after its structure was known: `result` is the partial index it wrote. It is a
    cancellation like any other to asyncio; the job service files `result` into the library on the way."""

    def __init__(self, result: DocumentResult) -> None:
        super().__init__()
        self.result = result
