"""The calls table: one row per LLM call, its retried attempts folded in (`↻`), with its document,
purpose, state, tokens, time to first token, seconds and error.

A call's state tells where it is: `queue` waits for a place under our concurrency bound, `wait` is at the
server without a token yet (in the server's queue, or reading its prompt), `run` streams tokens. `secs`
counts up while a call is live (dim while queued) and is the call's whole time once it ends.

A Line-API ScrollView over the rows the pane gives it (`set_rows`): only the rows in view are drawn, so a
thousand calls cost what twenty do. The columns are sized by the space: fixed ones for the figures,
document, purpose and error share the rest by what they hold, and the least needed columns give way
first in a narrow pane. The header line stays on top and marks the sort column (▲ or ▼). Text from the
model, the PDF or a server is literal."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import ClassVar

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ...workbench.calls import LIVE_PHASES, CallRecord
from ...workbench.callview import NUMERIC, doc_name, seconds_number, state_word
from ..keys import bindings
from ..literal import one_line

STATE_STYLE = {
    "queued": "dim italic",
    "sent": "italic",
    "running": "bold",
    "cached": "dim",
    "retry": "italic",
    "invalid": "italic",
    "error": "bold",
    "cancelled": "dim",
}
GAP = 1  # columns between cells


@dataclass(frozen=True)
class Column:
    key: str  # the sort name (callview.SORTS)
    label: str
    width: int  # fixed width, or the least a flexible column takes
    flex: int = 0  # share of the spare width (0: fixed)
    cap: int = 0  # a flexible column never wants more


COLUMNS = (
    Column("#", "#", 1),
    Column("state", "state", 6),
    Column("retries", "↻", 2),
    Column("doc", "document", 8, flex=2, cap=48),
    Column("purpose", "purpose", 10, flex=3, cap=160),
    Column("in", "in", 6),
    Column("out", "out", 5),
    Column("ttft", "ttft", 5),
    Column("secs", "secs", 5),
    Column("error", "error", 10, flex=1, cap=400),
)
BY_KEY = {column.key: column for column in COLUMNS}
# which columns a pane shows: the essential ones first, then document and purpose grow to a comfortable
# width, then the optional ones come as they fit, and what is left widens the flexible ones
ESSENTIAL = ("#", "state", "retries", "doc", "purpose", "secs")
COMFORTABLE = {"doc": 20, "purpose": 32}
OPTIONAL = ("error", "out", "in", "ttft")


def seconds_cell(value: float | None) -> str:
    if value is None:
        return ""
    return seconds_number(value)


def cell_text(record: CallRecord, key: str, elapsed: float | None = None) -> str:
    """What a cell shows (plain, literal, one line); `elapsed`: a live call's seconds so far."""
    if key == "#":
        return str(record.serial)
    if key == "state":
        return state_word(record.phase)
    if key == "retries":
        return str(len(record.retries)) if record.retries else ""
    if key == "doc":
        return one_line(doc_name(record.doc))
    if key == "purpose":
        return one_line(record.purpose)
    if key == "in":
        return f"{record.prompt_tokens:,}"
    if key == "out":
        return f"{record.completion_tokens:,}"
    if key == "ttft":
        return seconds_cell(record.ttft)
    if key == "secs":
        return seconds_cell(record.seconds if elapsed is None else elapsed)
    if key == "error":
        return one_line(record.error or (record.retries[-1].error if record.retries else ""))
    raise KeyError(key)


def fit(text: str, width: int, right: bool = False, middle: bool = False) -> str:
    """`text` in exactly `width` cells: cut with an ellipsis (in the `middle`: a file name keeps its end),
    padded on the right (numbers on the left)."""
    size = cell_len(text)
    if size > width:
        if width <= 0:
            return ""
        if middle and width >= 5 and text.isascii():
            tail = (width - 1) // 2
            return text[: width - 1 - tail] + "…" + text[-tail:]
        return set_cell_size(text, width - 1) + "…"
    return " " * (width - size) + text if right else text + " " * (width - size)


