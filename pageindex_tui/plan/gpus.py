"""The GPUs a plan knows by name: memory, compute capability, board power, memory bandwidth and tensor speed.

Facts from NVIDIA's datasheets and architecture whitepapers (Ampere GA102, Ada AD102, A100, H100, H200, L4,
L40S, A10); memory is what `nvidia-smi` reports for the board (MiB: a little below the marketing figure on
some), since that is what vLLM's --gpu-memory-utilization is a fraction of. Tensor speed is dense BF16 with
FP32 accumulation (no sparsity): GeForce boards run it at half their FP16-accumulate rate. FP8 tensor math
(compute capability 8.9 and up) runs at twice the BF16 rate. The A10G is AWS's variant of the A10, for which
NVIDIA publishes no datasheet: the A10's bandwidth and tensor speed are used (the same GA102 chip), and the
300 W power limit that `nvidia-smi` shows for it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from .models import GIB

MIB = 1024**2


@dataclass(frozen=True)
class GpuSpec:
    name: str
    memory_mib: int
    capability: tuple[int, int]
    board_power_w: float
    bandwidth_gbs: float | None  # GB/s (10^9); None for a GPU seen by NVML but not in the table
    bf16_tflops: float | None  # dense, FP32 accumulate
    aliases: tuple[str, ...] = ()

    @property
    def memory_gib(self) -> float:
        return self.memory_mib * MIB / GIB

    @property
    def memory_bytes(self) -> float:
        return self.memory_mib * MIB

    def tflops(self, fp8: bool) -> float | None:
        if self.bf16_tflops is None:
            return None
        return self.bf16_tflops * (2 if fp8 and self.capability >= (8, 9) else 1)


GPUS: tuple[GpuSpec, ...] = (
    GpuSpec("RTX 3060 12GB", 12288, (8, 6), 170, 360, 25.6, ("rtx3060", "rtx306012gb")),
    GpuSpec("RTX 3090", 24576, (8, 6), 350, 936, 71, ("rtx3090",)),
    GpuSpec("RTX 4070 Ti 12GB", 12282, (8, 9), 285, 504, 80, ("rtx4070ti", "rtx4070ti12gb")),
    GpuSpec("RTX 4090 24GB", 24564, (8, 9), 450, 1008, 165, ("rtx4090", "rtx409024gb")),
    GpuSpec("L4", 23034, (8, 9), 72, 300, 121, ("l4", "l424gb")),
    GpuSpec("A10G", 23028, (8, 6), 300, 600, 125, ("a10g", "a10g24gb")),
    GpuSpec("L40S", 46068, (8, 9), 350, 864, 362, ("l40s", "l40s48gb")),
    GpuSpec("A100 40GB", 40960, (8, 0), 400, 1555, 312, ("a10040gb", "a100sxm440gb", "a100pcie40gb")),
    GpuSpec("A100 80GB", 81920, (8, 0), 400, 2039, 312, ("a10080gb", "a100sxm480gb", "a100pcie80gb")),
    GpuSpec("H100 80GB", 81559, (9, 0), 700, 3350, 989, ("h100", "h10080gb", "h10080gbhbm3", "h100sxm")),
    GpuSpec("H100 PCIe", 81559, (9, 0), 350, 2000, 756, ("h100pcie", "h100pcie80gb")),
    GpuSpec("H200", 143771, (9, 0), 700, 4800, 989, ("h200", "h200141gb", "h200sxm")),
)


def _key(name: str) -> str:
    key = re.sub(r"[^a-z0-9]", "", name.lower())
    for noise in ("nvidia", "geforce", "tesla"):
        key = key.replace(noise, "")
    return key


def _named(key: str) -> list[GpuSpec]:
    """The table's GPUs whose name or an alias is `key` (see `_key`)."""
    return [gpu for gpu in GPUS if key in gpu.aliases or key == _key(gpu.name)]


class UnknownGpu(ValueError):
    """A GPU name the table does not hold, or holds more than once; the message lists what it knows."""


def known_names() -> str:
    return ", ".join(gpu.name for gpu in GPUS)


def find_gpu(name: str) -> GpuSpec:
    """The table's GPU for a name as users and NVML write it: "RTX 4070 Ti", "A100-40GB",
    "NVIDIA A100-SXM4-40GB", "h100". Raises UnknownGpu when it matches none or several."""
    key = _key(name)
    if not key:
        raise UnknownGpu(f"no GPU name given; known: {known_names()}")
    exact = _named(key)
    if len(exact) == 1:
        return exact[0]
    partial = [gpu for gpu in GPUS if any(key in alias for alias in gpu.aliases)]
    if len(partial) == 1:
        return partial[0]
    if partial:
        raise UnknownGpu(f"{name!r} could be {' or '.join(g.name for g in partial)}: say which")
    raise UnknownGpu(f"unknown GPU {name!r}; known: {known_names()}")


def from_nvml(
    name: str, memory_bytes: int, capability: tuple[int, int] | None, power_limit: float | None
) -> GpuSpec:
    """A GPU NVML sees: its own memory and compute capability, with the speeds and board power of the
    table's entry of that name (the one nearest in memory); a GPU the table does not know has no speeds."""
    key = _key(name)
    named = _named(key) or [gpu for gpu in GPUS if any(key.startswith(alias) for alias in gpu.aliases)]
    if named:
        entry = min(named, key=lambda gpu: abs(gpu.memory_bytes - memory_bytes))
        return replace(entry, memory_mib=int(memory_bytes // MIB), capability=capability or entry.capability)
    return GpuSpec(
        name.removeprefix("NVIDIA ").strip() or "GPU",
        int(memory_bytes // MIB),
        capability or (0, 0),
        power_limit or 0.0,
        None,
        None,
    )


def same_gpu(names: tuple[str, ...], gpu: GpuSpec) -> bool:
    """Every GPU named (as NVML writes them) is `gpu`: the table's entry of that name, or, for a GPU the
    table does not know (planned from what NVML says of it), the same name; False for none."""

    def same(name: str) -> bool:
        try:
            return find_gpu(name).name == gpu.name
        except UnknownGpu:
            return _key(name) == _key(gpu.name)

    return bool(names) and all(same(name) for name in names)
