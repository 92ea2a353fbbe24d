"""Real questions over a library of real PDFs: MMLongBench-Doc's text-only questions, asked of all its
documents as one library, the way `pageindex-tui ask --library` asks (issue 23).

The question set is github.com/mayubo2333/MMLongBench-Doc (Apache-2.0) at COMMIT: `data/samples.json` (per
question its `doc_id`, the PDF's file name in `data/documents/`, 1-based `evidence_pages` and
`evidence_sources`) and the PDFs. Neither is ever in this repository: `extract` copies them from a git
mirror of that repository (the session's fetch tool puts one at /work/.mirror/<owner>+<name>/repo; or
`git clone --bare https://github.com/mayubo2333/MMLongBench-Doc DIR` and pass --git DIR) into a cache folder
outside it, and the library the documents are indexed into lives there too.

Text-only: every evidence source is one of TEXT_SOURCES ("Pure-text (Plain-text)"; charts, tables,
figures and layout are left out), with at least one evidence page (the unanswerable ones have none).

    python benchmarks/mmlongbench.py extract                      # PDFs and samples.json into the cache
    python benchmarks/mmlongbench.py run                          # routing by search only, no model
    python benchmarks/mmlongbench.py run --local --limit 20       # the embedded llama-server
    python benchmarks/mmlongbench.py run --endpoint http://gpu-box:8000/v1 --thinking yes   # vLLM + Qwen3

`run` indexes every document of the set into the cache's library with no model (a port nothing listens
on: outline, printed contents or layout; summaries and descriptions off; node text kept for the search),
reusing what is indexed already; a document whose structure needs a model is reported and left out. Then
per question:
- cand: the evidence document's rank among the search's candidates (`route.candidates`), "-" if absent;
- routed: with a model, whether the documents the question was read in (the model's choice among the
  candidates) include the evidence document; without one, whether the search's first MAX_DOCUMENTS do;
- page: with a model, whether a node read covers an evidence page of the evidence document;
- calls, prompt tokens and seconds of the question (the route's calls included).
Replies are not cached (pass --cache to reuse them). `--indexed-only` asks over what the library holds
already and indexes nothing (the questions whose PDF is not in it are left out): a quick run after a
partial `run`, since scanned slide decks take minutes each through the embedded OCR on a small CPU.
"""

from __future__ import annotations

import argparse
import ast
import asyncio
import json
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pageindex_tui.ask import (  # noqa: E402
    Asker,
    AskOptions,
    AskResult,
    LibraryScope,
    route,
)
from pageindex_tui.ask import prompts as ask_prompts  # noqa: E402
from pageindex_tui.cli.common import maybe_local_server  # noqa: E402
from pageindex_tui.cli.parsers import add_server_flags, flag_values  # noqa: E402
from pageindex_tui.jobs.service import JobService  # noqa: E402
from pageindex_tui.local.server import free_port  # noqa: E402
from pageindex_tui.safe_text import one_line  # noqa: E402
from pageindex_tui.settings import Settings  # noqa: E402
from pageindex_tui.settings.file import load_settings  # noqa: E402
from pageindex_tui.store.cache import ResponseCache  # noqa: E402
from pageindex_tui.store.library import Library  # noqa: E402

REPO = "mayubo2333/MMLongBench-Doc"
COMMIT = "d73f0dc0be7e0a2ff6a403d5fe65fcd96461f384"  # the commit the figures in the README come from
SAMPLES = "data/samples.json"
DOCUMENTS = "data/documents"
TEXT_SOURCES = frozenset({"Pure-text (Plain-text)"})


class BenchError(Exception):
    """A clear message for the command line, never a traceback."""


@dataclass(frozen=True)
class Question:
    number: int  # its place in samples.json, from 1
    doc: str  # the evidence document's file name
    question: str
    pages: tuple[int, ...]  # 1-based evidence pages
    answer: str


@dataclass(frozen=True)
class Score:
    rank: int | None  # of the evidence document among the search's candidates, from 1
    routed: bool
    page_read: bool | None  # None: nothing was read (no model)


