"""Throughput of a whole batch: concurrency policies and thinking, on a simulated vLLM and a llama-server.

    python benchmarks/throughput.py                        # 100 documents on the simulated vLLM (minutes)
    python benchmarks/throughput.py --docs 20 --scale 0.1  # quicker
    python benchmarks/throughput.py --llama                # then the real llama-server with --parallel 4
    python benchmarks/throughput.py --llama --no-sim       # only that

Every policy indexes the same generated Markdown documents in ONE batch, as `pageindex-tui index FOLDER`
does (one job service, one model client, one queue of calls; summaries on, response cache off, --force),
against a fresh server.

The simulated server (`simvllm.py`, coefficients derived and stated there: an 8B model in BF16 on one
80 GB GPU, max_num_seqs 256, 375k KV tokens) runs in a process of its own. `--scale S` multiplies its
every sleep: at the default 0.25 the simulated GPU runs 4x faster than the figures say, so that 12
batches of 100 documents take minutes; the client's own costs are not scaled. Its peak figures are the
engine's own counters; `--tokens-per-chunk` tokens go in one streamed chunk (vLLM's `--stream-interval`).

Policies: fixed 8 (the default before issue 12), fixed 256 (vLLM's max_num_seqs) and adaptive (the
scheduler's bound grows and shrinks on the server's figures, `--concurrency auto`), each with thinking on
and off for summaries. Printed per policy: wall seconds, generated tokens per second, peak requests waiting
and running in the server, preemptions, calls, reasoning tokens per summary call and the bound (for
adaptive: where it settled, and its highest). Then the goals of issue 12: adaptive at least 90% of the
best fixed bound (batch speed, same thinking), and the new defaults at least 4x faster than the old ones.

`--llama`: the embedded llama-server (SmolLM2-135M, `--parallel 4`, on this machine's CPUs) under fixed 1,
4, 8 and adaptive, a smaller batch; peaks come from its /metrics (`requests_processing`,
`requests_deferred`), polled ten times a second with the monitor's own parser. SmolLM2 cannot think, so
thinking is off there, as `--local` sets it.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

import simvllm  # noqa: E402

from pageindex_tui import events  # noqa: E402
from pageindex_tui.jobs.service import JobService  # noqa: E402
from pageindex_tui.monitor.prometheus import parse_metrics  # noqa: E402
from pageindex_tui.settings import Settings  # noqa: E402
from pageindex_tui.store.cache import ResponseCache  # noqa: E402
from pageindex_tui.store.library import Library  # noqa: E402

TOPICS = ("growth", "rainfall", "soil", "pests", "yield", "markets", "labour", "water", "storage", "seed")
ADAPTIVE = 0  # Settings.concurrency 0: the adaptive bound
OLD_DEFAULT = "fixed 8, thinking on"  # what `pageindex-tui index` did before issue 12
NEW_DEFAULT = "adaptive, thinking off"  # what it does now: summaries without thinking


@dataclass(frozen=True)
class Policy:
    concurrency: int  # ADAPTIVE or a fixed bound
    thinking: bool  # for summaries (the only calls a Markdown document with its headings needs)

    @property
    def bound(self) -> str:
        return "adaptive" if self.concurrency == ADAPTIVE else f"fixed {self.concurrency}"

    @property
    def name(self) -> str:
        return f"{self.bound}, thinking {'on' if self.thinking else 'off'}"

    def settings(self, endpoint: str, model: str, **extra: object) -> Settings:
        values = {"endpoint": endpoint, "model": model, "concurrency": self.concurrency, **extra}
        return Settings().with_values("benchmark", thinking_summary=self.thinking, **values)


SIM_POLICIES = tuple(Policy(c, t) for c in (8, 256, ADAPTIVE) for t in (True, False))
LLAMA_POLICIES = tuple(Policy(c, False) for c in (1, 4, 8, ADAPTIVE))


def make_documents(folder: Path, count: int, sections: int) -> list[Path]:
    """Markdown reports whose sections are long enough to be summarized by the model (~300 tokens)."""
    paths = []
    for d in range(count):
        lines = [f"# Field report {d + 1}", ""]
        for s in range(sections):
            topic = TOPICS[(d + s) % len(TOPICS)]
            lines += [f"## {topic.title()} in district {d + 1}.{s + 1}", ""]
            for p in range(4):
                lines.append(
                    f"Observation {p + 1} on {topic} in district {d + 1}: the plots measured in week "
                    f"{p + 3} showed {topic} figures {10 + (d * 7 + s * 3 + p) % 40} percent above the "
                    "season before, "
                    "with the usual spread between the northern and southern farms and no sign of damage "
                    "from the late frost that had been feared in the spring survey of the area."
                )
                lines.append("")
        path = folder / f"report_{d + 1:03}.md"
        path.write_text("\n".join(lines), encoding="utf-8")
        paths.append(path)
    return paths


# --- one batch ---------------------------------------------------------------------------------------------
@dataclass
class Batch:
    """What the client saw of one batch, from the engine's events."""

    seconds: float = 0.0
    failed: int = 0
    purposes: dict[int, str] = field(default_factory=dict)  # call id -> purpose
    summary_calls: int = 0
    summary_reasoning: int = 0  # reasoning tokens over the summary calls
    limits: list[tuple[int, str]] = field(default_factory=list)  # every LimitChanged: (limit, reason)

    def see(self, event: events.Event) -> None:
        if isinstance(event, events.CallStarted):
            self.purposes[event.call_id] = event.purpose
        elif isinstance(event, events.CallFinished) and event.outcome == "ok":
            if self.purposes.get(event.call_id, "").startswith("summarize"):
                self.summary_calls += 1
                self.summary_reasoning += event.reasoning_tokens
        elif isinstance(event, events.LimitChanged):
            self.limits.append((event.limit, event.reason))

    @property
    def reasoning_per_summary(self) -> float:
        return self.summary_reasoning / max(1, self.summary_calls)

    def bound(self, policy: Policy) -> str:
        if policy.concurrency != ADAPTIVE:
            return str(policy.concurrency)
        if not self.limits:
            return "? (no LimitChanged)"
        return f"{self.limits[-1][0]} (max {max(limit for limit, _ in self.limits)})"


