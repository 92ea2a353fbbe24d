"""`pageindex-tui mcp` asking through a real llama-server (SmolLM2-135M), the SDK's client over stdio: the
answer comes back as a tool result, with progress notifications on the way, whatever the tiny model says;
and PageIndex's reading tools over the same library."""

from __future__ import annotations

import asyncio
import json

import pytest
from libdocs import many_documents
from mcp import ClientSession
from mcp.client.stdio import stdio_client
from mcpserver import mcp_params

from pageindex_tui.mcp_tools import RESULT_CHARS
from pageindex_tui.store.library import Library

pytestmark = pytest.mark.integration

FAST = ["--thinking", "no", "--max-output-tokens", "64", "--retries", "1", "--timeout", "300"]


def test_mcp_ask_through_the_real_server_sends_progress(llama_server, tmp_path):
    many_documents(Library(tmp_path / "data" / "pageindex-tui" / "library"), tmp_path / "docs", 12)
    params = mcp_params(tmp_path, "--endpoint", llama_server.endpoint, "--no-cache", *FAST)
    progress: list[tuple[float, str | None]] = []

    async def note(value: float, total: float | None, message: str | None) -> None:
        progress.append((value, message))

    async def go():
        async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
            await asyncio.wait_for(session.initialize(), 60)
            asked = await session.call_tool(
                "ask",
                {"question": "What is the lighthouse keeper salary?", "documents": ["doc0007"]},
                read_timeout_seconds=600,
                progress_callback=note,
            )
            tree = await session.call_tool("get_document_structure", {"doc_name": "doc0007"}, 60)
            page = await session.call_tool("get_page_content", {"doc_name": "doc0007.md", "pages": "9"}, 60)
            return asked, tree, page

    asked, tree, page = asyncio.run(go())
    for result in (asked, tree, page):
        assert result.is_error is False and len(result.content[0].text) <= RESULT_CHARS
    answer = json.loads(asked.content[0].text)
    assert answer["documents"] == ["doc0007.md"] and answer["calls"] >= 2
    assert answer["next_steps"]["summary"].endswith("not")
    assert progress and [v for v, _ in progress] == [float(n) for n in range(1, len(progress) + 1)]
    said = [m or "" for _, m in progress]
    assert any(m.startswith("model call: ask:") for m in said) and any(m.startswith("pick") for m in said)
    structure = json.loads(tree.content[0].text)
    assert (
        structure["unit"] == "line"
        and structure["structure"][0]["nodes"][1]["title"] == "Lighthouse keeper salary"
    )
    content = json.loads(page.content[0].text)
    assert content["content"] == [{"line": 9, "text": "The lighthouse keeper earns 41,000 euros a year."}]
