"""Monitoring: GPUs through NVML, model servers through their HTTP endpoints, and `doctor`.

No Textual or Rich here and nothing printed: samplers return plain dataclasses that the gauges pane, the
doctor screen and the CLI render.
"""

from .doctor import DoctorReport, render_report, run_doctor
from .gpu import GpuInfo, GpuProcess, GpuSampler, GpuSnapshot
from .prometheus import MetricsError, MetricsSnapshot, Rates, compute_rates, parse_metrics
from .recommend import Recommendation, recommend, recommend_for_gpus
from .server import ServerMonitor, ServerStatus

__all__ = [
    "DoctorReport",
    "GpuInfo",
    "GpuProcess",
    "GpuSampler",
    "GpuSnapshot",
    "MetricsError",
    "MetricsSnapshot",
    "Rates",
    "Recommendation",
    "ServerMonitor",
    "ServerStatus",
    "compute_rates",
    "parse_metrics",
    "recommend",
    "recommend_for_gpus",
    "render_report",
    "run_doctor",
]
