"""`doctor`: fake GPUs and FakeVLLM, the real no-driver path with no server, and the recommendations."""

from __future__ import annotations

import pytest
from fakes import FakeVLLM
from fakes.monitor import GIB, FakeGpu, FakeNVML, h100

from pageindex_tui.local.server import free_port
from pageindex_tui.monitor.doctor import render_report, run_doctor
from pageindex_tui.monitor.gpu import GpuSampler
from pageindex_tui.monitor.recommend import recommend, recommend_for_gpus
from pageindex_tui.settings import Settings


def sampler(*gpus: FakeGpu) -> GpuSampler:
    return GpuSampler(FakeNVML(list(gpus)), proc_dir=None)


@pytest.mark.asyncio
async def test_a_ready_box() -> None:
    with FakeVLLM() as fake:
        settings = Settings(endpoint=fake.base_url)
        report = await run_doctor(settings, gpu_sampler=sampler(h100(processes=[(7, "vllm", 70 * GIB)])))
    text = render_report(report)
    assert report.exit_code == 0 and not report.problems
    assert "[ok]   GPU 0: NVIDIA H100 80GB HBM3 · 80.0 GiB, 70.0 GiB in use · compute 9.0" in text
    assert "GPU 0 runs vllm pid 7 (70.0 GiB)" in text
    assert "is healthy (vLLM 0.16.0, /health in" in text
    assert "serves Qwen/Qwen3-8B · context 40960" in text
    assert "model not set: the app uses the first served, 'Qwen/Qwen3-8B'" in text
    assert "context_length follows the server: 40960" in text
    assert "vllm serve Qwen/Qwen3-32B-FP8 \\\n      --max-model-len 32768 \\" in text
    assert "--reasoning-parser qwen3" in text and "--enable-reasoning" not in text
    assert text.rstrip().endswith("Result: ready.")
    assert "[" not in text.replace("[ok]", "").replace("[info]", "")  # plain text: no markup


@pytest.mark.asyncio
async def test_no_gpu_and_no_server_fails_with_clear_text() -> None:
    endpoint = f"http://127.0.0.1:{free_port()}/v1"
    report = await run_doctor(Settings(endpoint=endpoint))  # the real NVML: no driver on this machine
    text = render_report(report)
    assert report.exit_code == 1 and len(report.problems) == 1
    assert f"[FAIL] {endpoint} (endpoint from default) is not answering: connection refused" in text
    assert "fix: start a server there, or run `pageindex-tui --local`" in text
    if report.gpus.state == "no-driver":
        assert "[info] no NVIDIA GPU found: no NVIDIA driver here (the NVML library was not found)" in text
        assert "No local GPU: run vLLM on a GPU machine" in text
    assert text.rstrip().endswith("Result: 1 problem needs fixing (exit status 1).")


@pytest.mark.asyncio
async def test_settings_that_disagree_with_the_server() -> None:
    with FakeVLLM() as fake:
        settings = Settings().with_values(
            "settings file /x.toml",
            endpoint=fake.base_url,
            model="Qwen/Qwen3-4B",
            context_length=65536,
        )
        report = await run_doctor(settings, gpu_sampler=sampler(h100()))
    text = render_report(report)
    assert report.exit_code == 1 and len(report.problems) == 2
    assert "[FAIL] model 'Qwen/Qwen3-4B' (from settings file /x.toml) is not served" in text
    assert 'fix: set model = "Qwen/Qwen3-8B"' in text
    assert "context_length 65536 (from settings file /x.toml) is larger than the server's 40960" in text
    assert "fix: set context_length = 40960, or 0 to follow the server" in text
    assert "beyond Qwen3's native 40960" in text


@pytest.mark.asyncio
async def test_warnings_do_not_fail() -> None:
    props = {"default_generation_settings": {"n_ctx": 4096}, "build_info": "b1-abc", "total_slots": 2}
    with FakeVLLM(owned_by="llamacpp", props=props, max_model_len=None) as fake:
        fake.metrics_status, fake.metrics_body = 501, "{}"
        report = await run_doctor(Settings(endpoint=fake.base_url), gpu_sampler=sampler())
    text = render_report(report)
    assert report.exit_code == 0 and len(report.warnings) == 2
    assert "[warn] metrics are off: the gauges cannot show load" in text
    assert "fix: start llama-server with --metrics" in text
    assert "a context of 4096 is small for max_tokens_per_node 20000" in text
    assert "context 4096 per slot, 2 slots" in text
    assert "fix: start llama-server with -c of at least 26144 x --parallel" in text
    assert "Result: ready, with 2 warnings." in text


@pytest.mark.asyncio
async def test_several_endpoints_and_a_lost_gpu() -> None:
    with FakeVLLM() as one, FakeVLLM() as two:
        lost = FakeGpu(name="NVIDIA A100-SXM4-40GB", lost=True)
        report = await run_doctor(
            Settings(endpoint=one.base_url), endpoints=[one.base_url, two.base_url], gpu_sampler=sampler(lost)
        )
    assert len(report.servers) == 2 and all(s.state == "up" for s in report.servers)
    assert report.exit_code == 1  # the GPU needs fixing
    assert (
        report.problems[0].message.startswith("GPU 0") and "fallen off the bus" in report.problems[0].message
    )


