"""What every subcommand shares: exit codes, the error line, the signals that end a run cleanly, and the
embedded llama-server of --local."""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..safe_text import shown
from ..settings import Settings

if TYPE_CHECKING:
    from ..local.supervise import ServerLife, Supervisor

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
EXIT_BOUND = 3  # `ask`: the question reached its deadline or token budget; what it found is printed
ENDING_SIGNALS = (signal.SIGTERM, signal.SIGHUP)


class Terminated(KeyboardInterrupt):
    """SIGTERM or SIGHUP: unwinds like Ctrl-C (progress bar closed, cursor shown, local server stopped)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum

    @property
    def name(self) -> str:
        return signal.Signals(self.signum).name


def _terminate(signum: int, _frame: object) -> None:
    raise Terminated(signum)


@contextlib.contextmanager
def ending_cleanly() -> Iterator[None]:
    """While inside, SIGTERM and SIGHUP raise Terminated instead of killing the process outright."""
    previous = {sig: signal.signal(sig, _terminate) for sig in ENDING_SIGNALS}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def error(message: str, hint: str = "") -> None:
    print(f"pageindex-tui: error: {shown(message)}", file=sys.stderr)
    if hint:
        print(f"  {shown(hint)}", file=sys.stderr)


def say_life(life: ServerLife) -> None:
    """What happened to the embedded server, on stderr as it happens."""
    if life.kind in ("died", "restart failed"):
        error(life.message, life.hint)
    else:
        print(f"pageindex-tui: {shown(life.message)}", file=sys.stderr)


@contextlib.contextmanager
def maybe_local_server(
    args: argparse.Namespace, settings: Settings, supervise: bool = True
) -> Iterator[tuple[Settings, Supervisor | None]]:
    """Start the embedded llama-server for --local and point the settings at it: yields (settings, its
    supervisor), None without --local. Supervised (`local/supervise.py`), its end is said at once on
    stderr (until a front end takes the reports: `Supervisor.report`) and it is started again by itself
    once; a session that ends while it is down raises why, so the exit status is not 0. Unsupervised
    (the doctor, which diagnoses it itself), an end is only said when the session ends."""
    if not args.local:
        yield settings, None
        return
    from ..errors import LocalServerError
    from ..local.server import LocalServer
    from ..local.supervise import Supervisor

    # SIGTERM/SIGHUP raise Terminated (see ending_cleanly), which unwinds through the `with`: the server stops
    print("Starting local llama-server ...", file=sys.stderr)
    with LocalServer(args.local_model) as server:
        print(f"Local llama-server at {server.endpoint} (model {server.model.name})", file=sys.stderr)
        local = settings.with_values("--local", endpoint=server.endpoint, model="")
        if args.local_model is None:
            # The bundled SmolLM2-135M cannot think and rambles: thinking off, short replies, unless a
            # settings file, the environment or a flag set them.
            tiny = {"thinking": False, "max_output_tokens": 384}
            local = local.with_values(
                "--local default model", **{k: v for k, v in tiny.items() if local.source(k) == "default"}
            )
        supervisor = Supervisor(server, say_life)
        if supervise:
            supervisor.start()
        try:
            yield local, supervisor
        except BaseException:
            supervisor.stop()
            raise
        death = supervisor.death if supervise else server.exit_error()
        supervisor.stop()
        if death is not None:
            raise LocalServerError(f"the session ended with llama-server down: {death.message}", death.hint)
