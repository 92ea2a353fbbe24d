"""What the panes, screens and the reconnect rule use of the app beyond Textual's `App`: its keymap,
settings, folder, model and engine, and the few app methods they call. `PageIndexApp` is the host;
`host_of(widget.app)` gives it typed, or None under another app (a test's bare `App`), so that panes
and screens need not import the app (which imports them)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from textual.app import App
from textual.notifications import SeverityLevel
from textual.worker import Worker

from ..local.supervise import Supervisor
from ..settings import Settings
from ..store.library import Library
from ..workbench.state import Changes, Workbench
from .engine import EngineRunner
from .keymap import Keymap
from .widgets.banner import ServerBanner


@runtime_checkable
class Host(Protocol):
    keymap: Keymap  # key id -> the user's keys
    settings: Settings
    root_path: Path  # the documents folder the app was started on
    model: Workbench
    engine: EngineRunner
    supervisor: Supervisor | None  # the embedded llama-server's (--local), else None
    library: Library

    def banner(self) -> ServerBanner: ...

    def show(self, changes: Changes) -> None: ...

    def index_paths(self, paths: list[Path], force: bool = False, folder: Path | None = None) -> None: ...

    def check_server(self) -> Worker[None]: ...

    def hide_banner(self) -> None: ...

    def show_banner(self, message: str, hint: str, *, paused: bool = False) -> None: ...

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None: ...


def host_of(app: App[Any]) -> Host | None:
    """The app as a `Host`, or None when it is not one."""
    return app if isinstance(app, Host) else None
