"""The plan's arithmetic against values worked out by hand.

KV cache a token = 2 (K and V) x num_hidden_layers x num_key_value_heads x head_dim x bytes a value (2 for
BF16), with the facts of each model's config.json on Hugging Face:

    model           layers  KV heads  head_dim   bytes a token (BF16)
    Qwen3-0.6B        28       8        128      2 x 28 x 8 x 128 x 2 = 114,688
    Qwen3-1.7B        28       8        128      2 x 28 x 8 x 128 x 2 = 114,688
    Qwen3-4B          36       8        128      2 x 36 x 8 x 128 x 2 = 147,456
    Qwen3-8B          36       8        128      2 x 36 x 8 x 128 x 2 = 147,456
    Qwen3-14B         40       8        128      2 x 40 x 8 x 128 x 2 = 163,840
    Qwen3-32B         64       8        128      2 x 64 x 8 x 128 x 2 = 262,144
    Qwen3-30B-A3B     48       4        128      2 x 48 x 4 x 128 x 2 =  98,304
"""

from __future__ import annotations

import pytest

from pageindex_tui.plan.gpus import UnknownGpu, find_gpu, from_nvml
from pageindex_tui.plan.models import AWQ, BF16, FP8, MODELS, find_model
from pageindex_tui.plan.sizing import OVERHEAD_GIB, Box, fit, fit_table, recommend

GIB = 1024**3
KV_BF16 = {
    "Qwen3-0.6B": 114_688,
    "Qwen3-1.7B": 114_688,
    "Qwen3-4B": 147_456,
    "Qwen3-8B": 147_456,
    "Qwen3-14B": 163_840,
    "Qwen3-32B": 262_144,
    "Qwen3-30B-A3B": 98_304,
}


def model(name: str):
    found = find_model(name)
    assert found is not None
    return found


@pytest.mark.parametrize("name", sorted(KV_BF16))
def test_kv_bytes_a_token_for_each_qwen3_config(name):
    assert model(name).kv_bytes_per_token() == KV_BF16[name]
    assert model(name).kv_bytes_per_token(kv_dtype_bytes=1) == KV_BF16[name] // 2  # --kv-cache-dtype fp8


def test_every_model_in_the_table_is_checked():
    assert {m.name for m in MODELS} == set(KV_BF16)


def test_tensor_parallel_splits_the_kv_heads_and_replicates_them_past_their_count():
    # Qwen3-32B on 2 GPUs: 8 KV heads -> 4 a GPU: 2 x 64 x 4 x 128 x 2 = 131,072.
    assert model("32B").kv_bytes_per_token(tensor_parallel=2) == 131_072
    # Qwen3-30B-A3B on 8 GPUs: 4 KV heads, one kept on each GPU: 2 x 48 x 1 x 128 x 2 = 24,576.
    assert model("30B-A3B").kv_bytes_per_token(tensor_parallel=8) == 24_576


def test_weights_keep_the_embeddings_at_16_bits():
    # Qwen3-8B: 8.2e9 parameters; embeddings 151,936 x 4,096 = 622,329,856, twice (output not tied):
    # 1,244,659,712; the other 6,955,340,288 take the quantization's width.
    eight = model("Qwen3-8B")
    assert eight.weight_bytes(BF16) == pytest.approx(16.4e9)
    assert eight.weight_bytes(FP8) == pytest.approx(6_955_340_288 + 2 * 1_244_659_712)  # 9,444,659,712
    # AWQ: (4 + 16/128 + 4/128) / 8 = 0.51953125 bytes a weight.
    assert eight.weight_bytes(AWQ) == pytest.approx(6_955_340_288 * 0.51953125 + 2 * 1_244_659_712)
    # Qwen3-4B ties its output to the embeddings: counted once (151,936 x 2,560 = 388,956,160).
    assert model("4B").weight_bytes(FP8) == pytest.approx((4.0e9 - 388_956_160) + 2 * 388_956_160)


