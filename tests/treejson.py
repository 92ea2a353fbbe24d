"""A small PDF tree and a small Markdown tree with their PageIndex JSON: what both the codec
(`Tree.to_json`) and the engine's tree (`build_tree`, `assign_ids`, `frozen`) are expected to write."""

from pageindex_tui.tree import Tree, TreeNode

PDF = Tree(
    "report.pdf",
    "page",
    (
        TreeNode("A", 1, 2, "0000", "about A", nodes=(TreeNode("A.1", 2, 2, "0001"),)),
        TreeNode("B", 3, 4, "0002"),
    ),
)

PDF_STRUCTURE = [  # PDF's `structure`, keys in PageIndex's order
    {
        "title": "A",
        "node_id": "0000",
        "start_index": 1,
        "end_index": 2,
        "summary": "about A",
        "nodes": [{"title": "A.1", "node_id": "0001", "start_index": 2, "end_index": 2}],
    },
    {"title": "B", "node_id": "0002", "start_index": 3, "end_index": 4},
]

MARKDOWN = Tree(
    "notes",
    "line",
    (
        TreeNode("Top", 1, 9, "0000", "top", nodes=(TreeNode("Leaf", 3, 9, "0001", "leaf"),)),
        TreeNode("Next", 10, 12, "0002"),
    ),
    description="a note",
    size=12,
)

MARKDOWN_STRUCTURE = [  # MARKDOWN's `structure`: line numbers, a parent's summary as its prefix_summary
    {
        "title": "Top",
        "node_id": "0000",
        "line_num": 1,
        "prefix_summary": "top",
        "nodes": [{"title": "Leaf", "node_id": "0001", "line_num": 3, "summary": "leaf"}],
    },
    {"title": "Next", "node_id": "0002", "line_num": 10},
]
