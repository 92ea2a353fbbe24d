"""What every NVML user here shares: binding `pynvml` (or a test's fake with its API), the exceptions it
raises, its byte strings, and a shutdown that never raises. `gpu.py` (telemetry) and `energy.py` (the
energy a run uses) each hold their own `nvmlInit`, as NVML counts them and shuts down at the last."""

from __future__ import annotations

from typing import Any


def bind(nvml: Any) -> Any | None:
    """`nvml` where given, else the `pynvml` module; None when nvidia-ml-py is not installed."""
    if nvml is not None:
        return nvml
    try:
        import pynvml
    except ImportError:
        return None
    return pynvml


def error_kinds(nv: Any) -> tuple[type[BaseException], ...]:
    """The exceptions an NVML call raises for a driver's answer (any exception where the binding has none)."""
    kinds = [getattr(nv, "NVMLError", None), getattr(nv, "NVMLLibraryMismatchError", None)]
    return tuple(k for k in kinds if isinstance(k, type)) or (Exception,)


def text(value: Any) -> str:
    """An NVML string (bytes in old bindings, str in new ones), undecodable bytes replaced."""
    return value.decode(errors="replace") if isinstance(value, bytes) else str(value or "")


def shut(nv: Any) -> None:
    """`nvmlShutdown`, whatever the driver says: the caller is done with it either way."""
    try:
        nv.nvmlShutdown()
    except Exception:
        pass
