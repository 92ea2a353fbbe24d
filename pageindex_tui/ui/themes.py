"""Theme files: TOML with Textual `Theme` fields, loaded at start from `themes/` and the user's folder.

    name = "pageindex-dark"        # required; what the palette lists
    dark = true                    # required
    primary = "#5fafd7"            # required; every colour is "#rrggbb" or a CSS colour name
    secondary = "#87afaf"          # optional: secondary accent warning error success
    foreground = "#d0d0d0"         #           foreground background surface panel boost
    luminosity_spread = 0.15       # optional numbers, as in textual.theme.Theme
    text_alpha = 0.95

    [variables]                    # optional Textual design variables, e.g.
    "footer-key-foreground" = "#5fafd7"

A file that cannot be read, is not TOML, misses a required field, has an unknown field or a colour
that does not parse is skipped and reported; the others still load.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from textual.color import Color, ColorParseError
from textual.theme import Theme

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

COLOURS = (
    "primary",
    "secondary",
    "accent",
    "warning",
    "error",
    "success",
    "foreground",
    "background",
    "surface",
    "panel",
    "boost",
)
NUMBERS = ("luminosity_spread", "text_alpha")
ALLOWED = {"name", "dark", "variables", *COLOURS, *NUMBERS}


def _shipped_dir() -> Path:
    """`themes/` beside the package in a checkout, else where a regular install puts it (data-files)."""
    checkout = Path(__file__).resolve().parents[2] / "themes"
    installed = Path(sys.prefix) / "share" / "pageindex-tui" / "themes"
    return checkout if checkout.is_dir() or not installed.is_dir() else installed


SHIPPED_DIR = _shipped_dir()


class ThemeFileError(ValueError):
    pass


def parse_theme(data: dict[str, Any], origin: str) -> Theme:
    unknown = sorted(set(data) - ALLOWED)
    if unknown:
        raise ThemeFileError(f"{origin}: unknown field {', '.join(unknown)}")
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ThemeFileError(f"{origin}: `name` is required")
    if not isinstance(data.get("dark"), bool):
        raise ThemeFileError(f"{origin}: `dark` must be true or false")
    if "primary" not in data:
        raise ThemeFileError(f"{origin}: `primary` is required")
    fields: dict[str, Any] = {"name": name.strip(), "dark": data["dark"]}
    for key in COLOURS:
        if key in data:
            value = data[key]
            try:
                Color.parse(value)
            except (ColorParseError, TypeError, ValueError):
                raise ThemeFileError(f"{origin}: {key} = {value!r} is not a colour") from None
            fields[key] = value
    for key in NUMBERS:
        if key in data:
            if isinstance(data[key], bool) or not isinstance(data[key], (int, float)):
                raise ThemeFileError(f"{origin}: {key} must be a number")
            fields[key] = float(data[key])
    variables = data.get("variables", {})
    if not isinstance(variables, dict) or not all(isinstance(v, str) for v in variables.values()):
        raise ThemeFileError(f"{origin}: [variables] must map names to strings")
    fields["variables"] = dict(variables)
    return Theme(**fields)


def load_theme_file(path: Path) -> Theme:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise ThemeFileError(f"{path.name}: cannot read ({err.strerror})") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        raise ThemeFileError(f"{path.name}: not valid TOML ({err})") from None
    return parse_theme(data, path.name)


def load_themes(folders: list[Path]) -> tuple[list[Theme], list[str]]:
    """Themes from every `*.toml` in the folders (later folders win by name), and the problems found."""
    themes: dict[str, Theme] = {}
    problems: list[str] = []
    for folder in folders:
        try:
            files = sorted(folder.glob("*.toml"))
        except OSError:
            continue
        for path in files:
            try:
                theme = load_theme_file(path)
            except ThemeFileError as err:
                problems.append(str(err))
                continue
            themes[theme.name] = theme
    return list(themes.values()), problems
