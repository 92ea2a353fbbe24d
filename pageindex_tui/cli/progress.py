"""The CLI's view of a run: a Rich progress bar per document, built only from engine events; with
`--verbose`, a line per LLM call as it ends (its retried attempts folded in, as the app's calls view does).

Everything that comes from outside (file names, servers' error texts) is shown through `safe_text.shown`:
control characters in caret notation, URLs without their passwords.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.text import Text

from .. import events
from ..jobs.batch import BATCH_EVENTS, BatchMeter, wait_text
from ..jobs.service import JobUpdate
from ..safe_text import counted, shown
from ..workbench.calls import ENDED, CallBook
from ..workbench.callview import call_line

if TYPE_CHECKING:
    from ..index.result import DocumentResult


def calls_text(calls: int, cached: int) -> str:
    """ "12 calls", "12 calls, 3 cached": as a run record counts them (llm.calls, llm.cached_calls)."""
    return counted(calls, "call") + (f", {cached} cached" if cached else "")


STAGE_LABEL = {
    "read": "reading",
    "ocr": "recognising scanned pages",
    "structure": "finding structure",
    "verify": "verifying titles",
    "split": "splitting large nodes",
    "summarize": "summarizing",
    "describe": "describing",
    "write": "writing",
}


CALL_EVENTS = (
    events.CallQueued,
    events.CallStarted,
    events.ReasoningDelta,
    events.AnswerDelta,
    events.CallFinished,
)
LINE_STYLE = {"error": "red", "invalid": "yellow", "cancelled": "dim", "cached": "dim"}


class CliProgress:
    def __init__(self, quiet: bool = False, console: Console | None = None, verbose: bool = False) -> None:
        self.console = console or Console(stderr=True)
        self.verbose = verbose  # a line per call as it ends
        self.book = CallBook(max_texts=0)  # the calls, folded as the app folds them (no text kept)
        self.quiet = quiet or not self.console.is_terminal
        self.progress = Progress(
            TextColumn("{task.fields[name]}", markup=False),
            TextColumn("[dim]{task.fields[stage]}"),
            BarColumn(),
            TextColumn("{task.completed}/{task.total}", markup=False),
            TextColumn("[dim]{task.fields[calls]}"),
            TimeElapsedColumn(),
            console=self.console,
            disable=self.quiet,
        )
        self.tasks: dict[str, TaskID] = {}
        self.counter: Callable[[str], events.CallTally | None] | None = None  # the model session's `tally`
        self.calls: dict[str, events.CallTally] = {}  # each document's, as its session counts them
        self.meter = BatchMeter()  # the batch's row: documents, tokens, ETA and the calls' bound
        self.batch: TaskID | None = None

    def __enter__(self) -> CliProgress:
        self.progress.__enter__()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.progress.__exit__(kind, error, trace)

    def _task(self, doc: str) -> TaskID:
        if doc not in self.tasks:
            name = shown(doc.rsplit("/", 1)[-1])
            self.tasks[doc] = self.progress.add_task("", total=None, name=name[:40], stage="queued", calls="")
        return self.tasks[doc]

    def _batch_row(self) -> None:
        reading = self.meter.reading()
        if self.batch is None:
            if reading.documents < 2 and reading.limit is None and reading.paused_since is None:
                return
            self.batch = self.progress.add_task("", total=None, name="batch", stage="", calls="")
        figures = " · ".join(reading.parts())
        self.progress.update(
            self.batch, stage=escape(figures), total=reading.documents, completed=reading.ended
        )

    def handle(self, event: events.Event) -> None:
        self.see_call(event)
        self.meter.see(event)
        if isinstance(event, BATCH_EVENTS):
            self._batch_row()
        if isinstance(event, (events.ServerPaused, events.ServerResumed)):
            self._outage(event)
        if not event.doc:  # the batch's own events (the calls' bound)
            return
        task = self._task(event.doc)
        if isinstance(event, events.StageStarted):
            self.progress.update(
                task,
                stage=escape(STAGE_LABEL.get(event.stage, event.stage)),
                total=event.total or None,
                completed=0,
            )
        elif isinstance(event, events.StageProgress):
            self.progress.update(task, total=event.total, completed=event.done)
        elif isinstance(event, events.CallFinished):
            tally = self._tally(event)
            self.progress.update(task, calls=calls_text(tally.calls, tally.cached))
            if self.batch is not None:  # the batch row counts every document's calls
                every = self.calls.values()
                total = calls_text(sum(t.calls for t in every), sum(t.cached for t in every))
                self.progress.update(self.batch, calls=total)
        elif isinstance(event, JobUpdate) and event.state == "reused":
            self.progress.update(task, stage="reused", total=1, completed=1)
        elif isinstance(event, events.DocumentFinished):
            self.progress.update(task, stage="done", total=1, completed=1)
        elif isinstance(event, events.DocumentFailed):
            self.progress.update(task, stage="[red]failed", total=1, completed=1)
        elif isinstance(event, events.DocumentPartial):
            self.progress.update(task, stage="[yellow]partial")

    def see_call(self, event: events.Event) -> None:
        """--verbose: one line per call when it ended for good (a retried attempt waits for its call):
        document, purpose, outcome, tokens, timings, retries, error."""
        if not self.verbose or not isinstance(event, CALL_EVENTS):
            return
        record = self.book.see(event, time.monotonic())
        if record is not None and isinstance(event, events.CallFinished) and event.outcome in ENDED:
            line = Text("call ", style="bold")
            line.append(shown(call_line(record)), style=LINE_STYLE.get(record.phase, ""))
            self.console.print(line, soft_wrap=True)

    def tee(self, sink: events.EventSink) -> events.EventSink:
        """`sink`, with --verbose's call lines seen first (the events of a question go to its view)."""

        def both(event: events.Event) -> None:
            self.see_call(event)
            sink(event)

        return both

    def _outage(self, event: events.ServerPaused | events.ServerResumed) -> None:
        """A line when the calls pause for the server and when they go on (quiet: none)."""
        if self.quiet:
            return
        if isinstance(event, events.ServerPaused):
            line = Text(self.meter.reading().paused_text(), style="yellow")
            line.append(f": {shown(event.reason)}; the calls wait for it", style="default")
        else:
            line = Text(f"the server answers again after {wait_text(event.seconds)}: the calls go on")
        self.progress.console.print(line)

    def _tally(self, event: events.CallFinished) -> events.CallTally:
        """The document's calls as its model session counts them (the figures its run record gets); a
        progress without a session counts them itself, by the same definition."""
        tally = self.calls.get(event.doc)
        if tally is None:
            tally = self.counter(event.doc) if self.counter is not None else None
            self.calls[event.doc] = tally = tally or events.CallTally()
        if self.counter is None:
            tally.see(event)
        return tally

    def print_summary(self, results: Sequence[DocumentResult], out_dir: Path | None = None) -> None:
        out = Console()
        for result in results:
            line = Text()
            if result.ok and result.run is not None:
                run, llm = result.run, result.run.llm
                line.append("ok   ", style="green")
                line.append(shown(str(result.path)))
                if result.reused:
                    line.append(": reused the saved index", style="cyan")
                    line.append(f" ({shown(run.finished_at)})" if run.finished_at else "")
                    line.append(
                        f", {shown(run.structure_source)}, {run.nodes} nodes, depth {run.depth}, "
                        f"no LLM calls -> {shown(str(result.structure_path))}"
                    )
                else:
                    line.append(
                        f": {shown(run.structure_source)}, {run.nodes} nodes, depth {run.depth}, "
                        f"{run.titles_verified}/{run.titles_total} titles verified, "
                        f"{llm.calls} LLM calls ({run.structure_calls} for structure, "
                        f"{llm.cached_calls} cached), "
                        f"{llm.prompt_tokens}+{llm.completion_tokens} tokens, "
                        f"{run.wall_seconds} s -> {shown(str(result.structure_path))}"
                    )
                if run.warnings and result.run_path is not None:
                    line.append(f" ({len(run.warnings)} warnings in {result.run_path.name})", style="yellow")
            elif result.partial is not None:
                line.append_text(partial_line(result))
            else:
                line.append("FAIL ", style="bold red")
                line.append(f"{shown(str(result.path))}: {shown(result.error)}")
                if result.hint:
                    line.append(f" ({shown(result.hint)})", style="dim")
            out.print(line, soft_wrap=True)
        note = layout_note(results, out_dir)
        if note:
            out.print(Text(note, style="dim"), soft_wrap=True)


