"""`pageindex-tui plan`: size a GPU box for vLLM + Qwen3 from the user's own runs; write its deployment."""

from __future__ import annotations

import argparse
import asyncio

from ..errors import OutputError
from ..monitor.doctor import terminal_width, wrap_report
from ..monitor.gpu import GpuSampler
from ..monitor.server import UP, ServerMonitor, ServerStatus
from ..plan.build import plan_for, seen_gpu, tensor_parallel
from ..plan.compare import Served, from_repo
from ..plan.deploy import write_deployment
from ..plan.gpus import GpuSpec, UnknownGpu, find_gpu, known_names
from ..plan.models import MODELS, QUANTIZATIONS, Quantization, Qwen3Model
from ..plan.report import CostInputs, render_plan
from ..plan.sizing import TENSOR_PARALLEL, Box
from ..plan.workload import from_library
from ..settings import Settings
from ..store.library import Library
from .common import EXIT_FAILED, EXIT_OK, EXIT_USAGE, error


class UsageError(ValueError):
    pass


def _check(args: argparse.Namespace) -> None:
    if args.gpus is not None and args.gpus not in TENSOR_PARALLEL:
        raise UsageError(f"--gpus {args.gpus}: tensor parallel takes 1, 2, 4 or 8 GPUs")
    if not 0.1 <= args.gpu_memory_utilization <= 0.99:
        raise UsageError(f"--gpu-memory-utilization {args.gpu_memory_utilization:g} is outside 0.1-0.99")
    for flag in ("context", "parallel", "docs_per_month"):
        value = getattr(args, flag)
        if value is not None and value < 1:
            raise UsageError(f"--{flag.replace('_', '-')} must be 1 or more, not {value}")
    for flag in (
        "tokens_per_second",
        "kwh_price",
        "api_input_price",
        "api_output_price",
        "hardware_price",
        "idle_watts",
    ):
        value = getattr(args, flag)
        if value is not None and value < 0:
            raise UsageError(f"--{flag.replace('_', '-')} cannot be negative ({value:g})")
    if args.tokens_per_second == 0:
        raise UsageError("--tokens-per-second must be above 0")


def _seen_gpus() -> tuple[GpuSpec, int] | None:
    """The largest GPU NVML sees, and how many of the same it sees."""
    sampler = GpuSampler()
    try:
        return seen_gpu(sampler.sample())
    finally:
        sampler.close()


def _pick(args: argparse.Namespace) -> tuple[Qwen3Model, Quantization] | None:
    if args.model is None:
        return None
    known = from_repo(args.model)
    if known is None:
        repos = ", ".join(m.repo(q) for m in MODELS for q in QUANTIZATIONS if m.repo(q))
        raise UsageError(f"--model {args.model}: not a Qwen3 checkpoint the plan knows ({repos})")
    return known


def _box(args: argparse.Namespace) -> Box:
    if args.gpu is not None:
        try:
            gpu = find_gpu(args.gpu)
        except UnknownGpu as err:
            raise UsageError(str(err)) from None
        count = args.gpus or 1
    else:
        seen = _seen_gpus()
        if seen is None:
            raise UsageError(f"no GPU visible here: name one with --gpu (known: {known_names()})")
        gpu, visible = seen
        count = args.gpus or tensor_parallel(visible)
    return Box(gpu, count, args.gpu_memory_utilization, args.kv_cache_dtype)


async def _poll(endpoint: str, api_key: str) -> ServerStatus:
    async with ServerMonitor(endpoint, api_key=api_key, timeout=5.0) as monitor:
        return await monitor.poll()


def served(status: ServerStatus) -> Served:
    cache = status.metrics.cache if status.metrics is not None else None
    return Served(
        status.endpoint,
        status.kind,
        status.model,
        status.context_length,
        cache.tokens if cache else None,
        cache.memory_utilization if cache else None,
        cache.dtype if cache else "auto",
    )


def run_plan(args: argparse.Namespace, settings: Settings) -> int:
    try:
        _check(args)
        pick = _pick(args)
        box = _box(args)
    except UsageError as err:
        error(str(err), "see `pageindex-tui plan --help`")
        return EXIT_USAGE
    workload = from_library(Library())
    costs = None
    if args.docs_per_month is not None:
        costs = CostInputs(
            args.docs_per_month,
            args.tokens_per_second,
            args.kwh_price,
            args.api_input_price,
            args.api_output_price,
            args.hardware_price,
            args.idle_watts,
        )
    server = None
    if args.server_url is not None:
        endpoint = args.server_url or settings.endpoint
        status = asyncio.run(_poll(endpoint, settings.api_key))
        if status.state != UP or not status.model:
            why = status.reason or status.info_problem or "it lists no model"
            error(f"cannot compare with the server at {endpoint}: {why}", "start it, or leave out --server")
            return EXIT_FAILED
        server = served(status)
    plan = plan_for(
        settings,
        box,
        workload,
        context=args.context,
        parallel=args.parallel,
        costs=costs,
        served=server,
        pick=pick,
    )
    print(wrap_report(render_plan(plan, args.docs_per_month), terminal_width()), end="")
    if args.write is not None:
        if plan.choice is None:
            error("nothing to write: no model fits this box", "try more GPUs (--gpus) or a lower --parallel")
            return EXIT_FAILED
        try:
            written = write_deployment(plan.choice, args.write)
        except OutputError as err:
            error(err.message, "choose another --write folder")
            return EXIT_FAILED
        print("\nWrote " + " and ".join(str(p) for p in written))
    return EXIT_OK
