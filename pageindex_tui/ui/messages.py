"""Messages that carry engine work back to the app (posted from the engine thread, thread-safe).

`JobUpdate` is the job service's (`jobs/service.py`); it is named here too for the engine runner."""

from __future__ import annotations

from textual.message import Message

from .. import events
from ..jobs.service import JobUpdate
from ..store.library import LibraryEntry

Item = events.Event  # engine events and the job service's JobUpdate (an Event too)

__all__ = ["DocStatesLoaded", "EngineBatch", "Item", "JobUpdate", "ServerStateChanged"]


class EngineBatch(Message):
    """Engine events and job updates in the order they happened, gathered over a few milliseconds."""

    def __init__(self, items: list[Item]) -> None:
        super().__init__()
        self.items = items


class DocStatesLoaded(Message):
    """What the library knows about the files of a folder (from a thread worker)."""

    def __init__(self, states: dict[str, tuple[LibraryEntry | None, bool]], damaged: list[str]) -> None:
        super().__init__()
        self.states = states  # path -> (its best saved index, made with the settings in force)
        self.damaged = damaged  # paths without one whose damaged index was set aside


class ServerStateChanged(Message):
    """The gauges saw a model server change state ("up", "down", ...; `monitor.server`'s states)."""

    def __init__(self, endpoint: str, old: str, new: str) -> None:
        super().__init__()
        self.endpoint, self.old, self.new = endpoint, old, new
