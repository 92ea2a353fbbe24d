"""Real PDFs whose own outline is the ground truth of the structure benchmark (issue 18).

The list lives in corpus.json beside this script: per document the public GitHub repository, the commit,
the file's path there, its kind, its split, its sha256, its page count and its outline entries. The PDFs
themselves are never in this repository; `build` copies them into a cache folder outside it.

Rebuild it:

    # 1. get each repository named in corpus.json, either through the session's fetch tool (a bare git
    #    dir at /work/.mirror/<owner>+<name>/repo) or with --clone (a plain `git clone` from GitHub)
    python benchmarks/corpus.py build                       # from /work/.mirror
    python benchmarks/corpus.py build --clone               # clones the missing repositories into the cache
    python benchmarks/corpus.py build --mirror-root DIR --cache DIR
    # 2. look at what was built: pages, outline entries, share of outline titles found on their pages
    python benchmarks/corpus.py check [--split dev|check]
    # vetting candidates, and adding the ones that pass (recomputes the split)
    python benchmarks/corpus.py vet owner/name [--under DIR]
    python benchmarks/corpus.py add owner/name KIND PATH...

Selection rule (corpus_rule.py, `Vetting.passes`): at least MIN_ENTRIES (5) outline entries that
resolve to a page; at least MIN_FOUND (80%) of their titles printed on the page they point to
(`title_found`: a run of one to three lines of that page, with leading section numbers set aside, that is
the title, starts with it, or reads like it at a fuzzy ratio of 0.85 or more, the tolerance of
tests/scoring.py's `same_title`); and at most MAX_SHIFTED (5%) of them printed instead on the page
before or after. The last clause rejects outlines whose anchors sit a page early (LaTeX places some at
the foot of the page before a section that opens a page): scored with no page slack, those would count
right answers wrong. Titles printed nowhere near their page (a "Cover" entry, a PDF's internal part
names) only lower the recall a layout path can reach.

Split rule (`assign_splits`): made by document and stratified by kind. Within each kind, documents in
order of sha256 alternate between the halves; kinds are taken in name order and each starts on the half
that has fewer documents so far (dev on a tie). It is a function of the list alone, so anyone rebuilds
the same split. Tune on "dev" only; report both.

Other benchmarks import it:

    sys.path.insert(0, str(ROOT / "benchmarks"))
    import corpus
    for doc in corpus.documents("dev"): ...
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import subprocess
import sys
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path

from corpus_rule import vet

HERE = Path(__file__).resolve().parent
LIST = HERE / "corpus.json"
KINDS = (
    "report",
    "filing",
    "paper-1col",
    "paper-2col",
    "lecture-notes",
    "manual",
    "brochure",
    "government",
    "thesis",
    "book",
)
SPLITS = ("dev", "check")
BUILD_HINT = "python benchmarks/corpus.py build (or build --clone without the mirrors)"


@dataclass(frozen=True)
class Entry:
    """One line of corpus.json."""

    repo: str
    commit: str
    path: str
    kind: str
    split: str
    sha256: str
    pages: int
    outline_entries: int

    @property
    def file_name(self) -> str:
        return f"{self.sha256[:10]}-{Path(self.path).name}"


@dataclass(frozen=True)
class CorpusDoc:
    """A materialised document: `path` is its file in the cache folder."""

    name: str
    kind: str
    split: str
    path: Path
    pages: int
    outline_entries: int


class CorpusError(Exception):
    """A clear message for the command line, never a traceback."""


def default_cache() -> Path:
    import platformdirs

    return Path(platformdirs.user_cache_dir("pageindex-tui")) / "corpus"


def load(path: Path = LIST) -> list[Entry]:
    entries = [Entry(**row) for row in json.loads(path.read_text(encoding="utf-8"))]
    twice = [f"{r}:{p}" for (r, p), n in Counter((e.repo, e.path) for e in entries).items() if n > 1]
    twice += [f"sha256 {sha[:10]}" for sha, n in Counter(e.sha256 for e in entries).items() if n > 1]
    if twice:
        raise CorpusError(f"{path.name} lists a file twice: {', '.join(twice)}")
    return entries


def names(entries: list[Entry]) -> dict[Entry, str]:
    """Each document's name: its file's stem, or `<repository>.<stem>` where two files share a stem
    (`<owner>.<stem>` where the repository is named like the file)."""
    stems = Counter(Path(e.path).stem for e in entries)
    out: dict[Entry, str] = {}
    for e in entries:
        stem = Path(e.path).stem
        owner, name = e.repo.split("/")
        out[e] = stem if stems[stem] == 1 else f"{owner if name == stem else name}.{stem}"
    return out


def save(entries: list[Entry], path: Path = LIST) -> None:
    rows = [asdict(e) for e in sorted(entries, key=lambda e: (e.kind, e.repo, e.path))]
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(rows, indent=1) + "\n", encoding="utf-8")
    tmp.replace(path)


def documents(split: str = "all", cache: Path | None = None) -> list[CorpusDoc]:
    """The corpus documents of `split` ("dev", "check" or "all"), from the cache folder."""
    if split not in (*SPLITS, "all"):
        raise CorpusError(f"unknown split {split!r}: dev, check or all")
    folder = cache or default_cache()
    entries = load()
    named = names(entries)
    chosen = [e for e in entries if split in ("all", e.split)]
    missing = [e.file_name for e in chosen if not (folder / e.file_name).is_file()]
    if missing:
        raise CorpusError(
            f"{len(missing)} corpus PDFs are not in {folder} (first: {missing[0]}); run {BUILD_HINT}"
        )
    return [
        CorpusDoc(named[e], e.kind, e.split, folder / e.file_name, e.pages, e.outline_entries) for e in chosen
    ]


# -- splitting -------------------------------------------------------------------------------------


def assign_splits(entries: list[Entry]) -> list[Entry]:
    """The split rule of the module docstring, applied to the whole list."""
    counts = {"dev": 0, "check": 0}
    out: list[Entry] = []
    for kind in sorted({e.kind for e in entries}):
        first = 0 if counts["dev"] <= counts["check"] else 1
        same = sorted((e for e in entries if e.kind == kind), key=lambda e: e.sha256)
        for i, entry in enumerate(same):
            split = SPLITS[(i + first) % 2]
            counts[split] += 1
            out.append(Entry(**{**asdict(entry), "split": split}))
    return out


# -- git sources -----------------------------------------------------------------------------------


def git_dir(repo: str, mirror_root: Path, clones: Path | None) -> Path | None:
    """The bare git dir holding `repo`: the fetch tool's mirror, else a clone in the cache."""
    name = repo.replace("/", "+")
    for candidate in (mirror_root / name / "repo", mirror_root / name / "repo" / ".git"):
        if (candidate / "objects").is_dir():
            return candidate
    if clones is not None and (clones / name / "objects").is_dir():
        return clones / name
    return None


