"""A plan put together (`make_plan`) and written out as plain text (`render_plan`), for the CLI and the app.

Every number is printed with where it comes from: the user's run records, a flag, a table in this package,
or an assumption named as one.
"""

from __future__ import annotations

from dataclasses import dataclass

from .compare import Served, served_lines
from .costs import MonthlyCost, Prices, Throughput, default_prices, estimate_throughput, monthly
from .models import NATIVE_CONTEXT, Quantization, Qwen3Model
from .sizing import OVERHEAD_GIB, Box, Choice, Fit, fit_table, recommend
from .sizing import fit as fit_model
from .workload import Workload

KIB = 1024


@dataclass(frozen=True)
class CostInputs:
    documents_per_month: int
    measured_output: float | None = None  # completion tokens a second measured on the user's server
    kwh_price: float | None = None
    api_input_price: float | None = None
    api_output_price: float | None = None
    hardware_price: float | None = None
    idle_watts: float | None = None


@dataclass(frozen=True)
class Plan:
    box: Box
    context: int
    parallel: int
    request_tokens: int
    request_basis: str
    workload: Workload | None
    table: tuple[Fit, ...]
    choice: Choice | None
    rates: Throughput | None = None
    prices: Prices | None = None
    cost: MonthlyCost | None = None
    served: Served | None = None  # the running server to compare with, when asked
    picked: Fit | None = None  # the model the user chose in place of the recommendation


def make_plan(
    box: Box,
    context: int,
    parallel: int,
    workload: Workload | None,
    fallback_request: int,
    costs: CostInputs | None = None,
    served: Served | None = None,
    pick: tuple[Qwen3Model, Quantization] | None = None,
) -> Plan:
    """The fit table and recommendation for `box`; with `costs`, the month's hours, energy and money.

    The typical request is the workload's mean call; without run records, `fallback_request` (the largest
    request the settings allow). `pick`: a model and quantization chosen in place of the recommendation;
    it is the plan's choice when it fits `context` (at most Qwen3's native one) and `parallel` requests."""
    if workload is not None:
        request, basis = workload.request_tokens, "the mean call of your runs"
    else:
        request, basis = fallback_request, "no run records: the largest request your settings allow"
    table = tuple(fit_table(box, min(context, NATIVE_CONTEXT), request))
    picked = None
    if pick is None:
        choice = recommend(box, context, request, parallel)
    else:
        picked = fit_model(*pick, box, min(context, NATIVE_CONTEXT), request)
        good = picked.fits and picked.requests_at_once >= parallel
        choice = Choice(picked, context, parallel) if good else None
    plan = Plan(box, context, parallel, request, basis, workload, table, choice, served=served, picked=picked)
    if costs is None or choice is None or workload is None:
        return plan
    rates = estimate_throughput(choice, workload, costs.measured_output)
    prices = default_prices(
        choice,
        costs.kwh_price,
        costs.api_input_price,
        costs.api_output_price,
        costs.hardware_price,
        costs.idle_watts,
    )
    cost = monthly(choice, workload, rates, prices, costs.documents_per_month) if rates else None
    return Plan(
        box, context, parallel, request, basis, workload, table, choice, rates, prices, cost, served, picked
    )


def _tokens(value: float) -> str:
    return f"{value:,.0f}"


def _money(value: float) -> str:
    return f"-${-value:,.2f}" if value < 0 else f"${value:,.2f}"


def _hours(hours: float) -> str:
    return f"{hours:,.1f} h" if hours >= 1 else f"{hours * 60:,.1f} min"


def _row(label: str, text: str) -> str:
    """A labelled line; the label is one word, so a wrapped line continues under the text."""
    return f"  {label:<17}{text}"


