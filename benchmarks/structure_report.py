"""Rows, totals and goals of benchmarks/structure_vs_flash.py: what one run found per document and
tool, scored by one rule, printed and written as JSON.

Scoring (one rule for every tool): the tree's nodes less the coverage nodes (`scoring.sections`: a
"Preface" on page 1, page groups, "<parent> (intro)" children) are matched against the truth on
(title, start page) at tolerance 0 and 1 page (`scoring.score`); level accuracy is the share of the
headings matched at tolerance 0 that sit at the true level (levels counted from each tree's top;
a root on page 1 over every other heading, a document's title, counts at its children's level).
"""

from __future__ import annotations

import json
import statistics
import sys
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

import scoring  # noqa: E402  (the tests' scorer)

WORST = 10  # documents printed first, lowest recall at tolerance 0
GOAL_RECALL, GOAL_PRECISION = 0.92, 0.85  # mean, tolerance 0, check half, no model
GOAL_SHARE_AT_FLASH = 0.90  # share of documents at Flash's recall or above
GOAL_MAX_BELOW = 0.10  # no document further below Flash's recall than this
GOAL_SPEED = 0.2  # our seconds over the corpus / Flash's, fresh Flash runs only


@dataclass(frozen=True)
class Scores:
    r0: float
    p0: float
    r1: float
    p1: float
    level: float  # of the headings matched at tolerance 0, the share at the true level

    @classmethod
    def of(cls, found: list[scoring.Heading], truth: list[scoring.Heading]) -> Scores:
        exact, near = scoring.score(found, truth, page_slack=0), scoring.score(found, truth, page_slack=1)
        return cls(exact.recall, exact.precision, near.recall, near.precision, exact.level_accuracy)


@dataclass(frozen=True)
class Run:
    """One tool on one document: the sections it found (coverage nodes left out), or why it failed."""

    headings: list[scoring.Heading] = field(default_factory=list)
    seconds: float = 0.0
    source: str = ""  # ours: the structure source; Flash: its toc_source
    error: str | None = None
    fresh: bool = True  # False: Flash's result read from the cache, its seconds from the run that made it
    calls: int = 0  # ours: model calls (retries counted), as the run record counts them
    tokens: tuple[int, int] = (0, 0)  # ours: prompt and completion tokens of those calls
    scores: Scores | None = None  # None without truth or on failure

    @property
    def failed(self) -> bool:
        return self.error is not None

    def scored(self, truth: list[scoring.Heading] | None) -> Run:
        """With its scores against `truth`; a failed run scores 0 (failing never raises a mean)."""
        if truth is None:
            return self
        scores = Scores(0.0, 0.0, 0.0, 0.0, 0.0) if self.failed else Scores.of(self.headings, truth)
        return replace(self, scores=scores)


@dataclass(frozen=True)
class Row:
    name: str
    kind: str
    split: str  # dev, check, generated, paths
    pages: int
    truth: list[scoring.Heading] | None
    ours: Run
    model: Run | None = None  # ours with a model server deciding the unsure layout headings
    flash: Run | None = None


def r0(run: Run | None) -> float | None:
    return run.scores.r0 if run is not None and run.scores is not None else None


def ordered(rows: list[Row]) -> list[Row]:
    """The worst `WORST` documents with truth first (lowest R0 of ours), then the rest in run order."""
    scored = [r for r in rows if r.truth is not None]
    worst = sorted(scored, key=lambda r: (r0(r.ours) if r0(r.ours) is not None else -1.0, r.name))[:WORST]
    first = {id(r) for r in worst}
    return worst + [r for r in rows if id(r) not in first]


def _cell(value: float | None, fmt: str = "{:.2f}") -> str:
    return "-" if value is None else fmt.format(value)


def _run_cells(run: Run | None, with_source: bool) -> str:
    if run is None:
        return f"{'-':>4s} {'':29s} {'-':>7s}" + (f" {'':10s}" if with_source else "")
    if run.failed:
        text = f"failed: {run.error}"
        return f"{text[:42]:42s}" + (f" {'':10s}" if with_source else "")
    s = run.scores
    cells = (
        " ".join(_cell(v) for v in (s.r0, s.p0, s.r1, s.p1)) + f" {s.level * 100:3.0f}"
        if s is not None
        else f"{'-':>4s} {'-':>4s} {'-':>4s} {'-':>4s} {'-':>3s}"
    )
    mark = "" if run.fresh else "c"
    seconds = f"{run.seconds:6.2f}{mark or ' '}"
    return f"{len(run.headings):4d} {cells} {seconds}" + (f" {run.source[:10]:10s}" if with_source else "")


