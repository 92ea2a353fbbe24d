"""`?`: every key of the app, by pane, from the one key table, as the user's keymap binds them."""

from __future__ import annotations

from collections.abc import Mapping

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import ScrollableContainer, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from ..host import host_of
from ..keys import KEYS, SCOPES, Key, bindings, help_text, key_label, shown_key

NOTES = (
    "Every action is also in the command palette ({palette}). The mouse works too; start with "
    "--no-mouse to leave it to the terminal (for selecting text). Copies use OSC 52: in tmux, "
    "`set -g set-clipboard on`."
)


def help_rows(keymap: Mapping[str, str] | None = None) -> list[tuple[str, list[tuple[str, str]]]]:
    """Per scope, its (keys, help) rows; keys of one scope that run the same action share a row
    ("q / ctrl+q"), with the first key's help."""
    out = []
    for scope, title in SCOPES.items():
        rows: dict[str, tuple[list[str], Key]] = {}
        for key in KEYS:
            if key.scope == scope:
                rows.setdefault(key.action, ([], key))[0].append(key_label(key, keymap))
        out.append(
            (title, [(" / ".join(labels), help_text(first, keymap)) for labels, first in rows.values()])
        )
    return out


def help_table(keymap: Mapping[str, str] | None = None) -> Table:
    table = Table.grid(padding=(0, 2))
    table.add_column(justify="right", style="bold", no_wrap=True)
    table.add_column()
    for title, rows in help_rows(keymap):
        table.add_row(Text(title, style="underline"), Text(""))
        for keys, text in rows:
            table.add_row(Text(keys), Text(text))
        table.add_row(Text(""), Text(""))
    return table


def scroll(body: ScrollableContainer, direction: str) -> None:
    """The scroll keys of the help and doctor screens: a line, a page, or to either end."""
    if direction in ("down", "up"):
        body.scroll_relative(y=1 if direction == "down" else -1, animate=False)
    elif direction == "page_down":
        body.scroll_page_down(animate=False)
    elif direction == "page_up":
        body.scroll_page_up(animate=False)
    elif direction == "top":
        body.scroll_home(animate=False)
    else:
        body.scroll_end(animate=False)


class HelpScreen(ModalScreen[None]):
    BINDINGS = bindings("help")
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll {
        width: 90; max-width: 95%; height: 90%;
        border: round $primary; background: $surface; padding: 0 1;
    }
    HelpScreen #help-notes { color: $text-muted; margin-top: 1; }
    """

    def compose(self) -> ComposeResult:
        keymap = host.keymap if (host := host_of(self.app)) is not None else None
        with VerticalScroll(id="help-body") as body:
            body.border_title = "Keys"
            top, end = shown_key("help.top", keymap), shown_key("help.bottom", keymap)
            body.border_subtitle = f"{top}/{end}: top/end · {shown_key('help.close', keymap)} to close"
            yield Static(help_table(keymap), id="help-table")
            yield Static(Text(NOTES.format(palette=shown_key("app.palette", keymap))), id="help-notes")

    def action_scroll(self, direction: str) -> None:
        scroll(self.query_one("#help-body", VerticalScroll), direction)
