"""`doctor`: fake GPUs and FakeVLLM, the real no-driver path with no server, and the recommendation
(the plan's)."""

from __future__ import annotations

import pytest
from fakes import FakeVLLM
from fakes.monitor import GIB, FakeGpu, FakeNVML, h100

from pageindex_tui.local.server import free_port
from pageindex_tui.monitor.doctor import build_report, render_report, run_doctor
from pageindex_tui.monitor.gpu import GpuSampler
from pageindex_tui.plan.build import plan_for, seen_gpu
from pageindex_tui.plan.sizing import Box
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


# --- the recommendation: the plan's for the GPUs NVML sees ----------------------------------------------
def gpu(name: str, mib: int, capability: tuple[int, int]) -> FakeGpu:
    return FakeGpu(name=name, memory_total=mib * 1024**2, memory_used=0, compute_capability=capability)


RTX_3060 = gpu("NVIDIA GeForce RTX 3060", 12288, (8, 6))
RTX_4090 = gpu("NVIDIA GeForce RTX 4090", 24564, (8, 9))


@pytest.mark.parametrize(
    ("gpus", "repo", "context"),
    [
        ([h100()], "Qwen/Qwen3-32B-FP8", 32768),  # FP8 on compute 9.0
        ([gpu("NVIDIA A100-SXM4-40GB", 40960, (8, 0))], "Qwen/Qwen3-32B-AWQ", 32768),  # no FP8 below 8.9
        # The RTX 3060: Qwen3-8B 4-bit (5.7 GiB) leaves 26,333 tokens of KV cache, short of one 32K request
        # (test_plan_sizing); the matrix's static figures (5 GB, no KV cache) recommended it.
        ([RTX_3060], "Qwen/Qwen3-4B-AWQ", 32768),
        ([RTX_4090, RTX_4090], "Qwen/Qwen3-32B-FP8", 32768),  # tensor parallel over the two alike
    ],
)
def test_the_recommendation_is_the_plan_for_the_gpus_seen(gpus, repo: str, context: int) -> None:
    settings = Settings()
    report = build_report(settings, sampler(*gpus).sample(), [])
    rec = report.recommendation
    assert rec is not None and rec.fit.repo == repo and rec.fit.max_model_len == context
    seen = seen_gpu(sampler(*gpus).sample())
    assert seen is not None
    box = Box(seen[0], len(gpus))
    assert report.plan == plan_for(settings, box, None)  # the same call as `pageindex-tui plan`
    text = render_report(report)
    assert (
        f"Recommendation (the plan for these GPUs)\n  For {box.describe()}:\n  {rec.fit.model.name}" in text
    )
    command = "\n".join("    " + line for line in rec.command().splitlines())  # as plan prints it
    assert command in text and "`pageindex-tui plan` shows the fit table" in text
    argv = rec.argv
    assert argv[argv.index("--reasoning-parser") + 1] == "qwen3" and "--enable-reasoning" not in argv


def test_no_gpu_and_a_gpu_too_small() -> None:
    assert build_report(Settings(), sampler().sample(), []).recommendation is None
    tiny = build_report(Settings(), sampler(gpu("NVIDIA T400", 2048, (7, 5))).sample(), [])
    assert tiny.plan is not None and tiny.recommendation is None
    assert "nothing fits T400" in render_report(tiny)


@pytest.mark.asyncio
async def test_the_recommendation_follows_the_run_records(tmp_path) -> None:
    """The run records' mean call is the typical request, as `plan` reads it."""
    from pageindex_tui.plan.workload import from_library
    from pageindex_tui.store.library import Library

    library = Library(tmp_path / "lib")
    report = await run_doctor(
        Settings(endpoint=f"http://127.0.0.1:{free_port()}/v1"), gpu_sampler=sampler(h100()), library=library
    )
    assert from_library(library) is None and report.plan is not None and report.plan.workload is None
    assert "no run records: the largest request your settings allow" in report.plan.request_basis


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
