"""asyncio helpers the engine and the client share."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable
from typing import Any

MAX_DOCS_AT_ONCE = 32  # documents indexed at once, at most (their calls share one queue, smallest first)


def documents_at_once(concurrency: int) -> int:
    """How many documents run at once: enough to keep the LLM calls' bound full, never more than a fixed
    bound on calls allows (0: adaptive, up to MAX_DOCS_AT_ONCE)."""
    return max(1, min(MAX_DOCS_AT_ONCE, concurrency or MAX_DOCS_AT_ONCE))


async def gather_or_cancel(*awaitables: Awaitable[Any]) -> list[Any]:
    """`asyncio.gather`, except that when one fails the others are cancelled, and awaited, before the error
    goes on: no orphan keeps running (or connecting) after its document has failed or the run has ended."""
    tasks = [asyncio.ensure_future(a) for a in awaitables]
    try:
        return list(await asyncio.gather(*tasks))
    except BaseException:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise


async def cancel_and_wait(task: asyncio.Future[Any] | None) -> None:
    """Cancel `task` (None: nothing to do) and wait until it has ended, however it ends: a watcher when its
    owner closes, a reply stream past its deadline."""
    if task is None:
        return
    task.cancel()
    with contextlib.suppress(BaseException):
        await task
