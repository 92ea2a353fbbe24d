"""A damaged saved index in the app: set aside, the documents pane says "index damaged: i re-indexes",
the other documents still show their indexes, and `i` indexes it again."""

from __future__ import annotations

import json

import pytest
from fakes import FakeVLLM, smart_model
from pdfgen import make_plain_pdf
from uikit import SIZE, highlight, make_app, wait_for

from pageindex_tui.settings import Settings
from pageindex_tui.store.library import ENTRY_FILE

pytestmark = pytest.mark.asyncio

GUIDE = "# Guide\n\nIntro.\n\n## Part One\n\n" + "one " * 200 + "\n"


async def test_a_damaged_entry_shows_as_damaged_and_i_indexes_it_again(tmp_path):
    docs = tmp_path / "docs"
    pdf = make_plain_pdf(docs)
    guide = docs / "guide.md"
    guide.write_text(GUIDE, encoding="utf-8")
    with FakeVLLM(default=smart_model) as fake:
        settings = Settings(endpoint=fake.base_url, thinking=False, if_add_node_summary=False)
        app = make_app(tmp_path, docs, settings)
        async with app.run_test(size=SIZE) as pilot:
            for name, path in (("plain.pdf", pdf), ("guide.md", guide)):
                await highlight(pilot, name)
                await pilot.press("i")
                state = app.model.states[str(path)]
                await wait_for(pilot, lambda s=state: s.phase == "indexed", what=f"{name} indexed")
        library = app.library
        folder = library.folder_for(library.digest(pdf), settings)
        entry = json.loads((folder / ENTRY_FILE).read_text())
        (folder / ENTRY_FILE).write_text(json.dumps({**entry, "nodes": "many"}))

        app = make_app(tmp_path, docs, settings)
        async with app.run_test(size=SIZE) as pilot:
            await highlight(pilot, "plain.pdf")
            state = app.model.states[str(pdf)]
            await wait_for(pilot, lambda: state.phase == "damaged", what="shown as damaged")
            assert "index damaged: i re-indexes" in state.describe("i")
            assert state.badge()[0] == "✗ index damaged"
            other = app.model.states[str(guide)]
            await wait_for(pilot, lambda: other.phase == "indexed", what="the other index still shown")
            calls = len(fake.requests)
            await pilot.press("i")
            await wait_for(pilot, lambda: state.phase == "indexed", what="indexed again")
            assert len(fake.requests) > calls
