"""Issue 22, item 8: "7", then a quick backspace and "8192" gave "7819" in a settings field. Seen in
tmux: keys read in one burst reach the box together, and Textual's `Input` ran the backspace (a binding,
resolved after it bubbled to the app) after the characters typed behind it. `TypedInput` runs its own
binding keys at once. Pilot presses one key at a time, so these tests post the burst as a terminal
delivers it: every key queued before the app handles the first."""

from __future__ import annotations

import pytest
from textual import events
from textual.app import App, ComposeResult
from uikit import make_app, wait_for

from pageindex_tui.ui.screens.config import ConfigScreen
from pageindex_tui.ui.widgets.inputs import TypedInput

pytestmark = pytest.mark.asyncio

BURST = ("backspace", "8", "1", "9", "2")


def burst(app: App, keys=BURST) -> None:
    """Queue the keys as the terminal driver does for one read: all before the app handles any."""
    for key in keys:
        app.post_message(events.Key(key, key if len(key) == 1 else None))


class OneBox(App[None]):
    def compose(self) -> ComposeResult:
        yield TypedInput("7", id="box")


async def test_a_burst_of_keys_acts_in_the_order_typed():
    app = OneBox()
    async with app.run_test() as pilot:
        box = app.query_one(TypedInput)
        box.focus()
        box.cursor_position = len(box.value)
        await pilot.pause()
        burst(app)
        await wait_for(pilot, lambda: len(box.value) >= 4, what="the burst typed")
        await pilot.pause(0.1)
        assert box.value == "8192"
        burst(app, ("left", "left", "delete", "0", "home", "backspace", "5"))
        await wait_for(pilot, lambda: box.value.startswith("5"), what="the second burst")
        assert box.value == "58102"


async def test_a_settings_field_takes_a_quick_backspace_and_8192(tmp_path):
    (tmp_path / "docs").mkdir()
    app = make_app(tmp_path, tmp_path / "docs")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("o")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfigScreen), what="settings")
        field = app.screen.query_one("#field-max_retries", TypedInput)
        field.focus()
        field.value = "7"
        field.cursor_position = 1
        await pilot.pause()
        burst(app)
        await wait_for(pilot, lambda: len(field.value) >= 4, what="the burst typed")
        await pilot.pause(0.1)
        assert field.value == "8192"
