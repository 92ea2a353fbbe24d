"""How the main screen fits the terminal: the widths where its layout changes, zooming a pane, and the
node detail's place in a narrow terminal.

Textual gives the screen one class for its width (`BREAKPOINTS`); `app.tcss` lays the panes out by it:

    -wide    (WIDE columns and more)  documents · tree · detail over stream · calls · gauge cards
    -medium  (NARROW to WIDE)         the same, with the gauges as a one-line strip under the stream
    -narrow  (under NARROW)           documents · tree (the detail takes the documents' place while
                                      shown, `d`), stream · calls, the one-line gauges strip

Zoom (`app.zoom`) maximizes the focused pane, whichever it is, or restores it; `esc` restores too.
"""

from __future__ import annotations

from typing import Any

from textual.screen import Screen
from textual.widget import Widget

NARROW = 100  # under this many columns: the detail switches with the documents pane
WIDE = 120  # under this many columns: the gauges become a one-line strip
BREAKPOINTS = [(0, "-narrow"), (NARROW, "-medium"), (WIDE, "-wide")]

DETAIL_ON, DETAIL_OFF = "-detail-on", "-detail-off"  # classes of the detail's row (`#top`)
MIN_READER = (32, 10)  # columns and rows of the node panel below which `t` reads on the whole screen


def size_class(width: int) -> str:
    """The screen's layout class at a terminal width."""
    return next(name for least, name in reversed(BREAKPOINTS) if width >= least)


def zoom(screen: Screen[Any]) -> bool:
    """Maximize the focused pane, or restore the maximized one; False when nothing has focus. The pane
    is the focused widget's nearest container that allows it (the panes and the detail do; the gauges,
    in a container that does not, maximize alone, as `W` does)."""
    if screen.maximized is not None:
        screen.minimize()
        return True
    return screen.focused is not None and screen.maximize(screen.focused, container=True)


def toggle_detail(detail: Widget) -> None:
    """Show or hide the node detail. Where it is hidden by default (narrow), showing it puts it in the
    documents pane's place; the choice holds when the terminal is resized."""
    row = detail.parent
    if not isinstance(row, Widget):
        return
    showing = detail.display
    row.set_class(showing, DETAIL_OFF)
    row.set_class(not showing, DETAIL_ON)


def fits_reader(detail: Widget) -> bool:
    """Whether `t` reads in the node panel: only where it is shown and big enough. The page text never
    changes the layout (it once forced the panel on, and at 80x24 left documents, tree and node side by
    side with an 18-column tree that `d` and resizing could not take back)."""
    width, height = MIN_READER
    return detail.display and detail.size.width >= width and detail.size.height >= height


def show_documents(detail: Widget) -> None:
    """The documents pane is wanted (its focus key): in a narrow terminal, the detail gives its place back."""
    row = detail.parent
    if isinstance(row, Widget) and row.has_class(DETAIL_ON) and detail.screen.has_class("-narrow"):
        row.remove_class(DETAIL_ON)
