"""`enter` on a call: its detail. The request (document, purpose, prompt tokens, model), its state and
reply tokens, its timings from when it was queued, every retried attempt with its error, the final error,
and the reasoning and reply text kept of it, all whole and literal. A live call is followed: the screen
reads it again every second.

    app.push_screen(CallScreen(workbench, serial))
"""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from ...workbench.calls import LIVE_PHASES, MAX_CALL_TEXTS, CallRecord
from ...workbench.callview import call_facts, doc_name, seconds_text, timings
from ...workbench.state import Workbench
from ..host import host_of
from ..keys import bindings, shown_key
from ..literal import literal, one_line
from .help import scroll

TICK = 1.0  # seconds between looks at a live call
TEXT_STYLE = {"reasoning": "italic dim", "answer": "", "error": "bold red"}


class CallScreen(ModalScreen[None]):
    BINDINGS = bindings("call")
    DEFAULT_CSS = """
    CallScreen { align: center middle; }
    CallScreen > VerticalScroll {
        width: 140; max-width: 96%; height: 92%;
        border: round $primary; background: $surface; padding: 0 1;
    }
    CallScreen .call-section { text-style: bold; color: $primary; margin-top: 1; }
    CallScreen #call-error { color: $error; }
    CallScreen .call-note { color: $text-muted; text-style: italic; }
    """

    def __init__(self, model: Workbench, serial: int) -> None:
        super().__init__()
        self.model, self.serial = model, serial
        self._seen: tuple[object, ...] | None = None  # what the call was when last drawn

    @property
    def record(self) -> CallRecord | None:
        return self.model.calls.records.get(self.serial)

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="call-body") as body:
            record = self.record
            name = one_line(doc_name(record.doc), 60) if record is not None else ""
            body.border_title = Text(f"Call #{self.serial} · {name}")
            down, up, close = (shown_key(f"call.{key}", self.app) for key in ("down", "up", "close"))
            body.border_subtitle = f"{down}/{up}: scroll · {close}: close"
            yield Static(Text(""), id="call-facts")
            yield Static(Text("Timings"), id="call-timings-title", classes="call-section")
            yield Static(Text(""), id="call-timings")
            yield Static(Text("Retries"), id="call-retries-title", classes="call-section")
            yield Static(Text(""), id="call-retries")
            yield Static(Text("Error"), id="call-error-title", classes="call-section")
            yield Static(Text(""), id="call-error")
            yield Static(Text("Reasoning and reply"), classes="call-section")
            yield Static(Text(""), id="call-text")

    def on_mount(self) -> None:
        self.draw()
        self.set_interval(TICK, self.draw)

    def model_name(self) -> str:
        host = host_of(self.app)
        if host is None:
            return ""
        info = getattr(host, "server_info", None)
        model = getattr(info, "model", "") if info is not None else ""
        return str(model or host.settings.model or "")

    def draw(self) -> None:
        record = self.record
        if record is None:
            note = "This call was dropped from the table to bound memory."
            self.query_one("#call-facts", Static).update(Text(note, style="italic"))
            parts = ("#call-timings-title", "#call-timings", "#call-retries-title", "#call-retries")
            for part in (*parts, "#call-error-title", "#call-error"):
                self.query_one(part).display = False
            self.query_one("#call-text", Static).update(Text(""))
            return
        now = self.model.clock()
        live = record.phase in LIVE_PHASES
        seen = (record.phase, record.chars + record.dropped, len(record.retries), record.error, live and now)
        if seen == self._seen:
            return
        self._seen = seen
        self.query_one("#call-facts", Static).update(facts_table(call_facts(record, self.model_name())))
        self.query_one("#call-timings", Static).update(facts_table(timings(record, now)))
        retries = self.query_one("#call-retries", Static)
        retries.update(retries_text(record))
        self.query_one("#call-retries-title").display = retries.display = bool(record.retries)
        self.query_one("#call-retries-title", Static).update(Text(f"Retries ({len(record.retries)})"))
        error = self.query_one("#call-error", Static)
        error.update(Text(literal(record.error)))
        self.query_one("#call-error-title").display = error.display = bool(record.error)
        self.query_one("#call-text", Static).update(call_text(record))

    def action_scroll(self, direction: str) -> None:
        scroll(self.query_one("#call-body", VerticalScroll), direction)


def facts_table(facts: list[tuple[str, str]]) -> Table:
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold", no_wrap=True, min_width=12)
    table.add_column()
    for label, value in facts:
        table.add_row(Text(label), Text(value))
    return table


def retries_text(record: CallRecord) -> Text:
    text = Text()
    for number, attempt in enumerate(record.retries, 1):
        if number > 1:
            text.append("\n")
        text.append(f"{number}. ", style="bold")
        if attempt.seconds is not None and attempt.sent is not None:
            text.append(f"after {seconds_text(attempt.seconds)} at the server: ", style="italic")
        elif attempt.sent is None:
            text.append("before it was sent: ", style="italic")
        text.append(literal(attempt.error) or "no reason given")
    return text


def call_text(record: CallRecord) -> Text:
    """The reasoning (dim) and the reply kept of the call, retried attempts' errors between them."""
    if record.text_freed:
        return Text(
            f"Dropped to bound memory: only the last {MAX_CALL_TEXTS} calls keep their text.", "italic"
        )
    text = Text()
    if record.dropped:
        text.append(f"({record.dropped:,} earlier characters dropped)\n", style="italic dim")
    last = ""
    for kind, piece in record.pieces:
        if last and kind != last and kind != "error" and last != "error":
            text.append("\n\n")  # reasoning, then the reply: a paragraph each
        text.append(literal(piece), style=TEXT_STYLE.get(kind, ""))
        last = kind
    if not record.pieces:
        text.append("No text yet." if record.phase in ("queued", "sent") else "No text.", style="italic")
    return text
