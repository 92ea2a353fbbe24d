"""The settings screen: server, model, sampling and indexing options, saved to the TOML file (0600).

Each field is checked as it is typed, with the same rules the engine applies, and a bad value is
marked at the field; values that pass alone but cannot work together (`settings/rules.py`'s `conflicts`) are
flagged at the field to change. An edited field says so until it is saved, and leaving with edits
asks first. Values set by the environment or the command line are shown as such and cannot be edited
here (they would override the file anyway). The API key is never shown in clear.

The first editable field has focus on open; the focused field's label is drawn in the cursor colour,
so a focused switch is as plain to see as a focused entry. The served models are asked for on open
and again every few seconds while the screen is shown, so a server that comes back fills the list by
itself; the connection test's answer sits above the footer, in view at any height.
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
from ...llm.connect import connect_once
from ...llm.types import ServerInfo
from ...safe_text import redact_url
from ...settings import FIELDS as FIELDS_BY_NAME
from ...settings import (
    REQUIRED,
    SCREEN_FIELDS,
    FieldInfo,
    Settings,
)
from ...settings.file import is_override, save_settings
from ...settings.rules import conflicts
from ..engine import probe_summary
from ..keys import bindings, shown_key
from ..widgets.inputs import TypedInput
from .confirm import ConfirmScreen

SOURCE = "the settings screen"


FIELDS = SCREEN_FIELDS  # each setting's label, help and widget are declared with it, in settings/__init__.py


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


def source_note(settings: Settings, name: str, edited: bool = False) -> str:
    source = settings.source(name)
    if is_override(source):
        return f"set by {source}: it overrides the settings file (change it there)"
    was = "the settings file's" if source.startswith("settings file") else "the default"
    if edited:
        return f"edited, not saved yet (was {was})"
    return "from the settings file" if source.startswith("settings file") else "default"


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
    ConfigScreen .field-body Switch {
        width: auto; height: 1; border: none; padding: 0 1; background: transparent;
    }
    ConfigScreen .switch-state { padding-left: 1; }
    ConfigScreen .field-note { color: $text-muted; height: auto; }
    ConfigScreen .field-note.-error { color: $error; text-style: bold; }
    ConfigScreen .field-note.-override { color: $warning; }
    ConfigScreen .field-note.-conflict { color: $warning; }
    ConfigScreen .field-note.-edited { color: $accent; }
    ConfigScreen .field-row:focus-within { background: $primary 10%; }
    ConfigScreen .field-row:focus-within > .field-label {
        background: $block-cursor-background; color: $block-cursor-foreground; text-style: bold;
    }
    ConfigScreen .field-body Switch:focus { background: $block-cursor-background; }
    ConfigScreen .switch-row:focus-within > .switch-state { text-style: bold; color: $primary; }
    ConfigScreen #model-row { height: auto; }
    ConfigScreen #model-row Input { width: 1fr; }
    ConfigScreen #model-list { width: 1fr; max-width: 40; }
    ConfigScreen #config-buttons { height: auto; margin: 1 0 0 24; }
    ConfigScreen #config-section { color: $primary; text-style: bold; margin-top: 1; }
    ConfigScreen #config-buttons Button { margin-right: 2; }
    ConfigScreen #test-result {
        display: none; height: auto; max-height: 8; padding: 0 1;
        background: $panel; color: $text;
    }
    ConfigScreen #test-result.-shown { display: block; }
    ConfigScreen #test-result.-error { color: $error; }
    """

    def __init__(self, settings: Settings, path: Path) -> None:
        super().__init__()
        self.settings = settings
        self.path = path
        self.served: list[str] = []
        self.served_context = 0  # the served model's context, from the last answer (0: not known)
        self.initial: dict[str, Any] = {}  # each editable field's value on open, as its widget holds it
        self.invalid: dict[str, str] = {}  # fields whose text fails their check, and why
        self.looks = 0  # answers (or failures) of the served-models probe so far

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
        yield Static(Text(""), id="test-result")  # under the form, above the footer: in view at any height
        yield Footer()

    def on_mount(self) -> None:
        for field in FIELDS:
            widget = self._field(field.name)
            self.initial[field.name] = widget.value
        first = next((self._field(f.name) for f in FIELDS if not self._field(f.name).disabled), None)
        if first is not None:
            first.focus()
        self.refresh_notes()
        self.set_interval(self.AUTO_PROBE, self.refresh_models)
        self.refresh_models()

    def _field(self, name: str) -> Input | Switch:
        if FIELDS_BY_NAME[name].screen == "switch":
            return self.query_one(f"#field-{name}", Switch)
        return self.query_one(f"#field-{name}", Input)

    def _widget(self, field: FieldInfo) -> ComposeResult:
        name, s = field.name, self.settings
        locked = is_override(s.source(name))
        if field.screen == "switch":
            on = bool(getattr(s, name))
            with Horizontal(classes="switch-row"):
                yield Switch(on, id=f"field-{name}", disabled=locked)
                yield Label(Text("on" if on else "off"), id=f"state-{name}", classes="switch-state")
            return
        value = shown_value(s, name)
        options: dict[str, Any] = {
            "id": f"field-{name}",
            "disabled": locked,
            "validate_on": ["changed"],
            "compact": True,
        }
        if field.screen == "password":
            yield TypedInput(value, password=True, placeholder="none", **options)
            return
        validators = [SettingValidator(name)]
        if field.screen == "model":
            with Horizontal(id="model-row"):
                yield TypedInput(
                    value, placeholder="the server's first model", validators=validators, **options
                )
                yield Select[str]([], prompt="served models", id="model-list", disabled=locked, compact=True)
            return
        yield TypedInput(value, placeholder=field.placeholder, validators=validators, **options)

    def _note(self, field: FieldInfo, edited: bool = False) -> Text:
        note = source_note(self.settings, field.name, edited)
        return Text(f"{field.help} · {note}" if field.help else note)

    def _note_classes(self, field: FieldInfo) -> str:
        return "field-note -override" if is_override(self.settings.source(field.name)) else "field-note"

    # -- validation, edits and conflicts -----------------------------------------------------------------
    def edited(self) -> list[str]:
        """The fields whose value differs from what they held on open."""
        return [
            f.name
            for f in FIELDS
            if f.name in self.initial and self._field(f.name).value != self.initial[f.name]
        ]

    def refresh_notes(self) -> None:
        """Each field's note: its error, else what it conflicts with, else edited or where it came from."""
        edited = set(self.edited())
        values, _bad = self.form_values(mark=False)
        warned: dict[str, list[str]] = {}
        try:
            candidate = self.settings.with_values(
                SOURCE, **{k: v for k, v in values.items() if v is not None}
            )
        except SettingsError:
            candidate = None
        for conflict in conflicts(candidate, self.served_context) if candidate is not None else []:
            warned.setdefault(conflict.fields[0], []).append(conflict.message)
        for field in FIELDS:
            note = self.query_one(f"#note-{field.name}", Static)
            if field.name in self.invalid:
                text, kind = Text("✗ " + self.invalid[field.name]), "-error"
            elif field.name in warned:
                text, kind = Text("⚠ " + " · ".join(warned[field.name])), "-conflict"
            else:
                text, kind = (
                    self._note(field, field.name in edited),
                    "-edited" if field.name in edited else "",
                )
            for name in ("-error", "-conflict", "-edited"):
                note.set_class(name == kind, name)
            note.update(text)

    def on_input_changed(self, event: Input.Changed) -> None:
        name, result = (event.input.id or "").removeprefix("field-"), event.validation_result
        if result is not None and not result.is_valid:
            self.invalid[name] = "; ".join(result.failure_descriptions)
        else:
            self.invalid.pop(name, None)
        self.refresh_notes()

    def on_switch_changed(self, event: Switch.Changed) -> None:
        name = (event.switch.id or "").removeprefix("field-")
        self.query_one(f"#state-{name}", Label).update(Text("on" if event.value else "off"))
        self.refresh_notes()

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id == "model-list" and isinstance(event.value, str):
            self.query_one("#field-model", Input).value = event.value

    def form_values(self, mark: bool = True) -> tuple[dict[str, Any], list[str]]:
        """Typed values of the editable fields, and the names of fields with bad values (`mark`: say why
        at each of them)."""
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
                if mark:
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
        found = conflicts(settings, self.served_context)
        if found:
            lines = "\n".join(f"⚠ {c.message}" for c in found)
            self.notify(f"Saved to {path}, but:\n{lines}", severity="warning", markup=False, timeout=12)
        else:
            self.notify(f"Saved to {path}", markup=False)
        self.dismiss(settings)

    def action_close(self) -> None:
        """Leave; with unsaved edits, ask first."""
        edited = self.edited()
        if not edited:
            self.dismiss(None)
            return
        names = ", ".join(FIELDS_BY_NAME[name].label for name in edited)
        save = shown_key("config.save", self.app)
        question = f"Leave the settings without saving?\n\nEdited: {names}.\n({save} saves them.)"
        confirm = ConfirmScreen(question, yes="Discard edits", no="Keep editing")
        self.app.push_screen(confirm, self._leave)

    def _leave(self, leave: bool | None) -> None:
        if leave:
            self.dismiss(None)

    def action_test(self) -> None:
        settings = self.new_settings()
        if settings is None:
            return
        self.show_result(Text(f"Asking {redact_url(settings.endpoint)} ...", style="italic"))
        self.probe(settings)

    def show_result(self, text: Text, error: bool = False) -> None:
        result = self.query_one("#test-result", Static)
        result.set_class(True, "-shown")
        result.set_class(error, "-error")
        result.update(text)

    @work(exclusive=True, group="config-probe", exit_on_error=False)
    async def probe(self, settings: Settings) -> None:
        try:
            info = await connect_once(settings, SOURCE)
        except PageIndexError as err:
            text = Text("✗ " + err.message)
            if err.hint:
                text.append("\n  check: " + err.hint)
            self.show_result(text, error=True)
            return
        self.show_served(info)
        self.show_result(Text("✓ " + probe_summary(info)))

    # -- the served models, asked for again while the screen is open ---------------------------------------
    AUTO_PROBE = 5.0  # seconds between looks at what the server serves

    def refresh_models(self) -> None:
        values, bad = self.form_values(mark=False)
        if bad:
            return
        try:
            settings = self.settings.with_values(SOURCE, **{k: v for k, v in values.items() if v is not None})
        except SettingsError:
            return
        self.look(replace(settings, model=""))  # every served model, whichever one is chosen

    @work(exclusive=True, group="config-models", exit_on_error=False)
    async def look(self, settings: Settings) -> None:
        try:
            info = await connect_once(settings, SOURCE)
        except PageIndexError:
            self.looks += 1
            self.show_models([], "no answer yet")
            return
        self.looks += 1
        self.show_models(list(info.models), "")

    def show_models(self, models: list[str], why: str) -> None:
        select = self.query_one("#model-list", Select)
        if models != self.served or (not models and select.prompt != why):
            self.served = models
            select.set_options([(m, m) for m in models])
            select.prompt = "served models" if models else (why or "served models")

    def show_served(self, info: ServerInfo) -> None:
        self.show_models(list(info.models), "")
        context = self.query_one("#field-context_length", Input)
        if info.context_source != "settings":
            context.placeholder = f"0 = the server's ({info.context_length})"
            self.served_context = info.context_length if info.context_source == "server" else 0
            self.refresh_notes()
