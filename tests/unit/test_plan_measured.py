"""The throughput the user's server delivered: tokens over the union of the runs' busy spans, worked out by
hand, grouped by server, model and GPU; and the plan's hours from it when the plan is for the same model
and GPUs, else the estimate with the measured figure beside it and why it was not used."""

from __future__ import annotations

import pytest

from pageindex_tui.plan.costs import throughput
from pageindex_tui.plan.gpus import find_gpu, from_nvml
from pageindex_tui.plan.measured import busy_seconds, measured_rates
from pageindex_tui.plan.models import BF16, FP8, find_model
from pageindex_tui.plan.report import CostInputs, make_plan, render_plan
from pageindex_tui.plan.sizing import Box, Choice, fit
from pageindex_tui.plan.workload import from_records
from pageindex_tui.store.records import CallFigures, EnergyFigures, RunRecord, ServerFacts

H100 = "NVIDIA H100 80GB HBM3"
LOCAL = "http://127.0.0.1:8000/v1"


def test_the_union_counts_overlapping_seconds_once():
    assert busy_seconds([(0, 10), (5, 15)]) == 15  # 0-15: the 5 shared seconds once, not 20
    assert busy_seconds([(5, 15), (0, 10)]) == 15  # in any order


def test_the_union_leaves_out_the_gaps_between_spans():
    assert busy_seconds([(0, 10), (20, 25)]) == 15  # 10 + 5; the 10 idle seconds between are not busy
    assert busy_seconds([(0, 10), (10, 20)]) == 20  # touching: 0-20


def test_a_span_inside_another_adds_nothing():
    assert busy_seconds([(0, 30), (5, 10), (12, 29)]) == 30
    assert busy_seconds([(0, 30), (5, 10), (25, 40)]) == 40  # 0-30, then 30-40 of the third


def test_spans_of_no_length_add_nothing():
    assert busy_seconds([]) == 0
    assert busy_seconds([(5, 5)]) == 0
    assert busy_seconds([(0, 10), (10, 10), (50, 50)]) == 10
    # All together: 0-15 (overlap), 20-20 (none), 30-40 with 32-35 inside it: 15 + 10 = 25.
    assert busy_seconds([(30, 40), (0, 10), (20, 20), (5, 15), (32, 35)]) == 25


def test_a_span_that_ends_before_it_starts_is_refused():
    with pytest.raises(ValueError, match="before it starts"):
        busy_seconds([(0, 10), (8, 7)])


def run(name, finished, wall, prompt, completion, *, model="Qwen/Qwen3-8B-FP8", endpoint=LOCAL, gpus=(H100,)):
    return RunRecord(
        doc_name=name,
        path=f"/docs/{name}",
        size=10,
        finished_at=finished,
        llm=CallFigures(calls=10, prompt_tokens=prompt, completion_tokens=completion),
        server=ServerFacts(endpoint, "vllm", model, 32768, "server"),
        wall_seconds=wall,
        energy=EnergyFigures(wall * 500, "energy counter", gpus) if gpus else None,
    )


# Three documents on one H100: a 12:00:00-12:01:40 (100 s), b 12:00:50-12:02:00 (70 s, 50 shared with a),
# c 12:05:00-12:05:30 (30 s, after 3 idle minutes). Busy: 12:00:00-12:02:00 and 12:05:00-12:05:30 = 150 s.
RUNS = [
    run("a.pdf", "2026-03-01T12:01:40.000+00:00", 100.0, 300_000, 30_000),
    run("b.pdf", "2026-03-01T12:02:00+00:00", 70.0, 150_000, 15_000),
    run("c.pdf", "2026-03-01T12:05:30.000+00:00", 30.0, 150_000, 15_000),
]


def test_tokens_over_the_busy_seconds_by_server_model_and_gpu():
    elsewhere = run("d.pdf", "2026-03-01T12:01:00+00:00", 60.0, 99_000, 9_000, endpoint="http://gpu:8000/v1")
    other_model = run("e.pdf", "2026-03-01T12:01:00+00:00", 60.0, 60_000, 6_000, model="Qwen/Qwen3-4B")
    no_time = run("f.pdf", "", 60.0, 1, 1)  # no finished_at: no span, left out of the rates
    # A server that reported no token counts: nothing measured (and no rate of 0 to divide by).
    no_usage = run("g.pdf", "2026-03-01T12:01:00+00:00", 60.0, 0, 0, model="Qwen/Qwen3-14B")
    rates = measured_rates([*RUNS, elsewhere, other_model, no_time, no_usage])
    assert [(r.model, r.endpoint, r.gpus, r.runs, r.busy_seconds) for r in rates] == [
        ("Qwen/Qwen3-8B-FP8", LOCAL, (H100,), 3, 150.0),
        ("Qwen/Qwen3-8B-FP8", "http://gpu:8000/v1", (), 1, 60.0),  # another machine: its GPU is unknown
        ("Qwen/Qwen3-4B", LOCAL, (H100,), 1, 60.0),
    ]
    rate = rates[0]
    assert (rate.prompt_tokens, rate.completion_tokens) == (600_000, 60_000)
    assert rate.prompt_rate == 600_000 / 150 == 4_000  # not 600,000 / 200 s of walls added
    assert rate.completion_rate == 60_000 / 150 == 400


EIGHT = find_model("8B")
assert EIGHT is not None
EIGHT_FP8 = (EIGHT, FP8)


def choice(gpu: str, quant=FP8, count: int = 1) -> Choice:
    return Choice(fit(EIGHT, quant, Box(find_gpu(gpu), count), 32768, 3000), 32768, 4)


