"""Helpers for the app's tests: an app factory, waiting, moving the documents cursor, a good fake model."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path

from pageindex_tui.settings import Settings
from pageindex_tui.store.cache import ResponseCache
from pageindex_tui.store.library import Library
from pageindex_tui.ui.app import PageIndexApp
from pageindex_tui.ui.themes import SHIPPED_DIR

SIZE = (120, 40)


def make_app(tmp_path: Path, docs: Path, settings: Settings | None = None, **kwargs) -> PageIndexApp:
    """The real app on `docs`, with its library, settings file and prefs under `tmp_path`."""
    kwargs.setdefault("probe", False)
    kwargs.setdefault("gauges", False)  # no live GPU/server polling: screens stay deterministic
    kwargs.setdefault("theme_dirs", [SHIPPED_DIR])
    kwargs.setdefault("library", Library(tmp_path / "library"))
    kwargs.setdefault("cache", ResponseCache(tmp_path / "cache", enabled=False))
    kwargs.setdefault("config_file", tmp_path / "config.toml")
    kwargs.setdefault("prefs_file", tmp_path / "ui.toml")
    return PageIndexApp(settings or Settings(), docs, **kwargs)


async def wait_for(pilot, predicate: Callable[[], bool], timeout: float = 20.0, what: str = "") -> None:
    """Let the app run until `predicate()` holds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or predicate}")
        await pilot.pause(0.05)


def replay(app: PageIndexApp, timeline: Sequence[tuple[float, list]], end: float) -> None:
    """Feed the engine's events as the handler gets them, each batch at its time on the app's clock, then
    leave the clock at `end`: a snapshot that does not depend on when the test runs."""
    now = [0.0]
    app.model.clock = lambda: now[0]
    for at, batch in timeline:
        now[0] = at
        app.show(app.handler.apply(batch))
    now[0] = end


async def docs_loaded(pilot) -> None:
    from pageindex_tui.ui.widgets.documents import DocumentsTree

    tree = pilot.app.query_one("#documents", DocumentsTree)
    await wait_for(pilot, lambda: tree.loaded_once and len(tree.root.children) > 0, what="documents listed")
    await pilot.pause(0.1)


async def highlight(pilot, name: str) -> None:
    """Move the documents cursor onto the file called `name` (with j, as a user would)."""
    from pageindex_tui.ui.widgets.documents import DocumentsTree

    tree = pilot.app.query_one("#documents", DocumentsTree)
    tree.focus()
    await docs_loaded(pilot)
    await pilot.press("g")
    for _ in range(50):
        node = tree.cursor_node
        if node is not None and node.data is not None and node.data.path.name == name:
            await pilot.pause(0.05)
            return
        await pilot.press("j")
    raise AssertionError(f"{name} not found in the documents pane")


def no_temp_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.name.endswith(".tmp")]


def filed_partial(state) -> bool:
    """The document stopped partial and its partial index is filed in the library (the job's last step)."""
    return state.phase == "partial" and state.entry is not None and state.entry.partial is not None


def plain(widget) -> str:
    """What a Static shows (Rich text or a Rich table alike), as plain text."""
    import io

    from rich.console import Console

    console = Console(width=200, file=io.StringIO(), record=True)
    console.print(widget.content)
    return console.export_text()
