"""The embedded llama-server watched for the whole session: its end is seen at once and said with its
cause, and it is started again on the same port (so the endpoint the calls use stays right).

One thread of the supervisor's own waits on the process (which also reaps it: no `<defunct>` is left),
diagnoses an end it did not ask for (`diagnose_exit`: the signal or exit status, and the last lines of
the log), starts the server again by itself `auto_restarts` times, and after that when `restart()` asks.
The restarts happen on that one thread because llama-server is started with PR_SET_PDEATHSIG, which
Linux ties to the thread that started it: a server started from a passing thread would be stopped when
that thread ends. Plain Python: the CLI prints its reports, the app shows them.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from ..errors import LocalServerError
from .server import LocalServer, diagnose_exit

LifeKind = Literal["died", "restarting", "restarted", "restart failed"]


@dataclass(frozen=True)
class ServerLife:
    """What happened to the embedded server: `died` (message: why, hint: the fix and its last log
    lines), `restarting` (by itself, or asked), `restarted`, `restart failed` (message: why)."""

    kind: LifeKind
    message: str
    hint: str = ""


class Supervisor:
    """`Supervisor(server, report).start()` once the server runs; `restart()` after it died; `stop()`."""

    def __init__(
        self, server: LocalServer, report: Callable[[ServerLife], None], auto_restarts: int = 1
    ) -> None:
        self.server, self.report, self.auto_left = server, report, auto_restarts
        self.death: LocalServerError | None = None  # why it is down now (None while it runs)
        self.restarts = 0
        self._asked = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def dead(self) -> bool:
        return self.death is not None

    def start(self) -> Supervisor:
        self._thread = threading.Thread(target=self._watch, name="llama-server supervisor", daemon=True)
        self._thread.start()
        return self

    def restart(self) -> bool:
        """Ask for a start again; False when the server runs (there is nothing to restart)."""
        if not self.dead:
            return False
        self._asked.set()
        return True

    def stop(self) -> None:
        """Stop the server and the watching (the session ends)."""
        self._stopping.set()
        self._asked.set()
        self.server.stop()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=15)

    def _watch(self) -> None:
        while not self._stopping.is_set():
            process = self.server.process
            if process is not None:
                returncode = process.wait()  # reaps it
                if self._stopping.is_set():
                    return
                log = self.server.log_text()
                self.death = diagnose_exit(returncode, log, during="running", port=self.server.port)
                self.server.process = None
                self.report(ServerLife("died", self.death.message, self.death.hint))
            if self.auto_left > 0:
                self.auto_left -= 1
                self.report(ServerLife("restarting", "restarting it by itself (once)"))
            else:
                self._asked.wait()
                self._asked.clear()
                if self._stopping.is_set():
                    return
                self.report(ServerLife("restarting", "restarting it"))
            try:
                self.server.start()
            except LocalServerError as err:
                self.death = err
                self.report(ServerLife("restart failed", err.message, err.hint))
                continue
            self.death, self.restarts = None, self.restarts + 1
            self.report(ServerLife("restarted", f"llama-server answers again at {self.server.endpoint}"))
