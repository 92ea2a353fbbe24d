"""Prometheus text from a model server, turned into the figures the gauges show.

The text format is parsed by prometheus_client's maintained parser; this module only knows metric names:

- vLLM (V1 engine), new and old names: `vllm:kv_cache_usage_perc` (older `vllm:gpu_cache_usage_perc`),
  `vllm:inter_token_latency_seconds` (older `vllm:time_per_output_token_seconds`),
  `vllm:prefix_cache_{queries,hits}_total` (older `vllm:gpu_prefix_cache_*`). Every series carries
  `model_name` and `engine` labels; counters and histograms are summed across engines, the KV-cache
  fraction is averaged.
- llama.cpp (`llama-server --metrics`, no labels): `llamacpp:requests_processing` / `requests_deferred`,
  `prompt_tokens_total`, `prompt_tokens_cached_total`, `tokens_predicted_total`,
  `tokens_predicted_seconds_total`, and `kv_cache_usage_ratio` where an older build still has it.

`parse_metrics` reads one scrape; `compute_rates` turns two scrapes into tokens per second, the prefix-cache
hit rate and the mean (and 95th percentile) time to first token and inter-token latency over the interval.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from prometheus_client.parser import text_string_to_metric_families

Labels = Mapping[str, str]
Samples = dict[str, list[tuple[dict[str, str], float]]]


class MetricsError(ValueError):
    """The text is not Prometheus exposition format."""


# --- raw samples ------------------------------------------------------------------------------------------
def read_samples(text: str) -> Samples:
    """Every sample in the text, by sample name (`x_total`, `x_bucket`, ...); raises MetricsError."""
    samples: Samples = {}
    try:
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                samples.setdefault(sample.name, []).append((dict(sample.labels), float(sample.value)))
    except (ValueError, TypeError, IndexError, KeyError) as err:
        detail = str(err).splitlines()[0][:80] if str(err) else type(err).__name__
        raise MetricsError(f"not Prometheus text ({detail})") from None
    return samples


def _values(samples: Samples, *names: str) -> list[tuple[dict[str, str], float]] | None:
    """The samples of the first name present (a counter may be exposed with or without `_total`)."""
    for name in names:
        for candidate in (name, name + "_total") if not name.endswith("_total") else (name,):
            found = samples.get(candidate)
            if found:
                return [(labels, value) for labels, value in found if not math.isnan(value)] or None
    return None


def _sum(samples: Samples, *names: str) -> float | None:
    found = _values(samples, *names)
    return None if found is None else sum(value for _, value in found)


def _mean(samples: Samples, *names: str) -> float | None:
    found = _values(samples, *names)
    return None if found is None else sum(value for _, value in found) / len(found)


# --- histograms -------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Histogram:
    """A cumulative histogram: (upper bound, count of observations <= bound), +Inf last."""

    buckets: tuple[tuple[float, float], ...]
    sum: float
    count: float

    def minus(self, earlier: Histogram) -> Histogram | None:
        """Observations made since `earlier`; None when the server restarted (a counter went down)."""
        if self.count < earlier.count or self.sum < earlier.sum - 1e-9:
            return None
        before = dict(earlier.buckets)
        buckets = tuple((le, count - before.get(le, 0.0)) for le, count in self.buckets)
        if any(count < 0 for _, count in buckets):
            return None
        return Histogram(buckets, self.sum - earlier.sum, self.count - earlier.count)

    def mean(self) -> float | None:
        return self.sum / self.count if self.count > 0 else None

    def quantile(self, q: float) -> float | None:
        """Like PromQL's histogram_quantile: linear inside the bucket that holds the q-th observation."""
        if self.count <= 0 or not self.buckets:
            return None
        rank = q * self.buckets[-1][1]
        lower_bound, lower_count = 0.0, 0.0
        for bound, count in self.buckets:
            if count >= rank:
                if math.isinf(bound):
                    return lower_bound  # beyond the last finite bucket: its bound is the best answer
                if count == lower_count:
                    return bound
                return lower_bound + (bound - lower_bound) * (rank - lower_count) / (count - lower_count)
            lower_bound, lower_count = bound, count
        return lower_bound


def _histogram(samples: Samples, *names: str) -> Histogram | None:
    """The histogram of the first name present, summed across label sets (engines, models)."""
    for name in names:
        buckets = samples.get(name + "_bucket")
        if not buckets:
            continue
        by_bound: dict[float, float] = {}
        for labels, value in buckets:
            try:
                bound = float(labels.get("le", "nan"))
            except ValueError:
                continue
            if not math.isnan(bound):
                by_bound[bound] = by_bound.get(bound, 0.0) + value
        total = sum(value for _, value in samples.get(name + "_sum", []))
        count = sum(value for _, value in samples.get(name + "_count", []))
        if not by_bound and not count:
            continue
        return Histogram(tuple(sorted(by_bound.items())), total, count)
    return None