def default_cache() -> Path:
    import platformdirs

    return Path(platformdirs.user_cache_dir("pageindex-tui")) / "mmlongbench"


def _listed(value: object, field: str, number: int) -> list[object]:
    """samples.json writes its lists as Python literals inside strings ("[5]", "['Chart']")."""
    if isinstance(value, str):
        text = value
        try:
            value = ast.literal_eval(text) if text.strip() else []
        except (ValueError, SyntaxError):
            raise BenchError(f"sample {number}: {field} is not a list: {text[:60]!r}") from None
    if not isinstance(value, list):
        raise BenchError(f"sample {number}: {field} is not a list")
    return value


def text_questions(samples: Sequence[object]) -> list[Question]:
    """The text-only questions of samples.json's rows, in their order (see the module docstring)."""
    out = []
    for number, row in enumerate(samples, start=1):
        if not isinstance(row, dict):
            raise BenchError(f"sample {number} is not an object")
        try:
            doc, question, answer = str(row["doc_id"]), str(row["question"]), str(row["answer"])
            sources, pages = row["evidence_sources"], row["evidence_pages"]
        except KeyError as err:
            raise BenchError(f"sample {number} has no field {err}") from None
        kinds = {str(s) for s in _listed(sources, "evidence_sources", number)}
        numbers = _listed(pages, "evidence_pages", number)
        if not kinds or not kinds <= TEXT_SOURCES or not numbers:
            continue
        if not all(isinstance(p, int) and p >= 1 for p in numbers):
            continue  # a page 0 or no number (one such sample at COMMIT): no page to score it by
        evidence = tuple(sorted({p for p in numbers if isinstance(p, int)}))
        out.append(Question(number, doc, question.strip(), evidence, answer))
    return out


def score(question: Question, candidates: list[str], result: AskResult | None) -> Score:
    """Where the evidence document ranked, whether it was routed, whether an evidence page was read."""
    rank = candidates.index(question.doc) + 1 if question.doc in candidates else None
    if result is None:
        return Score(rank, rank is not None and rank <= ask_prompts.MAX_DOCUMENTS, None)
    wanted = set(question.pages)
    read = any(r.doc == question.doc and wanted & set(r.pages) for r in result.nodes_read)
    return Score(rank, question.doc in result.documents, read)


