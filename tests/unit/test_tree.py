from treejson import MARKDOWN_STRUCTURE, PDF_STRUCTURE

from pageindex_tui.index.tree import (
    Entry,
    Node,
    assign_ids,
    build_tree,
    count,
    depth,
    frozen,
    normalize_levels,
    thawed,
)
from pageindex_tui.tree import nodes_json


def test_build_tree_nests_by_level_and_ends_before_next_section():
    entries = [
        Entry("1 Intro", 0, 1),
        Entry("2 Methods", 0, 4),
        Entry("2.1 Data", 1, 4),
        Entry("2.2 Analysis", 1, 6),
        Entry("3 Results", 0, 9),
    ]
    nodes = build_tree(entries, last=12)
    assert [(n.title, n.start, n.end) for n in nodes] == [
        ("1 Intro", 1, 3),
        ("2 Methods", 4, 8),
        ("3 Results", 9, 12),
    ]
    assert [(n.title, n.start, n.end) for n in nodes[1].nodes] == [("2.1 Data", 4, 5), ("2.2 Analysis", 6, 8)]
    assert count(nodes) == 5 and depth(nodes) == 2


def test_shared_page_when_next_title_does_not_open_its_page():
    entries = [Entry("A", 0, 1), Entry("B", 0, 3)]
    nodes = build_tree(entries, last=5, starts_at_top=lambda e: False)
    assert (nodes[0].start, nodes[0].end) == (1, 3)


def test_end_never_before_start_and_never_past_last_page():
    entries = [Entry("A", 0, 2), Entry("B", 0, 2), Entry("C", 0, 9)]
    nodes = build_tree(entries, last=7)
    for node in nodes:
        assert 1 <= node.start <= node.end <= 9
    assert nodes[-1].end == 9  # a section that starts past the end keeps its own page


def test_levels_never_jump_more_than_one():
    fixed = normalize_levels([Entry("a", 2, 1), Entry("b", 3, 2), Entry("c", 0, 3), Entry("d", 4, 4)])
    assert [e.level for e in fixed] == [0, 1, 0, 1]


def test_ids_are_preorder_and_pageindex_json_round_trips():
    nodes = build_tree([Entry("A", 0, 1), Entry("A.1", 1, 2), Entry("B", 0, 3)], last=4)
    assign_ids(nodes)
    nodes[0].summary = "about A"
    data = nodes_json(frozen(nodes), "page")
    assert data == PDF_STRUCTURE
    assert list(data[0]) == ["title", "node_id", "start_index", "end_index", "summary", "nodes"]
    assert nodes_json(frozen(thawed(frozen(nodes))), "page") == data


def test_markdown_json_uses_line_num_and_prefix_summary():
    parent = Node("Top", 1, 10, nodes=[Node("Leaf", 3, 10, summary="leaf")], summary="top")
    assign_ids([parent])
    data = nodes_json(frozen([parent]), "line")
    assert data == MARKDOWN_STRUCTURE[:1]


def test_node_ids_can_be_left_out():
    nodes = [Node("A", 1, 1)]
    assign_ids(nodes)
    assert "node_id" not in nodes_json(frozen(nodes, ids=False), "page")[0]
    assert "node_id" not in nodes_json(frozen(nodes), "page", node_ids=False)[0]