# --- one scrape -------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class CacheConfig:
    """The labels of vLLM's `vllm:cache_config_info`: what the running server's KV cache holds."""

    blocks: int  # num_gpu_blocks
    block_size: int  # tokens a block
    memory_utilization: float | None  # its --gpu-memory-utilization
    dtype: str  # its --kv-cache-dtype ("auto", "fp8", ...)

    @property
    def tokens(self) -> int:
        return self.blocks * self.block_size


def _cache_config(samples: Samples) -> CacheConfig | None:
    for labels, _ in samples.get("vllm:cache_config_info", []):
        try:
            blocks, size = int(labels["num_gpu_blocks"]), int(labels["block_size"])
        except (KeyError, ValueError):
            continue
        try:
            utilization: float | None = float(labels.get("gpu_memory_utilization", ""))
        except ValueError:
            utilization = None
        return CacheConfig(blocks, size, utilization, labels.get("cache_dtype", "auto"))
    return None


@dataclass(frozen=True)
class MetricsSnapshot:
    """What one scrape of /metrics says. Counters are cumulative; None = the server does not report it."""

    flavor: str  # "vllm" | "llamacpp" | "other"
    taken_at: float  # monotonic seconds, for rates
    running: float | None = None
    waiting: float | None = None
    kv_cache: float | None = None  # fraction 0..1 of the KV cache in use
    prompt_tokens: float | None = None
    generation_tokens: float | None = None
    prefix_queries: float | None = None  # prompt tokens looked up in the prefix cache
    prefix_hits: float | None = None  # ... and found there
    ttft: Histogram | None = None  # time to first token, seconds
    itl: Histogram | None = None  # inter-token latency, seconds
    decode_seconds: float | None = None  # llama.cpp: total time spent generating (for inter-token latency)
    preemptions: float | None = None
    models: tuple[str, ...] = ()  # vLLM's model_name labels
    engines: int = 0  # vLLM engine labels seen
    old_names: bool = False  # vLLM answered with names deprecated since 0.10/0.11
    cache: CacheConfig | None = None  # vLLM's vllm:cache_config_info: how its KV cache was sized


VLLM_KV = ("vllm:kv_cache_usage_perc", "vllm:gpu_cache_usage_perc")
VLLM_ITL = ("vllm:inter_token_latency_seconds", "vllm:time_per_output_token_seconds")
VLLM_PREFIX_QUERIES = ("vllm:prefix_cache_queries_total", "vllm:gpu_prefix_cache_queries_total")
VLLM_PREFIX_HITS = ("vllm:prefix_cache_hits_total", "vllm:gpu_prefix_cache_hits_total")
OLD_VLLM_NAMES = frozenset(
    {
        "vllm:gpu_cache_usage_perc",
        "vllm:time_per_output_token_seconds_bucket",
        "vllm:gpu_prefix_cache_queries_total",
    }
)


def _labels_of(samples: Samples, prefix: str, label: str) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for name, values in samples.items():
        if name.startswith(prefix):
            for labels, _ in values:
                if label in labels:
                    seen[labels[label]] = None
    return tuple(seen)


def snapshot_from_samples(samples: Samples, taken_at: float = 0.0) -> MetricsSnapshot:
    names = samples.keys()
    if any(name.startswith("vllm:") for name in names):
        hits = _sum(samples, *VLLM_PREFIX_HITS)
        queries = _sum(samples, *VLLM_PREFIX_QUERIES)
        return MetricsSnapshot(
            flavor="vllm",
            taken_at=taken_at,
            running=_sum(samples, "vllm:num_requests_running"),
            waiting=_sum(samples, "vllm:num_requests_waiting"),
            kv_cache=_mean(samples, *VLLM_KV),
            prompt_tokens=_sum(samples, "vllm:prompt_tokens_total"),
            generation_tokens=_sum(samples, "vllm:generation_tokens_total"),
            prefix_queries=queries,
            prefix_hits=hits,
            ttft=_histogram(samples, "vllm:time_to_first_token_seconds"),
            itl=_histogram(samples, *VLLM_ITL),
            preemptions=_sum(samples, "vllm:num_preemptions_total"),
            models=_labels_of(samples, "vllm:", "model_name"),
            engines=len(_labels_of(samples, "vllm:", "engine")),
            old_names=bool(OLD_VLLM_NAMES & set(names)) and "vllm:kv_cache_usage_perc" not in names,
            cache=_cache_config(samples),
        )
    if any(name.startswith("llamacpp:") for name in names):
        prompt = _sum(samples, "llamacpp:prompt_tokens_total")
        cached = _sum(samples, "llamacpp:prompt_tokens_cached_total")
        kv = _mean(samples, "llamacpp:kv_cache_usage_ratio")  # removed from current builds (PR #13660)
        return MetricsSnapshot(
            flavor="llamacpp",
            taken_at=taken_at,
            running=_sum(samples, "llamacpp:requests_processing"),
            waiting=_sum(samples, "llamacpp:requests_deferred"),
            kv_cache=kv,
            prompt_tokens=prompt,
            generation_tokens=_sum(samples, "llamacpp:tokens_predicted_total"),
            prefix_queries=None if cached is None or prompt is None else prompt + cached,
            prefix_hits=cached,
            decode_seconds=_sum(samples, "llamacpp:tokens_predicted_seconds_total"),
        )
    return MetricsSnapshot(flavor="other", taken_at=taken_at)


