"""The calls view through a real llama-server (SmolLM2 on loopback): index a Markdown document whose
sections are summarized by the model, and find its calls under its name in the calls table, filter them,
and open one's detail: its purpose, the model, timings and the reply as it came."""

from __future__ import annotations

import pytest
from pdfgen import operations_notes
from uikit import highlight, make_app, plain, wait_for

from pageindex_tui.settings import Settings
from pageindex_tui.ui.screens.call import CallScreen
from pageindex_tui.ui.widgets.calls import CallsTable

pytestmark = [pytest.mark.integration, pytest.mark.asyncio]


async def test_the_calls_view_shows_the_documents_calls_and_their_detail(llama_server, tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    doc = operations_notes(docs, sections=3)
    settings = Settings(
        endpoint=llama_server.endpoint,
        thinking=False,
        max_output_tokens=48,  # short replies, two at a time, a long deadline: a loaded machine finishes
        concurrency=2,
        max_retries=1,
        request_timeout=300,
        request_deadline=1200,
    )
    app = make_app(tmp_path, docs, settings, probe=True)
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_for(pilot, lambda: app.server_info is not None, timeout=60, what="server answered")
        await highlight(pilot, doc.name)
        await pilot.press("i")
        state = app.model.states[str(doc)]
        await wait_for(
            pilot, lambda: state.phase in ("indexed", "failed", "partial"), timeout=900, what="indexed"
        )
        assert state.phase == "indexed", state.error
        table = app.query_one("#calls", CallsTable)
        records = list(app.model.calls.records.values())
        assert table.row_count == len(records) >= 3
        assert all(table.cell(r.serial, "doc") == doc.name for r in records)
        assert all(r.phase in ("ok", "invalid") and r.sent_at is not None for r in records)
        await pilot.press("4", "slash", *"summarize", "enter")
        summaries = [r for r in records if r.purpose.startswith("summarize")]
        await wait_for(pilot, lambda: table.row_count == len(summaries) >= 3, what="the summaries")
        await pilot.press("g", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, CallScreen), what="the detail")
        record = table.cursor_record
        assert record is not None
        screen = app.screen
        facts = plain(screen.query_one("#call-facts"))
        timings = plain(screen.query_one("#call-timings"))
        assert record.purpose in facts and app.server_info.model in facts and "ops-notes.md" in facts
        assert "sent  " in timings and "+" in timings and "finished" in timings
        reply = "".join(text for kind, text in record.pieces if kind == "answer")
        shown = " ".join(plain(screen.query_one("#call-text")).split())
        assert reply.strip() and " ".join(reply.split())[:30] in shown  # the reply as it came, literal
