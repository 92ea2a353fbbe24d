"""The `[keys]` table of the settings file remaps keys by id; what cannot be used warns, naming the id."""

from __future__ import annotations

import io
import sys

import pytest
from pdfgen import make_outline_pdf
from rich.console import Console
from uikit import SIZE, highlight, make_app, wait_for

from pageindex_tui.settings import Settings
from pageindex_tui.settings.file import load_settings, save_settings
from pageindex_tui.ui.keymap import load_keymap, normalize_keys, read_keymap
from pageindex_tui.ui.keys import KEY_IDS, KEYS, NAMED_KEY, help_text, key_label
from pageindex_tui.ui.screens.confirm import ConfirmScreen
from pageindex_tui.ui.screens.help import HelpScreen, help_table
from pageindex_tui.ui.screens.runlog import LogScreen

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

NO_SERVER = Settings(endpoint="http://127.0.0.1:9/v1", if_add_node_summary=False)
KEYS_TOML = """
[server]
concurrency = 2

[keys]
"documents.index" = "n"
"app.help" = "f1, ?"
"documents.indx" = "m"
"tree.filter" = "ctrl+nope"
tree.page_text = "p"
"""


def test_every_key_has_a_unique_id_in_its_scope():
    assert len(KEY_IDS) == len(KEYS)
    assert all("." in key.id for key in KEYS)


def test_keys_are_read_as_textual_names():
    assert normalize_keys("?") == "question_mark"
    assert normalize_keys("Ctrl+o, F1,/,W") == "ctrl+o,f1,slash,W"  # a letter keeps its case
    for bad in ("ctrl+", "hyperdrive+x", "nope", "ctrl+nope"):
        with pytest.raises(ValueError):
            normalize_keys(bad)


def test_a_keys_table_remaps_and_warns_by_id():
    keymap, problems = read_keymap(
        {
            "documents.index": "n",
            "tree": {"page_text": ["p", "P"]},
            "documents.indx": "m",
            "tree.filter": "ctrl+nope",
            "app.quit": 3,
        }
    )
    assert keymap == {"documents.index": "n", "tree.page_text": "p,P"}
    assert len(problems) == 3
    joined = "\n".join(problems)
    assert "documents.indx: there is no key with this id (did you mean documents.index?)" in joined
    assert "tree.filter: 'ctrl+nope'" in joined and "app.quit: give the key as a string" in joined
    assert key_label(KEY_IDS["documents.index"], keymap) == "n"
    assert key_label(KEY_IDS["app.help"], keymap) == "?"  # not remapped: the table's own label


def test_the_keys_table_is_not_a_setting_and_survives_saving(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text(KEYS_TOML)
    settings = load_settings(env={}, path=path)
    assert settings.concurrency == 2
    save_settings(settings.with_values(f"settings file {path}", concurrency=4), path)
    data = tomllib.loads(path.read_text())
    assert data["server"]["concurrency"] == 4
    assert data["keys"]["documents.index"] == "n" and data["keys"]["tree"] == {"page_text": "p"}
    assert load_keymap(path)[0]["documents.index"] == "n"
    assert load_keymap(tmp_path / "missing.toml") == ({}, [])


@pytest.mark.asyncio
async def test_a_remap_takes_effect_and_a_bad_one_warns(tmp_path):
    make_outline_pdf(tmp_path / "docs")
    (tmp_path / "config.toml").write_text(KEYS_TOML)
    app = make_app(tmp_path, tmp_path / "docs", NO_SERVER)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        warned = lambda: [n for n in app.notices if n.title == "Keys"]  # noqa: E731
        await wait_for(pilot, warned, what="the warning about unusable keys")
        message = warned()[0].message
        assert "documents.indx" in message and "tree.filter" in message
        assert "documents.index" not in message.replace("did you mean documents.index", "")
        bound = app.screen.active_bindings
        assert bound["n"].binding.id == "documents.index" and "i" not in bound
        await highlight(pilot, "outline.pdf")
        await pilot.press("n")  # the remapped key indexes
        pdf = str(tmp_path / "docs" / "outline.pdf")
        await wait_for(pilot, lambda: app.model.states[pdf].phase == "indexed", what="indexed with n")
        await pilot.press("f1")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), what="help on f1")
        console = Console(width=200, record=True, file=io.StringIO())
        console.print(help_table(app.keymap))
        shown = console.export_text()
        assert "f1 / ?" in shown and "Show every key" in shown
        palette = {c.title: c.help for c in app.get_system_commands(app.screen)}
        assert palette["Index the highlighted file (or every file in a folder)"].endswith("key n")


def test_help_lines_name_other_keys_as_the_user_binds_them():
    named = {key_id for key in KEYS for key_id in NAMED_KEY.findall(key.help)}
    assert named and named <= KEY_IDS.keys()  # every key a help line names is in the table
    page_text = KEY_IDS["tree.page_text"]
    assert help_text(page_text).endswith("(esc: back)")
    assert help_text(page_text, {"reader.close": "backspace"}).endswith("(backspace: back)")
    _keymap, problems = read_keymap({"app.help": "f1", "zzz.qqq": "x"})
    assert problems == ["zzz.qqq: there is no key with this id (the help screen, f1, lists what there is)"]


HINTS_TOML = """
[keys]
"documents.index" = "n"
"confirm.yes" = "ctrl+y"
"log.close" = "c"
"""


@pytest.mark.asyncio
async def test_the_hints_name_the_remapped_keys(tmp_path):
    """Empty states, subtitles and buttons name the key as the user remapped it, not the table's default."""
    make_outline_pdf(tmp_path / "docs")
    (tmp_path / "config.toml").write_text(HINTS_TOML)
    app = make_app(tmp_path, tmp_path / "docs", NO_SERVER)
    async with app.run_test(size=SIZE) as pilot:
        await highlight(pilot, "outline.pdf")
        note = lambda: str(app.query_one("#tree-note").render())  # noqa: E731
        await wait_for(pilot, lambda: "press n in the documents pane" in note(), what="the tree's note")
        app.action_show_log()
        shown = lambda: isinstance(app.screen, LogScreen) and bool(app.screen.query("#log-body"))  # noqa: E731
        await wait_for(pilot, shown, what="the log")
        assert str(app.screen.query_one("#log-body").border_subtitle) == "j/k: scroll · c: close"
        await pilot.press("c")
        await wait_for(pilot, lambda: not isinstance(app.screen, LogScreen), what="the log closed on c")
        app.push_screen(ConfirmScreen("Go on?", yes="Go on", no="Stop"))
        asked = lambda: isinstance(app.screen, ConfirmScreen) and bool(app.screen.query("Button"))  # noqa: E731
        await wait_for(pilot, asked, what="the question")
        labels = sorted(str(button.label) for button in app.screen.query("Button"))
        assert labels == ["Go on (ctrl+y)", "Stop (n)"]
