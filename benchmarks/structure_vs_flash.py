"""Our structure against PageIndex's Flash mode, on the same PDFs in one run, scored by one rule.

    python benchmarks/structure_vs_flash.py --corpus dev           # the corpus' development half
    python benchmarks/structure_vs_flash.py --corpus all --json run.json
    python benchmarks/structure_vs_flash.py --corpus check --local   # also through the embedded model
    python benchmarks/structure_vs_flash.py --corpus check --endpoint http://gpu:8000/v1
    python benchmarks/structure_vs_flash.py                        # sample_docs/ and the generated set
    python benchmarks/structure_vs_flash.py ~/pdfs --no-generated
    python benchmarks/structure_vs_flash.py --corpus all --keep-outline --save /tmp/trees-a

Documents: `--corpus dev|check|all` takes the real PDFs of benchmarks/corpus.py (build them first:
`python benchmarks/corpus.py build`); positional paths take PDFs or folders; the generated set
(tests/layoutgen.py, truth known) is added unless `--no-generated`, and with `--corpus` only when
`--generated` asks. `--only TEXT` keeps the documents whose name holds TEXT.

Truth: a PDF with an outline has it removed, both tools read the copy without it, and are scored
against the outline that was removed; generated PDFs carry theirs; others have none (rows unscored).

Tools, one after the other (never at once, so neither's seconds include the other's work):
  ours        no model server (nothing listens at its endpoint), summaries off: outline, contents and
              layout stages only; a model-less fallback where a stage would ask.
  ours+model  with `--endpoint URL` (vLLM, llama-server...) or `--local` (the embedded llama-server,
              started as `pageindex-tui --local` starts it, with its small-model settings): the unsure
              layout headings are decided by the model; summaries off, other settings the defaults.
  flash       PageIndex's `page_index_flash(summary=False, optimize=False)`, in its own virtual
              environment (`python3 -m venv benchmarks/.peer-venv && benchmarks/.peer-venv/bin/pip
              install pageindex`; never our dependency; without it the Flash columns read "-"). Its
              results are cached by the PDF's sha256 and Flash's version in the user cache folder;
              `--fresh-flash` runs it again. Cached seconds are marked "c" and the speed goal is only
              judged when every Flash run of the split is fresh.

Scoring: see benchmarks/structure_report.py (one rule for all tools: coverage nodes such as a
"Preface", page groups and "(intro)" children are left out of every tree; recall and precision of
(title, start page) at tolerance 0 and 1; level accuracy). Printed: the machine's load and the commit,
one row per document (the ten with our lowest R0 first), totals per split, and the goals of issue 18
for the check half (and the dev half, for tuning). `--json FILE` writes every row with the headings
found, so two runs can be diffed; `--show TEXT` prints, for the documents whose name holds TEXT, each
true heading marked by the tools that found it, and what each found beyond the truth.

Outline trees unchanged: `--keep-outline --save DIR` runs ours on the PDFs WITH their outline (Flash is
not run) and writes each tree file as the indexer wrote it to DIR/<document>.json; run it on two
branches and compare with `diff -r DIR_A DIR_B`, or give `--against DIR_A` to the second run, which then
prints how many trees are unchanged byte for byte and names the others.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime
import hashlib
import io
import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "benchmarks"))

import scoring  # noqa: E402  (the tests' scorer)
import structure_report as report  # noqa: E402
from corpus_rule import read_outline  # noqa: E402
from platformdirs import user_cache_dir  # noqa: E402
from pypdf import PdfReader, PdfWriter  # noqa: E402

from pageindex_tui.index.pipeline import find_documents, output_paths  # noqa: E402
from pageindex_tui.jobs.service import JobService  # noqa: E402
from pageindex_tui.local.server import free_port  # noqa: E402
from pageindex_tui.settings import Settings  # noqa: E402
from pageindex_tui.settings.file import load_settings  # noqa: E402
from pageindex_tui.store.cache import ResponseCache  # noqa: E402
from pageindex_tui.store.library import Library  # noqa: E402

PEER = ROOT / "benchmarks" / ".peer-venv" / "bin" / "python"
FLASH_CACHE = Path(user_cache_dir("pageindex-tui")) / "flash-results"
FLASH_TIMEOUT = 1800
FLASH_RUNNER = """
import json, sys, time
from pageindex.flash import page_index_flash
started = time.perf_counter()
result = page_index_flash(sys.argv[1], summary=False, optimize=False)
print(json.dumps({"seconds": time.perf_counter() - started, "structure": result.get("structure", []),
                  "toc_source": result.get("toc_source", "")}))
