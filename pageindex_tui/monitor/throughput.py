"""Doctor's throughput check: is a local vLLM server generating far slower than its GPU should?

Measured: each sequence's decode speed, 1 / vLLM's mean inter-token latency since the server started
(`vllm:inter_token_latency_seconds`, a histogram: its sum over its count). Estimated: the plan's speed for
one sequence of the served Qwen3 checkpoint on this machine's GPU (plan/costs.py `decode_step`: the active
weights and the sequence's KV cache read once a token at 70% of one GPU's memory bandwidth), the sequence
holding the largest request the settings allow. One sequence alone is the fastest a sequence decodes; many
at once are slower each, so only a measurement below FAR_BELOW of the estimate is reported as a problem.

The check is skipped, with its reason, where either side is unknown: a server on another machine (its GPU
is not the one NVML sees here), no GPU, a model the plan's table does not hold, a GPU without a known
bandwidth, a server without inter-token latencies (llama.cpp, or no token generated yet).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..plan.compare import from_repo
from ..plan.costs import decode_step
from ..plan.gpus import from_nvml
from ..plan.sizing import Box, fit
from .gpu import GpuSnapshot
from .server import UP, ServerStatus

FAR_BELOW = 0.2  # a measured speed under this share of the one-sequence estimate is reported


@dataclass(frozen=True)
class Throughput:
    """The check's outcome: `slow` None when it was skipped (`message` says why)."""

    slow: bool | None
    message: str
    fix: str = ""
    ratio: float | None = None


def throughput_check(status: ServerStatus, gpus: GpuSnapshot, local: bool, request_tokens: int) -> Throughput:
    """`local`: the server's endpoint is on this machine; `request_tokens`: what a sequence holds."""
    head = "throughput check skipped:"
    if status.state != UP or not status.model:
        return Throughput(None, f"{head} the server is not up")
    if status.kind != "vllm":
        return Throughput(None, f"{head} it needs vLLM's inter-token latency metric")
    itl = status.metrics.itl if status.metrics is not None else None
    if itl is None or not itl.count or not itl.sum:
        return Throughput(
            None, f"{head} the server reports no inter-token latencies yet (no tokens generated)"
        )
    if not local:
        return Throughput(None, f"{head} the server is on another machine, whose GPU is not seen here")
    usable = [g for g in gpus.gpus if g.memory_total and not g.error] if gpus.state == "ok" else []
    if not usable:
        return Throughput(None, f"{head} no GPU visible here")
    known = from_repo(status.model)
    if known is None:
        return Throughput(None, f"{head} the plan has no figures for {status.model}")
    largest = max(usable, key=lambda g: g.memory_total or 0)
    spec = from_nvml(largest.name, largest.memory_total or 0, largest.compute_capability, largest.power_limit)
    planned = fit(*known, Box(spec), status.context_length or request_tokens, request_tokens)
    step = decode_step(planned, 1, request_tokens)
    if step is None:
        return Throughput(None, f"{head} the memory bandwidth of {spec.name} is not in the plan's GPU table")
    estimate, measured = 1 / step, itl.count / itl.sum
    ratio = measured / estimate
    label = planned.model.quant_label(planned.quant)
    message = (
        f"generation: {measured:,.1f} tokens/s a sequence measured (1 / the mean inter-token latency of "
        f"{itl.count:,.0f} tokens since the server started); the plan estimates {estimate:,.0f} for one "
        f"sequence of {planned.model.name} {label} on one {spec.name} ({request_tokens:,} tokens held): "
        f"{ratio:.2f} of it"
    )
    if ratio >= FAR_BELOW:
        return Throughput(False, message, ratio=ratio)
    fix = (
        "check that vLLM runs on this GPU (`nvidia-smi`), that the GPU is not throttled (power, temperature, "
        "clocks), that no weights are offloaded to the CPU, and the server's preemptions; many sequences "
        "at once also slow each one"
    )
    return Throughput(True, message + f", far below (under {FAR_BELOW:.0%})", fix, ratio)
