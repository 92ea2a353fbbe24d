"""What the app remembers between runs that is not an engine setting: the theme."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import platformdirs

from ..settings import APP_NAME
from ..store.files import atomic_write_text

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


def config_dir() -> Path:
    return Path(platformdirs.user_config_dir(APP_NAME))


def prefs_path() -> Path:
    return config_dir() / "ui.toml"


def user_themes_dir() -> Path:
    return config_dir() / "themes"


def load_prefs(path: Path | None = None) -> dict[str, Any]:
    try:
        data = tomllib.loads((path or prefs_path()).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def save_prefs(prefs: dict[str, Any], path: Path | None = None) -> None:
    import tomli_w

    atomic_write_text(path or prefs_path(), tomli_w.dumps(prefs), mode=0o600)
