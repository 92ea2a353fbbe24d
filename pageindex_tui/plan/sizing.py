"""What fits a box: for each Qwen3 model and quantization, the weights, the KV cache per token, the tokens of
KV cache left at --gpu-memory-utilization, and so how many requests of the user's typical size run at once;
the recommendation and its `vllm serve` command follow from these numbers.

vLLM takes `memory x --gpu-memory-utilization` on each GPU; out of it come the weights (split over the GPUs
with tensor parallel), what vLLM measures at start for activations, CUDA graphs and the CUDA context (here
assumed OVERHEAD_GIB a GPU), and the rest is KV cache. vLLM refuses to start when that KV cache cannot hold
one request of --max-model-len tokens.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass

from .gpus import GpuSpec
from .models import AWQ, BF16, FP8, GIB, KV_DTYPES, MODELS, NATIVE_CONTEXT, Quantization, Qwen3Model

OVERHEAD_GIB = 1.5  # per GPU: activations at vLLM's default batch, CUDA graphs, the CUDA context (assumed)
DEFAULT_UTILIZATION = 0.90  # vLLM's default --gpu-memory-utilization
FALLBACK_CONTEXTS = (16384, 8192)
MAX_NUM_SEQS_CAP = 64  # PageIndex sends long prompts a few at a time; more sequences only preempt each other
MIN_NUM_SEQS = 4  # requests smaller than the typical one still run beside it
# The preference among quantizations that fit: FP8 loses under 1% quality (the compatibility matrix) for half
# the weights and twice the tensor speed; BF16 next; 4-bit (1-5% loss) last.
PREFERENCE: tuple[Quantization, ...] = (FP8, BF16, AWQ)
TENSOR_PARALLEL = (1, 2, 4, 8)
DEFAULT_PARALLEL = 4  # requests the box must hold at once when concurrency is adaptive


@dataclass(frozen=True)
class Box:
    """The GPUs to plan for: `count` of one kind, used together with tensor parallel."""

    gpu: GpuSpec
    count: int = 1
    utilization: float = DEFAULT_UTILIZATION
    kv_cache_dtype: str = "auto"  # vLLM's --kv-cache-dtype: "auto" (BF16) or "fp8"

    @property
    def kv_dtype_bytes(self) -> float:
        return KV_DTYPES[self.kv_cache_dtype]

    @property
    def budget_gib(self) -> float:
        """What vLLM may use on each GPU."""
        return self.gpu.memory_gib * self.utilization

    def describe(self) -> str:
        many = f"{self.count} x " if self.count > 1 else ""
        cc = self.gpu.capability
        return f"{many}{self.gpu.name} ({self.gpu.memory_gib:.1f} GiB, compute {cc[0]}.{cc[1]})"


@dataclass(frozen=True)
class Fit:
    """One model at one quantization on a box, at one --max-model-len."""

    model: Qwen3Model
    quant: Quantization
    box: Box
    max_model_len: int
    request_tokens: int  # the typical request (prompt + reply) the box is sized for
    refused: str = ""  # why this pairing cannot run at all ("" when it can)
    refused_short: str = ""  # the same in a few words, for a narrow table

    @property
    def repo(self) -> str:
        return self.model.repo(self.quant)

    @property
    def weights_gib(self) -> float:
        return self.model.weight_bytes(self.quant) / GIB

    @property
    def weights_per_gpu_gib(self) -> float:
        return self.weights_gib / self.box.count

    @property
    def kv_bytes_per_token(self) -> float:
        """On each GPU (see Qwen3Model.kv_bytes_per_token)."""
        return self.model.kv_bytes_per_token(self.box.kv_dtype_bytes, self.box.count)

    @property
    def kv_gib(self) -> float:
        """The KV cache left on each GPU: budget - weights - overhead (below 0: the weights do not fit)."""
        return self.box.budget_gib - self.weights_per_gpu_gib - OVERHEAD_GIB

    @property
    def kv_tokens(self) -> int:
        return max(0, int(self.kv_gib * GIB // self.kv_bytes_per_token))

    @property
    def requests_at_once(self) -> int:
        """Requests of the typical size whose KV cache fits at once."""
        return self.kv_tokens // max(1, self.request_tokens)

    @property
    def fits(self) -> bool:
        return not self.refused and self.kv_tokens >= self.max_model_len

    @property
    def why_not(self) -> str:
        if self.refused:
            return self.refused
        if self.kv_gib <= 0:
            weights, budget = self.weights_per_gpu_gib, self.box.budget_gib
            return f"weights {weights:.1f} GiB + {OVERHEAD_GIB} overhead > {budget:.1f} GiB"
        if not self.fits:
            return f"KV cache {self.kv_tokens:,} tokens < --max-model-len {self.max_model_len}"
        return ""

    @property
    def why_not_short(self) -> str:
        """`why_not` in a few words, for a narrow table."""
        if self.refused:
            return self.refused_short
        if self.kv_gib <= 0:
            return f"weights > {self.box.budget_gib:.1f} GiB"
        if not self.fits:
            return f"KV < {self.max_model_len}"
        return ""


def _refusal(model: Qwen3Model, quant: Quantization, box: Box) -> tuple[str, str]:
    """Why this pairing cannot run at all, in full and in a few words; ("", "") when it can."""
    if not model.repo(quant):
        return "Qwen publishes no 4-bit checkpoint", "no Qwen checkpoint"
    if box.gpu.capability < quant.min_capability:
        cc, need = box.gpu.capability, quant.min_capability
        full = f"{quant.label} needs compute {need[0]}.{need[1]}, this GPU has {cc[0]}.{cc[1]}"
        return full, f"needs compute {need[0]}.{need[1]}"
    if model.heads % box.count:
        full = f"tensor parallel {box.count} does not divide its attention heads"
        return full, f"{model.heads} heads / {box.count} GPUs"
    return "", ""


def fit(model: Qwen3Model, quant: Quantization, box: Box, max_model_len: int, request_tokens: int) -> Fit:
    return Fit(model, quant, box, max_model_len, request_tokens, *_refusal(model, quant, box))


def fit_table(box: Box, max_model_len: int, request_tokens: int) -> list[Fit]:
    """Every model (largest first) at every quantization (BF16, FP8, 4-bit) on this box."""
    return [
        fit(model, quant, box, max_model_len, request_tokens)
        for model in MODELS
        for quant in (BF16, FP8, AWQ)
    ]


@dataclass(frozen=True)
class Choice:
    """The recommendation: a fit, and the `vllm serve` flags that follow from it."""

    fit: Fit
    wanted_context: int  # what was asked; fit.max_model_len is less when that did not fit
    parallel: int  # requests of the typical size asked to fit at once

    @property
    def max_num_seqs(self) -> int:
        """The typical requests that fit at once, within MIN_NUM_SEQS..MAX_NUM_SEQS_CAP."""
        return max(MIN_NUM_SEQS, min(self.fit.requests_at_once, MAX_NUM_SEQS_CAP))

    @property
    def argv(self) -> list[str]:
        box = self.fit.box
        args = ["vllm", "serve", self.fit.repo]
        if box.count > 1:
            args += ["--tensor-parallel-size", str(box.count)]
        args += [
            "--max-model-len",
            str(self.fit.max_model_len),
            "--gpu-memory-utilization",
            f"{box.utilization:.2f}",
            "--max-num-seqs",
            str(self.max_num_seqs),
        ]
        if box.kv_cache_dtype != "auto":
            args += ["--kv-cache-dtype", box.kv_cache_dtype]
        return [*args, "--reasoning-parser", "qwen3"]

    def command(self, multiline: bool = True) -> str:
        """The shell command; one flag a line, joined with backslashes, unless `multiline` is False."""
        args = [shlex.quote(a) for a in self.argv]
        if not multiline:
            return " ".join(args)
        lines = [" ".join(args[:3])]
        lines += [f"  {flag} {value}" for flag, value in zip(args[3::2], args[4::2], strict=True)]
        return " \\\n".join(lines)


def recommend(box: Box, context: int, request_tokens: int, parallel: int) -> Choice | None:
    """The largest model that fits with a KV cache for one request of `context` tokens and for `parallel`
    requests of `request_tokens`, at the best quantization (PREFERENCE) this GPU runs; when none does at
    `context`, the same at 16384, then 8192 tokens. Qwen3-1.7B and 0.6B only when nothing else fits.
    None when nothing fits at all."""
    wanted = min(context, NATIVE_CONTEXT)
    contexts = [wanted, *(c for c in FALLBACK_CONTEXTS if c < wanted)]
    for small in (False, True):
        for length in contexts:
            for model in (m for m in MODELS if m.testing_only == small):
                for quant in PREFERENCE:
                    candidate = fit(model, quant, box, length, request_tokens)
                    if candidate.fits and candidate.requests_at_once >= parallel:
                        return Choice(candidate, context, parallel)
    return None
