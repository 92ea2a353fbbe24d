"""The settings screen: validation at the field, saving (0600), environment overrides, Test connection."""

from __future__ import annotations

import stat
import sys

import pytest
from fakes import FakeVLLM
from uikit import SIZE, make_app, wait_for

from pageindex_tui.local_server import free_port
from pageindex_tui.settings import Settings, load_settings
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
