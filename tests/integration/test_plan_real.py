"""The plan from a run through a real llama-server (SmolLM2-135M): the record the job files is the
workload the plan reads, with the server's measured seconds and tokens."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from fakes.monitor import FakeNVML, h100

from pageindex_tui.jobs.service import JobService
from pageindex_tui.monitor import energy
from pageindex_tui.plan.gpus import find_gpu
from pageindex_tui.plan.report import CostInputs, make_plan, render_plan
from pageindex_tui.plan.sizing import Box
from pageindex_tui.plan.workload import from_library
from pageindex_tui.settings import Settings
from pageindex_tui.store.cache import ResponseCache
from pageindex_tui.store.library import Library

SAMPLE_DOCS = Path(__file__).resolve().parents[2] / "sample_docs"

pytestmark = pytest.mark.integration


def test_a_real_run_is_the_plan_s_workload(llama_server, tmp_path, monkeypatch):
    # A fake NVML stands in for a GPU beside the server: its energy counter gains 4 kJ between two reads.
    meter = energy.EnergyMeter(FakeNVML([h100(energy_step_mj=4_000_000)]))
    monkeypatch.setattr(energy, "_shared", meter)
    settings = Settings(
        endpoint=llama_server.endpoint,
        thinking=False,
        max_output_tokens=160,
        max_retries=1,
        request_timeout=120,
        if_add_doc_description=True,  # one call at least: the handbook's sections are their own summaries
    )
    library = Library(tmp_path / "library")

    async def go():
        async with JobService(library, cache=ResponseCache(enabled=False)) as jobs:
            return await jobs.run(SAMPLE_DOCS / "serving-handbook.md", settings)

    result = asyncio.run(asyncio.wait_for(go(), 600))
    assert result.ok and result.run is not None, result.error
    run = result.run
    work = from_library(library)
    assert work is not None and work.documents == 1
    assert (work.calls, work.prompt_tokens, work.completion_tokens) == (
        run.llm.calls,
        run.llm.prompt_tokens,
        run.llm.completion_tokens,
    )
    assert work.servers and work.servers[0].endswith("(llamacpp)")
    assert work.recorded_output_rate == pytest.approx(run.llm.completion_tokens / run.wall_seconds)
    assert run.energy is not None and run.energy.joules == 4000.0 and run.energy.method == "energy counter"
    assert work.measured_watts == pytest.approx(4000.0 / run.wall_seconds)
    measured = make_plan(Box(find_gpu("H100")), 32768, 4, work, 26_144, CostInputs(1000))
    assert measured.cost is not None and measured.cost.busy_watts.value == pytest.approx(work.measured_watts)
    assert "the mean draw of your 1 run (NVML)" in render_plan(measured, 1000)
    meter.close()
    plan = make_plan(Box(find_gpu("L4")), 32768, 4, work, 26_144, CostInputs(1000))
    assert plan.cost is not None and plan.cost.prompt_tokens == run.llm.prompt_tokens * 1000
    text = render_plan(plan, 1000)
    assert (
        "completion tokens/s a document on" in text
        and "(llamacpp)" in text
        and "A month of 1,000 documents" in text
    )
