"""The Plan view: `pageindex-tui plan` in the app, its GPU, GPU count, model and monthly volume chosen
with the keyboard.

    app.push_screen(PlanScreen(app.settings, library, gpu_sampler=sampler))

It reads the GPUs NVML sees and the library's run records once, in a worker, then shows `render_plan`'s
text (the CLI's, from the same `plan_for`, its fit table narrow below 100 columns) again on every change:
the fit table (weights, KV cache a token, KV tokens, requests at once), the recommendation or the chosen
model with its `vllm serve` command, and a month's hours, energy and costs. Another worker asks the server
at the settings' endpoint what it runs (`plan --server`'s `read_server`): the report compares it with the
plan, or says that nothing answers there. `c` copies the command, `w` writes its compose.yaml and systemd
unit into a folder (screens/deploy.py), `esc` closes it.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Select, Static

from ...monitor.gpu import GpuSampler
from ...plan.build import plan_for, read_server, seen_gpu, tensor_parallel
from ...plan.compare import NoServer, Served
from ...plan.deploy import Written
from ...plan.gpus import GPUS, GpuSpec
from ...plan.models import CHECKPOINTS
from ...plan.report import CostInputs, Plan, render_plan
from ...plan.sizing import TENSOR_PARALLEL, Box
from ...plan.workload import Workload, from_library
from ...settings import Settings
from ...store.library import Library
from ..keys import bindings, shown_key
from ..widgets.inputs import TypedInput
from .deploy import DeployScreen
from .doctor import REPORT_CLASSES, report_css, styled_report
from .help import scroll

SEEN = "seen"  # the GPU option for what NVML sees
RECOMMENDED = "recommended"  # the model option for the plan's own choice
DEFAULT_GPU = "RTX 4090 24GB"  # planned for when NVML sees none, until another is chosen
DEFAULT_DOCUMENTS = 1000  # documents a month to cost, until another number is typed
DEPLOY_FOLDER = "vllm-deploy"  # in the home folder: where `w` offers to write, until another is given


class PlanScreen(ModalScreen[None]):
    BINDINGS = bindings("plan")
    COMPONENT_CLASSES: ClassVar[set[str]] = REPORT_CLASSES  # styled_report's
    DEFAULT_CSS = """
    PlanScreen { align: center middle; }
    PlanScreen > Vertical {
        width: 124; max-width: 100%; height: 100%;
        border: round $primary; background: $surface; padding: 0 1;
    }
    PlanScreen .plan-row { height: 1; }
    PlanScreen .plan-row Label { padding: 0 1 0 0; }
    PlanScreen .plan-row .plan-gap { padding: 0 1 0 2; }
    PlanScreen #plan-gpu, PlanScreen #plan-model { width: 1fr; }
    PlanScreen #plan-count { width: 8; }
    PlanScreen #plan-documents { width: 10; }
    PlanScreen #plan-body { height: 1fr; margin-top: 1; scrollbar-gutter: stable; }
    """ + report_css("PlanScreen")

    def __init__(
        self,
        settings: Settings,
        library: Library | None = None,
        *,
        gpu_sampler: GpuSampler | None = None,
        workload: Workload | None = None,
        server: Served | NoServer | None = None,
        deploy_folder: Path | None = None,
    ) -> None:
        """`workload`: the runs to plan from, in place of the library's run records (read when None);
        `server`: the server to compare with, in place of asking the settings' endpoint (when None);
        `deploy_folder`: the folder `w` offers first (default ~/vllm-deploy)."""
        super().__init__()
        self.settings, self.library, self.gpu_sampler = settings, library, gpu_sampler
        self.deploy_folder = deploy_folder or Path.home() / DEPLOY_FOLDER
        self.served = server  # the endpoint's server; None while it is asked
        self.seen: tuple[GpuSpec, int] | None = None
        self.workload = workload
        self.plan: Plan | None = None
        self.documents: int | None = DEFAULT_DOCUMENTS
        self.ready = False  # the GPUs and records are read

    def compose(self) -> ComposeResult:
        gpus = [(gpu.name, gpu.name) for gpu in GPUS]
        counts = [(str(n), n) for n in TENSOR_PARALLEL]
        models = [("recommended", RECOMMENDED)] + [(m.repo(q), m.repo(q)) for m, q in CHECKPOINTS]
        with Vertical(id="plan-box") as box:
            box.border_title = "Plan a GPU box"
            keys = [shown_key(key_id, self.app) for key_id in ("plan.copy", "plan.write", "plan.close")]
            box.border_subtitle = (
                "tab, enter: fields · {}: copy command · {}: write files · {}: close".format(*keys)
            )
            with Horizontal(classes="plan-row"):
                yield Label("GPU")
                yield Select(gpus, value=DEFAULT_GPU, allow_blank=False, compact=True, id="plan-gpu")
                yield Label("GPUs", classes="plan-gap")
                yield Select(counts, value=1, allow_blank=False, compact=True, id="plan-count")
            with Horizontal(classes="plan-row"):
                yield Label("model")
                yield Select(models, value=RECOMMENDED, allow_blank=False, compact=True, id="plan-model")
                yield Label("documents a month", classes="plan-gap")
                yield TypedInput(
                    str(DEFAULT_DOCUMENTS), restrict=r"\d{0,9}", compact=True, id="plan-documents"
                )
            with VerticalScroll(id="plan-body"):
                yield Static(Text("Reading the GPUs and your run records …"), id="plan-report")

    def on_mount(self) -> None:
        self._load()
        if self.served is None:
            self._ask_server()

    @work(exclusive=True, group="plan-server", exit_on_error=False)
    async def _ask_server(self) -> None:
        self.served = await read_server(self.settings.endpoint, self.settings)
        self.refresh_plan()

    @work(exclusive=True, group="plan", exit_on_error=False)
    async def _load(self) -> None:
        sampler = self.gpu_sampler or GpuSampler()
        try:
            snapshot = await asyncio.to_thread(sampler.sample)
        finally:
            if self.gpu_sampler is None:
                await asyncio.to_thread(sampler.close)
        if self.workload is None:
            self.workload = await asyncio.to_thread(from_library, self.library or Library())
        self.seen = seen_gpu(snapshot)
        if self.seen is not None:
            spec, visible = self.seen
            gpu = self.query_one("#plan-gpu", Select)
            gpu.set_options([(f"{spec.name} (seen here)", SEEN)] + [(g.name, g.name) for g in GPUS])
            gpu.value = SEEN
            self.query_one("#plan-count", Select).value = tensor_parallel(visible)
        self.ready = True
        self.refresh_plan()

    @on(Select.Changed)
    def _changed(self) -> None:
        self.refresh_plan()

    @on(Input.Changed, "#plan-documents")
    def _documents(self, event: Input.Changed) -> None:
        self.documents = int(event.value) if event.value and int(event.value) > 0 else None
        self.refresh_plan()

    def box(self) -> Box:
        chosen = self.query_one("#plan-gpu", Select).value
        count = self.query_one("#plan-count", Select).value
        if chosen == SEEN and self.seen is not None:
            gpu = self.seen[0]
        else:
            gpu = next((g for g in GPUS if g.name == chosen), GPUS[0])
        return Box(gpu, count if isinstance(count, int) else 1)

    def refresh_plan(self) -> None:
        """The plan for what the fields say now, shown as the CLI prints it."""
        if not self.ready:
            return
        model = self.query_one("#plan-model", Select).value
        pick = next(((m, q) for m, q in CHECKPOINTS if m.repo(q) == model), None)
        costs = CostInputs(self.documents) if self.documents else None
        self.plan = plan_for(
            self.settings, self.box(), self.workload, costs=costs, served=self.served, pick=pick
        )
        self.show()

    def report_text(self, width: int = 0) -> str:
        """The CLI's text for a terminal `width` wide; while the server is asked, a line says so."""
        if self.plan is None:
            return ""
        text = render_plan(self.plan, self.documents, width)
        if self.served is None:
            text += f"\nYour server ({self.settings.endpoint}): asking what it runs …\n"
        return text

    def show(self) -> None:
        body = self.query_one("#plan-body", VerticalScroll)
        width = body.scrollable_content_region.width
        if not width:  # not laid out yet
            self.call_after_refresh(self.show)
            return
        styled = styled_report(self.report_text(width), width, self.get_component_rich_style)
        self.query_one("#plan-report", Static).update(styled)

    def on_resize(self) -> None:
        if self.plan is not None:
            self.call_after_refresh(self.show)  # wrapped again for the new width, once it is laid out

    def action_scroll(self, direction: str) -> None:
        scroll(self.query_one("#plan-body", VerticalScroll), direction)

    def action_copy_command(self) -> None:
        choice = self.plan.choice if self.plan is not None else None
        if choice is None:
            self.notify("There is no command to copy: nothing fits this box.", severity="warning")
            return
        self.app.copy_to_clipboard(choice.command(multiline=False))
        self.notify("Copied the vllm serve command.")

    def action_write_deployment(self) -> None:
        choice = self.plan.choice if self.plan is not None else None
        if choice is None:
            self.notify("There is nothing to write: nothing fits this box.", severity="warning")
            return
        self.app.push_screen(DeployScreen(choice, self.deploy_folder), self._written)

    def _written(self, written: Written | None) -> None:
        if written is not None:
            self.deploy_folder = written.paths[0].parent
            self.notify(written.describe(), title="Deployment written", markup=False)
