"""What watching the GPUs and the server costs; run by hand (not part of the test run):

    .venv/bin/python benchmarks/monitor_bench.py            # 20 s per polling figure
    .venv/bin/python benchmarks/monitor_bench.py --quick    # 6 s per polling figure

Prints:
1. polling CPU at 1 Hz (per cent of one core, `time.process_time` of this process, which includes the
   worker threads): one ServerMonitor poll (/health + /metrics, parsed) plus one GPU sample per second,
   a. against a vLLM stand-in in another process serving a /metrics body the size of a real vLLM's
      (vLLM's documented metric names: 14 histograms, 2 engines, process and HTTP metrics),
   b. against the real llama-server (`--metrics`), when it is installed;
   GPU: the real NVML (on a machine without a driver that is the cheap "no driver" path) and a fake NVML
   with two GPUs (the Python side of a sample; real driver calls add their own time).
2. the gauges pane in a headless app with real polling against the vLLM stand-in: CPU per cent of the
   whole app at 1 Hz, against the same app with polling off;
3. repaint cost: CPU milliseconds per update of the pane (new server status + new GPU snapshot, layout,
   render, compositor), 40x30 cards and a 120-column one-line strip; and the pure render of the lines.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import textwrap
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))  # the fakes

from fakes.monitor import GIB, FakeGpu, FakeNVML, VllmLoad, h100, vllm_metrics  # noqa: E402

from pageindex_tui.monitor.gpu import GpuSampler  # noqa: E402
from pageindex_tui.monitor.server import ServerMonitor  # noqa: E402
from pageindex_tui.settings import Settings  # noqa: E402

# The rest of a real vLLM scrape: histograms vLLM documents (docs/design/metrics.md), per engine.
EXTRA_HISTOGRAMS = (
    "vllm:e2e_request_latency_seconds",
    "vllm:request_queue_time_seconds",
    "vllm:request_prefill_time_seconds",
    "vllm:request_decode_time_seconds",
    "vllm:request_inference_time_seconds",
    "vllm:request_time_per_output_token_seconds",
    "vllm:request_prompt_tokens",
    "vllm:request_generation_tokens",
    "vllm:iteration_tokens_total",
    "vllm:request_params_n",
    "vllm:request_params_max_tokens",
    "vllm:request_max_num_generation_tokens",
)
BOUNDS = (0.3, 0.5, 0.8, 1, 1.5, 2, 2.5, 5, 10, 15, 20, 30, 40, 50, 60, 120, 240, 480, 960, 1920, 7680)


def vllm_body(step: int) -> str:
    """A /metrics body the size and shape of a busy two-engine vLLM's."""
    loads = [
        VllmLoad(
            running=3,
            waiting=1,
            kv_cache=0.4 + 0.01 * (step % 10),
            prompt_tokens=100_000 + 3_000 * step,
            generation_tokens=40_000 + 1_500 * step,
            prefix_queries=100_000 + 3_000 * step,
            prefix_hits=50_000 + 2_000 * step,
            ttft=[0.1] * (10 + step),
            itl=[0.02] * (500 + 100 * step),
        )
        for _ in range(2)
    ]
    lines = [vllm_metrics(loads)]
    for name in EXTRA_HISTOGRAMS:
        lines += [f"# HELP {name} {name}", f"# TYPE {name} histogram"]
        for engine in range(2):
            labels = f'engine="{engine}",model_name="Qwen/Qwen3-8B"'
            for bound in (*BOUNDS, "+Inf"):
                lines.append(f'{name}_bucket{{{labels},le="{bound}"}} {float(10 * step)}')
            lines += [f"{name}_count{{{labels}}} {float(10 * step)}", f"{name}_sum{{{labels}}} {12.5 * step}"]
    for handler in ("/v1/chat/completions", "/health", "/metrics", "/v1/models", "/tokenize"):
        for status in ("2xx", "4xx", "5xx"):
            lines.append(f'http_requests_total{{handler="{handler}",method="GET",status="{status}"}} 12.0')
    for name in ("process_cpu_seconds_total", "process_resident_memory_bytes", "process_open_fds"):
        lines.append(f"{name} 123.0")
    return "\n".join(lines) + "\n"