WANTED = (
    "vllm:num_requests_",
    "vllm:kv_cache_usage_perc",
    "vllm:gpu_cache_usage_perc",
    "vllm:prompt_tokens_",
    "vllm:generation_tokens_",
    "vllm:prefix_cache_",
    "vllm:gpu_prefix_cache_",
    "vllm:num_preemptions",
    "vllm:time_to_first_token_seconds",
    "vllm:inter_token_latency_seconds",
    "vllm:time_per_output_token_seconds",
    "vllm:cache_config_info",
    "llamacpp:",
)


def relevant(text: str) -> str:
    """Only the lines of the metrics read here (and their HELP/TYPE lines).

    A busy vLLM writes a dozen more histograms per engine, process and HTTP metrics: skipping them before
    parsing makes a scrape several times cheaper. The parser still reads every line that is kept.
    """
    kept = []
    for line in text.splitlines():
        if line.startswith("#"):
            parts = line.split(None, 3)
            if len(parts) > 2 and parts[1] in ("HELP", "TYPE") and parts[2].startswith(WANTED):
                kept.append(line)
        elif line.startswith(WANTED):
            kept.append(line)
    return "\n".join(kept) + "\n" if kept else ""


def parse_metrics(text: str, taken_at: float = 0.0) -> MetricsSnapshot:
    """One scrape of /metrics; raises MetricsError when the text is not Prometheus exposition format.

    Only the metrics this module reads are parsed; a text with none of them is parsed whole, so garbage
    (an HTML error page, JSON) is still told apart from another server's metrics."""
    wanted = relevant(text)
    return snapshot_from_samples(read_samples(wanted if wanted else text), taken_at)


# --- two scrapes ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Rates:
    """Figures over the interval between two scrapes. None = not known (first scrape, restart, idle)."""

    seconds: float
    prompt_tps: float | None = None
    generation_tps: float | None = None
    prefix_hit_rate: float | None = None  # over the interval, else since the server started
    ttft_mean: float | None = None
    ttft_p95: float | None = None
    itl_mean: float | None = None
    itl_p95: float | None = None


def _delta(now: float | None, before: float | None) -> float | None:
    if now is None or before is None or now < before:
        return None  # unknown, or the counter was reset (server restart)
    return now - before


def compute_rates(before: MetricsSnapshot | None, now: MetricsSnapshot) -> Rates:
    """Rates between two scrapes of the same server; cumulative figures where there is no `before`."""
    hit_rate = None
    if now.prefix_queries and now.prefix_hits is not None:
        hit_rate = now.prefix_hits / now.prefix_queries  # since start, until the interval says more
    if before is None or before.flavor != now.flavor:
        return Rates(0.0, prefix_hit_rate=hit_rate)
    seconds = now.taken_at - before.taken_at
    if seconds <= 0:
        return Rates(0.0, prefix_hit_rate=hit_rate)
    prompt = _delta(now.prompt_tokens, before.prompt_tokens)
    generated = _delta(now.generation_tokens, before.generation_tokens)
    queries = _delta(now.prefix_queries, before.prefix_queries)
    hits = _delta(now.prefix_hits, before.prefix_hits)
    if queries and hits is not None:
        hit_rate = hits / queries
    ttft = now.ttft.minus(before.ttft) if now.ttft and before.ttft else None
    itl = now.itl.minus(before.itl) if now.itl and before.itl else None
    itl_mean = itl.mean() if itl else None
    if itl is None and now.flavor == "llamacpp":
        spent = _delta(now.decode_seconds, before.decode_seconds)
        if spent is not None and generated:
            itl_mean = spent / generated  # seconds per generated token, averaged over busy slots
    return Rates(
        seconds=seconds,
        prompt_tps=None if prompt is None else prompt / seconds,
        generation_tps=None if generated is None else generated / seconds,
        prefix_hit_rate=hit_rate,
        ttft_mean=ttft.mean() if ttft else None,
        ttft_p95=ttft.quantile(0.95) if ttft else None,
        itl_mean=itl_mean,
        itl_p95=itl.quantile(0.95) if itl else None,
    )