def clone(repo: str, commit: str, clones: Path) -> Path:
    target = clones / repo.replace("/", "+")
    url = f"https://github.com/{repo}.git"
    if not (target / "objects").is_dir():
        clones.mkdir(parents=True, exist_ok=True)
        _git(["clone", "--bare", "--filter=blob:none", url, str(target)], f"cloning {url}")
    if not _has(target, commit):
        _git(["--git-dir", str(target), "fetch", "origin", commit], f"fetching {commit} of {url}")
    return target


def _has(git: Path, commit: str) -> bool:
    probe = ["git", "--git-dir", str(git), "cat-file", "-e", f"{commit}^{{commit}}"]
    return subprocess.run(probe, capture_output=True).returncode == 0


def _git(args: list[str], doing: str) -> bytes:
    proc = subprocess.run(["git", *args], capture_output=True)
    if proc.returncode != 0:
        why = proc.stderr.decode(errors="replace").strip().splitlines()[-1:] or ["no message"]
        raise CorpusError(f"git failed {doing}: {why[0]}")
    return proc.stdout


def blob(git: Path, commit: str, path: str) -> bytes:
    return _git(["--git-dir", str(git), "show", f"{commit}:{path}"], f"reading {path} at {commit[:10]}")


def build(mirror_root: Path, cache: Path, use_clone: bool) -> int:
    entries = load()
    cache.mkdir(parents=True, exist_ok=True)
    clones = cache / "repos"
    absent: dict[str, str] = {}
    done = 0
    for entry in entries:
        target = cache / entry.file_name
        if target.is_file() and _sha(target.read_bytes()) == entry.sha256:
            done += 1
            continue
        git = git_dir(entry.repo, mirror_root, clones)
        if git is None and use_clone:
            git = clone(entry.repo, entry.commit, clones)
        if git is None:
            absent[entry.repo] = entry.commit
            continue
        data = blob(git, entry.commit, entry.path)
        if _sha(data) != entry.sha256:
            raise CorpusError(f"{entry.repo}:{entry.path} at {entry.commit[:10]} has another sha256")
        tmp = target.with_suffix(".part")
        tmp.write_bytes(data)
        tmp.replace(target)
        done += 1
    print(f"{done} of {len(entries)} corpus PDFs in {cache}")
    for repo, commit in sorted(absent.items()):
        print(
            f"  not mirrored: {repo} (fetch github:{repo} into {mirror_root}, "
            f"or git clone https://github.com/{repo} at {commit}; or rerun with --clone)"
        )
    return 0 if not absent else 1


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# -- commands --------------------------------------------------------------------------------------


