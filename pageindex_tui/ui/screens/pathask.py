"""The box that asks for a path (a file to export to, a folder to write the deployment into): a title, one
line of what enter does, the path in a text box, and a line for what was wrong, in the error colour.

A subclass names its box (`NAME`: the ids `<NAME>-path` and `<NAME>-error`), says what the line asks
(`prompt`), and decides what a submitted path does (`submitted`); its scope's cancel key dismisses with None.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar, TypeVar

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from ..widgets.inputs import TypedInput

Result = TypeVar("Result")


class PathPrompt(ModalScreen[Result | None]):
    DEFAULT_CSS = """
    PathPrompt { align: center middle; }
    PathPrompt > Vertical {
        width: 90; max-width: 95%; height: auto; border: round $primary; background: $surface;
        padding: 1 2;
    }
    PathPrompt .path-error { color: $error; }
    """
    NAME: ClassVar[str]  # the ids' stem

    def __init__(self, title: str, default: Path) -> None:
        super().__init__()
        self.title_text, self.default = title, default

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = self.title_text
            yield Static(Text(self.prompt()))
            yield TypedInput(str(self.default), id=f"{self.NAME}-path")
            yield Static(Text(""), id=f"{self.NAME}-error", classes="path-error")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        text = event.value.strip()
        if not text:
            self.say(self.missing())
        else:
            self.submitted(Path(text).expanduser())

    def prompt(self) -> str:
        """The line over the box: what enter does, and the key that cancels."""
        raise NotImplementedError

    def missing(self) -> str:
        """What the error line says when the box is empty."""
        return "Give a path."

    def submitted(self, path: Path) -> None:
        raise NotImplementedError

    def say(self, message: str) -> None:
        self.query_one(f"#{self.NAME}-error", Static).update(Text(message))

    def action_cancel(self) -> None:
        self.dismiss(None)