"""
FLASH_VERSION = "from importlib.metadata import version; print(version('pageindex'))"
NO_SUMMARIES = {"if_add_node_summary": False, "if_add_doc_description": False}


@dataclass(frozen=True)
class Job:
    name: str
    kind: str
    split: str
    original: Path
    path: Path  # what the tools read: the original, or its copy without the outline
    truth: list[scoring.Heading] | None


def without_outline(path: Path, folder: Path, name: str) -> Path:
    writer = PdfWriter(clone_from=path)
    writer._root_object.pop("/Outlines", None)
    target = folder / "stripped" / f"{safe(name)}.pdf"
    target.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    writer.write(buffer)
    target.write_bytes(buffer.getvalue())
    return target


def safe(name: str) -> str:
    return name.replace("/", "__")


def corpus_documents(split: str) -> list[Any]:
    """benchmarks/corpus.py's documents of `split`; a clear message where they cannot be had."""
    try:
        import corpus
    except ImportError as err:
        raise SystemExit(f"--corpus needs benchmarks/corpus.py, which does not import here: {err}") from None
    try:
        return corpus.documents(split)
    except corpus.CorpusError as err:  # its message names the build command
        raise SystemExit(f"the corpus is not ready: {err}") from None


def collect(args: argparse.Namespace, folder: Path) -> list[Job]:
    """The documents of this run; with the outline removed where it is the truth."""
    found: list[tuple[str, str, str, Path]] = []  # name, kind, split, path
    if args.corpus:
        for doc in corpus_documents(args.corpus):
            found.append((doc.name, doc.kind, doc.split, Path(doc.path)))
    paths = args.paths if args.paths or args.corpus else [ROOT / "sample_docs"]
    for doc in (d for p in paths for d in find_documents(p) if d.suffix.lower() == ".pdf"):
        found.append((doc.name, "pdf", "paths", doc))
    wanted = lambda name: not args.only or any(text in name for text in args.only)  # noqa: E731
    jobs: list[Job] = []
    for name, kind, split, path in (f for f in found if wanted(f[0])):
        truth = read_outline(PdfReader(path)) or None
        read = path if truth is None or args.keep_outline else without_outline(path, folder, name)
        jobs.append(Job(name, kind, split, path, read, truth))
    if args.generated if args.corpus else not args.no_generated:
        import contentsgen
        import layoutgen

        # the styles, and an excerpt whose printed contents cannot place its sections
        makers = {**layoutgen.MAKERS, "excerpt_contents": contentsgen.make_excerpt_contents}
        for name, make in makers.items():
            if wanted(f"generated/{name}"):
                path, truth = make(folder / "generated")
                jobs.append(Job(f"generated/{name}", "generated", "generated", path, path, truth))
    return jobs


