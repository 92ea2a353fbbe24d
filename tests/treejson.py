"""A small PDF tree and its PageIndex JSON: what both the codec (`Tree.to_json`) and the engine's tree
(`build_tree`, `assign_ids`, `frozen`) are expected to write for it."""

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
