"""The stream pane (the text of the call on show) and the calls table beside it. Both show the
workbench's calls; `f` in either asks to follow the newest call again (the app moves both)."""

from __future__ import annotations

from functools import partial
from pathlib import Path

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Input, Static

from ...jobs.batch import BatchReading
from ...safe_text import counted
from ...workbench.calls import LIVE_PHASES
from ...workbench.callview import NUMERIC, CallQuery, doc_name, outcome_text
from ...workbench.state import Changes, Workbench
from ..keys import bindings, shown_key
from ..literal import one_line
from ..screens.call import CallScreen
from ..widgets.calls import BY_KEY, CallsTable
from ..widgets.stream import StreamView
from .tree import FilterInput


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
        if record is None or record.phase == "retry":  # a retry's error is in its text already
            return
        if record.error and self._error_shown != record.serial:
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
        if record.retries:
            text.append(f" · attempt {record.attempts}")
        pinned = f" · pinned ({shown_key('stream.follow', self.app)}: follow)"
        text.append(" · following" if self.model.following else pinned, style="italic")
        if record.error:
            text.append(f"\n✗ {record.phase}: the whole message ends the text below", style="bold")
            text.append(f" ({shown_key('app.log', self.app)}: the document's log)", style="italic")
        head.update(text)

    def action_follow(self) -> None:
        self.post_message(FollowRequested())


TICK = 1.0  # seconds between updates of the live calls' `secs`
FILTER_DELAY = 0.15  # seconds of quiet typing before the filter applies
LIVE_WORDS = (("running", "run"), ("sent", "wait"), ("queued", "queued"))


