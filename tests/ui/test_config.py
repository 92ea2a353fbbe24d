"""The settings screen: validation at the field, saving (0600), environment overrides, Test connection."""

from __future__ import annotations

import math
import stat
import sys

import pytest
from fakes import FakeVLLM
from textual.color import Color
from uikit import SIZE, make_app, wait_for

from pageindex_tui.local.server import free_port
from pageindex_tui.settings import Settings
from pageindex_tui.settings.file import load_settings
from pageindex_tui.ui.screens.config import ConfigScreen

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

pytestmark = pytest.mark.asyncio


async def open_settings(pilot) -> ConfigScreen:
    await pilot.press("o")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, ConfigScreen), what="settings screen")
    return pilot.app.screen


async def set_field(pilot, screen: ConfigScreen, name: str, text: str) -> None:
    field = screen.query_one(f"#field-{name}")
    field.focus()
    field.value = ""
    await pilot.press(*text) if text else None
    await pilot.pause()


async def test_bad_values_are_marked_and_good_ones_saved(tmp_path, monkeypatch):
    config = tmp_path / "config.toml"
    monkeypatch.setenv("VLLM_ENDPOINT", "http://env-host:8000/v1")
    settings = load_settings(path=config)
    (tmp_path / "docs").mkdir()
    app = make_app(tmp_path, tmp_path / "docs", settings, config_file=config)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_settings(pilot)
        endpoint = screen.query_one("#field-endpoint")
        assert endpoint.disabled and endpoint.value == "http://env-host:8000/v1"
        assert "environment VLLM_ENDPOINT" in str(screen.query_one("#note-endpoint").render())

        await set_field(pilot, screen, "concurrency", "many")
        note = screen.query_one("#note-concurrency")
        assert note.has_class("-error") and "not a whole number" in str(note.render())
        assert screen.query_one("#field-concurrency").has_class("-invalid")
        await set_field(pilot, screen, "temperature", "7")
        assert "between 0 and 2" in str(screen.query_one("#note-temperature").render())
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, ConfigScreen) and not config.exists()

        await set_field(pilot, screen, "concurrency", "3")
        assert not note.has_class("-error")
        await set_field(pilot, screen, "temperature", "0.5")
        await set_field(pilot, screen, "api_key", "sk-secret")
        screen.query_one("#field-thinking").value = False
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: not isinstance(app.screen, ConfigScreen), what="saved")

    assert stat.S_IMODE(config.stat().st_mode) == 0o600
    saved = tomllib.loads(config.read_text())
    assert saved["server"]["concurrency"] == 3 and saved["server"]["temperature"] == 0.5
    assert saved["server"]["thinking"] is False and saved["server"]["api_key"] == "sk-secret"
    assert "endpoint" not in saved["server"]  # it came from the environment
    assert app.settings.concurrency == 3 and app.settings.endpoint == "http://env-host:8000/v1"
    again = load_settings(path=config, env={})
    assert again.concurrency == 3 and again.endpoint == Settings().endpoint


async def test_the_api_key_is_never_shown(tmp_path):
    (tmp_path / "docs").mkdir()
    settings = Settings().with_values("settings file x", api_key="sk-very-secret")
    app = make_app(tmp_path, tmp_path / "docs", settings)
    async with app.run_test(size=SIZE) as pilot:
        await open_settings(pilot)
        assert "sk-very-secret" not in app.export_screenshot()


async def test_test_connection_shows_what_the_server_answered(tmp_path):
    (tmp_path / "docs").mkdir()
    with FakeVLLM(model="Qwen/Qwen3-8B", max_model_len=40960) as fake:
        app = make_app(tmp_path, tmp_path / "docs", Settings(endpoint=fake.base_url))
        async with app.run_test(size=SIZE) as pilot:
            screen = await open_settings(pilot)
            await pilot.press("ctrl+t")
            result = screen.query_one("#test-result")
            await wait_for(pilot, lambda: "✓" in str(result.render()), what="answer")
            text = str(result.render())
            assert "vllm" in text and "Qwen/Qwen3-8B" in text and "40960" in text
            select = screen.query_one("#model-list")
            select.value = "Qwen/Qwen3-8B"
            model = screen.query_one("#field-model")
            await wait_for(pilot, lambda: model.value == "Qwen/Qwen3-8B", what="the picked model")
            assert "40960" in screen.query_one("#field-context_length").placeholder

            await set_field(pilot, screen, "endpoint", f"http://127.0.0.1:{free_port()}/v1")
            await pilot.press("ctrl+t")
            await wait_for(pilot, lambda: "✗" in str(result.render()), what="failure")
            assert "cannot reach" in str(result.render()) and "check:" in str(result.render())
            assert result.has_class("-error")


# --- focus, edits, leaving, bounds (issue 13, item 3 and 4) ----------------------------------------------
def label_background(screen: ConfigScreen, name: str):
    return screen.query_one(f"#row-{name} .field-label").styles.background