def workload_lines(workload: Workload | None) -> list[str]:
    if workload is None:
        return [
            "Your workload",
            "  no run records in the library yet: index a few documents (`pageindex-tui index FILES`, or",
            "  `i` in the app) and the plan gives hours and costs from your own runs.",
        ]
    plural = "s" if workload.documents != 1 else ""
    out = [f"Your workload ({workload.documents} document{plural}, {workload.source})"]
    share = workload.reasoning_tokens / workload.completion_tokens if workload.completion_tokens else 0.0
    out.append(
        _row(
            "document",
            f"{workload.calls:,.1f} calls, {_tokens(workload.prompt_tokens)} prompt + "
            f"{_tokens(workload.completion_tokens)} completion tokens ({share:.0%} of them reasoning)",
        )
    )
    prompt_page, completion_page = workload.prompt_per_page, workload.completion_per_page
    if prompt_page is not None and completion_page is not None:
        text = f"{_tokens(prompt_page)} prompt + {_tokens(completion_page)} completion tokens a PDF page"
        out.append(_row("page", f"{text} ({workload.pages:,.1f} pages a PDF)"))
    if workload.energy_joules is not None and workload.measured_watts is not None:
        runs = workload.energy_documents
        out.append(
            _row(
                "energy",
                f"{workload.energy_joules:,.0f} J a document on {', '.join(workload.energy_gpus)} (NVML, "
                f"{runs} of the {workload.documents}), a mean draw of {workload.measured_watts:,.0f} W",
            )
        )
    rate = workload.recorded_output_rate
    if rate is not None and workload.servers:
        out.append(
            _row(
                "recorded",
                f"{rate:,.1f} completion tokens/s a document on {', '.join(workload.servers)} "
                f"({workload.wall_seconds:,.1f} s a document)",
            )
        )
    return out


def table_lines(plan: Plan) -> list[str]:
    box = plan.box
    kv_dtype = "2 bytes (BF16)" if box.kv_cache_dtype == "auto" else "1 byte (FP8)"
    out = [
        f"What fits at --max-model-len {plan.table[0].max_model_len} "
        f"(typical request {plan.request_tokens:,} tokens: {plan.request_basis})",
        f"  KV cache a token = 2 x layers x KV heads x head_dim x {kv_dtype}; vLLM's share of each GPU "
        f"{box.budget_gib:.1f} GiB = weights + {OVERHEAD_GIB} GiB overhead (assumed) + KV cache",
        f"  {'model':<15}{'weights':<18}{'KV/token':>10}{'KV cache':>12}{'tokens':>10}{'at once':>9}",
    ]
    for fit in plan.table:
        label = fit.model.quant_label(fit.quant)
        weights = f"{label} {fit.weights_gib:.1f}G"
        kv = f"{fit.kv_bytes_per_token / KIB:.0f} KiB"
        if fit.refused or fit.kv_gib <= 0:
            out.append(f"  {fit.model.name:<15}{weights:<18}{kv:>10}   -- {fit.why_not}")
            continue
        mark = "" if fit.fits else f"   -- {fit.why_not}"
        out.append(
            f"  {fit.model.name:<15}{weights:<18}{kv:>10}{fit.kv_gib:>10.1f}G{fit.kv_tokens:>11,}"
            f"{fit.requests_at_once:>9}{mark}"
        )
    return out


def choice_lines(plan: Plan) -> list[str]:
    choice = plan.choice
    picked = plan.picked
    if choice is None and picked is not None:
        why = picked.why_not or (
            f"room for {picked.requests_at_once} request{'s' * (picked.requests_at_once != 1)} of "
            f"{plan.request_tokens:,} tokens at once, {plan.parallel} asked"
        )
        label = f"{picked.model.name} at {picked.model.quant_label(picked.quant)}"
        return ["Your choice", f"  {label} does not fit {plan.box.describe()}: {why}"]
    if choice is None:
        return [
            "Recommendation",
            f"  nothing fits {plan.box.describe()} with {plan.parallel} requests of "
            f"{plan.request_tokens:,} tokens at once: more GPUs (--gpus), a larger GPU, or a lower "
            "--parallel",
        ]
    fit = choice.fit
    out = [
        "Your choice" if picked is not None else "Recommendation",
        f"  {fit.model.name} at {fit.model.quant_label(fit.quant)} ({fit.repo}): "
        f"weights {fit.weights_gib:.1f} GiB, {fit.kv_tokens:,} tokens of KV cache, "
        f"{fit.requests_at_once} request{'s' * (fit.requests_at_once != 1)} of {plan.request_tokens:,} "
        "tokens at once "
        f"(asked: {plan.parallel}; --max-num-seqs {choice.max_num_seqs})",
    ]
    wanted, length = choice.wanted_context, fit.max_model_len
    if wanted > NATIVE_CONTEXT:
        out.append(
            f"  note: {wanted} tokens is beyond Qwen3's native {NATIVE_CONTEXT}; more needs YaRN rope "
            "scaling (vLLM's --hf-overrides), which this plan does not size"
        )
    if length < min(wanted, NATIVE_CONTEXT):
        out.append(f"  note: {wanted} tokens fit no model here; the context is cut to {length}")
    if fit.model.testing_only:
        out.append(
            f"  note: {fit.model.name} is for testing: expect weak tables of contents on real documents"
        )
    out += ["", *("    " + line for line in choice.command().splitlines()), ""]
    out.append(f"  Then set endpoint = http://localhost:8000/v1 and model = {fit.repo!r}.")
    return out