def layout(width: int, rows: Sequence[CallRecord]) -> list[tuple[Column, int]]:
    """The columns shown in `width` cells and their widths: the essential ones, document and purpose grown
    to a comfortable width, the optional ones that fit, then the flexible ones grown by their shares up to
    the longest text they hold."""
    digits = len(str(max((record.serial for record in rows), default=1)))
    longest = {"doc": 0, "purpose": 0, "error": 0}
    has_retries = has_errors = False
    for record in rows:
        longest["doc"] = max(longest["doc"], len(record.doc) - record.doc.rfind("/") - 1)
        longest["purpose"] = max(longest["purpose"], len(record.purpose))
        if record.error or record.retries:
            has_errors = True
            longest["error"] = max(
                longest["error"], len(record.error), *(len(a.error) for a in record.retries)
            )
        has_retries |= bool(record.retries)
    chosen: dict[str, int] = {}
    used = -GAP

    def add(keys: Sequence[str]) -> None:
        nonlocal used
        for key in keys:
            if (key == "retries" and not has_retries) or (key == "error" and not has_errors):
                continue  # no call retried, or none has an error: the column would be empty
            size = max(digits, 1) if key == "#" else BY_KEY[key].width
            if used + GAP + size <= width:
                chosen[key] = size
                used += GAP + size

    def grow(caps: dict[str, int]) -> None:
        nonlocal used
        flexible = [BY_KEY[key] for key in ("purpose", "doc", "error") if key in chosen and key in caps]
        while used < width:
            grew = False
            for column in flexible:
                for _share in range(column.flex):
                    if used < width and chosen[column.key] < caps[column.key]:
                        chosen[column.key] += 1
                        used += 1
                        grew = True
            if not grew:
                return

    wants = {key: min(BY_KEY[key].cap, max(BY_KEY[key].width, longest[key])) for key in longest}
    add(ESSENTIAL)
    grow({key: min(wants[key], COMFORTABLE.get(key, 0)) for key in wants})  # readable before the rest
    add(OPTIONAL)
    grow(wants)
    return [(column, chosen[column.key]) for column in COLUMNS if column.key in chosen]


