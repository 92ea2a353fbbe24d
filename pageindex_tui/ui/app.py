"""The Textual workbench: documents, the live stream of LLM calls, the tree browser and settings.

The app composes the panes (`panes/`) over one plain `Workbench` (`workbench/state.py`). Engine work
runs on the engine's own thread (see `engine.py`); its events come back as `EngineBatch` messages,
which `workbench/handler.py` turns into model changes; `show` then brings the panes up to date. Panes
ask the app for what only it holds (the job queue, other panes) with typed messages; what panes and
screens read of it (keymap, settings, engine) is the `Host` protocol (`host.py`). The server's probe
and banner are `ServerTools`' (`server.py`); the log screen and screenshots are `AppTools`' (`tools.py`).
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from functools import partial
from pathlib import Path
from typing import Any

from textual import on, work
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal
from textual.dom import DOMNode
from textual.screen import Screen
from textual.theme import Theme
from textual.widgets import Footer

from ..errors import PageIndexError
from ..formats import is_document
from ..llm.types import ServerInfo
from ..local.supervise import ServerLife, Supervisor
from ..safe_text import counted
from ..settings import Settings, config_path
from ..store.cache import ResponseCache
from ..store.library import Library
from ..workbench.handler import EngineHandler
from ..workbench.state import Changes, Workbench
from .engine import EngineRunner
from .keymap import load_keymap
from .keys import KEYS, SCOPES, Key, bindings, help_text, key_label, shown_key
from .layout import BREAKPOINTS, show_documents, zoom
from .literal import one_line
from .messages import DocStatesLoaded, EngineBatch
from .panes.calls import CallsPane, FollowRequested, StreamPane
from .panes.documents import DocumentsPane
from .panes.gauges import GaugesBox
from .panes.tree import TreePane
from .prefs import load_prefs, save_prefs, user_themes_dir
from .reconnect import Reconnect
from .screens.ask import AskScreen, main_screen_only, open_ask
from .screens.config import ConfigScreen
from .screens.confirm import ConfirmScreen
from .screens.help import HelpScreen
from .server import ServerTools
from .themes import SHIPPED_DIR, load_themes
from .tools import AppTools, Notice
from .widgets.banner import ServerBanner
from .widgets.calls import CallsTable
from .widgets.detail import NodeDetail
from .widgets.documents import DocumentsTree

DEFAULT_THEME = "pageindex-dark"
PANES = {name: f"#{name}-pane" for name in ("documents", "tree", "calls", "stream")}  # pane keys' target
FOCUS = {name: f"#{name}" for name in PANES}  # what the focus keys focus, and widget keys' target
FOCUS_KEYS = [key.id for key in KEYS if key.action.startswith("focus_pane(")]  # in the table's order
PAUSE_TICK = 15.0  # seconds between updates of a paused banner's "(3 min)"
BATCH_TICK = 5.0  # seconds between redraws of a running batch's rate and ETA


class PageIndexApp(ServerTools, AppTools):
    """Composes the panes over one `Workbench`; engine events reach it through `EngineHandler`."""

    CSS_PATH = Path(__file__).with_name("app.tcss")
    TITLE = "pageindex-tui"
    BINDINGS = bindings("app")
    HORIZONTAL_BREAKPOINTS = BREAKPOINTS  # the screen's layout class for its width (layout.py)

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
        also: Sequence[str] = (),
        supervisor: Supervisor | None = None,
    ) -> None:
        super().__init__()
        self.supervisor = supervisor  # the embedded llama-server's (--local), else None
        self._report_after: Callable[[ServerLife], None] | None = None  # its reports' sink after the app
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
        self.also = list(also)  # more endpoints the gauges watch (`--also`: replicas behind a router)
        self.model = Workbench()
        self.handler = EngineHandler(self.model, partial(shown_key, source=self))
        self.server_info: ServerInfo | None = None
        self.engine = EngineRunner(self, self.library, cache, interval=flush_interval)
        self.reconnect = Reconnect(self)  # the banner goes, and outages' partial indexes resume
        self._prefs: dict[str, Any] = {}
        self.notices: deque[Notice] = deque(maxlen=200)  # every notification shown, newest last
        self.keymap, self._keymap_problems = load_keymap(self.config_file)
        self.set_keymap(self.keymap)
        # The footer finds the palette's key by this name on the app; Textual declares it a ClassVar, but
        # the key is this user's, so it is set on the instance.
        self.COMMAND_PALETTE_BINDING = self.keymap.get("app.palette", "ctrl+p").split(",")[0]  # type: ignore[misc]
        self._clashes: set[frozenset[str]] = set()

    # -- layout ----------------------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield ServerBanner(id="banner")
        detail = NodeDetail(id="detail")
        with Horizontal(id="top"):
            yield DocumentsPane(self.root_path, self.model, self.start_file, id="documents-pane")
            yield TreePane(self.model, detail, self.root_path, id="tree-pane")
            yield detail
        with Horizontal(id="bottom"):
            yield StreamPane(self.model, id="stream-pane")
            yield CallsPane(self.model, id="calls-pane")
            yield GaugesBox(self.settings, self.gauges_live, self.model, also=self.also, id="gauges")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self._load_themes()
        self.query_one("#detail").border_title = "Node"
        if self._keymap_problems:
            lines = "\n".join(self._keymap_problems)
            message = f"Some keys in [keys] of {self.config_file} were skipped:\n{lines}"
            self.notify(message, title="Keys", severity="warning", markup=False, timeout=15)
        self.engine.start()
        self.set_interval(PAUSE_TICK, self.reconnect.tick)
        self.set_interval(BATCH_TICK, partial(self.show_batch, tick=True))
        if self.supervisor is not None:  # its reports come from its own thread
            self._report_after = self.supervisor.report
            self.supervisor.report = partial(self.call_from_thread, self.reconnect.server_life)
        self.query_one("#documents", DocumentsTree).focus()
        if self.probe_on_start:
            self.check_server()

    def on_unmount(self) -> None:
        if self.supervisor is not None and self._report_after is not None:  # while the loop still runs
            self.supervisor.report = self._report_after
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

    def _theme_changed(self, theme: Theme) -> None:
        name = theme.name
        if self._prefs.get("theme") != name:
            self._prefs["theme"] = name
            try:
                save_prefs(self._prefs, self.prefs_file)
            except PageIndexError as err:
                message = f"Could not remember the theme: {err.describe()}"
                self.notify(message, severity="warning", markup=False)

    # -- command palette -------------------------------------------------------------------------------------
    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        config = isinstance(screen, ConfigScreen)
        for key in KEYS:
            if not key.palette or (key.scope == "config") != config:
                continue
            where = f"{SCOPES[key.scope]} · key {key_label(key, self.keymap)}"
            yield SystemCommand(help_text(key, self.keymap), where, partial(self.run_key, key))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "zoom":  # the panes' zoom: in the footer of the main screen only
            return self.screen is self.screen_stack[0]
        return not main_screen_only(self, action)  # hidden from the footer where it would do nothing

    def run_key(self, key: Key) -> None:
        if key.scope == "config":
            target: DOMNode = self.screen
        elif key.scope == "app":
            target = self
        else:
            target = self.query_one((FOCUS if key.widget else PANES)[key.scope])
        self.call_later(self.run_action, key.action, target)

    def handle_bindings_clash(self, clashed_bindings: set[Binding], node: DOMNode) -> None:
        """Two keys of the user's keymap land on one key of a pane: say so once; Textual keeps the remap."""
        ids = frozenset(b.id or b.action for b in clashed_bindings)
        if ids not in self._clashes:
            self._clashes.add(ids)
            keys = ", ".join(sorted({b.key for b in clashed_bindings}))
            message = f"[keys]: {', '.join(sorted(ids))} lost key {keys} to another key's remap."
            self.notify(message, title="Keys", severity="warning", markup=False, timeout=15)

    # -- engine, library and panes: every change goes through the model, then `show` --------------------
    def show(self, changes: Changes) -> None:
        """Bring the panes up to date with what changed in the model."""
        if changes.banner is not None:
            notice = changes.banner
            self.show_banner(notice.message, notice.hint, paused=notice.paused)
        if changes.banner_gone:
            self.reconnect.resumed()
        for note in changes.notes:
            self.notify(note, markup=False)
        self.query_one(TreePane).apply(changes)
        self.query_one(DocumentsPane).refresh_docs(changes.docs)
        self.query_one(StreamPane).apply(changes)
        self.query_one(CallsPane).apply(changes)
        if changes.batch:
            self.show_batch()
        if changes.ask:
            for screen in self.screen_stack:
                if isinstance(screen, AskScreen):
                    screen.apply(changes)

    def show_batch(self, tick: bool = False) -> None:
        """One reading of the batch for the three panes that show it; `tick`: the clock's redraw, for the
        rate and ETA to move between events (only while the batch runs)."""
        reading = self.model.batch.reading()
        if tick and not reading.active:
            return
        self.query_one(CallsPane).show_limit(reading)
        self.query_one(DocumentsPane).show_batch(reading)
        self.query_one(GaugesBox).show_limit(reading)

    def on_engine_batch(self, message: EngineBatch) -> None:
        self.show(self.handler.apply(message.items))

    def on_doc_states_loaded(self, message: DocStatesLoaded) -> None:
        self.show(self.handler.library_states(message.states, message.damaged))

    @on(DocumentsTree.Populated)
    def _files_listed(self, message: DocumentsTree.Populated) -> None:
        self.refresh_states([str(p) for p in message.paths])

    def refresh_states(self, docs: list[str]) -> None:
        docs = [d for d in docs if not self.model.state(d).busy]
        if docs:
            self.scan_library(docs, self.settings)

    @work(thread=True, group="library-scan", exit_on_error=False)
    def scan_library(self, docs: list[str], settings: Settings) -> None:
        found = {doc: self.library.best(Path(doc), settings) for doc in docs}
        damaged = [
            doc
            for doc, (entry, _exact) in found.items()
            if entry is None and self.library.damaged_for(Path(doc))
        ]
        self.post_message(DocStatesLoaded(found, damaged))

    @on(DocumentsTree.Opened)
    def _open_tree(self, message: DocumentsTree.Opened) -> None:
        state, live = self.model.state(message.path), self.model.live.get(str(message.path))
        if state.entry is None and (live is None or not live.nodes):
            name, key = one_line(message.path.name), shown_key("documents.index", self)
            why = "its tree shows once its structure is found" if state.busy else f"{key} indexes it"
            self.notify(f"{name} has no index yet: {why}.", markup=False)
            return
        self.screen.minimize()
        self.query_one("#tree").focus()

    @on(DocumentsPane.Selected)
    def _document_selected(self, message: DocumentsPane.Selected) -> None:
        self.show(self.model.select(message.doc))

    @on(DocumentsPane.OpenAt)
    def _open_at(self, message: DocumentsPane.OpenAt) -> None:
        self.query_one("#tree").focus()  # first: the reader, when it opens in the node panel, goes back here
        self.query_one(TreePane).open_at(message.doc, message.node_id, message.at)

    @on(DocumentsPane.IndexRequested)
    def _index_requested(self, message: DocumentsPane.IndexRequested) -> None:
        self.index_paths(message.paths, message.force, message.folder)

    def index_paths(self, paths: list[Path], force: bool = False, folder: Path | None = None) -> None:
        paths = [p for p in paths if is_document(p)]
        if not paths:
            note = f"No PDF or Markdown files in {folder}." if folder else "Nothing to index."
            self.notify(note, markup=False)
            return
        queued: set[str] = set()
        for path in paths:
            if self.engine.submit(path, self.settings, force=force):
                self.model.queued(str(path), force)
                queued.add(str(path))
        if folder is not None:
            self.notify(f"Queued {len(queued)} document(s) from {folder.name}/.", markup=False)
        elif not queued:
            self.notify(f"{one_line(paths[0].name)} is already queued.", markup=False)
        self.show(self.model.touch(queued, Changes()))

    @on(DocumentsPane.CancelRequested)
    def _cancel_requested(self, message: DocumentsPane.CancelRequested) -> None:
        path = message.path
        inside = [d for d in self.engine.busy() if d.startswith(str(path) + "/")]
        targets = inside if path.is_dir() else [str(path)]
        cancelled = sum(self.engine.cancel(d) for d in targets)
        name = one_line(path.name)
        self.notify(f"Cancelling {name}." if cancelled else f"{name} is not running.", markup=False)

    @on(DocumentsPane.CancelAllRequested)
    def _cancel_all_requested(self) -> None:
        """X asks first: it stops every queued and running document at once."""
        busy = self.engine.busy()
        if not busy:
            self.notify("Nothing is running.")
            return
        question = (
            f"Cancel all {counted(len(busy), 'document')} queued and running?\n\n"
            "Those past their structure are kept as partial indexes; finished indexes are kept."
        )
        self.push_screen(ConfirmScreen(question, yes="Cancel all", no="Keep going"), self._cancel_all_answer)

    def _cancel_all_answer(self, answer: bool | None) -> None:
        if answer:
            cancelled = self.engine.cancel_all()
            self.notify(
                f"Cancelling {counted(cancelled, 'document')}." if cancelled else "Nothing is running."
            )

    @on(CallsTable.Picked)
    def _call_picked(self, message: CallsTable.Picked) -> None:
        self.model.pick(message.serial)
        self.query_one(StreamPane).render_call()

    @on(FollowRequested)
    def _follow(self) -> None:
        newest = self.model.follow()
        stream = self.query_one(StreamPane)
        stream.render_call()
        if newest is not None:
            self.query_one(CallsPane).table.show(newest.serial)
        stream.view.scroll_end(animate=False)

    # -- app actions -----------------------------------------------------------------------------------------
    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def action_ask(self) -> None:
        open_ask(self, self.model)

    def action_toggle_gauges(self) -> None:
        self.query_one(GaugesBox).toggle_hidden()

    def action_expand_gauges(self) -> None:
        self.query_one(GaugesBox).toggle_expanded()

    def action_doctor(self) -> None:
        from .screens.doctor import DoctorScreen

        if not isinstance(self.screen, DoctorScreen):
            sampler = self.query_one(GaugesBox).gpu_sampler  # the pane's NVML session, not a second one
            self.push_screen(DoctorScreen(self.settings, gpu_sampler=sampler))

    def action_settings(self) -> None:
        if isinstance(self.screen, ConfigScreen):
            return
        self.push_screen(ConfigScreen(self.settings, self.config_file), self._settings_closed)

    def _settings_closed(self, settings: Settings | None) -> None:
        if settings is not None and settings != self.settings:
            self.apply_settings(settings)

    def apply_settings(self, settings: Settings) -> None:
        self.settings = settings
        self.refresh_states(list(self.model.states))
        self.check_server()
        self.query_one(GaugesBox).apply_settings(settings)

    def action_zoom(self) -> None:
        if not zoom(self.screen):
            panes = "/".join(shown_key(key_id, self) for key_id in FOCUS_KEYS)
            tab = shown_key("app.next_pane", self)
            self.notify(f"Focus a pane first ({panes} or {tab}), then zoom it.", markup=False)

    def action_focus_pane(self, name: str) -> None:
        if name == "documents":
            show_documents(self.query_one("#detail"))
        if name == "gauges":
            self.query_one(GaugesBox).focus_pane()
        elif name in FOCUS:
            self.query_one(FOCUS[name]).focus()

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
            "Quit anyway? Running documents are cancelled (those past their structure are kept as "
            f"partial indexes: {shown_key('documents.index', self)} resumes them); nothing half-written "
            "is left, finished indexes are kept."
        )
        confirm = ConfirmScreen(question, yes="Quit", no="Keep going")
        self.push_screen(confirm, self._quit_answer)

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
