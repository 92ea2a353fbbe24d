"""The Textual workbench: documents, the live stream of LLM calls, the tree browser and settings.

Engine work runs on the engine's own thread (see `engine.py`); its events come back as `EngineBatch`
messages, which `engine_view.py` applies, in order, to the plain state in `state.py` and then to the widgets.
"""

from __future__ import annotations

import asyncio
import signal
import sys
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult, SystemCommand
from textual.containers import Container, Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Static

from ..errors import PageIndexError
from ..library import Library, ResponseCache
from ..monitor.probe import connect_once
from ..safe_text import redact_text, redact_url
from ..settings import Settings, config_path
from .documents_view import DocumentsViewApp
from .engine import EngineRunner, probe_summary
from .keys import KEYS, SCOPES, Key, bindings, key_label
from .literal import one_line
from .panes import FilterInput, LiveDoc
from .prefs import load_prefs, save_prefs, user_themes_dir
from .screens.config import ConfigScreen
from .screens.confirm import ConfirmScreen
from .screens.help import HelpScreen
from .state import CallBook, DocState
from .themes import SHIPPED_DIR, load_themes
from .widgets.calls import CallsTable
from .widgets.detail import NodeDetail
from .widgets.documents import DocumentsTree
from .widgets.index_tree import IndexTree
from .widgets.stream import StreamView

DEFAULT_THEME = "pageindex-dark"
Piece = tuple[str, str]
SCOPE_WIDGETS = {"documents": "#documents", "tree": "#tree", "calls": "#calls", "stream": "#stream"}
PANES = {"documents": "#documents", "tree": "#tree", "stream": "#stream", "calls": "#calls"}


@dataclass(frozen=True)
class Notice:
    """A notification the app showed (`PageIndexApp.notices` keeps the latest, oldest first)."""

    title: str
    message: str
    severity: str