# --- the vLLM stand-in, in its own process so its CPU is not counted ------------------------------------
SERVER = textwrap.dedent(
    """
    import sys, time
    sys.path[:0] = [{tests!r}, {root!r}]
    from fakes import FakeVLLM
    from benchmarks.monitor_bench import vllm_body
    with FakeVLLM() as fake:
        step = [0]
        def metrics():
            step[0] += 1
            return vllm_body(step[0])
        fake.metrics = metrics
        print(fake.base_url, len(vllm_body(1)), flush=True)
        sys.stdin.read()
    """
)


class StandIn:
    def __enter__(self) -> StandIn:
        code = SERVER.format(tests=str(ROOT / "tests"), root=str(ROOT))
        self.process = subprocess.Popen(
            [sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        assert self.process.stdout is not None
        url, size = self.process.stdout.readline().split()
        self.endpoint, self.body_size = url, int(size)
        return self

    def __exit__(self, *_: object) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait(timeout=10)


def two_fake_gpus() -> GpuSampler:
    second = FakeGpu(name="NVIDIA L40S", memory_total=48 * GIB, compute_capability=(8, 9))
    return GpuSampler(FakeNVML([h100(processes=[(1, "vllm", 70 * GIB)]), second]), proc_dir=None)


# --- 1. polling -----------------------------------------------------------------------------------------
async def poll_at_1hz(endpoint: str, sampler: GpuSampler, seconds: float) -> tuple[float, float, int, str]:
    """(per cent of one core, CPU ms per poll, polls, last state)."""
    async with ServerMonitor(endpoint, interval=1.0, timeout=2.0) as monitor:
        await monitor.poll()  # connect and read /v1/models once, as the pane does at start
        await asyncio.to_thread(sampler.sample)
        cpu0, wall0, polls, state = time.process_time(), time.monotonic(), 0, ""
        while time.monotonic() - wall0 < seconds:
            tick = time.monotonic()
            status = await monitor.poll()
            await asyncio.to_thread(sampler.sample)
            polls, state = polls + 1, status.state + "/" + status.metrics_state
            await asyncio.sleep(max(0.0, 1.0 - (time.monotonic() - tick)))
        cpu, wall = time.process_time() - cpu0, time.monotonic() - wall0
    return 100 * cpu / wall, 1000 * cpu / max(1, polls), polls, state


def polling(seconds: float) -> None:
    print(f"1. Polling at 1 Hz for {seconds:.0f} s (CPU of this process, % of one core)")
    with StandIn() as stand_in:
        print(f"   vLLM stand-in /metrics body: {stand_in.body_size / 1024:.0f} KiB")
        for label, sampler in (("real NVML", GpuSampler()), ("fake NVML, 2 GPUs", two_fake_gpus())):
            share, per_poll, polls, state = asyncio.run(poll_at_1hz(stand_in.endpoint, sampler, seconds))
            gpu = sampler.sample().state
            print(
                f"   a. vLLM stand-in + {label:<18} {share:5.2f} % of a core "
                f"({per_poll:.1f} ms CPU per poll, {polls} polls, server {state}, GPU {gpu})"
            )
    try:
        from pageindex_tui.local.server import LocalServer

        server = LocalServer(context=4096, parallel=2)
    except Exception as err:  # not installed: say so and go on
        print(f"   b. real llama-server: skipped ({err})")
        return
    with server:
        share, per_poll, polls, state = asyncio.run(poll_at_1hz(server.endpoint, GpuSampler(), seconds))
        print(
            f"   b. {'real llama-server + real NVML':<34} {share:5.2f} % of a core "
            f"({per_poll:.1f} ms CPU per poll, {polls} polls, server {state})"
        )


# --- 2 and 3. the pane ----------------------------------------------------------------------------------
def make_app(endpoint: str, poll: bool, size: tuple[int, int]):
    from textual.app import App, ComposeResult

    from pageindex_tui.ui.widgets.gauges import GaugesPane

    class Bench(App[None]):
        CSS = "GaugesPane { width: 1fr; height: 1fr; }"

        def compose(self) -> ComposeResult:
            yield GaugesPane(Settings(endpoint=endpoint), two_fake_gpus(), poll=poll, id="pane")

    return Bench()


async def app_cpu(endpoint: str, poll: bool, seconds: float) -> tuple[float, int]:
    app = make_app(endpoint, poll, (44, 32))
    async with app.run_test(size=(44, 32)) as pilot:
        await pilot.pause(1.5)
        pane = app.query_one("#pane")
        renders0, cpu0, wall0 = pane.renders, time.process_time(), time.monotonic()
        await asyncio.sleep(seconds)
        cpu, wall = time.process_time() - cpu0, time.monotonic() - wall0
        return 100 * cpu / wall, pane.renders - renders0


def in_app(seconds: float) -> None:
    print(f"2. The pane in a headless app, {seconds:.0f} s (whole process, % of one core)")
    with StandIn() as stand_in:
        on, renders = asyncio.run(app_cpu(stand_in.endpoint, True, seconds))
        off, _ = asyncio.run(app_cpu(stand_in.endpoint, False, seconds))
    print(
        f"   polling on: {on:5.2f} %   polling off: {off:5.2f} %   "
        f"difference: {on - off:5.2f} % ({renders} repaints)"
    )


async def repaint_cost(size: tuple[int, int], updates: int) -> tuple[float, float]:
    """(CPU ms per update incl. layout and compositor, CPU ms per pure render of the lines)."""
    sys.path.insert(0, str(ROOT / "tests" / "ui"))
    sys.path.insert(0, str(ROOT / "tests"))
    from test_gauges import TOKENS, two_gpus, vllm_status

    from pageindex_tui.ui.widgets.gauges import render_lines

    app = make_app("http://127.0.0.1:9/v1", False, size)
    async with app.run_test(size=size) as pilot:
        pane = app.query_one("#pane")
        status, gpus = vllm_status(), two_gpus()
        pane.show_history(0, TOKENS)
        await pilot.pause()

        async def run(update: bool) -> float:
            cpu0 = time.process_time()
            for number in range(updates):
                if update:
                    pane.show_server(0, replace(status, latency=0.010 + number % 7 / 1000))
                    pane.show_gpus(replace(gpus, taken_at=float(number)))
                await pilot.pause()
            return time.process_time() - cpu0

        base = statistics.median([await run(False) for _ in range(3)])
        renders0 = pane.renders
        busy = statistics.median([await run(True) for _ in range(3)])
        assert pane.renders - renders0 >= updates, "every update repainted"
        styles, width, height = pane._styles(), pane.content_region.width, pane.content_region.height
        cpu0 = time.process_time()
        for _ in range(updates):
            render_lines(pane, styles, width, height)
        pure = time.process_time() - cpu0
    return 1000 * (busy - base) / updates, 1000 * pure / updates


def repaint(updates: int) -> None:
    print(f"3. Repaint cost ({updates} updates, CPU ms per update)")
    for label, size in (("40x30 cards      ", (40, 30)), ("120x1 one-line   ", (120, 1))):
        per_update, pure = asyncio.run(repaint_cost(size, updates))
        print(f"   {label} {per_update:5.2f} ms per update (render of the lines alone {pure:.2f} ms)")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="shorter runs")
    args = parser.parse_args()
    seconds = 6.0 if args.quick else 20.0
    os.environ.setdefault("TEXTUAL_ANIMATIONS", "none")
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs")
    polling(seconds)
    in_app(seconds)
    repaint(100 if args.quick else 300)


if __name__ == "__main__":
    main()
