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
import textwrap
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from rich.console import Group
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.strip import Strip
from textual.widget import Widget

from ...monitor.gpu import GIB, GpuInfo, GpuSampler, GpuSnapshot
from ...monitor.server import LOADING, UNKNOWN, UP, ServerMonitor, ServerStatus, short_name
from ...settings import Settings
from ..literal import one_line

HISTORY = 120  # samples kept for sparklines
CARD_WIDTH = 40  # the width cards are designed for
CARD_MIN = 30  # narrower than this: one line per item
CARD_MAX = 56
MIN_CARD_HEIGHT = 5  # a server card has at least this many lines
GAP = 2
LABEL = 6  # "util  ", "tok/s ", ...
VALUE = 11  # right-aligned figure after a bar
SPARKS = "▁▂▃▄▅▆▇█"
KINDS = {"vllm": "vLLM", "llamacpp": "llama.cpp", "openai-compatible": "server", "": "server"}

# Thresholds: (warning from, error from). Memory is high by design under vLLM (90% reserved).
MEMORY = (0.95, 0.99)
POWER = (0.90, 0.98)
KV_CACHE = (0.80, 0.95)
LATENCY = (0.25, 1.0)  # seconds for /health
TEMPERATURE = (78, 87)  # °C when the GPU does not say where it slows down
TEMPERATURE_BELOW_SLOWDOWN = (12, 4)  # ... else this far below its slowdown temperature


def level(value: float | None, limits: tuple[float, float]) -> str:
    if value is None:
        return "muted"
    return "bad" if value >= limits[1] else "warn" if value >= limits[0] else "ok"


def temperature_level(gpu: GpuInfo) -> str:
    if gpu.temperature is None:
        return "muted"
    if gpu.temperature_slowdown:
        warn, bad = TEMPERATURE_BELOW_SLOWDOWN
        limits = (gpu.temperature_slowdown - warn, gpu.temperature_slowdown - bad)
        return level(gpu.temperature, limits)
    return level(gpu.temperature, TEMPERATURE)


def state_level(state: str) -> str:
    return {UP: "ok", LOADING: "warn", UNKNOWN: "muted"}.get(state, "bad")


# --- text helpers (pure; `styles` maps a level to a Rich style) ---------------------------------------------
def sparkline(values: Sequence[float], width: int, top: float | None = None) -> str:
    """The last `width` values as block characters, scaled to `top` (default: their maximum)."""
    if width <= 0:
        return ""
    recent = list(values)[-width:]
    peak = top if top is not None else max(recent, default=0.0)
    out = []
    for value in recent:
        if peak <= 0 or value <= 0:
            out.append(SPARKS[0])
        else:
            out.append(SPARKS[min(len(SPARKS) - 1, int(value / peak * (len(SPARKS) - 1) + 0.5))])
    return " " * (width - len(recent)) + "".join(out)


def bar(fraction: float | None, width: int, style: Style, track: Style) -> Text:
    """A horizontal bar in half-cell steps: `━` filled, `╸` half, dim `━` track."""
    text = Text(no_wrap=True)
    if width <= 0:
        return text
    if fraction is None:
        text.append("╌" * width, track)
        return text
    halves = round(max(0.0, min(1.0, fraction)) * width * 2)
    full, half = divmod(halves, 2)
    text.append("━" * full, style)
    if half:
        text.append("╸", style)
    text.append("━" * (width - full - half), track)
    return text


def count(value: float | None) -> str:
    if value is None:
        return "–"
    if value >= 100_000:
        return f"{value / 1000:,.0f}k"
    return f"{value:,.0f}"


def seconds(value: float | None) -> str:
    if value is None:
        return "–"
    if value < 1:
        return f"{value * 1000:.0f} ms"
    return f"{value:.1f} s" if value < 100 else f"{value:.0f} s"


def gib(used: int | None, total: int | None) -> str:
    if used is None or not total:
        return "–"
    fmt = "{:.0f}" if total / GIB >= 100 else "{:.1f}"
    return f"{fmt.format(used / GIB)}/{fmt.format(total / GIB)}G"


def short_gpu_name(name: str) -> str:
    return name.replace("NVIDIA ", "").replace("GeForce ", "").strip() or "GPU"


