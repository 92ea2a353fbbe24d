"""Doctor's comparison of a running vLLM server with the plan, as `pageindex-tui plan --server` makes it for
the GPUs this machine sees: where the served model, --max-model-len and --gpu-memory-utilization differ from
the plan's recommendation, and the server's KV cache by its own count (`vllm:cache_config_info`) beside the
plan's figure for the checkpoint it serves (plan/compare.py says both, for the plan's report too).

Skipped, with why, where there is nothing to compare: not vLLM (llama.cpp has no such flags), a vLLM
without cache_config_info, a server on another machine (its GPU is not the one NVML sees here), no GPU.
"""

from __future__ import annotations

from ..plan.build import served
from ..plan.compare import differences, kv_text
from ..plan.report import Plan
from .server import UP, ServerStatus

INFO, OK = "info", "ok"


def plan_check(status: ServerStatus, plan: Plan | None, local: bool) -> tuple[str, str, str] | None:
    """(level, message, fix) for a vLLM server that is up; None for any other server. `plan`: doctor's,
    for the GPUs NVML sees (None without one); `local`: the server's endpoint is on this machine."""
    if status.state != UP or not status.model or status.kind != "vllm":
        return None
    head, elsewhere = "plan check skipped:", f"pageindex-tui plan --gpu NAME --server {status.endpoint}"
    server = served(status)
    if server.utilization is None:
        return INFO, f"{head} this vLLM reports no vllm:cache_config_info (its flags)", ""
    if not local:
        return INFO, f"{head} the server is on another machine, whose GPU is not seen here", elsewhere
    if plan is None:
        return INFO, f"{head} no GPU visible here", elsewhere
    box = plan.box
    known = server.kv_tokens is not None
    kv = [f"KV cache {kv_text(server, box, plan.request_tokens, name_box=False)}"] if known else []
    choice = plan.choice
    if choice is None:
        return INFO, "; ".join([f"the plan finds no model that fits {box.describe()}", *kv]), ""
    diff = differences(server, choice)
    if not diff:
        return OK, "; ".join([f"runs as the plan for {box.describe()} says ({choice.fit.repo})", *kv]), ""
    message = "; ".join([f"differs from the plan for {box.describe()}: {diff[0]}", *diff[1:], *kv])
    return INFO, message, f"the plan's command: {choice.command(multiline=False)}"