# --- recommendations ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("memory", "capability", "repo", "context"),
    [
        (139.8, (9, 0), "Qwen/Qwen3-32B", 32768),  # H200: FP16 fits
        (79.6, (9, 0), "Qwen/Qwen3-32B-FP8", 32768),  # H100: FP8 on compute 9.0
        (39.4, (8, 0), "Qwen/Qwen3-32B-AWQ", 32768),  # A100 40GB: no FP8 below 8.9
        (23.6, (8, 9), "Qwen/Qwen3-8B-FP8", 32768),  # RTX 4090 / L4: the matrix's production setup
        (23.6, (8, 6), "Qwen/Qwen3-8B-AWQ", 32768),  # RTX 3090: no FP8
        (12.0, (8, 6), "Qwen/Qwen3-8B-AWQ", 32768),  # RTX 3060 (12288 MiB): the matrix's starter setup
        (7.6, (7, 5), "Qwen/Qwen3-4B-AWQ", 16384),  # small card: a shorter context
    ],
)
def test_recommendations(memory: float, capability: tuple[int, int], repo: str, context: int) -> None:
    rec = recommend(memory, capability)
    assert rec is not None and rec.repo == repo and rec.max_model_len == context
    assert rec.weights_gib + rec.kv_gib_per_request + 1.0 <= memory * rec.gpu_memory_utilization
    fp8 = rec.quantization == "FP8"
    assert not fp8 or capability >= (8, 9)
    argv = rec.argv
    assert argv[:3] == ["vllm", "serve", repo]
    assert argv[argv.index("--max-model-len") + 1] == str(context)
    assert argv[argv.index("--gpu-memory-utilization") + 1] == "0.90"
    assert argv[argv.index("--reasoning-parser") + 1] == "qwen3"
    assert "--enable-reasoning" not in argv
    assert 4 <= int(argv[argv.index("--max-num-seqs") + 1]) < 256  # lowered for long documents


def test_too_small_and_tensor_parallel() -> None:
    assert recommend(2.0, (7, 0)) is None
    pair = recommend_for_gpus([(23.6, (8, 9)), (23.6, (8, 9))])
    assert pair is not None and pair.tensor_parallel == 2 and pair.model.name == "Qwen3-32B"
    assert "--tensor-parallel-size 2" in pair.command(multiline=False)
    single = recommend_for_gpus([(79.6, (9, 0)), (23.6, (8, 9))])
    assert single is not None and single.tensor_parallel == 1 and single.repo == "Qwen/Qwen3-32B-FP8"


def test_concurrency_sets_max_num_seqs_and_the_context_follows_settings() -> None:
    rec = recommend(79.6, (9, 0), concurrency=2, context_length=16384)
    assert rec is not None and rec.max_num_seqs == 4 and rec.max_model_len == 16384
    assert recommend(79.6, (9, 0), concurrency=64).max_num_seqs == 32  # type: ignore[union-attr]


@pytest.mark.asyncio
async def test_a_ready_box_answers_a_one_token_completion() -> None:
    with FakeVLLM() as fake:
        report = await run_doctor(Settings(endpoint=fake.base_url), gpu_sampler=sampler(h100()))
        sent = fake.requests[-1]
    assert sent["max_tokens"] == 1 and sent["stream"] is True and sent["model"] == "Qwen/Qwen3-8B"
    text = render_report(report)
    assert "[ok]   a one-token chat completion from Qwen/Qwen3-8B took" in text
    assert "first token after" in text and report.exit_code == 0


@pytest.mark.asyncio
async def test_healthy_but_completions_hang_is_a_failure() -> None:
    from fakes import Script

    with FakeVLLM(default=lambda body: Script(answer="late", delay=3.0)) as fake:
        report = await run_doctor(
            Settings(endpoint=fake.base_url), gpu_sampler=sampler(h100()), probe_deadline=0.5
        )
    text = render_report(report)
    assert "is healthy" in text
    assert "[FAIL] chat completions from Qwen/Qwen3-8B did not finish a one-token reply within 0.5 s" in text
    assert "fix: the server is up but does not complete" in text and report.exit_code == 1


@pytest.mark.asyncio
async def test_a_completion_refused_says_what_the_server_said() -> None:
    from fakes import error

    with FakeVLLM(default=lambda body: error(500, "CUDA error: an illegal memory access")) as fake:
        report = await run_doctor(Settings(endpoint=fake.base_url), gpu_sampler=sampler(h100()))
    text = render_report(report)
    assert "from Qwen/Qwen3-8B answered HTTP 500: CUDA error: an illegal memory access" in text
    assert report.exit_code == 1
