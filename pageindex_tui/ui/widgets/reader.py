"""The page-text reader: a node's text, focusable, scrolled by line, screen and page, searched with `/`,
`n` and `N`, with the matches and a cited passage highlighted.

`ReaderView` is a Line-API ScrollView (only the visible lines are drawn, so a 50-page node scrolls as
fast as a short one); `Reader` puts it together with its search box and a status line. The text is a
`reading.ReaderText`: literal, never read as markup.
"""

from __future__ import annotations

from bisect import bisect_right
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widgets import Input, Static

from ...workbench.reading import ReaderText, Span
from ..keys import bindings, shown_key
from ..literal import one_line
from .inputs import TypedInput
from .stream import wrap_offsets

LEAD = 3  # lines shown above a match or a quote brought into view


class ReaderView(ScrollView, can_focus=True):
    """Draws a ReaderText wrapped to the width; keeps the search matches and the quote to highlight."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "reader--rule",
        "reader--cited",
        "reader--note",
        "reader--gutter",
        "reader--quote",
        "reader--match",
        "reader--current",
    }
    BINDINGS = bindings("reader", widget=True)  # the Reader binds the rest
    DEFAULT_CSS = """
    ReaderView { background: $surface; scrollbar-gutter: stable; overflow-x: hidden; }
    ReaderView > .reader--rule { color: $text-muted; text-style: bold; }
    ReaderView > .reader--cited { color: $accent; text-style: bold; }
    ReaderView > .reader--note { color: $text-muted; text-style: italic; }
    ReaderView > .reader--gutter { color: $text-muted; }
    ReaderView > .reader--quote { background: $accent 40%; color: $text; }
    ReaderView > .reader--match { background: $warning 35%; color: $text; }
    ReaderView > .reader--current { background: $warning; color: $background; text-style: bold; }
    """

    class Moved(Message):
        """The view scrolled, or its matches changed: the status line is out of date."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.content = ReaderText()
        self.matches: list[Span] = []
        self.current = -1  # index in `matches` of the match on show
        self.searched = ""  # the text searched for ("" when none)
        self.quote: Span | None = None
        self._visual: list[tuple[int, int, int]] = []  # (line index, start, end) of each screen line
        self._first: list[int] = []  # index in _visual of each line's first screen line
        self._width = 0
        self._gutter = 0
        self._ends: list[int] = []  # where each match ends (they do not overlap: sorted too)

    # -- content -----------------------------------------------------------------------------------
    def show(self, content: ReaderText, at: int | None = None, quote: str = "") -> None:
        """Show `content` at page (or line) `at`, the quote (found on the cited units) highlighted."""
        self.content = content
        self.matches, self.current, self.searched, self._ends = [], -1, "", []
        self.quote = content.locate(quote, tuple(sorted(content.cited))) if quote else None
        last = max(content.units, default=0)
        self._gutter = len(str(last)) + 3 if content.unit == "line" else 0
        self._layout()
        if self.quote is not None:
            self.reveal(self.quote[0])
        elif at is not None and content.unit_start(at) is not None:
            self.reveal(content.unit_start(at) or 0, lead=0)
        else:
            self.scroll_to(0, 0, animate=False, immediate=True)
        self.refresh()
        self.post_message(self.Moved())

    def _layout(self) -> None:
        width = max(1, (self._width or self.scrollable_content_region.width or 80) - self._gutter)
        self._visual, self._first = [], []
        for number, line in enumerate(self.content.lines):
            self._first.append(len(self._visual))
            starts = wrap_offsets(line.text, width)
            for start, end in zip(starts, [*starts[1:], len(line.text)], strict=True):
                self._visual.append((number, start, end))
        self.virtual_size = Size(self._width, len(self._visual))

    def on_resize(self) -> None:
        width = self.scrollable_content_region.width
        if width and width != self._width:
            top = self.top_offset
            self._width = width
            self._layout()
            self.scroll_to(0, self._visual_of(top), animate=False, immediate=True)

    # -- where things are ----------------------------------------------------------------------------
    def _visual_of(self, offset: int) -> int:
        """The screen line holding `offset`."""
        if not self._visual:
            return 0
        number = self.content.line_of(offset)
        within = offset - self.content.lines[number].start
        first = self._first[number]
        last = self._first[number + 1] if number + 1 < len(self._first) else len(self._visual)
        starts = [self._visual[i][1] for i in range(first, last)]
        return first + max(0, bisect_right(starts, within) - 1)

    @property
    def top_offset(self) -> int:
        """The offset of the first character on screen."""
        top = int(self.scroll_y)
        if not self._visual or top >= len(self._visual):
            return 0
        number, start, _end = self._visual[top]
        return self.content.lines[number].start + start

    @property
    def top_unit(self) -> int:
        """The page (or line) at the top of the view."""
        if not self.content.lines:
            return 0
        index = self.content.line_of(self.top_offset)
        return self.content.lines[index].unit

    def reveal(self, offset: int, lead: int = LEAD) -> None:
        """Scroll so that `offset` is on screen, `lead` lines below the top when it was not."""
        line = self._visual_of(offset)
        height = self.scrollable_content_region.height or 1
        top = int(self.scroll_y)
        if lead == 0 or not top <= line < top + height:
            self.scroll_to(0, max(0, line - lead), animate=False, immediate=True, force=True)

    def watch_scroll_y(self, old: float, new: float) -> None:
        super().watch_scroll_y(old, new)
        self.post_message(self.Moved())

    # -- search --------------------------------------------------------------------------------------
    def search(self, query: str) -> int:
        """Find `query` (literally, ignoring case); show the first match from the top of the view on."""
        self.searched = query
        self.matches = self.content.find(query)
        self._ends = [end for _start, end in self.matches]
        self.current = -1
        if self.matches:
            top = self.top_offset
            starts = [start for start, _end in self.matches]
            self.current = bisect_right(starts, top - 1) % len(self.matches)
            self.reveal(self.matches[self.current][0])
        self.refresh()
        self.post_message(self.Moved())
        return len(self.matches)

    def step_match(self, step: int) -> bool:
        """Go to the next (+1) or previous (-1) match; False when there is none."""
        if not self.matches:
            return False
        self.current = (self.current + step) % len(self.matches)
        self.reveal(self.matches[self.current][0])
        self.refresh()
        self.post_message(self.Moved())
        return True

    def clear_search(self) -> None:
        self.matches, self.current, self.searched, self._ends = [], -1, "", []
        self.refresh()
        self.post_message(self.Moved())

    # -- drawing -------------------------------------------------------------------------------------
    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        width = self.scrollable_content_region.width
        base = self.rich_style
        row = scroll_y + y
        if row >= len(self._visual):
            return Strip.blank(width, base)
        number, start, end = self._visual[row]
        line = self.content.lines[number]
        segments: list[Segment] = []
        if self._gutter:
            kind = "cited" if line.unit in self.content.cited else "gutter"
            label = f"{line.unit} │ " if self._first[number] == row and line.unit else "│ "
            style = base + self.get_component_rich_style(f"reader--{kind}")
            segments.append(Segment(label.rjust(self._gutter), style))
        kind = "cited" if line.kind == "rule" and line.unit in self.content.cited else line.kind
        plain = base + (self.get_component_rich_style(f"reader--{kind}") if kind != "text" else base)
        piece = line.text[start:end].rstrip(" ")
        offset = line.start + start
        segments += self._painted(piece, offset, plain)
        strip = Strip(segments)
        return strip.crop_extend(scroll_x, scroll_x + width, base)

    def _painted(self, piece: str, offset: int, plain: Style) -> list[Segment]:
        """`piece` (at `offset` in the text) cut where the quote, matches and current match begin and end."""
        if not piece:
            return []
        base = self.rich_style
        marks = [""] * len(piece)
        end = offset + len(piece)

        def paint(spans: list[Span], kind: str, ends: list[int] | None = None) -> None:
            index = bisect_right(ends, offset) if ends is not None else 0
            for first, last in spans[index:]:
                if first >= end:
                    break
                for position in range(max(first, offset), min(last, end)):
                    marks[position - offset] = kind

        if self.quote is not None:
            paint([self.quote], "quote")
        paint(self.matches, "match", self._ends)
        if 0 <= self.current < len(self.matches):
            paint([self.matches[self.current]], "current")
        segments, run_start = [], 0
        for index in range(1, len(piece) + 1):
            if index == len(piece) or marks[index] != marks[run_start]:
                kind = marks[run_start]
                style = plain if not kind else base + self.get_component_rich_style(f"reader--{kind}")
                segments.append(Segment(piece[run_start:index], style))
                run_start = index
        return segments

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self.refresh()

    # -- actions -------------------------------------------------------------------------------------
    def action_scroll_down(self) -> None:
        self.scroll_relative(y=1, animate=False)

    def action_scroll_up(self) -> None:
        self.scroll_relative(y=-1, animate=False)

    def action_page_down(self) -> None:
        self.scroll_relative(y=max(1, self.scrollable_content_region.height - 1), animate=False)

    def action_page_up(self) -> None:
        self.scroll_relative(y=-max(1, self.scrollable_content_region.height - 1), animate=False)

    def action_top(self) -> None:
        self.scroll_to(0, 0, animate=False)

    def action_bottom(self) -> None:
        self.scroll_to(0, self.max_scroll_y, animate=False)

    def _go_unit(self, step: int) -> None:
        units = self.content.units
        if not units:
            return
        here = self.top_unit
        if step > 0:
            target = next((u for u in units if u > here), None)
        else:
            start = self.content.unit_start(here)
            before = [u for u in units if u < here]
            at_start = start is not None and self.top_offset <= start
            target = (before[-1] if before else None) if at_start else here
        if target is not None:
            self.reveal(self.content.unit_start(target) or 0, lead=0)

    def action_next_unit(self) -> None:
        self._go_unit(1)

    def action_previous_unit(self) -> None:
        self._go_unit(-1)


