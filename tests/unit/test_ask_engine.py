"""The ask loop against the fake vLLM with a scripted model: picks, rounds, every kind of bad reply."""

from __future__ import annotations

import asyncio
import json

import pytest
from askdocs import GOOD_ANSWER, make_harbor, prompts_of, scripted, shown_pages
from fakes import FakeVLLM, Script

from pageindex_tui import events
from pageindex_tui.ask import Asker, AskOptions, load_structure_file
from pageindex_tui.ask.documents import build_document
from pageindex_tui.errors import ServerUnavailable
from pageindex_tui.local.server import free_port
from pageindex_tui.settings import Settings
from pageindex_tui.tree import Tree

QUESTION = "How much did dredging the outer channel cost?"


def run_ask(fake, docs, question=QUESTION, options=None, **settings):
    seen: list[events.Event] = []
    conf = Settings(**({"endpoint": fake.base_url, "cache": False, "max_retries": 0} | settings))

    async def go():
        async with Asker(conf, sink=seen.append, options=options) as asker:
            return await asker.ask(docs, question)

    return asyncio.run(go()), seen


@pytest.fixture
def harbor(tmp_path):
    return load_structure_file(make_harbor(tmp_path))


def test_pick_read_answer_verified(harbor):
    model = scripted(picks=['{"nodes": ["0004"]}'], answers=[GOOD_ANSWER])
    with FakeVLLM(default=model) as fake:
        result, seen = run_ask(fake, [harbor])
        answer_prompt = prompts_of(fake, "answer")[0]
    assert result.answer == "Dredging the outer channel cost 9 million euros [1]."
    assert [(c.node_id, c.pages, c.verified) for c in result.citations] == [("0004", (5,), True)]
    assert [(r.node_id, r.pages) for r in result.nodes_read] == [("0004", (5,))]
    assert shown_pages(answer_prompt) == [5]
    assert result.calls == 3 and result.rounds == 1 and result.verifiable  # pick, assess, answer
    assert result.prompt_tokens > 0 and result.completion_tokens > 0
    prose = "".join(e.text for e in seen if isinstance(e, events.AskAnswerDelta))
    assert prose.strip() == result.answer and "Sources" not in prose
    assert any(isinstance(e, events.ReasoningDelta) for e in seen)
    assert isinstance(seen[0], events.AskStarted) and isinstance(seen[-1], events.AskFinished)
    assert json.loads(json.dumps(result.to_dict()))["verified_citations"] == 1


def test_the_model_asks_for_more_in_a_second_round(harbor):
    model = scripted(
        picks=['{"nodes": ["0001"]}'],
        assess=['{"enough": false, "more": ["0004"]}', '{"enough": true}'],
        answers=[GOOD_ANSWER],
    )
    with FakeVLLM(default=model) as fake:
        result, seen = run_ask(fake, [harbor], options=AskOptions(max_rounds=3))
        assess = prompts_of(fake, "assess")
    assert [(r.node_id, r.round) for r in result.nodes_read] == [("0001", 1), ("0004", 2)]
    assert result.rounds == 2 and result.citations[0].verified
    assert len(assess) == 2 and "[0004] 2.1 Dredging" in assess[0]  # unread nodes are listed
    assert "[0001]" not in assess[1].split("Sections not read yet:")[1]
    steps = [(e.step, e.round) for e in seen if isinstance(e, events.AskProgress)]
    assert ("read", 2) in steps and ("assess", 2) in steps
    read = [(e.round, [r.node_id for r in e.reads]) for e in seen if isinstance(e, events.AskRead)]
    assert read == [(1, ["0001"]), (2, ["0004"])]  # each round's nodes as they are read, for marking


def test_rounds_stop_at_the_limit(harbor):
    model = scripted(
        picks=['{"nodes": ["0000"]}'], assess=['{"enough": false, "more": ["0001"]}'], answers=[GOOD_ANSWER]
    )
    with FakeVLLM(default=model) as fake:
        result, _ = run_ask(fake, [harbor], options=AskOptions(max_rounds=2))
        assert len(prompts_of(fake, "assess")) == 1
    assert result.rounds == 2 and [r.node_id for r in result.nodes_read] == ["0000", "0001"]
    # the answer cites page 5, which was not read in either round: retried once, then kept unverified
    assert not result.citations[0].verified and result.citations[0].problem == "page 5 was not read"


def test_unknown_ids_and_garbage_are_retried_with_the_error_shown(harbor):
    model = scripted(
        picks=['{"nodes": ["0099"]}', "Sure, I would read the dredging part!", '{"nodes": ["4"]}'],
        answers=[GOOD_ANSWER],
    )
    with FakeVLLM(default=model) as fake:
        result, _ = run_ask(fake, [harbor])
        pick_bodies = [b for b in fake.requests if "Which sections" in b["messages"][1]["content"]]
    assert len(pick_bodies) == 3
    assert "there is no section '0099'" in pick_bodies[1]["messages"][-1]["content"]
    assert "no JSON" in pick_bodies[2]["messages"][-1]["content"]
    assert [r.node_id for r in result.nodes_read] == ["0004"]  # "4" is read as 0004
    assert result.citations[0].verified


