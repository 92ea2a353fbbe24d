"""The user's workload from run records, and a month's hours, energy and money worked out by hand."""

from __future__ import annotations

import json

import pytest

from pageindex_tui.plan.costs import HOURS_A_MONTH, default_prices, estimate_throughput, monthly
from pageindex_tui.plan.gpus import find_gpu, from_nvml
from pageindex_tui.plan.models import FP8, find_model
from pageindex_tui.plan.report import make_plan, render_plan
from pageindex_tui.plan.sizing import Box, Choice, fit
from pageindex_tui.plan.workload import Workload, from_library, from_records
from pageindex_tui.settings import Settings
from pageindex_tui.store.library import Library
from pageindex_tui.store.records import CallFigures, EnergyFigures, PartialState, RunRecord, ServerFacts


def record(name: str, pages: int, calls: int, prompt: int, completion: int, reasoning: int, wall: float):
    return RunRecord(
        doc_name=name,
        path=f"/docs/{name}",
        size=pages,
        llm=CallFigures(
            calls=calls, prompt_tokens=prompt, completion_tokens=completion, reasoning_tokens=reasoning
        ),
        server=ServerFacts("http://gpu:8000/v1", "vllm", "Qwen/Qwen3-8B-FP8", 32768, "server"),
        wall_seconds=wall,
    )


def test_the_mean_document_leaves_out_runs_without_model_calls_and_partial_ones():
    stopped = record("c.pdf", 50, 9, 99_000, 9_000, 0, 60.0)
    stopped.partial = PartialState("summarize", 3, 9, "server")
    markdown = record("c.md", 500, 30, 60_000, 8_000, 3_000, 60.0)
    markdown.unit = "lines"  # 500 lines, no pages: in the mean document, not in the tokens a page
    records = [
        record("a.pdf", 10, 20, 40_000, 6_000, 2_000, 30.0),
        record("b.pdf", 30, 40, 80_000, 10_000, 4_000, 90.0),
        markdown,
        record("cached.pdf", 99, 0, 0, 0, 0, 1.0),  # every reply from the cache
        stopped,
    ]
    work = from_records(records, "test")
    assert work is not None and work.documents == 3
    assert (work.calls, work.prompt_tokens, work.completion_tokens) == (30, 60_000, 8_000)
    assert work.reasoning_tokens == 3_000 and work.pages == 20 and work.wall_seconds == 60
    assert work.prompt_per_page == 120_000 / 40 and work.completion_per_page == 16_000 / 40
    assert work.request_tokens == round(68_000 / 30) == 2_267
    assert work.recorded_output_rate == pytest.approx(8_000 / 60)
    assert work.servers == ("Qwen/Qwen3-8B-FP8 (vllm)",)
    assert from_records([records[3]], "test") is None  # the cached run alone


def test_the_library_s_run_records_are_read(tmp_path):
    library = Library(tmp_path / "library")
    settings = Settings()
    for number, digest in enumerate(("d1", "d2"), start=1):
        folder = library.folder_for(digest, settings)
        run = record(f"{digest}.pdf", 10 * number, 10, 20_000 * number, 2_000, 0, 10.0)
        structure, run_path = folder / "x_structure.json", folder / "x_run.json"
        folder.mkdir(parents=True, exist_ok=True)
        structure.write_text("{}", encoding="utf-8")
        run_path.write_text(json.dumps(run.to_dict()), encoding="utf-8")
        library.save(tmp_path / f"{digest}.pdf", digest, settings, structure, run_path, run)
    work = from_library(library)
    assert work is not None and work.documents == 2 and work.prompt_tokens == 30_000 and work.pages == 15
    assert str(library.root) in work.source
    assert from_library(Library(tmp_path / "empty")) is None


WORK = Workload(
    documents=5, calls=50, prompt_tokens=100_000, completion_tokens=10_000, reasoning_tokens=0,
    pages=40, wall_seconds=0, source="test",
)  # fmt: skip


def choice_on_4090() -> Choice:
    model = find_model("8B")
    assert model is not None
    return Choice(fit(model, FP8, Box(find_gpu("RTX 4090")), 32768, WORK.request_tokens), 32768, 4)