def index_batch(settings: Settings, paths: list[Path], work: Path) -> Batch:
    """Index `paths` in one batch, as the CLI does; the figures the events give."""
    batch = Batch()

    async def run() -> int:
        library = Library(work / "library")
        cache = ResponseCache(work / "cache", enabled=False)
        async with JobService(library, sink=batch.see, cache=cache) as jobs:
            results = await jobs.run_many(paths, settings, work / "out", force=True)
        return sum(1 for r in results if not r.ok)

    started = time.perf_counter()
    batch.failed = asyncio.run(run())
    batch.seconds = time.perf_counter() - started
    return batch


@dataclass(frozen=True)
class Row:
    policy: Policy
    batch: Batch
    generated: int  # tokens, as the server counted them
    calls: int
    peak_waiting: float
    peak_running: float
    preemptions: int | None

    @property
    def tokens_per_second(self) -> float:
        return self.generated / self.batch.seconds


HEADER = (
    f"{'policy':<24} {'seconds':>8} {'tok/s':>7} {'peak wait':>9} {'peak run':>8} {'preempt':>7} "
    f"{'calls':>6} {'reasoning/summary':>17} {'failed':>6}  bound"
)


def print_row(row: Row) -> None:
    b = row.batch
    preempt = "-" if row.preemptions is None else str(row.preemptions)
    print(
        f"{row.policy.name:<24} {b.seconds:8.1f} {row.tokens_per_second:7.0f} {row.peak_waiting:9.0f} "
        f"{row.peak_running:8.0f} {preempt:>7} {row.calls:6} {b.reasoning_per_summary:17.0f} "
        f"{b.failed:6}  {b.bound(row.policy)}",
        flush=True,
    )


def print_goals(rows: list[Row], old: str | None, new: str) -> None:
    """Adaptive against the best fixed bound (same thinking), and the new defaults against the old."""
    by_name = {r.policy.name: r for r in rows}
    for thinking in sorted({r.policy.thinking for r in rows}, reverse=True):
        same = [r for r in rows if r.policy.thinking == thinking]
        fixed = [r for r in same if r.policy.concurrency != ADAPTIVE]
        adaptive = [r for r in same if r.policy.concurrency == ADAPTIVE]
        if not fixed or not adaptive:
            continue
        best = min(fixed, key=lambda r: r.batch.seconds)
        ratio = best.batch.seconds / adaptive[0].batch.seconds
        verdict = "met" if ratio >= 0.9 else "NOT met"
        print(
            f"  thinking {'on' if thinking else 'off'}: adaptive / best fixed ({best.policy.bound}) = "
            f"{ratio:.0%} of its batch speed (goal >= 90%: {verdict})"
        )
    if old in by_name and new in by_name:
        speedup = by_name[old].batch.seconds / by_name[new].batch.seconds
        verdict = "met" if speedup >= 4 else "NOT met"
        print(
            f"  new defaults ({new}) against the old ({old}): {speedup:.1f}x faster (goal >= 4x: {verdict})"
        )


# --- the simulated vLLM ------------------------------------------------------------------------------------
def run_simulated(policy: Policy, paths: list[Path], sim: simvllm.Sim, work: Path) -> Row:
    with simvllm.SimProcess(sim) as server:
        batch = index_batch(policy.settings(server.base_url, sim.model), paths, work)
        stats = server.stats()
    return Row(
        policy,
        batch,
        stats.generation_tokens,
        stats.finished,
        stats.peak_waiting,
        stats.peak_running,
        stats.preemptions,
    )


