"""The doctor report as a screen: the same text `pageindex-tui doctor` prints, with its marks coloured.

    app.push_screen(DoctorScreen(app.settings))

It runs the checks in a worker when it opens (`r` runs them again), `c` copies the recommended
`vllm serve` command (OSC 52), `esc` closes it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from ...monitor.doctor import DoctorReport, render_report, run_doctor, wrap_rows
from ...monitor.gpu import GpuSampler
from ...safe_text import redact_text
from ...settings import Settings
from ..keys import bindings, shown_key
from ..literal import literal
from ..widgets.gauge_parts import without_background
from .help import scroll

MARK_CLASSES = {
    "[ok]": "doctor--ok",
    "[info]": "doctor--info",
    "[warn]": "doctor--warn",
    "[FAIL]": "doctor--fail",
}


REPORT_CLASSES = {  # the component classes styled_report styles with; report_css colours them
    "doctor--ok",
    "doctor--info",
    "doctor--warn",
    "doctor--fail",
    "doctor--heading",
    "doctor--command",
}


def report_css(screen: str) -> str:
    """The colours of REPORT_CLASSES, as the CSS of the screen class named `screen` (its own selector)."""
    return f"""
    {screen} > .doctor--ok {{ color: $success; text-style: bold; }}
    {screen} > .doctor--info {{ color: $text-muted; }}
    {screen} > .doctor--warn {{ color: $warning; text-style: bold; }}
    {screen} > .doctor--fail {{ color: $error; text-style: bold; }}
    {screen} > .doctor--heading {{ color: $primary; text-style: bold; }}
    {screen} > .doctor--command {{ color: $accent; }}
    """


def styled_report(plain: str, width: int, style_of: Callable[[str], Style]) -> Text:
    """A plain report (doctor's, the plan's) with its marks, headings and command coloured by the
    component classes `style_of` gives (`doctor--ok`, ..., `doctor--heading`, `doctor--command`); text
    stays literal; lines longer than `width` wrap under their own text, as the CLI wraps them."""

    def style(name: str) -> Style:
        return without_background(style_of(name))

    out = Text()
    for line in plain.splitlines():
        text = Text(literal(redact_text(line)))
        stripped = line.strip()
        mark = stripped.split(" ", 1)[0] if stripped.startswith("[") else ""
        if mark in MARK_CLASSES:
            start = line.index(mark)
            text.stylize(style(MARK_CLASSES[mark]), start, start + len(mark))
        elif line and not line.startswith(" "):
            text.stylize(style("doctor--heading"))
        elif stripped.startswith(("vllm serve", "--")):
            text.stylize(style("doctor--command"))
        elif stripped.startswith("fix:"):
            text.stylize(style("doctor--info"))
        indent, rows = wrap_rows(text.plain, width) if width > 0 else (0, [(0, len(text))])
        for number, (start, end) in enumerate(rows):
            out.append(" " * indent if number else "")
            out.append_text(text[start:end])
            out.append("\n")
    return out


class DoctorScreen(ModalScreen[None]):
    BINDINGS = bindings("doctor")
    COMPONENT_CLASSES: ClassVar[set[str]] = REPORT_CLASSES
    DEFAULT_CSS = """
    DoctorScreen { align: center middle; }
    DoctorScreen > VerticalScroll {
        width: 110; max-width: 96%; height: 90%;
        border: round $primary; background: $surface; padding: 0 1; scrollbar-gutter: stable;
    }
    """ + report_css("DoctorScreen")

    def __init__(
        self,
        settings: Settings,
        *,
        endpoints: Sequence[str] | None = None,
        gpu_sampler: GpuSampler | None = None,
        report: DoctorReport | None = None,
    ) -> None:
        super().__init__()
        self.settings, self.endpoints, self.gpu_sampler = settings, endpoints, gpu_sampler
        self.report = report

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="doctor-body") as body:
            body.border_title = "Doctor"
            keys = [shown_key(key_id, self.app) for key_id in ("doctor.rerun", "doctor.copy", "doctor.close")]
            body.border_subtitle = "{}: check again · {}: copy command · {}: close".format(*keys)
            yield Static(Text("Checking the GPUs and the server …"), id="doctor-report")

    def on_mount(self) -> None:
        if self.report is not None:
            self.show(self.report)
        else:
            self.action_rerun()

    def action_rerun(self) -> None:
        self.query_one("#doctor-report", Static).update(Text("Checking the GPUs and the server …"))
        self._run()

    @work(exclusive=True, group="doctor", exit_on_error=False)
    async def _run(self) -> None:
        report = await run_doctor(self.settings, endpoints=self.endpoints, gpu_sampler=self.gpu_sampler)
        self.show(report)

    def show(self, report: DoctorReport) -> None:
        self.report = report
        width = self.query_one("#doctor-body", VerticalScroll).scrollable_content_region.width
        if not width:  # not laid out yet
            self.call_after_refresh(self.show, report)
            return
        self.query_one("#doctor-report", Static).update(self.styled(render_report(report), width))

    def on_resize(self) -> None:
        if self.report is not None:
            self.call_after_refresh(self.show, self.report)  # wrapped again for the new width, once laid out

    def styled(self, plain: str, width: int = 0) -> Text:
        """The plain report with its marks, headings and the command coloured (text stays literal);
        lines longer than `width` wrap under their own text, as the CLI wraps them."""
        return styled_report(plain, width, lambda name: self.get_component_rich_style(name))

    def action_scroll(self, direction: str) -> None:
        scroll(self.query_one("#doctor-body", VerticalScroll), direction)

    def action_copy_command(self) -> None:
        rec = self.report.recommendation if self.report else None
        if rec is None:
            self.notify(
                "There is no command to copy: no GPU was found here, or no model fits it.", severity="warning"
            )
            return
        self.app.copy_to_clipboard(rec.command(multiline=False))
        self.notify("Copied the vllm serve command.")
