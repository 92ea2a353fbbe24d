"""The Plan view: the CLI's plan in the app, its fields chosen by keyboard, compared with a running server,
its deployment files written into a folder (snapshots at three sizes)."""

from __future__ import annotations

from pathlib import Path

import pytest
from fakes.monitor import FakeNVML, h100
from textual.app import App
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Input, Select
from uikit import make_app, wait_for

from pageindex_tui.monitor.gpu import GpuSampler
from pageindex_tui.plan.build import plan_for
from pageindex_tui.plan.compare import NoServer, Served
from pageindex_tui.plan.deploy import compose_yaml, systemd_unit
from pageindex_tui.plan.gpus import find_gpu, from_nvml
from pageindex_tui.plan.measured import MeasuredRate
from pageindex_tui.plan.models import FP8, find_model
from pageindex_tui.plan.report import CostInputs, render_plan
from pageindex_tui.plan.sizing import Box
from pageindex_tui.plan.workload import Workload
from pageindex_tui.settings import Settings
from pageindex_tui.store.library import Library
from pageindex_tui.ui.screens.deploy import DeployScreen
from pageindex_tui.ui.screens.plan import PlanScreen

WORK = Workload(
    documents=12, calls=40, prompt_tokens=96_000, completion_tokens=14_000, reasoning_tokens=6_000,
    pages=30, wall_seconds=180, source="run records in ~/.local/share/pageindex-tui/library",
    servers=("Qwen/Qwen3-8B-FP8 (vllm)",), prompt_per_page=3_200, completion_per_page=466,
    rates=(
        MeasuredRate(
            "http://127.0.0.1:8000/v1", "vllm", "Qwen/Qwen3-8B-FP8", ("NVIDIA H100 80GB HBM3",),
            12, 1_800.0, 1_152_000, 168_000,
        ),
    ),  # the 12 documents' tokens over 30 busy minutes (their walls add up to 36)
)  # fmt: skip
NOTHING = "http://127.0.0.1:9/v1"  # the discard port: nothing answers there, the same text every run
CLOSED = Settings(endpoint=NOTHING)


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
    """The plan shown, and the server's answer (or that none came) in it."""
    screen = app.plan_screen
    ready = lambda: screen.plan is not None and screen.plan.served is not None  # noqa: E731
    return lambda pilot: wait_for(pilot, ready, what="the plan and the server's answer")


def text_of(screen: PlanScreen) -> str:
    return str(screen.query_one("#plan-report").render())


def test_snapshot_80x24_no_gpu_no_runs(snap_compare, tmp_path: Path) -> None:
    app = PlanApp(PlanScreen(CLOSED, Library(tmp_path / "library"), gpu_sampler=no_gpu()))
    assert snap_compare(app, terminal_size=(80, 24), run_before=loaded(app))


def test_snapshot_100x30_the_gpus_seen_and_a_month_s_costs(snap_compare) -> None:
    app = PlanApp(PlanScreen(CLOSED, gpu_sampler=two_h100(), workload=WORK))

    async def scrolled(pilot) -> None:
        await loaded(app)(pilot)
        await pilot.press("G")  # to the month's costs

    assert snap_compare(app, terminal_size=(100, 30), run_before=scrolled)


def test_snapshot_160x48_a_chosen_model(snap_compare) -> None:
    app = PlanApp(PlanScreen(CLOSED, gpu_sampler=no_gpu(), workload=WORK))

    async def chosen(pilot) -> None:
        await loaded(app)(pilot)
        app.plan_screen.query_one("#plan-model", Select).value = "Qwen/Qwen3-8B-FP8"
        await wait_for(pilot, lambda: app.plan_screen.plan.picked is not None, what="the chosen model")
        await pilot.press("G")

    assert snap_compare(app, terminal_size=(160, 48), run_before=chosen)