def simulated(args: argparse.Namespace, folder: Path) -> None:
    sim = simvllm.Sim(scale=args.scale, tokens_per_chunk=args.tokens_per_chunk)
    paths = make_documents(folder / "sim", args.docs, args.sections)
    print(
        f"\nSimulated vLLM: {args.docs} documents x {args.sections} sections in one batch (max_num_seqs "
        f"{sim.max_num_seqs}, KV {sim.kv_capacity:,} tokens, {sim.reasoning_tokens} reasoning + "
        f"{sim.answer_tokens} answer tokens a summary with thinking, time x{args.scale}, "
        f"{args.tokens_per_chunk} tokens a chunk); real seconds"
    )
    print(HEADER)
    rows = []
    for n, policy in enumerate(SIM_POLICIES):
        rows.append(run_simulated(policy, paths, sim, folder / f"sim{n}"))
        print_row(rows[-1])
    print("Goals (issue 12):")
    print_goals(rows, OLD_DEFAULT, NEW_DEFAULT)


# --- the real llama-server ---------------------------------------------------------------------------------
class MetricsWatch:
    """Peaks of a server's running and waiting requests, from its /metrics ten times a second."""

    def __init__(self, endpoint: str, every: float = 0.1) -> None:
        self.url = endpoint.removesuffix("/").removesuffix("/v1") + "/metrics"
        self.every = every
        self.peak_running = self.peak_waiting = 0.0
        self.scrapes = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def _watch(self) -> None:
        with httpx.Client(timeout=2.0) as client:
            while not self._stop.is_set():
                try:
                    snapshot = parse_metrics(client.get(self.url).text, time.monotonic())
                except (httpx.HTTPError, ValueError):
                    snapshot = None
                if snapshot is not None:
                    self.scrapes += 1
                    self.peak_running = max(self.peak_running, snapshot.running or 0.0)
                    self.peak_waiting = max(self.peak_waiting, snapshot.waiting or 0.0)
                self._stop.wait(self.every)

    @contextmanager
    def watching(self) -> Iterator[MetricsWatch]:
        self._thread.start()
        try:
            yield self
        finally:
            self._stop.set()
            self._thread.join(5)


def run_llama(policy: Policy, paths: list[Path], args: argparse.Namespace, work: Path) -> Row:
    from pageindex_tui.local.server import LocalServer

    with LocalServer(context=args.llama_context, parallel=4) as server:
        settings = policy.settings(server.endpoint, "", max_output_tokens=args.llama_max_tokens)
        with MetricsWatch(server.endpoint).watching() as watch:
            batch = index_batch(settings, paths, work)
            generated = int(_llama_counter(server.endpoint, "llamacpp:tokens_predicted_total"))
    calls = len(batch.purposes)
    return Row(policy, batch, generated, calls, watch.peak_waiting, watch.peak_running, None)


def _llama_counter(endpoint: str, name: str) -> float:
    text = httpx.get(endpoint.removesuffix("/v1") + "/metrics", timeout=5).text
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    return 0.0


def llama(args: argparse.Namespace, folder: Path) -> None:
    paths = make_documents(folder / "llama", args.llama_docs, args.llama_sections)
    print(
        f"\nllama-server --parallel 4 (SmolLM2-135M, context {args.llama_context}, on this machine's CPUs): "
        f"{args.llama_docs} documents x {args.llama_sections} sections in one batch, replies capped at "
        f"{args.llama_max_tokens} tokens, thinking off; real seconds, peaks from /metrics"
    )
    print(HEADER)
    rows = []
    for n, policy in enumerate(LLAMA_POLICIES):
        rows.append(run_llama(policy, paths, args, folder / f"llama{n}"))
        print_row(rows[-1])
    print("Goals (issue 12):")
    print_goals(rows, None, "")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--docs", type=int, default=100, help="documents in the simulated batch (100)")
    parser.add_argument("--sections", type=int, default=4, help="sections a document, each summarized (4)")
    parser.add_argument("--scale", type=float, default=0.25, help="simulated seconds per real second (0.25)")
    parser.add_argument("--tokens-per-chunk", type=int, default=4, help="tokens in one streamed chunk (4)")
    parser.add_argument("--no-sim", action="store_true", help="skip the simulated server")
    parser.add_argument("--llama", action="store_true", help="also the real llama-server, --parallel 4")
    parser.add_argument("--llama-docs", type=int, default=8, help="documents in the llama batch (8)")
    parser.add_argument("--llama-sections", type=int, default=3, help="sections a llama document (3)")
    parser.add_argument("--llama-context", type=int, default=16384, help="llama-server's context (16384)")
    parser.add_argument("--llama-max-tokens", type=int, default=160, help="reply cap with llama (160)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "sim").mkdir()
        (folder / "llama").mkdir()
        if not args.no_sim:
            simulated(args, folder)
        if args.llama:
            llama(args, folder)


if __name__ == "__main__":
    main()
