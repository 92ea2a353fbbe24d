"""The stream pane (the text of the call on show) and the calls table beside it. Both show the
workbench's calls; `f` in either asks to follow the newest call again (the app moves both)."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Static

from ...jobs.batch import BatchReading
from ...safe_text import counted
from ...workbench.state import Changes, Workbench
from ..keys import bindings, shown_key
from ..literal import one_line
from ..widgets.calls import CallsTable
from ..widgets.stream import StreamView


class FollowRequested(Message):
    """The user asked to follow the newest call again."""


PHASE_WORDS = {"queued": "queued (waiting for a place)", "sent": "sent (no token yet)"}
PHASE_WORDS["running"] = "streaming"


class StreamPane(Vertical):
    ALLOW_MAXIMIZE = True  # zoom (m) and the palette's Maximize take the whole pane
    BINDINGS = bindings("stream", widget=False)

    def __init__(self, model: Workbench, *, id: str) -> None:
        super().__init__(id=id, classes="pane")
        self.model = model
        self._error_shown: int | None = None  # the call whose error text the view ends with

    def compose(self) -> ComposeResult:
        yield Static(Text(""), id="stream-head")
        yield StreamView(id="stream")

    def on_mount(self) -> None:
        self.border_title = "Stream"
        self.update_head()

    @property
    def view(self) -> StreamView:
        return self.query_one("#stream", StreamView)

    def apply(self, changes: Changes) -> None:
        if changes.switched:
            self.render_call()
        else:
            for kind, text in changes.appends:
                self.view.append(kind, text)
        if changes.stream:
            self.show_error()
            self.update_head()

    def show_error(self) -> None:
        """End the view with the call's whole error text, once: wrapped, never cut."""
        record = self.model.shown_record
        if record is not None and record.error and self._error_shown != record.serial:
            self._error_shown = record.serial
            self.view.append("error", f"✗ {record.phase}: {record.error}\n")

    def render_call(self) -> None:
        """Draw the call on show from its start (what is kept of it)."""
        stream = self.view
        stream.clear()
        self._error_shown = None
        record = self.model.shown_record
        if record is not None:
            if record.text_freed:
                stream.note("(this call's text was dropped to bound memory)")
            elif record.dropped:
                stream.note(f"({record.dropped:,} earlier characters dropped)")
            for kind, text in record.pieces:
                stream.append(kind, text)
            self.show_error()
        self.update_head()

    def update_head(self) -> None:
        head = self.query_one("#stream-head", Static)
        record = self.model.shown_record
        if record is None:
            head.update(Text("No LLM calls yet. (Outline PDFs and Markdown need none.)", style="italic"))
            return
        text = Text()
        text.append(f"#{record.serial} ", style="bold")
        text.append(one_line(Path(record.doc).name, 40))
        text.append(" · ")
        text.append(one_line(record.purpose, 60))
        text.append(f" · {PHASE_WORDS.get(record.phase, record.phase)}")
        pinned = f" · pinned ({shown_key('stream.follow', self.app)}: follow)"
        text.append(" · following" if self.model.following else pinned, style="italic")
        if record.error:
            text.append(f"\n✗ {record.phase}: the whole message ends the text below", style="bold")
            text.append(f" ({shown_key('app.log', self.app)}: the document's log)", style="italic")
        head.update(text)

    def action_follow(self) -> None:
        self.post_message(FollowRequested())


TICK = 1.0  # seconds between updates of the live calls' `secs`
LIVE_WORDS = (("running", "run"), ("sent", "wait"), ("queued", "queued"))


class CallsPane(Vertical):
    ALLOW_MAXIMIZE = True  # zoom (m) and the palette's Maximize take the whole pane
    BINDINGS = bindings("calls", widget=False)

    def __init__(self, model: Workbench, *, id: str) -> None:
        super().__init__(id=id, classes="pane")
        self.model = model

    def compose(self) -> ComposeResult:
        yield CallsTable(id="calls")

    def on_mount(self) -> None:
        self.border_title = "Calls"
        self.set_interval(TICK, self.tick)

    @property
    def table(self) -> CallsTable:
        return self.query_one("#calls", CallsTable)

    def apply(self, changes: Changes) -> None:
        table = self.table
        if changes.removed:
            table.drop(changes.removed)
        for record in changes.calls.values():
            if record.serial in self.model.calls.records:
                table.upsert(record, self.model.elapsed(record))
        if changes.calls:
            self.border_subtitle = self.subtitle()
            shown = self.model.shown_call
            if self.model.following and shown is not None and not table.has_focus:
                table.show(shown)

    def action_follow(self) -> None:
        self.post_message(FollowRequested())

    def show_limit(self, reading: BatchReading) -> None:
        """'Calls · limit 24 · grew: KV 12%, 0 waiting': the bound on calls in flight and why it moved."""
        self.border_title = Text(" · ".join(filter(None, ["Calls", one_line(reading.limit_text(), 120)])))

    def subtitle(self) -> str:
        """'12 calls · 4 run · 4 wait · 2 queued': where the live calls are."""
        counts = self.model.calls.counts()
        live = [f"{counts[phase]} {word}" for phase, word in LIVE_WORDS if counts[phase]]
        return " · ".join([counted(len(self.model.calls), "call"), *live])

    def tick(self) -> None:
        """Count up the seconds of the calls still live."""
        table = self.table
        for record in self.model.calls.live():
            table.tick(record.serial, self.model.elapsed(record), "dim" if record.phase == "queued" else "")
