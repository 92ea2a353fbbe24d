"""`pageindex-tui doctor`: what a user runs first on a new GPU box.

    report = await run_doctor(settings)
    print(render_report(report)); sys.exit(report.exit_code)

It looks at the GPUs (NVML), asks each endpoint what it serves, compares that with the settings, and
recommends a Qwen3 model and a `vllm serve` command for this GPU (see recommend.py). `exit_code` is 1 when
a check failed (something needs fixing), else 0. The same report is the app's doctor screen.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

from ..plan.build import largest_request
from ..settings import Settings
from .gpu import GIB, GpuSampler, GpuSnapshot
from .probe import CompletionProbe, probe_completion
from .recommend import QUANT_LABEL, Recommendation, recommend_for_gpus
from .server import DOWN, LOADING, SLOW, UP, ServerMonitor, ServerStatus
from .throughput import throughput_check

OK, INFO, WARN, FAIL = "ok", "info", "warn", "fail"
MARKS = {OK: "[ok]  ", INFO: "[info]", WARN: "[warn]", FAIL: "[FAIL]"}
PROBE_DEADLINE = 20.0  # seconds for the one-token completion


@dataclass(frozen=True)
class Check:
    level: str  # ok | info | warn | fail
    section: str  # gpu | server | settings
    message: str
    fix: str = ""


@dataclass(frozen=True)
class DoctorReport:
    endpoint: str
    gpus: GpuSnapshot
    servers: tuple[ServerStatus, ...]
    checks: tuple[Check, ...]
    recommendation: Recommendation | None
    settings_summary: tuple[tuple[str, str], ...] = ()  # (name, "value (from source)")

    @property
    def problems(self) -> tuple[Check, ...]:
        return tuple(c for c in self.checks if c.level == FAIL)

    @property
    def warnings(self) -> tuple[Check, ...]:
        return tuple(c for c in self.checks if c.level == WARN)

    @property
    def exit_code(self) -> int:
        return 1 if self.problems else 0


def _gib(value: int | float | None) -> str:
    return "?" if value is None else f"{value / GIB:.1f} GiB"


def _is_local(endpoint: str) -> bool:
    host = urlparse(endpoint).hostname or ""
    return host in ("localhost", "127.0.0.1", "::1", "0.0.0.0") or host.startswith("127.")


def _source(settings: Settings, name: str) -> str:
    return settings.source(name)


# --- checks -----------------------------------------------------------------------------------------------
CONTAINER_MARKS = ("/.dockerenv", "/run/.containerenv")  # Docker's and Podman's


def in_container() -> bool:
    return any(os.path.exists(mark) for mark in CONTAINER_MARKS)


def gpu_checks(snapshot: GpuSnapshot, container: bool | None = None) -> list[Check]:
    """The GPU lines; `container` (default: looked up) says whether this runs inside a container, where a
    missing GPU is most often one the container was not given."""
    if snapshot.state == "ok":
        checks = []
        for gpu in snapshot.gpus:
            if gpu.error:
                fix = "check `nvidia-smi` and the kernel log; a reset or reboot usually brings it back"
                checks.append(Check(FAIL, "gpu", f"GPU {gpu.index} {gpu.name}: {gpu.error}".strip(), fix))
                continue
            cc = gpu.compute_capability
            capability = f"compute {cc[0]}.{cc[1]}" if cc else "compute ?"
            used = f", {_gib(gpu.memory_used)} in use" if gpu.memory_used else ""
            line = f"GPU {gpu.index}: {gpu.name} · {_gib(gpu.memory_total)}{used} · {capability}"
            checks.append(Check(OK, "gpu", line))
            for proc in gpu.processes:
                size = f" ({_gib(proc.memory)})" if proc.memory else ""
                checks.append(Check(INFO, "gpu", f"  GPU {gpu.index} runs {proc.name} pid {proc.pid}{size}"))
        return checks
    if snapshot.state in ("no-driver", "no-gpu"):
        fix = "fine if the model server runs on another machine; else install the NVIDIA driver"
        if container if container is not None else in_container():
            fix = (
                "fine if the model server runs on another machine; this runs inside a container, which sees "
                "a GPU only when given one: `docker run --gpus all` (the NVIDIA Container Toolkit on the "
                "host), or the GPU reservation in the compose file `pageindex-tui plan --write` writes"
            )
        return [Check(INFO, "gpu", f"no NVIDIA GPU found: {snapshot.reason}", fix)]
    return [Check(FAIL, "gpu", f"GPU telemetry failed: {snapshot.reason}", "check `nvidia-smi`")]


def probe_check(probe: CompletionProbe, model: str) -> Check:
    if probe.ok:
        first = f", first token after {probe.first_token * 1000:.0f} ms" if probe.first_token else ""
        return Check(
            OK,
            "server",
            f"a one-token chat completion from {model} took {probe.seconds * 1000:.0f} ms{first}",
        )
    fix = "the server is up but does not complete: check its log, its running requests and its GPU"
    return Check(FAIL, "server", f"chat completions from {model} {probe.reason}", fix)


def server_checks(
    status: ServerStatus, settings: Settings, rec: Recommendation | None, probe: CompletionProbe | None = None
) -> list[Check]:
    where = f"{status.endpoint} (endpoint from {_source(settings, 'endpoint')})"
    start = ""
    if rec is not None:
        start = f"start one: {rec.command(multiline=False)}"
    elif _is_local(status.endpoint):
        start = "start a server there, or run `pageindex-tui --local` for the small built-in llama.cpp model"
    if status.state == LOADING:
        return [
            Check(
                WARN, "server", f"{where} is still loading its model: {status.reason}", "wait, then run again"
            )
        ]
    if status.state in (DOWN, SLOW):
        fix = start or "check that the server runs and the endpoint setting is right"
        return [Check(FAIL, "server", f"{where} is not answering: {status.reason}", fix)]
    if status.state != UP:
        fix = "check the server's log" + (f"; {start}" if start else "")
        return [Check(FAIL, "server", f"{where} is {status.state}: {status.reason}", fix)]
    latency = f"{status.latency * 1000:.0f} ms" if status.latency is not None else "?"
    kind = {"vllm": "vLLM", "llamacpp": "llama.cpp"}.get(status.kind, status.kind or "server")
    version = f" {status.version}" if status.version else ""
    checks = [Check(OK, "server", f"{where} is healthy ({kind}{version}, /health in {latency})")]
    if status.info_problem:
        checks.append(Check(FAIL, "server", status.info_problem, "set api_key to the server's --api-key"))
        return checks
    if not status.models:
        checks.append(
            Check(FAIL, "server", "the server lists no models at /v1/models", "check the server's log")
        )
        return checks
    context = f"context {status.context_length}" if status.context_length else "context not reported"
    if status.kind == "llamacpp" and status.context_length:
        slots = f" per slot, {status.slots} slots" if status.slots else " per slot"
        context += slots
    checks.append(Check(OK, "server", f"serves {', '.join(status.models)} · {context}"))
    if probe is not None:
        checks.append(probe_check(probe, settings.model if settings.model in status.models else status.model))
    if status.metrics_state == "off":
        fix = status.metrics_reason or "start the server with metrics on"
        checks.append(Check(WARN, "server", "metrics are off: the gauges cannot show load", fix))
    elif status.metrics_state in ("unreadable", "error"):
        checks.append(Check(WARN, "server", f"metrics unusable: {status.metrics_reason}"))
    elif status.metrics_state == "absent":
        checks.append(Check(INFO, "server", "no /metrics: the gauges show health only"))
    elif status.metrics and status.metrics.old_names:
        checks.append(
            Check(INFO, "server", "this vLLM uses metric names from before 0.11 (still understood)")
        )
    return checks


def settings_checks(status: ServerStatus, settings: Settings) -> list[Check]:
    if status.state != UP or not status.models:
        return []
    checks = []
    served = status.models
    if settings.model:
        src = _source(settings, "model")
        if settings.model in served:
            checks.append(Check(OK, "settings", f"model {settings.model!r} (from {src}) is served"))
        else:
            fix = f'set model = "{served[0]}" (settings file, VLLM_MODEL_NAME or --model)'
            message = (
                f"model {settings.model!r} (from {src}) is not served; the server serves {', '.join(served)}"
            )
            checks.append(Check(FAIL, "settings", message, fix))
    else:
        checks.append(Check(OK, "settings", f"model not set: the app uses the first served, {served[0]!r}"))
    length = status.context_length
    if settings.context_length > 0:
        src = _source(settings, "context_length")
        if length and settings.context_length > length:
            message = (
                f"context_length {settings.context_length} (from {src}) is larger than the server's "
                f"{length}: long prompts would be refused"
            )
            fix = f"set context_length = {length}, or 0 to follow the server"
            checks.append(Check(FAIL, "settings", message, fix))
        elif length:
            checks.append(
                Check(OK, "settings", f"context_length {settings.context_length} fits the server's {length}")
            )
    elif length:
        checks.append(Check(OK, "settings", f"context_length follows the server: {length}"))
    effective = settings.context_length or length
    needed = largest_request(settings)
    if effective and effective < needed:
        message = (
            f"a context of {effective} is small for max_tokens_per_node {settings.max_tokens_per_node} + "
            f"max_output_tokens {settings.max_output_tokens}: large nodes will be split or cut"
        )
        if status.kind == "llamacpp":
            longer = f"start llama-server with -c of at least {needed} x --parallel (the context is per slot)"
        else:
            longer = f"serve a longer context (--max-model-len {needed} or more)"
        fix = f"{longer}, or lower max_tokens_per_node"
        checks.append(Check(WARN, "settings", message, fix))
    return checks


def speed_check(status: ServerStatus, gpus: GpuSnapshot, settings: Settings) -> Check:
    """Throughput far below what the GPU should give (see throughput.py); skipped, with why, as info."""
    found = throughput_check(status, gpus, _is_local(status.endpoint), largest_request(settings))
    level = INFO if found.slow is None else WARN if found.slow else OK
    return Check(level, "server", found.message, found.fix)


def recommendation_for(snapshot: GpuSnapshot, settings: Settings) -> Recommendation | None:
    usable = [
        (gpu.memory_total / GIB, gpu.compute_capability)
        for gpu in snapshot.gpus
        if gpu.memory_total and not gpu.error
    ]
    return recommend_for_gpus(
        usable, context_length=settings.context_length, concurrency=settings.concurrency
    )


# --- running it -------------------------------------------------------------------------------------------
async def run_doctor(
    settings: Settings,
    *,
    endpoints: Sequence[str] | None = None,
    gpu_sampler: Any = None,
    timeout: float = 5.0,
    probe_deadline: float = PROBE_DEADLINE,
    extra: Sequence[Check] = (),
) -> DoctorReport:
    """Look at the GPUs and every endpoint (default: the settings' endpoint) at once, then send each
    server that is up a one-token completion. `endpoints=()` checks none (`extra` says why). Never raises."""
    targets = list(endpoints) if endpoints is not None else [settings.endpoint]
    sampler = gpu_sampler if gpu_sampler is not None else GpuSampler()

    async def server(endpoint: str) -> tuple[ServerStatus, CompletionProbe | None]:
        monitor = ServerMonitor(endpoint, api_key=settings.api_key, model=settings.model, timeout=timeout)
        async with monitor:
            status = await monitor.poll()
        if status.state != UP or not status.models:
            return status, None
        model = settings.model if settings.model in status.models else status.model
        return status, await probe_completion(
            endpoint, model, api_key=settings.api_key, deadline=probe_deadline
        )

    try:
        gpus, *found = await asyncio.gather(asyncio.to_thread(sampler.sample), *map(server, targets))
    finally:
        if gpu_sampler is None:
            await asyncio.to_thread(sampler.close)
    probes = {status.endpoint: probe for status, probe in found if probe is not None}
    return build_report(settings, gpus, [status for status, _ in found], probes=probes, extra=extra)


def build_report(
    settings: Settings,
    gpus: GpuSnapshot,
    servers: Sequence[ServerStatus],
    *,
    probes: Mapping[str, CompletionProbe] | None = None,
    extra: Sequence[Check] = (),
) -> DoctorReport:
    """The report from what was found (no I/O): checks, and the recommendation for these GPUs."""
    rec = recommendation_for(gpus, settings)
    checks = gpu_checks(gpus) + list(extra)
    for status in servers:
        checks += server_checks(status, settings, rec, (probes or {}).get(status.endpoint))
        checks += settings_checks(status, settings)
        if status.state == UP and status.models:
            checks.append(speed_check(status, gpus, settings))
    summary = tuple(
        (name, f"{getattr(settings, name) or '(auto)'} (from {settings.source(name)})")
        for name in ("endpoint", "model", "context_length", "concurrency")
    )
    return DoctorReport(settings.endpoint, gpus, tuple(servers), tuple(checks), rec, summary)


# --- plain text -------------------------------------------------------------------------------------------
def _lines(checks: Sequence[Check]) -> list[str]:
    out = []
    for check in checks:
        out.append(f"  {MARKS[check.level]} {check.message}")
        if check.fix:
            out.append(f"         fix: {check.fix}")
    return out


def render_recommendation(rec: Recommendation | None, gpus: GpuSnapshot) -> list[str]:
    if rec is None:
        if gpus.state == "ok" and gpus.gpus:
            return ["  No Qwen3 model fits this GPU's memory; use a larger GPU or `pageindex-tui --local`."]
        return ["  No local GPU: run vLLM on a GPU machine and point endpoint at it,",
                "  or try `pageindex-tui --local` (a small llama.cpp model on the CPU)."]  # fmt: skip
    cc = rec.compute_capability
    where = f"{rec.tensor_parallel} GPUs, " if rec.tensor_parallel > 1 else ""
    capability = f", compute {cc[0]}.{cc[1]}" if cc else ""
    lines = [
        f"  For {where}{rec.memory_gib:.1f} GiB{capability}: {rec.model.name} "
        f"({rec.model.params} parameters) at {QUANT_LABEL[rec.quantization]}",
        f"  weights about {rec.weights_gib:.0f} GiB; KV cache about {rec.kv_gib_per_request:.1f} GiB per "
        f"{rec.max_model_len}-token request, room for about {rec.full_requests} at full length",
        "",
        *("    " + line for line in rec.command().splitlines()),
        "",
        f"  Then set endpoint = http://localhost:8000/v1 and model = {rec.repo!r} (or leave model empty).",
    ]
    lines += [f"  note: {note}" for note in rec.notes]
    return lines


def render_report(report: DoctorReport) -> str:
    """The report as plain text (no markup, no colour), as the CLI prints it and the app shows it."""
    out = ["pageindex-tui doctor", ""]
    out.append("Settings")
    out += [f"  {name:<15}{value}" for name, value in report.settings_summary]
    out += ["", "GPUs"]
    out += _lines([c for c in report.checks if c.section == "gpu"])
    out += ["", "Server"]
    out += _lines([c for c in report.checks if c.section == "server"])
    settings = [c for c in report.checks if c.section == "settings"]
    if settings:
        out += ["", "Settings vs server"]
        out += _lines(settings)
    out += ["", "Recommendation (from the compatibility matrix)"]
    out += render_recommendation(report.recommendation, report.gpus)
    out.append("")
    problems, warnings = len(report.problems), len(report.warnings)
    if problems:
        noun = "problem needs" if problems == 1 else "problems need"
        out.append(f"Result: {problems} {noun} fixing (exit status {report.exit_code}).")
    elif warnings:
        out.append(f"Result: ready, with {warnings} warning{'s' if warnings > 1 else ''}.")
    else:
        out.append("Result: ready.")
    return "\n".join(out) + "\n"


# --- wrapping for a terminal of a given width ---------------------------------------------------------------
_LABELLED = re.compile(r"(\[\w+\]|fix:|note:) +|\S+ {2,}")  # a mark, a "fix:" label, a settings name


def hanging_indent(line: str) -> int:
    """The column a report line's continuation rows start at: under the text after its mark, its
    "fix:" or "note:" label or its settings name; two columns in from the line's own indent otherwise."""
    stripped = line.lstrip(" ")
    lead = len(line) - len(stripped)
    labelled = _LABELLED.match(stripped)
    return lead + labelled.end() if labelled else lead + 2


def wrap_rows(line: str, width: int) -> tuple[int, list[tuple[int, int]]]:
    """How a report line fits `width` columns: its hanging indent, and the (start, end) of the part of
    `line` on each row. Rows break at spaces; a word longer than a row is cut."""
    indent = hanging_indent(line)
    if indent > width // 2:
        indent = min(len(line) - len(line.lstrip(" ")) + 2, width // 2)
    rows: list[tuple[int, int]] = []
    start, room = 0, width
    while len(line) - start > room:
        low = indent if not rows else start  # the first row keeps at least a word after its label
        cut = line.rfind(" ", low + 1, start + room + 1)
        if cut <= low:
            cut = start + room
        rows.append((start, cut))
        start = cut
        while start < len(line) and line[start] == " ":
            start += 1
        room = max(1, width - indent)
    rows.append((start, len(line)))
    return indent, rows


def wrap_report(text: str, width: int) -> str:
    """The plain report with every line longer than `width` wrapped under its own text (a hanging
    indent), never back to column 0. `width` 0: as it is (a pipe, a file)."""
    if width <= 0:
        return text
    out = []
    for line in text.splitlines():
        indent, rows = wrap_rows(line, width)
        out += [(" " * indent if number else "") + line[a:b] for number, (a, b) in enumerate(rows)]
    return "\n".join(out) + "\n"


def terminal_width() -> int:
    """The width to wrap the printed report to: the terminal's (or $COLUMNS), 0 for a pipe or a file."""
    return shutil.get_terminal_size((0, 0)).columns
