"""The gauges pane: GPUs (NVML) and model servers (HTTP) at a glance.

    GaugesPane(settings)                          # polls the GPUs and settings.endpoint once a second
    GaugesPane(settings, endpoints=[a, b])        # several servers (replicas behind a router)
    GaugesPane(settings, gpu_sampler=GpuSampler(FakeNVML([...])), poll=False)  # tests: show_*() feed it

Sampling runs off the UI thread: NVML in `asyncio.to_thread`, HTTP with httpx's async client, metrics
parsed in a thread. The pane keeps what it last knew about a server that goes down (dimmed) and keeps the
same lines for every state, so nothing jumps or flickers; polling backs off while a server is down.

Layout follows the space it gets: cards (about 40 columns each, side by side when there is room) when
the pane is tall enough, one line per GPU and server when it is not, everything on one line in a
one-line strip. `toggle_expanded` maximizes the pane (cards); `toggle_hidden` hides it (or the
container `#gauges` it sits in); `focus_pane` shows and focuses it.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import Sequence
from typing import ClassVar

from rich.console import Group
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.geometry import Size
from textual.strip import Strip
from textual.widget import Widget

from ...monitor.gpu import GpuSampler, GpuSnapshot
from ...monitor.server import UP, ServerMonitor, ServerStatus
from ...settings import Settings
from ..keys import bindings
from ..messages import ServerStateChanged
from .gauge_cards import render_lines
from .gauge_parts import HISTORY, ServerView, Styles, pick_rate, without_background


class GaugesPane(Widget, can_focus=True):
    """GPU and server gauges. `GaugesPane(settings, gpu_sampler=None, endpoints=None)`."""

    ALLOW_MAXIMIZE = True
    BINDINGS = bindings("gauges")
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "gauges--ok",
        "gauges--warn",
        "gauges--bad",
        "gauges--muted",
        "gauges--label",
        "gauges--track",
        "gauges--spark",
        "gauges--title",
    }
    DEFAULT_CSS = """
    GaugesPane { width: 1fr; height: 1fr; overflow: hidden hidden; }
    GaugesPane.-maximized { padding: 1 2; }
    GaugesPane > .gauges--ok { color: $success; }
    GaugesPane > .gauges--warn { color: $warning; }
    GaugesPane > .gauges--bad { color: $error; text-style: bold; }
    GaugesPane > .gauges--muted { color: $text-muted; }
    GaugesPane > .gauges--label { color: $text-muted; }
    GaugesPane > .gauges--track { color: $foreground 15%; }
    GaugesPane > .gauges--spark { color: $accent; }
    GaugesPane > .gauges--title { color: $text; text-style: bold; }
    """

    def __init__(
        self,
        settings: Settings,
        gpu_sampler: GpuSampler | None = None,
        endpoints: Sequence[str] | None = None,
        *,
        interval: float = 1.0,
        timeout: float = 2.0,
        max_backoff: float = 15.0,
        poll: bool = True,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.settings = settings
        self.interval = interval
        self._own_sampler = gpu_sampler is None
        self.gpu_sampler = gpu_sampler if gpu_sampler is not None else GpuSampler()
        self.endpoints = list(endpoints) if endpoints else [settings.endpoint]
        self.timeout, self.max_backoff = timeout, max_backoff
        self.monitors = self._monitors()
        self.poll = poll
        self.gpus: GpuSnapshot | None = None
        self.servers = [ServerView(ServerStatus(e), deque(maxlen=HISTORY)) for e in self.endpoints]
        self._util: dict[int, deque[float]] = {}
        self.measured: float | None = None  # our own stream rate from settings.endpoint (show_measured)
        self.updates = 0  # how many samples were applied (tests wait on it)
        self.renders = 0
        self._strips: list[Strip] | None = None
        self._strips_width = 0
        self._style_cache: Styles | None = None

    # -- polling ---------------------------------------------------------------------------------------------
    def on_mount(self) -> None:
        if self.poll:
            self.start_polling()

    def _monitors(self) -> list[ServerMonitor]:
        s = self.settings  # the client's endpoint shows the context the client resolves for its model
        return [
            ServerMonitor(
                e,
                api_key=s.api_key,
                model=s.model if e == s.endpoint else "",
                context_length=s.context_length if e == s.endpoint else 0,
                interval=self.interval,
                timeout=self.timeout,
                max_backoff=self.max_backoff,
            )
            for e in self.endpoints
        ]

    def start_polling(self) -> None:
        self.run_worker(self._gpu_loop(), group="gauges-gpu", exclusive=True, exit_on_error=False)
        self._start_servers()

    def _start_servers(self) -> None:
        for index, monitor in enumerate(self.monitors):
            work = self._server_loop(index, monitor)
            self.run_worker(work, group=f"gauges-server-{index}", exclusive=True, exit_on_error=False)

    def stop_polling(self) -> None:
        self.workers.cancel_node(self)

    def apply_settings(self, settings: Settings, endpoints: Sequence[str] | None = None) -> None:
        """Watch the endpoint(s) of new settings from now on (the GPU sampling goes on as it was)."""
        wanted = list(endpoints) if endpoints else [settings.endpoint]
        same = wanted == self.endpoints and settings.api_key == self.settings.api_key
        self.settings = settings
        if same:
            return
        for index in range(len(self.monitors)):
            self.workers.cancel_group(self, f"gauges-server-{index}")
        old, self.endpoints = self.monitors, wanted
        self.monitors = self._monitors()
        self.servers = [ServerView(ServerStatus(e), deque(maxlen=HISTORY)) for e in self.endpoints]
        self.run_worker(self._close(old), group="gauges-close", exit_on_error=False)
        if self.poll and self.is_mounted:
            self._start_servers()
        self._repaint()

    @staticmethod
    async def _close(monitors: list[ServerMonitor]) -> None:
        for monitor in monitors:
            with contextlib.suppress(Exception):
                await monitor.aclose()

    async def _gpu_loop(self) -> None:
        while True:
            snapshot = await asyncio.to_thread(self.gpu_sampler.sample)
            self.show_gpus(snapshot)
            idle = snapshot.state in ("no-driver", "no-gpu")  # the sampler retries init every 30 s anyway
            await asyncio.sleep(self.interval * (5 if idle else 1))

    async def _server_loop(self, index: int, monitor: ServerMonitor) -> None:
        while True:
            status = await monitor.poll()
            self.show_server(index, status, monitor.delay())
            await asyncio.sleep(monitor.delay())

    async def on_unmount(self) -> None:
        self.stop_polling()
        for monitor in self.monitors:
            with contextlib.suppress(Exception):
                await monitor.aclose()
        if self._own_sampler:
            await asyncio.to_thread(self.gpu_sampler.close)

    # -- data in (UI thread) ---------------------------------------------------------------------------------
    def show_gpus(self, snapshot: GpuSnapshot) -> None:
        self.gpus = snapshot
        for gpu in snapshot.gpus:
            history = self._util.setdefault(gpu.index, deque(maxlen=HISTORY))
            history.append(float(gpu.utilization or 0))
        self.updates += 1
        self._repaint()

    def show_server(self, index: int, status: ServerStatus, delay: float | None = None) -> None:
        view = self.servers[index]
        if status.state != view.status.state:  # the app clears its server banner when one answers again
            self.post_message(ServerStateChanged(status.endpoint, view.status.state, status.state))
        view.status = status
        view.polls += 1
        view.delay = delay if delay is not None else view.delay
        rates, server_rate = status.rates, None
        if status.state == UP and status.metrics_state == "ok" and rates is not None and rates.seconds > 0:
            server_rate = rates.generation_tps or 0.0
            view.prompt_tps = rates.prompt_tps
            view.ttft = rates.ttft_mean if rates.ttft_mean is not None else view.ttft
            view.itl = rates.itl_mean if rates.itl_mean is not None else view.itl
        if rates is not None and rates.prefix_hit_rate is not None:
            view.hit_rate = rates.prefix_hit_rate
        if status.state == UP:
            ours = self.endpoints[index] == self.settings.endpoint
            rate, source = pick_rate(server_rate, self.measured, status.kind, ours)
            if rate is not None:
                view.generation.append(rate)
                view.rate_source = source
        self.updates += 1
        self._repaint()

    def show_measured(self, rate: float | None) -> None:
        """Our own tokens/s from the endpoint we call (None: nothing streamed lately); the next sample of
        that server shows it where the server's counters are missing or flat."""
        self.measured = rate

    def _repaint(self) -> None:
        """Repaint; a layout pass only when the pane sizes itself to its content (height: auto)."""
        self._strips = None
        height = self.styles.height
        self.refresh(layout=height is not None and height.is_auto)

    def show_history(self, index: int, generation: Sequence[float]) -> None:
        """Replace a server's tokens/s history (tests and replays)."""
        view = self.servers[index]
        view.generation.clear()
        view.generation.extend(generation)
        self._repaint()

    def show_gpu_history(self, gpu: int, utilization: Sequence[float]) -> None:
        history = self._util.setdefault(gpu, deque(maxlen=HISTORY))
        history.clear()
        history.extend(utilization)
        self._repaint()

    # -- actions ---------------------------------------------------------------------------------------------
    def _host(self) -> Widget:
        parent = self.parent
        return parent if isinstance(parent, Widget) and parent.id == "gauges" else self

    def toggle_hidden(self) -> None:
        host = self._host()
        if host.display and self.is_maximized:
            self.screen.minimize()
        host.display = not host.display

    def toggle_expanded(self) -> None:
        if self.is_maximized:
            self.screen.minimize()
        else:
            self._host().display = True
            self.screen.maximize(self, container=False)
            self.focus()

    def focus_pane(self) -> None:
        host = self._host()
        if host.display:
            self.focus()
        else:
            host.display = True
            self.call_after_refresh(self.focus)  # a hidden widget cannot take focus yet

    def action_toggle_hidden(self) -> None:
        self.toggle_hidden()

    def action_toggle_expanded(self) -> None:
        self.toggle_expanded()

    def action_focus_pane(self) -> None:
        self.focus_pane()

    # -- rendering -------------------------------------------------------------------------------------------
    def _styles(self) -> Styles:
        if self._style_cache is None:
            self._style_cache = self._read_styles()
        return self._style_cache

    def _read_styles(self) -> Styles:
        def get(name: str) -> Style:
            return without_background(self.get_component_rich_style(name))

        return Styles(
            ok=get("gauges--ok"),
            warn=get("gauges--warn"),
            bad=get("gauges--bad"),
            muted=get("gauges--muted"),
            label=get("gauges--label"),
            track=get("gauges--track"),
            spark=get("gauges--spark"),
            title=get("gauges--title"),
        )

    def lines(self) -> list[Text]:
        """What the pane shows now, one Text per line."""
        size = self.content_region.size
        width, height = max(1, size.width), max(1, size.height)
        return render_lines(self, self._styles(), width, height, fill=self.is_maximized)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        """For `height: auto`: as many lines as the layout takes when the screen's height is the limit."""
        return len(render_lines(self, self._styles(), max(1, width), max(1, viewport.height)))

    def render(self) -> Group:
        return Group(*self.lines())

    # Line API: the lines become strips directly (no Rich layout pass), once per change.
    def render_line(self, y: int) -> Strip:
        width = self.size.width
        if self._strips is None or self._strips_width != width:
            self.renders += 1
            base, console = self.rich_style, self.app.console
            self._strips = [
                Strip(Segment.apply_style(text.render(console), base), text.cell_len).crop_extend(
                    0, width, base
                )
                for text in self.lines()
            ]
            self._strips_width = width
        if y < len(self._strips):
            return self._strips[y]
        return Strip.blank(width, self.rich_style)

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._strips = None  # the theme or a class changed: colours are computed again
        self._style_cache = None

    def on_resize(self) -> None:
        self._strips = None

    def gpu_history(self, index: int) -> Sequence[float]:
        return self._util.get(index, ())


# --- layout -----------------------------------------------------------------------------------------------
