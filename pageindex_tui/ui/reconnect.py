"""When the model server answers again: the server banner goes by itself, and what an outage stopped
goes on.

The gauges poll the server's `/health` all along; when they see it come up while the banner is shown,
the app's probe asks the server again (`check_server`), and its answer hides the banner. Documents an
outage left as partial indexes are then resumed at once when `resume_on_reconnect` is set, else a note
says which key resumes them (`app.resume`, which resumes every partial index, whatever stopped it).
"""

from __future__ import annotations

from pathlib import Path

from ..llm.errors import HINT_START
from ..local.supervise import ServerLife
from ..monitor.server import UP
from ..safe_text import counted
from .host import Host
from .keys import shown_key
from .messages import ServerStateChanged


class Reconnect:
    def __init__(self, app: Host) -> None:
        self.app = app

    def resume_key(self) -> str:
        return shown_key("app.resume", self.app.keymap)

    def banner_keys(self) -> str:
        """What the banner adds to its line of keys: the resume key, when something waits for it."""
        waiting = len(self.app.model.resumable())
        return f" · {self.resume_key()}: resume {waiting} partial" if waiting else ""

    def server_state(self, message: ServerStateChanged) -> None:
        """The gauges saw a server change state: one that answers again is asked at once."""
        if message.new == UP and message.endpoint == self.app.settings.endpoint and self.app.banner().problem:
            self.app.check_server()

    def answered(self) -> None:
        """The app's probe got an answer: no banner, and what an outage stopped goes on (or may)."""
        was_down = bool(self.app.banner().problem)
        self.app.hide_banner()
        waiting = self.app.model.resumable(outage_only=True)
        if not was_down or not waiting:
            return
        count = counted(len(waiting), "partial index", "partial indexes")
        if self.app.settings.resume_on_reconnect:
            self.app.notify(f"The model server answers again: resuming {count}.", markup=False)
            self.resume(waiting)
        else:
            message = f"The model server answers again: {self.resume_key()} resumes {count}."
            self.app.notify(message, markup=False, timeout=15)

    def tick(self) -> None:
        """While the calls wait for the server, the banner's 'since 14:02 (3 min)' keeps time."""
        banner = self.app.banner()
        if not banner.paused:
            return
        reading = self.app.model.batch.reading()  # the whole batch's: read only while paused
        if reading.paused_since is not None:
            self.app.show_banner(reading.paused_text(), banner.hint, paused=True)

    def resumed(self) -> None:
        """The calls go on: the pause's banner goes (a failure's banner stays until the server answers)."""
        if self.app.banner().paused:
            self.app.hide_banner()

    def server_life(self, life: ServerLife) -> None:
        """What happened to the embedded server (--local), shown as it happens."""
        key = shown_key("app.restart_server", self.app.keymap)
        if life.kind in ("died", "restart failed"):
            self.app.show_banner(life.message, f"{key} restarts it\n{life.hint}")
            self.app.notify(f"{life.message} ({key} restarts it)", severity="error", markup=False)
        elif life.kind == "restarting":
            self.app.notify(f"The embedded llama-server died: {life.message}.", markup=False)
        else:
            if self.app.banner().problem and not self.app.banner().paused:
                self.app.hide_banner()
            self.app.notify(life.message, markup=False)

    def advice(self, hint: str) -> str:
        """The check a server banner gives, fitted to the session: a --local one's server is ours."""
        if self.app.supervisor is None or hint != HINT_START:
            return hint
        key = shown_key("app.restart_server", self.app.keymap)
        return f"this session's embedded llama-server (--local) does not answer: {key} starts it again"

    def restart_server(self) -> None:
        supervisor = self.app.supervisor
        if supervisor is None:
            self.app.notify("No embedded server to restart: this session is not --local.", markup=False)
        elif not supervisor.restart():
            self.app.notify("The embedded llama-server is running.", markup=False)

    def resume(self, docs: list[str] | None = None) -> None:
        """Index these documents (default: every one with a partial index): only what is missing is done."""
        docs = self.app.model.resumable() if docs is None else docs
        if not docs:
            self.app.notify("No partial index to resume.", markup=False)
            return
        self.app.index_paths([Path(doc) for doc in docs])
