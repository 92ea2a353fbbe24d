"""Doctor compares a running vLLM server with the plan for the GPUs it sees (plan/compare.py, as
`pageindex-tui plan --server` does): the flags that differ, and the KV cache by vLLM's own count beside
the plan's figure for the served checkpoint."""

from __future__ import annotations

from dataclasses import replace

import pytest
from fakes import FakeVLLM
from fakes.monitor import FakeNVML, VllmLoad, h100, vllm_metrics

from pageindex_tui.monitor.doctor import plan_here, render_report, run_doctor
from pageindex_tui.monitor.gpu import GpuSampler
from pageindex_tui.monitor.plan_check import plan_check
from pageindex_tui.monitor.prometheus import parse_metrics
from pageindex_tui.monitor.server import UP, ServerStatus
from pageindex_tui.settings import Settings
from pageindex_tui.store.library import Library

GIB = 1024**3


def one_h100() -> GpuSampler:
    return GpuSampler(FakeNVML([h100()]), proc_dir=None)


@pytest.mark.asyncio
async def test_a_server_that_differs_from_the_plan_is_named_flag_by_flag(tmp_path) -> None:
    with FakeVLLM(model="Qwen/Qwen3-8B", max_model_len=40960) as fake:
        fake.cache_blocks = 27_000  # 432,000 tokens in 16-token blocks, at 0.9 of the GPU
        settings = Settings(endpoint=fake.base_url)
        report = await run_doctor(settings, gpu_sampler=one_h100(), library=Library(tmp_path / "lib"))
    text = " ".join(render_report(report).split())
    assert report.exit_code == 0  # a server other than the plan's is information, not a failure
    # The plan for one H100 (NVML: 80 GiB, compute 9.0), no run records: Qwen3-32B FP8 at 32768 tokens.
    assert (
        "[info] differs from the plan for H100 80GB (80.0 GiB, compute 9.0): model Qwen/Qwen3-8B (plan: "
        "Qwen/Qwen3-32B-FP8); --max-model-len 40960 (plan: 32768)" in text
    )
    # Qwen3-8B BF16 on it at 0.9: 80 GiB x 0.9 - 16.4e9 bytes of weights - 1.5 GiB, over 147,456 bytes a
    # token (2 x 36 layers x 8 KV heads x 128 x 2 bytes).
    planned = int((80 * GIB * 0.9 - 16.4e9 - 1.5 * GIB) // 147_456)
    assert f"KV cache 432,000 tokens by the server's own count; the plan computes {planned:,} for it" in text
    assert "fix: the plan's command: vllm serve Qwen/Qwen3-32B-FP8 --max-model-len 32768" in text


@pytest.mark.asyncio
async def test_a_server_that_runs_as_the_plan_says_is_ok(tmp_path) -> None:
    with FakeVLLM(model="Qwen/Qwen3-32B-FP8", max_model_len=32768) as fake:
        fake.cache_blocks = 10_000
        settings = Settings(endpoint=fake.base_url)
        report = await run_doctor(settings, gpu_sampler=one_h100(), library=Library(tmp_path / "lib"))
    text = " ".join(render_report(report).split())
    assert "[ok] runs as the plan for H100 80GB (80.0 GiB, compute 9.0) says (Qwen/Qwen3-32B-FP8)" in text
    assert "160,000 tokens by the server's own count" in text


def test_skipped_with_why_where_there_is_nothing_to_compare() -> None:
    up = ServerStatus(
        "http://127.0.0.1:8000/v1",
        state=UP,
        kind="vllm",
        models=("Qwen/Qwen3-8B",),
        metrics=parse_metrics(vllm_metrics([VllmLoad()])),
    )
    plan = plan_here(one_h100().sample(), Settings(), None)
    remote = replace(up, endpoint="http://gpu-box:8000/v1")
    assert plan_check(remote, plan, False) == (
        "info",
        "plan check skipped: the server is on another machine, whose GPU is not seen here",
        "pageindex-tui plan --gpu NAME --server http://gpu-box:8000/v1",
    )
    level, message, _ = plan_check(up, None, True)  # type: ignore[misc]
    assert (level, message) == ("info", "plan check skipped: no GPU visible here")
    bare = replace(up, metrics=parse_metrics("vllm:num_requests_running 1.0\n"))
    assert plan_check(bare, plan, True) == (
        "info",
        "plan check skipped: this vLLM reports no vllm:cache_config_info (its flags)",
        "",
    )
    assert plan_check(replace(up, kind="llamacpp"), plan, True) is None
    level, message, _ = plan_check(up, plan, True)  # type: ignore[misc]
    assert level == "info" and message.startswith("differs from the plan for H100 80GB")
