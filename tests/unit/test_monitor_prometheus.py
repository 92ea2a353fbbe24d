"""The metrics parser: vLLM's documented names (new and old, several engines), llama.cpp's, and garbage."""

from __future__ import annotations

import math

import pytest
from fakes.monitor import VllmLoad, vllm_metrics

from pageindex_tui.monitor.prometheus import (
    Histogram,
    MetricsError,
    compute_rates,
    parse_metrics,
    read_samples,
    snapshot_from_samples,
)

# Copied from a llama-server (b-unknown, 2026) started with --metrics, after one short request.
LLAMA_TEXT = """# HELP llamacpp:prompt_tokens_total Number of prompt tokens processed, excluding cached tokens
# TYPE llamacpp:prompt_tokens_total counter
llamacpp:prompt_tokens_total 31
# HELP llamacpp:prompt_tokens_cached_total Number of prompt tokens reused from the cache
# TYPE llamacpp:prompt_tokens_cached_total counter
llamacpp:prompt_tokens_cached_total 0
# HELP llamacpp:prompt_seconds_total Total time spent processing prompts
# TYPE llamacpp:prompt_seconds_total counter
llamacpp:prompt_seconds_total 0.13724
# HELP llamacpp:tokens_predicted_total Number of generation tokens processed
# TYPE llamacpp:tokens_predicted_total counter
llamacpp:tokens_predicted_total 20
# HELP llamacpp:tokens_predicted_seconds_total Total time spent generating tokens
# TYPE llamacpp:tokens_predicted_seconds_total counter
llamacpp:tokens_predicted_seconds_total 0.134565
# HELP llamacpp:n_decode_total Total number of llama_decode() calls
# TYPE llamacpp:n_decode_total counter
llamacpp:n_decode_total 20
# HELP llamacpp:n_tokens_max Largest observed sequence length (prompt + generation)
# TYPE llamacpp:n_tokens_max counter
llamacpp:n_tokens_max 50
# HELP llamacpp:prompt_tokens_seconds Average prompt throughput in tokens/s
# TYPE llamacpp:prompt_tokens_seconds gauge
llamacpp:prompt_tokens_seconds 225.882
# HELP llamacpp:predicted_tokens_seconds Average generation throughput in tokens/s
# TYPE llamacpp:predicted_tokens_seconds gauge
llamacpp:predicted_tokens_seconds 141.196
# HELP llamacpp:requests_processing Number of requests processing
# TYPE llamacpp:requests_processing gauge
llamacpp:requests_processing 1
# HELP llamacpp:requests_deferred Number of requests deferred
# TYPE llamacpp:requests_deferred gauge
llamacpp:requests_deferred 2
# HELP llamacpp:n_busy_slots_per_decode Average number of busy slots per llama_decode() call
# TYPE llamacpp:n_busy_slots_per_decode gauge
llamacpp:n_busy_slots_per_decode 1
"""


def busy(**changes: object) -> VllmLoad:
    load = VllmLoad(
        running=3,
        waiting=2,
        kv_cache=0.5,
        prompt_tokens=10_000,
        generation_tokens=2_000,
        prefix_queries=10_000,
        prefix_hits=4_000,
        preemptions=1,
        ttft=[0.05, 0.2, 0.3],
        itl=[0.02] * 50,
    )
    for key, value in changes.items():
        setattr(load, key, value)
    return load


@pytest.mark.parametrize("old", [False, True], ids=["new-names", "old-names"])
def test_vllm_gauges_counters_and_histograms(old: bool) -> None:
    snap = parse_metrics(vllm_metrics([busy()], old_names=old), taken_at=5.0)
    assert snap.flavor == "vllm" and snap.taken_at == 5.0
    assert (snap.running, snap.waiting, snap.kv_cache) == (3, 2, 0.5)
    assert (snap.prompt_tokens, snap.generation_tokens) == (10_000, 2_000)
    assert (snap.prefix_queries, snap.prefix_hits, snap.preemptions) == (10_000, 4_000, 1)
    assert snap.ttft is not None and snap.ttft.count == 3 and snap.ttft.sum == pytest.approx(0.55)
    assert snap.itl is not None and snap.itl.count == 50 and snap.itl.mean() == pytest.approx(0.02)
    assert snap.models == ("Qwen/Qwen3-8B",) and snap.engines == 1
    assert snap.old_names is old


def test_vllm_engines_are_summed_and_the_kv_fraction_averaged() -> None:
    text = vllm_metrics(
        [busy(), busy(running=1, waiting=0, kv_cache=0.25, generation_tokens=500, itl=[0.04] * 50)]
    )
    snap = parse_metrics(text)
    assert snap.engines == 2
    assert (snap.running, snap.waiting) == (4, 2)
    assert snap.kv_cache == pytest.approx(0.375)
    assert snap.generation_tokens == 2_500
    assert snap.itl is not None and snap.itl.count == 100 and snap.itl.mean() == pytest.approx(0.03)


