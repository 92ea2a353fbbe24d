"""Our MCP server as a client starts it in the tests: `pageindex-tui mcp ARGS` over stdio, in its own
process, with its data, settings and cache under the test's folder and this checkout first on the path."""

from __future__ import annotations

import sys
from pathlib import Path

from mcp import StdioServerParameters

ROOT = Path(__file__).resolve().parents[1]


def mcp_params(folder: Path, *args: str) -> StdioServerParameters:
    return StdioServerParameters(
        command=sys.executable,
        args=["-m", "pageindex_tui", "mcp", *args],
        env={
            "XDG_DATA_HOME": str(folder / "data"),
            "XDG_CONFIG_HOME": str(folder / "config"),
            "XDG_CACHE_HOME": str(folder / "cache"),
            "PYTHONPATH": str(ROOT),
        },
        cwd=str(folder),
    )
