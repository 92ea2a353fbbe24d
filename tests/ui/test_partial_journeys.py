"""Pilot journeys for issue 13, items 1 and 5, through the real app and engine against a loopback fake of
vLLM: an outage or a cancel keeps the tree and the finished summaries on screen as a partial index, the
server banner clears by itself when the server answers again, and the run resumes (by the setting, or
by one key); each summary shows as its call ends, and an export made meanwhile says it is partial."""

from __future__ import annotations

import json

import pytest
from fakes import FakeVLLM, Outage
from uikit import SIZE, filed_partial, highlight, make_app, no_temp_files, wait_for

from pageindex_tui.settings import Settings
from pageindex_tui.ui.widgets.index_tree import IndexTree

pytestmark = pytest.mark.asyncio

SECTION = "word " * 300  # long enough to need a model summary
PARTS = 5
TEXT = "# Guide\n\nIntro.\n\n" + "".join(f"## Part {n}\n\n{SECTION}\n\n" for n in range(1, PARTS + 1))


def guide(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    path = docs / "guide.md"
    path.write_text(TEXT, encoding="utf-8")
    return docs, path


def settings_for(fake: FakeVLLM, **values) -> Settings:
    values = {"thinking": False, "max_retries": 0, "concurrency": 1} | values
    return Settings(endpoint=fake.base_url, **values)


def summaries(app) -> list[str | None]:
    from pageindex_tui.index.tree import walk

    shown = app.model.shown
    return [n.summary for n in walk(shown.nodes)] if shown is not None else []


def missing(app) -> list[str]:
    """The titles of the nodes shown without a summary. Which ones an outage leaves out depends on the
    order the summary calls reached the server, which nothing promises: tests read it, never assume it."""
    from pageindex_tui.index.tree import walk

    shown = app.model.shown
    return sorted(n.title for n in walk(shown.nodes) if n.summary is None) if shown is not None else []


def text_of(app, selector: str) -> str:
    return str(app.query_one(selector).render())


async def test_an_outage_keeps_the_tree_and_it_resumes_when_the_server_answers_again(tmp_path):
    docs, path = guide(tmp_path)
    with FakeVLLM() as fake:
        model = Outage(budget=3, on_outage=lambda: setattr(fake, "health_status", 503))  # down as a whole
        fake.default = model
        # server_wait=0: the calls fail at once instead of waiting (tests/ui/test_outage_pause.py)
        settings = settings_for(fake, resume_on_reconnect=True, server_wait=0)
        app = make_app(tmp_path, docs, settings, probe=True, gauges=True)  # the gauges watch /health
        async with app.run_test(size=SIZE) as pilot:
            banner = app.query_one("#banner")
            await wait_for(pilot, lambda: app.server_info is not None, what="the first probe")
            await highlight(pilot, "guide.md")
            await pilot.press("i")
            state = app.model.states[str(path)]
            await wait_for(pilot, lambda: filed_partial(state), timeout=60, what="partial")

            # What was known stays on screen, and says what it is.
            tree = app.query_one("#tree", IndexTree)
            assert len(tree.nodes) == 1 and len(summaries(app)) == PARTS + 1
            assert summaries(app).count(None) == 2  # 1 own-text summary + 3 answers; 2 missing
            left_out = missing(app)
            assert state.badge() == ("◑ partial 4/6", "partial")
            assert "partial: 4/6 summaries" in text_of(app, "#doc-info")
            assert "partial: 4/6 summaries" in str(app.query_one("#tree-pane").border_subtitle)
            assert banner.has_class("-visible") and "going away" in text_of(app, "#banner")
            assert "R: resume 1 partial" in text_of(app, "#banner")
            assert app.library.find_partial(app.library.digest(path), settings) is not None

            # The server answers again: the banner goes by itself, and the run goes on (the setting).
            gauges = app.query_one("#gauges-pane")
            down = lambda: gauges.servers[0].status.state != "up"  # noqa: E731
            await wait_for(pilot, down, timeout=30, what="the gauges see the server down")
            asked = len(model.asked)
            model.up = True
            fake.health_status = 200
            await wait_for(pilot, lambda: not banner.has_class("-visible"), timeout=60, what="banner gone")
            await wait_for(pilot, lambda: state.phase == "indexed", timeout=60, what="resumed and finished")
            assert sorted(model.asked_since(asked)) == left_out  # only what was missing
            assert all(summaries(app)) and state.partial is None
            assert any("resuming 1 partial index" in n.message for n in app.notices)
            assert app.library.find_partial(app.library.digest(path), settings) is None
    assert not no_temp_files(tmp_path)


async def test_without_the_setting_one_key_resumes_after_the_server_is_back(tmp_path):
    docs, path = guide(tmp_path)
    with FakeVLLM() as fake:
        model = Outage(budget=2)
        fake.default = model
        app = make_app(tmp_path, docs, settings_for(fake, resume_on_reconnect=False))
        async with app.run_test(size=SIZE) as pilot:
            await highlight(pilot, "guide.md")
            await pilot.press("i")
            state = app.model.states[str(path)]
            await wait_for(pilot, lambda: filed_partial(state), timeout=60, what="partial")
            banner = app.query_one("#banner")
            assert banner.has_class("-visible")
            model.up = True
            asked = len(model.asked)
            await pilot.press("ctrl+r")  # no gauges here: the user asks the server again
            await wait_for(pilot, lambda: not banner.has_class("-visible"), what="banner gone")
            assert any("R resumes 1 partial index" in n.message for n in app.notices)
            assert state.phase == "partial" and len(model.asked) == asked  # nothing resumed by itself
            await pilot.press("R")
            await wait_for(pilot, lambda: state.phase == "indexed", timeout=60, what="resumed")
            assert len(model.asked_since(asked)) == PARTS - 2 and all(summaries(app))


async def test_a_cancel_keeps_the_tree_and_i_resumes_it(tmp_path):
    docs, path = guide(tmp_path)
    model = Outage(budget=2, hold=True)  # the third summary hangs until it is cancelled
    with FakeVLLM(default=model) as fake:
        app = make_app(tmp_path, docs, settings_for(fake))
        async with app.run_test(size=SIZE) as pilot:
            await highlight(pilot, "guide.md")
            await pilot.press("i")
            state = app.model.states[str(path)]
            await wait_for(pilot, lambda: len(model.asked) >= 3, timeout=60, what="the third summary asked")
            await wait_for(pilot, lambda: sum(map(bool, summaries(app))) == 3, what="three summaries shown")
            await pilot.press("x")
            await wait_for(pilot, lambda: filed_partial(state), what="cancelled, partial")
            assert state.badge() == ("◑ partial 3/6", "partial") and not app.engine.busy()
            assert len(app.query_one("#tree", IndexTree).nodes) == 1 and summaries(app).count(None) == 3
            assert "Not indexed yet" not in text_of(app, "#tree-note")
            assert any("kept what was done as a partial index" in n.message for n in app.notices)
            assert not app.query_one("#banner").has_class("-visible")  # a cancel is no server problem
            model.up = True
            asked = len(model.asked)
            await pilot.press("i")
            await wait_for(pilot, lambda: state.phase == "indexed", timeout=60, what="resumed")
            assert len(model.asked_since(asked)) == 3 and all(summaries(app))


async def test_each_summary_shows_as_its_call_ends_and_an_export_meanwhile_says_partial(tmp_path):
    from textual.widgets import Input

    from pageindex_tui.ui.screens.export import ExportScreen

    docs, path = guide(tmp_path)
    model = Outage(budget=2, hold=True)  # the first two parts asked answer; the third hangs: the run goes on
    with FakeVLLM(default=model) as fake:
        app = make_app(tmp_path, docs, settings_for(fake))
        async with app.run_test(size=SIZE) as pilot:
            await highlight(pilot, "guide.md")
            await pilot.press("i")
            state = app.model.states[str(path)]
            tree = app.query_one("#tree", IndexTree)
            await wait_for(pilot, lambda: len(tree.nodes) == 1, what="the tree")
            await wait_for(pilot, lambda: len(model.asked) == 3, what="two answered, the third asked")
            answered = model.asked[0]  # the parts' calls reach the server in no promised order
            part = int(answered.split()[-1])
            await pilot.press("2", "l", *["j"] * part)  # onto that part
            await wait_for(
                pilot, lambda: tree.cursor_node is not None and tree.cursor_node.data, what="cursor"
            )
            assert tree.cursor_node.data.node.title == answered
            head = lambda: text_of(app, "#detail-head")  # noqa: E731
            await wait_for(
                pilot, lambda: f"The part called {answered} explains" in head(), what="its summary"
            )
            assert state.busy  # shown while the run goes on, not at its end

            await pilot.press("e")
            await wait_for(pilot, lambda: isinstance(app.screen, ExportScreen), what="export screen")
            assert "partial PageIndex JSON — indexing is still running (summarizing 3/6)" in str(
                app.screen.query_one("Vertical").border_title
            )
            target = tmp_path / "out" / "guide_structure.json"
            app.screen.query_one("#export-path", Input).value = str(target)
            await pilot.press("enter")
            await wait_for(pilot, lambda: target.is_file(), what="exported")
            data = json.loads(target.read_text())
            assert data["partial"].startswith("indexing is still running (summarizing")
            assert data["structure"][0]["nodes"][part - 1]["summary"].startswith(
                f"The part called {answered}"
            )
            assert any(n.title == "Partial export" for n in app.notices)
            await pilot.press("1", "x")
            await wait_for(pilot, lambda: not app.engine.busy(), what="cancelled")


async def test_quitting_mid_summaries_keeps_a_partial_index_that_shows_and_resumes_on_reopen(tmp_path):
    from pageindex_tui.ui.screens.confirm import ConfirmScreen

    docs, path = guide(tmp_path)
    model = Outage(budget=2, hold=True)
    with FakeVLLM(default=model) as fake:
        app = make_app(tmp_path, docs, settings_for(fake))
        async with app.run_test(size=SIZE) as pilot:
            await highlight(pilot, "guide.md")
            await pilot.press("i")
            await wait_for(pilot, lambda: len(model.asked) >= 3, timeout=60, what="the third summary asked")
            await pilot.press("q")
            await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="question")
            assert "kept as partial indexes" in str(app.screen.query_one("#question").render())
            await pilot.press("y")
            await wait_for(pilot, lambda: not app.is_running, what="exit")
        assert app.return_code == 0
        assert not no_temp_files(tmp_path)

        model.up = True
        app = make_app(tmp_path, docs, settings_for(fake))  # the same library
        async with app.run_test(size=SIZE) as pilot:
            await highlight(pilot, "guide.md")
            state = app.model.states[str(path)]
            await wait_for(pilot, lambda: state.phase == "partial", what="partial, from the library")
            assert state.badge() == ("◑ partial 3/6", "partial")
            await wait_for(pilot, lambda: len(summaries(app)) == PARTS + 1, what="its tree, from the library")
            assert summaries(app).count(None) == 3
            asked = len(model.asked)
            await pilot.press("i")
            await wait_for(pilot, lambda: state.phase == "indexed", timeout=60, what="resumed")
            assert len(model.asked_since(asked)) == 3 and all(summaries(app))