def test_picks_that_stay_bad_fall_back_to_the_closest_titles(harbor):
    model = scripted(picks=["not json at all"], answers=[GOOD_ANSWER])
    with FakeVLLM(default=model) as fake:
        result, _ = run_ask(fake, [harbor])
        assert len(prompts_of(fake, "answer")) == 1
    assert result.nodes_read[0].node_id == "0004"  # "Dredging", "outer", "channel", "cost"
    assert any("closest to the question" in w for w in result.warnings)


def test_a_partly_valid_pick_keeps_its_valid_ids(harbor):
    model = scripted(picks=['{"nodes": ["0004", "0042"]}'], answers=[GOOD_ANSWER])
    with FakeVLLM(default=model) as fake:
        result, _ = run_ask(fake, [harbor])
    assert [r.node_id for r in result.nodes_read] == ["0004"]
    assert any("kept the valid ids" in w for w in result.warnings)


def test_a_citation_of_an_unread_page_is_written_again(harbor):
    bad = 'The cost was 9 million euros [1].\n\nSources:\n[1] 0004, page 2: "9 million euros"'
    model = scripted(picks=['{"nodes": ["0004"]}'], answers=[bad, GOOD_ANSWER])
    with FakeVLLM(default=model) as fake:
        result, seen = run_ask(fake, [harbor])
        answers = [
            b for b in fake.requests if "Question:" in b["messages"][1]["content"] and len(b["messages"]) > 2
        ]
    assert result.citations[0].verified and result.citations[0].pages == (5,)
    retries = [e for e in seen if isinstance(e, events.AskAnswerRetry)]
    assert len(retries) == 1 and "page 2 was not read" in retries[0].reason
    assert "page 2 was not read" in answers[0]["messages"][-1]["content"]  # the feedback names the problem


def test_citations_that_stay_bad_are_kept_and_marked(harbor):
    bad = (
        "Dredging cost 9 million euros [1], ferries come in 2026 [2] and [3].\n\nSources:\n"
        '[1] 0004, page 5: "the outer channel cost 9 million euros"\n'
        '[2] 0005, page 6: "ferries"\n[3] 0777, page 1: "x"'
    )
    model = scripted(picks=['{"nodes": ["0004"]}'], answers=[bad])
    with FakeVLLM(default=model) as fake:
        result, _ = run_ask(fake, [harbor])
        assert len(prompts_of(fake, "answer")) == 2
    checked = [(c.marker, c.verified, c.problem) for c in result.citations]
    assert checked == [
        ("1", True, ""),
        ("2", False, "page 6 was not read"),
        ("3", False, "no such node"),
    ]
    assert any("unverified citations" in w for w in result.warnings)


def test_a_quote_not_on_the_page_is_unverified(harbor):
    answer = 'It cost a lot [1].\n\nSources:\n[1] 0004, page 5: "the harbor was closed for a year"'
    model = scripted(picks=['{"nodes": ["0003"]}'], answers=[answer])
    with FakeVLLM(default=model) as fake:
        result, _ = run_ask(fake, [harbor])
    citation = result.citations[0]
    assert not citation.verified and "not found" in citation.problem


def test_a_quote_on_another_read_page_says_where(harbor):
    answer = (
        'Revenue was 52 million [1].\n\nSources:\n[1] 0003, page 5: "Harbor revenue was 52 million euros"'
    )
    model = scripted(picks=['{"nodes": ["0003"]}'], answers=[answer])
    with FakeVLLM(default=model) as fake:
        result, _ = run_ask(fake, [harbor])
    assert result.citations[0].problem == "the quoted words are on page 4, not on the cited page"


def test_a_structure_without_source_answers_from_summaries(tmp_path):
    doc = load_structure_file(make_harbor(tmp_path, with_source=False))
    model = scripted(
        picks=['{"nodes": ["0004"]}'], answers=['About dredging [1].\n\nSources:\n[1] 0004, page 5: "Cost"']
    )
    with FakeVLLM(default=model) as fake:
        result, _ = run_ask(fake, [doc])
        answer_prompt = prompts_of(fake, "answer")[0]
    assert "Cost and duration of dredging" in answer_prompt and "<page" not in answer_prompt
    assert not result.verifiable and not result.citations[0].verified
    assert "cannot be checked" in result.citations[0].problem
    assert any("not beside it" in w for w in result.warnings)