def ours(settings: Settings, path: Path, out: Path) -> tuple[report.Run, Path | None]:
    """Our tree of `path`, timed around the indexer's run; the tree file it wrote, when it did."""

    async def go():  # as the CLI runs it: failures come back as results
        async with JobService(Library(out / "library"), cache=ResponseCache(enabled=False)) as jobs:
            return await jobs.run(path, settings, force=True, outputs=output_paths(path, out))

    started = time.perf_counter()
    result = asyncio.run(go())
    seconds = time.perf_counter() - started
    # a tree kept while its sections wait for the model (page groups, source "pages") is a tree, not a
    # failure: scored as it is (page groups count for nothing)
    waiting = result.partial is not None and result.partial.awaits_model
    if (not result.ok and not waiting) or result.result is None or result.run is None:
        return report.Run(seconds=seconds, error=result.error), None
    headings = scoring.sections(result.result.to_json()["structure"])
    llm = result.run.llm
    tokens = (llm.prompt_tokens, llm.completion_tokens)
    run = report.Run(headings, seconds, result.run.structure_source, calls=llm.calls, tokens=tokens)
    return run, result.structure_path


def bench_settings(**flags: object) -> Settings:
    """The defaults with summaries off and these flags; no settings file and no environment, so that
    runs compare across machines."""
    return load_settings({**NO_SUMMARIES, **flags}, env={}, path=Path(os.devnull))


def no_model_settings() -> Settings:
    """Pointed at a port nothing listens on: the stages without a model, no retries."""
    return bench_settings(endpoint=f"http://127.0.0.1:{free_port()}/v1", max_retries=0)


@contextlib.contextmanager
def model_settings(args: argparse.Namespace) -> Iterator[Settings | None]:
    """Settings for the ours+model columns: at `--endpoint`, or at the embedded server that `--local`
    starts the way the CLI does (with the small model's settings)."""
    if not args.endpoint and not args.local:
        yield None
        return
    settings = bench_settings(**({"endpoint": args.endpoint} if args.endpoint else {}))
    if not args.local:
        yield settings
        return
    from pageindex_tui.cli.common import maybe_local_server

    local_args = argparse.Namespace(local=True, local_model=args.local_model)
    with maybe_local_server(local_args, settings) as (local, _server):
        yield local


def flash_version(python: Path) -> str | None:
    proc = subprocess.run([str(python), "-c", FLASH_VERSION], capture_output=True, text=True)
    return proc.stdout.strip() if proc.returncode == 0 else None


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def flash(job: Job, python: Path, version: str, fresh: bool) -> report.Run:
    """Flash's sections of the job's PDF; from the cache (keyed by the original's sha256, whether the
    outline was removed, and Flash's version) unless `fresh`."""
    variant = "as-is" if job.path == job.original else "no-outline"
    cached = FLASH_CACHE / version / f"{sha256(job.original)}-{variant}.json"
    reply: dict | None = None
    if cached.exists() and not fresh:
        reply = json.loads(cached.read_text(encoding="utf-8"))
    was_fresh = reply is None
    if reply is None:
        try:
            proc = subprocess.run(
                [str(python), "-c", FLASH_RUNNER, str(job.path)],
                capture_output=True,
                text=True,
                timeout=FLASH_TIMEOUT,
            )
        except subprocess.TimeoutExpired:
            return report.Run(seconds=FLASH_TIMEOUT, error=f"timed out after {FLASH_TIMEOUT}s")
        if proc.returncode != 0:
            last = (proc.stderr.strip().splitlines() or ["exit status " + str(proc.returncode)])[-1]
            return report.Run(error=last)
        reply = json.loads(proc.stdout.strip().splitlines()[-1])
        cached.parent.mkdir(parents=True, exist_ok=True)
        tmp = cached.with_suffix(f".{os.getpid()}.tmp")  # other runs may write the same entry
        tmp.write_text(json.dumps(reply), encoding="utf-8")
        tmp.replace(cached)
    headings = scoring.sections(reply["structure"])
    return report.Run(headings, float(reply["seconds"]), str(reply.get("toc_source", "")), fresh=was_fresh)


