"""A stand-in for the `pynvml` module, for tests, snapshots and benchmarks on machines without a GPU.

    nvml = FakeNVML([FakeGpu(name="NVIDIA H100 80GB HBM3", memory_total=80 * GIB, ...)])
    GpuSampler(nvml, proc_dir=None).sample()

It raises pynvml's own exception classes with NVML's return codes, so the sampler's error handling is the
code that runs against a real driver. Change a FakeGpu's fields (or set `lost=True`) between samples to
script a run.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import pynvml

from pageindex_tui.monitor.gpu import (
    ERROR_FUNCTION_NOT_FOUND,
    ERROR_GPU_IS_LOST,
    ERROR_INVALID_ARGUMENT,
    ERROR_NOT_SUPPORTED,
    ERROR_UNINITIALIZED,
    GIB,
)


@dataclass
class FakeGpu:
    name: str = "NVIDIA H100 80GB HBM3"
    memory_total: int = 80 * GIB
    memory_used: int = 70 * GIB
    utilization: int = 87
    temperature: int = 64
    temperature_slowdown: int | None = 90
    power_mw: int | None = 512_000
    power_limit_mw: int | None = 700_000
    sm_clock: int | None = 1980
    memory_clock: int | None = 2619
    compute_capability: tuple[int, int] = (9, 0)
    processes: list[tuple[int, str, int | None]] = field(default_factory=list)  # pid, NVML name, bytes
    uuid: str = "GPU-00000000-0000-0000-0000-000000000000"
    lost: bool = False  # every query raises NVMLError_GpuIsLost
    memory_v2: bool = True  # False: an old driver without nvmlDeviceGetMemoryInfo_v2
    temperature_v: bool = False  # True: a driver with nvmlDeviceGetTemperatureV
    energy_mj: int | None = 90_000_000  # the energy counter (mJ since the driver loaded); None: unsupported
    energy_step_mj: int = 0  # added to the counter after each read: a GPU that works between reads


class FakeNVML:
    NVMLError = pynvml.NVMLError
    NVMLLibraryMismatchError = pynvml.NVMLLibraryMismatchError
    nvmlMemory_v2 = pynvml.nvmlMemory_v2
    NVML_TEMPERATURE_GPU = pynvml.NVML_TEMPERATURE_GPU
    NVML_TEMPERATURE_THRESHOLD_SLOWDOWN = pynvml.NVML_TEMPERATURE_THRESHOLD_SLOWDOWN
    NVML_CLOCK_SM = pynvml.NVML_CLOCK_SM
    NVML_CLOCK_MEM = pynvml.NVML_CLOCK_MEM

    def __init__(
        self, gpus: list[FakeGpu] | None = None, *, init_error: int | None = None, driver: str = "550.54.15"
    ) -> None:
        self.gpus = list(gpus or [])
        self.init_error = init_error  # an NVML return code nvmlInit raises, e.g. 12 (library not found)
        self.count_error: int | None = None  # nvmlDeviceGetCount raises this (the driver went away)
        self.driver = driver
        self.initialized = 0
        self.calls: Counter[str] = Counter()

    # -- lifecycle ---------------------------------------------------------------------------------------
    def nvmlInit(self) -> None:
        self.calls["nvmlInit"] += 1
        if self.init_error is not None:
            raise pynvml.NVMLError(self.init_error)
        self.initialized += 1

    def nvmlShutdown(self) -> None:
        self.calls["nvmlShutdown"] += 1
        if not self.initialized:
            raise pynvml.NVMLError(ERROR_UNINITIALIZED)
        self.initialized -= 1

    def _ready(self, name: str) -> None:
        self.calls[name] += 1
        if not self.initialized:
            raise pynvml.NVMLError(ERROR_UNINITIALIZED)

    def _gpu(self, handle: Any, name: str) -> FakeGpu:
        self._ready(name)
        gpu = self.gpus[handle] if isinstance(handle, int) and 0 <= handle < len(self.gpus) else None
        if gpu is None:
            raise pynvml.NVMLError(ERROR_INVALID_ARGUMENT)
        if gpu.lost:
            raise pynvml.NVMLError(ERROR_GPU_IS_LOST)
        return gpu

    # -- system ------------------------------------------------------------------------------------------
    def nvmlSystemGetDriverVersion(self) -> str:
        self._ready("nvmlSystemGetDriverVersion")
        return self.driver

    def nvmlDeviceGetCount(self) -> int:
        self._ready("nvmlDeviceGetCount")
        if self.count_error is not None:
            raise pynvml.NVMLError(self.count_error)
        return len(self.gpus)

    def nvmlDeviceGetHandleByIndex(self, index: int) -> int:
        self._gpu(index, "nvmlDeviceGetHandleByIndex")
        return index

    def nvmlSystemGetProcessName(self, pid: int) -> str:
        self._ready("nvmlSystemGetProcessName")
        for gpu in self.gpus:
            for known, name, _ in gpu.processes:
                if known == pid:
                    return name
        raise pynvml.NVMLError(pynvml.NVML_ERROR_NOT_FOUND)

    # -- device ------------------------------------------------------------------------------------------
    def nvmlDeviceGetName(self, handle: int) -> str:
        return self._gpu(handle, "nvmlDeviceGetName").name

    def nvmlDeviceGetUUID(self, handle: int) -> str:
        return self._gpu(handle, "nvmlDeviceGetUUID").uuid

    def nvmlDeviceGetCudaComputeCapability(self, handle: int) -> tuple[int, int]:
        return self._gpu(handle, "nvmlDeviceGetCudaComputeCapability").compute_capability

    def nvmlDeviceGetUtilizationRates(self, handle: int) -> SimpleNamespace:
        gpu = self._gpu(handle, "nvmlDeviceGetUtilizationRates")
        return SimpleNamespace(gpu=gpu.utilization, memory=gpu.utilization // 2)

    def nvmlDeviceGetMemoryInfo(self, handle: int, version: Any = None) -> SimpleNamespace:
        gpu = self._gpu(handle, "nvmlDeviceGetMemoryInfo" + ("_v2" if version else ""))
        if version and not gpu.memory_v2:
            raise pynvml.NVMLError(ERROR_FUNCTION_NOT_FOUND)
        free = gpu.memory_total - gpu.memory_used
        return SimpleNamespace(total=gpu.memory_total, used=gpu.memory_used, free=free, reserved=0)

    def nvmlDeviceGetTemperature(self, handle: int, sensor: int) -> int:
        return self._gpu(handle, "nvmlDeviceGetTemperature").temperature

    def nvmlDeviceGetTemperatureV(self, handle: int, sensor: int) -> int:
        gpu = self._gpu(handle, "nvmlDeviceGetTemperatureV")
        if not gpu.temperature_v:
            raise pynvml.NVMLError(ERROR_FUNCTION_NOT_FOUND)
        return gpu.temperature

    def nvmlDeviceGetTemperatureThreshold(self, handle: int, kind: int) -> int:
        gpu = self._gpu(handle, "nvmlDeviceGetTemperatureThreshold")
        if gpu.temperature_slowdown is None:
            raise pynvml.NVMLError(ERROR_NOT_SUPPORTED)
        return gpu.temperature_slowdown

    def nvmlDeviceGetPowerUsage(self, handle: int) -> int:
        gpu = self._gpu(handle, "nvmlDeviceGetPowerUsage")
        if gpu.power_mw is None:
            raise pynvml.NVMLError(ERROR_NOT_SUPPORTED)
        return gpu.power_mw

    def nvmlDeviceGetTotalEnergyConsumption(self, handle: int) -> int:
        gpu = self._gpu(handle, "nvmlDeviceGetTotalEnergyConsumption")
        if gpu.energy_mj is None:  # before Volta
            raise pynvml.NVMLError(ERROR_NOT_SUPPORTED)
        value = gpu.energy_mj
        gpu.energy_mj += gpu.energy_step_mj
        return value

    def nvmlDeviceGetEnforcedPowerLimit(self, handle: int) -> int:
        gpu = self._gpu(handle, "nvmlDeviceGetEnforcedPowerLimit")
        if gpu.power_limit_mw is None:
            raise pynvml.NVMLError(ERROR_NOT_SUPPORTED)
        return gpu.power_limit_mw

    def nvmlDeviceGetClockInfo(self, handle: int, kind: int) -> int:
        gpu = self._gpu(handle, "nvmlDeviceGetClockInfo")
        value = gpu.sm_clock if kind == self.NVML_CLOCK_SM else gpu.memory_clock
        if value is None:
            raise pynvml.NVMLError(ERROR_NOT_SUPPORTED)
        return value

    def nvmlDeviceGetComputeRunningProcesses(self, handle: int) -> list[SimpleNamespace]:
        gpu = self._gpu(handle, "nvmlDeviceGetComputeRunningProcesses")
        return [SimpleNamespace(pid=pid, usedGpuMemory=used) for pid, _, used in gpu.processes]

    def nvmlDeviceGetGraphicsRunningProcesses(self, handle: int) -> list[SimpleNamespace]:
        self._gpu(handle, "nvmlDeviceGetGraphicsRunningProcesses")
        return []


def h100(**changes: Any) -> FakeGpu:
    """A busy H100 serving vLLM (fixed figures for snapshots)."""
    base = FakeGpu(processes=[(4242, "/usr/bin/python3", 70 * GIB)])
    for key, value in changes.items():
        setattr(base, key, value)
    return base


# --- vLLM /metrics text, from the metric names vLLM documents (docs/design/metrics.md, v1 loggers.py) ------
TTFT_BUCKETS = (0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0)
ITL_BUCKETS = (0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0)


@dataclass
class VllmLoad:
    """Cumulative figures of one vLLM engine (counters since start, gauges now)."""

    running: int = 0
    waiting: int = 0
    kv_cache: float = 0.0  # fraction 0..1
    prompt_tokens: int = 0
    generation_tokens: int = 0
    prefix_queries: int = 0
    prefix_hits: int = 0
    preemptions: int = 0
    ttft: list[float] = field(default_factory=list)  # observations, seconds
    itl: list[float] = field(default_factory=list)


def _histogram_lines(name: str, labels: str, bounds: tuple[float, ...], seen: list[float]) -> list[str]:
    lines = []
    for bound in (*bounds, float("inf")):
        le = "+Inf" if bound == float("inf") else repr(bound)
        hits = sum(1 for value in seen if value <= bound)
        lines.append(f'{name}_bucket{{{labels},le="{le}"}} {float(hits)}')
    lines.append(f"{name}_count{{{labels}}} {float(len(seen))}")
    lines.append(f"{name}_sum{{{labels}}} {sum(seen)}")
    return lines


def vllm_metrics(
    engines: list[VllmLoad], *, model: str = "Qwen/Qwen3-8B", old_names: bool = False, created: bool = True
) -> str:
    """Prometheus text as vLLM's V1 engine writes it: one label set per engine, `_created` series as
    prometheus_client adds them; `old_names` uses the names deprecated in 0.10/0.11 and removed later."""
    kv = "vllm:gpu_cache_usage_perc" if old_names else "vllm:kv_cache_usage_perc"
    itl = "vllm:time_per_output_token_seconds" if old_names else "vllm:inter_token_latency_seconds"
    prefix = "vllm:gpu_prefix_cache" if old_names else "vllm:prefix_cache"
    out = [
        "# HELP python_gc_objects_collected_total Objects collected during gc",
        "# TYPE python_gc_objects_collected_total counter",
        'python_gc_objects_collected_total{generation="0"} 1234.0',
    ]
    gauges = (
        ("vllm:num_requests_running", "running"),
        ("vllm:num_requests_waiting", "waiting"),
        (kv, "kv_cache"),
    )
    counters = (
        ("vllm:prompt_tokens", "prompt_tokens"),
        ("vllm:generation_tokens", "generation_tokens"),
        (f"{prefix}_queries", "prefix_queries"),
        (f"{prefix}_hits", "prefix_hits"),
        ("vllm:num_preemptions", "preemptions"),
    )
    for name, attr in gauges:
        out += [f"# HELP {name} {attr}", f"# TYPE {name} gauge"]
        for number, load in enumerate(engines):
            out.append(f'{name}{{engine="{number}",model_name="{model}"}} {float(getattr(load, attr))}')
    for name, attr in counters:
        out += [f"# HELP {name}_total {attr}", f"# TYPE {name}_total counter"]
        for number, load in enumerate(engines):
            labels = f'engine="{number}",model_name="{model}"'
            out.append(f"{name}_total{{{labels}}} {float(getattr(load, attr))}")
            if created:
                out.append(f"{name}_created{{{labels}}} 1.76e+09")
    for name, bounds, attr in (
        ("vllm:time_to_first_token_seconds", TTFT_BUCKETS, "ttft"),
        (itl, ITL_BUCKETS, "itl"),
    ):
        out += [f"# HELP {name} {attr}", f"# TYPE {name} histogram"]
        for number, load in enumerate(engines):
            out += _histogram_lines(
                name, f'engine="{number}",model_name="{model}"', bounds, getattr(load, attr)
            )
    info = 'vllm:cache_config_info{block_size="16",gpu_memory_utilization="0.9",num_gpu_blocks="27000"} 1.0'
    out += ["# HELP vllm:cache_config_info cache config", "# TYPE vllm:cache_config_info gauge", info]
    return "\n".join(out) + "\n"
