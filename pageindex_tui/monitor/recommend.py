"""Which Qwen3 model and quantization fit a GPU, and the `vllm serve` command for it.

Weights come from the compatibility matrix this project started from (../shared/compatibility-matrix.md,
"Qwen3 Model Family": VRAM at FP16 / FP8 / 4-bit); FP8 needs compute capability >= 8.9 (same matrix,
"Quantization Impact"). The KV-cache cost per token is 2 (K and V) x layers x KV heads x head_dim x 2 bytes,
from the Qwen3 configs in plan/models.py (`pageindex-tui plan` computes the weights from them too).

The choice: the largest model, at the best precision, whose weights plus the KV cache for two full-length
requests (or at least one) plus a margin fit in `memory x gpu_memory_utilization`; if nothing fits at the
wanted context length, a shorter one (16384, then 8192). Qwen3-0.6B is for testing and only chosen last.

Flags follow current vLLM: reasoning is switched on by `--reasoning-parser qwen3` alone (`--enable-reasoning`
was removed in v0.10 and makes the server refuse to start); PageIndex sends long prompts a few at a time,
so `--max-num-seqs` is lowered from vLLM's default (256 and more) to what the client sends.
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from dataclasses import dataclass

from ..discovery import FALLBACK_CONTEXT_LENGTH
from ..plan.models import GIB, NATIVE_CONTEXT, find_model
from ..plan.sizing import DEFAULT_UTILIZATION, FALLBACK_CONTEXTS

MARGIN_GIB = 1.0  # activations, CUDA graphs, the CUDA context
FP8_MIN_CAPABILITY = (8, 9)


@dataclass(frozen=True)
class ModelSpec:
    name: str
    params: str
    fp16_gib: float
    fp8_gib: float
    int4_gib: float
    kv_bytes_per_token: int
    repos: tuple[tuple[str, str], ...]  # (quantization, Hugging Face repository)
    testing_only: bool = False

    def repo(self, quantization: str) -> str:
        return dict(self.repos).get(quantization, "")

    def weights(self, quantization: str) -> float:
        return {"FP16": self.fp16_gib, "FP8": self.fp8_gib, "4-bit": self.int4_gib}[quantization]


def _kv(name: str) -> int:
    model = find_model(name)
    assert model is not None, name
    return int(model.kv_bytes_per_token())


# Largest first: the order of preference.
MODELS: tuple[ModelSpec, ...] = (
    ModelSpec(
        "Qwen3-32B",
        "32.8B",
        65,
        32,
        20,
        _kv("Qwen3-32B"),
        (("FP16", "Qwen/Qwen3-32B"), ("FP8", "Qwen/Qwen3-32B-FP8"), ("4-bit", "Qwen/Qwen3-32B-AWQ")),
    ),
    ModelSpec(
        "Qwen3-30B-A3B",
        "30.5B (3.3B active)",
        60,
        30,
        18,
        _kv("Qwen3-30B-A3B"),
        (
            ("FP16", "Qwen/Qwen3-30B-A3B"),
            ("FP8", "Qwen/Qwen3-30B-A3B-FP8"),
            ("4-bit", "Qwen/Qwen3-30B-A3B-GPTQ-Int4"),
        ),
    ),
    ModelSpec(
        "Qwen3-8B",
        "8.0B",
        16,
        8,
        5,
        _kv("Qwen3-8B"),
        (("FP16", "Qwen/Qwen3-8B"), ("FP8", "Qwen/Qwen3-8B-FP8"), ("4-bit", "Qwen/Qwen3-8B-AWQ")),
    ),
    ModelSpec(
        "Qwen3-4B",
        "4.0B",
        8,
        4,
        3,
        _kv("Qwen3-4B"),
        (("FP16", "Qwen/Qwen3-4B"), ("FP8", "Qwen/Qwen3-4B-FP8"), ("4-bit", "Qwen/Qwen3-4B-AWQ")),
    ),
    ModelSpec(
        "Qwen3-0.6B",
        "0.6B",
        4,
        2,
        2,
        _kv("Qwen3-0.6B"),
        (("FP16", "Qwen/Qwen3-0.6B"), ("FP8", "Qwen/Qwen3-0.6B-FP8")),
        testing_only=True,
    ),
)
QUANTIZATIONS = ("FP16", "FP8", "4-bit")
QUANT_LABEL = {"FP16": "FP16 (BF16)", "FP8": "FP8", "4-bit": "AWQ/GPTQ 4-bit"}


@dataclass(frozen=True)
class Recommendation:
    model: ModelSpec
    quantization: str  # FP16 | FP8 | 4-bit
    repo: str
    max_model_len: int
    gpu_memory_utilization: float
    max_num_seqs: int
    tensor_parallel: int
    memory_gib: float  # memory the choice was made for (all GPUs used)
    compute_capability: tuple[int, int] | None
    weights_gib: float
    kv_gib_per_request: float  # KV cache for one full-length request
    full_requests: int  # full-length requests whose KV cache fits at once
    notes: tuple[str, ...] = ()

    @property
    def argv(self) -> list[str]:
        args = ["vllm", "serve", self.repo]
        if self.tensor_parallel > 1:
            args += ["--tensor-parallel-size", str(self.tensor_parallel)]
        args += [
            "--max-model-len",
            str(self.max_model_len),
            "--gpu-memory-utilization",
            f"{self.gpu_memory_utilization:.2f}",
            "--max-num-seqs",
            str(self.max_num_seqs),
            "--reasoning-parser",
            "qwen3",
        ]
        return args

    def command(self, multiline: bool = True) -> str:
        """The shell command; several lines joined with backslashes unless `multiline` is False."""
        args = [shlex.quote(a) for a in self.argv]
        if not multiline:
            return " ".join(args)
        lines, current = [], " ".join(args[:3])
        for flag, value in zip(args[3::2], args[4::2], strict=True):
            lines.append(current)
            current = f"  {flag} {value}"
        lines.append(current)
        return " \\\n".join(lines)

    @property
    def summary(self) -> str:
        return f"{self.model.name} at {QUANT_LABEL[self.quantization]} ({self.repo})"


def _fits(spec: ModelSpec, quant: str, budget: float, context: int, requests: int) -> bool:
    kv = spec.kv_bytes_per_token * context * requests / GIB
    return spec.weights(quant) + kv + MARGIN_GIB <= budget


def recommend(
    memory_gib: float,
    compute_capability: tuple[int, int] | None,
    *,
    gpus: int = 1,
    context_length: int = 0,
    concurrency: int = 8,
    utilization: float = DEFAULT_UTILIZATION,
) -> Recommendation | None:
    """The best fit for `gpus` GPUs of `memory_gib` each (tensor parallel when more than one).

    `context_length` 0 means the client's fallback (discovery.FALLBACK_CONTEXT_LENGTH); `concurrency` is
    how many calls the client sends at once.
    None when not even Qwen3-0.6B fits.
    """
    tensor_parallel = gpus if gpus in (2, 4, 8) else 1
    total = memory_gib * tensor_parallel
    budget = total * utilization
    fp8 = compute_capability is not None and tuple(compute_capability) >= FP8_MIN_CAPABILITY
    quants = [q for q in QUANTIZATIONS if q != "FP8" or fp8]
    asked = context_length if context_length > 0 else FALLBACK_CONTEXT_LENGTH
    wanted = min(asked, NATIVE_CONTEXT)
    contexts = [wanted, *(c for c in FALLBACK_CONTEXTS if c < wanted)]
    for small in (False, True):  # Qwen3-0.6B only when nothing else fits
        for context in contexts:
            for spec in (m for m in MODELS if m.testing_only == small):
                for quant in (q for q in quants if spec.repo(q)):
                    if any(_fits(spec, quant, budget, context, n) for n in (2, 1)):
                        choice = (spec, quant, context, asked, budget, total, compute_capability, fp8)
                        return _build(*choice, tensor_parallel, utilization, concurrency)
    return None


def _build(
    spec: ModelSpec,
    quant: str,
    context: int,
    wanted: int,
    budget: float,
    total: float,
    capability: tuple[int, int] | None,
    fp8: bool,
    tensor_parallel: int,
    utilization: float,
    concurrency: int,
) -> Recommendation:
    per_request = spec.kv_bytes_per_token * context / GIB
    kv_room = budget - spec.weights(quant) - MARGIN_GIB
    full = max(1, int(kv_room // per_request))
    seqs = max(4, min(32, 2 * concurrency))
    notes = []
    if wanted > NATIVE_CONTEXT:
        notes.append(
            f"{wanted} tokens is beyond Qwen3's native {NATIVE_CONTEXT}; for more, add --hf-overrides "
            """'{"rope_parameters":{"rope_type":"yarn","factor":4.0,"""
            """"original_max_position_embeddings":32768}}' """
            "and a larger --max-model-len (needs more memory)"
        )
    elif context < wanted:
        notes.append(f"{wanted} tokens do not fit with any model here: the context is cut to {context}")
    if not fp8 and capability is not None:
        notes.append(f"no FP8: compute capability {capability[0]}.{capability[1]} is below 8.9")
    if quant == "4-bit":
        notes.append("4-bit weights lose 1-5% quality (matrix); prefer FP8/FP16 on a larger GPU")
    if spec.testing_only:
        notes.append("Qwen3-0.6B is for testing: expect weak tables of contents on real documents")
    return Recommendation(
        model=spec,
        quantization=quant,
        repo=spec.repo(quant),
        max_model_len=context,
        gpu_memory_utilization=utilization,
        max_num_seqs=seqs,
        tensor_parallel=tensor_parallel,
        memory_gib=total,
        compute_capability=capability,
        weights_gib=spec.weights(quant),
        kv_gib_per_request=per_request,
        full_requests=full,
        notes=tuple(notes),
    )


def recommend_for_gpus(
    gpus: Sequence[tuple[float, tuple[int, int] | None]], *, context_length: int = 0, concurrency: int = 8
) -> Recommendation | None:
    """From (memory GiB, compute capability) per GPU: all identical GPUs together if that gives a larger
    model, else the largest single GPU."""
    if not gpus:
        return None
    largest = max(gpus, key=lambda g: g[0])
    best = recommend(largest[0], largest[1], context_length=context_length, concurrency=concurrency)
    same = [g for g in gpus if abs(g[0] - largest[0]) < 1.0]
    count = max((n for n in (2, 4, 8) if n <= len(same)), default=1)
    if count > 1:
        capabilities = [g[1] for g in same if g[1] is not None]
        lowest = min(capabilities) if capabilities else None
        together = recommend(
            largest[0], lowest, gpus=count, context_length=context_length, concurrency=concurrency
        )
        if together and (best is None or _rank(together) < _rank(best)):
            return together
    return best


def _rank(rec: Recommendation) -> tuple[int, int, int]:
    """Lower is better: a bigger model, then a better precision, then a longer context."""
    return (MODELS.index(rec.model), QUANTIZATIONS.index(rec.quantization), -rec.max_model_len)
