"""The gauges pane in a small app of its own: SVG snapshots with fixed data, and its keys.

Every figure is injected (`show_gpus`, `show_server`, histories): no clocks, no latencies that vary, no
polling. The same data is shown twice: in a 40-column side pane (cards) and in a one-line strip like the
app's `#gauges` container. Update with `pytest tests/ui/test_gauges.py --snapshot-update` and look at the
SVGs before committing them.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import replace

import pytest
from fakes import FakeVLLM
from fakes.monitor import GIB, FakeGpu, FakeNVML, VllmLoad, h100, vllm_metrics
from rich.console import Console
from textual.app import App, ComposeResult
from textual.color import Color
from textual.containers import Container, Horizontal
from textual.widgets import Static

from pageindex_tui.monitor.gpu import GpuSampler, GpuSnapshot
from pageindex_tui.monitor.prometheus import compute_rates, parse_metrics
from pageindex_tui.monitor.server import DOWN, UP, ServerStatus
from pageindex_tui.settings import Settings
from pageindex_tui.ui.widgets.gauges import GaugesPane, render_lines

SETTINGS = Settings(endpoint="http://127.0.0.1:8000/v1")
SIZE = (100, 30)
TOKENS = [0, 0, 120, 480, 910, 1320, 1280, 1410, 1500, 1460, 1390, 1520, 1610, 1580, 1490, 1540, 1600, 1650]
UTIL = [5, 8, 40, 75, 88, 92, 90, 86, 91, 93, 87, 89, 94, 90, 88, 92, 91, 87]


# --- fixed data -------------------------------------------------------------------------------------------
def vllm_status(endpoint: str = SETTINGS.endpoint, **changes: object) -> ServerStatus:
    """A busy vLLM: two scrapes two seconds apart, parsed by the real parser."""
    before = VllmLoad(
        running=3,
        waiting=1,
        kv_cache=0.58,
        prompt_tokens=120_000,
        generation_tokens=40_000,
        prefix_queries=120_000,
        prefix_hits=70_000,
        ttft=[0.2] * 10,
        itl=[0.02] * 400,
    )
    after = replace(
        before,
        prompt_tokens=126_400,
        generation_tokens=43_200,
        prefix_queries=126_400,
        prefix_hits=74_200,
        ttft=[0.2] * 10 + [0.12] * 4,
        itl=[0.02] * 400 + [0.015] * 200,
    )
    first = parse_metrics(vllm_metrics([before]), taken_at=100.0)
    second = parse_metrics(vllm_metrics([after]), taken_at=102.0)
    status = ServerStatus(
        endpoint,
        state=UP,
        latency=0.012,
        http_status=200,
        kind="vllm",
        version="0.16.0",
        models=("Qwen/Qwen3-8B",),
        context_length=40960,
        metrics_state="ok",
        metrics=second,
        rates=compute_rates(first, second),
    )
    return replace(status, **changes)


def down_status(endpoint: str = SETTINGS.endpoint) -> ServerStatus:
    """The same server after it went away: what was known stays, dimmed."""
    up = vllm_status(endpoint)
    return replace(
        up,
        state=DOWN,
        reason="connection refused",
        latency=None,
        metrics_state="",
        metrics=None,
        rates=None,
        failures=3,
        stale=True,
    )


def llama_status() -> ServerStatus:
    before = parse_metrics(LLAMA_METRICS.format(prompt=1200, cached=0, gen=300, secs=2.0, busy=1), 10.0)
    after = parse_metrics(LLAMA_METRICS.format(prompt=1400, cached=600, gen=380, secs=2.4, busy=2), 11.0)
    return ServerStatus(
        "http://127.0.0.1:8080/v1",
        state=UP,
        latency=0.003,
        kind="llamacpp",
        version="b6400-8b4a3e7",
        models=("SmolLM2-135M-Instruct.Q4_1",),
        context_length=4096,
        slots=4,
        metrics_state="ok",
        metrics=after,
        rates=compute_rates(before, after),
    )


LLAMA_METRICS = """# HELP llamacpp:prompt_tokens_total Number of prompt tokens processed.
# TYPE llamacpp:prompt_tokens_total counter
llamacpp:prompt_tokens_total {prompt}
# TYPE llamacpp:prompt_tokens_cached_total counter
llamacpp:prompt_tokens_cached_total {cached}
# TYPE llamacpp:tokens_predicted_total counter
llamacpp:tokens_predicted_total {gen}
# TYPE llamacpp:tokens_predicted_seconds_total counter
llamacpp:tokens_predicted_seconds_total {secs}
# TYPE llamacpp:requests_processing gauge
llamacpp:requests_processing {busy}
# TYPE llamacpp:requests_deferred gauge
llamacpp:requests_deferred 0
"""


def gpus(*cards: FakeGpu) -> GpuSnapshot:
    return GpuSampler(FakeNVML(list(cards)), proc_dir=None).sample()


def one_gpu() -> GpuSnapshot:
    return gpus(h100(processes=[(4242, "vllm", 70 * GIB)]))


def two_gpus() -> GpuSnapshot:
    hot = FakeGpu(
        name="NVIDIA L40S",
        memory_total=48 * GIB,
        memory_used=47 * GIB,
        utilization=99,
        temperature=84,
        temperature_slowdown=88,
        power_mw=342_000,
        power_limit_mw=350_000,
        sm_clock=2520,
        memory_clock=9001,
        compute_capability=(8, 9),
        processes=[(5151, "vllm", 46 * GIB), (5200, "python3", 1 * GIB)],
    )
    return gpus(h100(processes=[(4242, "vllm", 70 * GIB)]), hot)


NO_GPU = GpuSnapshot("no-driver", "no NVIDIA driver here (the NVML library was not found)")


# --- the test app -----------------------------------------------------------------------------------------
Feed = Callable[[GaugesPane], None]


class GaugesApp(App[None]):
    """A 40-column side pane and a one-line strip (like the app's #gauges), fed the same data."""

    CSS = """
    #main { height: 1fr; }
    #side { width: 44; border: round $panel; padding: 0 1; }
    #rest { width: 1fr; border: round $panel; color: $text-muted; }
    #gauges { height: 3; border: round $panel; padding: 0 1; }
    """

    def __init__(
        self, feed: Feed, *, endpoints: list[str] | None = None, theme: str = "textual-dark"
    ) -> None:
        super().__init__()
        self.feed, self.endpoints, self.start_theme = feed, endpoints, theme

    def pane(self, name: str) -> GaugesPane:
        sampler = GpuSampler(FakeNVML([]), proc_dir=None)
        return GaugesPane(SETTINGS, sampler, self.endpoints, poll=False, id=name)

    def compose(self) -> ComposeResult:
        with Horizontal(id="main"):
            with Container(id="side"):
                yield self.pane("side-gauges")
            yield Static("other panes", id="rest")
        with Container(id="gauges"):
            yield self.pane("strip-gauges")

    def on_mount(self) -> None:
        self.theme = self.start_theme
        for pane in self.query(GaugesPane):
            self.feed(pane)


def healthy_one_gpu(pane: GaugesPane) -> None:
    pane.show_server(0, vllm_status())
    pane.show_history(0, TOKENS)
    pane.show_gpus(one_gpu())
    pane.show_gpu_history(0, UTIL)


def healthy_two_gpus(pane: GaugesPane) -> None:
    healthy_one_gpu(pane)
    pane.show_gpus(two_gpus())
    pane.show_gpu_history(0, UTIL)
    pane.show_gpu_history(1, [99] * len(UTIL))


def server_down(pane: GaugesPane) -> None:
    healthy_one_gpu(pane)
    pane.show_server(0, down_status(), delay=8.0)


def no_gpu_llama(pane: GaugesPane) -> None:
    pane.show_server(0, llama_status())
    pane.show_history(0, [40, 60, 80, 75, 80])
    pane.show_gpus(NO_GPU)


SCENES: dict[str, Callable[[], GaugesApp]] = {
    "healthy_one_gpu": lambda: GaugesApp(healthy_one_gpu),
    "two_gpus": lambda: GaugesApp(healthy_two_gpus),
    "server_down": lambda: GaugesApp(server_down),
    "no_gpu": lambda: GaugesApp(no_gpu_llama, endpoints=["http://127.0.0.1:8080/v1"]),
}


def text_of(pane: GaugesPane, width: int = 40, height: int = 40) -> str:
    """The pane's lines as plain text, as they would render in width x height."""
    console = Console(width=width, record=True, color_system=None, file=open("/dev/null", "w"))  # noqa: SIM115
    for line in render_lines(pane, pane._styles(), width, height):
        console.print(line)
    return console.export_text()


# --- snapshots --------------------------------------------------------------------------------------------
def test_snapshot_healthy_server_one_gpu(snap_compare) -> None:
    assert snap_compare(SCENES["healthy_one_gpu"](), terminal_size=SIZE)


def test_snapshot_two_gpus(snap_compare) -> None:
    assert snap_compare(SCENES["two_gpus"](), terminal_size=(100, 40))


def test_snapshot_server_down(snap_compare) -> None:
    assert snap_compare(SCENES["server_down"](), terminal_size=SIZE)


def test_snapshot_no_gpu(snap_compare) -> None:
    assert snap_compare(SCENES["no_gpu"](), terminal_size=SIZE)


def test_snapshot_expanded(snap_compare) -> None:
    """Maximized (enter): the cards side by side over the whole screen."""

    async def expand(pilot) -> None:
        pilot.app.query_one("#strip-gauges", GaugesPane).toggle_expanded()
        await pilot.pause()

    assert snap_compare(SCENES["two_gpus"](), terminal_size=(120, 30), run_before=expand)


# --- behaviour --------------------------------------------------------------------------------------------
@pytest.mark.asyncio
async def test_maximized_gauges_fill_the_screen_with_history() -> None:
    """W at 160x48 used 8 of 48 rows: the rows the cards leave now go to each item's history chart."""
    app = SCENES["two_gpus"]()
    async with app.run_test(size=(160, 48)) as pilot:
        pane = app.query_one("#strip-gauges", GaugesPane)
        assert len(pane.lines()) == 1  # the one-line strip
        pane.toggle_expanded()
        await pilot.pause()
        height = pane.content_region.height
        lines = [line.plain for line in pane.lines()]
        assert height - 2 <= len(lines) <= height, (height, len(lines))
        shown = "\n".join(lines)
        assert "tok/s generated · 127.0.0.1:8000" in shown and "utilization % · GPU 1" in shown
        assert sum("█" in line for line in lines) > height // 2  # tall charts, not one row of sparks
        pane.toggle_expanded()
        await pilot.pause()
        assert len(pane.lines()) == 1


@pytest.mark.asyncio
async def test_cards_keep_their_lines_when_the_server_goes_down() -> None:
    """No jump, no flicker: the down card has as many lines as the up card and keeps the model."""
    app = SCENES["healthy_one_gpu"]()
    async with app.run_test(size=SIZE) as pilot:
        pane = app.query_one("#side-gauges", GaugesPane)
        up = text_of(pane).splitlines()
        pane.show_server(0, down_status(), delay=2.0)
        await pilot.pause()
        down = text_of(pane).splitlines()
        assert len(up) == len(down)
        assert "down" in down[0] and "connection refused · retry in 2 s" in down[2]
        assert "Qwen/Qwen3-8B · ctx 40,960" in down[1]
        pane.show_server(0, vllm_status())
        await pilot.pause()
        assert text_of(pane).splitlines()[0] == up[0]


@pytest.mark.asyncio
async def test_keys_expand_and_hide() -> None:
    app = SCENES["healthy_one_gpu"]()
    async with app.run_test(size=SIZE) as pilot:
        pane = app.query_one("#strip-gauges", GaugesPane)
        strip = app.query_one("#gauges")
        pane.focus_pane()
        await pilot.press("enter")
        assert pane.is_maximized and pane.has_focus
        assert "reqs" in text_of(pane, 96, 28)  # cards when it has room
        await pilot.press("escape")
        assert not pane.is_maximized
        await pilot.press("h")
        assert not strip.display  # the container goes with it, so no empty border is left
        pane.focus_pane()
        await pilot.pause()
        assert strip.display and pane.has_focus


@pytest.mark.asyncio
async def test_theme_colours_follow_the_theme() -> None:
    app = SCENES["two_gpus"]()
    async with app.run_test(size=SIZE) as pilot:
        pane = app.query_one("#side-gauges", GaugesPane)
        for name in ("textual-dark", "nord", "textual-light"):
            app.theme = name
            await pilot.pause()
            styles, theme = pane._styles(), app.current_theme
            for got, wanted in (
                (styles.ok, theme.success),
                (styles.warn, theme.warning),
                (styles.bad, theme.error),
            ):
                assert got.color is not None and got.color.triplet is not None
                want = Color.parse(wanted)
                assert max(abs(x - y) for x, y in zip(got.color.triplet, want.rgb, strict=True)) <= 2, name


@pytest.mark.asyncio
async def test_narrow_and_short_layouts() -> None:
    app = SCENES["two_gpus"]()
    async with app.run_test(size=SIZE):
        pane = app.query_one("#side-gauges", GaugesPane)
        one_line = text_of(pane, 100, 1).splitlines()
        assert len(one_line) == 1 and "Qwen3-8B" in one_line[0] and "│ GPU0" in one_line[0]
        per_item = text_of(pane, 60, 3).splitlines()
        assert [line.split()[0] for line in per_item] == ["●", "GPU0", "GPU1"]
        cards = text_of(pane, 40, 40)
        assert "L40S" in cards and "84°C" in cards and "342/350W" in cards
        assert max(len(line) for line in cards.splitlines()) <= 40


@pytest.mark.asyncio
async def test_new_settings_move_the_gauges_to_the_new_endpoint() -> None:
    """The app calls apply_settings when the user saves another endpoint: polling follows it."""
    with FakeVLLM(model="first/model") as first, FakeVLLM(model="second/model") as second:
        app = LiveGauges(Settings(endpoint=first.base_url))
        async with app.run_test(size=(44, 20)):
            pane = app.query_one(GaugesPane)
            await until(lambda: pane.servers[0].status.models == ("first/model",))
            pane.apply_settings(Settings(endpoint=second.base_url))
            await until(lambda: pane.servers[0].status.models == ("second/model",))
            await until(lambda: "second/model" in text_of(pane))
            assert "first/model" not in text_of(pane)
            polls = len(first.paths)
            await asyncio.sleep(0.3)
            assert len(first.paths) == polls  # the old endpoint is no longer polled


class LiveGauges(App[None]):
    def __init__(self, settings: Settings) -> None:
        super().__init__()
        self.settings = settings

    def compose(self) -> ComposeResult:
        yield GaugesPane(self.settings, GpuSampler(FakeNVML([h100()]), proc_dir=None), interval=0.05)


async def until(check: Callable[[], bool], seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "not true in time"
        await asyncio.sleep(0.02)


@pytest.mark.asyncio
async def test_our_own_stream_rate_stands_in_where_the_servers_counters_are_flat_or_missing() -> None:
    """llama.cpp counts a reply's tokens only when it ends: while we stream from it, its figure is flat,
    and ours is shown, labelled as ours. Another server's figure is never replaced."""
    llama = "http://127.0.0.1:8080/v1"
    flat = parse_metrics(LLAMA_METRICS.format(prompt=1400, cached=0, gen=380, secs=2.4, busy=4), 12.0)
    before = parse_metrics(LLAMA_METRICS.format(prompt=1400, cached=0, gen=380, secs=2.4, busy=4), 11.0)
    streaming = replace(llama_status(), metrics=flat, rates=compute_rates(before, flat))
    assert streaming.rates.generation_tps == 0

    class Ours(GaugesApp):
        def pane(self, name: str) -> GaugesPane:
            sampler = GpuSampler(FakeNVML([]), proc_dir=None)
            return GaugesPane(Settings(endpoint=llama), sampler, [llama], poll=False, id=name)

    app = Ours(lambda pane: pane.show_gpus(NO_GPU))
    async with app.run_test(size=SIZE) as pilot:
        pane = app.query_one("#side-gauges", GaugesPane)
        pane.show_measured(42.0)
        pane.show_server(0, streaming)
        await pilot.pause()
        card = text_of(pane)
        assert "42 app" in card and "our count: the server's is flat" in card
        assert "42 tok/s (app)" in text_of(pane, 120, 3)  # the one-line form says so too
        pane.show_measured(None)  # nothing streams: the server's own figure again
        pane.show_server(0, llama_status())
        await pilot.pause()
        assert "80 gen" in text_of(pane) and "app" not in text_of(pane)
        pane.show_measured(17.0)  # a server without /metrics: ours is all there is
        pane.show_server(0, replace(llama_status(), metrics_state="off", metrics=None, rates=None))
        await pilot.pause()
        assert "17 app" in text_of(pane)

    other = GaugesApp(lambda pane: pane.show_gpus(NO_GPU), endpoints=[llama])  # not the server we call
    async with other.run_test(size=SIZE) as pilot:
        pane = other.query_one("#side-gauges", GaugesPane)
        pane.show_measured(42.0)
        pane.show_server(0, streaming)
        await pilot.pause()
        assert " 0 gen" in text_of(pane) and "app" not in text_of(pane)
