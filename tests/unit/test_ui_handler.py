"""The workbench model and the engine-event handler, without Textual: events in, state and Changes out."""

from __future__ import annotations

import subprocess
import sys
from functools import partial
from pathlib import Path

from pageindex_tui import events
from pageindex_tui.jobs.service import JobUpdate
from pageindex_tui.store.library import LibraryEntry
from pageindex_tui.store.records import PartialState, RunRecord
from pageindex_tui.tree import Tree, TreeNode
from pageindex_tui.ui.keys import shown_key
from pageindex_tui.workbench.handler import EngineHandler
from pageindex_tui.workbench.state import LiveDoc, ServerNotice, Workbench

DOC = "/docs/a.pdf"
ONE_TWO = (TreeNode("One", 1, 2, "0000"), TreeNode("Two", 3, 4, "0001"))
STRUCTURE = Tree("a.pdf", "page", ONE_TWO)
GROWN = Tree("a.pdf", "page", (*ONE_TWO, TreeNode("Three", 5, 6, "0002")))
EMPTY = Tree("a.pdf", "page", ())


def saved(nodes: int, **meta) -> LibraryEntry:
    """A library entry as the library reads it back (its files need not exist here)."""
    return LibraryEntry.from_json(Path("/library/abc/key"), {"nodes": nodes, **meta})


def fresh(current: str | None = DOC, keymap: dict[str, str] | None = None) -> tuple[Workbench, EngineHandler]:
    """A workbench and its handler, whose notes name keys as the app's do (`keymap`: the user's)."""
    model = Workbench()
    if current is not None:
        model.select(current)
    return model, EngineHandler(model, partial(shown_key, source=keymap or {}))