def without_background(style: Style) -> Style:
    """A component style's colour (blended for the background it is on) and attributes, but no background
    of its own: spans never paint boxes over the pane's background."""
    return Style(color=style.color, bold=style.bold, italic=style.italic, dim=style.dim)


def fit(text: Text, width: int) -> Text:
    """One line of exactly `width` cells (cut with an ellipsis, or padded)."""
    line = text.copy()
    line.no_wrap = True
    line.truncate(width, overflow="ellipsis", pad=True)
    return line


def spread(left: Text, right: Text, width: int) -> Text:
    """`left` and `right` on one line of `width`, right-aligned; the left side is cut first."""
    room = width - right.cell_len - 1
    if room < 4:
        return fit(left, width)
    line = fit(left, room)
    line.rstrip()
    line.append(" " * (width - line.cell_len - right.cell_len))
    line.append_text(right)
    return line


@dataclass
class Styles:
    ok: Style
    warn: Style
    bad: Style
    muted: Style
    label: Style
    track: Style
    spark: Style
    title: Style

    def of(self, name: str) -> Style:
        return getattr(self, name)


# --- per-item state ---------------------------------------------------------------------------------------
@dataclass
class ServerView:
    status: ServerStatus
    generation: deque[float]
    delay: float = 0.0
    polls: int = 0
    ttft: float | None = None  # last known (kept while idle)
    itl: float | None = None
    prompt_tps: float | None = None
    hit_rate: float | None = None


class GaugesPane(Widget, can_focus=True):
    """GPU and server gauges. `GaugesPane(settings, gpu_sampler=None, endpoints=None)`."""

    ALLOW_MAXIMIZE = True
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter,z", "toggle_expanded", "Expand", tooltip="Maximize the gauges or restore them"),
        Binding("h", "toggle_hidden", "Hide", tooltip="Hide the gauges (show them again from the app)"),
    ]
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
        gpu_sampler: Any = None,
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
        options = {"interval": self.interval, "timeout": self.timeout, "max_backoff": self.max_backoff}
        return [ServerMonitor(e, api_key=self.settings.api_key, **options) for e in self.endpoints]

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
        view.status = status
        view.polls += 1
        view.delay = delay if delay is not None else view.delay
        rates = status.rates
        if status.state == UP and status.metrics_state == "ok" and rates is not None and rates.seconds > 0:
            view.generation.append(rates.generation_tps or 0.0)
            view.prompt_tps = rates.prompt_tps
            view.ttft = rates.ttft_mean if rates.ttft_mean is not None else view.ttft
            view.itl = rates.itl_mean if rates.itl_mean is not None else view.itl
        if rates is not None and rates.prefix_hit_rate is not None:
            view.hit_rate = rates.prefix_hit_rate
        self.updates += 1
        self._repaint()

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
        return render_lines(self, self._styles(), max(1, size.width), max(1, size.height))

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
def build_cards(pane: GaugesPane, styles: Styles, width: int, dense: bool = False) -> list[list[Text]]:
    """A card per server and per GPU; `dense` leaves out the secondary rows (history, clocks, rates)."""
    cards = [server_card(view, styles, width, dense) for view in pane.servers]
    return cards + gpu_cards(pane.gpus, pane, styles, width, dense)


