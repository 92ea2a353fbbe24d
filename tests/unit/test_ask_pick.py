"""The pick step without bias (issue 23): no real node id in the prompts' examples, picks of several outline
parts merged by rank; and what an answer must say: cut at its token limit, or resting on no node read."""

from __future__ import annotations

import asyncio

import pytest
from askdocs import GOOD_ANSWER, make_harbor, prompts_of, scripted
from fakes import FakeVLLM, Script

from pageindex_tui import events
from pageindex_tui.ask import Asker, load_structure_file
from pageindex_tui.ask.outline import Handles, merge_ranked
from pageindex_tui.ask.prompts import answer, assess_reading, pick_nodes
from pageindex_tui.settings import Settings

QUESTION = "How much did dredging the outer channel cost?"


@pytest.fixture
def harbor(tmp_path):
    return load_structure_file(make_harbor(tmp_path))


def ask(fake, docs, question=QUESTION):
    seen: list[events.Event] = []
    settings = Settings(endpoint=fake.base_url, cache=False, max_retries=0)

    async def go():
        async with Asker(settings, sink=seen.append) as asker:
            return await asker.ask(docs, question)

    return asyncio.run(go()), seen


def test_the_prompts_example_id_is_no_node_of_the_documents(harbor, tmp_path):
    for docs in ([harbor], [harbor, load_structure_file(make_harbor(tmp_path / "again"))]):
        handles = Handles(docs)
        example = handles.example()
        assert handles.resolve(example) is None and example not in handles.refs
        assert example[-4:].isdigit()  # shaped like the ids the outline shows
        for messages in (
            pick_nodes("(outline)", QUESTION, 1, 1, example),
            assess_reading("(pages)", "(none)", QUESTION, example),
            answer("(pages)", QUESTION, example, "page"),
        ):
            shown = messages[-1]["content"]
            assert example in shown
            assert not any(f'"{handle}"' in shown or f"] {handle}," in shown for handle in handles.refs)


def test_the_pick_prompt_sent_names_no_real_node(harbor):
    with FakeVLLM(default=scripted(picks=['{"nodes": ["0004"]}'], answers=[GOOD_ANSWER])) as fake:
        ask(fake, [harbor])
        prompt = prompts_of(fake, "pick")[0]
    instruction = prompt.split("---", 1)[1]
    assert '"0000"' not in instruction and '["9999"]' in instruction


def test_picks_of_several_parts_are_merged_by_rank_not_by_order(harbor):
    refs = Handles([harbor]).refs
    first = [refs[h] for h in ("0000", "0001", "0002", "0003", "0005")]  # an early part: five picks
    later = [refs["0004"]]  # a later part: one, its best
    merged = merge_ranked([first, later], 5)
    assert refs["0004"] in merged and merged[:2] == [refs["0000"], refs["0004"]]
    assert merge_ranked([first, [refs["0000"]]], 3) == [refs["0000"], refs["0001"], refs["0002"]]
    assert merge_ranked([], 5) == []


def test_an_answer_cut_at_its_token_limit_is_flagged(harbor):
    cut = Script(answer=GOOD_ANSWER.split("Sources")[0] + "Sources:\n[1] 0004, pa", finish_reason="length")
    with FakeVLLM(default=scripted(picks=['{"nodes": ["0004"]}'], answers=[cut])) as fake:
        result, _seen = ask(fake, [harbor])
    assert result.cut and result.to_dict()["cut"] is True
    assert any("cut at its limit" in w for w in result.warnings)
    assert result.verified == 0  # the cut source line quotes nothing


def test_reading_no_node_is_a_warning(harbor):
    model = scripted(picks=['{"nodes": []}'], answers=["The text does not say."])
    with FakeVLLM(default=model) as fake:
        result, seen = ask(fake, [harbor], question="Whom did the zebra quartet thank?")
    assert result.nodes_read == []
    assert any(w.startswith("no node was read") for w in result.warnings)
    assert any(isinstance(e, events.WarningEvent) and "no node was read" in e.message for e in seen)
