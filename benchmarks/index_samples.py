"""Index each sample document against a real server and print the figures the engine issue asks for.

    python benchmarks/index_samples.py                 # starts the embedded llama-server (SmolLM2)
    python benchmarks/index_samples.py --endpoint http://gpu-box:8000/v1 --thinking yes

Prints, per document: structure source, nodes, depth, titles verified, LLM calls for structure and
in total, cached calls, prompt and completion tokens, median time to first token, wall seconds.
Caching is off so that every figure is paid for.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
import tempfile
from pathlib import Path

from pageindex_tui.index.pipeline import Indexer, find_documents
from pageindex_tui.local.server import LocalServer
from pageindex_tui.settings.file import load_settings
from pageindex_tui.store.cache import ResponseCache

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("paths", nargs="*", type=Path, default=[ROOT / "sample_docs"])
    parser.add_argument("--endpoint", help="use this server instead of the embedded one")
    parser.add_argument("--thinking", default="no")
    parser.add_argument("--max-output-tokens", type=int, default=256)
    parser.add_argument("--summaries", default="yes")
    parser.add_argument(
        "--synthetic", action="store_true", help="also generated PDFs: outline, printed contents, neither"
    )
    args = parser.parse_args()
    docs = [d for p in args.paths for d in find_documents(p)]
    with contextlib.ExitStack() as stack:
        if args.synthetic:
            sys.path.insert(0, str(ROOT / "tests"))
            import pdfgen  # the test suite's generators (needs the dev extra, fpdf2)

            folder = Path(stack.enter_context(tempfile.TemporaryDirectory()))
            docs += [
                pdfgen.make_outline_pdf(folder),
                pdfgen.make_toc_pdf(folder),
                pdfgen.make_plain_pdf(folder),
            ]
        endpoint = args.endpoint
        if endpoint is None:
            endpoint = stack.enter_context(LocalServer(context=16384, parallel=4)).endpoint
        settings = load_settings(
            {
                "endpoint": endpoint,
                "thinking": args.thinking,
                "max_output_tokens": args.max_output_tokens,
                "if_add_node_summary": args.summaries,
                "cache": False,
            },
            env={},
        )
        out = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        rows = []
        for doc in docs:  # one at a time, so wall seconds are each document's own

            async def one(path: Path = doc):
                cache = ResponseCache(out / "cache", enabled=False)
                async with Indexer(settings, out, cache=cache) as indexer:
                    return await indexer.index(path)

            rows.append(asyncio.run(one()))
    header = (
        "document",
        "source",
        "nodes",
        "depth",
        "verified",
        "struct calls",
        "calls",
        "cached",
        "prompt tok",
        "compl tok",
        "ttft p50 s",
        "wall s",
    )
    print(" | ".join(header))
    print(" | ".join("---" for _ in header))
    for result in rows:
        if not result.ok:
            print(f"{result.path.name} | FAILED: {result.error}")
            continue
        run, llm = result.run.to_dict(), result.run.llm.to_dict()  # as in <stem>_run.json
        print(
            " | ".join(
                str(x)
                for x in (
                    result.path.name,
                    run["structure_source"],
                    run["nodes"],
                    run["depth"],
                    f"{run['titles_verified']}/{run['titles_total']}",
                    run["structure_calls"],
                    llm["calls"],
                    llm["cached_calls"],
                    llm["prompt_tokens"],
                    llm["completion_tokens"],
                    llm["ttft_seconds_median"],
                    run["wall_seconds"],
                )
            )
        )


if __name__ == "__main__":
    main()