def render_lines(pane: GaugesPane, styles: Styles, width: int, height: int) -> list[Text]:
    """The pane's lines for a width x height area: full cards, else dense cards, else one line per item,
    else everything on one line."""
    items = len(pane.servers) + max(1, len(pane.gpus.gpus) if pane.gpus else 1)
    if width >= CARD_MIN and height >= MIN_CARD_HEIGHT:
        most = max(1, min(items, (width + GAP) // (CARD_MIN + GAP)))
        for dense in (False, True):
            cards, built_for = [], 0
            for columns in range(most, 0, -1):
                card_width = min(CARD_MAX, (width - GAP * (columns - 1)) // columns)
                if not cards or (_wraps(pane) and built_for != card_width):
                    cards, built_for = build_cards(pane, styles, card_width, dense), card_width
                if grid_height([len(card) for card in cards], columns) <= height:
                    if built_for != card_width:
                        cards = build_cards(pane, styles, card_width, dense)
                    return grid(cards, columns, card_width)
    lines = [server_line(view, styles) for view in pane.servers] + gpu_lines(pane.gpus, pane, styles)
    if len(lines) <= height:
        return [fit(line, width) for line in lines]
    joined = Text(no_wrap=True)
    for number, line in enumerate(lines):
        if number:
            joined.append(" │ ", styles.muted)
        joined.append_text(line)
    return [fit(joined, width)]


def _wraps(pane: GaugesPane) -> bool:
    """Whether a card's height depends on its width (only the no-GPU card wraps its reason)."""
    return pane.gpus is not None and pane.gpus.state != "ok"


def grid_height(heights: list[int], columns: int) -> int:
    rows = [max(heights[start : start + columns]) for start in range(0, len(heights), columns)]
    return sum(rows) + len(rows) - 1


def grid(cards: list[list[Text]], columns: int, width: int) -> list[Text]:
    out: list[Text] = []
    for start in range(0, len(cards), columns):
        row = cards[start : start + columns]
        if out:
            out.append(Text(""))
        for number in range(max(len(card) for card in row)):
            line = Text(no_wrap=True)
            for position, card in enumerate(row):
                if position:
                    line.append(" " * GAP)
                line.append_text(fit(card[number] if number < len(card) else Text(""), width))
            line.rstrip()
            out.append(line)
    return out


def _row(label: str, styles: Styles, *parts: Text | tuple[str, Style] | str) -> Text:
    line = Text(no_wrap=True)
    line.append(f"{label:<{LABEL}}", styles.label)
    for part in parts:
        if isinstance(part, Text):
            line.append_text(part)
        elif isinstance(part, tuple):
            line.append(*part)
        else:
            line.append(part)
    return line


def _bar_width(width: int) -> int:
    return max(4, width - LABEL - VALUE - 1)


def _bar_row(
    label: str, fraction: float | None, value: str, lvl: str, styles: Styles, width: int, stale: bool = False
) -> Text:
    style = styles.muted if stale else styles.of(lvl)
    figure = (f"{value:>{VALUE}}", style)
    return _row(label, styles, bar(fraction, _bar_width(width), style, styles.track), " ", figure)


# --- servers ----------------------------------------------------------------------------------------------
def _dot(status: ServerStatus, styles: Styles) -> Text:
    return Text("●", styles.of(state_level(status.state)))


def _state_text(status: ServerStatus, styles: Styles) -> Text:
    if status.state == UP:
        latency = status.latency
        return Text(f"up {seconds(latency)}", styles.of(level(latency, LATENCY)))
    if status.state == UNKNOWN:
        return Text("checking…", styles.muted)
    return Text(status.state, styles.of(state_level(status.state)))


def _model_text(status: ServerStatus, styles: Styles, width: int) -> Text:
    if not status.models:
        return Text("model –", styles.muted)
    model = one_line(status.model, 80)
    context = f" · ctx {status.context_length:,}" if status.context_length else ""
    extra = f" +{len(status.models) - 1}" if len(status.models) > 1 else ""
    if len(model) + len(extra) + len(context) > width:
        model = model.rsplit("/", 1)[-1]
    dim = status.stale or status.state != UP
    return Text.assemble(
        (model + extra, styles.muted if dim else styles.title),
        (context, styles.muted if dim else styles.label),
    )


def server_card(view: ServerView, styles: Styles, width: int = CARD_WIDTH, dense: bool = False) -> list[Text]:
    status = view.status
    kind = KINDS.get(status.kind, status.kind)
    head = Text.assemble(
        _dot(status, styles), " ", (kind, styles.title), " ", (short_name(status.endpoint), styles.muted)
    )
    lines = [spread(head, _state_text(status, styles), width), _model_text(status, styles, width)]
    up = status.state == UP
    if status.state == UNKNOWN:
        lines.append(Text("waiting for the first answer", styles.muted))
    elif not up:
        retry = f" · retry in {view.delay:.0f} s" if view.delay else ""
        lines.append(Text(one_line(status.reason, 120) + retry, styles.of(state_level(status.state))))
    elif status.info_problem:
        lines.append(Text(one_line(status.info_problem, 120), styles.warn))
    elif status.metrics_state not in ("ok", ""):
        lines.append(
            Text(f"metrics {status.metrics_state}: {one_line(status.metrics_reason, 80)}", styles.warn)
        )
    elif not dense:
        lines.append(Text(_load_line(status), styles.muted))
    rows = _metric_rows(view, styles, width, live=up and status.metrics_state == "ok")
    return lines + (rows[:3] if dense else rows)


def _load_line(status: ServerStatus) -> str:
    kind = KINDS.get(status.kind, status.kind)
    text = f"{kind} {one_line(status.version, 40)}" if status.version else f"{kind} up"
    if status.slots:
        text += f" · {status.slots} slots"
    metrics = status.metrics
    if metrics is not None and metrics.preemptions:
        text += f" · preempted {count(metrics.preemptions)}"
    return text


def _metric_rows(view: ServerView, styles: Styles, width: int, live: bool) -> list[Text]:
    metrics = view.status.metrics if live else None
    running = metrics.running if metrics else None
    waiting = metrics.waiting if metrics else None
    figure = styles.title if live else styles.muted
    reqs = _row(
        "reqs",
        styles,
        ("run ", styles.label),
        (count(running), figure),
        ("  wait ", styles.label),
        (count(waiting), styles.warn if live and waiting else figure),
    )
    kv = metrics.kv_cache if metrics else None
    if live and kv is None:
        kv_row = _row("KV", styles, ("not reported by this server", styles.muted))
    else:
        shown = "–" if kv is None else f"{kv:.0%}"
        kv_row = _bar_row("KV", kv, shown, level(kv, KV_CACHE), styles, width, stale=not live)
    rate = view.generation[-1] if live and view.generation else None
    tps = _row(
        "tok/s",
        styles,
        (sparkline(view.generation, _bar_width(width)), styles.spark if live else styles.muted),
        " ",
        (f"{count(rate):>{VALUE - 4}} gen", figure),
    )
    hit = f"{view.hit_rate:.0%}" if view.hit_rate is not None else "–"
    style = styles.label if live else styles.muted
    prompt = count(view.prompt_tps if live else None)
    prompt_row = _row("", styles, (f"prompt {prompt}/s · prefix hit {hit}", style))
    latency_row = _row("", styles, (f"TTFT {seconds(view.ttft)} · ITL {seconds(view.itl)}", style))
    return [reqs, kv_row, tps, prompt_row, latency_row]


def server_line(view: ServerView, styles: Styles) -> Text:
    status = view.status
    line = Text(no_wrap=True)
    line.append_text(_dot(status, styles))
    name = status.model.rsplit("/", 1)[-1] if status.models else short_name(status.endpoint)
    line.append(f" {one_line(name, 40)} ", styles.title)
    line.append_text(_state_text(status, styles))
    if status.state != UP:
        if status.reason:
            line.append(f" {one_line(status.reason, 60)}", styles.of(state_level(status.state)))
        return line
    metrics = status.metrics
    if metrics is None:
        if status.metrics_state not in ("ok", ""):
            line.append(f" metrics {status.metrics_state}", styles.warn)
        return line
    line.append(" run ", styles.label)
    line.append(count(metrics.running), styles.title)
    line.append(" wait ", styles.label)
    line.append(count(metrics.waiting), styles.warn if metrics.waiting else styles.title)
    if metrics.kv_cache is not None:
        line.append(" KV ", styles.label)
        line.append(f"{metrics.kv_cache:.0%}", styles.of(level(metrics.kv_cache, KV_CACHE)))
    rate = view.generation[-1] if view.generation else None
    line.append(f" {count(rate)} tok/s ", styles.title)
    line.append(sparkline(view.generation, 10), styles.spark)
    return line


# --- GPUs -------------------------------------------------------------------------------------------------
def _no_gpu(snapshot: GpuSnapshot, styles: Styles) -> tuple[str, Style]:
    what = {"no-driver": "no GPU telemetry", "no-gpu": "no GPU"}.get(snapshot.state, "GPU error")
    return what, styles.bad if snapshot.state == "error" else styles.muted


def gpu_cards(
    snapshot: GpuSnapshot | None, pane: GaugesPane, styles: Styles, width: int, dense: bool = False
) -> list[list[Text]]:
    if snapshot is None:
        return [[Text.assemble(("GPU   ", styles.title), ("sampling…", styles.muted))]]
    if snapshot.state != "ok" or not snapshot.gpus:
        head = Text.assemble(("GPU   ", styles.title), _no_gpu(snapshot, styles))
        reason = textwrap.wrap(one_line(snapshot.reason, 200), width)[: 1 if dense else 3]
        return [[head, *(Text(line, styles.muted) for line in reason)]]
    return [gpu_card(gpu, pane.gpu_history(gpu.index), styles, width, dense) for gpu in snapshot.gpus]


def gpu_card(
    gpu: GpuInfo, history: Sequence[float], styles: Styles, width: int = CARD_WIDTH, dense: bool = False
) -> list[Text]:
    name = short_gpu_name(one_line(gpu.name, 60))
    head = Text.assemble((f"GPU {gpu.index} ", styles.title), (name, styles.title))
    if gpu.error:
        stale = [
            _bar_row(label, None, "–", "muted", styles, width, True) for label in ("util", "mem", "temp")
        ]
        return [spread(head, Text("lost", styles.bad), width), Text(gpu.error, styles.bad), *stale]
    cc = gpu.compute_capability
    lines = [spread(head, Text(f"cc {cc[0]}.{cc[1]}" if cc else "", styles.muted), width)]
    util = None if gpu.utilization is None else gpu.utilization / 100
    shown = "–" if util is None else f"{gpu.utilization}%"
    lines.append(_bar_row("util", util, shown, "ok", styles, width))
    if not dense:
        lines.append(_row("", styles, (sparkline(history, _bar_width(width), 100.0), styles.spark)))
    memory = gpu.memory_fraction
    shown = gib(gpu.memory_used, gpu.memory_total)
    lines.append(_bar_row("mem", memory, shown, level(memory, MEMORY), styles, width))
    temp = None if gpu.temperature is None else gpu.temperature / (gpu.temperature_slowdown or 95)
    shown = "–" if gpu.temperature is None else f"{gpu.temperature}°C"
    lines.append(_bar_row("temp", temp, shown, temperature_level(gpu), styles, width))
    power = gpu.power / gpu.power_limit if gpu.power is not None and gpu.power_limit else None
    if gpu.power is None:
        shown = "–"
    else:
        shown = f"{gpu.power:.0f}/{gpu.power_limit:.0f}W" if gpu.power_limit else f"{gpu.power:.0f}W"
    lines.append(_bar_row("pwr", power, shown, level(power, POWER), styles, width))
    if dense:
        return lines
    clocks = f"SM {gpu.sm_clock or '–'} · mem {gpu.memory_clock or '–'} MHz"
    lines.append(_row("clk", styles, (clocks, styles.muted)))
    procs = " · ".join(f"{p.name} {_gib_one(p.memory)}".strip() for p in gpu.processes[:3])
    lines.append(
        _row("proc", styles, (one_line(procs, 80), styles.title) if procs else ("none", styles.muted))
    )
    return lines


def _gib_one(value: int | None) -> str:
    return "" if value is None else f"{value / GIB:.1f}G"


def gpu_lines(snapshot: GpuSnapshot | None, pane: GaugesPane, styles: Styles) -> list[Text]:
    if snapshot is None:
        return [Text.assemble(("GPU ", styles.title), ("sampling…", styles.muted))]
    if snapshot.state != "ok" or not snapshot.gpus:
        return [Text.assemble(("GPU ", styles.title), _no_gpu(snapshot, styles))]
    out = []
    for gpu in snapshot.gpus:
        line = Text(no_wrap=True)
        line.append(f"GPU{gpu.index} ", styles.title)
        if gpu.error:
            line.append("lost", styles.bad)
            out.append(line)
            continue
        util = None if gpu.utilization is None else gpu.utilization / 100
        line.append_text(bar(util, 6, styles.ok, styles.track))
        line.append(f" {'–' if gpu.utilization is None else gpu.utilization}%", styles.ok)
        line.append(
            f" {gib(gpu.memory_used, gpu.memory_total)}", styles.of(level(gpu.memory_fraction, MEMORY))
        )
        if gpu.temperature is not None:
            line.append(f" {gpu.temperature}°C", styles.of(temperature_level(gpu)))
        if gpu.power is not None:
            fraction = gpu.power / gpu.power_limit if gpu.power_limit else None
            line.append(f" {gpu.power:.0f}W", styles.of(level(fraction, POWER)))
        if gpu.processes:
            line.append(f" {gpu.processes[0].name}", styles.muted)
        out.append(line)
    return out