@pytest.mark.parametrize("theme", ["pageindex-dark", "pageindex-light"])
async def test_the_first_field_has_focus_and_a_focused_switch_is_plain_to_see(tmp_path, theme):
    (tmp_path / "docs").mkdir()
    app = make_app(tmp_path, tmp_path / "docs")
    async with app.run_test(size=(80, 24)) as pilot:
        app.theme = theme
        screen = await open_settings(pilot)
        assert screen.focused is screen.query_one("#field-endpoint")
        await pilot.press("x")  # typing right after opening goes into the first field
        assert screen.query_one("#field-endpoint").value.endswith("x")
        screen.query_one("#field-thinking").focus()
        await pilot.pause()
        focused, other = label_background(screen, "thinking"), label_background(screen, "cache")
        assert other.a == 0 and focused.a == 1  # the label of the focused row alone is filled
        page = Color.parse(app.get_css_variables()["background"])
        # 235 against 236 is 17 apart in RGB; the focused label must stand out far more, in both themes
        assert math.dist(focused.rgb, page.rgb) > 100


async def test_q_on_a_switch_leaves_the_settings_and_edits_are_never_dropped_unasked(tmp_path):
    from pageindex_tui.ui.screens.confirm import ConfirmScreen

    (tmp_path / "docs").mkdir()
    config = tmp_path / "config.toml"
    app = make_app(tmp_path, tmp_path / "docs", config_file=config)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_settings(pilot)
        screen.query_one("#field-thinking").focus()
        await pilot.press("q")  # nothing edited: q is Back, never Quit
        await wait_for(pilot, lambda: not isinstance(app.screen, ConfigScreen), what="settings closed")
        assert app.is_running

        screen = await open_settings(pilot)
        screen.query_one("#field-thinking").focus()
        await pilot.press("space")
        note = screen.query_one("#note-thinking")
        assert "edited, not saved yet (was the default)" in str(note.render())
        assert "· default" not in str(note.render())
        await pilot.press("q")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="asked")
        assert "Thinking" in str(app.screen.query_one("#question").render())
        await pilot.press("n")
        await wait_for(pilot, lambda: app.screen is screen, what="back to the settings")
        assert screen.query_one("#field-thinking").value is False  # the edit is still there
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="asked again")
        await pilot.press("y")
        await wait_for(pilot, lambda: not isinstance(app.screen, (ConfigScreen, ConfirmScreen)), what="left")
        assert app.is_running and not config.exists() and app.settings.thinking is True


async def test_bounds_and_values_that_do_not_work_together_are_marked(tmp_path):
    (tmp_path / "docs").mkdir()
    app = make_app(tmp_path, tmp_path / "docs")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_settings(pilot)
        await set_field(pilot, screen, "context_length", "7")
        note = screen.query_one("#note-context_length")
        assert note.has_class("-error") and "or between 1024 and" in str(note.render())
        await set_field(pilot, screen, "context_length", "2048")
        assert "edited, not saved yet" in str(note.render())
        reply_cap = screen.query_one("#note-max_output_tokens")
        assert reply_cap.has_class("-conflict")
        assert "max_output_tokens = 4096 is not below context_length = 2048" in str(reply_cap.render())
        assert "reads only its first" in str(screen.query_one("#note-max_tokens_per_node").render())
        await set_field(pilot, screen, "max_output_tokens", "1024")
        assert not reply_cap.has_class("-conflict")


async def test_the_connection_result_is_in_view_at_80x24(tmp_path):
    (tmp_path / "docs").mkdir()
    with FakeVLLM(model="Qwen/Qwen3-8B", max_model_len=40960) as fake:
        app = make_app(tmp_path, tmp_path / "docs", Settings(endpoint=fake.base_url))
        async with app.run_test(size=(80, 24)) as pilot:
            screen = await open_settings(pilot)
            await pilot.press("ctrl+t")
            result = screen.query_one("#test-result")
            await wait_for(pilot, lambda: "✓" in str(result.render()), what="answer")
            await pilot.pause()
            region = result.region
            assert region.height >= 1 and region.bottom <= 23  # above the footer, on screen
            assert screen.get_widget_at(region.x + 1, region.y)[0] is result


async def test_the_model_list_refreshes_by_itself_when_the_server_comes_back(tmp_path, monkeypatch):
    monkeypatch.setattr(ConfigScreen, "AUTO_PROBE", 0.3)
    (tmp_path / "docs").mkdir()
    port = free_port()
    app = make_app(tmp_path, tmp_path / "docs", Settings(endpoint=f"http://127.0.0.1:{port}/v1"))
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_settings(pilot)
        await wait_for(pilot, lambda: screen.looks >= 1, what="first look")
        assert screen.served == [] and "no answer" in str(screen.query_one("#model-list").prompt)
        with FakeVLLM(model="Qwen/Qwen3-8B", port=port):  # the server (re)starts on its port
            await wait_for(pilot, lambda: screen.served == ["Qwen/Qwen3-8B"], what="models listed")
        await wait_for(pilot, lambda: screen.served == [], what="the list empties when it goes again")