@pytest.mark.asyncio
async def test_keyboard_only_the_same_text_as_the_cli_and_the_command_copied() -> None:
    settings = CLOSED
    screen = PlanScreen(settings, gpu_sampler=two_h100(), workload=WORK)
    app = PlanApp(screen)
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(app)(pilot)
        seen = from_nvml("NVIDIA H100 80GB HBM3", 80 * 1024**3, (9, 0), 700.0)
        assert screen.plan.box == Box(seen, 2)  # the two GPUs NVML sees, with tensor parallel
        # The view shows what `pageindex-tui plan` prints for the same box, workload and month; nothing
        # answers at the settings' endpoint, and it says so.
        assert screen.served == NoServer(NOTHING, "connection refused")
        served = screen.served
        cli = render_plan(plan_for(settings, Box(seen, 2), WORK, costs=CostInputs(1000), served=served), 1000)
        assert f"Your server ({NOTHING}): no answer (connection refused)" in cli
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
async def test_a_resize_while_scrolled_down_wraps_again_with_no_blank_rows_below() -> None:
    """The report was wrapped for the old width while the screen was laid out for the new one: at
    160x48 after 80x24 it kept the narrow text's height, about 20 blank rows under its last line."""
    screen = PlanScreen(CLOSED, gpu_sampler=two_h100(), workload=WORK)
    app = PlanApp(screen)
    async with app.run_test(size=(80, 24)) as pilot:
        await loaded(app)(pilot)
        body = screen.query_one("#plan-body", VerticalScroll)
        report = screen.query_one("#plan-report")
        await wait_for(pilot, lambda: body.max_scroll_y > 0, what="a report taller than the view")
        body.scroll_end(animate=False)
        narrow = text_of(screen).split("\n")  # it ends with a newline: one empty row below
        assert report.size.height == len(narrow)
        await pilot.resize_terminal(160, 48)

        def wrapped_again() -> bool:
            rows = text_of(screen).split("\n")
            return len(rows) < len(narrow) and report.size.height == len(rows)

        await wait_for(pilot, wrapped_again, what="the report wrapped for 160 columns, as tall as its text")
        width = body.scrollable_content_region.width
        assert max(len(line) for line in text_of(screen).splitlines()) <= width
        assert body.max_scroll_y == max(0, report.size.height - body.scrollable_content_region.height)


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


# A vLLM server that runs another model, a longer context and more memory than the plan says.
OTHER = Served("http://gpu-box:8000/v1", "vllm", "Qwen/Qwen3-8B", 40960, 61_000, 0.95)


def test_snapshot_80x24_a_server_that_differs_from_the_plan(snap_compare) -> None:
    app = PlanApp(PlanScreen(CLOSED, gpu_sampler=no_gpu(), workload=WORK, server=OTHER))

    async def compared(pilot) -> None:
        await loaded(app)(pilot)
        await pilot.press("G")  # the comparison is below the command, before the month's costs
        await pilot.press(*["k"] * 12)

    assert snap_compare(app, terminal_size=(80, 24), run_before=compared)


def test_snapshot_100x30_a_folder_that_cannot_be_written(snap_compare) -> None:
    app = PlanApp(PlanScreen(CLOSED, gpu_sampler=no_gpu(), workload=WORK, server=OTHER))

    async def refused(pilot) -> None:
        await loaded(app)(pilot)
        await pilot.press("tab", "tab", "tab", "tab", "w")
        await wait_for(pilot, lambda: isinstance(app.screen, DeployScreen), what="the folder box")
        await pilot.press("ctrl+u", *"/proc/no-such-folder/deploy", "enter")
        error = lambda: "Nothing written" in str(app.screen.query_one("#deploy-error").render())  # noqa: E731
        await wait_for(pilot, error, what="the error")

    assert snap_compare(app, terminal_size=(100, 30), run_before=refused)


def test_snapshot_160x48_the_server_compared(snap_compare) -> None:
    app = PlanApp(PlanScreen(CLOSED, gpu_sampler=two_h100(), workload=WORK, server=OTHER))

    async def compared(pilot) -> None:
        await loaded(app)(pilot)
        await pilot.press("G")

    assert snap_compare(app, terminal_size=(160, 48), run_before=compared)


