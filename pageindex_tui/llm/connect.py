"""`connect_once`: the app's and the settings screen's "test connection", which is the LLM client's own
`connect`, tried once, without retries.

The client pulls in the openai SDK, which takes a while to import: that import runs off the event loop.
"""

from __future__ import annotations

import asyncio
from types import ModuleType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..settings import Settings
    from .types import ServerInfo


def _client_module() -> ModuleType:
    from . import client

    return client


async def connect_once(settings: Settings, source: str) -> ServerInfo:
    """What the server at `settings.endpoint` serves, asked once, without retries (`source` names the asker
    in the settings). Raises the client's PageIndexError saying why it cannot be used."""
    client_module = await asyncio.to_thread(_client_module)
    client = client_module.LLMClient(settings.with_values(source, max_retries=0))
    try:
        info: ServerInfo = await client.connect()
        return info
    finally:
        await client.aclose()