def compare_trees(new: Path, old: Path, names: list[str]) -> list[str]:
    """Which of this run's tree files equal, byte for byte, those of an earlier run in `old`."""
    same = [
        n
        for n in names
        if (new / n).is_file() and (old / n).is_file() and (new / n).read_bytes() == (old / n).read_bytes()
    ]
    missing = [n for n in names if not (old / n).is_file() or not (new / n).is_file()]
    changed = [n for n in names if n not in same and n not in missing]
    verdict = "met" if not changed and not missing else "NOT MET"
    lines = [f"outline trees unchanged against {old}: {verdict} ({len(same)}/{len(names)} byte for byte)"]
    lines += [f"  changed: {n}" for n in changed] + [f"  not in both: {n}" for n in missing]
    return lines


def commit() -> str:
    def git(*cmd: str) -> str:
        proc = subprocess.run(["git", *cmd], cwd=ROOT, capture_output=True, text=True)
        return proc.stdout.strip()

    dirty = bool(git("status", "--porcelain", "--untracked-files=no"))
    return f"{git('rev-parse', '--short=10', 'HEAD')}{' +uncommitted changes' if dirty else ''}"


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("paths", nargs="*", type=Path, help="PDFs or folders (default sample_docs/)")
    parser.add_argument("--corpus", choices=["dev", "check", "all"], help="the real PDFs of corpus.py")
    parser.add_argument("--no-generated", action="store_true", help="leave out the generated PDFs")
    parser.add_argument("--generated", action="store_true", help="with --corpus: add the generated PDFs")
    parser.add_argument("--only", action="append", help="documents whose name holds this (repeatable)")
    parser.add_argument("--flash-python", type=Path, default=PEER if PEER.exists() else None)
    parser.add_argument("--no-flash", action="store_true", help="leave Flash out")
    parser.add_argument("--fresh-flash", action="store_true", help="run Flash again, not from its cache")
    parser.add_argument("--endpoint", help="also run ours with this model server (OpenAI-compatible URL)")
    parser.add_argument("--local", action="store_true", help="also run ours with the embedded llama-server")
    parser.add_argument("--local-model", type=Path, help="GGUF model for --local (default: SmolLM2 135M)")
    parser.add_argument("--show", action="append", help="print the truth and findings of these (repeatable)")
    parser.add_argument("--json", type=Path, help="write every row and the totals to this file")
    parser.add_argument("--keep-outline", action="store_true", help="read the PDFs with their outline")
    parser.add_argument("--save", type=Path, help="write each of our tree files to this folder")
    parser.add_argument("--against", type=Path, help="with --keep-outline --save: compare with this folder")
    args = parser.parse_args()
    if args.endpoint and args.local:
        parser.error("--endpoint and --local both name the model server: give one")
    if args.against and not (args.keep_outline and args.save):
        parser.error("--against compares the trees of --keep-outline --save DIR: give both")
    if args.against and not args.against.is_dir():
        parser.error(f"--against {args.against}: no such folder")
    return args


def run_job(
    job: Job,
    args: argparse.Namespace,
    folder: Path,
    with_model: Settings | None,
    python: Path | None,
    version: str | None,
) -> report.Row:
    """One document through ours, ours with the model, and Flash, one after the other; scored."""
    mine, tree = ours(no_model_settings(), job.path, folder / "out")
    if args.save is not None and tree is not None:
        args.save.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(tree, args.save / f"{safe(job.name)}.json")
    print(f" ours {mine.seconds:.1f}s", end="", file=sys.stderr, flush=True)
    model = ours(with_model, job.path, folder / "out-model")[0] if with_model is not None else None
    if model is not None:
        calls = f"{model.calls} calls, {model.tokens[0]}+{model.tokens[1]} tokens"
        print(f", +model {model.seconds:.1f}s ({calls})", end="", file=sys.stderr, flush=True)
    theirs = flash(job, python, version, args.fresh_flash) if python and version else None
    if theirs is not None:
        state = "failed" if theirs.failed else ("fresh" if theirs.fresh else "cached")
        print(f", flash {theirs.seconds:.1f}s {state}", end="", file=sys.stderr)
    print(file=sys.stderr, flush=True)
    return report.Row(
        job.name,
        job.kind,
        job.split,
        len(PdfReader(job.path).pages),
        job.truth,
        mine.scored(job.truth),
        model.scored(job.truth) if model is not None else None,
        theirs.scored(job.truth) if theirs is not None else None,
    )


