"""GPU sampling: the real "no driver" path of this machine, and a fake NVML for everything a driver does."""

from __future__ import annotations

from pathlib import Path

import pynvml
import pytest
from fakes.monitor import GIB, FakeGpu, FakeNVML, h100

from pageindex_tui.monitor.gpu import GpuSampler, classify_process


def real_nvml_works() -> bool:
    try:
        pynvml.nvmlInit()
    except pynvml.NVMLError:
        return False
    pynvml.nvmlShutdown()
    return True


@pytest.mark.skipif(real_nvml_works(), reason="this machine has an NVIDIA driver")
def test_the_real_no_driver_path_is_a_state_not_an_exception() -> None:
    sampler = GpuSampler()
    snap = sampler.sample()
    assert snap.state == "no-driver" and snap.gpus == ()
    assert "NVML library was not found" in snap.reason
    assert sampler.sample().state == "no-driver"  # again: no exception, no retry storm
    sampler.close()


def test_figures_and_units() -> None:
    nvml = FakeNVML([h100(processes=[(4242, "/usr/bin/python3", 70 * GIB)])])
    snap = GpuSampler(nvml, proc_dir=None).sample()
    assert snap.state == "ok" and snap.driver_version == "550.54.15"
    (gpu,) = snap.gpus
    assert gpu.name == "NVIDIA H100 80GB HBM3" and gpu.compute_capability == (9, 0)
    assert gpu.utilization == 87 and gpu.temperature == 64 and gpu.temperature_slowdown == 90
    assert (gpu.memory_used, gpu.memory_total) == (70 * GIB, 80 * GIB)
    assert gpu.memory_fraction == pytest.approx(0.875)
    assert (gpu.power, gpu.power_limit) == (512.0, 700.0)  # milliwatts to watts
    assert (gpu.sm_clock, gpu.memory_clock) == (1980, 2619)
    assert [(p.pid, p.name, p.memory) for p in gpu.processes] == [(4242, "python3", 70 * GIB)]
    assert nvml.calls["nvmlDeviceGetMemoryInfo_v2"] == 1  # v2 first


def test_old_drivers_fall_back_and_unsupported_queries_are_not_asked_again() -> None:
    old = FakeGpu(name="Tesla T4", memory_v2=False, power_mw=None, temperature_slowdown=None)
    nvml = FakeNVML([old])
    sampler = GpuSampler(nvml, proc_dir=None)
    for _ in range(3):
        gpu = sampler.sample().gpus[0]
    assert gpu.memory_total == old.memory_total  # from v1 memory info
    assert gpu.power is None and gpu.power_limit == 700.0 and gpu.temperature_slowdown is None
    assert nvml.calls["nvmlDeviceGetMemoryInfo_v2"] == 1 and nvml.calls["nvmlDeviceGetMemoryInfo"] == 3
    assert nvml.calls["nvmlDeviceGetPowerUsage"] == 1
    assert nvml.calls["nvmlDeviceGetTemperatureV"] == 1 and nvml.calls["nvmlDeviceGetTemperature"] == 3


def test_a_gpu_that_falls_off_the_bus_and_comes_back() -> None:
    nvml = FakeNVML([h100(), FakeGpu(name="NVIDIA L4")])
    sampler = GpuSampler(nvml, proc_dir=None)
    assert sampler.sample().gpus[1].error == ""
    nvml.gpus[1].lost = True
    snap = sampler.sample()
    assert snap.state == "ok" and snap.gpus[0].error == ""
    lost = snap.gpus[1]
    assert lost.name == "NVIDIA L4" and "fallen off the bus" in lost.error and lost.utilization is None
    nvml.gpus[1].lost = False
    assert sampler.sample().gpus[1].utilization == 87


def test_gpus_that_disappear_and_a_driver_that_stops_answering() -> None:
    nvml = FakeNVML([h100(), h100()])
    sampler = GpuSampler(nvml, proc_dir=None)
    assert len(sampler.sample().gpus) == 2
    nvml.gpus.pop()
    assert len(sampler.sample().gpus) == 1
    nvml.count_error = pynvml.NVML_ERROR_DRIVER_NOT_LOADED
    gone = sampler.sample()
    assert gone.state == "no-driver" and "stopped answering" in gone.reason
    nvml.count_error = None
    assert sampler.sample().state == "ok"  # re-initialised at once after a driver that answered before
    nvml.gpus.clear()
    assert sampler.sample().state == "no-gpu"