def test_the_plan_for_the_runs_model_and_gpu_takes_its_hours_from_the_measurement():
    work = from_records(RUNS, "test")
    assert work is not None
    rates = throughput(choice("H100"), work)
    assert rates is not None and rates.together and rates.why_not == ""
    assert (rates.prefill.value, rates.decode.value) == (4_000, 400)
    plan = make_plan(Box(find_gpu("H100")), 32768, 4, work, 26_144, CostInputs(1000), pick=EIGHT_FP8)
    assert plan.cost is not None
    # The mean document: 200,000 prompt + 20,000 completion tokens; 1,000 of them at 4,000 and 400
    # tokens/s delivered together: 50,000 s either way (the longer of the two) = 13.9 h, not 27.8 h.
    assert plan.cost.gpu_hours == pytest.approx(max(200e6 / 4_000, 20e6 / 400) / 3600)
    assert plan.cost.gpu_hours == pytest.approx(13.89, abs=0.01)
    text = render_plan(plan, 1000)
    assert (
        "throughput       4,000.0 prompt + 400.0 completion tokens/s at once (measured on your server: "
        in text
    )
    assert "3 runs over 2.5 busy minutes, overlaps counted once" in text
    assert "13.9 h of the month's 730 h (the longer of the prompt's and the completion's times" in text
    assert (
        "measured         4,000.0 prompt + 400.0 completion tokens/s on Qwen/Qwen3-8B-FP8 (vllm) on 1 x "
        in text
    )


def test_another_gpu_model_or_count_keeps_the_estimate_and_says_why():
    work = from_records(RUNS, "test")
    assert work is not None
    cases = {
        choice("L4"): f"your runs had 1 x {H100}, the plan 1 x L4",
        choice("H100", count=2): f"your runs had 1 x {H100}, the plan 2 x H100 80GB",
        choice("H100", quant=BF16): "your runs served Qwen/Qwen3-8B-FP8, the plan Qwen/Qwen3-8B",
    }
    for planned, why in cases.items():
        rates = throughput(planned, work)
        assert rates is not None and not rates.together, why
        assert rates.why_not == why
        assert rates.prefill.basis.startswith("estimate") and rates.decode.basis.startswith("estimate")
    given = throughput(choice("H100"), work, given_output=250.0)
    assert given is not None and given.decode.value == 250 and given.why_not == "--tokens-per-second given"
    l4 = make_plan(Box(find_gpu("L4")), 32768, 1, work, 26_144, CostInputs(1000), pick=EIGHT_FP8)
    assert l4.cost is not None and l4.rates is not None
    hours = (200e6 / l4.rates.prefill.value + 20e6 / l4.rates.decode.value) / 3600
    assert l4.cost.gpu_hours == pytest.approx(hours)
    text = render_plan(l4, 1000)
    assert "(estimate: " in text and "prefill and decode times added" in text
    measured = "4,000.0 prompt + 400.0 completion tokens/s on your server (3 runs over 2.5 busy minutes,"
    assert f"measured         {measured} overlaps counted once), not used: your runs had 1 x {H100}, " in text


def test_a_model_the_plan_does_not_know_or_no_gpu_recorded_keeps_the_estimate():
    small = from_records([run("a.md", "2026-03-01T12:00:10+00:00", 10.0, 5_000, 500, model="SmolLM2")], "t")
    remote = run("b.pdf", "2026-03-01T12:00:10+00:00", 10.0, 5_000, 500, endpoint="http://gpu:8000/v1")
    cpu = run("c.pdf", "2026-03-01T12:00:10+00:00", 10.0, 5_000, 500, gpus=())
    for work, why in (
        (small, "SmolLM2 is not a Qwen3 checkpoint the plan knows"),
        (from_records([remote], "t"), "your runs recorded no GPU (none visible to NVML, or the server on"),
        (from_records([cpu], "t"), "your runs recorded no GPU (none visible to NVML, or the server on"),
    ):
        assert work is not None and len(work.rates) == 1
        rates = throughput(choice("H100"), work)
        assert rates is not None and rates.measured == work.rates[0] and rates.why_not.startswith(why)
        assert rates.decode.basis.startswith("estimate")


def test_a_slow_given_rate_is_shown_to_a_tenth():
    work = from_records(RUNS, "test")
    assert work is not None
    plan = make_plan(Box(find_gpu("H100")), 32768, 4, work, 26_144, CostInputs(1000, 0.5), pick=EIGHT_FP8)
    text = render_plan(plan, 1000)
    assert "decode           0.5 tokens/s (given: --tokens-per-second)" in text  # not "1 tokens/s"
    assert "counted once), not used: --tokens-per-second given" in text


def test_a_gpu_the_table_does_not_know_takes_the_rate_measured_on_it():
    # NVML's "NVIDIA RTX A6000" is in no table: no estimate, but runs measured on it give the hours.
    a6000 = from_nvml("NVIDIA RTX A6000", 48 * 1024**3, (8, 6), 300.0)
    on_it = [
        run("a.pdf", "2026-03-01T12:01:40+00:00", 100.0, 300_000, 30_000, gpus=("NVIDIA RTX A6000",)),
        run("b.pdf", "2026-03-01T12:02:00+00:00", 70.0, 150_000, 15_000, gpus=("NVIDIA RTX A6000",)),
    ]
    work = from_records(on_it, "test")
    assert work is not None
    planned = Choice(fit(EIGHT, FP8, Box(a6000), 32768, 3000), 32768, 4)
    rates = throughput(planned, work)
    # a 12:00:00-12:01:40, b 12:00:50-12:02:00: busy 120 s; 450,000 / 120 and 45,000 / 120 tokens/s.
    assert rates is not None and rates.together
    assert (rates.prefill.value, rates.decode.value) == (3_750, 375)
    elsewhere = from_records(RUNS, "test")  # measured on an H100: it does not apply, and nothing else does
    assert elsewhere is not None and throughput(planned, elsewhere) is None
