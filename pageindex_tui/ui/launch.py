"""Running the app from the command line (`pageindex-tui [PATH]`): SIGTERM and SIGHUP end it as `q` does;
a SIGHUP whose terminal is gone (tmux's kill-session, a dropped SSH link) ends it without the terminal."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import termios
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from ..local.supervise import Supervisor
from ..settings import Settings
from .app import PageIndexApp


def run(
    settings: Settings,
    path: Path,
    mouse: bool = True,
    also: Sequence[str] = (),
    supervisor: Supervisor | None = None,
) -> int:
    """Run the app on `path` (a folder, or a file whose folder is shown); the exit status. `also`: more
    endpoints (replicas behind a router) whose gauges are shown beside the endpoint's. `supervisor`: the
    embedded llama-server's (--local); its reports go to the app while it runs, to stderr after."""
    path = Path(path).expanduser()
    if not path.exists():
        print(f"pageindex-tui: error: {path} does not exist", file=sys.stderr)
        return 2
    app = PageIndexApp(settings, path, also=also, supervisor=supervisor)

    def end(signum: int, _frame: object) -> None:
        # Runs in the main thread, which is running the app's loop: hand the work to the loop.
        if signum == signal.SIGHUP and terminal_gone():
            leave_terminal()
            end_without_terminal(app, signum)
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # before the app's loop started or after it ended
            raise SystemExit(128 + signum) from None
        loop.call_soon_threadsafe(lambda: asyncio.ensure_future(app.end_on_signal(signum)))

    previous = {sig: signal.signal(sig, end) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        app.run(mouse=mouse)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return app.return_code or 0


def terminal_gone() -> bool:
    """Whether the terminal the app draws on (Textual writes to stderr) has hung up: a hung-up terminal
    answers every request with EIO."""
    try:
        termios.tcgetattr(sys.__stderr__.fileno() if sys.__stderr__ is not None else 2)
    except (termios.error, OSError, ValueError):
        return True
    return False


def leave_terminal() -> None:
    """Point standard input, output and error at /dev/null: what is still written goes nowhere instead of
    failing on the closed terminal."""
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    os.close(null)


def end_without_terminal(app: PageIndexApp, signum: int) -> NoReturn:
    """SIGHUP with the terminal gone. Textual's shutdown writes to the terminal and blocks for good once its
    output thread has died on it (after tmux's kill-session while indexing, the app and its llama-server
    stayed, deaf to SIGTERM). So this ends without Textual, from the signal handler: the jobs cancelled and
    unwound on the engine's thread (partial indexes kept, temp files removed), the embedded server
    stopped, status 128 + signal."""
    app.engine.stop()
    app.engine.ended.wait(timeout=10.0)
    if app.supervisor is not None:
        app.supervisor.stop()
    os._exit(128 + signum)