def check(cache: Path, split: str) -> int:
    docs = documents(split, cache)
    print(f"{'document':44} {'kind':13} {'split':5} {'pages':>5} {'outline':>7} {'found':>6} {'shifted':>7}")
    failing = 0
    shares: dict[tuple[str, str], list[float]] = {}
    for doc in docs:
        vetting = vet(doc.path.read_bytes())
        mark = "" if vetting.passes else "  FAILS the rule"
        if (vetting.pages, len(vetting.outline)) != (doc.pages, doc.outline_entries):
            mark += f"  corpus.json says {doc.pages} pages, {doc.outline_entries} entries"
        failing += not vetting.passes
        shares.setdefault((doc.kind, doc.split), []).append(vetting.share)
        print(
            f"{doc.name[:44]:44} {doc.kind:13} {doc.split:5} {vetting.pages:5d} "
            f"{len(vetting.outline):7d} {vetting.share:6.0%} {vetting.shifted_share:7.0%}{mark}"
        )
    print(f"\n{'kind':13} {'dev':>4} {'check':>5} {'mean found':>10}")
    for kind in sorted({k for k, _ in shares}):
        n = {s: len(shares.get((kind, s), [])) for s in SPLITS}
        both = shares.get((kind, "dev"), []) + shares.get((kind, "check"), [])
        print(f"{kind:13} {n['dev']:4d} {n['check']:5d} {sum(both) / len(both):10.0%}")
    total = sum(d.pages for d in docs)
    print(f"{len(docs)} documents, {total} pages, {failing} failing the rule")
    return 1 if failing else 0


