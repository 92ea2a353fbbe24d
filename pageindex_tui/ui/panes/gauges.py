"""The gauges corner: the GPU and server gauges (`widgets/gauges.py`), or a placeholder where tests turn
the live polling off. Its own keys are the gauges widget's (expand, hide); the app's keys call these.
Once a second it hands the gauges our own measured stream rate (`Workbench.meter`), which they show
where the server's token counters are missing or flat. `also`: more endpoints to watch beside the
settings' one (`pageindex-tui --also URL`, replicas behind a router), one server card each."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Container
from textual.widgets import Static

from ...jobs.batch import BatchReading
from ...settings import Settings
from ...workbench.state import Workbench
from ..literal import one_line

if TYPE_CHECKING:
    from ...monitor.gpu import GpuSampler
    from ..widgets.gauges import GaugesPane  # loaded when the gauges are first shown (NVML, httpx)

MEASURE_EVERY = 1.0  # seconds between our stream rate's updates


class GaugesBox(Container):
    def __init__(
        self,
        settings: Settings,
        live: bool,
        model: Workbench | None = None,
        *,
        also: Sequence[str] = (),
        id: str,
    ) -> None:
        super().__init__(id=id, classes="pane")
        self.settings, self.live, self.model, self.also = settings, live, model, list(also)

    def endpoints(self) -> list[str]:
        """The endpoint we call first, then each other one, each once."""
        return list(dict.fromkeys([self.settings.endpoint, *self.also]))

    def compose(self) -> ComposeResult:
        if self.live:
            from ..widgets.gauges import GaugesPane  # NVML and httpx load only when shown

            yield GaugesPane(self.settings, endpoints=self.endpoints(), id="gauges-pane")
        else:
            yield Static("gauges off", id="gauges-placeholder")

    def on_mount(self) -> None:
        self.border_title = "Gauges"
        if self.live and self.model is not None:
            self.set_interval(MEASURE_EVERY, self.measure)

    def measure(self) -> None:
        """Hand the gauges our stream rate over the last seconds (None when nothing streamed)."""
        if self.pane is not None and self.model is not None:
            self.pane.show_measured(self.model.meter.rate(self.model.clock()))

    def show_limit(self, reading: BatchReading) -> None:
        """Our bound on calls in flight and why it last moved, under the server's own figures."""
        self.border_subtitle = Text(one_line(reading.limit_text(), 120))

    @property
    def pane(self) -> GaugesPane | None:
        """The gauges widget, or None when the gauges are off."""
        from ..widgets.gauges import GaugesPane

        panes = self.query(GaugesPane)
        return panes.first() if panes else None

    @property
    def gpu_sampler(self) -> GpuSampler | None:
        pane = self.pane
        return pane.gpu_sampler if pane is not None else None

    def toggle_hidden(self) -> None:
        if self.pane is not None:
            self.pane.toggle_hidden()

    def toggle_expanded(self) -> None:
        if self.pane is not None:
            self.pane.toggle_expanded()

    def focus_pane(self) -> None:
        if self.pane is not None:
            self.pane.focus_pane()

    def apply_settings(self, settings: Settings) -> None:
        self.settings = settings
        if self.pane is not None:
            self.pane.apply_settings(settings, self.endpoints())  # watch the new endpoint