class SearchBox(TypedInput):
    BINDINGS = bindings("search")

    class Cancelled(Message):
        pass

    def action_cancel(self) -> None:
        self.post_message(self.Cancelled())


class Reader(Vertical):
    """A ReaderView with its search box and status line; `esc` in it posts `Closed`."""

    BINDINGS = bindings("reader", widget=False)
    DEFAULT_CSS = """
    Reader { height: 1fr; }
    Reader > ReaderView { height: 1fr; }
    Reader > SearchBox { display: none; height: 3; border: tall $primary; }
    Reader > .reader-status { height: 1; padding: 0 1; background: $panel; color: $text-muted; }
    """

    class Closed(Message):
        def __init__(self, reader: Reader) -> None:
            super().__init__()
            self.reader = reader

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.note = ""  # shown in the status line until the next search

    def compose(self) -> ComposeResult:
        yield ReaderView()
        cancel = shown_key("search.cancel", self.app)
        yield SearchBox(placeholder=f"search the text · enter: find · {cancel}: cancel")
        yield Static(Text(""), classes="reader-status")

    @property
    def view(self) -> ReaderView:
        return self.query_one(ReaderView)

    def show(self, content: ReaderText, at: int | None = None, quote: str = "") -> None:
        view = self.view
        view.show(content, at, quote)
        if quote and view.quote is None:
            self.note = "the quoted words are not found in this text"
        else:
            self.note = "cited passage highlighted" if quote else ""
        self.update_status()

    def focus_text(self) -> None:
        self.view.focus()

    @on(ReaderView.Moved)
    def update_status(self) -> None:
        view, content = self.view, self.view.content
        text = Text()
        if content.units:
            text.append(f"{content.unit_word} {view.top_unit}")
            text.append(f" of {content.units[0]}–{content.units[-1]}", style="dim")
            total = max(1, view.max_scroll_y)
            text.append(f" · {round(100 * min(view.scroll_y, total) / total)}%", style="dim")
        if view.searched:
            found = len(view.matches)
            where = f"{view.current + 1}/{found}" if found else "no match"
            text.append(f" · “{one_line(view.searched, 40)}” {where}")
        elif self.note:
            text.append(f" · {self.note}", style="italic")
        self.query_one(".reader-status", Static).update(text)

    # -- actions -----------------------------------------------------------------------------------
    def action_search(self) -> None:
        box = self.query_one(SearchBox)
        box.display = True
        box.focus()

    @on(Input.Submitted)
    def _search(self, event: Input.Submitted) -> None:
        event.stop()
        box = self.query_one(SearchBox)
        box.display = False
        self.note = ""
        query = event.value.strip()
        if query:
            self.view.search(query)
        else:
            self.view.clear_search()
        self.view.focus()

    @on(SearchBox.Cancelled)
    def _cancel_search(self) -> None:
        box = self.query_one(SearchBox)
        box.value, box.display = "", False
        self.view.clear_search()
        self.view.focus()

    def _no_search(self) -> None:
        key = shown_key("reader.search", self.app)
        self.notify(f"No search yet: press {key} to search the text.", markup=False, timeout=3)

    def action_next_match(self) -> None:
        if not self.view.step_match(1):
            self._no_search()

    def action_previous_match(self) -> None:
        if not self.view.step_match(-1):
            self._no_search()

    def action_close(self) -> None:
        self.post_message(self.Closed(self))
