"""What every stage of one document's run shares: the document, settings, events, the model."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .. import events
from ..errors import ContextOverflow, LLMError, ServerRefused, ServerUnavailable
from ..llm.errors import HINT_OVERFLOW
from ..settings import Settings
from ..store.records import Provenance, WarningKind

if TYPE_CHECKING:
    from ..llm.client import LLMClient


@dataclass
class ModelTally:
    """How one stage's model requests went: how many got an answer, how many failed, the last failure."""

    answered: int = 0
    failed: int = 0
    error: LLMError | None = None


@dataclass
class RunContext:
    doc_id: str
    settings: Settings
    sink: events.EventSink
    get_llm: Callable[[], Awaitable[LLMClient]]
    facts: Provenance = field(default_factory=Provenance)  # how the structure was found, for the run record
    tallies: dict[str, ModelTally] = field(default_factory=dict)

    async def llm(self, why: str) -> LLMClient:
        """The model connection; when it cannot be had, the error says why this document needed it."""
        try:
            return await self.get_llm()
        except (ServerUnavailable, ServerRefused) as err:
            raise type(err)(f"{why}, but {err.message}", err.hint) from None

    def warn(self, message: str, kind: WarningKind = "other") -> None:
        """Recorded in the run record by the indexer, which sees every event."""
        self.sink(events.WarningEvent(self.doc_id, message, kind))

    def stage(self, stage: events.Stage, total: int = 0) -> None:
        self.sink(events.StageStarted(self.doc_id, stage, total))

    def progress(self, stage: events.Stage, done: int, total: int) -> None:
        self.sink(events.StageProgress(self.doc_id, stage, done, total))

    def done(self, stage: events.Stage, detail: str = "") -> None:
        self.sink(events.StageFinished(self.doc_id, stage, detail))

    # -- did the model answer at all? ------------------------------------------------------------
    def answered(self, stage: str) -> None:
        self.tallies.setdefault(stage, ModelTally()).answered += 1

    def failed(self, stage: str, error: LLMError) -> None:
        tally = self.tallies.setdefault(stage, ModelTally())
        tally.failed += 1
        tally.error = error

    def check_answered(self, stage: str, what: str) -> None:
        """Raise when every model request of `stage` failed: a tree built from fallbacks alone is no index."""
        tally = self.tallies.get(stage)
        if tally is None or tally.answered or not tally.failed or tally.error is None:
            return
        error = tally.error
        hint = HINT_OVERFLOW if isinstance(error, ContextOverflow) else error.hint
        raise type(error)(f"all {tally.failed} {what} requests failed; the last: {error.message}", hint)
