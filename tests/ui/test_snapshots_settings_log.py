"""SVG snapshots of issue 13's screens: settings with a focused switch (80x24 and 160x48, both themes at
the small size) and the log of a run with warnings, retries and a failure (80x24 and 160x48).

Update with `pytest tests/ui/test_snapshots_settings_log.py --snapshot-update`, then look at the SVGs
as pictures before committing them.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from uikit import make_app, wait_for

from pageindex_tui.settings import Settings
from pageindex_tui.store.records import (
    CallFigures,
    CallProblem,
    Provenance,
    RunRecord,
    RunWarning,
    ServerFacts,
)
from pageindex_tui.store.runlog import from_record
from pageindex_tui.ui.screens.config import ConfigScreen
from pageindex_tui.ui.screens.runlog import LogScreen

SHOWN_CONFIG = Path("/home/user/.config/pageindex-tui/config.toml")
NO_SERVER = Settings(endpoint="http://127.0.0.1:9/v1")


def folder(tmp_path: Path) -> Path:
    docs = tmp_path / "docs"
    docs.mkdir()
    return docs


async def focused_switch(pilot) -> None:
    app = pilot.app
    await pilot.press("o")
    await wait_for(pilot, lambda: isinstance(app.screen, ConfigScreen), what="settings")
    screen = app.screen
    await wait_for(pilot, lambda: screen.looks >= 1, timeout=30, what="served models asked")
    screen.query_one("#field-thinking").focus()
    await pilot.press("space")  # edited: the note says so instead of "default"
    await pilot.pause(0.2)


@pytest.mark.parametrize(
    ("size", "theme"),
    [((80, 24), "pageindex-dark"), ((80, 24), "pageindex-light"), ((160, 48), "pageindex-dark")],
)
def test_settings_with_a_focused_switch(snap_compare, tmp_path, size, theme):
    app = make_app(tmp_path, folder(tmp_path), NO_SERVER, config_file=SHOWN_CONFIG)

    async def run_before(pilot) -> None:
        app.theme = theme
        await focused_switch(pilot)

    assert snap_compare(app, terminal_size=size, run_before=run_before)


def a_run_with_trouble() -> RunRecord:
    refused = (
        "cannot reach the model server at http://gpu-box:8000/v1 (connection refused) · hint: is the "
        "server running? start one with `pageindex-tui --local`, or set the endpoint in the settings (o)"
    )
    return RunRecord(
        "fed-annual-report-2023-excerpt.pdf",
        "/docs/fed-annual-report-2023-excerpt.pdf",
        size=24,
        finished_at="2026-01-01T12:00:00+00:00",
        structure_source="toc",
        nodes=12,
        llm=CallFigures(
            calls=14, cached_calls=2, failed_calls=1, prompt_tokens=48_210, completion_tokens=3_904
        ),
        server=ServerFacts("http://gpu-box:8000/v1", "llamacpp", "SmolLM2-135M-Instruct", 1024, "settings"),
        facts=Provenance(summaries_fallback=2, summaries_short_text=3),
        warnings=[
            RunWarning(
                "summary of '2. Monetary Policy' fell back to its first sentences (a context overflow: "
                "summarize 0004: a prompt of about 1480 tokens plus at least 256 for the reply does not fit "
                "the model's context of 1024 tokens)",
                "overflow",
            ),
            RunWarning(
                "summary of '3. Financial Stability' fell back to its first sentences "
                "(an empty or too short reply)",
                "fallback",
            ),
            RunWarning(
                "max_output_tokens = 4096 is not below context_length = 1024 tokens: "
                "every reply is cut to the room its prompt leaves",
                "settings",
            ),
        ],
        problems=[
            CallProblem("summarize 0007 3.1 Banking", "retry", refused, 0.004),
            CallProblem("summarize 0007 3.1 Banking", "error", refused, 0.003),
        ],
    )


@pytest.mark.parametrize("size", [(80, 24), (160, 48)])
def test_the_log_of_a_run_with_warnings(snap_compare, tmp_path, size):
    app = make_app(tmp_path, folder(tmp_path), NO_SERVER, config_file=SHOWN_CONFIG)

    async def run_before(pilot) -> None:
        record = a_run_with_trouble()
        app.push_screen(LogScreen(from_record("fed-annual-report-2023-excerpt.pdf", record)))
        await wait_for(pilot, lambda: isinstance(app.screen, LogScreen), what="log")
        await pilot.pause(0.2)

    assert snap_compare(app, terminal_size=size, run_before=run_before)
