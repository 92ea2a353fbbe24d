"""What crosses the ask engine's boundary: documents to search, nodes read, citations, the result."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..events import NodeRead
from ..tree import Tree, TreeNode, Unit


@dataclass
class AskDocument:
    """A document to search: its tree and, where its source is at hand, a reader of its text by unit.

    Every node of `tree` has an id (`Tree.numbered`): the model cites nodes by it. `read(first, last)`
    returns the text of units first..last, one string per unit. Without a source (`read` None) the
    engine answers from summaries, and citations cannot be checked against pages."""

    name: str
    path: str  # the structure file or library entry it came from, for messages
    tree: Tree
    size: int  # pages or lines in the document
    source: Path | None = None
    read: Callable[[int, int], list[str]] | None = None
    note: str = ""  # why there is no source, when there is none
    made_with: dict[str, Any] | None = None  # the tree settings of the saved index it is (None: not known)
    _depths: dict[str, int] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._depths = {node.node_id: depth for depth, node in self.tree.walk_depths()}

    @property
    def unit(self) -> Unit:
        return self.tree.unit

    def nodes(self) -> Iterator[TreeNode]:
        return self.tree.walk()

    def node(self, node_id: str) -> TreeNode | None:
        return next((n for n in self.nodes() if n.node_id == node_id), None)

    def depth(self, node: TreeNode) -> int:
        """How deep the node lies (0 = a top node)."""
        return self._depths.get(node.node_id, 0)


@dataclass(frozen=True)
class Citation:
    doc: str
    node_id: str
    pages: tuple[int, ...]
    quote: str = ""
    verified: bool = False
    problem: str = ""  # why it is not verified ("" when it is)
    marker: str = ""  # the answer's own label for it, such as "1"


@dataclass(frozen=True)
class NodePick:
    """A node the model chose to read (it may not have been read: a bound can stop the question first)."""

    doc: str
    node_id: str
    title: str


@dataclass
class AskResult:
    question: str
    answer: str
    citations: list[Citation]
    nodes_read: list[NodeRead]
    documents: list[str]
    rounds: int = 0
    calls: int = 0
    cached_calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    reasoning_tokens: int = 0
    seconds: float = 0.0
    warnings: list[str] = field(default_factory=list)
    verifiable: bool = True  # False when some document had no source text to check citations against
    cut: bool = False  # the answer ran into its token limit (finish_reason "length"): it may end mid-way
    picked: list[NodePick] = field(default_factory=list)  # the nodes the model chose, before reading
    stopped: str = ""  # "deadline" or "tokens": a bound ended the question early (ask/bounds.py)

    @property
    def verified(self) -> int:
        return sum(1 for c in self.citations if c.verified)

    @property
    def unverified(self) -> int:
        """Citation-like parts of the answer that are not verified citations."""
        return len(self.citations) - self.verified

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["verified_citations"] = self.verified
        out["unverified_citations"] = self.unverified
        return out
