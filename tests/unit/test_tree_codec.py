"""The one PageIndex JSON codec: `Tree.to_json` / `Tree.from_json`."""

import json

import pytest
from treejson import MARKDOWN, MARKDOWN_STRUCTURE, PDF, PDF_STRUCTURE

from pageindex_tui.tree import MAX_DEPTH, Tree, TreeFormatError


def test_a_pdf_tree_is_written_in_pageindex_order_and_read_back_the_same():
    data = PDF.to_json()
    assert list(data) == ["doc_name", "structure"]
    assert data["structure"][0] == PDF_STRUCTURE[0]
    assert list(data["structure"][0]) == ["title", "node_id", "start_index", "end_index", "summary", "nodes"]
    assert Tree.from_json(json.loads(json.dumps(data))) == PDF


def test_a_markdown_tree_writes_line_numbers_and_its_ends_come_back_from_the_next_node():
    tree = MARKDOWN
    data = tree.to_json()
    assert list(data) == ["doc_name", "doc_description", "line_count", "structure"]
    assert data["structure"][0] == MARKDOWN_STRUCTURE[0]
    assert Tree.from_json(data) == tree


def test_the_kind_is_read_from_the_json_alone():
    assert Tree.from_json({"structure": [{"title": "a", "start_index": 1}]}).unit == "page"
    assert (
        Tree.from_json({"structure": [{"title": "a", "line_num": 1, "nodes": [{"line_num": 4}]}]}).unit
        == "line"
    )
    assert Tree.from_json({"line_count": 3, "structure": []}).unit == "line"


def test_node_ids_and_a_partial_note_are_written_only_when_asked():
    data = PDF.to_json(partial="summaries 1/3", node_ids=False)
    assert list(data) == ["doc_name", "partial", "structure"]
    assert "node_id" not in json.dumps(data)


def test_an_end_before_its_start_reads_as_the_start_and_unknown_keys_are_ignored():
    data = {"structure": [{"title": "B", "start_index": 5, "end_index": 2, "physical_index": "x"}]}
    assert [(n.start, n.end) for n in Tree.from_json(data).nodes] == [(5, 5)]


def _deep(levels: int) -> dict:
    node: dict = {"title": "leaf", "start_index": 1}
    for _ in range(levels - 1):
        node = {"title": "t", "start_index": 1, "nodes": [node]}
    return {"structure": [node]}


@pytest.mark.parametrize(
    ("structure", "field", "problem"),
    [
        (["not a node"], "structure[0]", "should be an object"),
        ([{"title": "A", "start_index": [1]}], "structure[0].start_index", "whole number"),
        ([{"title": "A", "start_index": float("inf")}], "structure[0].start_index", "whole number"),
        ([{"title": "A", "start_index": 0}], "structure[0].start_index", "between 1 and"),
        ([{"title": "A", "start_index": True}], "structure[0].start_index", "whole number"),
        ([{"title": "A"}], "structure[0]", 'no "start_index"'),
        ([{"title": "A", "start_index": 1, "nodes": "many"}], "structure[0].nodes", "should be a list"),
        ([{"title": "A", "start_index": 1, "summary": 3}], "structure[0].summary", "should be a string"),
        ([{"title": 7, "start_index": 1}], "structure[0].title", "should be a string"),
        ([{"title": "A", "line_num": "x"}], "structure[0].line_num", "whole number"),
    ],
)
def test_a_value_no_tree_holds_is_refused_naming_the_field(structure, field, problem):
    with pytest.raises(TreeFormatError, match=problem) as caught:
        Tree.from_json({"doc_name": "x.pdf", "structure": structure})
    assert caught.value.field == field and field in str(caught.value)


def test_nesting_is_bounded_and_integral_floats_are_whole_numbers():
    assert Tree.from_json(_deep(MAX_DEPTH)).count() == MAX_DEPTH
    with pytest.raises(TreeFormatError, match=f"deeper than {MAX_DEPTH}"):
        Tree.from_json(_deep(600))
    assert Tree.from_json({"structure": [{"title": "a", "start_index": 2.0}]}).nodes[0].start == 2
    with pytest.raises(TreeFormatError, match="doc_name"):
        Tree.from_json({"doc_name": ["x"], "structure": []})


@pytest.mark.parametrize("data", [[], {"doc_name": "x"}, {"structure": {}}])
def test_json_without_a_structure_list_is_refused_with_a_plain_reason(data):
    with pytest.raises(TreeFormatError, match="no PageIndex tree"):
        Tree.from_json(data)


def test_numbered_fills_missing_ids_in_document_order_and_sized_redraws_markdown_ends():
    tree = Tree.from_json(
        {"structure": [{"title": "a", "line_num": 1, "nodes": [{"title": "b", "line_num": 2}]}]}
    )
    assert [n.node_id for n in tree.numbered().walk()] == ["0000", "0001"]
    assert [(n.start, n.end) for n in tree.walk()] == [(1, 2), (2, 2)]  # no line count: to the last heading
    assert [(n.start, n.end) for n in tree.sized(7).walk()] == [(1, 7), (2, 7)]
    assert [(d, n.title) for d, n in tree.walk_depths()] == [(0, "a"), (1, "b")]