def test_rates_come_from_counter_and_histogram_deltas() -> None:
    before = parse_metrics(vllm_metrics([busy()]), taken_at=10.0)
    later = busy(
        prompt_tokens=14_000,
        generation_tokens=2_600,
        prefix_queries=14_000,
        prefix_hits=7_000,
        ttft=[0.05, 0.2, 0.3, 0.1, 0.1],
        itl=[0.02] * 50 + [0.01] * 100,
    )
    after = parse_metrics(vllm_metrics([later]), taken_at=12.0)
    rates = compute_rates(before, after)
    assert rates.seconds == 2.0
    assert rates.prompt_tps == pytest.approx(2_000)
    assert rates.generation_tps == pytest.approx(300)
    assert rates.prefix_hit_rate == pytest.approx(0.75)  # 3000 of the 4000 new queries hit
    assert rates.ttft_mean == pytest.approx(0.1)  # only the two new first tokens
    assert rates.itl_mean == pytest.approx(0.01)
    assert rates.ttft_p95 is not None and 0.08 < rates.ttft_p95 <= 0.1
    assert rates.itl_p95 is not None and rates.itl_p95 <= 0.01


def test_first_scrape_idle_interval_and_restart_give_no_invented_rates() -> None:
    first = parse_metrics(vllm_metrics([busy()]), taken_at=1.0)
    alone = compute_rates(None, first)
    assert alone.generation_tps is None and alone.prefix_hit_rate == pytest.approx(0.4)  # since start
    idle = compute_rates(first, parse_metrics(vllm_metrics([busy()]), taken_at=2.0))
    assert idle.generation_tps == 0 and idle.ttft_mean is None and idle.itl_mean is None
    restarted = parse_metrics(vllm_metrics([VllmLoad(generation_tokens=10, ttft=[0.1])]), taken_at=3.0)
    after_restart = compute_rates(first, restarted)
    assert after_restart.generation_tps is None and after_restart.ttft_mean is None


def test_llamacpp_names() -> None:
    snap = parse_metrics(LLAMA_TEXT, taken_at=1.0)
    assert snap.flavor == "llamacpp"
    assert (snap.running, snap.waiting) == (1, 2)
    assert snap.kv_cache is None  # removed from llama.cpp (PR #13660)
    assert (snap.prompt_tokens, snap.generation_tokens, snap.prefix_hits) == (31, 20, 0)
    assert snap.prefix_queries == 31
    later = LLAMA_TEXT.replace("prompt_tokens_total 31", "prompt_tokens_total 61")
    later = later.replace("prompt_tokens_cached_total 0", "prompt_tokens_cached_total 90")
    later = later.replace("tokens_predicted_total 20", "tokens_predicted_total 120")
    later = later.replace(
        "tokens_predicted_seconds_total 0.134565", "tokens_predicted_seconds_total 0.734565"
    )
    rates = compute_rates(snap, parse_metrics(later, taken_at=3.0))
    assert rates.generation_tps == pytest.approx(50)
    assert rates.prompt_tps == pytest.approx(15)
    assert rates.prefix_hit_rate == pytest.approx(0.75)  # 90 cached of 120 prompt tokens
    assert rates.itl_mean == pytest.approx(0.006)  # 0.6 s for 100 tokens
    assert rates.ttft_mean is None


def test_an_older_llamacpp_with_kv_cache_ratio() -> None:
    text = LLAMA_TEXT + "# TYPE llamacpp:kv_cache_usage_ratio gauge\nllamacpp:kv_cache_usage_ratio 0.42\n"
    assert parse_metrics(text).kv_cache == pytest.approx(0.42)


@pytest.mark.parametrize(
    "text",
    ["<html><body>502 Bad Gateway</body></html>", "garbage garbage garbage", '{"detail": "Not Found"}'],
)
def test_garbage_is_an_error_with_a_reason(text: str) -> None:
    with pytest.raises(MetricsError, match="not Prometheus text"):
        parse_metrics(text)


def test_other_servers_and_empty_text() -> None:
    assert parse_metrics("").flavor == "other"
    other = parse_metrics("# TYPE http_requests_total counter\nhttp_requests_total 3\n")
    assert other.flavor == "other" and other.running is None


def test_nan_samples_are_ignored() -> None:
    text = "# TYPE vllm:num_requests_running gauge\nvllm:num_requests_running NaN\n"
    assert parse_metrics(text).running is None
    assert math.isnan(read_samples(text)["vllm:num_requests_running"][0][1])


def test_histogram_quantile_like_promql() -> None:
    hist = Histogram(((0.1, 10.0), (0.5, 20.0), (1.0, 20.0), (math.inf, 20.0)), sum=4.0, count=20.0)
    assert hist.mean() == pytest.approx(0.2)
    assert hist.quantile(0.5) == pytest.approx(0.1)
    assert hist.quantile(0.75) == pytest.approx(0.3)
    over = Histogram(((0.1, 0.0), (math.inf, 4.0)), sum=8.0, count=4.0)
    assert over.quantile(0.9) == pytest.approx(0.1)  # beyond the last bound: the bound itself
    assert Histogram((), 0.0, 0.0).quantile(0.5) is None


def test_skipping_unread_metrics_changes_nothing() -> None:
    extra = [
        "# HELP vllm:e2e_request_latency_seconds e2e",
        "# TYPE vllm:e2e_request_latency_seconds histogram",
    ]
    extra += [f'vllm:e2e_request_latency_seconds_bucket{{engine="0",le="{le}"}} 3.0' for le in (1, 5, "+Inf")]
    extra += ['http_requests_total{handler="/metrics",method="GET",status="2xx"} 12.0', "weird line here"]
    text = vllm_metrics([busy()]) + "\n".join(extra) + "\n"
    whole = snapshot_from_samples(read_samples(text.replace("weird line here\n", "")))
    assert parse_metrics(text) == whole  # the unparseable line is not among the metrics read
