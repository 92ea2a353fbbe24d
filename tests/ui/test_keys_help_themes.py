"""Help lists every key; every action is in the palette; themes load, fail politely and are remembered."""

from __future__ import annotations

import io

import pytest
from rich.console import Console
from uikit import SIZE, make_app, wait_for

from pageindex_tui.settings import Settings
from pageindex_tui.ui.keys import KEYS, help_text, key_label
from pageindex_tui.ui.prefs import load_prefs
from pageindex_tui.ui.screens.help import HelpScreen, help_table
from pageindex_tui.ui.themes import SHIPPED_DIR, load_themes


@pytest.mark.asyncio
async def test_help_lists_every_key(tmp_path):
    (tmp_path / "docs").mkdir()
    app = make_app(tmp_path, tmp_path / "docs")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), what="help")
        console = Console(width=200, record=True, file=io.StringIO())
        console.print(help_table())
        shown = console.export_text()
        assert "Show&#160;every&#160;key" in app.export_screenshot()
        for key in KEYS:
            if key.keys != "ctrl+q":
                assert help_text(key) in shown, key
                assert key_label(key) in shown, key
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, HelpScreen), what="closed")


@pytest.mark.asyncio
async def test_every_action_is_in_the_palette_and_works_from_it(tmp_path):
    (tmp_path / "docs").mkdir()
    app = make_app(tmp_path, tmp_path / "docs")
    async with app.run_test(size=SIZE) as pilot:
        titles = {c.title for c in app.get_system_commands(app.screen)}
        for key in KEYS:
            if key.palette and key.scope != "config":
                assert help_text(key) in titles, key
        help_command = next(c for c in app.get_system_commands(app.screen) if c.title == "Show every key")
        help_command.callback()
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), what="help from the palette")
        await pilot.press("escape")
        await pilot.press("o")
        await pilot.pause()
        config_titles = {c.title for c in app.get_system_commands(app.screen)}
        assert {k.help for k in KEYS if k.scope == "config"} <= config_titles


@pytest.mark.asyncio
async def test_footer_shows_the_focused_panes_keys(tmp_path):
    (tmp_path / "docs").mkdir()
    app = make_app(tmp_path, tmp_path / "docs")
    async with app.run_test(size=(200, 40)) as pilot:

        def shows(*words: str):
            return lambda: all(word in app.export_screenshot() for word in words)

        await wait_for(pilot, shows("Index", "Cancel", "Help", "Settings", "Quit"), what="the main keys")
        await pilot.press("2")
        tree_keys = ("Filter", "Copy&#160;JSON", "Export&#160;JSON", "Page&#160;text")
        await wait_for(pilot, shows(*tree_keys), what="the tree pane's keys")


def test_shipped_themes_load():
    themes, problems = load_themes([SHIPPED_DIR])
    names = {t.name for t in themes}
    assert {"pageindex-dark", "pageindex-light"} <= names and not problems
    dark = next(t for t in themes if t.name == "pageindex-dark")
    assert dark.dark and dark.primary.startswith("#")


def test_bad_theme_files_are_reported_and_skipped(tmp_path):
    (tmp_path / "ok.toml").write_text('name = "mine"\ndark = false\nprimary = "#112233"\n')
    (tmp_path / "broken.toml").write_text("name = [")
    (tmp_path / "colour.toml").write_text('name = "x"\ndark = true\nprimary = "not-a-colour"\n')
    (tmp_path / "extra.toml").write_text('name = "y"\ndark = true\nprimary = "#000000"\nsparkle = 1\n')
    (tmp_path / "nameless.toml").write_text('dark = true\nprimary = "#000000"\n')
    themes, problems = load_themes([tmp_path])
    assert [t.name for t in themes] == ["mine"]
    assert len(problems) == 4
    joined = "\n".join(problems)
    assert "broken.toml: not valid TOML" in joined and "not a colour" in joined
    assert "unknown field sparkle" in joined and "`name` is required" in joined


@pytest.mark.asyncio
async def test_user_themes_load_with_one_toast_and_the_choice_is_remembered(tmp_path):
    user = tmp_path / "user-themes"
    user.mkdir()
    (user / "mine.toml").write_text('name = "mine"\ndark = false\nprimary = "#112233"\n')
    (user / "bad1.toml").write_text("nope = ")
    (user / "bad2.toml").write_text('name = "z"\n')
    (tmp_path / "docs").mkdir()
    app = make_app(tmp_path, tmp_path / "docs", theme_dirs=[SHIPPED_DIR, user])
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        themes = lambda: [n for n in app.notices if n.title == "Themes"]  # noqa: E731
        await wait_for(pilot, themes, what="the toast about bad theme files")
        assert app.theme == "pageindex-dark"
        toasts = themes()
        assert len(toasts) == 1 and "bad1.toml" in toasts[0].message and "bad2.toml" in toasts[0].message
        assert "mine" in app.available_themes
        app.theme = "mine"
        prefs = tmp_path / "ui.toml"
        saved = lambda: load_prefs(prefs).get("theme") == "mine"  # noqa: E731
        await wait_for(pilot, saved, what="the theme saved in ui.toml")
    app = make_app(tmp_path, tmp_path / "docs", Settings(), theme_dirs=[SHIPPED_DIR, user])
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.theme == "mine", what="the remembered theme")
