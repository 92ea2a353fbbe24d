"""Text made safe to show or store: control characters made visible, credentials taken out of URLs.

Control characters, including ESC that starts ANSI sequences, are shown in caret notation as `cat -v`
does (ESC is `^[`, BEL `^G`, DEL `^?`; C1 controls as `\\x9b`), so a terminal never acts on them and
every font can draw them. File names, PDF text and servers' error messages all pass through here before
a front end shows them. URLs lose their password (`http://user:***@host/v1`) wherever they are shown,
logged or written to a run record.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# scheme://user:password@ or scheme://token@ inside any text
_URL_CREDENTIALS = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)(?P<user>[^\s/@:]*)(?::[^\s/@]*)?@")
HIDDEN = "***"


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


def redact_url(url: str) -> str:
    """The URL without its password (or a lone token in the user part): `http://user:***@host/v1`."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return redact_text(url)
    if "@" not in parts.netloc:
        return url
    userinfo, host = parts.netloc.rsplit("@", 1)
    user = userinfo.split(":", 1)[0]
    shown = f"{user}:{HIDDEN}" if ":" in userinfo else HIDDEN
    return urlunsplit(parts._replace(netloc=f"{shown}@{host}"))


def redact_text(text: str) -> str:
    """Every URL inside `text` without its credentials."""

    def hide(match: re.Match[str]) -> str:
        whole = match.group(0)
        user = match.group("user")
        has_password = whole[len(match.group("scheme")) + len(user)] == ":"
        return match.group("scheme") + (f"{user}:{HIDDEN}@" if has_password else f"{HIDDEN}@")

    return _URL_CREDENTIALS.sub(hide, text) if "@" in text else text


def shown(text: str) -> str:
    """Text from outside (file names, server replies) made fit for one terminal line: no credentials,
    no live control characters."""
    return one_line(redact_text(text))


def counted(count: int, word: str, words: str = "") -> str:
    """'1 call', '2 calls', '1 child', '3 children' (`words`: the plural when it is not `word` + s)."""
    return f"{count} {word if count == 1 else (words or word + 's')}"
