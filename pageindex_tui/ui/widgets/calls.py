"""The calls table: one row per LLM call (purpose, state, tokens, time to first token, seconds).

A call's state tells where it is: `queue` waits for a place under our concurrency bound, `wait` is at the
server without a token yet (in the server's queue, or reading its prompt), `run` streams tokens. `secs`
counts up while a call is live (dim while queued) and is the call's whole time once it ends."""

from __future__ import annotations

from rich.text import Text
from textual.message import Message
from textual.widgets import DataTable

from ...workbench.calls import CallRecord
from ..keys import bindings
from ..literal import one_line

COLUMNS: tuple[tuple[str, str], ...] = (
    ("#", "n"),
    ("state", "state"),
    ("in", "prompt"),
    ("out", "completion"),
    ("ttft", "ttft"),
    ("secs", "secs"),
    ("purpose", "purpose"),
)
SHORT = {"queued": "queue", "sent": "wait", "running": "run", "cached": "cache", "invalid": "bad"}
SHORT["cancelled"] = "stop"
STATE_STYLE = {
    "queued": "dim italic",
    "sent": "italic",
    "running": "bold",
    "ok": "",
    "cached": "dim",
    "retry": "italic",
    "invalid": "italic",
    "error": "bold",
    "cancelled": "dim",
}


def _number(value: int | None) -> Text:
    return Text("" if value is None else f"{value:,}", justify="right")


def _seconds(value: float | None, style: str = "") -> Text:
    if value is None:
        return Text("", justify="right")
    shown = f"{value:.2f}" if value < 10 else f"{value:.1f}" if value < 100 else f"{value:.0f}"
    return Text(shown, justify="right", style=style)


def cells(record: CallRecord, elapsed: float | None = None) -> list[Text]:
    """The row of a call (`elapsed`: seconds so far, for a live call); text from the model or the PDF is
    literal."""
    if record.seconds is not None and elapsed is None:
        secs = _seconds(record.seconds)
    else:
        secs = _seconds(elapsed, "dim" if record.phase == "queued" else "")
    return [
        Text(str(record.serial), justify="right", style="dim"),
        Text(SHORT.get(record.phase, record.phase), style=STATE_STYLE.get(record.phase, "")),
        _number(record.prompt_tokens),
        _number(record.completion_tokens),
        _seconds(record.ttft),
        secs,
        Text(one_line(record.purpose, 80)),
    ]


class CallsTable(DataTable[Text]):
    """Calls in the order they started; the cursor sits on the call shown unless the user moves it."""

    BINDINGS = bindings("calls", widget=True)  # the pane binds the rest

    class Picked(Message):
        def __init__(self, serial: int) -> None:
            super().__init__()
            self.serial = serial

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=False)
        self._rows: set[int] = set()

    def on_mount(self) -> None:
        for label, key in COLUMNS:
            numeric = key in ("n", "prompt", "completion", "ttft", "secs")
            self.add_column(Text(label, justify="right" if numeric else "left"), key=key)

    def upsert(self, record: CallRecord, elapsed: float | None = None) -> None:
        key = str(record.serial)
        row = cells(record, elapsed)
        if record.serial not in self._rows:
            self._rows.add(record.serial)
            self.add_row(*row, key=key)
            return
        for (_label, column), value in zip(COLUMNS, row, strict=True):
            if column in ("n", "purpose"):
                continue
            self.update_cell(key, column, value, update_width=True)

    def tick(self, serial: int, elapsed: float | None, style: str = "") -> None:
        """Show a live call's seconds so far."""
        if serial in self._rows:
            self.update_cell(str(serial), "secs", _seconds(elapsed, style), update_width=True)

    def drop(self, serials: list[int]) -> None:
        for serial in serials:
            if serial in self._rows:
                self._rows.discard(serial)
                self.remove_row(str(serial))

    def show(self, serial: int) -> None:
        """Put the cursor on a call without treating it as the user's pick."""
        if serial in self._rows:
            index = self.get_row_index(str(serial))
            if self.cursor_row != index:
                self.move_cursor(row=index, animate=False, scroll=True)

    def action_pick(self) -> None:
        if self.row_count:
            key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value
            if key is not None:
                self.post_message(self.Picked(int(key)))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if event.row_key.value is not None:
            self.post_message(self.Picked(int(event.row_key.value)))
