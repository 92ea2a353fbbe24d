"""The stream pane (the text of the call on show) and the calls table beside it. Both show the
workbench's calls; `f` in either asks to follow the newest call again (the app moves both)."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Static

from ..keys import bindings, shown_key
from ..literal import one_line
from ..state import Changes, Workbench
from ..widgets.calls import CallsTable
from ..widgets.stream import StreamView


class FollowRequested(Message):
    """The user asked to follow the newest call again."""


class StreamPane(Vertical):
    ALLOW_MAXIMIZE = True  # zoom (m) and the palette's Maximize take the whole pane
    BINDINGS = bindings("stream", widget=False)

    def __init__(self, model: Workbench, *, id: str) -> None:
        super().__init__(id=id, classes="pane")
        self.model = model

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
            self.update_head()

    def render_call(self) -> None:
        """Draw the call on show from its start (what is kept of it)."""
        stream = self.view
        stream.clear()
        record = self.model.shown_record
        if record is not None:
            if record.text_freed:
                stream.note("(this call's text was dropped to bound memory)")
            elif record.dropped:
                stream.note(f"({record.dropped:,} earlier characters dropped)")
            for kind, text in record.pieces:
                stream.append(kind, text)
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
        text.append(f" · {record.phase}")
        pinned = f" · pinned ({shown_key('stream.follow', self.app)}: follow)"
        text.append(" · following" if self.model.following else pinned, style="italic")
        if record.error:
            text.append(f"\n{one_line(record.error, 200)}", style="bold")
        head.update(text)

    def action_follow(self) -> None:
        self.post_message(FollowRequested())


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

    @property
    def table(self) -> CallsTable:
        return self.query_one("#calls", CallsTable)

    def apply(self, changes: Changes) -> None:
        table = self.table
        if changes.removed:
            table.drop(changes.removed)
        for record in changes.calls.values():
            if record.serial in self.model.calls.records:
                table.upsert(record)
        if changes.calls:
            self.border_subtitle = f"{len(self.model.calls)} calls"
            shown = self.model.shown_call
            if self.model.following and shown is not None and not table.has_focus:
                table.show(shown)

    def action_follow(self) -> None:
        self.post_message(FollowRequested())