@pytest.mark.asyncio
async def test_w_writes_the_deployment_files_and_refuses_a_folder_it_cannot_write(tmp_path: Path) -> None:
    screen = PlanScreen(CLOSED, gpu_sampler=no_gpu(), workload=WORK, deploy_folder=tmp_path / "offered")
    app = PlanApp(screen)
    async with app.run_test(size=(100, 30)) as pilot:
        await loaded(app)(pilot)
        choice = screen.plan.choice
        assert choice is not None
        await pilot.press("tab", "tab", "tab", "tab", "w")  # from the GPU list to the report, then w
        await wait_for(pilot, lambda: isinstance(app.screen, DeployScreen), what="the folder box")
        box = app.screen.query_one("#deploy-path", Input)
        assert box.value == str(tmp_path / "offered")
        # A folder under a file cannot be made: the box stays, says why, and nothing is written.
        blocker = tmp_path / "file"
        blocker.write_text("x", encoding="utf-8")
        await pilot.press("ctrl+u", *str(blocker / "deploy"), "enter")
        error = app.screen.query_one("#deploy-error")
        await wait_for(pilot, lambda: "Nothing written" in str(error.render()), what="the error")
        assert f"cannot write to {blocker / 'deploy'}" in str(error.render())
        assert sorted(p.name for p in tmp_path.iterdir()) == ["file"]
        # Another folder: both files, the engine's text exactly, and the paths in the message.
        folder = tmp_path / "deploy"
        await pilot.press("ctrl+u", *str(folder), "enter")
        await wait_for(pilot, lambda: not isinstance(app.screen, DeployScreen), what="the box closed")
        assert (folder / "compose.yaml").read_text(encoding="utf-8") == compose_yaml(choice)
        assert (folder / "vllm.service").read_text(encoding="utf-8") == systemd_unit(choice)
        assert app._notifications and list(app._notifications)[-1].message == (
            f"Wrote compose.yaml and vllm.service into {folder}"
        )
        # Again, into the folder last written: the files there are replaced, and the message says so.
        await pilot.press("w")
        await wait_for(pilot, lambda: isinstance(app.screen, DeployScreen), what="the folder box again")
        assert app.screen.query_one("#deploy-path", Input).value == str(folder)
        await pilot.press("enter")
        await wait_for(pilot, lambda: not isinstance(app.screen, DeployScreen), what="the box closed")
        assert list(app._notifications)[-1].message.endswith(
            "(compose.yaml and vllm.service: the files there replaced)"
        )
        # esc leaves the box without writing.
        await pilot.press("w")
        await wait_for(pilot, lambda: isinstance(app.screen, DeployScreen), what="the folder box")
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is screen, what="the plan again")


@pytest.mark.asyncio
async def test_the_server_at_the_settings_endpoint_is_compared_with_the_plan() -> None:
    from fakes import FakeVLLM

    with FakeVLLM(model="Qwen/Qwen3-8B-FP8", max_model_len=40960) as fake:
        fake.cache_blocks = 5_000  # 80,000 tokens of KV cache by the server's count
        screen = PlanScreen(Settings(endpoint=fake.base_url), gpu_sampler=no_gpu(), workload=WORK)
        app = PlanApp(screen)
        async with app.run_test(size=(120, 40)) as pilot:
            await loaded(app)(pilot)
            served = screen.plan.served
            assert isinstance(served, Served) and served.kv_tokens == 80_000
            # The chosen GPU and model change the plan; the server is compared with each.
            screen.query_one("#plan-model", Select).value = "Qwen/Qwen3-8B-FP8"
            await wait_for(pilot, lambda: screen.plan.picked is not None, what="the chosen model")
            text = " ".join(text_of(screen).split())
            assert f"Your server ({fake.base_url}): vllm, Qwen/Qwen3-8B-FP8, --max-model-len 40960" in text
            assert "80,000 tokens by the server's own count; the plan computes 82,236" in text
            assert "differs from the plan: --max-model-len 40960 (plan: 32768)" in text


@pytest.mark.asyncio
async def test_w_with_nothing_that_fits_says_so_and_writes_nothing(tmp_path: Path) -> None:
    screen = PlanScreen(CLOSED, gpu_sampler=no_gpu(), workload=WORK, deploy_folder=tmp_path / "deploy")
    app = PlanApp(screen)
    async with app.run_test(size=(100, 30)) as pilot:
        await loaded(app)(pilot)
        screen.query_one("#plan-model", Select).value = "Qwen/Qwen3-32B"  # 61 GiB of weights on a 4090
        await wait_for(pilot, lambda: screen.plan.picked is not None, what="the chosen model")
        assert screen.plan.choice is None
        screen.query_one("#plan-body").focus()
        await pilot.press("w")
        await wait_for(pilot, lambda: bool(app._notifications), what="the warning")
        assert list(app._notifications)[-1].message == "There is nothing to write: nothing fits this box."
        assert not isinstance(app.screen, DeployScreen) and not (tmp_path / "deploy").exists()
