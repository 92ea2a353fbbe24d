"""The doctor screen: the CLI's report in the app (fixed for the snapshot, live for the keys)."""

from __future__ import annotations

import pytest
from fakes import FakeVLLM
from fakes.monitor import FakeNVML, h100
from test_gauges import one_gpu, vllm_status
from textual.app import App
from textual.containers import VerticalScroll
from uikit import wait_for

from pageindex_tui.monitor.doctor import build_report, render_report
from pageindex_tui.monitor.gpu import GpuSampler
from pageindex_tui.settings import Settings
from pageindex_tui.ui.screens.doctor import DoctorScreen


class DoctorApp(App[None]):
    def __init__(self, screen: DoctorScreen) -> None:
        super().__init__()
        self.doctor = screen

    def on_mount(self) -> None:
        self.theme = "textual-dark"
        self.push_screen(self.doctor)


def fixed_report():
    settings = Settings().with_values(
        "settings file ~/.config/pageindex-tui/config.toml",
        endpoint="http://127.0.0.1:8000/v1",
        model="Qwen/Qwen3-4B",
    )
    return build_report(settings, one_gpu(), [vllm_status()])


def test_snapshot_doctor_screen(snap_compare) -> None:
    screen = DoctorScreen(Settings(), report=fixed_report())
    assert snap_compare(DoctorApp(screen), terminal_size=(120, 42))


@pytest.mark.asyncio
async def test_a_resize_wraps_the_report_again_for_the_new_width() -> None:
    """As in the Plan view: the text was wrapped for the old width on a resize, and kept its height."""
    screen = DoctorScreen(Settings(), report=fixed_report())
    app = DoctorApp(screen)
    async with app.run_test(size=(80, 24)) as pilot:
        body = screen.query_one("#doctor-body", VerticalScroll)
        view = screen.query_one("#doctor-report")
        rows = lambda: str(view.render()).split("\n")  # noqa: E731
        fits = lambda: max(len(row) for row in rows()) <= body.scrollable_content_region.width  # noqa: E731
        await wait_for(pilot, lambda: "Result:" in str(view.render()) and fits(), what="the report at 80")
        body.scroll_end(animate=False)
        narrow = len(rows())
        await pilot.resize_terminal(160, 48)
        await wait_for(
            pilot,
            lambda: len(rows()) < narrow and view.size.height == len(rows()) and fits(),
            what="the report wrapped for 160 columns, as tall as its text",
        )


@pytest.mark.asyncio
async def test_the_screen_shows_the_cli_text_and_copies_the_command() -> None:
    with FakeVLLM() as fake:
        screen = DoctorScreen(Settings(endpoint=fake.base_url), gpu_sampler=GpuSampler(FakeNVML([h100()])))
        app = DoctorApp(screen)
        async with app.run_test(size=(120, 40)) as pilot:
            await app.workers.wait_for_complete()
            view = app.screen.query_one("#doctor-report")
            await wait_for(pilot, lambda: screen.report is not None and "Result:" in str(view.render()))
            report = screen.report
            assert report is not None and report.exit_code == 0
            shown = str(view.render())
            # The same text as the CLI, wrapped to the screen (the plan's recommendation is long).
            assert " ".join(shown.split()) == " ".join(render_report(report).split())
            await pilot.press("c")
            assert app.clipboard == report.recommendation.command(multiline=False)  # type: ignore[union-attr]
            assert app.clipboard.startswith("vllm serve Qwen/Qwen3-32B-FP8 --max-model-len 32768")
            fake.health_status = 503
            await pilot.press("r")
            await app.workers.wait_for_complete()
            await wait_for(pilot, lambda: screen.report is not report, what="the report again")
            assert screen.report.exit_code == 1
            await pilot.press("escape")
            assert not isinstance(app.screen, DoctorScreen)
