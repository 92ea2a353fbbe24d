"""A yes/no question (quitting while indexing, leaving unsaved settings, overwriting an export)."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from ..keys import bindings, shown_key


class ConfirmScreen(ModalScreen[bool]):
    BINDINGS = bindings("confirm")
    DEFAULT_CSS = """
    ConfirmScreen { align: center middle; }
    ConfirmScreen > Vertical {
        width: 64; height: auto; border: round $warning; background: $surface; padding: 1 2;
    }
    ConfirmScreen Horizontal { height: auto; margin-top: 1; align-horizontal: right; }
    ConfirmScreen Button { margin-left: 2; min-width: 10; }
    """

    def __init__(self, question: str, yes: str = "Yes", no: str = "No") -> None:
        """`yes`, `no`: the buttons' words; each is followed by its key, as the user's keymap binds it
        ("Quit (y)")."""
        super().__init__()
        self.question, self.yes, self.no = question, yes, no

    def compose(self) -> ComposeResult:
        yes, no = shown_key("confirm.yes", self.app), shown_key("confirm.no", self.app)
        with Vertical():
            yield Static(Text(self.question), id="question")
            with Horizontal():
                yield Button(f"{self.no} ({no})", id="no")
                yield Button(f"{self.yes} ({yes})", id="yes", variant="warning")

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)
