"""Markdown documents: lines and ATX headings, skipping fenced code blocks as CommonMark does."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ..errors import EmptyDocument, UnsupportedDocument
from .base import Entry, Unit
from .files import read_document_bytes

__all__ = ["Heading", "MarkdownDocument", "find_headings", "open_markdown"]


@dataclass(frozen=True)
class Heading:
    title: str  # text after the #'s, closing #'s removed, stripped
    level: int  # 1..6
    line_num: int  # 1-based line number in the file


# An ATX heading: up to 3 spaces, 1-6 '#', then a space/tab or the end of the line.
_ATX = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?[ \t]*$")
# The optional closing sequence: #'s preceded by a space/tab (or making up the whole content).
_CLOSING = re.compile(r"(?:^|[ \t]+)#+[ \t]*$")
# A code fence opening: up to 3 spaces, then 3+ backticks or 3+ tildes, then an info string.
_FENCE_OPEN = re.compile(r"^ {0,3}(`{3,}|~{3,})(.*)$")


def _is_fence_close(line: str, char: str, length: int) -> bool:
    stripped = line.lstrip(" ")
    if len(line) - len(stripped) > 3:
        return False
    run = len(stripped) - len(stripped.lstrip(char))
    return run >= length and not stripped[run:].strip(" \t")


def find_headings(lines: list[str]) -> list[Heading]:
    """ATX headings in `lines`, outside fenced code blocks; headings with no text are skipped."""
    headings: list[Heading] = []
    fence: tuple[str, int] | None = None  # (fence character, opening length) while inside a fence
    for number, line in enumerate(lines, start=1):
        if fence is not None:
            if _is_fence_close(line, *fence):
                fence = None
            continue
        opening = _FENCE_OPEN.match(line)
        if opening and not (opening.group(1)[0] == "`" and "`" in opening.group(2)):
            fence = (opening.group(1)[0], len(opening.group(1)))
            continue
        match = _ATX.match(line)
        if not match:
            continue
        title = _CLOSING.sub("", match.group(2) or "").strip()
        if title:
            headings.append(Heading(title=title, level=len(match.group(1)), line_num=number))
    return headings


class MarkdownDocument:
    """A Markdown file read as UTF-8. Build it with `open_markdown`."""

    kind = "markdown"
    unit: Unit = "line"

    def __init__(self, path: Path | str, content: str) -> None:
        self.path = Path(path)
        self.name = self.path.name
        self.content = content
        self.lines: list[str] = [line.removesuffix("\r") for line in content.split("\n")]
        self.line_count: int = content.count("\n") + 1
        self.headings: list[Heading] = find_headings(self.lines)
        self.warnings: list[str] = []

    def section_text(self, line_num: int, end_line: int | None) -> str:
        """Lines `line_num` (1-based) up to, not including, `end_line` (None: to the end), joined by "\\n"."""
        start = max(1, line_num) - 1
        stop = None if end_line is None else max(start, end_line - 1)
        return "\n".join(self.lines[start:stop])

    # --- the document interface (base.Document) ------------------------------------------------
    @property
    def size(self) -> int:
        return self.line_count

    @property
    def doc_name(self) -> str:
        return self.path.stem  # as PageIndex names Markdown documents

    def entries(self) -> list[Entry]:
        """The headings as sections (level 0 for `#`)."""
        return [Entry(h.title, h.level - 1, h.line_num, "markdown") for h in self.headings]

    def node_text(self, start: int, end: int) -> str:
        """The node's own lines: from its heading to the next heading of any level (its children's text
        is theirs). `end` is not needed: a Markdown node's text ends where the next heading starts."""
        later = [h.line_num for h in self.headings if h.line_num > start]
        return self.section_text(start, min(later) if later else None)

    def __repr__(self) -> str:
        return f"MarkdownDocument({str(self.path)!r}, lines={self.line_count}, headings={len(self.headings)})"


def open_markdown(path: Path | str) -> MarkdownDocument:
    """Read a Markdown file; raises EmptyDocument, UnsupportedDocument (not UTF-8) or DocumentError."""
    path = Path(path)
    data = read_document_bytes(path, "Markdown", ".md")
    try:
        content = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise UnsupportedDocument(
            f"{path} is not valid UTF-8 text (byte 0x{data[err.start]:02x} at offset {err.start})",
            "save it as UTF-8, e.g. `iconv -f latin1 -t utf-8 in.md > out.md`",
        ) from None
    if not content.strip():
        raise EmptyDocument(f"{path} is empty", "check that this is the Markdown file you meant")
    return MarkdownDocument(path, content)
