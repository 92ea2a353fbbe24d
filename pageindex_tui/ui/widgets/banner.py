"""The banner over the panes that says what is wrong with the model server, and what to check.

On a short terminal (under FULL_ROWS rows) it is one line, the problem and the key for its details; from
FULL_ROWS rows on, three: the problem, the checks (a hint's first lines), the keys. The details key shows
everything (every line of the hint, a dead server's log tail included) at any size, or goes back.
"""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from ...safe_text import redact_text
from ..literal import one_line
from .documents import squeeze

HINT_LINES = 2  # a hint's first lines (the key, the fix); a dead server's log tail waits for the details
FULL_ROWS = 40  # terminal rows from which the banner shows its checks and keys without being asked
FRAME = 3  # columns the banner's border and padding take


def _checks(hint: str, every: bool = False) -> str:
    """A hint's first lines (`every`: all of them), one per check, on one row. The CLI prints it whole."""
    lines = [one_line(line) for line in hint.splitlines() if line.strip()]
    if not lines:
        return "is the endpoint right, is the server running?"
    if every:
        return " · ".join(lines)
    shown = " · ".join(lines[:HINT_LINES])
    return f"{shown} …" if len(lines) > HINT_LINES else shown


class ServerBanner(Static):
    def __init__(self, *, id: str) -> None:
        super().__init__(Text(""), id=id)
        self.problem = ""  # what is wrong now ("" when nothing is)
        self.hint = ""
        self.keys = ""  # the keys that help (settings, check again, ...)
        self.details_key = ""  # the key that shows the details
        self.details = False  # the user asked for every detail (the details key)
        self.paused = False  # it shows calls waiting for the server (`ServerPaused`), not a failure

    def show(
        self, message: str, hint: str, keys: str, details_key: str = "", *, paused: bool = False
    ) -> None:
        """`keys`: the line of keys that help (settings, check again), as the user's keymap binds them;
        `details_key`: the one that shows or hides the details; `paused`: calls wait for the server (no
        warning sign)."""
        self.problem, self.hint, self.keys, self.details_key = message, hint, keys, details_key
        self.paused = paused
        self.add_class("-visible")
        self.refresh(layout=True)

    def toggle_details(self) -> bool:
        """Show every detail, or go back to what the terminal's height allows; False when no banner."""
        if not self.problem:
            return False
        self.details = not self.details
        self.refresh(layout=True)
        return True

    @property
    def compact(self) -> bool:
        """One line: a short terminal, and the details not asked for."""
        return not self.details and self.app.size.height < FULL_ROWS

    def render(self) -> Text:
        if not self.problem:
            return Text("")
        return self.one_line() if self.compact else self.whole()

    def _lead(self, short: bool = False) -> Text:
        return Text("⏸ " if self.paused else "⚠ " if short else "⚠ Model server problem: ", style="bold")

    def one_line(self) -> Text:
        """'⚠ cannot reach the model server at http://loc…(connection refused) · b: details': the message
        cut in the middle to the banner's width (its end says why)."""
        width = (self.content_region.width or self.app.size.width - FRAME) - 1
        text = self._lead(short=True)
        tail = Text(f" · {self.details_key}: details" if self.details_key else "", style="italic")
        room = max(8, width - text.cell_len - tail.cell_len)
        text.append_text(squeeze(Text(one_line(redact_text(self.problem))), room))
        text.append_text(tail)
        text.no_wrap = True
        return text

    def whole(self) -> Text:
        text = self._lead()
        text.append(one_line(redact_text(self.problem)))
        text.append(f"\n  Check: {_checks(redact_text(self.hint), every=self.details)}")
        keys = self.keys
        if self.details_key:
            keys += f" · {self.details_key}: {'fewer details' if self.details else 'details'}"
        text.append(f"\n  {keys} · outline PDFs and Markdown index without a server", style="italic")
        return text

    def hide(self) -> None:
        self.problem = self.hint = ""
        self.details = self.paused = False
        self.remove_class("-visible")
