"""The GPUs' energy over a document: NVML's energy counter (mJ) where the GPUs have it, else power samples
(mW) integrated; none at all without a GPU. A fake NVML with pynvml's API and units stands in for the
driver."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import pytest
from fakes import FakeVLLM
from fakes.monitor import FakeGpu, FakeNVML, h100

from pageindex_tui.errors import DamagedFile
from pageindex_tui.index.pipeline import Indexer
from pageindex_tui.monitor.energy import COUNTER, SAMPLES, EnergyMeter
from pageindex_tui.monitor.gpu import ERROR_LIBRARY_NOT_FOUND
from pageindex_tui.settings import Settings
from pageindex_tui.store.cache import ResponseCache
from pageindex_tui.store.records import EnergyFigures, RunRecord


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_the_energy_counters_difference_over_every_gpu_in_joules() -> None:
    gpus = [h100(energy_mj=5_000_000), h100(energy_mj=7_000_000)]
    meter = EnergyMeter(FakeNVML(gpus))
    mark = meter.start()
    assert mark is not None
    gpus[0].energy_mj += 120_500  # mJ: 120.5 J on the first GPU, 80 J on the second
    gpus[1].energy_mj += 80_000
    used = mark.stop()
    assert used is not None and used.method == COUNTER
    assert used.joules == pytest.approx(200.5)
    assert used.gpus == ("NVIDIA H100 80GB HBM3", "NVIDIA H100 80GB HBM3")
    assert mark.stop() is None  # read once
    meter.close()


def test_without_the_counter_power_samples_are_integrated() -> None:
    gpu = FakeGpu(name="Tesla T4", energy_mj=None, power_mw=60_000)  # a T4 has no energy counter
    clock = Clock()
    meter = EnergyMeter(FakeNVML([gpu]), interval=3600, clock=clock)  # the thread never samples here
    mark = meter.start()
    assert mark is not None
    clock.now += 10
    gpu.power_mw = 70_000
    used = mark.stop()
    assert used is not None and used.method == SAMPLES
    assert used.joules == pytest.approx((60 + 70) / 2 * 10)  # a trapezoid: mean watts x seconds
    meter.close()


def test_the_sampling_thread_adds_what_happens_between_start_and_stop() -> None:
    gpu = FakeGpu(energy_mj=None, power_mw=100_000)
    nvml = FakeNVML([gpu])
    meter = EnergyMeter(nvml, interval=0.01)
    mark = meter.start()
    assert mark is not None
    deadline = time.monotonic() + 30
    while nvml.calls["nvmlDeviceGetPowerUsage"] < 4 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert nvml.calls["nvmlDeviceGetPowerUsage"] >= 4  # the thread sampled while the document ran
    used = mark.stop()
    assert used is not None and used.joules > 0
    meter.close()


def test_no_driver_or_no_gpu_measures_nothing_and_is_not_tried_again() -> None:
    absent = FakeNVML(init_error=ERROR_LIBRARY_NOT_FOUND)
    meter = EnergyMeter(absent)
    assert meter.start() is None and meter.start() is None
    assert absent.calls["nvmlInit"] == 1
    assert EnergyMeter(FakeNVML([])).start() is None


def test_a_gpu_lost_midway_gives_no_figure_rather_than_a_wrong_one() -> None:
    gpu = h100()
    meter = EnergyMeter(FakeNVML([gpu]))
    mark = meter.start()
    assert mark is not None
    gpu.lost = True
    assert mark.stop() is None
    meter.close()


# --- in the run record --------------------------------------------------------------------------------------
MARKDOWN = "# Guide\n\nIntro text.\n\n## Part One\n\nText of part one.\n\n## Part Two\n\nText of part two.\n"


def index_with(meter: EnergyMeter, tmp_path: Path) -> RunRecord:
    source = tmp_path / "guide.md"
    source.write_text(MARKDOWN)
    with FakeVLLM() as fake:
        settings = Settings(endpoint=fake.base_url, max_retries=0, if_add_doc_description=True)

        async def go() -> RunRecord:
            async with Indexer(
                settings, tmp_path / "out", cache=ResponseCache(enabled=False), energy=meter
            ) as ix:
                result = await ix.index(source)
            assert result.run is not None
            return result.run

        record = asyncio.run(go())
    written = json.loads((tmp_path / "out" / "guide_run.json").read_text())
    assert RunRecord.from_dict(written) == record  # the file holds what the record says
    return record


def test_a_document_indexed_with_a_gpu_visible_records_its_energy(tmp_path: Path) -> None:
    meter = EnergyMeter(FakeNVML([h100(energy_step_mj=250_000)]))  # 250 J between two reads
    record = index_with(meter, tmp_path)
    assert record.llm.calls > 0
    assert record.energy == EnergyFigures(250.0, COUNTER, ("NVIDIA H100 80GB HBM3",))
    meter.close()


def test_without_a_gpu_the_record_has_no_energy_not_zero(tmp_path: Path) -> None:
    record = index_with(EnergyMeter(FakeNVML(init_error=ERROR_LIBRARY_NOT_FOUND)), tmp_path)
    assert record.energy is None
    assert "energy" not in json.loads((tmp_path / "out" / "guide_run.json").read_text())


def test_a_damaged_energy_field_is_named() -> None:
    with pytest.raises(DamagedFile, match=r"energy\.method"):
        RunRecord.from_dict({"doc_name": "a", "energy": {"joules": 3, "method": "guess"}})
    with pytest.raises(DamagedFile, match=r"energy\.joules"):
        RunRecord.from_dict({"doc_name": "a", "energy": {"joules": -1, "method": COUNTER}})