class CallsTable(ScrollView, can_focus=True, inherit_bindings=False):
    """The calls the pane selected, in its order; the cursor stays on its call when rows move."""

    BINDINGS = bindings("calls", widget=True)  # the pane binds the rest
    COMPONENT_CLASSES: ClassVar[set[str]] = {"calls--header", "calls--cursor", "calls--dim"}
    DEFAULT_CSS = """
    CallsTable { background: $surface; overflow-x: hidden; scrollbar-size-vertical: 1; }
    CallsTable > .calls--header { text-style: bold; background: $panel; color: $foreground; }
    CallsTable > .calls--dim { color: $text-muted; }
    CallsTable > .calls--cursor {
        background: $block-cursor-blurred-background;
        color: $block-cursor-blurred-foreground;
        text-style: $block-cursor-blurred-text-style;
    }
    CallsTable:focus > .calls--cursor {
        background: $block-cursor-background;
        color: $block-cursor-foreground;
        text-style: $block-cursor-text-style;
    }
    """

    class Picked(Message):
        """Show this call in the stream pane."""

        def __init__(self, serial: int) -> None:
            super().__init__()
            self.serial = serial

    class Opened(Message):
        """Open this call's detail."""

        def __init__(self, serial: int) -> None:
            super().__init__()
            self.serial = serial

    class Highlighted(Message):
        """The cursor moved onto another call (or the rows changed under it)."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.rows: list[CallRecord] = []
        self._index: dict[int, int] = {}  # serial -> row
        self.cursor_row = 0
        self.sort: tuple[str, bool] = ("#", False)  # column, descending (the header's mark)
        self.clock: Callable[[], float] | None = None  # a live call's seconds so far
        self._columns: list[tuple[Column, int]] = []
        self._width = 0
        self._hovered: int | None = None  # the call whose tooltip is up

    # -- rows ----------------------------------------------------------------------------------------
    @property
    def row_count(self) -> int:
        return len(self.rows)

    @property
    def cursor_serial(self) -> int | None:
        return self.rows[self.cursor_row].serial if self.rows else None

    @property
    def cursor_record(self) -> CallRecord | None:
        return self.rows[self.cursor_row] if self.rows else None

    def set_rows(self, rows: list[CallRecord]) -> None:
        """Show these calls in this order; the cursor stays on its call when it is still shown."""
        before = self.cursor_serial
        self.rows = rows
        self._index = {record.serial: row for row, record in enumerate(rows)}
        if before is not None and before in self._index:
            self.cursor_row = self._index[before]
        else:
            self.cursor_row = min(self.cursor_row, max(0, len(rows) - 1))
        self._relayout()
        self.virtual_size = Size(self._width, len(rows) + 1)
        self.refresh()
        if self.cursor_serial != before:
            self.post_message(self.Highlighted())

    def _relayout(self) -> None:
        width = self.scrollable_content_region.width or self.size.width or 80
        self._width = width
        self._columns = layout(width, self.rows)

    def on_resize(self) -> None:
        self._relayout()
        self.virtual_size = Size(self._width, len(self.rows) + 1)
        self._keep_cursor_in_view()
        self.refresh()

    def cell(self, serial: int, key: str) -> str:
        """A cell's text, as shown whole (for tests)."""
        record = self.rows[self._index[serial]]
        return cell_text(record, key, self._elapsed(record))

    def shown_columns(self) -> list[str]:
        return [column.key for column, _width in self._columns]

    def _elapsed(self, record: CallRecord) -> float | None:
        if record.phase in LIVE_PHASES and self.clock is not None:
            return max(0.0, self.clock() - record.since)
        return None

    # -- the cursor ------------------------------------------------------------------------------------
    def show(self, serial: int) -> None:
        """Put the cursor on a call without treating it as the user's pick."""
        if serial in self._index:
            self._move(self._index[serial])

    def _move(self, row: int) -> None:
        row = max(0, min(row, len(self.rows) - 1))
        if not self.rows:
            return
        moved = row != self.cursor_row
        self.cursor_row = row
        self._keep_cursor_in_view()
        self.refresh()
        if moved:
            self.post_message(self.Highlighted())

    def _keep_cursor_in_view(self) -> None:
        shown = max(1, self.scrollable_content_region.height - 1)  # less the header
        top = int(self.scroll_y)
        if self.cursor_row < top:
            self.scroll_to(y=self.cursor_row, animate=False, immediate=True)
        elif self.cursor_row >= top + shown:
            self.scroll_to(y=self.cursor_row - shown + 1, animate=False, immediate=True)

    def action_cursor_down(self) -> None:
        self._move(self.cursor_row + 1)

    def action_cursor_up(self) -> None:
        self._move(self.cursor_row - 1)

    def action_page_down(self) -> None:
        self._move(self.cursor_row + max(1, self.scrollable_content_region.height - 2))

    def action_page_up(self) -> None:
        self._move(self.cursor_row - max(1, self.scrollable_content_region.height - 2))

    def action_scroll_top(self) -> None:
        self._move(0)

    def action_scroll_bottom(self) -> None:
        self._move(len(self.rows) - 1)

    def action_pick(self) -> None:
        if self.cursor_serial is not None:
            self.post_message(self.Picked(self.cursor_serial))

    def action_open(self) -> None:
        if self.cursor_serial is not None:
            self.post_message(self.Opened(self.cursor_serial))

    def _row_at(self, y: int) -> int | None:
        if y < 1:
            return None
        row = int(self.scroll_y) + y - 1
        return row if row < len(self.rows) else None

    def on_click(self, event: events.Click) -> None:
        """A click highlights a call and shows it in the stream; a click on the highlighted one opens it."""
        row = self._row_at(event.y)
        if row is None:
            return
        if row == self.cursor_row:
            self.action_open()
        else:
            self._move(row)
            self.action_pick()

    def on_mouse_move(self, event: events.MouseMove) -> None:
        """The tooltip: the hovered call's document, purpose and error, whole."""
        row = self._row_at(event.y)
        serial = self.rows[row].serial if row is not None else None
        if serial != self._hovered:
            self._hovered = serial
            self.tooltip = row_tooltip(self.rows[row]) if row is not None else None

    # -- drawing -----------------------------------------------------------------------------------
    def header_text(self) -> str:
        column, descending = self.sort
        parts = []
        for shown, width in self._columns:
            label = shown.label
            if shown.key == column and column != "#":
                label += "▲" if descending == (column in NUMERIC) else "▼"
            parts.append(fit(label, width, right=shown.key in NUMERIC or shown.key == "#"))
        return (" " * GAP).join(parts)

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        base = self.rich_style
        if y == 0:
            style = base + self.get_component_rich_style("calls--header")
            return Strip([Segment(self.header_text(), style)]).crop_extend(0, width, style)
        row = self._row_at(y)
        if row is None:
            return Strip.blank(width, base)
        record = self.rows[row]
        line_style = base
        if row == self.cursor_row:
            line_style = base + self.get_component_rich_style("calls--cursor")
        dim = Style(color=self.get_component_rich_style("calls--dim").color)  # blended: themes with alpha
        elapsed = self._elapsed(record)
        segments: list[Segment] = []
        for number, (column, size) in enumerate(self._columns):
            if number:
                segments.append(Segment(" " * GAP, line_style))
            text = cell_text(record, column.key, elapsed)
            style = line_style
            if column.key == "#":
                style += dim
            elif column.key == "state" and record.phase in STATE_STYLE:
                style += Style.parse(STATE_STYLE[record.phase])
            elif column.key == "secs" and record.phase == "queued":
                style += dim
            elif column.key == "error" and not record.error:
                style += dim  # a retried attempt's error: the call went on
            right = column.key in NUMERIC or column.key == "#"
            segments.append(Segment(fit(text, size, right=right, middle=column.key == "doc"), style))
        return Strip(segments).crop_extend(0, width, line_style)

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self.refresh()


def row_tooltip(record: CallRecord) -> Text:
    text = Text(one_line(doc_name(record.doc)), style="bold")
    text.append(f"\n{one_line(record.purpose)}")
    error = record.error or (record.retries[-1].error if record.retries else "")
    if error:
        text.append(f"\n{state_word(record.phase)}: {one_line(error)}")
    return text