def test_two_documents_are_told_apart(tmp_path):
    first = load_structure_file(make_harbor(tmp_path / "a"))
    second = load_structure_file(make_harbor(tmp_path / "b"))
    answer = 'Cost [1].\n\nSources:\n[1] 2:0004, page 5: "outer channel cost 9 million"'
    model = scripted(picks=['{"nodes": ["2:0004"]}'], answers=[answer])
    with FakeVLLM(default=model) as fake:
        result, _ = run_ask(fake, [first, second])
        pick = prompts_of(fake, "pick")[0]
    assert "[1:0004] 2.1 Dredging" in pick and "[2:0004] 2.1 Dredging" in pick
    assert result.citations[0].verified and len(result.documents) == 2


def test_a_large_tree_is_paged_to_fit_the_context(tmp_path):
    items = [
        {"title": f"Section {n} on topic {n}", "node_id": f"{n:04d}", "start_index": 1, "end_index": 1}
        | {"summary": "words " * 40}
        for n in range(300)
    ]
    doc = build_document(
        Tree.from_json({"doc_name": "big.pdf", "structure": items}), "big_structure.json", None
    )
    model = scripted(picks=['{"nodes": []}', '{"nodes": ["0250"]}'], answers=["Not in the text."])
    with FakeVLLM(default=model, max_model_len=6000, tokenize=False) as fake:
        result, _ = run_ask(fake, [doc], question="What does section 250 say?", max_output_tokens=512)
        picks = prompts_of(fake, "pick")
    assert len(picks) > 2 and all("part " in p for p in picks)
    assert "[0250]" in next(p for p in picks if "[0250]" in p)
    assert "0250" in [r.node_id for r in result.nodes_read]
    assert result.answer == "Not in the text." and result.citations == []


def test_markdown_sections_are_cited_by_lines(tmp_path):
    source = tmp_path / "guide.md"
    source.write_text(
        "# Guide\n\nIntro.\n\n## Ports\n\nThe ferry port opens at six.\n\n## Fees\n\nFees are low.\n"
    )
    tree = {
        "doc_name": "guide",
        "line_count": 12,
        "structure": [
            {
                "title": "Guide",
                "node_id": "0000",
                "line_num": 1,
                "nodes": [
                    {"title": "Ports", "node_id": "0001", "line_num": 5},
                    {"title": "Fees", "node_id": "0002", "line_num": 9},
                ],
            }
        ],
    }
    (tmp_path / "guide_structure.json").write_text(json.dumps(tree))
    doc = load_structure_file(tmp_path / "guide_structure.json")
    assert doc.unit == "line" and [(n.start, n.end) for n in doc.nodes()] == [(1, 12), (5, 8), (9, 12)]
    answer = 'At six [1].\n\nSources:\n[1] 0001, the section: "The ferry port opens at six"'
    model = scripted(picks=['{"nodes": ["0001"]}'], answers=[answer])
    with FakeVLLM(default=model) as fake:
        result, _ = run_ask(fake, [doc], question="When does the ferry port open?")
    assert result.citations[0].verified and result.citations[0].pages == (7,)  # the line quoted


def test_reasoning_streams_and_thinking_follows_the_settings(harbor):
    model = scripted(picks=['{"nodes": ["0004"]}'], answers=[GOOD_ANSWER])
    with FakeVLLM(default=model) as fake:
        _, seen = run_ask(fake, [harbor], thinking=False)
        kwargs = [b["chat_template_kwargs"] for b in fake.requests]
    assert all(k == {"enable_thinking": False} for k in kwargs)
    assert not any(isinstance(e, events.ReasoningDelta) for e in seen)


def test_a_stream_that_breaks_during_the_answer_starts_the_prose_again(harbor):
    broken = Script(answer=GOOD_ANSWER, close_mid_stream=True)
    model = scripted(picks=['{"nodes": ["0004"]}'], answers=[broken, GOOD_ANSWER])
    with FakeVLLM(default=model, chunk=12) as fake:
        result, seen = run_ask(fake, [harbor], max_retries=2, thinking=False)
    assert result.citations[0].verified
    after = [e for e in seen if isinstance(e, (events.AskAnswerRetry, events.AskAnswerDelta))]
    restarts = [i for i, e in enumerate(after) if isinstance(e, events.AskAnswerRetry)]
    assert len(restarts) == 1 and restarts[0] > 0  # some prose had been shown before the break
    assert "".join(e.text for e in after[restarts[0] + 1 :]).strip() == result.answer


def test_server_down_raises_a_clear_error(harbor):
    conf = Settings(endpoint=f"http://127.0.0.1:{free_port()}/v1", max_retries=0, cache=False)

    async def go():
        async with Asker(conf) as asker:
            await asker.ask([harbor], QUESTION)

    with pytest.raises(ServerUnavailable):
        asyncio.run(go())