def test_a_month_with_a_measured_output_rate():
    choice = choice_on_4090()
    rates = estimate_throughput(choice, WORK, measured_output=1000.0)
    assert rates is not None and rates.decode.basis.startswith("measured")
    # Prefill: 165 TFLOPS BF16 x 2 for FP8 = 330 TFLOPS x 40% / (2 x 8.2e9 parameters) = 8,048.8 tokens/s.
    assert rates.prefill.value == pytest.approx(330e12 * 0.40 / (2 * 8.2e9))
    assert rates.prefill.basis.startswith("estimate")
    prices = default_prices(choice, kwh=0.20, api_input=0.40, api_output=1.60, hardware=2000.0)
    cost = monthly(choice, WORK, rates, prices, 10_000)
    # 1e9 prompt tokens / 8,048.8 + 1e8 completion tokens / 1,000 = 124,242 + 100,000 s = 62.29 h.
    hours = (1e9 / (330e12 * 0.40 / (2 * 8.2e9)) + 1e8 / 1000) / 3600
    assert cost.gpu_hours == pytest.approx(hours) and cost.gpu_hours == pytest.approx(62.29, abs=0.01)
    # Energy: 62.29 h x 450 W board power; idle the rest of 730 h at 10% of 450 W (assumed).
    assert cost.busy_kwh == pytest.approx(hours * 0.450)
    assert cost.idle_kwh == pytest.approx((HOURS_A_MONTH - hours) * 0.045)
    assert prices.idle_watts.basis.startswith("assumed")
    assert cost.electricity == pytest.approx((cost.busy_kwh + cost.idle_kwh) * 0.20)
    # Hosted API for the same tokens: 1,000 M x $0.40 + 100 M x $1.60 = $560.
    assert cost.api == pytest.approx(560.0)
    assert cost.break_even_months(2000.0) == pytest.approx(2000.0 / (560.0 - cost.electricity))
    assert not cost.over_capacity


def test_no_break_even_when_electricity_costs_more_than_the_api():
    choice = choice_on_4090()
    rates = estimate_throughput(choice, WORK, measured_output=1000.0)
    assert rates is not None
    cost = monthly(choice, WORK, rates, default_prices(choice, kwh=0.30, api_input=0.01, api_output=0.01), 10)
    assert cost.saving < 0 and cost.break_even_months(1000.0) is None


def test_the_decode_estimate_reads_the_weights_once_a_step_for_the_whole_batch():
    choice = choice_on_4090()
    rates = estimate_throughput(choice, WORK)
    assert rates is not None and rates.decode.basis.startswith("estimate")
    batch = choice.max_num_seqs
    weights = choice.fit.model.weight_bytes(FP8)
    held = (100_000 + 10_000 / 2) / 50  # tokens a sequence holds: its prompt and half its reply
    step = (weights + batch * held * 147_456) / (1008e9 * 0.70)
    assert rates.decode.value == pytest.approx(batch / step)


def test_no_estimate_for_a_gpu_whose_speeds_are_unknown():
    odd = from_nvml("NVIDIA RTX A6000", 48 * 1024**3, (8, 6), 300.0)
    model = find_model("8B")
    assert model is not None
    choice = Choice(fit(model, FP8, Box(odd), 32768, 2000), 32768, 4)
    assert estimate_throughput(choice, WORK) is None


def test_measured_energy_is_a_mean_draw_and_replaces_board_power_on_the_same_gpu():
    # Two documents that ran at once on one RTX 4090, each measuring the whole GPU: 30 s at 300 W each
    # (9,000 J) and 60 s at 300 W (18,000 J); a third had no GPU to measure and counts for tokens only.
    a = record("a.pdf", 10, 20, 40_000, 6_000, 0, 30.0)
    b = record("b.pdf", 10, 20, 40_000, 6_000, 0, 60.0)
    a.energy = EnergyFigures(9_000.0, "energy counter", ("NVIDIA GeForce RTX 4090",))
    b.energy = EnergyFigures(18_000.0, "energy counter", ("NVIDIA GeForce RTX 4090",))
    work = from_records([a, b, record("c.pdf", 10, 20, 40_000, 6_000, 0, 45.0)], "test")
    assert work is not None and work.documents == 3 and work.energy_documents == 2
    assert work.measured_watts == pytest.approx(27_000 / 90)  # joules over seconds: 300 W, not 600
    assert work.energy_joules == pytest.approx(13_500)
    text = render_plan(make_plan(Box(find_gpu("RTX 4090")), 32768, 4, work, 26_144), None)
    assert "energy           13,500 J a document on NVIDIA GeForce RTX 4090 (NVML, 2 of the 3)" in text
    assert "a mean draw of 300 W" in text
    choice = choice_on_4090()
    rates = estimate_throughput(choice, work, measured_output=1000.0)
    assert rates is not None
    cost = monthly(choice, work, rates, default_prices(choice), 1000)
    assert cost.busy_watts.value == pytest.approx(300.0) and cost.busy_watts.basis.startswith("measured")
    assert cost.busy_kwh == pytest.approx(min(cost.gpu_hours, HOURS_A_MONTH) * 0.300)
    # The same runs against another GPU's plan: board power, and why the measurement was not used.
    model = find_model("8B")
    assert model is not None
    l4 = Choice(fit(model, FP8, Box(find_gpu("L4")), 32768, work.request_tokens), 32768, 1)
    rates_l4 = estimate_throughput(l4, work, measured_output=500.0)
    assert rates_l4 is not None
    other = monthly(l4, work, rates_l4, default_prices(l4), 1000)
    assert other.busy_watts.value == 72 and "another GPU" in other.busy_watts.basis
    # No energy recorded: board power, as before.
    assert monthly(choice, WORK, rates, default_prices(choice), 10).busy_watts.basis == "board power"
