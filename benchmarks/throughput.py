"""Throughput of a whole batch: concurrency policies and thinking, on a simulated vLLM and llama-server.

    python benchmarks/throughput.py                    # 100 documents on the simulated vLLM server
    python benchmarks/throughput.py --docs 20 --scale 0.1
    python benchmarks/throughput.py --llama            # also the real llama-server with --parallel 4

The simulated server (`simvllm.py`, its coefficients stated there) batches like vLLM: its step time grows
with the batch, its KV cache holds a fixed number of tokens and requests queue beyond `max_num_seqs`.
Each policy indexes the same generated Markdown documents (summaries on, the response cache off) against
a fresh server. Printed per policy: wall seconds, generated tokens per second, peak requests waiting
and running in the server, preemptions, and reasoning tokens per summary.

Policies: `fixed 8, thinking on` is what the defaults were before issue 12; `fixed 256`; `adaptive`
(the scheduler's bound grows and shrinks on the server's figures) with the defaults, where summaries
are written without thinking.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

import simvllm  # noqa: E402

from pageindex_tui.index.pipeline import Indexer  # noqa: E402
from pageindex_tui.library import ResponseCache  # noqa: E402
from pageindex_tui.settings import Settings  # noqa: E402

TOPICS = ("growth", "rainfall", "soil", "pests", "yield", "markets", "labour", "water", "storage", "seed")


@dataclass(frozen=True)
class Policy:
    name: str
    concurrency: int  # 0: adaptive
    thinking: bool | None  # None: the defaults (per purpose)


POLICIES = (
    Policy("fixed 8, thinking on (old defaults)", 8, True),
    Policy("fixed 8, thinking off", 8, False),
    Policy("fixed 256, thinking on", 256, True),
    Policy("fixed 256, thinking off", 256, False),
)


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


@dataclass
class Figures:
    seconds: float
    generated: int
    peak_waiting: int
    peak_running: int
    preemptions: int
    requests: int
    reasoning_per_call: float
    failed: int


async def _index(settings: Settings, paths: list[Path], out: Path) -> int:
    indexer = Indexer(settings, out, cache=ResponseCache(enabled=False))
    try:
        results = await indexer.index_many(paths)
    finally:
        await indexer.aclose()
    return sum(1 for r in results if not r.ok)


def run_simulated(policy: Policy, paths: list[Path], sim: simvllm.Sim, out: Path) -> Figures:
    with simvllm.SimServer(sim) as server:
        settings = Settings(endpoint=server.base_url, model=sim.model, concurrency=policy.concurrency)
        if policy.thinking is not None:
            settings = replace(settings, thinking=policy.thinking)
        started = time.perf_counter()
        failed = asyncio.run(_index(settings, paths, out))
        seconds = time.perf_counter() - started
        engine = server.engine
        assert engine is not None
        return Figures(
            seconds,
            engine.generation_tokens,
            engine.peak_waiting,
            engine.peak_running,
            engine.preemptions,
            engine.finished,
            engine.reasoning_tokens / max(1, engine.finished),
            failed,
        )


def print_row(name: str, f: Figures) -> None:
    print(
        f"{name:<40} {f.seconds:8.1f} {f.generated / f.seconds:9.0f} {f.peak_waiting:8} {f.peak_running:8} "
        f"{f.preemptions:6} {f.requests:6} {f.reasoning_per_call:10.0f} {f.failed:6}",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--docs", type=int, default=100)
    parser.add_argument("--sections", type=int, default=4)
    parser.add_argument("--scale", type=float, default=0.25, help="simulated time per real second")
    parser.add_argument("--tokens-per-chunk", type=int, default=4, help="tokens in one streamed chunk")
    args = parser.parse_args()
    sim = simvllm.Sim(scale=args.scale, tokens_per_chunk=args.tokens_per_chunk)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        paths = make_documents(folder, args.docs, args.sections)
        print(
            f"{args.docs} documents x {args.sections} sections on the simulated vLLM "
            f"(max_num_seqs {sim.max_num_seqs}, KV {sim.kv_capacity} tokens, time x{args.scale}, "
            f"{args.tokens_per_chunk} tokens a chunk); seconds are real seconds"
        )
        print(
            f"{'policy':<40} {'seconds':>8} {'tok/s':>9} {'peak wait':>8} {'peak run':>8} "
            f"{'preempt':>6} {'calls':>6} {'reasoning/call':>10} {'failed':>6}"
        )
        for n, policy in enumerate(POLICIES):
            figures = run_simulated(policy, paths, sim, folder / f"out{n}")
            print_row(policy.name, figures)


if __name__ == "__main__":
    main()