def header(with_model: bool) -> str:
    cols = f"{'nodes':>4s} {'R0':>4s} {'P0':>4s} {'R1':>4s} {'P1':>4s} {'lv%':>3s} {'sec':>7s}"
    line = f"{'document':34s} {'pages':>5s} {'truth':>5s} {'kind':12s} {'split':9s}"
    line += f" | ours {cols} {'source':10s}"
    if with_model:
        line += f" | +model {cols} {'source':10s}"
    return line + f" | flash {cols}"


def row_line(row: Row, with_model: bool) -> str:
    truth = "-" if row.truth is None else str(len(row.truth))
    line = f"{row.name[-34:]:34s} {row.pages:5d} {truth:>5s} {row.kind[:12]:12s} {row.split[:9]:9s} |      "
    line += _run_cells(row.ours, True)
    if with_model:
        line += " |        " + _run_cells(row.model, True)
    return line + " |       " + _run_cells(row.flash, False)


@dataclass(frozen=True)
class Totals:
    """One split's figures; means over the documents with truth (a failed run scores 0)."""

    split: str
    documents: int
    ours: tuple[float, float, float, float, float] | None  # mean R0 P0 R1 P1 level
    model: tuple[float, float, float, float, float] | None
    flash: tuple[float, float, float, float, float] | None
    our_seconds: float
    model_seconds: float | None
    flash_seconds: float | None
    flash_fresh: int  # documents whose Flash seconds were measured in this run
    flash_runs: int
    at_flash: int  # documents where our R0 >= Flash's
    below_flash: int  # documents where our R0 < Flash's - GOAL_MAX_BELOW
    compared: int  # documents with both our and Flash's R0
    failures: int  # our failures
    flash_failures: int
    model_failures: int


def _means(runs: list[Run | None]) -> tuple[float, float, float, float, float] | None:
    scores = [r.scores for r in runs if r is not None and r.scores is not None]
    if not scores:
        return None
    return (
        statistics.fmean(s.r0 for s in scores),
        statistics.fmean(s.p0 for s in scores),
        statistics.fmean(s.r1 for s in scores),
        statistics.fmean(s.p1 for s in scores),
        statistics.fmean(s.level for s in scores),
    )


def totals(split: str, rows: list[Row]) -> Totals:
    flash_runs = [r.flash for r in rows if r.flash is not None and not r.flash.failed]
    models = [r.model for r in rows if r.model is not None]
    pairs = [(r0(r.ours), r0(r.flash)) for r in rows]
    both = [(a, b) for a, b in pairs if a is not None and b is not None]
    return Totals(
        split=split,
        documents=len(rows),
        ours=_means([r.ours for r in rows]),
        model=_means([r.model for r in rows]),
        flash=_means([r.flash for r in rows]),
        our_seconds=sum(r.ours.seconds for r in rows),
        model_seconds=sum(m.seconds for m in models) if models else None,
        flash_seconds=sum(f.seconds for f in flash_runs) if flash_runs else None,
        flash_fresh=sum(f.fresh for f in flash_runs),
        flash_runs=len(flash_runs),
        at_flash=sum(a >= b for a, b in both),
        below_flash=sum(a < b - GOAL_MAX_BELOW for a, b in both),
        compared=len(both),
        failures=sum(r.ours.failed for r in rows),
        flash_failures=sum(r.flash is not None and r.flash.failed for r in rows),
        model_failures=sum(m.failed for m in models),
    )


def _means_text(means: tuple[float, float, float, float, float] | None) -> str:
    if means is None:
        return "-"
    a, b, c, d, level = means
    return f"R0 {a:.3f} P0 {b:.3f} R1 {c:.3f} P1 {d:.3f} level {level * 100:.0f}%"


def totals_lines(t: Totals) -> list[str]:
    lines = [f"{t.split} ({t.documents} document{'' if t.documents == 1 else 's'})"]
    lines.append(f"  ours       {_means_text(t.ours)}  {t.our_seconds:.1f}s  failures {t.failures}")
    if t.model is not None or t.model_seconds is not None:
        seconds = f"{t.model_seconds:.1f}s" if t.model_seconds is not None else "-"
        lines.append(f"  ours+model {_means_text(t.model)}  {seconds}  failures {t.model_failures}")
    if t.flash_seconds is not None or t.flash_failures:
        flash_s = t.flash_seconds or 0.0
        ratio = f"{t.our_seconds / flash_s:.2f}x" if flash_s else "-"
        lines.append(
            f"  flash      {_means_text(t.flash)}  {flash_s:.1f}s ({t.flash_fresh}/{t.flash_runs} fresh)"
            f"  failures {t.flash_failures}"
        )
        lines.append(
            f"  ours/flash time {ratio}; at Flash's recall or above {t.at_flash}/{t.compared};"
            f" more than {GOAL_MAX_BELOW:.2f} below Flash {t.below_flash}/{t.compared}"
        )
    return lines


def _verdict(ok: bool | None, why: str = "") -> str:
    word = "not judged" if ok is None else ("met" if ok else "NOT MET")
    return f"{word}{f' ({why})' if why else ''}"