def spread(questions: list[Question], limit: int) -> list[Question]:
    """`limit` questions evenly spaced over the set, in order (0: all), so that a quick run is not the
    first few documents' questions only."""
    if limit <= 0 or limit >= len(questions):
        return questions
    return [questions[i * len(questions) // limit] for i in range(limit)]


# -- the files ---------------------------------------------------------------------------------------


def _git_show(git: Path, path: str) -> bytes:
    import subprocess

    proc = subprocess.run(["git", "--git-dir", str(git), "show", f"{COMMIT}:{path}"], capture_output=True)
    if proc.returncode != 0:
        why = proc.stderr.decode(errors="replace").strip().splitlines()[-1:] or ["no message"]
        raise BenchError(f"git cannot read {path} at {COMMIT[:10]} in {git}: {why[0]}")
    return proc.stdout


def _write(target: Path, data: bytes) -> None:
    tmp = target.with_name(target.name + ".part")
    tmp.write_bytes(data)
    tmp.replace(target)


def extract(git: Path, cache: Path) -> int:
    import subprocess

    if not (git / "objects").is_dir():
        raise BenchError(f"{git} is no git directory: fetch github:{REPO}, or git clone --bare it there")
    listing = subprocess.run(
        ["git", "--git-dir", str(git), "ls-tree", "--name-only", f"{COMMIT}:{DOCUMENTS}"],
        capture_output=True,
        text=True,
    )
    if listing.returncode != 0:
        raise BenchError(f"{git} does not hold {REPO} at {COMMIT[:10]}")
    names = [n for n in listing.stdout.splitlines() if n.lower().endswith(".pdf")]
    folder = cache / "documents"
    folder.mkdir(parents=True, exist_ok=True)
    _write(cache / "samples.json", _git_show(git, SAMPLES))
    kept = corpus_copies()
    missing = []
    for name in names:
        target = folder / name
        if target.is_file():
            continue
        try:
            _write(target, _git_show(git, f"{DOCUMENTS}/{name}"))
        except BenchError:  # a mirror may list its largest files without holding them
            if name not in kept:
                missing.append(name)
                continue
            _write(target, kept[name].read_bytes())
    print(
        f"{len(names) - len(missing)} of {len(names)} PDFs and samples.json of {REPO} at {COMMIT[:10]} "
        f"in {cache}"
    )
    if missing:
        print(f"  not in {git} nor the structure corpus (git clone it in full): {', '.join(missing)}")
    return 0


def corpus_copies() -> dict[str, Path]:
    """The repository's PDFs that the structure corpus (benchmarks/corpus.py) holds already, by file name."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import corpus

    folder = corpus.default_cache()
    return {
        Path(e.path).name: folder / e.file_name
        for e in corpus.load()
        if e.repo == REPO and e.commit == COMMIT and (folder / e.file_name).is_file()
    }


def load_questions(cache: Path) -> list[Question]:
    path = cache / "samples.json"
    if not path.is_file():
        raise BenchError(f"no {path}; run: python benchmarks/mmlongbench.py extract")
    return text_questions(json.loads(path.read_text(encoding="utf-8")))


# -- the run -----------------------------------------------------------------------------------------


async def index_all(library: Library, paths: list[Path]) -> list[str]:
    """Index (or reuse) every document with no model; the documents that failed, with why."""
    settings = Settings(
        endpoint=f"http://127.0.0.1:{free_port()}/v1", if_add_node_summary=False,
        if_add_doc_description=False, if_add_node_text=True, max_retries=0, cache=False,
    )  # fmt: skip
    failed = []
    async with JobService(library, cache=ResponseCache(enabled=False)) as jobs:
        for number, path in enumerate(paths, start=1):
            began = time.perf_counter()
            result = await jobs.run(path, settings)
            took = time.perf_counter() - began
            if not result.ok:
                why = result.failure.error if result.failure else "?"
                failed.append(f"{path.name}: {one_line(str(why), 100)}")
            if took > 1:
                print(
                    f"  [{number}/{len(paths)}] {path.name}: {'ok' if result.ok else 'failed'} {took:.0f} s"
                )
    return failed


def _yes(flag: bool | None) -> str:
    return "-" if flag is None else ("yes" if flag else "no")


def _pct(part: int, whole: int) -> str:
    return f"{part}/{whole} ({100 * part / whole:.1f}%)" if whole else f"{part}/0"


@dataclass
class Totals:
    asked: int = 0
    failed: int = 0
    candidate: int = 0
    routed: int = 0
    page: int = 0
    calls: int = 0
    prompt: int = 0
    seconds: float = 0.0

    def add(self, got: Score, result: AskResult | None) -> None:
        self.asked += 1
        self.candidate += got.rank is not None
        self.routed += got.routed
        self.page += bool(got.page_read)
        if result is not None:
            self.calls += result.calls
            self.prompt += result.prompt_tokens
            self.seconds += result.seconds

    def line(self, model: bool) -> str:
        n = self.asked
        text = (
            f"total: {n} asked, {self.failed} failed; evidence document among the candidates "
            f"{_pct(self.candidate, n)}, routed {_pct(self.routed, n)}"
        )
        if not model:
            return text + "; no model (search only)"
        return (
            f"{text}, evidence page read {_pct(self.page, n)}; {self.calls} calls "
            f"({self.calls / max(1, n):.1f} a question), {self.prompt} prompt tokens "
            f"({self.prompt // max(1, n)} a question), {self.seconds:.0f} s "
            f"({self.seconds / max(1, n):.1f} a question)"
        )


_COLUMNS = (("#", ">4"), ("doc", "<22"), ("cand", ">4"), ("routed", "<6"), ("page", "<4"), ("calls", ">5"))
HEADER = (
    " ".join(format(name, spec) for name, spec in (*_COLUMNS, ("prompt", ">7"), ("s", ">6"))) + "  question"
)


def row(question: Question, got: Score, result: AskResult | None) -> str:
    calls, prompt, took = (result.calls, result.prompt_tokens, result.seconds) if result else (0, 0, 0.0)
    return (
        f"{question.number:>4} {question.doc[:22]:<22} {got.rank or '-':>4} {_yes(got.routed):<6} "
        f"{_yes(got.page_read):<4} {calls:>5} {prompt:>7} {took:>6.1f}  {one_line(question.question, 60)}"
    )


async def library_of(
    cache: Path, questions: list[Question], indexed_only: bool
) -> tuple[Library, list[Question]]:
    """Every PDF of the cache indexed into its library (`indexed_only`: the ones indexed already); the
    questions whose PDF is in it."""
    pdfs = sorted((cache / "documents").glob("*.pdf"))
    if not pdfs:
        raise BenchError(f"no PDFs in {cache / 'documents'}; run: python benchmarks/mmlongbench.py extract")
    library = Library(cache / "library")
    if not indexed_only:
        began = time.perf_counter()
        failed = await index_all(library, pdfs)
        print(f"indexed with no model in {time.perf_counter() - began:.0f} s")
        for line in failed:
            print(f"  left out: {line}")
    present = {e.doc_name for e in library.entries()} & {p.name for p in pdfs}
    print(f"library: {len(present)} of the {len(pdfs)} PDFs in {cache / 'documents'}")
    absent = [q for q in questions if q.doc not in present]
    if absent:
        print(f"{len(absent)} questions left out: their PDF is not in the library")
    return library, [q for q in questions if q.doc in present]


async def run(args: argparse.Namespace, settings: Settings | None) -> int:
    library, questions = await library_of(args.cache_dir, load_questions(args.cache_dir), args.indexed_only)
    questions = spread(questions, args.limit)
    scope = LibraryScope.of(library)
    print(f"{len(questions)} text-only questions over {len({q.doc for q in questions})} documents\n")
    print(HEADER)
    totals = Totals()
    options = AskOptions(max_rounds=args.rounds)
    asker = None
    if settings is not None:
        asker = Asker(settings, cache=ResponseCache(enabled=settings.cache), options=options)
    try:
        for question in questions:
            names = [h.doc_name for h in await route.candidates(scope, question.question)]
            result = None
            if asker is not None:
                try:
                    result = await asker.ask([], question.question, run=f"q{question.number}", scope=scope)
                except Exception as err:  # a server error costs this question, not the run
                    totals.failed += 1
                    print(f"{question.number:>4} {question.doc[:22]:<22} FAILED: {one_line(str(err), 100)}")
                    continue
            got = score(question, names, result)
            totals.add(got, result)
            print(row(question, got, result), flush=True)
    finally:
        if asker is not None:
            await asker.aclose()
    print()
    print(totals.line(asker is not None))
    return 0 if not totals.failed else 1


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("command", choices=("extract", "run"))
    parser.add_argument("--cache-dir", type=Path, default=default_cache(), help="where PDFs and library go")
    parser.add_argument(
        "--git", type=Path, default=Path("/work/.mirror") / REPO.replace("/", "+") / "repo",
        help="a git directory holding the repository (for extract)",
    )  # fmt: skip
    parser.add_argument("--limit", type=int, default=0, help="ask N questions, evenly spaced over the set")
    parser.add_argument("--rounds", type=int, default=1, help="reading rounds at most (default 1)")
    parser.add_argument("--cache", action="store_true", help="reuse cached model replies")
    parser.add_argument(
        "--indexed-only", action="store_true",
        help="ask over the documents the library holds now, indexing nothing (a quick run)",
    )  # fmt: skip
    add_server_flags(parser)
    args = parser.parse_args()
    try:
        if args.command == "extract":
            return extract(args.git, args.cache_dir)
        if not args.endpoint and not args.local:
            return asyncio.run(run(args, None))
        settings = load_settings(flag_values(args) | {"cache": args.cache})
        with maybe_local_server(args, settings) as (local, _server):
            return asyncio.run(run(args, local))
    except BenchError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
