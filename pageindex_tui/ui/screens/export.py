"""Ask where to write an export, and before overwriting a file; the caller writes it (atomically)."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Input

from ..keys import bindings, shown_key
from .confirm import ConfirmScreen
from .pathask import PathPrompt


class ExportScreen(PathPrompt[Path]):
    BINDINGS = bindings("export")
    NAME = "export"

    def __init__(self, what: str, default: Path) -> None:
        super().__init__(f"Export {what}", default)

    def prompt(self) -> str:
        return f"Write to (enter to export, {shown_key('export.cancel', self.app)} to cancel):"

    def missing(self) -> str:
        return "Give a file name."

    def submitted(self, path: Path) -> None:
        if path.is_dir():
            self.say(f"{path} is a folder; give a file name.")
        elif path.exists():
            question = f"{path} exists.\n\nOverwrite it with this export?"
            confirm = ConfirmScreen(question, yes="Overwrite", no="Keep it")
            self.app.push_screen(confirm, lambda yes: self._overwrite(path, yes))
        else:
            self.dismiss(path)

    def _overwrite(self, path: Path, yes: bool | None) -> None:
        if yes:
            self.dismiss(path)
        else:
            self.say(f"{path} was kept; give another name.")
            self.query_one("#export-path", Input).focus()
