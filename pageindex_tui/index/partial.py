"""Partial indexes: what a run keeps when it stops after its structure is known, and how a later run goes on.

A run whose model server fails, or that is cancelled, during the summaries or the description still has
a tree: it is written (atomically) as `<stem>_structure.partial.json` and `<stem>_run.partial.json`, the
run record's `partial` saying how far it got and why. Names of their own keep such files from being taken
for a finished index by anything that reads `<stem>_structure.json`. A later run of the same content with
the same tree-shaping settings takes the tree and its summaries from them (`Resume`) and does only what
is missing.

A PDF whose sections only the model can find (no outline, no printed contents, too few headings in its
layout) while the model cannot be reached gets page groups for a tree, kept as a partial index whose
stage is "structure": browsable and searchable now, indexed afresh by the next run (its page groups are
not a structure to go on from).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .. import checked
from ..errors import DamagedFile
from ..store.records import PartialStage, PartialState, RunRecord, StopReason
from ..tree import Tree
from .tree import Node, assign_ids, thawed, walk

PARTIAL_SUFFIX = ".partial.json"


def partial_paths(outputs: tuple[Path, Path]) -> tuple[Path, Path]:
    """The partial index's two files, beside the finished ones: `x_structure.partial.json`, ..."""
    structure, run = (p.with_name(p.name.removesuffix(".json") + PARTIAL_SUFFIX) for p in outputs)
    return structure, run


def partial_state(
    nodes: list[Node], summaries: bool, reason: StopReason, error: str = "", hint: str = ""
) -> PartialState:
    """How far a run got: the summaries finished of those wanted, or only the description left."""
    every = list(walk(nodes))
    done = sum(1 for n in every if n.summary is not None)
    stage: PartialStage = "summarize" if summaries and done < len(every) else "describe"
    return PartialState(stage, done, len(every) if summaries else 0, reason, error, hint)


@dataclass
class Resume:
    """A partial index to go on from: its tree (with the summaries it has) and its run record."""

    nodes: list[Node]
    run: RunRecord
    description: str | None = None

    @property
    def partial(self) -> PartialState:
        return self.run.partial or PartialState("summarize", 0, 0, "server")

    def fits(self, size: int) -> bool:
        """The tree is a structure to go on from (not page groups standing in for one) and lies inside a
        document of `size` pages (or lines): else it is not this document's."""
        if self.partial.awaits_model:
            return False
        return bool(self.nodes) and all(1 <= n.start <= n.end <= size for n in walk(self.nodes))


def read_resume(structure_path: Path, run_path: Path) -> Resume | None:
    """The partial index in these files, or None when they cannot be read or hold no tree."""
    try:
        tree = checked.read_json(Path(structure_path), Tree.from_json)
        run = checked.read_json(Path(run_path), RunRecord.from_dict)
    except (OSError, DamagedFile):
        return None
    if run.partial is None:
        return None
    nodes = thawed(tree.nodes)
    assign_ids(nodes)  # the ids the run gave them (also when the file leaves them out)
    origins = {o.node_id: o for o in run.origins.nodes}
    for node in walk(nodes):
        node.text = None
        origin = origins.get(node.node_id)
        if origin is not None:
            node.source, node.confidence = origin.source, origin.confidence
    return Resume(nodes, run, tree.description)
