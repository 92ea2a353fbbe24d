"""Doctor's "throughput far below what the GPU should do": FakeVLLM's inter-token latencies against the
plan's one-sequence estimate for the served Qwen3 checkpoint on a fake NVML's GPU."""

from __future__ import annotations

from dataclasses import replace

import pytest
from fakes import FakeVLLM
from fakes.monitor import FakeGpu, FakeNVML, h100

from pageindex_tui.monitor.doctor import WARN, render_report, run_doctor
from pageindex_tui.monitor.gpu import GpuSampler
from pageindex_tui.monitor.server import ServerMonitor
from pageindex_tui.monitor.throughput import FAR_BELOW, throughput_check
from pageindex_tui.plan.build import PROMPT_ROOM
from pageindex_tui.plan.costs import DECODE_BANDWIDTH
from pageindex_tui.plan.models import BF16, find_model
from pageindex_tui.settings import Settings


def sampler(*gpus: FakeGpu) -> GpuSampler:
    return GpuSampler(FakeNVML(list(gpus)), proc_dir=None)


def one_sequence_estimate(settings: Settings) -> float:
    """By hand: Qwen3-8B BF16 reads its weights and one sequence's KV cache per token, at 70% of an H100's
    3,350 GB/s; the sequence holds the largest request the settings allow."""
    model = find_model("8B")
    assert model is not None
    held = settings.max_tokens_per_node + settings.max_output_tokens + PROMPT_ROOM
    kv = 2 * 36 * 8 * 128 * 2  # K and V x 36 layers x 8 KV heads x head_dim 128 x 2 bytes = 147,456 B
    assert model.kv_bytes_per_token(2, 1) == kv
    return 3350e9 * DECODE_BANDWIDTH / (model.weight_bytes(BF16) + held * kv)


@pytest.mark.asyncio
async def test_a_healthy_rate_is_ok_and_a_slow_one_is_a_warning_with_the_ratio() -> None:
    with FakeVLLM() as fake:  # serves Qwen/Qwen3-8B
        settings = Settings(endpoint=fake.base_url)
        first = await run_doctor(settings, gpu_sampler=sampler(h100()))
        text = render_report(first)
        assert "throughput check skipped: the server reports no inter-token latencies yet" in text
        # The first run's one-token probe is a request the server measured: 10 ms between tokens.
        report = await run_doctor(settings, gpu_sampler=sampler(h100()))
        estimate = one_sequence_estimate(settings)
        (line,) = [c for c in report.checks if c.message.startswith("generation:")]
        assert line.level == "ok" and f"{100 / estimate:.2f} of it" in line.message
        assert "100.0 tokens/s a sequence measured" in line.message
        assert (
            f"the plan estimates {estimate:,.0f} for one sequence of Qwen3-8B BF16 on one H100"
            in line.message
        )
        fake.itl_seconds = 0.5  # 2 tokens a second: a GPU throttled, or the model on the CPU
        slow = await run_doctor(settings, gpu_sampler=sampler(h100()))
    (line,) = [c for c in slow.checks if c.message.startswith("generation:")]
    # The fake reports every request it served at its latency now: 0.5 s a token.
    measured = 1 / 0.5
    assert line.level == WARN and f"{measured:,.1f} tokens/s a sequence" in line.message
    assert f"{measured / estimate:.2f} of it, far below (under {FAR_BELOW:.0%})" in line.message
    assert "nvidia-smi" in line.fix
    assert slow.exit_code == 0  # a warning: the server still works


@pytest.mark.asyncio
async def test_skipped_with_a_reason_when_either_side_is_unknown() -> None:
    with FakeVLLM() as fake:
        async with ServerMonitor(fake.base_url) as monitor:
            await monitor.poll()
            fake.requests.append({})  # a request the metrics count
            status = await monitor.poll()
        gpus = sampler(h100()).sample()
        assert throughput_check(status, gpus, True, 26_000).slow is False
        remote = throughput_check(status, gpus, False, 26_000)
        assert remote.slow is None and "on another machine" in remote.message
        none = throughput_check(status, sampler().sample(), True, 26_000)
        assert none.slow is None and "no GPU visible here" in none.message
        other = throughput_check(replace(status, chosen="meta-llama/Llama-3.1-8B"), gpus, True, 26_000)
        assert other.slow is None and "no figures for meta-llama/Llama-3.1-8B" in other.message
        unknown_gpu = sampler(h100(name="NVIDIA RTX A6000")).sample()
        odd = throughput_check(status, unknown_gpu, True, 26_000)
        assert odd.slow is None and "bandwidth of RTX A6000 is not in the plan's GPU table" in odd.message
        llama = throughput_check(replace(status, kind="llamacpp"), gpus, True, 26_000)
        assert llama.slow is None and "vLLM's inter-token latency" in llama.message
