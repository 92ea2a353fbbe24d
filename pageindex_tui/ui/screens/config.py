"""The settings screen: server, model, sampling and indexing options, saved to the TOML file (0600).

Each field is checked as it is typed, with the same rules the engine applies, and a bad value is
marked at the field. Values set by the environment or the command line are shown as such and cannot
be edited here (they would override the file anyway). The API key is never shown in clear.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.validation import ValidationResult, Validator
from textual.widgets import Button, Footer, Input, Label, Select, Static, Switch

from ...errors import PageIndexError, SettingsError
from ...monitor.probe import connect_once
from ...safe_text import redact_url
from ...settings import FIELDS as FIELDS_BY_NAME
from ...settings import REQUIRED, SCREEN_FIELDS, FieldInfo, Settings, is_override, save_settings
from ..engine import probe_summary
from ..keys import bindings, shown_key

SOURCE = "the settings screen"


FIELDS = SCREEN_FIELDS  # each setting's label, help and widget are declared with it, in settings.py


class SettingValidator(Validator):
    """The engine's own rule for one setting (Settings.with_values)."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name

    def validate(self, value: str) -> ValidationResult:
        try:
            convert(self.name, value)
        except SettingsError as err:
            return self.failure(err.message)
        return self.success()


def convert(name: str, raw: Any) -> Any:
    """The typed value of a field's text, or SettingsError."""
    blank = FIELDS_BY_NAME[name].blank
    if blank is not REQUIRED and isinstance(raw, str) and not raw.strip():
        return blank
    return getattr(Settings().with_values(SOURCE, **{name: raw}), name)


def shown_value(settings: Settings, name: str) -> str:
    value = getattr(settings, name)
    if value is None:
        return ""
    if name == "api_key" and value == "EMPTY":
        return ""
    return str(value)


def source_note(settings: Settings, name: str) -> str:
    source = settings.source(name)
    if is_override(source):
        return f"set by {source}: it overrides the settings file (change it there)"
    if source.startswith("settings file"):
        return "from the settings file"
    return "default"


