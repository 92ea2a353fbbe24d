"""The throughput the user's server delivered, from the run records: tokens over the time it was busy.

Each record that called a model spans [finished_at - wall_seconds, finished_at], the seconds its document
was being indexed. Documents indexed at once overlap, so their seconds cannot be added (nor their
per-document rates): the records of one server, model and GPU are taken together, and their prompt and
completion tokens are divided by the UNION of their spans (`busy_seconds`), each second counted once. The
result is what the box delivered at the concurrency the runs used, prefill and decoding at once, and every
second a document was open counts (its PDF reading, its waits), so it is a floor on what the box can do.

The GPU is the one NVML saw where the documents were indexed (the record's energy), and only when the
server's endpoint is on that machine (loopback); a server elsewhere, or none seen, leaves it unknown.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from ..discovery import is_local
from ..store.records import RunRecord
from .compare import from_repo
from .gpus import same_gpu
from .sizing import Choice


def busy_seconds(spans: Iterable[tuple[float, float]]) -> float:
    """The length of the union of the spans (start, end): overlaps and nested spans counted once, a span
    of no length adds nothing. Raises ValueError for a span that ends before it starts."""
    total, reached = 0.0, float("-inf")
    for start, end in sorted(spans):
        if end < start:
            raise ValueError(f"a span cannot end ({end}) before it starts ({start})")
        if end <= reached:
            continue  # inside what is counted already
        total += end - max(start, reached)
        reached = end
    return total


@dataclass(frozen=True)
class MeasuredRate:
    """The tokens one server (endpoint, model, GPUs) delivered over its busy seconds."""

    endpoint: str
    kind: str
    model: str
    gpus: tuple[str, ...]  # NVML's names, one per GPU; () when not known (see the module's doc)
    runs: int
    busy_seconds: float  # the union of the runs' spans
    prompt_tokens: int
    completion_tokens: int

    @property
    def prompt_rate(self) -> float:
        return self.prompt_tokens / self.busy_seconds

    @property
    def completion_rate(self) -> float:
        return self.completion_tokens / self.busy_seconds

    @property
    def where(self) -> str:
        """ "1 x NVIDIA H100 80GB HBM3", "no GPU recorded" """
        if not self.gpus:
            return "no GPU recorded"
        if len(set(self.gpus)) > 1:
            return ", ".join(self.gpus)
        return f"{len(self.gpus)} x {self.gpus[0]}"

    def summary(self) -> str:
        """ "3 runs over 2.5 busy minutes, overlaps counted once" """
        runs = f"{self.runs} run{'s' * (self.runs != 1)}"
        return f"{runs} over {_duration(self.busy_seconds)}, overlaps counted once"

    def describe(self) -> str:
        """ "Qwen/Qwen3-8B-FP8 (vllm) on 1 x NVIDIA H100 80GB HBM3", "... (llamacpp), no GPU recorded" """
        server = f"{self.model} ({self.kind or '?'})"
        return f"{server} on {self.where}" if self.gpus else f"{server}, {self.where}"


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:,.1f} busy seconds"
    if seconds < 7200:
        return f"{seconds / 60:,.1f} busy minutes"
    return f"{seconds / 3600:,.2f} busy hours"


def _span(record: RunRecord) -> tuple[float, float] | None:
    """The seconds (since the epoch) the record's document was being indexed; None when unknown."""
    if record.wall_seconds <= 0 or not record.finished_at:
        return None
    try:
        end = datetime.fromisoformat(record.finished_at).timestamp()
    except ValueError:
        return None
    return end - record.wall_seconds, end


def _gpus(record: RunRecord) -> tuple[str, ...]:
    local = record.server is not None and is_local(record.server.endpoint)
    return record.energy.gpus if local and record.energy is not None else ()


def measured_rates(records: Sequence[RunRecord]) -> tuple[MeasuredRate, ...]:
    """One rate per server, model and GPUs among the records that called a model and know their span,
    the busiest first; a group without busy time or token counts (usage not reported) gives none."""
    groups: dict[tuple[str, str, str, tuple[str, ...]], list[tuple[RunRecord, tuple[float, float]]]] = {}
    for record in records:
        span = _span(record)
        if record.server is None or not record.server.model or record.llm.calls == 0 or span is None:
            continue
        server = record.server
        key = (server.endpoint, server.kind, server.model, _gpus(record))
        groups.setdefault(key, []).append((record, span))
    out = []
    for (endpoint, kind, model, gpus), members in groups.items():
        busy = busy_seconds(span for _record, span in members)
        prompt = sum(r.llm.prompt_tokens for r, _span in members)
        completion = sum(r.llm.completion_tokens for r, _span in members)
        if busy <= 0 or not prompt or not completion:
            continue  # no time, or a server that reported no token counts: nothing measured
        out.append(MeasuredRate(endpoint, kind, model, gpus, len(members), busy, prompt, completion))
    return tuple(sorted(out, key=lambda rate: rate.busy_seconds, reverse=True))


def why_not(rate: MeasuredRate, choice: Choice) -> str:
    """Why `rate` says nothing about the planned box: another model or quantization, no GPU recorded,
    another GPU or another number of them; "" when it was measured on the same."""
    fit, box = choice.fit, choice.fit.box
    if from_repo(rate.model) is None:
        return f"{rate.model} is not a Qwen3 checkpoint the plan knows"
    if rate.model.lower() != fit.repo.lower():
        return f"your runs served {rate.model}, the plan {fit.repo}"
    if not rate.gpus:
        return "your runs recorded no GPU (none visible to NVML, or the server on another machine)"
    if not same_gpu(rate.gpus, box.gpu) or len(rate.gpus) != box.count:
        return f"your runs had {rate.where}, the plan {box.count} x {box.gpu.name}"
    return ""


def matching(rates: Sequence[MeasuredRate], choice: Choice) -> MeasuredRate | None:
    """The busiest of `rates` measured on the planned model and GPUs."""
    return next((rate for rate in rates if not why_not(rate, choice)), None)
