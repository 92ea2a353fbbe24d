"""The banner over the panes that says what is wrong with the model server, and what to check."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from ...jobs.batch import PAUSED
from ...safe_text import redact_text
from ..literal import one_line

HINT_LINES = 2  # a hint's first lines (the key, the fix); a dead server's log tail stays out of the banner


def _checks(hint: str) -> str:
    """A hint's first lines, one per check, on one row: its later lines (a log's tail) would bury the
    panes at 80x24. The CLI prints a hint whole."""
    lines = [one_line(line) for line in hint.splitlines() if line.strip()]
    if not lines:
        return "is the endpoint right, is the server running?"
    shown = " · ".join(lines[:HINT_LINES])
    return f"{shown} …" if len(lines) > HINT_LINES else shown


class ServerBanner(Static):
    def __init__(self, *, id: str) -> None:
        super().__init__(Text(""), id=id)
        self.problem = ""  # what is wrong now ("" when nothing is)
        self.hint = ""

    def show(self, message: str, hint: str, keys: str) -> None:
        """`keys`: the line of keys that help (settings, check again), as the user's keymap binds them."""
        self.problem, self.hint = message, hint
        text = Text("⏸ " if self.paused else "⚠ Model server problem: ", style="bold")
        text.append(one_line(redact_text(message)))
        text.append(f"\n  Check: {_checks(redact_text(hint))}")
        text.append(f"\n  {keys} · outline PDFs and Markdown index without a server", style="italic")
        self.update(text)
        self.add_class("-visible")

    @property
    def paused(self) -> bool:
        """It shows calls waiting for the server (`ServerPaused`), not a failure: no warning sign."""
        return self.problem.startswith(PAUSED)

    def hide(self) -> None:
        self.problem = self.hint = ""
        self.remove_class("-visible")
