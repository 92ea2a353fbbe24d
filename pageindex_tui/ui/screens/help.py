"""`?`: every key of the app, by pane, from the one key table, as the user's keymap binds them."""

from __future__ import annotations

from collections.abc import Mapping

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from ..keys import KEYS, SCOPES, bindings, key_label

NOTES = (
    "Every action is also in the command palette (ctrl+p). The mouse works too; start with "
    "--no-mouse to leave it to the terminal (for selecting text). Copies use OSC 52: in tmux, "
    "`set -g set-clipboard on`."
)


def help_table(keymap: Mapping[str, str] | None = None) -> Table:
    table = Table.grid(padding=(0, 2))
    table.add_column(justify="right", style="bold", no_wrap=True)
    table.add_column()
    for scope, title in SCOPES.items():
        table.add_row(Text(title, style="underline"), Text(""))
        for key in KEYS:
            if key.scope == scope and key.id != "app.quit_ctrl":
                table.add_row(Text(key_label(key, keymap)), Text(key.help))
        table.add_row(Text(""), Text(""))
    table.add_row(Text("ctrl+p"), Text("Command palette: every action above, and the theme picker"))
    table.add_row(Text("tab"), Text("Next pane (shift+tab: previous)"))
    return table


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
        with VerticalScroll(id="help-body") as body:
            body.border_title = "Keys"
            body.border_subtitle = "esc to close"
            yield Static(help_table(getattr(self.app, "keymap", None)), id="help-table")
            yield Static(Text(NOTES), id="help-notes")

    def action_scroll(self, direction: str) -> None:
        body = self.query_one("#help-body", VerticalScroll)
        body.scroll_relative(y=1 if direction == "down" else -1, animate=False)
