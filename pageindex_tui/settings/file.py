"""The settings file: reading its TOML (flat, or in [server], [index] and [ask] tables, with the front ends'
own tables such as [keys] kept apart) and writing it back without the values that only override it; and
`load_settings`, which layers defaults < that file < environment < command-line flags."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from ..errors import SettingsError
from . import ENV_VARS, FIELD_NAMES, SECTIONS, Settings, config_path

FRONT_END_TABLES = ("keys",)  # tables of the settings file that are not settings (keys: the app's keymap)


def read_file(path: Path) -> dict[str, Any]:
    """The settings table of a TOML file; a missing file is empty."""
    return {k: v for k, v in _read_toml(path).items() if k not in FRONT_END_TABLES}


def _read_toml(path: Path) -> dict[str, Any]:
    """The file's settings, flattened, with the front ends' own tables kept whole."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return {}
    except OSError as err:
        raise SettingsError(f"cannot read settings file {path}: {err.strerror}") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        message = f"settings file {path} is not valid TOML: {err}"
        raise SettingsError(message, hint="fix or delete it") from None
    # Accept a flat file or one with [server]/[index] tables; each setting once.
    flat: dict[str, Any] = {}
    where: dict[str, str] = {}
    for key, value in data.items():
        if key in FRONT_END_TABLES:
            flat[key] = value
            continue
        if isinstance(value, dict) and key in SECTIONS:
            items = list(value.items())
        elif isinstance(value, dict):
            what = (
                f"setting {key!r} is a table, not a value" if key in FIELD_NAMES else f"unknown table {key!r}"
            )
            tables = ", ".join(f"[{name}]" for name in (*SECTIONS, *FRONT_END_TABLES))
            raise SettingsError(
                f"settings file {path}: {what}", hint=f"settings go at the top level or in {tables}"
            )
        else:
            items = [(key, value)]
        place = f"[{key}]" if isinstance(value, dict) else "the top level"
        for name, item in items:
            if name in flat:
                raise SettingsError(
                    f"settings file {path}: {name!r} is set twice, at {where[name]} and in {place}",
                    hint="keep one of them",
                )
            flat[name], where[name] = item, place
    return flat


# --- writing the settings file --------------------------------------------------------------------
def is_override(source: str) -> bool:
    """True for values that came from the environment, the command line or --local (including the
    defaults --local sets for its bundled model): never saved."""
    return source.startswith(("environment", "--local")) or source == "command line"


def save_settings(settings: Settings, path: Path | None = None) -> Path:
    """Write the settings to the TOML file (mode 0600), in [server], [index] and [ask] tables.

    Values that came from the environment or the command line are not written: the file keeps what it
    had for them. Defaults the file never held are left out; `temperature = None` (auto) is left out.
    """
    import tomli_w

    from ..store.files import PRIVATE_FILE, PRIVATE_FOLDER, atomic_write_text

    path = config_path() if path is None else Path(path)
    path = Path(os.path.realpath(path))  # through a symlinked config.toml: the link stays a link
    try:
        raw = _read_toml(path)
    except SettingsError:
        raw = {}
    existing = {k: v for k, v in raw.items() if k not in FRONT_END_TABLES}
    values: dict[str, Any] = {}
    for name in FIELD_NAMES:
        source = settings.source(name)
        if is_override(source):
            if name in existing:
                values[name] = existing[name]
            continue
        value = getattr(settings, name)
        if value is None or (source == "default" and name not in existing):
            continue
        values[name] = value
    document: dict[str, Any] = {}  # every field is in a section's table
    for section, names in SECTIONS.items():
        table = {name: values[name] for name in names if name in values}
        if table:
            document[section] = table
    document.update({name: raw[name] for name in FRONT_END_TABLES if isinstance(raw.get(name), dict)})
    text = "# pageindex-tui settings (written by the app; environment variables and flags override these)\n"
    text += tomli_w.dumps(document)
    atomic_write_text(path, text, mode=PRIVATE_FILE, folder_mode=PRIVATE_FOLDER)  # a key may be in it
    return path


def from_environment(env: Mapping[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    """Values found in the environment, and the variable each came from."""
    values: dict[str, str] = {}
    origin: dict[str, str] = {}
    for name, variables in ENV_VARS.items():
        for var in variables:
            if env.get(var):
                values[name] = env[var]
                origin[name] = var
                break
    return values, origin


def load_settings(
    flags: Mapping[str, Any] | None = None,
    env: Mapping[str, str] | None = None,
    path: Path | None = None,
) -> Settings:
    """Settings from defaults, the TOML file, the environment and flags, in rising priority."""
    env = os.environ if env is None else env
    path = config_path() if path is None else path
    settings = Settings().with_values(f"settings file {path}", **read_file(path))
    env_values, origin = from_environment(env)
    for name, value in env_values.items():
        settings = settings.with_values(f"environment {origin[name]}", **{name: value})
    return settings.with_values("command line", **dict(flags or {}))
