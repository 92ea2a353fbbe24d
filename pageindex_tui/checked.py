"""Reading back what we wrote: JSON values checked field by field, and files read through one reader.

Every file the tool reads back (a saved tree, a library entry, `paths.json`, a run record) is JSON that
someone may have edited, truncated or replaced. Its reader takes values only through these checks: a
value of the wrong type, a number that is not finite or out of range, nesting or size beyond the bounds
raises `DamagedFile` naming the field and what was wrong, and `read_json` adds the file's path. Nothing
in a file's content can end in a traceback. A field that is missing or null takes its default (older
versions wrote fewer fields); one that is present with a wrong value is damage.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from .errors import DamagedFile

T = TypeVar("T")

MAX_FILE_BYTES = 256 << 20  # a saved tree with every node's text of a very large document fits
MAX_NUMBER = 10**9  # pages, lines, counts: far beyond any document, small enough for any arithmetic


def field(where: str, name: str | int) -> str:
    """The path of a field inside `where`: `structure[2].nodes` from ("structure[2]", "nodes")."""
    if isinstance(name, int):
        return f"{where}[{name}]"
    if not name.isidentifier():  # a key from the file itself (a path in paths.json): quoted, escaped
        return f"{where}[{_shown(name)}]"
    return f"{where}.{name}" if where else name


def _shown(value: Any) -> str:
    """A value as the message shows it, cut short."""
    try:
        text = json.dumps(value, allow_nan=True)  # escaped: no control character reaches a terminal
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def damaged(where: str, problem: str) -> DamagedFile:
    return DamagedFile(problem, field=where)


def obj(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise damaged(where, f"should be an object, not {_shown(value)}")
    return value


def seq(value: Any, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise damaged(where, f"should be a list, not {_shown(value)}")
    return value


def text(value: Any, where: str, default: str = "") -> str:
    """A string; missing (None) gives `default`."""
    if value is None:
        return default
    if not isinstance(value, str):
        raise damaged(where, f"should be a string, not {_shown(value)}")
    return value


def opt_text(value: Any, where: str) -> str | None:
    return None if value is None else text(value, where)


def choice(value: Any, where: str, options: tuple[T, ...]) -> T:
    """One of a closed set of words (a Literal's values)."""
    if value not in options:
        raise damaged(where, f"should be one of {', '.join(map(str, options))}, not {_shown(value)}")
    return value  # type: ignore[no-any-return]


def flag(value: Any, where: str, default: bool = False) -> bool:
    """true or false; None gives `default`."""
    if value is None:
        return default
    if not isinstance(value, bool):
        raise damaged(where, f"should be true or false, not {_shown(value)}")
    return value


def whole(value: Any, where: str, default: int = 0, minimum: int = 0, maximum: int = MAX_NUMBER) -> int:
    """A whole number in [minimum, maximum] (an integral float such as 3.0 counts); None gives `default`."""
    if value is None:
        return default
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise damaged(where, f"should be a whole number, not {_shown(value)}")
    if not minimum <= value <= maximum:
        raise damaged(where, f"should be between {minimum} and {maximum}, not {value}")
    return value


def number(value: Any, where: str, default: float = 0.0, minimum: float = 0.0) -> float:
    """A finite number >= minimum; None gives `default`."""
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise damaged(where, f"should be a number, not {_shown(value)}")
    if not math.isfinite(value) or value < minimum or value > MAX_NUMBER:
        raise damaged(where, f"should be a finite number from {minimum}, not {_shown(value)}")
    return float(value)


def file_name(value: Any, where: str) -> str:
    """The name of a file in the same folder: no separators, not "." or ".."; None gives ""."""
    if value is None:
        return ""
    name = text(value, where)
    if name in ("", ".", "..") or "/" in name or "\\" in name or "\0" in name:
        raise damaged(where, f"should be a file name, not {_shown(value)}")
    return name


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def parse(raw: str) -> Any:
    """JSON text as values; raises DamagedFile for text that is not strict JSON (NaN and Infinity are
    not), or nested too deep for the parser."""
    try:
        return json.loads(raw, parse_constant=_refuse_constant)
    except RecursionError:
        raise DamagedFile("nested too deep to read") from None
    except ValueError as err:
        raise DamagedFile(f"not valid JSON ({err})") from None


def read_json(path: Path, reader: Callable[[Any], T], max_bytes: int = MAX_FILE_BYTES) -> T:
    """The file's JSON through `reader`; raises OSError when it cannot be read, DamagedFile (naming the
    file) for anything wrong in its content."""
    path = Path(path)
    with open(path, "rb") as handle:
        raw = handle.read(max_bytes + 1)
    try:
        if len(raw) > max_bytes:
            raise DamagedFile(f"larger than {max_bytes >> 20} MiB")
        try:
            decoded = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise DamagedFile("not UTF-8 text") from None
        return reader(parse(decoded))
    except DamagedFile as err:
        raise err.of(path) from None
    except RecursionError:
        raise DamagedFile("nested too deep to read", path=str(path)) from None
