"""The pieces the gauges are drawn with: thresholds, bars, sparklines, number formats, styles."""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass

from rich.style import Style
from rich.text import Text

from ...monitor.gpu import GIB, GpuInfo
from ...monitor.server import LOADING, UNKNOWN, UP, ServerStatus

HISTORY = 120  # samples kept for sparklines
CARD_WIDTH = 40  # the width cards are designed for
CARD_MIN = 30  # narrower than this: one line per item
CARD_MAX = 56
MIN_CARD_HEIGHT = 5  # a server card has at least this many lines
MIN_CHART = 3  # a history chart of a maximized pane has at least this many lines
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


def chart(values: Sequence[float], width: int, rows: int, top: float | None = None) -> list[str]:
    """The last `width` values as a chart `rows` lines tall (top line first), in eighths of a cell,
    scaled to `top` (default: their maximum). A sample of 0 still shows as a baseline."""
    if width <= 0 or rows <= 0:
        return []
    recent = list(values)[-width:]
    peak = top if top is not None else max(recent, default=0.0)
    levels = [max(1, round(v / peak * rows * 8)) if peak > 0 and v > 0 else 1 for v in recent]
    pad = " " * (width - len(recent))
    blocks = " " + SPARKS
    return [
        pad + "".join(blocks[max(0, min(8, level - (rows - 1 - row) * 8))] for level in levels)
        for row in range(rows)
    ]


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
        """The style of a level by its name ("ok", "warn", "bad", "muted", ...)."""
        style: Style = getattr(self, name)
        return style


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
    rate_source: str = "server"  # whose tokens/s `generation` ends with: "server" | "app" (our own count)


def pick_rate(
    server: float | None, measured: float | None, kind: str, ours: bool
) -> tuple[float | None, str]:
    """The tokens/s to show and whose it is. The server's, except where its counters are missing or flat
    while we stream from it (`ours`): then our own measured rate, labelled as such. llama.cpp counts a
    request's tokens only when it ends, so its figure is flat while a reply streams."""
    if not ours:
        return server, "server"
    if server is None:
        return measured or 0.0, "app"
    if measured and (server == 0 or kind == "llamacpp"):
        return measured, "app"
    return server, "server"
