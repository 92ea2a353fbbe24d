"""Ask where to write an export, and before overwriting a file; the caller writes it (atomically)."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from ..keys import bindings, shown_key
from ..widgets.inputs import TypedInput
from .confirm import ConfirmScreen


class ExportScreen(ModalScreen[Path | None]):
    BINDINGS = bindings("export")
    DEFAULT_CSS = """
    ExportScreen { align: center middle; }
    ExportScreen > Vertical {
        width: 90; max-width: 95%; height: auto; border: round $primary; background: $surface;
        padding: 1 2;
    }
    ExportScreen #export-error { color: $error; }
    """

    def __init__(self, what: str, default: Path) -> None:
        super().__init__()
        self.what, self.default = what, default

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = f"Export {self.what}"
            cancel = shown_key("export.cancel", self.app)
            yield Static(Text(f"Write to (enter to export, {cancel} to cancel):"))
            yield TypedInput(str(self.default), id="export-path")
            yield Static(Text(""), id="export-error")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        if not text:
            self.query_one("#export-error", Static).update(Text("Give a file name."))
            return
        path = Path(text).expanduser()
        if path.is_dir():
            self.query_one("#export-error", Static).update(Text(f"{path} is a folder; give a file name."))
            return
        if path.exists():
            question = f"{path} exists.\n\nOverwrite it with this export?"
            confirm = ConfirmScreen(question, yes="Overwrite", no="Keep it")
            self.app.push_screen(confirm, lambda yes: self._overwrite(path, yes))
            return
        self.dismiss(path)

    def _overwrite(self, path: Path, yes: bool | None) -> None:
        if yes:
            self.dismiss(path)
        else:
            self.query_one("#export-error", Static).update(Text(f"{path} was kept; give another name."))
            self.query_one("#export-path", Input).focus()

    def action_cancel(self) -> None:
        self.dismiss(None)
