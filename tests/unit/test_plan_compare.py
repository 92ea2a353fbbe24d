"""A running server against the plan: vLLM's cache_config_info read, repositories mapped to the table."""

from __future__ import annotations

from fakes.monitor import VllmLoad, vllm_metrics

from pageindex_tui.monitor.prometheus import parse_metrics
from pageindex_tui.plan.compare import Served, differences, from_repo
from pageindex_tui.plan.gpus import find_gpu
from pageindex_tui.plan.models import AWQ, FP8
from pageindex_tui.plan.sizing import Box, recommend


def test_vllm_cache_config_info_gives_the_kv_cache_in_tokens():
    cache = parse_metrics(vllm_metrics([VllmLoad()])).cache
    assert cache is not None
    assert (cache.blocks, cache.block_size, cache.memory_utilization) == (27_000, 16, 0.9)
    assert cache.tokens == 432_000 and cache.dtype == "auto"
    assert parse_metrics("vllm:num_requests_running 1.0\n").cache is None


def test_repositories_map_to_the_table():
    found = from_repo("Qwen/Qwen3-8B-FP8")
    assert found is not None and found[0].name == "Qwen3-8B" and found[1] is FP8
    gptq = from_repo("qwen/qwen3-30b-a3b-gptq-int4")
    assert gptq is not None and gptq[0].name == "Qwen3-30B-A3B" and gptq[1] is AWQ
    assert from_repo("meta-llama/Llama-3.1-8B") is None


def test_differences_name_each_flag_with_the_plan_s_value():
    choice = recommend(Box(find_gpu("H100")), 32768, 8000, 4)
    assert choice is not None and choice.fit.repo == "Qwen/Qwen3-32B-FP8"
    same = Served("u", "vllm", "Qwen/Qwen3-32B-FP8", 32768, None, 0.90)
    assert differences(same, choice) == []
    other = Served("u", "vllm", "Qwen/Qwen3-8B", 40960, None, 0.95)
    assert differences(other, choice) == [
        "model Qwen/Qwen3-8B (plan: Qwen/Qwen3-32B-FP8)",
        "--max-model-len 40960 (plan: 32768)",
        "--gpu-memory-utilization 0.95 (plan: 0.90)",
    ]
