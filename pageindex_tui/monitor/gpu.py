"""GPU telemetry through NVML (`nvidia-ml-py`, imported as `pynvml`).

`GpuSampler.sample()` is a blocking call (ctypes into the driver): run it off the UI thread
(`asyncio.to_thread`, a thread worker). It never raises: no driver, no GPU, a driver that stops answering
and a GPU that falls off the bus are states of the returned `GpuSnapshot`, each with a reason a user can
act on. Queries a device does not support (fan-less boards, MIG, old drivers) are remembered and skipped.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from .nvml import bind, error_kinds, shut, text

GIB = 1024**3

# NVML return codes (nvml.h); read from the module where it has them.
ERROR_UNINITIALIZED = 1
ERROR_INVALID_ARGUMENT = 2
ERROR_NO_PERMISSION = 4
ERROR_NOT_SUPPORTED = 3
ERROR_NOT_FOUND = 6
ERROR_DRIVER_NOT_LOADED = 9
ERROR_LIBRARY_NOT_FOUND = 12
ERROR_FUNCTION_NOT_FOUND = 13
ERROR_GPU_IS_LOST = 15
ERROR_LIB_RM_VERSION_MISMATCH = 18
ERROR_ARGUMENT_VERSION_MISMATCH = 25
ERROR_UNKNOWN = 999
NOT_AVAILABLE = (1 << 64) - 1  # NVML_VALUE_NOT_AVAILABLE for process memory

SKIPPABLE = {ERROR_NOT_SUPPORTED, ERROR_FUNCTION_NOT_FOUND, ERROR_ARGUMENT_VERSION_MISMATCH, ERROR_NOT_FOUND}
LOST = {ERROR_GPU_IS_LOST, ERROR_UNKNOWN, ERROR_UNINITIALIZED}

REASONS = {
    ERROR_LIBRARY_NOT_FOUND: ("no-driver", "no NVIDIA driver here (the NVML library was not found)"),
    ERROR_DRIVER_NOT_LOADED: ("no-driver", "the NVIDIA kernel driver is not loaded"),
    ERROR_NO_PERMISSION: ("error", "no permission to query the NVIDIA driver"),
    ERROR_LIB_RM_VERSION_MISMATCH: (
        "error",
        "the NVIDIA driver and its NVML library differ in version (reboot after a driver update)",
    ),
    ERROR_GPU_IS_LOST: ("error", "a GPU has fallen off the bus (check dmesg, reset or reboot)"),
}


@dataclass(frozen=True)
class GpuProcess:
    pid: int
    name: str  # "vllm", "llama-server", "python3", ... (from /proc/PID/cmdline, else NVML)
    memory: int | None  # bytes; None where the driver does not say


@dataclass(frozen=True)
class GpuInfo:
    index: int
    name: str = ""
    uuid: str = ""
    utilization: int | None = None  # % of the last sample period a kernel ran
    memory_used: int | None = None  # bytes
    memory_total: int | None = None  # bytes
    temperature: int | None = None  # °C
    temperature_slowdown: int | None = None  # °C where the GPU starts to throttle
    power: float | None = None  # W
    power_limit: float | None = None  # W
    sm_clock: int | None = None  # MHz
    memory_clock: int | None = None  # MHz
    compute_capability: tuple[int, int] | None = None
    processes: tuple[GpuProcess, ...] = ()
    error: str = ""  # set when the GPU stopped answering; the figures are then None

    @property
    def memory_fraction(self) -> float | None:
        if self.memory_used is None or not self.memory_total:
            return None
        return self.memory_used / self.memory_total


@dataclass(frozen=True)
class GpuSnapshot:
    state: str  # "ok" | "no-driver" | "no-gpu" | "error"
    reason: str = ""  # why there are no figures ("" when state is "ok")
    gpus: tuple[GpuInfo, ...] = ()
    driver_version: str = ""
    taken_at: float = 0.0


class _Lost(Exception):
    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code


def classify_process(argv: list[str]) -> str:
    """A short name for a GPU process; model servers by what they are, not by their interpreter."""
    joined = " ".join(argv).lower()
    for marker, name in (("vllm", "vllm"), ("llama-server", "llama-server"), ("sglang", "sglang")):
        if marker in joined:
            return name
    first = argv[0] if argv else ""
    return os.path.basename(first.split(" ")[0]) or "?"


def describe(err: BaseException) -> str:
    text = str(err).strip()
    return text or type(err).__name__


class GpuSampler:
    """`GpuSampler().sample()` -> GpuSnapshot. `nvml`: a module with pynvml's API (tests pass a fake)."""

    def __init__(
        self,
        nvml: Any = None,
        *,
        proc_dir: str | Path | None = "/proc",
        retry_after: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._nvml = nvml
        self._proc = Path(proc_dir) if proc_dir else None
        self.retry_after = retry_after
        self._clock = clock
        self._initialized = False
        self._failed: GpuSnapshot | None = None
        self._failed_at = 0.0
        self._driver = ""
        self._count = -1
        self._handles: dict[int, Any] = {}
        self._static: dict[int, dict[str, Any]] = {}
        self._skip: set[tuple[int, str]] = set()
        self._names: dict[int, str] = {}
        self._lock = threading.Lock()

    # -- public ------------------------------------------------------------------------------------------
    def sample(self) -> GpuSnapshot:
        """Blocking: call from a thread. Never raises."""
        with self._lock:
            now = self._clock()
            try:
                return replace(self._sample(now), taken_at=now)
            except Exception as err:  # a binding that misbehaves is a state, not a crash
                self._forget()
                return GpuSnapshot("error", f"GPU telemetry failed: {describe(err)}", taken_at=now)

    def close(self) -> None:
        with self._lock:
            self._forget()

    # -- internals ---------------------------------------------------------------------------------------
    def _errors(self) -> tuple[type[BaseException], ...]:
        return error_kinds(self._nvml)

    def _code(self, err: BaseException) -> int:
        value = getattr(err, "value", None)
        return value if isinstance(value, int) else -1

    def _forget(self) -> None:
        if self._initialized:
            shut(self._nvml)
        self._initialized = False
        self._count = -1
        self._handles.clear()
        self._static.clear()
        self._skip.clear()

    def _init(self, now: float) -> GpuSnapshot | None:
        """None when NVML is ready, else the snapshot that says why not (kept for `retry_after`)."""
        if self._failed is not None and now - self._failed_at < self.retry_after:
            return self._failed
        failed = self._try_init()
        self._failed, self._failed_at = failed, now
        return failed

    def _try_init(self) -> GpuSnapshot | None:
        nv = self._nvml = bind(self._nvml)
        if nv is None:
            return GpuSnapshot("no-driver", "nvidia-ml-py is not installed (pip install nvidia-ml-py)")
        try:
            nv.nvmlInit()
        except self._errors() as err:
            state, reason = REASONS.get(self._code(err), ("error", f"NVML could not start: {describe(err)}"))
            return GpuSnapshot(state, reason)
        except OSError as err:
            return GpuSnapshot("error", f"NVML could not be loaded: {describe(err)}")
        self._initialized = True
        try:
            self._driver = text(nv.nvmlSystemGetDriverVersion())
        except self._errors():
            self._driver = ""
        return None

    def _sample(self, now: float) -> GpuSnapshot:
        if not self._initialized:
            failed = self._init(now)
            if failed is not None:
                return failed
        nv = self._nvml
        try:
            count = int(nv.nvmlDeviceGetCount())
        except self._errors() as err:
            self._forget()
            state, reason = REASONS.get(self._code(err), ("error", describe(err)))
            return GpuSnapshot(state, f"the GPU driver stopped answering: {reason}")
        if count == 0:
            return GpuSnapshot("no-gpu", "the NVIDIA driver reports no GPU", driver_version=self._driver)
        if count != self._count:
            self._handles.clear()  # GPUs came or went: look them up again
            self._static.clear()
            self._count = count
        gpus = tuple(self._device(index) for index in range(count))
        return GpuSnapshot("ok", "", gpus, self._driver)

    def _query(self, index: int, key: str, call: Callable[[], Any]) -> Any:
        """One NVML query; None when the device does not support it (then never asked again)."""
        if (index, key) in self._skip:
            return None
        try:
            return call()
        except self._errors() as err:
            code = self._code(err)
            if code in LOST:
                raise _Lost(code, describe(err)) from None
            if code in SKIPPABLE or code == -1:  # -1: NVMLLibraryMismatchError (an old driver)
                self._skip.add((index, key))
            return None

    def _device(self, index: int) -> GpuInfo:
        nv = self._nvml
        static = self._static.get(index, {})
        try:
            handle = self._handles.get(index)
            if handle is None:
                handle = self._query(index, "handle", lambda: nv.nvmlDeviceGetHandleByIndex(index))
                if handle is None:
                    return GpuInfo(index, error="the driver gives no handle for this GPU")
                self._handles[index] = handle
            if not static:
                static = self._describe(index, handle)
                self._static[index] = static
            return self._read(index, handle, static)
        except _Lost as lost:
            self._handles.pop(index, None)
            self._static.pop(index, None)
            reason = REASONS.get(lost.code, ("error", f"the GPU stopped answering ({lost})"))[1]
            return GpuInfo(index, name=static.get("name", ""), uuid=static.get("uuid", ""), error=reason)

    def _describe(self, index: int, handle: Any) -> dict[str, Any]:
        nv = self._nvml

        slowdown = getattr(nv, "NVML_TEMPERATURE_THRESHOLD_SLOWDOWN", 1)
        capability = self._query(index, "cc", lambda: nv.nvmlDeviceGetCudaComputeCapability(handle))
        return {
            "name": text(self._query(index, "name", lambda: nv.nvmlDeviceGetName(handle))),
            "uuid": text(self._query(index, "uuid", lambda: nv.nvmlDeviceGetUUID(handle))),
            "cc": tuple(int(v) for v in capability) if capability else None,
            "slowdown": self._query(
                index, "slowdown", lambda: nv.nvmlDeviceGetTemperatureThreshold(handle, slowdown)
            ),
        }

    def _read(self, index: int, handle: Any, static: dict[str, Any]) -> GpuInfo:
        nv = self._nvml
        q = self._query
        util = q(index, "util", lambda: nv.nvmlDeviceGetUtilizationRates(handle))
        memory = None
        version = getattr(nv, "nvmlMemory_v2", None)
        if version is not None:
            memory = q(index, "mem2", lambda: nv.nvmlDeviceGetMemoryInfo(handle, version=version))
        if memory is None:
            memory = q(index, "mem", lambda: nv.nvmlDeviceGetMemoryInfo(handle))
        sensor = getattr(nv, "NVML_TEMPERATURE_GPU", 0)
        temperature = None
        if hasattr(nv, "nvmlDeviceGetTemperatureV"):
            temperature = q(index, "tempv", lambda: nv.nvmlDeviceGetTemperatureV(handle, sensor))
        if temperature is None:
            temperature = q(index, "temp", lambda: nv.nvmlDeviceGetTemperature(handle, sensor))
        power = q(index, "power", lambda: nv.nvmlDeviceGetPowerUsage(handle))
        limit = q(index, "limit", lambda: nv.nvmlDeviceGetEnforcedPowerLimit(handle))
        sm_clock = q(index, "sm", lambda: nv.nvmlDeviceGetClockInfo(handle, getattr(nv, "NVML_CLOCK_SM", 1)))
        mem_clock = q(
            index, "memclk", lambda: nv.nvmlDeviceGetClockInfo(handle, getattr(nv, "NVML_CLOCK_MEM", 2))
        )
        return GpuInfo(
            index=index,
            name=static["name"],
            uuid=static["uuid"],
            utilization=None if util is None else int(util.gpu),
            memory_used=None if memory is None else int(memory.used),
            memory_total=None if memory is None else int(memory.total),
            temperature=None if temperature is None else int(temperature),
            temperature_slowdown=static["slowdown"],
            power=None if power is None else power / 1000.0,
            power_limit=None if not limit else limit / 1000.0,
            sm_clock=sm_clock,
            memory_clock=mem_clock,
            compute_capability=static["cc"],
            processes=self._processes(index, handle),
        )

    def _processes(self, index: int, handle: Any) -> tuple[GpuProcess, ...]:
        nv = self._nvml
        found: dict[int, int | None] = {}
        for key, call in (
            ("compute", lambda: nv.nvmlDeviceGetComputeRunningProcesses(handle)),
            ("graphics", lambda: nv.nvmlDeviceGetGraphicsRunningProcesses(handle)),
        ):
            for proc in self._query(index, key, call) or ():
                pid = int(getattr(proc, "pid", 0))
                used = getattr(proc, "usedGpuMemory", None)
                used = None if used is None or used >= NOT_AVAILABLE else int(used)
                if pid not in found or (used or 0) > (found[pid] or 0):
                    found[pid] = used
        if len(self._names) > 512:
            self._names.clear()
        return tuple(
            GpuProcess(pid, self._process_name(pid), used)
            for pid, used in sorted(found.items(), key=lambda item: -(item[1] or 0))
        )

    def _process_name(self, pid: int) -> str:
        if pid in self._names:
            return self._names[pid]
        name = ""
        if self._proc is not None:
            try:
                raw = (self._proc / str(pid) / "cmdline").read_bytes()
                argv = [part.decode(errors="replace") for part in raw.split(b"\0") if part]
                if argv:
                    name = classify_process(argv)
            except OSError:
                pass
        if not name:
            try:
                value = self._nvml.nvmlSystemGetProcessName(pid)
                value = text(value)
                name = classify_process([value]) if value else ""
            except self._errors():
                pass
        name = name or f"pid {pid}"
        self._names[pid] = name
        return name
