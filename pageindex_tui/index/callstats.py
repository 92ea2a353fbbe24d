"""One document's LLM figures for its run record, gathered from the document's own events."""

from __future__ import annotations

import statistics

from .. import events
from ..store.records import MAX_PROBLEMS, CallFigures, CallProblem, RunWarning


class CallStats:
    """Per-document LLM figures, gathered from the document's own events."""

    def __init__(self) -> None:
        self.calls = self.cached = self.prompt = self.completion = self.reasoning = self.failed = 0
        self.work = 0  # tokens of every finished call (`CallFinished.work`), cached ones too
        self.ttfts: list[float] = []
        self.warnings: list[RunWarning] = []
        self.problems: list[CallProblem] = []
        self.problems_dropped = 0
        self._purposes: dict[int, str] = {}  # calls not finished yet

    def see(self, event: events.Event) -> None:
        if isinstance(event, events.WarningEvent):
            self.warnings.append(RunWarning(event.message, event.kind))
        if isinstance(event, (events.CallQueued, events.CallStarted)):
            self._purposes[event.call_id] = event.purpose
        if not isinstance(event, events.CallFinished):
            return
        purpose = self._purposes.pop(event.call_id, "")
        self.work += event.work
        if event.outcome in ("retry", "invalid", "error") and event.error:
            if len(self.problems) < MAX_PROBLEMS:
                seconds = round(event.seconds, 3)
                self.problems.append(CallProblem(purpose, event.outcome, event.error, seconds))
            else:
                self.problems_dropped += 1
        if event.outcome == "cached":
            self.cached += 1
            return
        if event.outcome in ("retry", "cancelled"):
            return
        self.calls += 1
        self.failed += event.outcome == "error"
        self.prompt += event.prompt_tokens
        self.completion += event.completion_tokens
        self.reasoning += event.reasoning_tokens
        if event.ttft is not None:
            self.ttfts.append(event.ttft)

    def record(self) -> CallFigures:
        return CallFigures(
            calls=self.calls,
            cached_calls=self.cached,
            failed_calls=self.failed,
            prompt_tokens=self.prompt,
            completion_tokens=self.completion,
            reasoning_tokens=self.reasoning,
            ttft_seconds_mean=round(statistics.fmean(self.ttfts), 3) if self.ttfts else None,
            ttft_seconds_median=round(statistics.median(self.ttfts), 3) if self.ttfts else None,
        )
