"""A running server against the plan: where its flags differ from the recommendation, and how its KV cache
(vLLM's own count, from `vllm:cache_config_info`) compares with what the plan computes for the model it
serves on the planned GPU. The second is a check of the plan's arithmetic and its overhead assumption,
meaningful when the server runs on that GPU.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from .models import CHECKPOINTS, Quantization, Qwen3Model
from .sizing import Box, Choice, fit


@dataclass(frozen=True)
class Served:
    """What a running server says about itself."""

    endpoint: str
    kind: str  # "vllm", "llamacpp", ...
    model: str  # the served model id
    max_model_len: int | None
    kv_tokens: int | None  # vLLM: num_gpu_blocks x block_size
    utilization: float | None  # vLLM: its --gpu-memory-utilization
    kv_cache_dtype: str = "auto"


@dataclass(frozen=True)
class NoServer:
    """A server asked for the comparison that did not answer as one: why, in a few words."""

    endpoint: str
    why: str


def from_repo(repo: str) -> tuple[Qwen3Model, Quantization] | None:
    """The table's model and quantization of a Qwen repository id ("Qwen/Qwen3-8B-FP8")."""
    return next(((m, q) for m, q in CHECKPOINTS if m.repo(q).lower() == repo.lower()), None)


def differences(served: Served, choice: Choice) -> list[str]:
    """The served flags that are not the recommendation's, each with the plan's value."""
    out = []
    if served.model != choice.fit.repo:
        out.append(f"model {served.model} (plan: {choice.fit.repo})")
    if served.max_model_len and served.max_model_len != choice.fit.max_model_len:
        out.append(f"--max-model-len {served.max_model_len} (plan: {choice.fit.max_model_len})")
    planned = choice.fit.box.utilization
    if served.utilization is not None and abs(served.utilization - planned) > 0.005:
        out.append(f"--gpu-memory-utilization {served.utilization:.2f} (plan: {planned:.2f})")
    return out


def planned_kv_tokens(served: Served, box: Box, request_tokens: int) -> int | None:
    """The KV cache the plan computes for the served checkpoint on `box`, at the server's own
    --gpu-memory-utilization and KV dtype; None for a model the table does not hold."""
    known = from_repo(served.model)
    if known is None:
        return None
    dtype = served.kv_cache_dtype if served.kv_cache_dtype in ("auto", "fp8") else box.kv_cache_dtype
    used = replace(box, utilization=served.utilization or box.utilization, kv_cache_dtype=dtype)
    return fit(*known, used, served.max_model_len or 0, request_tokens).kv_tokens or None


def kv_text(served: Served, box: Box, request_tokens: int, name_box: bool = True) -> str:
    """The server's KV cache by its own count, beside the plan's figure for it on `box` (named unless
    `name_box` is False: the sentence around it names it)."""
    text = f"{served.kv_tokens:,} tokens by the server's own count"
    planned = planned_kv_tokens(served, box, request_tokens)
    if served.kv_tokens is not None and planned:
        change = served.kv_tokens / planned - 1
        text += (
            f"; the plan computes {planned:,} for it{f' on {box.describe()}' if name_box else ''} "
            f"({change:+.0%}: the overhead a GPU is vLLM's measurement there, an assumption here)"
        )
    return text


def served_lines(served: Served, box: Box, choice: Choice | None, request_tokens: int) -> list[str]:
    length = f", --max-model-len {served.max_model_len}" if served.max_model_len else ""
    out = [f"Your server ({served.endpoint}): {served.kind or 'server'}, {served.model}{length}"]
    known = from_repo(served.model)
    if served.kv_tokens is not None:
        out.append(f"  KV cache         {kv_text(served, box, request_tokens)}")
    if known is None:
        out.append(f"  {served.model} is not one of the Qwen3 checkpoints the plan knows")
    if choice is not None:
        diff = differences(served, choice)
        out.append("  differs from the plan: " + "; ".join(diff) if diff else "  runs as the plan says")
    return out


def no_server_lines(missing: NoServer) -> list[str]:
    return [
        f"Your server ({missing.endpoint}): no answer ({missing.why}); nothing to compare with the plan",
    ]
