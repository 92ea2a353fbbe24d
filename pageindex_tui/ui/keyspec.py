"""What one key of the app is: the type of the table in `keys.py`, `here` for its keys kept out of the
palette, and the rows that several scopes share (a list's j/k, a screen's scroll keys)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Key:
    id: str  # "scope.name": the binding's id, what the [keys] table remaps
    keys: str  # Textual key names, comma separated ("j,down")
    action: str  # action name (without "action_") on the scope's pane, widget or screen
    description: str  # short text for the footer
    help: str  # one line for the help screen and the command palette
    show: bool = True  # shown in the footer
    palette: bool = True  # offered in the command palette
    priority: bool = False
    display: str | None = None  # how the default key is written in footer and help
    widget: bool = False  # bound on the pane's list widget, not the pane (that widget binds such keys too)

    @property
    def scope(self) -> str:
        return self.id.partition(".")[0]


def here(
    id: str,
    keys: str,
    action: str,
    description: str,
    help: str,
    *,
    show: bool = False,
    widget: bool = False,
    display: str | None = None,
) -> Key:
    """A key kept out of the command palette: it acts on what has focus (a list, a reader, a screen), or
    another entry offers its action there. Not in the footer unless `show`."""
    return Key(id, keys, action, description, help, show=show, palette=False, widget=widget, display=display)


def list_moves(scope: str) -> tuple[Key, Key]:
    """j and k on a scope's list widget: the cursor down and up."""
    return (
        here(f"{scope}.down", "j", "cursor_down", "Down", "Move down", widget=True),
        here(f"{scope}.up", "k", "cursor_up", "Up", "Move up", widget=True),
    )


def line_scrolls(scope: str) -> tuple[Key, Key]:
    """A screen's scroll a line down and up (`action_scroll` of the help and doctor screens)."""
    return (
        here(f"{scope}.down", "j,down", "scroll('down')", "Down", "Scroll down"),
        here(f"{scope}.up", "k,up", "scroll('up')", "Up", "Scroll up"),
    )


def end_scrolls(scope: str, top: str = "scroll('top')", bottom: str = "scroll('bottom')") -> tuple[Key, Key]:
    """A screen's scroll to its top and its end; `top` and `bottom` are the actions."""
    return (
        here(f"{scope}.top", "g,home", top, "Top", "Go to the top"),
        here(f"{scope}.bottom", "G,end", bottom, "Bottom", "Go to the end"),
    )