def partial_line(result: DocumentResult) -> Text:
    """A document that stopped after its structure was known: how far it got, why, what was kept, where."""
    partial, run = result.partial, result.run
    assert partial is not None and run is not None
    line = Text("PART ", style="bold yellow")
    line.append(f"{shown(str(result.path))}: {partial.describe()}, {shown(partial.why())}")
    if partial.hint:
        line.append(f" ({shown(partial.hint)})", style="dim")
    where = shown(str(result.structure_path))
    kept = "page groups" if run.structure_source == "pages" else shown(run.structure_source)
    line.append(f"; kept {kept}, {counted(run.nodes, 'node')} -> {where}")
    again = "index it again with a model" if partial.awaits_model else "index it again to resume"
    line.append(f"; {again}", style="yellow")
    return line


def layout_note(results: Sequence[DocumentResult], out_dir: Path | None) -> str:
    """One line saying how outputs were kept apart, when they are not all `<stem>_structure.json` in --out."""
    written = [r.structure_path for r in results if r.ok and r.structure_path is not None]
    if out_dir is None or not written:
        return ""
    nested = sum(1 for p in written if p.parent != Path(out_dir))
    renamed = sum(
        1
        for r in results
        if r.ok and r.structure_path and r.structure_path.name.startswith(r.path.name + "_")
    )
    parts = []
    if nested:
        parts.append(f"{nested} in subfolders of {shown(str(out_dir))} that mirror the documents' folders")
    if renamed:
        parts.append(f"{renamed} named by their whole file name, as they share a stem with another document")
    return "outputs kept apart: " + "; ".join(parts) if parts else ""
