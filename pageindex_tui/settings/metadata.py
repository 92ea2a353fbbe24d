"""What is known about one setting (`FieldInfo`: its label and widget, its flag, its rules), and how a
value given for it, as text or from TOML, becomes its value or a SettingsError that names its source.
`settings/__init__.py` declares the settings with it."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

from ..errors import SettingsError

YES = {"yes", "y", "true", "on", "1"}
NO = {"no", "n", "false", "off", "0"}

REQUIRED = object()  # FieldInfo.blank, .auto: an empty entry, the word "auto", is no value (an error)


@dataclass(frozen=True)
class FieldInfo:
    """What the front ends and the library need to know about one setting, kept next to its default."""

    label: str  # as the settings screen shows it
    help: str = ""  # one line under it
    screen: str = ""  # the settings screen's widget (text, password, model, int, float, temperature,
    # switch); "" = not on the screen
    placeholder: str = ""  # shown in an empty entry on the screen
    blank: Any = REQUIRED  # what an empty entry on the screen means
    section: str = "server"  # the settings file's table: server | index | ask
    shapes_tree: bool = False  # changes the tree a document gets: a saved index is reused only when equal
    secret: bool = False  # never shown, logged or written into a run record
    flag_group: str = ""  # the command line's flag group (server | index | ask); "" = no flag
    flag: str = ""  # the command-line flag's dest, where it differs from the name
    flag_help: str = ""  # the flag's help line
    low: float | None = None  # numbers: the least value (exclusive when low_open)
    high: float | None = None
    low_open: bool = False
    zero: bool = False  # numbers: 0 is accepted too, with its own meaning (see help), whatever low is
    out_of_range: str = ""  # the message for a number outside low..high
    auto: Any = REQUIRED  # the value the word "auto" gives it; REQUIRED: "auto" is not a value
    choices: tuple[str, ...] = ()  # text: the values it takes (any case), "" among them where it may be empty
    url: bool = False  # text: an http(s) URL, kept without a trailing /
    name: str = ""  # filled in from the field

    @property
    def option(self) -> str:
        """The command-line flag as it is typed: `--server-wait` (from `flag`, else the name)."""
        return f"--{(self.flag or self.name).replace('_', '-')}"


def _range_text(info: FieldInfo) -> str:
    def shown(number: float | None) -> str:
        return str(int(number)) if number is not None and number == int(number) else f"{number}"

    if info.high is None:
        return f"must be at least {shown(info.low)}"
    return f"must be between {shown(info.low)} and {shown(info.high)}"


def _in_range(info: FieldInfo, number: float) -> bool:
    if info.zero and number == 0:
        return True
    if info.low is not None and (number <= info.low if info.low_open else number < info.low):
        return False
    return info.high is None or number <= info.high


def convert(info: FieldInfo, kind: str, value: Any, source: str) -> Any:
    """The value of the setting `info` (whose annotation is `kind`) that `value` gives, checked against its
    rules; SettingsError naming `source` and where to fix it."""
    name = info.name

    def bad(why: str) -> SettingsError:
        hint = f"fix {info.option}" if source == "command line" else f"fix {name} in {source}"
        return SettingsError(f"{name} = {value!r} (from {source}) {why}", hint=hint)

    if kind == "bool":
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in YES:
            return True
        if text in NO:
            return False
        raise bad("is not yes or no")
    if info.auto is not REQUIRED and str(value).strip().lower() == "auto":
        return info.auto
    if kind == "int":
        if isinstance(value, bool):
            raise bad("is not a whole number")
        try:
            number = int(str(value).strip())
        except ValueError:
            raise bad("is not a whole number") from None
        if not _in_range(info, number):
            raise bad(info.out_of_range or _range_text(info))
        return number
    if kind in ("float", "float | None"):
        if value is None or (kind == "float | None" and not str(value).strip()):
            if kind == "float | None":
                return None
            raise bad("is required")
        try:
            real = float(str(value).strip())
        except ValueError:
            raise bad("is not a number") from None
        if not math.isfinite(real):
            raise bad("is not a finite number")
        if not _in_range(info, real):
            raise bad(info.out_of_range or _range_text(info))
        return real
    if not isinstance(value, str):  # a list, table, date, number or true/false from the settings file
        raise bad("is not text: give it in quotes")
    text = value.strip()
    if info.choices:
        text = text.lower()
        if text not in info.choices:
            empty = " (or empty)" if "" in info.choices else ""
            raise bad("is not one of " + ", ".join(c for c in info.choices if c) + empty)
    if info.url and (text or info.blank != ""):
        parsed = urlparse(text)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise bad("is not an http(s) URL such as http://localhost:8000/v1")
        text = text.rstrip("/")
    return text
