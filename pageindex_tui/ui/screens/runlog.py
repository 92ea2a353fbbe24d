"""`L`: one document's warnings and log, from its run record: fallbacks, context overflows, retried and
failed calls with their whole error texts, settings that do not work together.

    app.push_screen(LogScreen(run_log))      # a `runlog.RunLog`, built by the app from the record

Everything is shown whole and literally (text from a PDF, a model or a server is never markup).
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from ...store.runlog import RunLog
from ..keys import bindings, shown_key
from ..literal import literal

SECTION_CLASS = {"error": "-error", "overflow": "-warning", "fallback": "-warning", "retry": "-retry"}


class LogScreen(ModalScreen[None]):
    BINDINGS = bindings("log")
    DEFAULT_CSS = """
    LogScreen { align: center middle; }
    LogScreen > VerticalScroll {
        width: 120; max-width: 96%; height: 90%;
        border: round $primary; background: $surface; padding: 0 1;
    }
    LogScreen .log-facts { color: $text-muted; margin-bottom: 1; }
    LogScreen .log-section { text-style: bold; color: $primary; margin-top: 1; }
    LogScreen .log-section.-error { color: $error; }
    LogScreen .log-section.-warning { color: $warning; }
    LogScreen .log-section.-retry { color: $accent; }
    LogScreen .log-entry { padding-left: 2; }
    LogScreen .log-empty { color: $success; margin-top: 1; }
    """

    def __init__(self, log: RunLog) -> None:
        super().__init__()
        self.run_log = log

    def compose(self) -> ComposeResult:
        log = self.run_log
        with VerticalScroll(id="log-body") as body:
            body.border_title = Text(f"Log · {literal(log.name)}")
            down, up, close = (shown_key(f"log.{name}", self.app) for name in ("down", "up", "close"))
            body.border_subtitle = f"{down}/{up}: scroll · {close}: close"
            if log.facts:
                yield Static(Text("\n".join(literal(fact) for fact in log.facts)), classes="log-facts")
            sections = log.sections()
            if not sections:
                yield Static(Text("No warnings, retried calls or errors."), classes="log-empty")
            for title, entries in sections:
                key = entries[0].section
                classes = f"log-section {SECTION_CLASS.get(key, '')}".strip()
                yield Static(Text(f"{title} ({len(entries)})"), classes=classes)
                for entry in entries:
                    yield Static(self.entry_text(entry.text, entry.where), classes="log-entry")

    @staticmethod
    def entry_text(text: str, where: str) -> Text:
        out = Text("• ")
        if where:
            out.append(literal(where), style="italic")
            out.append(": ")
        out.append(literal(text))
        return out

    @property
    def body(self) -> VerticalScroll:
        return self.query_one("#log-body", VerticalScroll)

    def action_scroll(self, direction: str) -> None:
        self.body.scroll_relative(y=1 if direction == "down" else -1, animate=False)

    def action_top(self) -> None:
        self.body.scroll_home(animate=False)

    def action_bottom(self) -> None:
        self.body.scroll_end(animate=False)
