"""The live text of one LLM call: reasoning dimmed, the answer plain, wrapped incrementally.

A Line-API ScrollView: appending re-wraps only the tail of the last line, and only visible lines are
rendered, so thousands of tokens per second cost little. Text is shown literally (see `literal`).
"""

from __future__ import annotations

import re
from typing import ClassVar

from rich.cells import cell_len
from rich.segment import Segment
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ..keys import bindings
from ..literal import literal

MAX_CHARS = 80_000  # characters kept in the view; the head is dropped beyond this
_WORD = re.compile(r"\S+\s*|\s+")


def wrap_offsets(text: str, width: int) -> list[int]:
    """Start offsets of the visual lines of `text` (no newlines) wrapped greedily at `width` cells."""
    starts = [0]
    if width <= 0 or not text:
        return starts
    ascii_only = text.isascii()
    measure = len if ascii_only else cell_len
    if ascii_only and len(text) <= width:
        return starts
    used = 0
    for match in _WORD.finditer(text):
        word = match.group()
        size = measure(word.rstrip())
        if used and used + size > width:
            starts.append(match.start())
            used = 0
        if size > width:  # fold a word longer than the line
            position = match.start()
            for char in word.rstrip():
                step = measure(char)
                if used + step > width:
                    starts.append(position)
                    used = 0
                used += step
                position += 1
            used += measure(word) - size
            continue
        used += measure(word)
    return starts


class StreamView(ScrollView, can_focus=True):
    """Reasoning and answer text of the call being shown."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "stream--reasoning",
        "stream--answer",
        "stream--note",
        "stream--error",
        "stream--blank",
    }
    BINDINGS = bindings("stream", widget=True)  # the pane binds the rest
    DEFAULT_CSS = """
    StreamView { background: $surface; scrollbar-gutter: stable; overflow-x: hidden; }
    StreamView > .stream--reasoning { color: $text-muted; text-style: italic; }
    StreamView > .stream--answer { color: $text; }
    StreamView > .stream--note { color: $text-muted; text-style: dim; }
    StreamView > .stream--error { color: $error; text-style: bold; }
    StreamView > .stream--blank { }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._lines: list[tuple[str, str]] = []  # logical lines: (kind, text without newline)
        self._first: list[int] = []  # index in _visual of each logical line's first visual line
        self._visual: list[tuple[int, int, int]] = []  # (logical line, start, end)
        self._chars = 0
        self._width = 0
        self.following = True  # keep the end in view as text arrives, until the user scrolls up

    # -- content -------------------------------------------------------------------------------
    def watch_scroll_y(self, old: float, new: float) -> None:
        super().watch_scroll_y(old, new)
        self.following = new >= self.max_scroll_y - 1

    def clear(self) -> None:
        self.following = True
        self._lines, self._first, self._visual, self._chars = [], [], [], 0
        self.virtual_size = Size(self._width, 0)
        self.scroll_to(0, 0, animate=False, immediate=True)
        self.refresh()

    def note(self, text: str) -> None:
        """A line of our own (dim), e.g. "(earlier text dropped)"."""
        self.append("note", text + "\n")

    def append(self, kind: str, text: str) -> None:
        """Add text of a kind ("reasoning", "answer", "note", "error"); a change of kind starts a new
        paragraph."""
        if not text:
            return
        text = literal(text)
        if self._lines and self._lines[-1][0] == kind:
            index = len(self._lines) - 1
        else:
            index = len(self._lines)
            if self._lines and self._lines[-1][1]:
                self._add_line("blank", "")  # a blank line between reasoning and answer
            self._add_line(kind, "")
        parts = text.split("\n")
        kind_last, last_text = self._lines[-1]
        self._lines[-1] = (kind_last, last_text + parts[0])
        for part in parts[1:]:
            self._add_line(kind, part)
        self._chars += len(text)
        if self._chars > MAX_CHARS * 1.25:
            self._drop_head()
        else:
            self._wrap_from(index)
        self.virtual_size = Size(self._width, len(self._visual))
        if self.following:
            self.scroll_end(animate=False, immediate=True, x_axis=False, force=True)
        self.refresh()

    def _add_line(self, kind: str, text: str) -> None:
        self._lines.append((kind, text))
        self._first.append(-1)

    def _drop_head(self) -> None:
        kept, size = [], 0
        for line in reversed(self._lines):
            size += len(line[1]) + 1
            if size > MAX_CHARS:
                break
            kept.append(line)
        kept.reverse()
        self._lines = [("note", "(earlier text dropped)"), *kept]
        self._chars = sum(len(t) + 1 for _k, t in self._lines)
        self._first = [-1] * len(self._lines)
        self._visual = []
        self._wrap_from(0)

    def _wrap_from(self, index: int) -> None:
        """Re-wrap logical lines from `index` on; lines before it are wrapped already.

        Line `index` may be the tail being appended to: its visual lines but the last two are settled
        (greedy wrapping only re-flows the end), so wrapping restarts at the second-last one.
        """
        width = self._width = max(1, self._width or self.scrollable_content_region.width or 80)
        recorded = self._first[index]
        first = recorded if 0 <= recorded <= len(self._visual) else len(self._visual)
        keep, offset = 0, 0
        existing = self._visual[first:]
        if len(existing) > 2 and existing[0][0] == index and existing[-1][0] == index:
            keep = len(existing) - 2
            offset = existing[keep][1]
        del self._visual[first + keep :]
        for number in range(index, len(self._lines)):
            self._first[number] = first if number == index else len(self._visual)
            start_at = offset if number == index else 0
            body = self._lines[number][1][start_at:]
            starts = wrap_offsets(body, width)
            for start, end in zip(starts, [*starts[1:], len(body)], strict=True):
                self._visual.append((number, start_at + start, start_at + end))

    def on_resize(self) -> None:
        width = self.scrollable_content_region.width
        if width and width != self._width:
            self._width = width
            self._visual = []
            self._first = [-1] * len(self._lines)
            following = self.following
            if self._lines:
                self._wrap_from(0)
            self.virtual_size = Size(width, len(self._visual))
            if following:
                self.scroll_end(animate=False, immediate=True, x_axis=False, force=True)

    @property
    def text(self) -> str:
        """Everything shown, as plain text (for tests and copying)."""
        return "\n".join(t for _k, t in self._lines)

    @property
    def line_count(self) -> int:
        return len(self._visual)

    # -- rendering ---------------------------------------------------------------------------------
    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        width = self.scrollable_content_region.width
        base = self.rich_style
        number = scroll_y + y
        if number >= len(self._visual):
            return Strip.blank(width, base)
        line, start, end = self._visual[number]
        kind, text = self._lines[line]
        style = base + self.get_component_rich_style(f"stream--{kind}")
        piece = text[start:end].rstrip(" ")
        strip = Strip([Segment(piece, style)])
        return strip.crop_extend(scroll_x, scroll_x + width, base)

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self.refresh()

    # -- actions -------------------------------------------------------------------------------------
    def action_scroll_down(self) -> None:
        self.scroll_relative(y=1, animate=False)

    def action_scroll_up(self) -> None:
        self.scroll_relative(y=-1, animate=False)