class CallsPane(Vertical):
    """The calls table with its filter box (`/`), its sort (`s`, `r`) and, while it has focus, the whole
    text of the highlighted call under it; `enter` opens the call's detail."""

    ALLOW_MAXIMIZE = True  # zoom (m) and the palette's Maximize take the whole pane
    BINDINGS = bindings("calls", widget=False)
    DEFAULT_CSS = """
    CallsPane #calls-filter { display: none; height: 1; border: none; padding: 0 1; }
    CallsPane #calls-preview {
        display: none; height: auto; max-height: 4; padding: 0 1; background: $panel; color: $text;
    }
    CallsPane:focus-within #calls-preview { display: block; }
    """

    def __init__(self, model: Workbench, *, id: str) -> None:
        super().__init__(id=id, classes="pane")
        self.model = model
        self.calls_query = CallQuery()
        self._filter_timer: Timer | None = None

    def compose(self) -> ComposeResult:
        clear = shown_key("filter.clear", self.app)
        hint = f"filter: document, purpose, state, error · enter: keep · {clear}: clear"
        yield FilterInput(placeholder=hint, id="calls-filter")
        yield CallsTable(id="calls")
        yield Static(Text(""), id="calls-preview")

    def on_mount(self) -> None:
        self.border_title = "Calls"
        self.table.clock = lambda: self.model.clock()
        self.set_interval(TICK, self.tick)
        self.show_rows()

    @property
    def table(self) -> CallsTable:
        return self.query_one("#calls", CallsTable)

    def apply(self, changes: Changes) -> None:
        if not changes.calls and not changes.removed:
            return
        self.show_rows()
        shown = self.model.shown_call
        if self.model.following and shown is not None and not self.table.has_focus:
            self.table.show(shown)

    def show_rows(self) -> None:
        """Select, sort and show the calls as the filter and sort say; the subtitle and preview follow."""
        query, table = self.calls_query, self.table
        table.sort = (query.sort, query.descending)
        table.set_rows(query.select(self.model.calls.records.values(), self.model.clock()))
        self.border_subtitle = self.subtitle()
        self.show_preview()

    def action_follow(self) -> None:
        self.post_message(FollowRequested())

    def show_limit(self, reading: BatchReading) -> None:
        """'Calls · limit 24 · grew: KV 12%, 0 waiting': the bound on calls in flight and why it moved."""
        self.border_title = Text(" · ".join(filter(None, ["Calls", one_line(reading.limit_text(), 120)])))

    def subtitle(self) -> str:
        """'12 calls · 4 run · 4 wait · 2 queued · sort secs ▼ · filter “plain”: 3': where the live calls
        are, and what the table shows of them."""
        counts = self.model.calls.counts()
        live = [f"{counts[phase]} {word}" for phase, word in LIVE_WORDS if counts[phase]]
        parts = [counted(len(self.model.calls), "call"), *live]
        query = self.calls_query
        if query.sort != "#" or query.descending:
            mark = "▲" if query.descending == (query.sort in NUMERIC) else "▼"
            parts.append(f"sort {BY_KEY[query.sort].label} {mark}")
        if query.words:
            parts.append(f"filter “{one_line(query.text, 30)}”: {self.table.row_count}")
        return " · ".join(parts)

    def tick(self) -> None:
        """Count up the seconds of the calls still live (and move them, sorted by seconds or state)."""
        if not any(record.phase in LIVE_PHASES for record in self.model.calls.records.values()):
            return
        if self.calls_query.sort in ("secs", "state"):
            self.show_rows()
        else:
            self.table.refresh()

    # -- the highlighted call, whole ------------------------------------------------------------------
    @on(CallsTable.Highlighted)
    def show_preview(self) -> None:
        record = self.table.cursor_record
        preview = self.query_one("#calls-preview", Static)
        if record is None:
            empty = "No calls match the filter." if self.calls_query.words else "No calls yet."
            preview.update(Text(empty, style="italic"))
            return
        text = Text(f"#{record.serial} ", style="bold")
        text.append(one_line(doc_name(record.doc)), style="bold")
        text.append(f" · {one_line(record.purpose)} · {outcome_text(record)}")
        error = record.error or (record.retries[-1].error if record.retries else "")
        if error:
            text.append(f"\n{'error' if record.error else 'retried'}: {one_line(error)}", style="italic")
        preview.update(text)

    @on(CallsTable.Opened)
    def _open(self, message: CallsTable.Opened) -> None:
        message.stop()
        self.app.push_screen(CallScreen(self.model, message.serial))

    # -- sort and filter ------------------------------------------------------------------------------
    def action_sort(self) -> None:
        self.calls_query.next_sort()
        self.show_rows()

    def action_reverse(self) -> None:
        self.calls_query.descending = not self.calls_query.descending
        self.show_rows()

    def action_filter(self) -> None:
        box = self.query_one("#calls-filter", FilterInput)
        box.display = True
        box.value = self.calls_query.text
        box.focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """esc clears a filter; with none, it goes on to the screen (a zoomed pane restores)."""
        if action == "clear_filter":
            return bool(self.calls_query.text)
        return True

    def action_clear_filter(self) -> None:
        self._close_box()
        if self.calls_query.text:
            self.calls_query.text = ""
            self.show_rows()
        self.table.focus()

    @on(FilterInput.Closed)
    def _close_filter(self, message: FilterInput.Closed) -> None:
        message.stop()
        box = self.query_one("#calls-filter", FilterInput)
        if message.clear or not box.value.strip():
            self.action_clear_filter()
        else:
            self._close_box()
            self.table.focus()

    def _close_box(self) -> None:
        box = self.query_one("#calls-filter", FilterInput)
        if self._filter_timer is not None:
            self._filter_timer.stop()
            self._filter_timer = None
        with box.prevent(Input.Changed):
            box.value = ""
        box.display = False

    @on(Input.Changed, "#calls-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        event.stop()
        if self._filter_timer is not None:
            self._filter_timer.stop()
        self._filter_timer = self.set_timer(FILTER_DELAY, partial(self.set_filter, event.value))

    @on(Input.Submitted, "#calls-filter")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.set_filter(event.value)
        self.post_message(FilterInput.Closed(False))

    def set_filter(self, text: str) -> None:
        if self._filter_timer is not None:
            self._filter_timer.stop()
            self._filter_timer = None
        if text.strip() != self.calls_query.text:
            self.calls_query.text = text.strip()
            self.show_rows()