class ConfigScreen(Screen[Settings | None]):
    BINDINGS = bindings("config")
    DEFAULT_CSS = """
    ConfigScreen { background: $background; }
    ConfigScreen #config-title { padding: 0 1; background: $panel; color: $text; width: 1fr; }
    ConfigScreen #config-form { padding: 0 1; }
    ConfigScreen .field-row { height: auto; }
    ConfigScreen .field-label { width: 24; padding: 0 1 0 0; text-align: right; color: $text; }
    ConfigScreen .field-body { width: 1fr; height: auto; }
    ConfigScreen .field-body Input { width: 1fr; background: $surface; }
    ConfigScreen .field-body Input:focus { background: $primary 20%; }
    ConfigScreen .field-body Input.-invalid { background: $error 25%; }
    ConfigScreen .switch-row { height: 1; }
    ConfigScreen .field-body Switch { width: auto; height: 1; border: none; padding: 0; }
    ConfigScreen .switch-state { padding-left: 1; }
    ConfigScreen .field-note { color: $text-muted; height: auto; }
    ConfigScreen .field-note.-error { color: $error; text-style: bold; }
    ConfigScreen .field-note.-override { color: $warning; }
    ConfigScreen #model-row { height: auto; }
    ConfigScreen #model-row Input { width: 1fr; }
    ConfigScreen #model-list { width: 40; }
    ConfigScreen #config-buttons { height: auto; margin: 1 0 0 24; }
    ConfigScreen #config-section { color: $primary; text-style: bold; margin-top: 1; }
    ConfigScreen #config-buttons Button { margin-right: 2; }
    ConfigScreen #test-result { margin: 1 0 1 24; height: auto; }
    ConfigScreen #test-result.-error { color: $error; }
    """

    def __init__(self, settings: Settings, path: Path) -> None:
        super().__init__()
        self.settings = settings
        self.path = path
        self.served: list[str] = []

    # -- layout -----------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Static(Text(f"Settings · saved to {self.path}"), id="config-title")
        with VerticalScroll(id="config-form"):
            for field in FIELDS:
                with Horizontal(classes="field-row", id=f"row-{field.name}"):
                    yield Label(Text(field.label), classes="field-label")
                    with Vertical(classes="field-body"):
                        yield from self._widget(field)
                        note_id = f"note-{field.name}"
                        yield Static(self._note(field), classes=self._note_classes(field), id=note_id)
            with Horizontal(id="config-buttons"):
                test, save, back = (shown_key(f"config.{k}", self.app) for k in ("test", "save", "close"))
                yield Button(f"Test connection ({test})", id="test")
                yield Button(f"Save ({save})", id="save", variant="primary")
                yield Button(f"Back ({back})", id="back")
            yield Static(Text(""), id="test-result")
        yield Footer()

    def _widget(self, field: FieldInfo) -> ComposeResult:
        name, s = field.name, self.settings
        locked = is_override(s.source(name))
        if field.screen == "switch":
            value = bool(getattr(s, name))
            with Horizontal(classes="switch-row"):
                yield Switch(value, id=f"field-{name}", disabled=locked)
                yield Label(Text("on" if value else "off"), id=f"state-{name}", classes="switch-state")
            return
        value = shown_value(s, name)
        options: dict[str, Any] = {
            "id": f"field-{name}",
            "disabled": locked,
            "validate_on": ["changed"],
            "compact": True,
        }
        if field.screen == "password":
            yield Input(value, password=True, placeholder="none", **options)
            return
        validators = [SettingValidator(name)]
        if field.screen == "model":
            with Horizontal(id="model-row"):
                yield Input(value, placeholder="the server's first model", validators=validators, **options)
                yield Select[str]([], prompt="served models", id="model-list", disabled=locked, compact=True)
            return
        yield Input(value, placeholder=field.placeholder, validators=validators, **options)

    def _note(self, field: FieldInfo) -> Text:
        note = source_note(self.settings, field.name)
        return Text(f"{field.help} · {note}" if field.help else note)

    def _note_classes(self, field: FieldInfo) -> str:
        return "field-note -override" if is_override(self.settings.source(field.name)) else "field-note"

    # -- validation -------------------------------------------------------------------------------
    def on_input_changed(self, event: Input.Changed) -> None:
        name = (event.input.id or "").removeprefix("field-")
        field = next((f for f in FIELDS if f.name == name), None)
        if field is None:
            return
        note = self.query_one(f"#note-{name}", Static)
        result = event.validation_result
        if result is not None and not result.is_valid:
            note.set_class(True, "-error")
            note.update(Text("✗ " + "; ".join(result.failure_descriptions)))
        else:
            note.set_class(False, "-error")
            note.update(self._note(field))

    def on_switch_changed(self, event: Switch.Changed) -> None:
        name = (event.switch.id or "").removeprefix("field-")
        self.query_one(f"#state-{name}", Label).update(Text("on" if event.value else "off"))

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id == "model-list" and isinstance(event.value, str):
            self.query_one("#field-model", Input).value = event.value

    def form_values(self) -> tuple[dict[str, Any], list[str]]:
        """Typed values of the editable fields, and the names of fields with bad values."""
        values: dict[str, Any] = {}
        bad: list[str] = []
        for field in FIELDS:
            if is_override(self.settings.source(field.name)):
                continue
            if field.screen == "switch":
                values[field.name] = self.query_one(f"#field-{field.name}", Switch).value
                continue
            raw = self.query_one(f"#field-{field.name}", Input).value
            if field.name == "api_key" and not raw and self.settings.api_key == "EMPTY":
                continue
            try:
                values[field.name] = convert(field.name, raw)
            except SettingsError as err:
                bad.append(field.name)
                note = self.query_one(f"#note-{field.name}", Static)
                note.set_class(True, "-error")
                note.update(Text("✗ " + err.message))
        return values, bad

    def new_settings(self) -> Settings | None:
        values, bad = self.form_values()
        if bad:
            self.query_one(f"#field-{bad[0]}").focus()
            self.notify(f"Fix the marked fields first ({', '.join(bad)}).", severity="error", markup=False)
            return None
        changed = {k: v for k, v in values.items() if v != getattr(self.settings, k)}
        source = f"settings file {self.path}"
        clear_temperature = "temperature" in changed and changed["temperature"] is None
        if clear_temperature:
            del changed["temperature"]
        settings = self.settings.with_values(source, **changed) if changed else self.settings
        if clear_temperature:  # with_values skips None: set "auto" directly
            sources = {**settings.sources, "temperature": source}
            settings = replace(settings, temperature=None, sources=sources)
        return settings

    # -- actions ------------------------------------------------------------------------------------
    def on_button_pressed(self, event: Button.Pressed) -> None:
        actions = {"test": self.action_test, "save": self.action_save, "back": self.action_close}
        action = actions.get(event.button.id or "")
        if action is not None:
            action()

    def action_save(self) -> None:
        settings = self.new_settings()
        if settings is None:
            return
        try:
            path = save_settings(settings, self.path)
        except PageIndexError as err:
            self.notify(err.describe(), severity="error", markup=False)
            return
        self.notify(f"Saved to {path}", markup=False)
        self.dismiss(settings)

    def action_close(self) -> None:
        self.dismiss(None)

    def action_test(self) -> None:
        settings = self.new_settings()
        if settings is None:
            return
        result = self.query_one("#test-result", Static)
        result.set_class(False, "-error")
        result.update(Text(f"Asking {redact_url(settings.endpoint)} ...", style="italic"))
        self.probe(settings)

    @work(exclusive=True, group="config-probe", exit_on_error=False)
    async def probe(self, settings: Settings) -> None:
        result = self.query_one("#test-result", Static)
        try:
            info = await connect_once(settings, SOURCE)
        except PageIndexError as err:
            result.set_class(True, "-error")
            text = Text("✗ " + err.message)
            if err.hint:
                text.append("\n  check: " + err.hint)
            result.update(text)
            return
        self.show_served(info)
        result.update(Text("✓ " + probe_summary(info)))

    def show_served(self, info: Any) -> None:
        self.served = list(info.models)
        select = self.query_one("#model-list", Select)
        select.set_options([(m, m) for m in self.served])
        context = self.query_one("#field-context_length", Input)
        if info.context_source != "settings":
            context.placeholder = f"0 = the server's ({info.context_length})"
