"""Our structure without a model against PageIndex's Flash mode, on the same PDFs in one run.

    python benchmarks/structure_vs_flash.py                      # sample_docs/ and the generated set
    python benchmarks/structure_vs_flash.py ~/pdfs --no-generated
    python benchmarks/structure_vs_flash.py --flash-python /path/to/venv/bin/python

Flash runs in its own virtual environment (`python -m venv benchmarks/.peer-venv &&
benchmarks/.peer-venv/bin/pip install pageindex`); it is never our dependency. Without it the Flash
columns read "-".

Ground truth: the generated PDFs carry theirs; a PDF with an outline has it removed and both tools
read the copy without it, scored against the outline that was removed. Others have no truth; the
agreement column still compares the two trees.

Prints per document: sections found, recall and precision of (title, start page), agreement
(the share of the larger tree's sections the other also found), seconds. Our run has no model
server and summaries off: the outline, contents and layout stages only.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

import scoring  # noqa: E402  (the tests' scorer)
from pypdf import PdfReader, PdfWriter  # noqa: E402

from pageindex_tui.index.pipeline import Indexer, find_documents  # noqa: E402
from pageindex_tui.local.server import free_port  # noqa: E402
from pageindex_tui.settings import Settings  # noqa: E402
from pageindex_tui.store.cache import ResponseCache  # noqa: E402

PEER = ROOT / "benchmarks" / ".peer-venv" / "bin" / "python"
FLASH_RUNNER = """
import json, sys, time
from pageindex.flash import page_index_flash
started = time.perf_counter()
result = page_index_flash(sys.argv[1], summary=False, optimize=False)
print(json.dumps({"seconds": time.perf_counter() - started, "structure": result.get("structure", [])}))
"""


def outline_truth(path: Path) -> list[scoring.Heading]:
    reader = PdfReader(path)
    out: list[scoring.Heading] = []

    def walk(items, level):
        for item in items:
            if isinstance(item, list):
                walk(item, level + 1)
                continue
            try:
                page = reader.get_destination_page_number(item)
            except Exception:
                continue
            if page is not None:
                out.append((str(item.title), page + 1, level))

    walk(reader.outline, 0)
    return out


def without_outline(path: Path, folder: Path) -> Path:
    writer = PdfWriter(clone_from=path)
    writer._root_object.pop("/Outlines", None)
    target = folder / f"{path.stem}.no-outline.pdf"
    buffer = io.BytesIO()
    writer.write(buffer)
    target.write_bytes(buffer.getvalue())
    return target


def ours(path: Path, out: Path) -> tuple[list[scoring.Heading], float, str]:
    settings = Settings(
        endpoint=f"http://127.0.0.1:{free_port()}/v1",
        if_add_node_summary=False,
        if_add_doc_description=False,
        max_retries=0,
    )

    async def go():
        async with Indexer(settings, out, cache=ResponseCache(enabled=False)) as indexer:
            return await indexer.index(path)

    started = time.perf_counter()
    result = asyncio.run(go())
    seconds = time.perf_counter() - started
    if not result.ok:
        return [], seconds, f"failed: {result.error[:60]}"
    return scoring.flatten(result.result["structure"]), seconds, result.run.structure_source


def flash(path: Path, python: Path | None) -> tuple[list[scoring.Heading] | None, float | None]:
    if python is None:
        return None, None
    proc = subprocess.run(
        [str(python), "-c", FLASH_RUNNER, str(path)], capture_output=True, text=True, timeout=1800
    )
    if proc.returncode != 0:
        print(f"  flash failed on {path.name}: {proc.stderr.strip().splitlines()[-1:]}", file=sys.stderr)
        return None, None
    reply = json.loads(proc.stdout.strip().splitlines()[-1])
    return scoring.flatten(reply["structure"]), reply["seconds"]


def synthetic_nodes(headings: list[scoring.Heading]) -> list[scoring.Heading]:
    """Our tree minus the nodes we add for coverage (a preface, page groups): not sections found."""
    return [h for h in headings if h[0] != "Preface" and not h[0].startswith("Pages ")]


def cell(value: float | None, fmt: str = "{:.2f}") -> str:
    return "-" if value is None else fmt.format(value)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("paths", nargs="*", type=Path, default=[ROOT / "sample_docs"])
    parser.add_argument("--no-generated", action="store_true", help="leave out the generated PDFs")
    parser.add_argument("--flash-python", type=Path, default=PEER if PEER.exists() else None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        jobs: list[tuple[str, Path, list[scoring.Heading] | None]] = []
        for doc in (d for p in args.paths for d in find_documents(p) if d.suffix.lower() == ".pdf"):
            truth = outline_truth(doc)
            jobs.append((doc.name, without_outline(doc, folder), truth) if truth else (doc.name, doc, None))
        if not args.no_generated:
            import layoutgen

            # the styles, and an excerpt whose printed contents cannot place its sections
            makers = {**layoutgen.MAKERS, "excerpt_contents": layoutgen.make_excerpt_contents}
            for name, make in makers.items():
                path, truth = make(folder / "generated")
                jobs.append((f"generated/{name}", path, truth))
        header = (
            f"{'document':38s} {'pages':>5s} {'truth':>5s} | {'ours':>4s} {'R':>5s} {'P':>5s} {'sec':>6s}"
            f" | {'flash':>5s} {'R':>5s} {'P':>5s} {'sec':>6s} | {'agree':>5s} {'speed':>6s}  our source"
        )
        print(header)
        print("-" * len(header))
        for name, path, truth in jobs:
            pages = len(PdfReader(path).pages)
            mine, my_seconds, source = ours(path, folder / "out")
            mine = synthetic_nodes(mine)
            theirs, their_seconds = flash(path, args.flash_python)
            my_score = scoring.score(mine, truth, page_slack=0) if truth is not None else None
            their_score = scoring.score(theirs, truth) if truth is not None and theirs is not None else None
            agree = None
            if theirs is not None and (mine or theirs):
                both = scoring.score(mine, theirs)
                agree = both.matched / max(len(mine), len(theirs))
            speed = their_seconds / my_seconds if their_seconds else None
            n_truth = len(truth) if truth is not None else "-"
            n_theirs = len(theirs) if theirs is not None else "-"
            print(
                f"{name[:38]:38s} {pages:5d} {n_truth:>5} |"
                f" {len(mine):4d} {cell(my_score and my_score.recall):>5s}"
                f" {cell(my_score and my_score.precision):>5s} {my_seconds:6.2f} |"
                f" {n_theirs:>5} {cell(their_score and their_score.recall):>5s}"
                f" {cell(their_score and their_score.precision):>5s} {cell(their_seconds):>6s} |"
                f" {cell(agree):>5s} {cell(speed, '{:.1f}x'):>6s}  {source}",
                flush=True,
            )


if __name__ == "__main__":
    main()
