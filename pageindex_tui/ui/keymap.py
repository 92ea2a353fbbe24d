"""The user's keymap: the `[keys]` table of the settings file, which maps key ids (see `keys.py`) to
other keys. What cannot be used is skipped with a warning that names the id; it never stops the app."""

from __future__ import annotations

import difflib
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from textual.keys import Keys, _character_to_key

from .keys import KEY_IDS, shown_key

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

Keymap = dict[str, str]  # binding id -> Textual key names, comma separated

MODIFIERS = {"ctrl", "shift", "alt", "meta", "super", "hyper"}
KEY_NAMES = {k.value for k in Keys} | {_character_to_key(chr(c)) for c in range(33, 127)} | {"space"}


def normalize_keys(text: str) -> str:
    """Textual key names for what a user wrote ("?" -> "question_mark"); ValueError names the bad part."""
    out = []
    for raw in text.split(","):
        part = raw.strip()
        if len(part) == 1:  # a character as typed, including "," and "+" on their own
            out.append(_character_to_key(part))
            continue
        *mods, base = part.split("+")
        if not base or any(m.lower() not in MODIFIERS for m in mods):
            raise ValueError(f"{part!r} is not a key (modifiers are {', '.join(sorted(MODIFIERS))})")
        base = _character_to_key(base) if len(base) == 1 else base.lower()
        if base not in KEY_NAMES:
            raise ValueError(f"{part!r} is not a key name Textual knows (for example: f1, ctrl+o, escape, ?)")
        out.append("+".join([*(m.lower() for m in mods), base]))
    return ",".join(out)


def read_keymap(table: Mapping[str, Any]) -> tuple[Keymap, list[str]]:
    """The keymap in a `[keys]` table (flat "scope.name" keys or nested tables), and a warning per entry
    that cannot be used: an unknown id, or a value that is not a key."""
    flat: dict[str, Any] = {}
    for name, value in table.items():
        if isinstance(value, dict):
            flat.update({f"{name}.{sub}": v for sub, v in value.items()})
        else:
            flat[name] = value
    keymap: Keymap = {}
    why: dict[str, str] = {}  # id -> what is wrong with its entry
    for name, value in flat.items():
        if name not in KEY_IDS:
            continue  # said below, once the help screen's key is known
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            value = ",".join(value)
        if not isinstance(value, str) or not value.strip():
            why[name] = 'give the key as a string, such as "ctrl+o" or "j,down"'
            continue
        try:
            keymap[name] = normalize_keys(value)
        except ValueError as err:
            why[name] = str(err)
    for name in flat.keys() - KEY_IDS.keys():
        close = difflib.get_close_matches(name, KEY_IDS, n=1)
        hint = (
            f"did you mean {close[0]}?"
            if close
            else f"the help screen, {shown_key('app.help', keymap)}, lists what there is"
        )
        why[name] = f"there is no key with this id ({hint})"
    return keymap, [f"{name}: {why[name]}" for name in flat if name in why]


def load_keymap(path: Path) -> tuple[Keymap, list[str]]:
    """The `[keys]` table of the settings file at `path` (a missing or unreadable file: no remaps; the
    settings loader reports a broken file)."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}, []
    table = data.get("keys", {})
    if not isinstance(table, dict):
        return {}, [f'[keys] in {path} must be a table of key ids, such as "documents.index" = "n"']
    return read_keymap(table)
