"""A node's page text on the whole screen: the reader (`widgets/reader.py`) opened at given pages with a
cited quote highlighted. The Ask screen opens it for a citation, and for a node of its tree."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer, Static

from ... import export
from ...errors import PageIndexError
from ...index.tree import Node
from ...workbench.reading import ReaderText
from ..literal import one_line
from ..widgets.reader import Reader


class ReaderScreen(Screen[None]):
    DEFAULT_CSS = """
    ReaderScreen { layout: vertical; }
    ReaderScreen > #reader-title { height: auto; padding: 0 1; background: $panel; color: $text; }
    ReaderScreen > Reader { border: round $primary; padding: 0 0 0 1; }
    """

    def __init__(
        self,
        doc: Path,
        node: Node,
        title: Text,
        *,
        at: int | None = None,
        cited: tuple[int, ...] = (),
        quote: str = "",
        opened: dict[str, Any] | None = None,
    ) -> None:
        super().__init__()
        self.doc, self.node, self.title_text = doc, node, title
        self.at, self.cited, self.quote = at, cited, quote
        self._opened = opened if opened is not None else {}  # the caller's open document, kept between reads

    def compose(self) -> ComposeResult:
        yield Static(self.title_text, id="reader-title")
        yield Reader(id="reader")
        yield Footer(compact=True)

    @property
    def reader(self) -> Reader:
        return self.query_one("#reader", Reader)

    def on_mount(self) -> None:
        self.reader.border_title = one_line(self.node.title, 80) or "(untitled)"
        self.reader.show(ReaderText(None, "loading page text ..."))
        self.reader.focus_text()
        self._read()

    @work(thread=True, group="reader-text", exclusive=True, exit_on_error=False)
    def _read(self) -> None:
        try:
            text = export.node_text(self.doc, self.node, self._opened)
        except Exception as err:  # a damaged or vanished file: say so, never a traceback
            why = err.describe() if isinstance(err, PageIndexError) else str(err)
            self.app.call_from_thread(self._show, None, f"cannot read {self.doc.name}: {why}")
            return
        self.app.call_from_thread(self._show, text, "")

    def _show(self, text: export.NodeText | None, note: str) -> None:
        if not self.is_attached:
            return
        self.reader.show(ReaderText(text, note, self.cited), self.at, self.quote)
        if text is not None:
            self.reader.border_subtitle = one_line(text.heading, 60)

    def on_reader_closed(self, message: Reader.Closed) -> None:
        message.stop()
        self.dismiss(None)