def cost_lines(plan: Plan, documents: int | None) -> list[str]:
    if documents is None:
        return []
    head = f"A month of {documents:,} documents"
    if plan.choice is None or plan.workload is None:
        return [head, "  needs a recommendation and run records (see above)"]
    if plan.rates is None or plan.cost is None or plan.prices is None:
        return [head, f"  {plan.box.gpu.name}'s speeds are unknown here: give --tokens-per-second (measured)"]
    rates, cost, prices, box = plan.rates, plan.cost, plan.prices, plan.box
    out = [
        head,
        _row(
            "tokens",
            f"{_tokens(cost.prompt_tokens)} prompt + {_tokens(cost.completion_tokens)} completion "
            "(your mean document x documents)",
        ),
        _row("prefill", f"{rates.prefill.value:,.0f} tokens/s ({rates.prefill.basis})"),
        _row("decode", f"{rates.decode.value:,.0f} tokens/s ({rates.decode.basis})"),
        _row("GPU-hours", f"{_hours(cost.gpu_hours)} of the month's 730 h (prefill and decode times added)"),
    ]
    if cost.over_capacity:
        out.append("  note: more work than one box does in a month: add GPUs or boxes")
    watts = cost.busy_watts
    api_in = f"{_money(prices.api_input.value)}/M prompt ({prices.api_input.basis})"
    api_out = f"{_money(prices.api_output.value)}/M completion ({prices.api_output.basis})"
    out += [
        _row(
            "energy",
            f"{cost.busy_kwh:,.1f} kWh working at {watts.value:,.0f} W ({watts.basis}) + "
            f"{cost.idle_kwh:,.1f} kWh idle "
            f"at {prices.idle_watts.value * box.count:g} W ({prices.idle_watts.basis})",
        ),
        _row(
            "electricity",
            f"{_money(cost.electricity)} at {_money(prices.kwh.value)}/kWh ({prices.kwh.basis})",
        ),
        _row(
            "API",
            f"{_money(cost.api)} for the same tokens at a hosted API's {api_in}, {api_out}",
        ),
        _row("saving", f"{_money(cost.saving)} a month"),
    ]
    if prices.hardware is None:
        out.append(_row("break-even", "give --hardware-price for the months until the box pays for itself"))
    else:
        months = cost.break_even_months(prices.hardware.value)
        price = _money(prices.hardware.value)
        out.append(
            _row(
                "break-even",
                f"{months:,.1f} months for {price} of hardware"
                if months is not None
                else f"never at this volume: the electricity costs more than the API ({price})",
            )
        )
    return out


def render_plan(plan: Plan, documents: int | None = None) -> str:
    box = plan.box
    out = [f"pageindex-tui plan: {box.describe()}, --gpu-memory-utilization {box.utilization:.2f}", ""]
    out += [*workload_lines(plan.workload), ""]
    out += [*table_lines(plan), ""]
    out += choice_lines(plan)
    if plan.served is not None:
        out += ["", *served_lines(plan.served, box, plan.choice, plan.request_tokens)]
    costs = cost_lines(plan, documents)
    if costs:
        out += ["", *costs]
    return "\n".join(out) + "\n"
