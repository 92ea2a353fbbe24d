"""The Qwen3 models and quantizations a plan chooses from: public facts, kept in one table each.

Architecture facts are each model's `config.json` on Hugging Face
(https://huggingface.co/Qwen/<name>/blob/main/config.json): `num_hidden_layers`, `num_attention_heads`,
`num_key_value_heads`, `head_dim`, `hidden_size`, `tie_word_embeddings`, `vocab_size` (151936 for all)
and `max_position_embeddings` (40960 for all). Parameter counts are the model cards' "Number of
Parameters" (total; "activated" for the mixture-of-experts 30B-A3B).

What the weights weigh is computed, not looked up: the embedding table (vocab x hidden, twice when the
output layer is not tied to it) stays 16-bit in every published checkpoint; the other parameters take the
quantization's bytes per parameter.
"""

from __future__ import annotations

from dataclasses import dataclass

GIB = 1024**3
VOCAB = 151936  # vocab_size, the same in every Qwen3 config.json
NATIVE_CONTEXT = 40960  # max_position_embeddings: vLLM's default --max-model-len for Qwen3
BF16_BYTES = 2


@dataclass(frozen=True)
class Quantization:
    key: str  # "bf16" | "fp8" | "awq"
    label: str
    bytes_per_param: float  # of the quantized (non-embedding) parameters
    min_capability: tuple[int, int]  # the lowest CUDA compute capability vLLM runs it on
    suffix: str  # of the Qwen repository: Qwen/Qwen3-8B<suffix>


# FP8: one byte a weight, with one float32 scale per 128x128 block (Qwen's FP8 checkpoints): 4/16384 of a
# byte, left out. vLLM runs FP8 weights on compute capability 8.9 (Ada) and 9.0 (Hopper), FP8 tensor cores.
# AWQ 4-bit: half a byte a weight, plus a 16-bit scale and a 4-bit zero point per group of 128 weights:
# (4 + 16/128 + 4/128) / 8 = 0.5195 bytes. vLLM's AWQ kernels need compute capability 7.5.
# BF16 needs compute capability 8.0 (Ampere); every GPU in gpus.py has it.
BF16 = Quantization("bf16", "BF16", 2.0, (8, 0), "")
FP8 = Quantization("fp8", "FP8", 1.0, (8, 9), "-FP8")
AWQ = Quantization("awq", "AWQ 4-bit", (4 + 16 / 128 + 4 / 128) / 8, (7, 5), "-AWQ")
QUANTIZATIONS: tuple[Quantization, ...] = (BF16, FP8, AWQ)  # best precision first


@dataclass(frozen=True)
class Qwen3Model:
    name: str  # "Qwen3-8B"
    layers: int  # num_hidden_layers
    heads: int  # num_attention_heads (tensor parallel must divide it)
    kv_heads: int  # num_key_value_heads
    head_dim: int  # head_dim
    hidden: int  # hidden_size
    tied_embeddings: bool  # tie_word_embeddings
    params: float  # total parameters (model card)
    active_params: float  # parameters used per token: all of them for a dense model
    four_bit: str = "-AWQ"  # suffix of Qwen's own 4-bit repository; "" where Qwen publishes none
    testing_only: bool = False

    @property
    def embedding_params(self) -> float:
        return VOCAB * self.hidden * (1 if self.tied_embeddings else 2)

    def kv_bytes_per_token(self, kv_dtype_bytes: float = BF16_BYTES, tensor_parallel: int = 1) -> float:
        """KV cache per token on one GPU: 2 (K and V) x layers x KV heads x head_dim x bytes per value.

        Tensor parallel splits the KV heads over the GPUs; with more GPUs than KV heads each GPU keeps one
        (vLLM replicates them)."""
        heads = -(-self.kv_heads // tensor_parallel)  # ceiling
        return 2 * self.layers * heads * self.head_dim * kv_dtype_bytes

    def weight_bytes(self, quant: Quantization) -> float:
        """All the weights of the checkpoint: 16-bit embeddings, the rest at the quantization's width."""
        embedding = self.embedding_params
        return (self.params - embedding) * quant.bytes_per_param + embedding * BF16_BYTES

    def active_weight_bytes(self, quant: Quantization) -> float:
        """The weights one token reads: for 30B-A3B the routed experts' share only."""
        return self.weight_bytes(quant) * self.active_params / self.params

    def repo(self, quant: Quantization) -> str:
        """Qwen's repository of this model at `quant`; "" when Qwen publishes none."""
        if quant.key == "awq":
            return f"Qwen/{self.name}{self.four_bit}" if self.four_bit else ""
        return f"Qwen/{self.name}{quant.suffix}"

    def quant_label(self, quant: Quantization) -> str:
        return "GPTQ 4-bit" if quant.key == "awq" and "GPTQ" in self.four_bit else quant.label


# Largest first: the order of preference when several fit. Sources: config.json and the model card of each
# https://huggingface.co/Qwen/<name> (Qwen3-30B-A3B: "30.5B in total and 3.3B activated").
MODELS: tuple[Qwen3Model, ...] = (
    Qwen3Model("Qwen3-32B", 64, 64, 8, 128, 5120, False, 32.8e9, 32.8e9),
    Qwen3Model("Qwen3-30B-A3B", 48, 32, 4, 128, 2048, False, 30.5e9, 3.3e9, four_bit="-GPTQ-Int4"),
    Qwen3Model("Qwen3-14B", 40, 40, 8, 128, 5120, False, 14.8e9, 14.8e9),
    Qwen3Model("Qwen3-8B", 36, 32, 8, 128, 4096, False, 8.2e9, 8.2e9),
    Qwen3Model("Qwen3-4B", 36, 32, 8, 128, 2560, True, 4.0e9, 4.0e9),
    Qwen3Model("Qwen3-1.7B", 28, 16, 8, 128, 2048, True, 1.7e9, 1.7e9, four_bit="", testing_only=True),
    Qwen3Model("Qwen3-0.6B", 28, 16, 8, 128, 1024, True, 0.6e9, 0.6e9, four_bit="", testing_only=True),
)
# Every (model, quantization) published as a Qwen checkpoint (`repo` names it), in the tables' order.
CHECKPOINTS: tuple[tuple[Qwen3Model, Quantization], ...] = tuple(
    (m, q) for m in MODELS for q in QUANTIZATIONS if m.repo(q)
)
KV_DTYPES = {"auto": BF16_BYTES, "fp8": 1}  # vLLM's --kv-cache-dtype: auto keeps the model's BF16


def find_model(name: str) -> Qwen3Model | None:
    """A model by name, case and the "Qwen/" prefix aside: "qwen3-8b", "Qwen/Qwen3-8B", "8B"."""
    wanted = name.strip().lower().removeprefix("qwen/").removeprefix("qwen3-")
    return next((m for m in MODELS if m.name.lower().removeprefix("qwen3-") == wanted), None)
