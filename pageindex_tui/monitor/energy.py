"""The energy the visible GPUs use while a document is indexed, through NVML (`pynvml`).

    meter = EnergyMeter()              # one per process is enough (`shared_meter()`)
    mark = meter.start()               # blocking: call from a thread; None when no GPU is visible
    ... index the document ...
    used = mark.stop() if mark else None   # Energy(joules, method, gpus), or None

Where every GPU has NVML's energy counter (`nvmlDeviceGetTotalEnergyConsumption`, millijoules since the
driver loaded; Volta and newer), the figure is the counters' difference. Else a thread samples the power
draw (`nvmlDeviceGetPowerUsage`, milliwatts) every `interval` seconds while a measurement is open and
integrates it (trapezoids), a counter of its own. The figure is the whole GPUs' draw over the document's
time, whatever else ran on them: documents indexed at once each count the time they shared.

Nothing here raises: no NVML, no driver, no GPU, a query the GPU refuses or a GPU lost midway all give None,
which the run record keeps as "not measured" (absent, never 0).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..store.records import ENERGY_METHODS
from .nvml import bind, error_kinds, shut, text

COUNTER, SAMPLES = ENERGY_METHODS  # the run record's names for the two ways of measuring


@dataclass(frozen=True)
class Energy:
    joules: float
    method: str  # COUNTER or SAMPLES
    gpus: tuple[str, ...]  # the names of the GPUs measured


class _Unavailable(Exception):
    pass


class EnergyMeter:
    """Energy counters for every visible GPU: NVML's own, or power samples integrated by a thread."""

    def __init__(
        self, nvml: Any = None, *, interval: float = 1.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._nvml = nvml
        self.interval = interval
        self._clock = clock
        self._lock = threading.Lock()
        self._ready: bool | None = None  # None: not tried yet; False: no GPU (not tried again)
        self._handles: list[Any] = []
        self.names: tuple[str, ...] = ()
        self.method = ""
        self._totals: list[float] = []  # millijoules integrated from power samples
        self._last: tuple[float, list[float]] | None = None  # when, and the milliwatts then
        self._open = 0  # measurements running
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    # -- public ------------------------------------------------------------------------------------------
    def start(self) -> Mark | None:
        """A measurement from now; None when no GPU is visible or it cannot be read. Blocking."""
        with self._lock:
            if not self._setup():
                return None
            try:
                first = self._read()
            except _Unavailable:
                return None
            self._open += 1
            if self.method == SAMPLES and self._thread is None:
                self._wake.clear()
                self._thread = threading.Thread(target=self._sample_loop, name="energy-meter", daemon=True)
                self._thread.start()
        return Mark(self, first)

    def close(self) -> None:
        with self._lock:
            thread, self._thread = self._thread, None
            self._open = 0
            self._wake.set()
        if thread is not None:
            thread.join(timeout=5)
        with self._lock:
            if self._ready:
                shut(self._nvml)
            self._ready = None
            self._handles = []

    # -- internals ---------------------------------------------------------------------------------------
    def _errors(self) -> tuple[type[BaseException], ...]:
        kinds = error_kinds(self._nvml)
        return kinds if Exception in kinds else (*kinds, OSError)

    def _setup(self) -> bool:
        if self._ready is not None:
            return self._ready
        self._ready = False
        nv = self._nvml = bind(self._nvml)
        if nv is None:
            return False
        try:
            nv.nvmlInit()
        except Exception:  # no library, no driver: no GPU to measure
            return False
        try:
            count = int(nv.nvmlDeviceGetCount())
            self._handles = [nv.nvmlDeviceGetHandleByIndex(i) for i in range(count)]
            names = [nv.nvmlDeviceGetName(h) for h in self._handles]
        except self._errors():
            count = 0
        if not count:
            shut(nv)
            return False
        self.names = tuple(text(n) for n in names)
        try:
            for handle in self._handles:
                nv.nvmlDeviceGetTotalEnergyConsumption(handle)
            self.method = COUNTER
        except self._errors():
            self.method = SAMPLES
            self._totals = [0.0] * count
        self._ready = True
        return True

    def _read(self) -> list[float]:
        """Each GPU's counter in millijoules (lock held); raises _Unavailable when a GPU does not answer."""
        nv = self._nvml
        try:
            if self.method == COUNTER:
                return [float(nv.nvmlDeviceGetTotalEnergyConsumption(h)) for h in self._handles]
            self._integrate()
            return list(self._totals)
        except self._errors() as err:
            raise _Unavailable(str(err)) from None

    def _integrate(self) -> None:
        """One power sample, added to the totals as a trapezoid from the last one (lock held)."""
        now = self._clock()
        watts = [float(self._nvml.nvmlDeviceGetPowerUsage(h)) for h in self._handles]  # milliwatts
        if self._last is not None:
            then, before = self._last
            seconds = max(0.0, now - then)
            for i, (a, b) in enumerate(zip(before, watts, strict=True)):
                self._totals[i] += (a + b) / 2 * seconds  # mW x s = mJ
        self._last = (now, watts)

    def _sample_loop(self) -> None:
        while not self._wake.wait(self.interval):
            with self._lock:
                if self._open <= 0 or self._thread is not threading.current_thread():
                    return
                try:
                    self._integrate()
                except self._errors():
                    pass  # the measurement's own reads notice a GPU that went

    def _finish(self, first: list[float]) -> Energy | None:
        with self._lock:
            self._open -= 1
            if self._ready is not True:
                return None
            try:
                last = self._read()
            except _Unavailable:
                return None
            finally:
                if self._open <= 0 and self._thread is not None:
                    self._thread, self._last = None, None
                    self._wake.set()
        used = sum(max(0.0, b - a) for a, b in zip(first, last, strict=True)) / 1000
        return Energy(round(used, 3), self.method, self.names)


class Mark:
    """An open measurement: `stop()` (blocking) gives the energy since `start()`, once."""

    def __init__(self, meter: EnergyMeter, first: list[float]) -> None:
        self._meter, self._first, self._done = meter, first, False

    def stop(self) -> Energy | None:
        if self._done:
            return None
        self._done = True
        return self._meter._finish(self._first)


_shared: EnergyMeter | None = None
_shared_lock = threading.Lock()


def shared_meter() -> EnergyMeter:
    """The process's meter (NVML started once, on the first measurement)."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = EnergyMeter()
        return _shared