def test_kv_tokens_are_what_the_budget_leaves_after_weights_and_overhead():
    box = Box(find_gpu("RTX 4090"))  # 24,564 MiB
    one = fit(model("8B"), FP8, box, 32768, 4096)
    budget = 24_564 * 1024**2 * 0.90
    expected = int((budget - 9_444_659_712 - OVERHEAD_GIB * GIB) // 147_456)
    assert one.kv_tokens == expected == 82_236
    assert one.requests_at_once == expected // 4096 == 20
    assert one.fits


# The compatibility matrix's three tiers, at 0.90 of memory, 1.5 GiB overhead a GPU, BF16 KV cache.
def test_starter_tier_rtx_3060_cannot_hold_qwen3_8b_4bit_at_32k():
    box = Box(find_gpu("RTX 3060 12GB"))  # 12,288 MiB, compute 8.6: budget 10.8 GiB
    awq = fit(model("8B"), AWQ, box, 32768, 8192)
    # 10.8 - 5.68 (weights) - 1.5 = 3.62 GiB of KV cache / 147,456 bytes = 26,333 tokens < 32,768.
    assert awq.kv_tokens == 26_333 and not awq.fits
    assert "FP8 needs compute 8.9" in fit(model("8B"), FP8, box, 32768, 8192).why_not
    at_32k = recommend(box, 32768, 8192, 1)
    assert at_32k is not None and at_32k.fit.repo == "Qwen/Qwen3-4B-AWQ"
    at_16k = recommend(box, 16384, 8192, 1)
    assert at_16k is not None and at_16k.fit.repo == "Qwen/Qwen3-8B-AWQ" and at_16k.fit.requests_at_once == 3


def test_production_tier_rtx_4070_ti_has_no_room_for_qwen3_8b_fp8():
    box = Box(find_gpu("RTX 4070 Ti"))  # 12,282 MiB, compute 8.9
    fp8 = fit(model("8B"), FP8, box, 8192, 8192)
    # 10.8 - 8.80 (weights) - 1.5 = 0.50 GiB: 3,631 tokens, not even one 8K request.
    assert fp8.kv_tokens == 3_631 and not fp8.fits
    choice = recommend(box, 32768, 8192, 1)
    assert choice is not None and choice.fit.repo == "Qwen/Qwen3-4B-FP8"


def test_high_tier_a100_40gb_and_two_4090s_cannot_hold_qwen3_32b_at_bf16():
    a100 = Box(find_gpu("A100 40GB"))
    assert not fit(model("32B"), BF16, a100, 32768, 8192).fits  # 61.1 GiB of weights
    assert "needs compute 8.9" in fit(model("32B"), FP8, a100, 32768, 8192).why_not  # compute 8.0
    awq = recommend(a100, 32768, 8192, 1)
    assert awq is not None and awq.fit.repo == "Qwen/Qwen3-32B-AWQ" and awq.fit.kv_tokens == 67_520
    pair = Box(find_gpu("RTX 4090"), count=2)
    assert not fit(model("32B"), BF16, pair, 32768, 8192).fits  # 30.5 GiB a GPU
    both = recommend(pair, 32768, 8192, 1)
    assert both is not None and both.fit.repo == "Qwen/Qwen3-32B-FP8"
    assert both.argv[:5] == ["vllm", "serve", "Qwen/Qwen3-32B-FP8", "--tensor-parallel-size", "2"]


def test_fit_table_lists_every_model_and_quantization_and_says_why_not():
    table = fit_table(Box(find_gpu("L4")), 32768, 8192)
    assert len(table) == len(MODELS) * 3
    small = [f for f in table if f.model.name == "Qwen3-0.6B" and f.quant is AWQ]
    assert small and small[0].why_not == "Qwen publishes no 4-bit checkpoint"


def test_the_command_carries_the_numbers_it_came_from():
    choice = recommend(Box(find_gpu("H100"), utilization=0.85, kv_cache_dtype="fp8"), 32768, 8000, 4)
    assert choice is not None
    argv = choice.argv
    assert argv[2] == "Qwen/Qwen3-32B-FP8"
    assert argv[argv.index("--gpu-memory-utilization") + 1] == "0.85"
    assert argv[argv.index("--kv-cache-dtype") + 1] == "fp8"
    assert argv[argv.index("--max-num-seqs") + 1] == str(max(4, min(choice.fit.requests_at_once, 64)))
    assert choice.command().count("\\\n") == (len(argv) - 3) // 2


def test_nothing_fits_when_too_many_requests_are_asked():
    assert recommend(Box(find_gpu("RTX 3060")), 32768, 32768, 50) is None


def test_gpu_names_as_users_and_nvml_write_them():
    assert find_gpu("A100-40GB").name == "A100 40GB"
    assert find_gpu("NVIDIA A100-SXM4-80GB").name == "A100 80GB"
    assert find_gpu("rtx 4070 ti").name == "RTX 4070 Ti 12GB"
    with pytest.raises(UnknownGpu, match="could be A100 40GB or A100 80GB"):
        find_gpu("A100")
    with pytest.raises(UnknownGpu, match="unknown GPU"):
        find_gpu("Voodoo 5")
    assert from_nvml("NVIDIA H100 80GB HBM3", 81559 * 1024**2, (9, 0), 700.0).name == "H100 80GB"
    odd = from_nvml("NVIDIA RTX A6000", 48 * GIB, (8, 6), 300.0)
    assert odd.name == "RTX A6000" and odd.bandwidth_gbs is None and odd.memory_gib == pytest.approx(48)


def test_below_100_columns_the_fit_table_is_narrow_and_fits_74():
    from pageindex_tui.plan.build import plan_for
    from pageindex_tui.plan.report import render_plan
    from pageindex_tui.settings import Settings

    for box in (Box(find_gpu("RTX 3060")), Box(find_gpu("RTX 4090"), 2), Box(find_gpu("H200"), 8)):
        plan = plan_for(Settings(), box, None)
        wide, narrow = render_plan(plan, None), render_plan(plan, None, 80)
        rows = narrow[narrow.index("  model  ") : narrow.index("\n\n", narrow.index("  model  "))]
        assert len(rows.splitlines()) == len(MODELS) * 3 + 1
        assert max(len(row) for row in rows.splitlines()) <= 74, rows
        assert "  model  " in wide and "KV/token" in wide and "KV/tok " not in wide
    # The same facts, shorter: RTX 4090 with Qwen3-32B AWQ (test_plan_cli: 8,494 tokens).
    plan = plan_for(Settings(), Box(find_gpu("RTX 4090")), None)
    narrow = render_plan(plan, None, 99)
    assert "  32B AWQ        18.0G   256K   2.1G     8,494       0 -- KV < 32768" in narrow
    assert "  32B BF16       61.1G   256K  -- weights > 21.6 GiB" in narrow
    assert "  1.7B AWQ        1.3G   112K  -- no Qwen checkpoint" in narrow
    a100 = render_plan(plan_for(Settings(), Box(find_gpu("A100 40GB")), None), None, 80)
    assert "  32B FP8        32.0G   256K  -- needs compute 8.9" in a100
