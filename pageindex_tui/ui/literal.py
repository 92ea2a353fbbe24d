"""Text from PDFs and from the model, made safe to show exactly as it is.

Nothing here is ever parsed as markup: callers build `rich.text.Text` objects (never markup strings)
from these helpers. Control characters, including ESC that starts ANSI sequences, are shown in caret
notation as `cat -v` does (ESC is `^[`, BEL `^G`, DEL `^?`; C1 controls as `\x9b`), so the terminal
never acts on them and every font can draw them.
"""

from __future__ import annotations

import re

from rich.text import Text

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _picture(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 0x20:
        return "^" + chr(code + 64)  # ^@ .. ^_ (ESC is ^[)
    if code == 0x7F:
        return "^?"
    return f"\\x{code:02x}"  # C1 controls (0x80-0x9f)


def literal(text: str) -> str:
    """`text` with tabs expanded, CR/LF normalised and every other control character made visible."""
    if not text:
        return ""
    text = text.replace("\r\n", "\n").replace("\t", "    ")
    return _CONTROL.sub(_picture, text)


def one_line(text: str, limit: int = 0) -> str:
    """`literal` on a single line (newlines become spaces), cut to `limit` characters when given."""
    out = " ".join(literal(text).split("\n")).strip()
    if limit and len(out) > limit:
        out = out[: max(1, limit - 1)] + "…"
    return out


def plain(text: str, style: str = "") -> Text:
    """A Text that shows `text` literally (no markup, no escapes)."""
    return Text(literal(text), style=style)
