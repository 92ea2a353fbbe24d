"""What the user's workload costs on a box: GPU-hours a month at the throughput the box would reach,
energy, electricity, against a hosted API, and the months until the hardware has paid for itself.

Every figure carries its assumption (`Figure.basis`), and the report prints it next to the number.

Throughput, unless the user gives the server's measured output rate (`--tokens-per-second`), is an estimate:
- prefill is compute-bound: 2 FLOPs per active parameter per prompt token, at PREFILL_MFU of the GPUs'
  dense tensor speed (FP8 tensor speed for FP8 weights on compute 8.9+); attention FLOPs are left out;
- decoding is memory-bound: each step reads the active weights once for the whole batch (for the MoE model,
  the experts the batch touches, at most all of them) and each sequence's KV cache, at DECODE_BANDWIDTH of
  the memory bandwidth; the batch is the requests of the typical size that fit at once (vLLM's
  --max-num-seqs), each holding its prompt and half its reply on average.
Prefill and decoding times are added, as if they never overlapped (vLLM overlaps them): an upper bound on
the hours. Tensor parallel is counted as perfect splitting, with no communication cost.
"""

from __future__ import annotations

from dataclasses import dataclass

from .gpus import UnknownGpu, find_gpu
from .sizing import Choice, Fit
from .workload import Workload

PREFILL_MFU = 0.40  # share of peak tensor speed a long prefill reaches (assumed)
DECODE_BANDWIDTH = 0.70  # share of peak memory bandwidth a decode step reaches (assumed)
HOURS_A_MONTH = 730.0  # 365 x 24 / 12
IDLE_SHARE = 0.10  # idle draw of a GPU holding a model, as a share of board power (assumed)
DEFAULT_KWH_PRICE = 0.15  # $ per kWh (assumed)
DEFAULT_API_INPUT = 0.40  # $ per million prompt tokens of a hosted API (assumed)
DEFAULT_API_OUTPUT = 1.60  # $ per million completion tokens (assumed)


@dataclass(frozen=True)
class Figure:
    value: float
    basis: str  # where the number comes from: "measured (given)", "estimate: ...", "assumed", ...


@dataclass(frozen=True)
class Prices:
    kwh: Figure
    api_input: Figure  # $ per million tokens
    api_output: Figure
    hardware: Figure | None  # $ for the box, None when not given
    idle_watts: Figure  # per GPU


@dataclass(frozen=True)
class Throughput:
    prefill: Figure  # prompt tokens a second, the box as a whole
    decode: Figure  # completion tokens a second, the box as a whole


def estimate_throughput(
    choice: Choice, workload: Workload, measured_output: float | None = None
) -> Throughput | None:
    """The box's rates for this workload; None when the GPU's speeds are unknown and nothing was measured."""
    fit, box = choice.fit, choice.fit.box
    gpu, model = box.gpu, fit.model
    tflops = gpu.tflops(fp8=fit.quant.key == "fp8")
    prefill = None
    if tflops is not None:
        rate = box.count * tflops * 1e12 * PREFILL_MFU / (2 * model.active_params)
        active = model.active_params / 1e9
        basis = f"estimate: {box.count} x {tflops:g} TFLOPS x {PREFILL_MFU:.0%} / (2 x {active:g}B active)"
        prefill = Figure(rate, basis)
    if measured_output is not None:
        decode: Figure | None = Figure(measured_output, "measured on your server: --tokens-per-second")
    elif gpu.bandwidth_gbs is not None:
        batch = choice.max_num_seqs
        calls = max(1.0, workload.calls)
        held = (workload.prompt_tokens + workload.completion_tokens / 2) / calls  # tokens a sequence holds
        step = decode_step(fit, batch, held)
        basis = (
            f"estimate: {batch} sequences a step, {gpu.bandwidth_gbs:g} GB/s x {DECODE_BANDWIDTH:.0%}, "
            f"weights + KV cache read each step"
        )
        decode = Figure(batch / step, basis) if step else None
    else:
        decode = None
    if prefill is None or decode is None:
        return None
    return Throughput(prefill, decode)


