"""Which calls the calls table shows, in what order (`CallQuery`: filter words and a sort column), and a
call told in words: `call_line` (one line: the CLI's `--verbose`) and `call_facts` (the app's detail).

Plain Python: the calls pane and the CLI both read a `CallRecord` (`calls.py`) through here."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import PurePath

from ..safe_text import counted, one_line
from .calls import LIVE_PHASES, CallRecord

# the table's word for a phase, where it is not the phase itself
STATE_WORDS = {"queued": "queue", "sent": "wait", "running": "run", "cached": "cache", "invalid": "bad"}
STATE_WORDS["cancelled"] = "stop"
PHASE_ORDER = ("running", "sent", "queued", "retry", "error", "invalid", "cancelled", "ok", "cached")
# the columns `s` cycles through, in the table's order; numbers sort largest first, words from a to z
SORTS = ("#", "doc", "purpose", "state", "retries", "in", "out", "ttft", "secs", "error")
NUMERIC = frozenset({"retries", "in", "out", "ttft", "secs"})


def doc_name(doc: str) -> str:
    """A call's document as the table names it: the file name (a question's calls: its id)."""
    return PurePath(doc).name or doc


def state_word(phase: str) -> str:
    return STATE_WORDS.get(phase, phase)


def seconds_number(value: float) -> str:
    """'0.42', '12.3', '245': fewer decimals as the seconds grow."""
    return f"{value:.2f}" if value < 10 else f"{value:.1f}" if value < 100 else f"{value:.0f}"


def seconds_text(value: float) -> str:
    """'0.42 s', '12.3 s', '245 s'."""
    return f"{seconds_number(value)} s"


def haystack(record: CallRecord) -> str:
    """What a filter word is looked for in: document, purpose, state (both words), error texts."""
    parts = [doc_name(record.doc), record.purpose, record.phase, state_word(record.phase), record.error]
    if record.retries:
        parts += ["retried", *(attempt.error for attempt in record.retries)]
    return "\n".join(parts).casefold()


@dataclass
class CallQuery:
    """The table's filter (words that must all be found, in any of the call's fields) and sort."""

    text: str = ""
    sort: str = "#"
    descending: bool = False  # the other way round from the column's own order

    @property
    def words(self) -> list[str]:
        return self.text.casefold().split()

    @property
    def plain(self) -> bool:
        """No filter, and the calls in the order they started: the book's own order."""
        return not self.words and self.sort == "#" and not self.descending

    def matches(self, record: CallRecord) -> bool:
        words = self.words
        if not words:
            return True
        text = haystack(record)
        return all(word in text for word in words)

    def next_sort(self) -> None:
        """Sort by the next column (after the last: the order they started)."""
        self.sort = SORTS[(SORTS.index(self.sort) + 1) % len(SORTS)]
        self.descending = False

    def select(self, records: Iterable[CallRecord], now: float) -> list[CallRecord]:
        """The calls shown, in order; `now` (clock time) gives a live call's seconds so far."""
        if self.plain:
            return list(records)
        shown = [record for record in records if self.matches(record)]
        if self.sort == "#":
            return shown[::-1] if self.descending else shown
        keyed = [(sort_key(record, self.sort, now), record) for record in shown]
        present = [(key, record) for key, record in keyed if key is not None]
        missing = [record for key, record in keyed if key is None]  # never sorted: last, in start order
        backwards = (self.sort in NUMERIC) != self.descending
        present.sort(key=lambda pair: pair[0], reverse=backwards)  # stable: ties keep the start order
        return [record for _key, record in present] + missing


def sort_key(record: CallRecord, column: str, now: float) -> float | str | None:
    if column == "doc":
        return doc_name(record.doc).casefold()
    if column == "purpose":
        return record.purpose.casefold()
    if column == "state":
        return str(PHASE_ORDER.index(record.phase)) if record.phase in PHASE_ORDER else record.phase
    if column == "retries":
        return len(record.retries)
    if column == "in":
        return record.prompt_tokens
    if column == "out":
        return record.completion_tokens
    if column == "ttft":
        return record.ttft
    if column == "secs":
        return record.seconds if record.seconds is not None else max(0.0, now - record.since)
    if column == "error":
        return record.error.casefold() or None
    return record.serial


def outcome_text(record: CallRecord) -> str:
    """'ok', 'error after 2 retries', 'queued (retry 1 waits)'."""
    state: str = record.phase
    if record.retries:
        state += f" after {counted(len(record.retries), 'retry', 'retries')}"
    return state


def timings(record: CallRecord, now: float) -> list[tuple[str, str]]:
    """The call's moments from when it was first queued: queued, sent, first token, finished."""
    start = record.queued_at
    if start is None:
        return []

    def at(moment: float) -> str:
        return "+" + seconds_text(max(0.0, moment - start))

    out = [("queued", "+0.00 s")]
    if record.retries:
        tried = record.tried_at if record.tried_at is not None else start
        out.append(("tried again", f"{at(tried)} (attempt {record.attempts})"))
    if record.sent_at is not None:
        waited = record.sent_at - (record.tried_at if record.tried_at is not None else start)
        out.append(("sent", f"{at(record.sent_at)} ({seconds_text(max(0.0, waited))} waiting for a place)"))
        if record.ttft is not None:
            out.append(
                ("first token", f"{at(record.sent_at + record.ttft)} (ttft {seconds_text(record.ttft)})")
            )
    if record.phase in LIVE_PHASES:
        out.append(("so far", seconds_text(max(0.0, now - start))))
    elif record.ended_at is not None:
        server = (
            f" ({seconds_text(record.seconds)} at the server)" if record.sent_at and record.seconds else ""
        )
        out.append(("ended" if record.phase == "retry" else "finished", f"{at(record.ended_at)}{server}"))
    return out


def call_facts(record: CallRecord, model: str = "") -> list[tuple[str, str]]:
    """The call's request and state as (label, value) rows, literal and whole."""
    facts = [
        ("document", one_line(record.doc)),
        ("purpose", one_line(record.purpose)),
        ("prompt", f"{record.prompt_tokens:,} tokens"),
    ]
    if model:
        facts.append(("model", one_line(model)))
    return [*facts, ("state", outcome_text(record)), ("reply", f"{record.completion_tokens:,} tokens")]


def call_line(record: CallRecord) -> str:
    """One line for a call that ended: document, purpose, outcome, tokens, timings, retries, error."""
    parts = [one_line(doc_name(record.doc)), one_line(record.purpose), outcome_text(record)]
    parts.append(f"{record.prompt_tokens:,} in, {record.completion_tokens:,} out")
    times = []
    if record.sent_at is not None and record.tried_at is not None:
        times.append(f"queued {seconds_text(max(0.0, record.sent_at - record.tried_at))}")
    if record.ttft is not None:
        times.append(f"ttft {seconds_text(record.ttft)}")
    if record.seconds is not None and record.sent_at is not None and record.phase != "cached":
        times.append(seconds_text(record.seconds))
    if record.queued_at is not None and record.ended_at is not None and record.retries:
        times.append(f"{seconds_text(record.ended_at - record.queued_at)} in all")
    if times:
        parts.append(", ".join(times))
    for number, attempt in enumerate(record.retries, 1):
        parts.append(f"retry {number}: {one_line(attempt.error) or 'no reason given'}")
    if record.error:
        parts.append(f"{record.phase}: {one_line(record.error)}")
    return " · ".join(parts)
