"""A plan from the settings, the library and the GPUs, as `pageindex-tui plan` and the app's Plan view ask
for it: the defaults both front ends share (the context, the requests at once, the largest request the
settings allow) in one place.
"""

from __future__ import annotations

from ..discovery import FALLBACK_CONTEXT_LENGTH
from ..monitor.gpu import GpuSnapshot
from ..settings import Settings
from .compare import Served
from .gpus import GpuSpec, from_nvml
from .models import Quantization, Qwen3Model
from .report import CostInputs, Plan, make_plan
from .sizing import DEFAULT_PARALLEL, TENSOR_PARALLEL, Box
from .workload import Workload

PROMPT_ROOM = 2048  # tokens for instructions and the reply's JSON around a node's text


def seen_gpu(snapshot: GpuSnapshot) -> tuple[GpuSpec, int] | None:
    """The largest GPU NVML sees, and how many of the same it sees; None when it sees none."""
    usable = [g for g in snapshot.gpus if g.memory_total and not g.error]
    if snapshot.state != "ok" or not usable:
        return None
    largest = max(usable, key=lambda g: g.memory_total or 0)
    same = [g for g in usable if g.name == largest.name]
    spec = from_nvml(largest.name, largest.memory_total or 0, largest.compute_capability, largest.power_limit)
    return spec, len(same)


def tensor_parallel(visible: int) -> int:
    """The most GPUs tensor parallel can use of `visible` ones: 1, 2, 4 or 8."""
    return max(n for n in TENSOR_PARALLEL if n <= max(1, visible))


def largest_request(settings: Settings) -> int:
    """The largest request the settings allow: a node's text, the reply, and the prompt around them."""
    return settings.max_tokens_per_node + settings.max_output_tokens + PROMPT_ROOM


def plan_for(
    settings: Settings,
    box: Box,
    workload: Workload | None,
    *,
    context: int | None = None,
    parallel: int | None = None,
    costs: CostInputs | None = None,
    served: Served | None = None,
    pick: tuple[Qwen3Model, Quantization] | None = None,
) -> Plan:
    """`make_plan` with the settings' defaults: the context (the context_length setting, else the
    fallback), the requests at once (the concurrency setting, else DEFAULT_PARALLEL, and 1 without run
    records, when the request is the largest the settings allow: one of them is what must fit)."""
    context = context or settings.context_length or FALLBACK_CONTEXT_LENGTH
    parallel = parallel or settings.concurrency or (DEFAULT_PARALLEL if workload else 1)
    return make_plan(box, context, parallel, workload, largest_request(settings), costs, served, pick)