def vet_repo(repo: str, mirror_root: Path, under: str, commit: str) -> int:
    git = git_dir(repo, mirror_root, None)
    if git is None:
        raise CorpusError(f"{repo} is not mirrored under {mirror_root}")
    listing = _git(["--git-dir", str(git), "ls-tree", "-r", "--long", commit, "--", under or "."], "listing")
    for line in listing.decode(errors="replace").splitlines():
        meta, path = line.split("\t", 1)
        if not path.lower().endswith(".pdf"):
            continue
        size = meta.split()[3]  # "BAD" where the snapshot lacks the object
        kib = f"{int(size) // 1024:6d}K" if size.isdigit() else f"{size:>7}"
        try:
            vetting = vet(blob(git, commit, path))
        except CorpusError:
            print(f"{'absent':>29} {kib} {path}")
            continue
        except Exception as err:  # a candidate pypdf or pdfium cannot read is reported, not added
            print(f"{'unreadable':>29} {path}: {type(err).__name__}")
            continue
        verdict = "PASS" if vetting.passes else "    "
        print(
            f"{verdict} {vetting.pages:5d}p {len(vetting.outline):5d}o {vetting.share:5.0%} "
            f"{vetting.shifted_share:4.0%}s "
            f"{kib} {path}  {vetting.missed[:2] if not vetting.passes else ''}"
        )
    return 0


def add(repo: str, kind: str, paths: list[str], mirror_root: Path, force: bool) -> int:
    if kind not in KINDS:
        raise CorpusError(f"unknown kind {kind!r}: one of {', '.join(KINDS)}")
    git = git_dir(repo, mirror_root, None)
    if git is None:
        raise CorpusError(f"{repo} is not mirrored under {mirror_root}")
    commit = _git(["--git-dir", str(git), "rev-parse", "HEAD"], "reading HEAD").decode().strip()
    entries = load() if LIST.exists() else []
    known = {(e.repo, e.path) for e in entries}
    for path in paths:
        if (repo, path) in known:
            continue
        data = blob(git, commit, path)
        sha = _sha(data)
        same = next((e for e in entries if e.sha256 == sha), None)
        if same is not None:
            print(f"skipped {path}: the corpus has it already ({same.repo}:{same.path})")
            continue
        vetting = vet(data)
        if not vetting.passes and not force:
            print(f"skipped {path}: {len(vetting.outline)} entries, {vetting.share:.0%} found")
            continue
        entries.append(Entry(repo, commit, path, kind, "", sha, vetting.pages, len(vetting.outline)))
        print(f"added {path}: {vetting.pages} pages, {len(vetting.outline)} entries, {vetting.share:.0%}")
    save(assign_splits(entries))
    return 0


def main() -> int:
    # real PDFs' broken-xref notes are not findings; set here, not in vet(), which tests call
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    places = argparse.ArgumentParser(add_help=False)
    places.add_argument("--mirror-root", type=Path, default=Path("/work/.mirror"), help="fetched git dirs")
    places.add_argument("--cache", type=Path, default=None, help="default: the user cache's corpus/")
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True)
    build_cmd = commands.add_parser("build", parents=[places], help="copy the corpus PDFs into the cache")
    build_cmd.add_argument("--clone", action="store_true", help="git clone repositories not mirrored")
    check_cmd = commands.add_parser("check", parents=[places], help="pages, outline, titles found per PDF")
    check_cmd.add_argument("--split", default="all", choices=(*SPLITS, "all"))
    vet_cmd = commands.add_parser("vet", parents=[places], help="apply the rule to a mirrored repository")
    vet_cmd.add_argument("repo")
    vet_cmd.add_argument("--under", default="")
    vet_cmd.add_argument("--commit", default="HEAD")
    add_cmd = commands.add_parser("add", parents=[places], help="add a mirrored repository's PDFs that pass")
    add_cmd.add_argument("repo")
    add_cmd.add_argument("kind")
    add_cmd.add_argument("paths", nargs="+")
    add_cmd.add_argument("--force", action="store_true", help="add even where the rule fails")
    args = parser.parse_args()
    cache = args.cache or default_cache()
    try:
        if args.command == "build":
            return build(args.mirror_root, cache, args.clone)
        if args.command == "check":
            return check(cache, args.split)
        if args.command == "vet":
            return vet_repo(args.repo, args.mirror_root, args.under, args.commit)
        return add(args.repo, args.kind, args.paths, args.mirror_root, args.force)
    except CorpusError as err:
        print(f"corpus: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
