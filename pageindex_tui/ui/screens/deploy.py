"""Ask for a folder and write the plan's deployment files there (the Plan view's `w`): the same
`write_deployment` as `pageindex-tui plan --write DIR`, the same rule (both files or neither; files of those
names there are replaced, and the message says so). A folder that cannot be written keeps the box open
with the reason, for another try.

    app.push_screen(DeployScreen(choice, default_folder), lambda written: ...)
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from textual import work

from ...errors import OutputError
from ...plan.deploy import COMPOSE_FILE, UNIT_FILE, Written, write_deployment
from ...plan.sizing import Choice
from ..keys import bindings, shown_key
from .pathask import PathPrompt


class DeployScreen(PathPrompt[Written]):
    BINDINGS = bindings("deploy")
    NAME = "deploy"

    def __init__(self, choice: Choice, default: Path) -> None:
        super().__init__(f"Write the deployment of {choice.fit.repo}", default)
        self.choice = choice
        self.writing = False

    def prompt(self) -> str:
        cancel = shown_key("deploy.cancel", self.app)
        return (
            f"Write {COMPOSE_FILE} and {UNIT_FILE} into this folder (made if missing; files of "
            f"those names there are replaced). enter: write · {cancel}: cancel"
        )

    def missing(self) -> str:
        return "Give a folder."

    def submitted(self, path: Path) -> None:
        if not self.writing:
            self.writing = True
            self.say("")
            self._write(path)

    @work(exclusive=True, group="deploy", exit_on_error=False)
    async def _write(self, folder: Path) -> None:
        try:
            written = await asyncio.to_thread(write_deployment, self.choice, folder)
        except OutputError as err:
            self.writing = False
            self.say(f"Nothing written: {err.message}. Choose another folder.")
            return
        self.dismiss(written)