def test_the_model_and_handler_load_without_textual_or_rich():
    code = (
        "import sys, pageindex_tui.workbench.handler; print(sorted({'textual', 'rich'} & set(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_a_run_fills_the_current_documents_tree_and_state():
    model, handler = fresh()
    changes = handler.apply(
        [
            JobUpdate(DOC, "started"),
            events.DocumentStarted(DOC, "a.pdf", 4),
            events.StageStarted(DOC, "structure"),
            events.StructureFound(DOC, STRUCTURE, "model"),
            events.StructureFound(DOC, GROWN, "model"),  # a later stage reports the whole tree again
        ]
    )
    state = model.states[DOC]
    assert state.phase == "indexing" and state.stage == "structure"
    assert changes.empty and changes.tree and model.shown is model.live[DOC]
    assert [n.title for n in model.shown.nodes] == ["One", "Two", "Three"]
    assert DOC in changes.docs


def test_calls_are_followed_until_the_user_picks_one():
    model, handler = fresh()
    changes = handler.apply(
        [
            events.CallStarted(DOC, 1, "find sections", 100),
            events.ReasoningDelta(DOC, 1, "thinking "),
            events.CallStarted(DOC, 2, "summarize", 50),  # the first one streams: it stays on show
            events.AnswerDelta(DOC, 1, "{}"),
        ]
    )
    assert model.shown_call == 1 and changes.switched and set(changes.calls) == {1, 2}
    assert model.shown_record is not None and model.shown_record.chars == len("thinking {}")
    changes = handler.apply([events.CallFinished(DOC, 1, "ok", 100, 7, ttft=0.1, seconds=1.0)])
    assert model.calls.records[1].phase == "ok" and model.calls.records[1].completion_tokens == 7
    changes = handler.apply([events.ReasoningDelta(DOC, 2, "more")])
    assert model.shown_call == 2 and changes.switched  # the shown call ended: the streaming one comes
    model.pick(1)
    changes = handler.apply([events.ReasoningDelta(DOC, 2, " text")])
    assert model.shown_call == 1 and not changes.switched and not changes.appends
    assert model.follow() is model.calls.records[2] and model.following


def test_job_updates_notify_and_a_failure_raises_the_banner():
    model, handler = fresh()
    entry = saved(3, structure_source="outline")
    changes = handler.apply([JobUpdate(DOC, "reused", entry=entry)])
    assert model.states[DOC].phase == "indexed" and changes.load == (DOC, entry)
    assert changes.notes == ["a.pdf is unchanged: its saved index is shown (I re-indexes)."]
    changes = handler.apply([events.DocumentFailed(DOC, "refused", hint="is it up?", kind="server")])
    assert model.states[DOC].phase == "failed" and changes.banner == ServerNotice("refused", "is it up?")
    assert changes.empty and model.shown is None


def test_library_states_and_selection():
    model, handler = fresh(current=None)
    entry = saved(5)
    changes = handler.library_states({DOC: (entry, False), "/docs/b.md": (None, False)})
    assert model.states[DOC].badge() == ("◐ 5 nodes", "indexed")
    assert model.states["/docs/b.md"].phase == "none" and changes.docs == {DOC, "/docs/b.md"}
    assert model.select(DOC).load == (DOC, entry)
    live = LiveDoc(EMPTY, "outline")
    assert model.entry_loaded(DOC, live).tree and model.shown is live
    assert model.entry_loaded("/docs/other.pdf", LiveDoc(EMPTY, "")).tree is False
    assert model.select("/docs/b.md").empty and model.current_doc == "/docs/b.md"
    assert Path(model.current.path).name == "b.md"  # type: ignore[union-attr]


# -- partial indexes (issue 13, items 1 and 5) ------------------------------------------------------
PARTIAL = PartialState("summarize", 1, 2, "server", "cannot reach the model server", "is it running?")


def partial_event(doc: str = DOC, partial: PartialState = PARTIAL) -> events.DocumentPartial:
    nodes = (TreeNode("One", 1, 2, "0000", "About one."), TreeNode("Two", 3, 4, "0001"))
    result = Tree("a.pdf", "page", nodes)
    run = RunRecord("a.pdf", doc, nodes=2, structure_source="toc", partial=partial)
    return events.DocumentPartial(doc, "/s.partial.json", "/r.partial.json", result, run)


def test_each_summary_reaches_the_shown_tree_as_its_call_ends():
    model, handler = fresh()
    handler.apply([JobUpdate(DOC, "started"), events.StructureFound(DOC, STRUCTURE, "toc")])
    shown = model.shown
    assert shown is not None and shown.nodes[1].summary is None
    changes = handler.apply([events.NodeSummarized(DOC, "0001", "Two is about pages 3 and 4.")])
    assert shown.nodes[1].summary == "Two is about pages 3 and 4." and changes.summaries == {"0001"}
    assert not changes.tree  # the tree is not drawn again: the detail panel shows the summary
    other = handler.apply([events.NodeSummarized("/docs/b.pdf", "0000", "elsewhere")])
    assert not other.summaries  # a document not on show (and with no tree here) changes nothing shown


def test_page_groups_waiting_for_the_model_say_the_document_is_indexed_again_not_resumed():
    model, handler = fresh()
    waiting = PartialState("structure", 0, 0, "server", "cannot reach the model server", "is it running?")
    handler.apply([JobUpdate(DOC, "started"), events.StructureFound(DOC, STRUCTURE, "pages")])
    handler.apply(
        [partial_event(partial=waiting), JobUpdate(DOC, "partial", entry=saved(2, partial=waiting.to_dict()))]
    )
    state = model.states[DOC]
    assert state.phase == "partial"
    want = "a.pdf: 2 nodes, partial: sections wait for the model (server failed); i indexes it again"
    assert state.describe("i") == want


def test_an_outage_keeps_the_tree_says_partial_and_raises_the_banner():
    model, handler = fresh()
    handler.apply([JobUpdate(DOC, "started"), events.StructureFound(DOC, STRUCTURE, "toc")])
    changes = handler.apply(
        [partial_event(), JobUpdate(DOC, "partial", entry=saved(2, partial=PARTIAL.to_dict()))]
    )
    state = model.states[DOC]
    assert state.phase == "partial" and state.badge() == ("◑ partial 1/2", "partial")
    assert state.describe("i") == "a.pdf: 2 nodes, partial: 1/2 summaries (server failed); i resumes"
    assert changes.banner == ServerNotice("cannot reach the model server", "is it running?")
    assert not changes.empty
    assert (
        changes.tree
        and model.shown is not None
        and [n.summary for n in model.shown.nodes] == ["About one.", None]
    )
    assert model.resumable() == [DOC] and model.resumable(outage_only=True) == [DOC]
    assert state.export_note() == "partial: 1/2 summaries, stopped: cannot reach the model server"
    # Resuming keeps the tree on show (no "not indexed" flash) until the run reports it again.
    changes = handler.apply([JobUpdate(DOC, "queued"), JobUpdate(DOC, "started")])
    assert not changes.empty and model.shown is not None and DOC not in model.interrupted
    assert state.export_note() == "indexing is still running (starting)"
    handler.apply([JobUpdate(DOC, "finished", entry=saved(2))])
    assert state.phase == "indexed" and state.partial is None and model.resumable() == []


def test_a_cancel_that_kept_a_partial_index_keeps_the_tree():
    model, handler = fresh()
    cancelled = PartialState("summarize", 1, 2, "cancelled")
    handler.apply([JobUpdate(DOC, "started"), events.StructureFound(DOC, STRUCTURE, "toc")])
    entry = saved(2, partial=cancelled.to_dict())
    changes = handler.apply([partial_event(partial=cancelled), JobUpdate(DOC, "cancelled", entry=entry)])
    state = model.states[DOC]
    assert state.phase == "partial" and state.partial == cancelled and changes.banner is None
    assert model.shown is model.live[DOC] and not changes.empty
    assert changes.notes == [
        "Cancelled a.pdf; kept what was done as a partial index (partial: 1/2 summaries): i resumes."
    ]
    assert model.resumable() == [DOC] and model.resumable(outage_only=True) == []


def test_a_saved_partial_index_shows_as_partial():
    model, handler = fresh(current=None)
    entry = saved(4, partial=PartialState("describe", 4, 4, "server").to_dict())
    handler.library_states({DOC: (entry, True)})
    assert model.states[DOC].badge() == ("◑ partial 4/4", "partial")
    assert model.select(DOC).load == (DOC, entry)
    handler.library_states({DOC: (None, False)})  # its partial index is gone
    assert model.states[DOC].phase == "none" and model.states[DOC].partial is None


def test_calls_tell_queued_from_sent_from_streaming_and_count_their_seconds():
    model, handler = fresh()
    now = [100.0]
    model.clock = lambda: now[0]
    handler.apply([events.CallQueued(DOC, 1, "summarize 0001", 50), events.CallQueued(DOC, 2, "two", 60)])
    first, second = model.calls.get(DOC, 1), model.calls.get(DOC, 2)
    assert (first.phase, second.phase) == ("queued", "queued")
    assert model.shown_call is None  # a queued call does not take the stream
    now[0] = 103.0
    handler.apply([events.CallStarted(DOC, 1, "summarize 0001", 50)])
    assert first.phase == "sent" and model.elapsed(first) == 0.0 and model.elapsed(second) == 3.0
    now[0] = 104.5
    handler.apply([events.AnswerDelta(DOC, 1, "A"), events.AnswerDelta(DOC, 1, "B")])
    assert first.phase == "running" and model.elapsed(first) == 1.5
    assert model.calls.counts() == {"queued": 1, "sent": 0, "running": 1}
    assert [r.call_id for r in model.calls.live()] == [1, 2]
    handler.apply([events.CallFinished(DOC, 1, "ok", 50, 2, 0, 0.4, 1.5)])
    assert first.phase == "ok" and model.elapsed(first) is None and first.seconds == 1.5
    # a reply replayed from the cache was never queued: it starts its own row
    handler.apply([events.CallStarted(DOC, 3, "cached", 10)])
    assert model.calls.get(DOC, 3).phase == "sent" and len(model.calls) == 3


def test_the_stream_meter_counts_deltas_per_second_over_its_window():
    model, handler = fresh()
    now = [10.0]
    model.clock = lambda: now[0]
    assert model.meter.rate(now[0]) is None
    handler.apply([events.CallStarted(DOC, 1, "p", 5)])
    for step in range(6):  # 10 deltas every half second: 60 in 2.5 s
        now[0] = 10.0 + step * 0.5
        handler.apply([events.AnswerDelta(DOC, 1, "x")] * 10)
    assert model.meter.rate(now[0]) == 60 / 2.5 and model.meter.total == 60
    now[0] = 20.0
    assert model.meter.rate(now[0]) is None  # nothing streamed lately


def test_warnings_and_call_problems_of_a_run_are_kept_with_their_kinds():
    from pageindex_tui.store.records import CallProblem, RunWarning

    model, handler = fresh()
    handler.apply(
        [
            JobUpdate(DOC, "started"),
            events.WarningEvent(DOC, "summary of 'One' fell back (a context overflow: ...)", "overflow"),
            events.CallQueued(DOC, 1, "summarize 0000 One", 10),
            events.CallStarted(DOC, 1, "summarize 0000 One", 10),
            events.CallFinished(DOC, 1, "retry", 10, error="the model server at http://h/v1 answered 503"),
        ]
    )
    state = model.states[DOC]
    assert state.warnings == [RunWarning("summary of 'One' fell back (a context overflow: ...)", "overflow")]
    assert state.problems == [
        CallProblem("summarize 0000 One", "retry", "the model server at http://h/v1 answered 503")
    ]
    assert state.warned == 1 and state.ran


def test_the_batch_and_the_calls_bound_are_kept_apart_from_the_documents():
    """The bound's events (doc "") and work estimates change the batch's figures, never a document row."""
    model, handler = fresh(current=None)
    changes = handler.apply([events.LimitChanged("", 8, "a safe start", True)])
    assert changes.batch and not changes.docs and "" not in model.states
    changes = handler.apply([JobUpdate(DOC, "started"), events.WorkEstimate(DOC, 5000)])
    assert changes.batch
    finished = events.CallFinished(DOC, 1, "ok", prompt_tokens=900, completion_tokens=100, seconds=1.0)
    handler.apply([events.CallQueued(DOC, 1, "structure", 900), finished])
    reading = model.batch.reading()
    assert (reading.documents, reading.done, reading.estimated) == (1, 1000, 5000)
    assert reading.limit_text() == "limit 8 · a safe start"
    assert "" not in model.states and model.states[DOC].phase == "indexing"


def test_the_notes_name_the_keys_as_the_user_remapped_them():
    _model, handler = fresh(keymap={"documents.index": "n", "documents.index_force": "ctrl+n"})
    cancelled = PartialState("summarize", 1, 2, "cancelled")
    handler.apply([JobUpdate(DOC, "started"), events.StructureFound(DOC, STRUCTURE, "toc")])
    entry = saved(2, partial=cancelled.to_dict())
    changes = handler.apply([partial_event(partial=cancelled), JobUpdate(DOC, "cancelled", entry=entry)])
    assert changes.notes == [
        "Cancelled a.pdf; kept what was done as a partial index (partial: 1/2 summaries): n resumes."
    ]
    changes = handler.apply([JobUpdate(DOC, "reused", entry=saved(2))])
    assert changes.notes == ["a.pdf is unchanged: its saved index is shown (ctrl+n re-indexes)."]


def test_a_finished_run_keeps_the_nodes_it_showed_and_takes_what_the_run_added():
    model, handler = fresh()
    handler.apply([JobUpdate(DOC, "started"), events.StructureFound(DOC, STRUCTURE, "toc")])
    shown = model.live[DOC]
    nodes = list(shown.nodes)  # built once, from the structure the run reported
    finished = Tree("a.pdf", "page", (TreeNode("One", 1, 2, "0000", "About one."), ONE_TWO[1]), "A report.")
    run = RunRecord("a.pdf", DOC, nodes=2, structure_source="toc")
    changes = handler.apply([events.DocumentFinished(DOC, "/s.json", "/r.json", finished, run)])
    assert changes.tree and model.live[DOC] is shown and shown.nodes == nodes  # not built again
    assert shown.nodes[0] is nodes[0] and shown.nodes[0].summary == "About one."
    assert shown.tree.description == "A report." and shown.run is run
    without_ids = Tree("a.pdf", "page", (TreeNode("One", 1, 2), TreeNode("Two", 3, 4)))  # if_add_node_id no
    handler.apply([events.DocumentFinished(DOC, "/s.json", "/r.json", without_ids, run)])
    assert model.live[DOC] is not shown and model.live[DOC].nodes[0].node_id == ""  # as written


def test_counts_are_said_in_words_one_or_many():
    """Issue 22, build 7: '1 call', '1 child', not '1 calls', '1 children'."""
    from pageindex_tui.cli.progress import calls_text
    from pageindex_tui.safe_text import counted

    assert [counted(n, "child", "children") for n in (0, 1, 2)] == ["0 children", "1 child", "2 children"]
    assert calls_text(1, 0) == "1 call" and calls_text(2, 1) == "2 calls, 1 cached"


def _stopped_run(model, handler, warning: str, error: str) -> None:
    handler.apply(
        [
            JobUpdate(DOC, "started"),
            events.StructureFound(DOC, STRUCTURE, "toc"),
            events.WarningEvent(DOC, warning, "overflow"),
            events.CallQueued(DOC, 1, "summarize 0001 Two", 10),
            events.CallStarted(DOC, 1, "summarize 0001 Two", 10),
            events.CallFinished(DOC, 1, "error", 10, error=error),
            partial_event(),
            JobUpdate(DOC, "partial", entry=saved(2, partial=PARTIAL.to_dict())),
        ]
    )


def test_a_resumed_run_keeps_the_stopped_runs_warnings_and_problems():
    """Issue 22, build 6: `L` and the ⚠ badge forgot the runs before a resume."""
    model, handler = fresh()
    _stopped_run(model, handler, "an overflow before the outage", "connection refused")
    state = model.states[DOC]
    assert state.warned == 1 and len(state.problems) == 1
    model.queued(DOC)  # i (or R) on the partial index: it resumes
    handler.apply([JobUpdate(DOC, "queued"), JobUpdate(DOC, "started")])
    handler.apply([events.WarningEvent(DOC, "an overflow after the resume", "overflow")])
    assert [w.message for w in state.warnings] == [
        "an overflow before the outage",
        "an overflow after the resume",
    ]
    assert state.warned == 2 and [p.error for p in state.problems] == ["connection refused"]
    assert state.badge()[1] == "indexing"


def test_a_forced_run_starts_its_log_afresh():
    model, handler = fresh()
    _stopped_run(model, handler, "an overflow before", "connection refused")
    model.queued(DOC, force=True)  # I: index again from the start
    handler.apply([JobUpdate(DOC, "started")])
    state = model.states[DOC]
    assert state.warnings == [] and state.problems == [] and state.warned == 0


def test_a_resumed_runs_tally_starts_with_the_stopped_runs_log():
    from pageindex_tui.store.records import MAX_PROBLEMS, CallProblem, RunWarning

    tally = events.CallTally()
    old = RunRecord(
        "a.pdf",
        DOC,
        warnings=[RunWarning("before", "overflow")],
        problems=[CallProblem("summarize", "retry", f"503 #{n}") for n in range(MAX_PROBLEMS)],
        problems_dropped=3,
    )
    tally.see(events.WarningEvent(DOC, "after", "other"))
    tally.carry(old)
    assert [w.message for w in tally.warnings] == ["before", "after"]
    assert len(tally.problems) == MAX_PROBLEMS and tally.problems_dropped == 3
    tally.see(events.CallQueued(DOC, 9, "summarize", 1))
    tally.see(events.CallFinished(DOC, 9, "error", 1, error="refused"))
    assert len(tally.problems) == MAX_PROBLEMS and tally.problems_dropped == 4


def test_calls_paused_for_the_server_make_a_paused_notice_and_their_return_takes_it_away():
    _model, handler = fresh()
    changes = handler.apply([events.ServerPaused("", 1_000.0, "connection refused")])
    notice = changes.banner
    assert notice is not None and notice.paused
    assert notice.message.startswith("paused: waiting for the server") and "connection refused" in notice.hint
    back = handler.apply([events.ServerResumed("", 30.0)])
    assert back.banner is None and back.banner_gone
    failed = handler.apply([events.DocumentFailed(DOC, "refused", "is it up?", "server")])
    assert failed.banner == ServerNotice("refused", "is it up?") and not failed.banner.paused
