"""Ask for a folder and write the plan's deployment files there (the Plan view's `w`): the same
`write_deployment` as `pageindex-tui plan --write DIR`, the same rule (both files or neither; files of those
names there are replaced, and the message says so). A folder that cannot be written keeps the box open
with the reason, for another try.

    app.push_screen(DeployScreen(choice, default_folder), lambda written: ...)
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from ...errors import OutputError
from ...plan.deploy import COMPOSE_FILE, UNIT_FILE, Written, write_deployment
from ...plan.sizing import Choice
from ..keys import bindings, shown_key
from ..widgets.inputs import TypedInput


class DeployScreen(ModalScreen[Written | None]):
    BINDINGS = bindings("deploy")
    DEFAULT_CSS = """
    DeployScreen { align: center middle; }
    DeployScreen > Vertical {
        width: 90; max-width: 95%; height: auto; border: round $primary; background: $surface;
        padding: 1 2;
    }
    DeployScreen #deploy-error { color: $error; }
    """

    def __init__(self, choice: Choice, default: Path) -> None:
        super().__init__()
        self.choice, self.default = choice, default
        self.writing = False

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = f"Write the deployment of {self.choice.fit.repo}"
            cancel = shown_key("deploy.cancel", self.app)
            yield Static(
                Text(
                    f"Write {COMPOSE_FILE} and {UNIT_FILE} into this folder (made if missing; files of "
                    f"those names there are replaced). enter: write · {cancel}: cancel"
                )
            )
            yield TypedInput(str(self.default), id="deploy-folder")
            yield Static(Text(""), id="deploy-error")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        text = event.value.strip()
        if not text:
            self.say("Give a folder.")
        elif not self.writing:
            self.writing = True
            self.say("")
            self._write(Path(text).expanduser())

    def say(self, message: str) -> None:
        self.query_one("#deploy-error", Static).update(Text(message))

    @work(exclusive=True, group="deploy", exit_on_error=False)
    async def _write(self, folder: Path) -> None:
        try:
            written = await asyncio.to_thread(write_deployment, self.choice, folder)
        except OutputError as err:
            self.writing = False
            self.say(f"Nothing written: {err.message}. Choose another folder.")
            return
        self.dismiss(written)

    def action_cancel(self) -> None:
        self.dismiss(None)
