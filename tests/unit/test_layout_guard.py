"""The bounds on the model's say over unsure layout headings (index/layout_guard.py)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from pageindex_tui.index.heading import Candidate
from pageindex_tui.index.layout import ASK, KEEP
from pageindex_tui.index.layout_guard import (
    Verdicts,
    judge,
    line_for_model,
    open_to_model,
    reason_holds,
    repeats,
)
from pageindex_tui.index.shapes import HeadingsCheck


def cand(title: str, confidence: float = 0.6, page: int = 1, context: str = "", **cues) -> Candidate:
    return Candidate(title, page, 0, confidence, 10.5, True, "", context, **cues)


KEPT = (KEEP + 0.1, "rules keep it")
OPEN = (ASK + 0.05, "rules drop it")


def test_a_yes_keeps_a_heading_the_rules_would_drop_and_marks_it_confirmed():
    cands = [cand("Growth Rates", OPEN[0]), cand("Seasonal Patterns", KEPT[0])]
    out = judge(cands, [0, 1], [Verdicts(frozenset({0, 1}))])
    assert out.accepted == {0, 1} and out.confirmed == {0, 1} and out.lifted == 1 and out.dropped == 0


def test_a_yes_to_every_line_lifts_none():
    cands = [cand(f"Line {k}", OPEN[0] if k % 2 else KEPT[0]) for k in range(6)]
    out = judge(cands, list(range(6)), [Verdicts(frozenset(range(6)))])
    assert out.undiscerning and out.accepted == {0, 2, 4} and out.lifted == 0


def test_a_yes_does_not_lift_a_line_the_rules_see_is_a_table_row_or_a_sentence():
    cands = [cand("Total 1,204 3,118", OPEN[0]), cand("we dried them", OPEN[0]), cand("Outlook", OPEN[0])]
    out = judge(cands, [0, 1, 2], [Verdicts(frozenset({0, 1, 2}))])
    assert out.accepted == {2} and out.lifted == 1


def test_silence_leaves_the_rules_decision():
    cands = [cand("Growth Rates", OPEN[0]), cand("Seasonal Patterns", KEPT[0])]
    assert judge(cands, [0, 1], [Verdicts(frozenset())]).accepted == {1}
    assert judge(cands, [0, 1], [None]).accepted == {1}  # no usable reply


def test_a_rejection_drops_a_kept_heading_only_for_a_reason_the_rules_can_see():
    cands = [
        cand("Seasonal Patterns", KEPT[0]),
        cand("2019 2020 2021", KEPT[0]),
        cand("Figure 3 Growth by site", KEPT[0]),
        cand("Methods", KEPT[0]),
        cand("Results", KEPT[0]),
        cand("Discussion", KEPT[0]),
        cand("Outlook", KEPT[0]),
    ]
    no = {0: "sentence", 1: "table", 2: "caption", 3: "other"}
    out = judge(cands, list(range(7)), [Verdicts(frozenset(), no)])  # type: ignore[arg-type]
    assert out.accepted == {0, 3, 4, 5, 6}
    assert (out.dropped, out.refused) == (2, 2) and out.reasons == {"table": 1, "caption": 1}


def test_a_model_that_drops_more_than_half_of_the_rules_keeps_is_set_aside():
    cands = [cand(f"Ledger {k}. Totals carried.", KEPT[0], page=k) for k in range(6)]  # all "sentences"
    no = dict.fromkeys(range(6), "sentence")
    out = judge(cands, list(range(6)), [Verdicts(frozenset(), no)])  # type: ignore[arg-type]
    assert out.distrusted and out.accepted == set(range(6)) and not out.confirmed


def test_a_line_said_both_ways_is_left_to_the_rules():
    reply = HeadingsCheck.model_validate(
        {"headings": [1, 2], "not_headings": [{"line": 2, "reason": "table"}]}, context={"lines": 2}
    )
    verdicts = Verdicts.from_reply(reply, [7, 9])
    assert verdicts.yes == {7} and verdicts.no == {}


@pytest.mark.parametrize(
    ("reason", "title", "cues", "holds"),
    [
        ("table", "Total 1,204 3,118", {}, True),
        ("table", "Revenue", {"context": "2019 2020 2021 2022"}, True),
        ("table", "Revenue", {"grid": True}, True),
        ("table", "Revenue", {}, False),
        ("caption", "Table 4: Mean growth", {}, True),
        ("caption", "Tables of Results", {}, False),
        ("sentence", "the samples were dried", {}, True),
        ("sentence", "We dried the samples.", {}, True),
        ("sentence", "3. Results", {}, False),
        ("code", "MAX_BUFFER_SIZE", {}, True),
        ("code", "Installing", {"mono": True}, True),
        ("code", "Installing the Tools", {}, False),
        ("list", "\u2022 First point", {}, True),
        ("contact", "press@example.com", {}, True),
        ("contact", "Investor Relations", {}, False),
        ("other", "Anything", {}, False),
    ],
)
def test_each_reason_is_checked_on_the_candidate(reason, title, cues, holds):
    c = cand(title, **cues)
    assert reason_holds(reason, c, repeats([c])) is holds


def test_a_running_head_is_a_title_repeated_on_several_pages():
    cands = [cand(f"Annual Report 2023 | {k}", page=k) for k in range(1, 5)] + [cand("Outlook", page=2)]
    seen = repeats(cands)
    assert reason_holds("running", cands[0], seen) and not reason_holds("running", cands[-1], seen)


def test_the_model_is_told_the_typography_of_each_line():
    c = cand("2.1 OVERVIEW", italic=True, underlined=True, mono=True, lines=2, grid=True, context="Body.")
    line = line_for_model(3, c, 10.5)
    assert line.startswith("3. page 1; 1.00x body size, bold, capitals, italic, underlined, fixed-pitch")
    assert "joined from 2 printed lines" in line and "among table cells" in line and "numbered 2.1" in line
    assert line.endswith("line: '2.1 OVERVIEW'; next line: 'Body.'")


def test_the_reply_shape_reads_reasons_leniently_and_checks_line_numbers():
    reply = HeadingsCheck.model_validate(
        {"headings": [1], "not_headings": [{"line": 2, "reason": " Table "}, {"line": 3, "reason": "?"}]},
        context={"lines": 3},
    )
    assert [(r.line, r.reason) for r in reply.not_headings] == [(2, "table"), (3, "other")]
    assert HeadingsCheck.model_validate({"headings": []}).not_headings == []
    with pytest.raises(ValidationError, match="line numbers 1 to 3"):
        HeadingsCheck.model_validate({"headings": [], "not_headings": [{"line": 4}]}, context={"lines": 3})


def test_the_model_sees_the_opening_of_the_next_line_without_leaders():
    body = "In addition to historical information, this report contains forward-looking statements"
    line = line_for_model(1, cand("Forward-Looking Statements", context=body), 10.5)
    assert line.endswith("next line: 'In addition to historical information, this report contains\u2026'")
    leaders = line_for_model(2, cand("PART I", context="Item 1. Business .................. 3"), 10.5)
    assert leaders.endswith("next line: 'Item 1. Business 3'")


def test_only_the_lines_whose_fate_the_model_can_change_are_put_to_it():
    cands = [
        cand("Seasonal Patterns", KEPT[0]),  # kept, nothing against it: no answer drops it
        cand("Total 1,204 3,118", KEPT[0]),  # kept, a table row to the rules: a "table" drops it
        cand("Growth Rates", OPEN[0]),  # dropped, nothing against it: a yes lifts it
        cand("we dried them", OPEN[0]),  # dropped, a sentence to the rules: no yes lifts it
    ]
    assert open_to_model(cands, [0, 1, 2, 3]) == [1, 2]
    assert open_to_model(cands, [0, 3]) == []


def test_a_yes_to_every_line_shown_is_judged_over_the_lines_shown():
    words = ["Growth", "Seasons", "Methods", "Outlook", "Samples"]
    cands = [cand(w, OPEN[0]) for w in words] + [cand(f"Kept {w}", KEPT[0]) for w in words]
    unsure, yes = list(range(10)), [Verdicts(frozenset(range(5)))]
    out = judge(cands, unsure, yes, shown=list(range(5)))  # a yes to all five lines shown
    assert out.undiscerning and out.accepted == set(range(5, 10))
    assert judge(cands, unsure, yes).accepted == set(range(10))  # half of ten: each yes lifts