@pytest.mark.parametrize(
    ("code", "state", "words"),
    [
        (pynvml.NVML_ERROR_LIBRARY_NOT_FOUND, "no-driver", "NVML library was not found"),
        (pynvml.NVML_ERROR_DRIVER_NOT_LOADED, "no-driver", "kernel driver is not loaded"),
        (pynvml.NVML_ERROR_NO_PERMISSION, "error", "no permission"),
        (pynvml.NVML_ERROR_LIB_RM_VERSION_MISMATCH, "error", "reboot after a driver update"),
        (pynvml.NVML_ERROR_UNKNOWN, "error", "NVML could not start"),
    ],
)
def test_init_failures_are_states_with_reasons(code: int, state: str, words: str) -> None:
    snap = GpuSampler(FakeNVML([h100()], init_error=code), proc_dir=None).sample()
    assert snap.state == state and words in snap.reason and snap.gpus == ()


def test_init_is_retried_only_every_so_often() -> None:
    now = [0.0]
    nvml = FakeNVML([h100()], init_error=pynvml.NVML_ERROR_LIBRARY_NOT_FOUND)
    sampler = GpuSampler(nvml, proc_dir=None, retry_after=30.0, clock=lambda: now[0])
    for second in range(20):
        now[0] = float(second)
        assert sampler.sample().state == "no-driver"
    assert nvml.calls["nvmlInit"] == 1
    nvml.init_error = None  # the driver got installed
    now[0] = 31.0
    assert sampler.sample().state == "ok" and nvml.calls["nvmlInit"] == 2


def test_library_mismatch_error_is_caught_too() -> None:
    class Mismatched(FakeNVML):
        def nvmlDeviceGetComputeRunningProcesses(self, handle: int) -> list:
            raise pynvml.NVMLLibraryMismatchError("Unversioned function called")

    sampler = GpuSampler(Mismatched([h100(processes=[(1, "x", 1)])]), proc_dir=None)
    assert sampler.sample().gpus[0].processes == ()

    class Broken(FakeNVML):
        def nvmlInit(self) -> None:
            raise pynvml.NVMLLibraryMismatchError("Unversioned function called")

    assert GpuSampler(Broken([h100()]), proc_dir=None).sample().state == "error"


def test_an_unexpected_exception_from_the_binding_is_a_state() -> None:
    class Weird(FakeNVML):
        def nvmlDeviceGetCount(self) -> int:
            raise RuntimeError("ctypes went sideways")

    snap = GpuSampler(Weird([h100()]), proc_dir=None).sample()
    assert snap.state == "error" and "ctypes went sideways" in snap.reason


def test_processes_are_named_from_their_command_line(tmp_path: Path) -> None:
    for pid, argv in (
        (10, [b"VLLM::EngineCore"]),
        (11, [b"/usr/bin/python3", b"-m", b"vllm.entrypoints.openai.api_server"]),
        (12, [b"/opt/llama/llama-server", b"-m", b"model.gguf"]),
        (13, [b"/usr/bin/python3", b"train.py"]),
    ):
        (tmp_path / str(pid)).mkdir()
        (tmp_path / str(pid) / "cmdline").write_bytes(b"\0".join(argv) + b"\0")
    procs = [(10, "/usr/bin/python3", 40 * GIB), (11, "/usr/bin/python3", 2 * GIB), (12, "", 3 * GIB)]
    procs += [(13, "/usr/bin/python3", 1 * GIB), (14, "/usr/bin/Xorg", None)]
    snap = GpuSampler(FakeNVML([h100(processes=procs)]), proc_dir=tmp_path).sample()
    named = [(p.pid, p.name) for p in snap.gpus[0].processes]
    assert named == [(10, "vllm"), (12, "llama-server"), (11, "vllm"), (13, "python3"), (14, "Xorg")]


def test_classify_process() -> None:
    assert classify_process(["/usr/bin/python3", "-m", "sglang.launch_server"]) == "sglang"
    assert classify_process([]) == "?"


def test_close_shuts_nvml_down() -> None:
    nvml = FakeNVML([h100()])
    sampler = GpuSampler(nvml, proc_dir=None)
    sampler.sample()
    sampler.close()
    assert nvml.initialized == 0 and nvml.calls["nvmlShutdown"] == 1
    sampler.close()
    assert nvml.calls["nvmlShutdown"] == 1
