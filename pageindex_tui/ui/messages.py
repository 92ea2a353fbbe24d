"""Messages that carry engine work back to the widgets (posted from the engine thread, thread-safe)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from textual.message import Message

from .. import events
from ..library import LibraryEntry

JobState = Literal["queued", "started", "reused", "finished", "failed", "cancelled"]


@dataclass(frozen=True)
class JobUpdate:
    """The app's own record of a queued document (not an engine event): queued, reused, filed, ..."""

    doc: str
    state: JobState
    entry: LibraryEntry | None = None
    error: str = ""
    hint: str = ""
    kind: events.FailureKind | None = None  # why it failed; "server" raises the server banner


Item = events.Event | JobUpdate


class EngineBatch(Message):
    """Engine events and job updates in the order they happened, gathered over a few milliseconds."""

    def __init__(self, items: list[Item]) -> None:
        super().__init__()
        self.items = items


class DocStatesLoaded(Message):
    """What the library knows about the files of a folder (from a thread worker)."""

    def __init__(self, states: dict[str, tuple[Any, bool]]) -> None:
        super().__init__()
        self.states = states  # path -> (LibraryEntry | None, exact)