class PageIndexApp(DocumentsViewApp):
    CSS_PATH = Path(__file__).with_name("app.tcss")
    TITLE = "pageindex-tui"
    BINDINGS = bindings("app")

    def __init__(
        self,
        settings: Settings,
        path: Path,
        *,
        library: Library | None = None,
        cache: ResponseCache | None = None,
        config_file: Path | None = None,
        prefs_file: Path | None = None,
        theme_dirs: list[Path] | None = None,
        probe: bool = True,
        flush_interval: float = 0.05,
        gauges: bool = True,
    ) -> None:
        super().__init__()
        path = Path(path).expanduser().resolve()
        self.start_file = path if path.is_file() else None
        self.root_path = path.parent if path.is_file() else path
        self.settings = settings
        self.library = library or Library()
        self.config_file = config_file or config_path()
        self.prefs_file = prefs_file
        self.theme_dirs = theme_dirs if theme_dirs is not None else [SHIPPED_DIR, user_themes_dir()]
        self.probe_on_start = probe
        self.gauges_live = gauges  # tests turn the live GPU/server pane off for deterministic screens
        self.states: dict[str, DocState] = {}
        self.calls = CallBook()
        self.live: dict[str, LiveDoc] = {}
        self.current_doc: str | None = None
        self.shown: LiveDoc | None = None  # what the tree pane shows
        self.shown_call: int | None = None
        self.following = True
        self.server_problem = ""
        self.server_info: Any = None
        self.engine = EngineRunner(self, self.library, cache, interval=flush_interval)
        self._opened: dict[str, Any] = {}  # the last opened document, for page text
        self._filter_timer: Any = None
        self._prefs: dict[str, Any] = {}
        self.notices: deque[Notice] = deque(maxlen=200)  # every notification shown, newest last

    # -- layout ----------------------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Static(Text(""), id="banner")
        with Horizontal(id="top"):
            with Vertical(id="documents-pane", classes="pane"):
                yield DocumentsTree(self.root_path, self.states, id="documents")
                yield Static(Text(""), id="doc-info")
            with Vertical(id="tree-pane", classes="pane"):
                hint = "filter titles · enter: keep · esc: clear"
                yield FilterInput(placeholder=hint, id="tree-filter")
                yield Static(Text(""), id="tree-note")
                yield IndexTree(id="tree")
            yield NodeDetail(id="detail")
        with Horizontal(id="bottom"):
            with Vertical(id="stream-pane", classes="pane"):
                yield Static(Text(""), id="stream-head")
                yield StreamView(id="stream")
            with Vertical(id="calls-pane", classes="pane"):
                yield CallsTable(id="calls")
            with Container(id="gauges", classes="pane"):
                if self.gauges_live:
                    from .widgets.gauges import GaugesPane

                    yield GaugesPane(self.settings, id="gauges-pane")
                else:
                    yield Static("gauges off", id="gauges-placeholder")
        yield Footer(compact=True)

    def notify(self, message: str, *, title: str = "", severity: Any = "information", **kwargs: Any) -> None:
        """Show a toast, and keep it in `notices` (thread-safe, as Textual's notify is)."""
        self.notices.append(Notice(title, message, str(severity)))
        super().notify(message, title=title, severity=severity, **kwargs)

    def on_mount(self) -> None:
        self._load_themes()
        self.query_one("#documents-pane").border_title = "Documents"
        self.query_one("#tree-pane").border_title = "Tree"
        self.query_one("#detail").border_title = "Node"
        self.query_one("#stream-pane").border_title = "Stream"
        self.query_one("#calls-pane").border_title = "Calls"
        self.query_one("#gauges").border_title = "Gauges"
        self._show_tree_note("Highlight a document to see its index.")
        self._update_stream_head()
        self.engine.start()
        self.query_one("#documents", DocumentsTree).focus()
        if self.probe_on_start:
            self.check_server()

    def on_unmount(self) -> None:
        self.engine.stop()

    # -- themes ----------------------------------------------------------------------------------------------
    def _load_themes(self) -> None:
        themes, problems = load_themes(self.theme_dirs)
        for theme in themes:
            self.register_theme(theme)
        self._prefs = load_prefs(self.prefs_file)
        wanted = str(self._prefs.get("theme") or DEFAULT_THEME)
        if wanted not in self.available_themes:
            problems.append(f"theme {wanted!r} (from {self.prefs_file or 'ui.toml'}) is not available")
            wanted = DEFAULT_THEME if DEFAULT_THEME in self.available_themes else "textual-dark"
        self.theme = wanted
        if problems:
            message = "Some theme files were skipped:\n" + "\n".join(problems)
            self.notify(message, title="Themes", severity="warning", markup=False, timeout=10)
        self.theme_changed_signal.subscribe(self, self._theme_changed)

    def _theme_changed(self, theme: Any) -> None:
        name = getattr(theme, "name", str(theme))
        if self._prefs.get("theme") != name:
            self._prefs["theme"] = name
            try:
                save_prefs(self._prefs, self.prefs_file)
            except PageIndexError as err:
                message = f"Could not remember the theme: {err.describe()}"
                self.notify(message, severity="warning", markup=False)

    # -- command palette -------------------------------------------------------------------------------------
    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        config = isinstance(screen, ConfigScreen)
        for key in KEYS:
            if not key.palette or (key.scope == "config") != config:
                continue
            where = f"{SCOPES[key.scope]} · key {key_label(key)}"
            yield SystemCommand(key.help, where, partial(self.run_key, key))

    def run_key(self, key: Key) -> None:
        if key.scope == "config":
            target: Any = self.screen
        elif key.scope == "app":
            target = self
        else:
            target = self.query_one(SCOPE_WIDGETS[key.scope])
        self.call_later(self.run_action, key.action, target)

    # -- app actions -----------------------------------------------------------------------------------------
    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def _gauges(self) -> Any:
        from .widgets.gauges import GaugesPane

        panes = self.query(GaugesPane)
        return panes.first() if panes else None

    def action_toggle_gauges(self) -> None:
        pane = self._gauges()
        if pane is not None:
            pane.toggle_hidden()

    def action_expand_gauges(self) -> None:
        pane = self._gauges()
        if pane is not None:
            pane.toggle_expanded()

    def action_doctor(self) -> None:
        from .screens.doctor import DoctorScreen

        if not isinstance(self.screen, DoctorScreen):
            pane = self._gauges()  # reuse the pane's NVML session rather than opening a second one
            self.push_screen(DoctorScreen(self.settings, gpu_sampler=pane.gpu_sampler if pane else None))

    def action_settings(self) -> None:
        if isinstance(self.screen, ConfigScreen):
            return
        self.push_screen(ConfigScreen(self.settings, self.config_file), self._settings_closed)

    def _settings_closed(self, settings: Settings | None) -> None:
        if settings is not None and settings != self.settings:
            self.apply_settings(settings)

    def apply_settings(self, settings: Settings) -> None:
        self.settings = settings
        self.refresh_states(list(self.states))
        self.check_server()
        pane = self._gauges()
        if pane is not None:
            pane.apply_settings(settings)  # watch the new endpoint

    def action_focus_pane(self, name: str) -> None:
        if name == "gauges":
            pane = self._gauges()
            if pane is not None:
                pane.focus_pane()
            return
        selector = PANES.get(name)
        if selector:
            self.query_one(selector).focus()

    async def action_quit(self) -> None:
        await self.action_request_quit()

    async def action_request_quit(self) -> None:
        busy = self.engine.busy()
        if not busy:
            self.exit(0)
            return
        names = ", ".join(Path(doc).name for doc in busy[:3]) + (" ..." if len(busy) > 3 else "")
        question = (
            f"Indexing is still running ({len(busy)}: {names}).\n\n"
            "Quit anyway? Running documents are cancelled; nothing half-written is left behind, "
            "and indexes already finished are kept."
        )
        self.push_screen(ConfirmScreen(question, yes="Quit (y)", no="Keep going (n)"), self._quit_answer)

    async def _quit_answer(self, answer: bool | None) -> None:
        if answer:
            await self.stop_engine()
            self.exit(0)

    async def end_on_signal(self, signum: int) -> None:
        """SIGTERM or SIGHUP: stop the engine and leave as a confirmed quit does, status 128 + signal."""
        await self.stop_engine()
        self.exit(return_code=128 + signum)

    async def stop_engine(self, timeout: float = 10.0) -> None:
        """Cancel every job and wait for them to end (their temp files are removed as they unwind)."""
        self.engine.cancel_all()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while self.engine.busy() and loop.time() < deadline:
            await asyncio.sleep(0.05)
        self.engine.stop()

    @work(exclusive=True, group="probe", exit_on_error=False)
    async def check_server(self) -> None:
        try:
            info = await connect_once(self.settings, "probe")
        except PageIndexError as err:
            self.show_banner(err.message, err.hint)
            return
        except Exception as err:  # never a traceback on screen
            self.show_banner(f"the model server at {self.settings.endpoint} failed: {err}", "")
            return
        self.server_info = info
        self.hide_banner()
        self.sub_title = probe_summary(info)

    def action_check_server(self) -> None:
        self.notify(f"Asking {redact_url(self.settings.endpoint)} ...", markup=False, timeout=2)
        self.check_server()

    def show_banner(self, message: str, hint: str) -> None:
        self.server_problem = message
        text = Text("⚠ Model server problem: ", style="bold")
        text.append(one_line(redact_text(message)))
        checks = hint or "is the endpoint right, is the server running?"
        text.append(f"\n  Check: {one_line(redact_text(checks))}")
        text.append(
            "\n  o: settings · ctrl+r: check again · outline PDFs and Markdown index without a server",
            style="italic",
        )
        banner = self.query_one("#banner", Static)
        banner.update(text)
        banner.add_class("-visible")

    def hide_banner(self) -> None:
        self.server_problem = ""
        self.query_one("#banner", Static).remove_class("-visible")


def run(settings: Settings, path: Path, mouse: bool = True) -> int:
    """Run the app on `path` (a folder, or a file whose folder is shown); the exit status."""
    path = Path(path).expanduser()
    if not path.exists():
        print(f"pageindex-tui: error: {path} does not exist", file=sys.stderr)
        return 2
    app = PageIndexApp(settings, path)

    def end(signum: int, _frame: object) -> None:
        # Runs in the main thread, which is running the app's loop: hand the work to the loop.
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