def busy_draw(choice: Choice, workload: Workload) -> Figure:
    """The box's draw while it works: the GPUs' mean draw your runs measured (NVML) when they ran on this
    box's GPU model, per GPU times the box's GPUs; else the GPUs' board power, an upper bound."""
    box = choice.fit.box
    board = Figure(box.gpu.board_power_w * box.count, "board power")
    if workload.measured_watts is None or not workload.energy_gpus:
        return board
    try:
        same = all(find_gpu(name).name == box.gpu.name for name in workload.energy_gpus)
    except UnknownGpu:
        same = False
    count, runs = len(workload.energy_gpus), workload.energy_documents
    measured = f"{workload.measured_watts:,.0f} W measured on {', '.join(workload.energy_gpus)}"
    if not same:
        return Figure(board.value, f"board power; your runs' {measured} are another GPU's")
    per_gpu = workload.measured_watts / count
    basis = f"measured: the mean draw of your {runs} run{'s' * (runs != 1)} (NVML), {per_gpu:,.0f} W a GPU"
    return Figure(per_gpu * box.count, basis)


def decode_step(fit: Fit, batch: int, held: float) -> float | None:
    """Seconds a decode step of `batch` sequences, each holding `held` tokens, takes on the fit's box:
    the weights the batch touches and every sequence's KV cache read once, at DECODE_BANDWIDTH of the
    memory bandwidth. None when the GPU's bandwidth is unknown."""
    bandwidth = fit.box.gpu.bandwidth_gbs
    if bandwidth is None:
        return None
    model = fit.model
    weights = min(model.weight_bytes(fit.quant), model.active_weight_bytes(fit.quant) * batch) / fit.box.count
    kv = batch * held * fit.kv_bytes_per_token
    return (weights + kv) / (bandwidth * 1e9 * DECODE_BANDWIDTH)


@dataclass(frozen=True)
class MonthlyCost:
    documents: int
    gpu_hours: float
    busy_kwh: float
    idle_kwh: float
    electricity: float  # $
    api: float  # $ for the same tokens at the hosted API's prices
    prompt_tokens: float  # a month
    completion_tokens: float
    over_capacity: bool  # the work takes more hours than a month has
    busy_watts: Figure  # the box's draw while it works (see busy_draw)

    @property
    def saving(self) -> float:
        return self.api - self.electricity

    def break_even_months(self, hardware: float) -> float | None:
        """Months until the box has paid for itself; None when it never does at this volume."""
        return hardware / self.saving if self.saving > 0 else None


def monthly(
    choice: Choice, workload: Workload, rates: Throughput, prices: Prices, documents: int
) -> MonthlyCost:
    box = choice.fit.box
    prompt = workload.prompt_tokens * documents
    completion = workload.completion_tokens * documents
    hours = (prompt / rates.prefill.value + completion / rates.decode.value) / 3600
    busy_hours = min(hours, HOURS_A_MONTH)
    watts = busy_draw(choice, workload)
    busy_kwh = busy_hours * watts.value / 1000
    idle_kwh = (HOURS_A_MONTH - busy_hours) * prices.idle_watts.value * box.count / 1000
    electricity = (busy_kwh + idle_kwh) * prices.kwh.value
    api = (prompt * prices.api_input.value + completion * prices.api_output.value) / 1e6
    return MonthlyCost(
        documents,
        hours,
        busy_kwh,
        idle_kwh,
        electricity,
        api,
        prompt,
        completion,
        hours > HOURS_A_MONTH,
        watts,
    )


def default_prices(
    choice: Choice,
    kwh: float | None = None,
    api_input: float | None = None,
    api_output: float | None = None,
    hardware: float | None = None,
    idle_watts: float | None = None,
) -> Prices:
    """The prices the user set, and labelled assumptions for the rest."""

    def figure(value: float | None, default: float, flag: str) -> Figure:
        return Figure(value, "given") if value is not None else Figure(default, f"assumed; set {flag}")

    board = choice.fit.box.gpu.board_power_w
    idle = figure(idle_watts, board * IDLE_SHARE, "--idle-watts")
    if idle_watts is None:
        idle = Figure(idle.value, f"assumed {IDLE_SHARE:.0%} of board power; set --idle-watts")
    return Prices(
        kwh=figure(kwh, DEFAULT_KWH_PRICE, "--kwh-price"),
        api_input=figure(api_input, DEFAULT_API_INPUT, "--api-input-price"),
        api_output=figure(api_output, DEFAULT_API_OUTPUT, "--api-output-price"),
        hardware=None if hardware is None else Figure(hardware, "given"),
        idle_watts=idle,
    )
