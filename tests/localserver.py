"""The real llama-server as the tests start it: with one thread fewer than the machine has cores.

The test process runs beside the server (the app, the client, the next test's setup), and llama.cpp's
threads wait busily for each other: on two shared cores, two server threads spend most of their time
waiting for the one that was descheduled. Measured here (2 cores, load 2 to 4; SmolLM2-135M, a
424-token prompt, 64 tokens out): 10 to 22 s a call with `--threads 2`, 3.1 to 4.3 s with `--threads 1`
(`--poll 0` with two threads: 12 to 22 s)."""

from __future__ import annotations

import os
from typing import Any

from pageindex_tui.local.server import LocalServer

THREADS = max(1, (os.cpu_count() or 1) - 1)


def local_server(**kwargs: Any) -> LocalServer:
    """A `LocalServer` (not started) with the tests' thread count unless `threads` is given."""
    kwargs.setdefault("threads", THREADS)
    return LocalServer(**kwargs)
