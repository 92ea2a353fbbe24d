"""The Plan view: the CLI's plan in the app, its fields chosen by keyboard (snapshots at three sizes)."""

from __future__ import annotations

from pathlib import Path

import pytest
from fakes.monitor import FakeNVML, h100
from textual.app import App
from textual.screen import Screen
from textual.widgets import Input, Select
from uikit import make_app, wait_for

from pageindex_tui.monitor.gpu import GpuSampler
from pageindex_tui.plan.build import plan_for
from pageindex_tui.plan.gpus import find_gpu, from_nvml
from pageindex_tui.plan.models import FP8, find_model
from pageindex_tui.plan.report import CostInputs, render_plan
from pageindex_tui.plan.sizing import Box
from pageindex_tui.plan.workload import Workload
from pageindex_tui.settings import Settings
from pageindex_tui.store.library import Library
from pageindex_tui.ui.screens.plan import PlanScreen

WORK = Workload(
    documents=12, calls=40, prompt_tokens=96_000, completion_tokens=14_000, reasoning_tokens=6_000,
    pages=30, wall_seconds=180, source="run records in ~/.local/share/pageindex-tui/library",
    servers=("Qwen/Qwen3-8B-FP8 (vllm)",), prompt_per_page=3_200, completion_per_page=466,
)  # fmt: skip


class PlanApp(App[None]):
    def __init__(self, screen: PlanScreen) -> None:
        super().__init__()
        self.plan_screen = screen

    def on_mount(self) -> None:
        self.theme = "textual-dark"
        self.push_screen(self.plan_screen)


def no_gpu() -> GpuSampler:
    return GpuSampler(FakeNVML([]), proc_dir=None)


def two_h100() -> GpuSampler:
    return GpuSampler(FakeNVML([h100(), h100()]), proc_dir=None)


def loaded(app: PlanApp):
    return lambda pilot: wait_for(pilot, lambda: app.plan_screen.plan is not None, what="the plan")


def test_snapshot_80x24_no_gpu_no_runs(snap_compare, tmp_path: Path) -> None:
    app = PlanApp(PlanScreen(Settings(), Library(tmp_path / "library"), gpu_sampler=no_gpu()))
    assert snap_compare(app, terminal_size=(80, 24), run_before=loaded(app))


def test_snapshot_100x30_the_gpus_seen_and_a_month_s_costs(snap_compare) -> None:
    app = PlanApp(PlanScreen(Settings(), gpu_sampler=two_h100(), workload=WORK))

    async def scrolled(pilot) -> None:
        await loaded(app)(pilot)
        await pilot.press("G")  # to the month's costs

    assert snap_compare(app, terminal_size=(100, 30), run_before=scrolled)


def test_snapshot_160x48_a_chosen_model(snap_compare) -> None:
    app = PlanApp(PlanScreen(Settings(), gpu_sampler=no_gpu(), workload=WORK))

    async def chosen(pilot) -> None:
        await loaded(app)(pilot)
        app.plan_screen.query_one("#plan-model", Select).value = "Qwen/Qwen3-8B-FP8"
        await wait_for(pilot, lambda: app.plan_screen.plan.picked is not None, what="the chosen model")
        await pilot.press("G")

    assert snap_compare(app, terminal_size=(160, 48), run_before=chosen)


@pytest.mark.asyncio
async def test_keyboard_only_the_same_text_as_the_cli_and_the_command_copied() -> None:
    settings = Settings()
    screen = PlanScreen(settings, gpu_sampler=two_h100(), workload=WORK)
    app = PlanApp(screen)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: screen.plan is not None, what="the plan")
        seen = from_nvml("NVIDIA H100 80GB HBM3", 80 * 1024**3, (9, 0), 700.0)
        assert screen.plan.box == Box(seen, 2)  # the two GPUs NVML sees, with tensor parallel
        # The view shows what `pageindex-tui plan` prints for the same box, workload and month.
        cli = render_plan(plan_for(settings, Box(seen, 2), WORK, costs=CostInputs(1000)), 1000)
        shown = str(screen.query_one("#plan-report").render())
        assert " ".join(shown.split()) == " ".join(cli.split())
        # The GPU list has the focus: the L4 is the table's sixth, after the GPU seen here.
        assert isinstance(app.focused, Select) and app.focused.id == "plan-gpu"
        await pilot.press("enter", *["down"] * 5, "enter")
        await wait_for(pilot, lambda: screen.plan.box.gpu == find_gpu("L4"), what="the L4")
        # Its GPU count: one (the list holds 1, 2, 4, 8; 2 was chosen).
        await pilot.press("tab", "enter", "up", "enter")
        await wait_for(pilot, lambda: screen.plan.box.count == 1, what="one GPU")
        # The model: after "recommended", three of each size from 32B down; Qwen3-8B FP8 is the 11th.
        await pilot.press("tab", "enter", *["down"] * 11, "enter")
        await wait_for(pilot, lambda: screen.plan.picked is not None, what="the chosen model")
        model = find_model("8B")
        assert screen.plan.choice is not None and screen.plan.choice.fit.model == model
        assert screen.plan.choice.fit.quant == FP8
        # The month: 250 documents.
        await pilot.press("tab")
        documents = screen.query_one("#plan-documents", Input)
        assert app.focused is documents
        await pilot.press("ctrl+u", *"250")
        await wait_for(pilot, lambda: screen.documents == 250, what="250 documents")
        assert screen.plan.cost is not None and screen.plan.cost.documents == 250
        assert "A month of 250 documents" in str(screen.query_one("#plan-report").render())
        await pilot.press("tab")  # the report: c copies the command
        await pilot.press("c")
        assert app.clipboard == screen.plan.choice.command(multiline=False)
        assert app.clipboard.startswith("vllm serve Qwen/Qwen3-8B-FP8 --max-model-len")
        await pilot.press("escape")
        assert not isinstance(app.screen, PlanScreen)


@pytest.mark.asyncio
async def test_p_opens_the_plan_view_in_the_app(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    app = make_app(tmp_path, docs)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("P")
        await wait_for(pilot, lambda: isinstance(app.screen, PlanScreen), what="the plan screen")
        screen = app.screen
        assert isinstance(screen, PlanScreen)
        await wait_for(pilot, lambda: screen.plan is not None, what="the plan")
        assert "no run records in the library yet" in str(screen.query_one("#plan-report").render())
        await pilot.press("escape")
        assert not isinstance(app.screen, PlanScreen)
        # Over another full screen (as the Ask screen is) too: it reads the main screen's GPU sampler.
        await app.push_screen(Screen())
        await pilot.press("P")
        await wait_for(pilot, lambda: isinstance(app.screen, PlanScreen), what="the plan over a screen")
