"""A document's warnings and log, readable: from its run record, or from its events while it runs.

`from_record` reads what a finished run left behind (`RunRecord`: warnings with their kinds, the calls
that were retried or failed with their whole error texts, the counted fallbacks); `from_events` builds the
same from what a front end saw of a run that has not finished or failed. The app's log screen shows it;
nothing here is shortened.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from .records import CallProblem, Provenance, RunRecord, RunWarning

# The log's sections, in the order shown; a warning's kind (records.WarningKind) is its section.
SECTIONS: dict[str, str] = {
    "error": "Failed",
    "overflow": "Context overflows",
    "fallback": "Fallbacks (a rule's answer instead of the model's)",
    "retry": "Retried calls",
    "settings": "Settings that do not work together",
    "structure": "Structure",
    "document": "The document itself",
    "other": "Other warnings",
}


@dataclass(frozen=True)
class LogEntry:
    section: str  # a key of SECTIONS
    text: str  # the whole message
    where: str = ""  # the call it came from (its purpose), for calls


@dataclass
class RunLog:
    name: str  # the document's file name
    facts: list[str] = field(default_factory=list)  # one line each: what the run did, in figures
    entries: list[LogEntry] = field(default_factory=list)

    @property
    def warnings(self) -> int:
        return sum(entry.section not in ("retry", "error") for entry in self.entries)

    def sections(self) -> list[tuple[str, list[LogEntry]]]:
        """(title, entries) for each section that has entries, in SECTIONS' order."""
        out = []
        for key, title in SECTIONS.items():
            entries = [entry for entry in self.entries if entry.section == key]
            if entries:
                out.append((title, entries))
        return out


def _call_entries(problems: Sequence[CallProblem], dropped: int = 0) -> list[LogEntry]:
    out = []
    for problem in problems:
        if problem.outcome == "error":
            out.append(LogEntry("error", problem.error, problem.purpose))
        elif problem.outcome == "invalid":
            out.append(LogEntry("retry", f"invalid reply: {problem.error}", problem.purpose))
        else:
            out.append(LogEntry("retry", problem.error, problem.purpose))
    if dropped:
        out.append(LogEntry("retry", f"... and {dropped} more calls that were retried or failed"))
    return out


def _warning_entries(warnings: Sequence[RunWarning]) -> list[LogEntry]:
    return [LogEntry(w.kind if w.kind in SECTIONS else "other", w.message) for w in warnings]


def _plural(number: int, word: str) -> str:
    return f"{number} {word}{'s' * (number != 1)}"


def from_record(name: str, record: RunRecord) -> RunLog:
    """The log of a finished run."""
    facts = [f"{_plural(record.nodes, 'node')}, structure from {record.structure_source or 'unknown'}"]
    if record.finished_at:
        facts[0] += f", finished {record.finished_at}"
    llm = record.llm
    if llm.calls or llm.cached_calls:
        calls = f"{_plural(llm.calls, 'model call')} ({llm.cached_calls} cached, {llm.failed_calls} failed)"
        facts.append(f"{calls}, {llm.prompt_tokens:,} tokens in, {llm.completion_tokens:,} out")
    server = record.server
    if server is not None and server.model:
        facts.append(
            f"server {server.kind or '?'} at {server.endpoint}, model {server.model}, "
            f"context {server.context_length:,} tokens ({server.context_source})"
        )
    counted = record.facts
    ocr = ocr_fact(counted)
    if ocr:
        facts.append(ocr)
    for number, one, many in (
        (
            counted.summaries_fallback,
            "summary fell back to its text's first sentences",
            "summaries fell back to their text's first sentences",
        ),
        (
            counted.summaries_short_text,
            "node was short enough to be its own summary",
            "nodes were short enough to be their own summary",
        ),
        (
            counted.model_titles_dropped,
            "title named by the model was not found and was dropped",
            "titles named by the model were not found and were dropped",
        ),
        (counted.split_skipped, "large section could not be split", "large sections could not be split"),
    ):
        if number:
            facts.append(f"{number} {one if number == 1 else many}")
    entries = _warning_entries(record.warnings) + _call_entries(record.problems, record.problems_dropped)
    return RunLog(name, facts, entries)


def ocr_fact(facts: Provenance) -> str:
    """What OCR did in a run, in one line ("" where it read no page): which pages, by which engine, how
    many from the cache, which failed, and how long it took (the slowest page named)."""
    pages = facts.ocr_pages
    if not pages:
        return ""
    line = f"{_plural(len(pages), 'scanned page')} ({_pages(pages)}) read by {facts.ocr_engine or 'OCR'}"
    if facts.ocr_cached:
        line += f", {facts.ocr_cached} from the cache"
    if facts.ocr_failed:
        line += f", {len(facts.ocr_failed)} unreadable ({_pages(facts.ocr_failed)})"
    if facts.ocr_seconds is not None:
        line += f", {facts.ocr_seconds:.1f} s"
    timed = facts.ocr_page_seconds or []
    if len(timed) == len(pages) and max(timed) > 0:
        slowest, seconds = max(zip(pages, timed, strict=True), key=lambda pair: pair[1])
        line += f" (slowest: page {slowest}, {seconds:.1f} s)"
    return line


def _pages(pages: Sequence[int]) -> str:
    """Page numbers in runs: "1-4, 7, 9-10"."""
    runs: list[list[int]] = []
    for page in sorted(pages):
        if runs and page == runs[-1][-1] + 1:
            runs[-1].append(page)
        else:
            runs.append([page])
    return ", ".join(str(run[0]) if len(run) == 1 else f"{run[0]}-{run[-1]}" for run in runs)


def from_events(
    name: str,
    warnings: Sequence[RunWarning],
    problems: Sequence[CallProblem],
    failure: tuple[str, str] | None = None,
    state: str = "",
) -> RunLog:
    """The log of a run as its events told it: running, failed or cancelled (`state` says which)."""
    entries = []
    if failure is not None:
        error, hint = failure
        entries.append(LogEntry("error", f"{error}\n{hint}" if hint else error, "the document"))
    entries += _warning_entries(warnings) + _call_entries(problems)
    facts = [state] if state else []
    return RunLog(name, facts, entries)
