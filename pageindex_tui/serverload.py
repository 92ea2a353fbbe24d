"""The adaptive bound's view of the server: the monitor's own poll (`monitor.server.ServerMonitor`, the
one the gauges use) read as `llm.adaptive`'s `LoadReader`, and the LLM client wired to it.

Here, above both, because the LLM client and the monitor do not import each other.
"""

from __future__ import annotations

from . import events
from .llm.client import LLMClient
from .llm.scheduler import Load
from .monitor.server import ServerMonitor, ServerStatus
from .settings import Settings
from .store.cache import ResponseCache


def load_of(status: ServerStatus) -> Load:
    """What the controller needs from one poll of the server."""
    metrics = status.metrics if status.state == "up" else None
    return Load(
        waiting=metrics.waiting if metrics else None,
        kv_usage=metrics.kv_cache if metrics else None,
        running=metrics.running if metrics else None,
        slots=status.slots,
    )


class MonitorLoad:
    """A `LoadReader` over a ServerMonitor of the configured endpoint; the class is the bound's
    `ReaderFactory` (settings, seconds between polls)."""

    def __init__(self, settings: Settings, interval: float) -> None:
        self.monitor = ServerMonitor(
            settings.endpoint, api_key=settings.api_key, interval=interval, info_every=30
        )

    async def read(self) -> Load:
        return load_of(await self.monitor.poll())

    def delay(self) -> float:
        return self.monitor.delay()

    async def aclose(self) -> None:
        await self.monitor.aclose()


def watched_client(
    settings: Settings, sink: events.EventSink = events.ignore, cache: ResponseCache | None = None
) -> LLMClient:
    """An LLM client whose adaptive bound reads the server's load through the monitor."""
    return LLMClient(settings, sink, cache, load_reader=MonitorLoad)
