"""What every stage of one document's run shares: the document, settings, events, the model."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .. import events
from ..settings import Settings

if TYPE_CHECKING:
    from ..llm.client import LLMClient


@dataclass
class RunContext:
    doc_id: str
    settings: Settings
    sink: events.EventSink
    get_llm: Callable[[], Awaitable[LLMClient]]
    facts: dict[str, Any] = field(default_factory=dict)  # provenance for the run record

    def warn(self, message: str) -> None:
        """Recorded in the run record by the indexer, which sees every event."""
        self.sink(events.WarningEvent(self.doc_id, message))

    def stage(self, stage: events.Stage, total: int = 0) -> None:
        self.sink(events.StageStarted(self.doc_id, stage, total))

    def progress(self, stage: events.Stage, done: int, total: int) -> None:
        self.sink(events.StageProgress(self.doc_id, stage, done, total))

    def done(self, stage: events.Stage, detail: str = "") -> None:
        self.sink(events.StageFinished(self.doc_id, stage, detail))