def main() -> None:
    args = parse()
    logging.getLogger("pypdf").setLevel(logging.ERROR)  # broken xref notes of real PDFs, not findings
    python = None if args.no_flash or args.keep_outline else args.flash_python
    version = flash_version(python) if python is not None else None
    if python is not None and version is None:
        print(f"Flash is not installed in {python}: its columns read '-'", file=sys.stderr)
        python = None
    meta: dict[str, object] = {
        "commit": commit(),
        "load": [round(x, 2) for x in os.getloadavg()],
        "cpus": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "flash": version,
        "corpus": args.corpus,
        "keep_outline": args.keep_outline,
    }
    load = "/".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"commit {meta['commit']}; load {load} (1/5/15 min) on {meta['cpus']} CPUs; {meta['date']}")
    print(f"flash: {f'pageindex {version}' if version else 'not run'}", flush=True)
    rows: list[report.Row] = []
    with tempfile.TemporaryDirectory() as tmp, model_settings(args) as with_model:
        folder = Path(tmp)
        jobs = collect(args, folder)
        if with_model is not None:
            meta["model_endpoint"] = with_model.endpoint
        try:
            for number, job in enumerate(jobs, 1):
                print(f"[{number}/{len(jobs)}] {job.name}", end="", file=sys.stderr, flush=True)
                rows.append(run_job(job, args, folder, with_model, python, version))
        except KeyboardInterrupt:  # what was measured so far is still worth its table
            print(f"\nstopped: {len(rows)} of {len(jobs)} documents measured", file=sys.stderr)
            meta["stopped_after"] = len(rows)
    show(rows, meta, args)
    if "stopped_after" in meta:
        raise SystemExit(130)  # as a shell reports Ctrl-C: the figures are of part of the run


def show(rows: list[report.Row], meta: dict[str, object], args: argparse.Namespace) -> None:
    with_model = any(r.model is not None for r in rows)
    head = report.header(with_model)
    print(head)
    print("-" * len(head))
    ordered = report.ordered(rows)
    worst = min(report.WORST, sum(r.truth is not None for r in rows))
    for i, row in enumerate(ordered):
        if i == worst and worst < len(ordered):
            print("-" * len(head))
        print(report.row_line(row, with_model))
    print("(R0/P0: recall/precision at the exact start page, R1/P1: within 1 page; lv%: matched at the")
    print(" true level; c: Flash's seconds from its cache; rows above the rule: our lowest R0)")
    splits = [s for s in ("dev", "check", "generated", "paths") if any(r.split == s for r in rows)]
    all_totals = [report.totals(s, [r for r in rows if r.split == s]) for s in splits]
    all_totals.append(report.totals("all", [r for r in rows if r.truth is not None]))
    print()
    print("totals (means over documents with truth)")
    for t in all_totals:
        print("\n".join(report.totals_lines(t)))
    print("\n".join(report.kind_lines(rows)))
    for row in rows:
        if args.show and any(text in row.name for text in args.show):
            print()
            print("\n".join(report.detail_lines(row)))
    if args.keep_outline:
        print("\n(outline kept: the truth is the outline the tools read; no goals judged)")
    if args.against:
        print("\n".join(compare_trees(args.save, args.against, [f"{safe(r.name)}.json" for r in rows])))
    for t in all_totals:
        if t.split in ("check", "dev") and not args.keep_outline:
            print()
            print("\n".join(report.goals_lines(t)))
    load = "/".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"\nload at the end {load}")
    if args.json is not None:
        report.write_json(args.json, meta, ordered, all_totals)
        print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