def goals_lines(t: Totals) -> list[str]:
    """The goals of issue 18 for the check half, no model (the model goal compares with it)."""
    lines = [f"goals, {t.split} half:"]
    if t.ours is None:
        return [*lines, "  no scored documents"]
    mean_r, mean_p = t.ours[0], t.ours[1]
    lines.append(
        f"  mean recall >= {GOAL_RECALL} (tol 0): {_verdict(mean_r >= GOAL_RECALL, f'{mean_r:.3f}')}"
    )
    lines.append(
        f"  mean precision >= {GOAL_PRECISION} (tol 0): {_verdict(mean_p >= GOAL_PRECISION, f'{mean_p:.3f}')}"
    )
    if t.compared:
        share = t.at_flash / t.compared
        lines.append(
            f"  at Flash's recall on >= {GOAL_SHARE_AT_FLASH:.0%} of documents:"
            f" {_verdict(share >= GOAL_SHARE_AT_FLASH, f'{t.at_flash}/{t.compared}')}"
        )
        lines.append(
            f"  no document more than {GOAL_MAX_BELOW:.2f} below Flash:"
            f" {_verdict(t.below_flash == 0, f'{t.below_flash} are')}"
        )
    else:
        lines.append("  against Flash: not judged (no Flash results)")
    if t.flash_seconds and t.flash_fresh == t.flash_runs:
        ratio = t.our_seconds / t.flash_seconds
        lines.append(f"  time <= {GOAL_SPEED}x Flash's: {_verdict(ratio <= GOAL_SPEED, f'{ratio:.2f}x')}")
    else:
        why = "Flash's seconds cached: rerun with --fresh-flash" if t.flash_seconds else "no Flash results"
        lines.append(f"  time <= {GOAL_SPEED}x Flash's: {_verdict(None, why)}")
    lines.append(f"  no document fails: {_verdict(t.failures == 0, f'{t.failures} failed')}")
    if t.model is not None:
        ok, why = t.model[0] >= mean_r, f"{t.model[0]:.3f} vs {mean_r:.3f}"
        lines.append(f"  recall with the model >= without: {_verdict(ok, why)}")
    else:
        lines.append("  recall with the model >= without: not judged (no --endpoint or --local)")
    lines.append("  outline trees unchanged: judged by --keep-outline --save DIR --against OLD_DIR")
    return lines


def write_json(path: Path, meta: dict[str, object], rows: list[Row], all_totals: list[Totals]) -> None:
    """Every row (with the headings each tool found) and the totals; written atomically."""
    data = {"meta": meta, "rows": [asdict(r) for r in rows], "totals": [asdict(t) for t in all_totals]}
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.replace(path)


def detail_lines(row: Row) -> list[str]:
    """A document's truth, each heading marked by the tools that found it at its exact page (o: ours,
    m: ours+model, f: Flash), then what each tool found that is not in the truth."""
    if row.truth is None:
        return [f"{row.name}: no truth"]
    runs = [("o", row.ours), ("m", row.model), ("f", row.flash)]
    present = [(mark, run) for mark, run in runs if run is not None and not run.failed]
    hits = {mark: scoring.matches(run.headings, row.truth) for mark, run in present}
    lines = [f"{row.name}: truth, marked where found at its page ({' '.join(m for m, _ in present)})"]
    for k, (title, page, level) in enumerate(row.truth):
        marks = "".join(mark if hits[mark][k] is not None else "-" for mark, _ in present)
        lines.append(f"  [{marks}] p{page:<4d} {'  ' * level}{title}")
    for mark, run in present:
        used = {i for i in hits[mark] if i is not None}
        extra = [h for i, h in enumerate(run.headings) if i not in used]
        lines.append(f"  not in the truth ({mark}): {len(extra)}")
        lines.extend(f"    p{page:<4d} {'  ' * level}{title}" for title, page, level in extra)
    return lines


def kind_lines(rows: list[Row]) -> list[str]:
    """Mean R0 and P0 per kind of document, ours and Flash's (documents with truth)."""
    lines = [f"by kind: {'kind':14s} {'docs':>4s} | ours R0 P0 | flash R0 P0"]
    for kind in sorted({r.kind for r in rows if r.truth is not None}):
        of_kind = [r for r in rows if r.kind == kind and r.truth is not None]
        mine, theirs = _means([r.ours for r in of_kind]), _means([r.flash for r in of_kind])
        pair = "-    -   " if theirs is None else f"{theirs[0]:.2f} {theirs[1]:.2f}"
        ours_pair = "-    -   " if mine is None else f"{mine[0]:.2f} {mine[1]:.2f}"
        lines.append(f"         {kind[:14]:14s} {len(of_kind):4d} |   {ours_pair} |    {pair}")
    return lines
