"""The app's tools beside the panes, kept out of `app.py`: the log screen of the highlighted document (`L`),
the Plan view (`P`) and screenshots that land in a folder that exists (the palette's "Screenshot").

`AppTools` is the base of `PageIndexApp`, which sets the `model`, `root_path`, `settings` and `library` it
uses.
"""

from __future__ import annotations

from pathlib import Path

from textual import work
from textual._files import generate_datetime_filename
from textual.app import App

from .. import checked
from ..errors import PageIndexError
from ..settings import Settings
from ..store.files import atomic_write_text
from ..store.library import Library
from ..store.outputs import screenshot_folder
from ..store.records import RunRecord
from ..store.runlog import RunLog, from_events, from_record
from ..workbench.state import DocState, Workbench
from .keys import shown_key
from .screens.runlog import LogScreen


def session_log(state: DocState, record: RunRecord | None, index_key: str) -> RunLog:
    """The log of a document as this session knows it: its record when a finished run left one, else
    what the events of its run said (running, failed, cancelled); `index_key` is the key that indexes."""
    name = state.path.name
    if record is not None and not state.busy and state.phase != "failed":
        return from_record(name, record)
    failure = (state.error, state.hint) if state.phase == "failed" else None
    summary = f"{name}: failed" if failure is not None else state.describe(index_key)  # the error below
    return from_events(name, state.warnings, state.problems, failure, summary)


class AppTools(App[int]):
    """`action_show_log`, `action_plan` and `deliver_screenshot` for `PageIndexApp`."""

    model: Workbench
    root_path: Path
    settings: Settings
    library: Library

    # -- the Plan view -------------------------------------------------------------------------------------
    def action_plan(self) -> None:
        from .panes.gauges import GaugesBox
        from .screens.plan import PlanScreen

        if not isinstance(self.screen, PlanScreen):
            sampler = self.query_one(GaugesBox).gpu_sampler  # the pane's NVML session, not a second one
            self.push_screen(PlanScreen(self.settings, self.library, gpu_sampler=sampler))

    # -- the log screen ----------------------------------------------------------------------------------
    def action_show_log(self) -> None:
        if isinstance(self.screen, LogScreen):
            return
        doc, state = self.model.current_doc, self.model.current
        if doc is None or state is None:
            self.notify("Highlight a document first.", severity="warning")
            return
        live = self.model.live.get(doc)
        record = live.run if live is not None else None
        if record is None and state.entry is not None and not state.ran:
            self._read_record(state, state.entry.run_path)  # a saved index: its run record on disk
            return
        self.push_screen(LogScreen(session_log(state, record, shown_key("documents.index", self))))

    @work(thread=True, group="run-record", exit_on_error=False)
    def _read_record(self, state: DocState, path: Path) -> None:
        try:
            record = checked.read_json(path, RunRecord.from_dict)
        except (OSError, ValueError) as err:
            message = f"The run record of {state.path.name} cannot be read ({path}: {err})."
            self.call_from_thread(self.notify, message, severity="error", markup=False)
            return
        self.call_from_thread(self.push_screen, LogScreen(from_record(state.path.name, record)))

    # -- screenshots -----------------------------------------------------------------------------------------
    def deliver_screenshot(
        self, filename: str | None = None, path: str | None = None, time_format: str | None = None
    ) -> str | None:
        """Save an SVG of the screen into `path`, else Downloads where it exists, else the export folder
        (never inside the documents folder); say where, or why not."""
        folder = Path(path).expanduser() if path else screenshot_folder(self.root_path)
        target = folder / (filename or generate_datetime_filename(self.title, ".svg", time_format))
        try:
            atomic_write_text(target, self.export_screenshot())
        except PageIndexError as err:
            self.notify(err.describe(), title="Screenshot not saved", severity="error", markup=False)
            return None
        self.notify(f"Saved to {target}", title="Screenshot", markup=False)
        return str(target)
