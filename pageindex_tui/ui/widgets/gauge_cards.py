"""Drawing the gauges: bars, sparklines, server and GPU cards and one-line forms, as Rich Text.

Pure functions of the samples and the theme's styles; `gauges.GaugesPane` decides when to call them.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from typing import Protocol

from rich.style import Style
from rich.text import Text

from ...monitor.gpu import GIB, GpuInfo, GpuSnapshot
from ...monitor.server import UNKNOWN, UP, ServerStatus, short_name
from ..literal import one_line
from .gauge_parts import (
    CARD_MAX,
    CARD_MIN,
    CARD_WIDTH,
    GAP,
    KINDS,
    KV_CACHE,
    LABEL,
    LATENCY,
    MEMORY,
    MIN_CARD_HEIGHT,
    MIN_CHART,
    POWER,
    VALUE,
    ServerView,
    Styles,
    bar,
    chart,
    count,
    fit,
    gib,
    level,
    seconds,
    short_gpu_name,
    sparkline,
    spread,
    state_level,
    temperature_level,
)


class Readings(Protocol):
    """What the cards read from the gauges pane (`gauges.GaugesPane`): each server's view, the last GPU
    sample, and a GPU's utilization history."""

    @property
    def servers(self) -> Sequence[ServerView]: ...

    @property
    def gpus(self) -> GpuSnapshot | None: ...

    def gpu_history(self, index: int) -> Sequence[float]: ...


def build_cards(pane: Readings, styles: Styles, width: int, dense: bool = False) -> list[list[Text]]:
    """A card per server and per GPU; `dense` leaves out the secondary rows (history, clocks, rates)."""
    cards = [server_card(view, styles, width, dense) for view in pane.servers]
    return cards + gpu_cards(pane.gpus, pane, styles, width, dense)


def render_lines(pane: Readings, styles: Styles, width: int, height: int, fill: bool = False) -> list[Text]:
    """The pane's lines for a width x height area: full cards, else dense cards, else one line per item,
    else everything on one line. `fill` (the maximized pane): rows the cards leave go to history charts."""
    items = len(pane.servers) + max(1, len(pane.gpus.gpus) if pane.gpus else 1)
    if width >= CARD_MIN and height >= MIN_CARD_HEIGHT:
        most = max(1, min(items, (width + GAP) // (CARD_MIN + GAP)))
        for dense in (False, True):
            cards: list[list[Text]] = []
            built_for = 0
            for columns in range(most, 0, -1):
                card_width = min(CARD_MAX, (width - GAP * (columns - 1)) // columns)
                if not cards or (_wraps(pane) and built_for != card_width):
                    cards, built_for = build_cards(pane, styles, card_width, dense), card_width
                if grid_height([len(card) for card in cards], columns) <= height:
                    if built_for != card_width:
                        cards = build_cards(pane, styles, card_width, dense)
                    lines = grid(cards, columns, card_width)
                    return lines + (
                        history(pane, styles, columns, card_width, height - len(lines)) if fill else []
                    )
    lines = [server_line(view, styles) for view in pane.servers] + gpu_lines(pane.gpus, pane, styles)
    if len(lines) <= height:
        return [fit(line, width) for line in lines]
    joined = Text(no_wrap=True)
    for number, line in enumerate(lines):
        if number:
            joined.append(" │ ", styles.muted)
        joined.append_text(line)
    return [fit(joined, width)]


def history(pane: Readings, styles: Styles, columns: int, width: int, room: int) -> list[Text]:
    """Under the cards of a maximized pane: each server's tokens/s and each GPU's utilization over the
    last samples, as charts as tall as `room` lines allow (none under MIN_CHART rows)."""
    items: list[tuple[str, Sequence[float], float | None, bool]] = []
    for view in pane.servers:
        title = f"tok/s generated · {short_name(view.status.endpoint)}"
        items.append((title, view.generation, None, view.status.state == UP))
    gpus = pane.gpus.gpus if pane.gpus is not None and pane.gpus.state == "ok" else ()
    items += [(f"utilization % · GPU {gpu.index}", pane.gpu_history(gpu.index), 100.0, True) for gpu in gpus]
    chart_rows = -(-len(items) // columns)
    rows = (room - 1 - (chart_rows - 1)) // chart_rows - 1  # a blank line above, one between, a title each
    if rows < MIN_CHART:
        return []
    cards = []
    for title, values, top, live in items:
        peak = top if top is not None else max(values, default=0.0)
        style = styles.spark if live else styles.muted
        lines = chart(values, _bar_width(width) + VALUE + 1, rows, top)
        card = [Text(title, styles.title)]
        for number, line in enumerate(lines):
            label = count(peak) if number == 0 and peak > 0 else "0" if number == rows - 1 else ""
            card.append(_row(label, styles, (line, style)))
        cards.append(card)
    return [Text(""), *grid(cards, columns, width)]


def _wraps(pane: Readings) -> bool:
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
    rows = _metric_rows(view, styles, width, live=up and status.metrics_state == "ok", up=up)
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


def _metric_rows(view: ServerView, styles: Styles, width: int, live: bool, up: bool = False) -> list[Text]:
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
    ours = up and view.rate_source == "app"  # our own count: live while the server is up
    rate = view.generation[-1] if (live or ours) and view.generation else None
    tps = _row(
        "tok/s",
        styles,
        (sparkline(view.generation, _bar_width(width)), styles.spark if live or ours else styles.muted),
        " ",
        (f"{count(rate):>{VALUE - 4}} {'app' if ours else 'gen'}", styles.title if ours else figure),
    )
    hit = f"{view.hit_rate:.0%}" if view.hit_rate is not None else "–"
    style = styles.label if live else styles.muted
    prompt = count(view.prompt_tps if live else None)
    if ours:  # say whose the figure is, in the row that is least needed then
        prompt_row = _row("", styles, ("our count: the server's is flat", styles.label))
    else:
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
        if view.rate_source == "app" and view.generation:
            line.append(f" {count(view.generation[-1])} tok/s (app) ", styles.title)
        return line
    line.append(" run ", styles.label)
    line.append(count(metrics.running), styles.title)
    line.append(" wait ", styles.label)
    line.append(count(metrics.waiting), styles.warn if metrics.waiting else styles.title)
    if metrics.kv_cache is not None:
        line.append(" KV ", styles.label)
        line.append(f"{metrics.kv_cache:.0%}", styles.of(level(metrics.kv_cache, KV_CACHE)))
    rate = view.generation[-1] if view.generation else None
    line.append(f" {count(rate)} tok/s{' (app)' if view.rate_source == 'app' else ''} ", styles.title)
    line.append(sparkline(view.generation, 10), styles.spark)
    return line


# --- GPUs -------------------------------------------------------------------------------------------------
def _no_gpu(snapshot: GpuSnapshot, styles: Styles) -> tuple[str, Style]:
    what = {"no-driver": "no GPU telemetry", "no-gpu": "no GPU"}.get(snapshot.state, "GPU error")
    return what, styles.bad if snapshot.state == "error" else styles.muted


def gpu_cards(
    snapshot: GpuSnapshot | None, pane: Readings, styles: Styles, width: int, dense: bool = False
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


def gpu_lines(snapshot: GpuSnapshot | None, pane: Readings, styles: Styles) -> list[Text]:
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
