"""The gauges corner: the GPU and server gauges (`widgets/gauges.py`), or a placeholder where tests turn
the live polling off. Its own keys are the gauges widget's (expand, hide); the app's keys call these."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.containers import Container
from textual.widgets import Static

from ...settings import Settings


class GaugesBox(Container):
    def __init__(self, settings: Settings, live: bool, *, id: str) -> None:
        super().__init__(id=id, classes="pane")
        self.settings, self.live = settings, live

    def compose(self) -> ComposeResult:
        if self.live:
            from ..widgets.gauges import GaugesPane  # NVML and httpx load only when shown

            yield GaugesPane(self.settings, id="gauges-pane")
        else:
            yield Static("gauges off", id="gauges-placeholder")

    def on_mount(self) -> None:
        self.border_title = "Gauges"

    @property
    def pane(self) -> Any:
        """The gauges widget, or None when the gauges are off."""
        from ..widgets.gauges import GaugesPane

        panes = self.query(GaugesPane)
        return panes.first() if panes else None

    @property
    def gpu_sampler(self) -> Any:
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
            self.pane.apply_settings(settings)  # watch the new endpoint
