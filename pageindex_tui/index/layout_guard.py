"""The model's say over unsure layout headings, bounded so that a model that answers badly never leaves
the tree worse than the rules alone.

Only the candidates the rules left open (`layout.ASK` <= confidence < `heading.SURE`) are put to the
model. What it may change:

- a candidate the rules would drop (below `layout.KEEP`) becomes a heading when the model says yes,
  unless the rules see one of the reasons below in it, or the model said yes to nearly every line
  it was shown (then its yes tells them apart no better than the rules do);
- a candidate the rules would keep is dropped only when the model names a reason from a fixed set
  (`Reason`) and the rules can see that reason in the candidate (a caption's wording, figures in a
  table, a running head repeated on other pages, a sentence's punctuation, code, a list marker, an
  address); a rejection without a reason, or with one the rules cannot see, leaves it kept;
- a line the model does not mention, or mentions both ways, is decided by the rules.

When the checked rejections still take away more than half of what the rules would keep, the model
is not trusted at all for this document: the rules decide, and a warning says so.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from .heading import Candidate
from .layout import KEEP
from .layout_levels import numbering
from .layout_rejects import BULLETS, shape
from .shapes import HeadingsCheck, Reason

DISTRUST_SHARE = 0.5  # checked rejections above this share of the rules' keeps: the model is set aside
DISTRUST_MIN = 3  # ... and at least this many
YES_SHARE = 0.9  # a model that says yes to this share of the lines shown or more lifts none of them
YES_MIN = 5  # ... of at least this many lines
RUNNING_PAGES = 3  # a title repeated (digits aside) on this many pages is a running head

_CAPTION = re.compile(  # "Figure 3", "Table A.2:", "Source:", "Note."
    r"^(?i:fig(ure)?|table|tab|chart|exhibit|graph|plate|map|photo|illustration|source|note)s?\.?"
    r"(\s*([\dIVX]+|[A-Z])\b([.\-:]\d+)*|\s*[:.\u2013\u2014]|$)"
)
_FIGURE = re.compile(r"[-+]?[$\u20ac\u00a3(]?\d[\d,.]*%?\)?")
_CODE = re.compile(r"[{}();=<>\[\]]|\b[a-z]+[A-Z]\w*\b|\b\w+_\w+\b|::|->")
_LIST = re.compile(rf"^([{re.escape(BULLETS)}]\s|\(?[a-z]\)\s)")
_CONTACT = re.compile(r"@|https?://|www\.|\+?\d[\d ()-]{7,}\d|\b(tel|phone|fax|e-?mail)\b", re.IGNORECASE)
_LETTERS = re.compile(r"[^\W\d_]")
_LEADERS = re.compile(r"(\s*[.\u2026\u00b7]){4,}\s*|\s{2,}")  # "Item 1. Business .......... 3"
NEXT_LINE_CHARS = 60  # of the line after a candidate, shown to the model


def _figures(text: str) -> int:
    return sum(1 for token in text.split() if _FIGURE.fullmatch(token))


def _is_table(c: Candidate, _repeats: Counter[str]) -> bool:
    """Figures in columns: the layout saw a grid, or the line or the one after it is mostly figures."""
    words = len(c.title.split())
    return c.grid or _figures(c.title) * 2 >= max(words, 2) or _figures(c.context) >= 3


def _is_caption(c: Candidate, _repeats: Counter[str]) -> bool:
    return bool(_CAPTION.match(c.title))


def _is_running(c: Candidate, repeats: Counter[str]) -> bool:
    return repeats[shape(c.title)] >= RUNNING_PAGES


def _is_sentence(c: Candidate, _repeats: Counter[str]) -> bool:
    """A sentence's marks: a final full stop, comma or semicolon (not after a bare section number), a
    lower-case start, or more words than a heading has."""
    text = c.title.rstrip()
    n = numbering(text)
    stop = text.endswith((".", ",", ";")) and not (n and text.rstrip(".") == n.label)
    return stop or text[:1].islower() or len(text.split()) > 14


def _is_code(c: Candidate, _repeats: Counter[str]) -> bool:
    return c.mono or bool(_CODE.search(c.title))


def _is_list_item(c: Candidate, _repeats: Counter[str]) -> bool:
    return bool(_LIST.match(c.title))


def _is_contact(c: Candidate, _repeats: Counter[str]) -> bool:
    return bool(_CONTACT.search(c.title))


CHECKS: dict[Reason, Callable[[Candidate, Counter[str]], bool]] = {
    "table": _is_table,
    "caption": _is_caption,
    "running": _is_running,
    "sentence": _is_sentence,
    "code": _is_code,
    "list": _is_list_item,
    "contact": _is_contact,
}


def repeats(candidates: list[Candidate]) -> Counter[str]:
    """On how many pages each candidate title's shape (digits aside) stands."""
    pages: dict[str, set[int]] = {}
    for c in candidates:
        pages.setdefault(shape(c.title), set()).add(c.page)
    return Counter({shape: len(found) for shape, found in pages.items()})


def open_to_model(candidates: list[Candidate], asked: list[int]) -> list[int]:
    """Of the unsure candidates (`asked`), those whose fate the model's answer can change within the
    bounds of `judge`: one the rules keep that shows a reason it may name to drop it, and one the
    rules drop that shows none (its yes lifts it). Of the others the rules' word stands whatever the
    model says: they are not put to it."""
    seen = repeats(candidates)
    return [
        i
        for i in asked
        if (candidates[i].confidence >= KEEP) == any(check(candidates[i], seen) for check in CHECKS.values())
    ]


def reason_holds(reason: Reason, c: Candidate, seen: Counter[str]) -> bool:
    """Can the rules see `reason` in the candidate? "other" is never checkable."""
    check = CHECKS.get(reason)
    return check is not None and check(c, seen)


@dataclass(frozen=True)
class Verdicts:
    """One batch's reply, by candidate index: the model's yes, and its no with the reason it gave."""

    yes: frozenset[int]
    no: dict[int, Reason] = field(default_factory=dict)

    @classmethod
    def from_reply(cls, reply: HeadingsCheck, batch: list[int]) -> Verdicts:
        yes = {batch[n - 1] for n in reply.headings}
        no = {batch[r.line - 1]: r.reason for r in reply.not_headings}
        both = yes & no.keys()  # said both ways: the rules decide
        return cls(frozenset(yes - both), {i: r for i, r in no.items() if i not in both})


@dataclass
class Judgement:
    """Which unsure candidates stand after the model's answers, and how the answers were used."""

    accepted: set[int]  # indexes of the unsure candidates that are headings
    confirmed: set[int]  # of those, the ones the model said yes to
    lifted: int = 0  # headings the rules would have dropped, kept on the model's yes
    dropped: int = 0  # headings the rules would have kept, dropped on a checked reason (or, distrusted,
    # that would have been)
    refused: int = 0  # rejections of headings the rules keep whose reason the rules could not see
    distrusted: bool = False  # the model dropped too many: the rules decided everything
    undiscerning: bool = False  # the model said yes to nearly every line: its yes lifted none
    reasons: Counter[str] = field(default_factory=Counter)  # checked reasons of the drops


def judge(
    candidates: list[Candidate],
    asked: list[int],
    verdicts: list[Verdicts | None],
    shown: list[int] | None = None,
) -> Judgement:
    """The unsure candidates (`asked`) decided by the model's answers within the bounds above; a batch
    without an answer (None) is decided by the rules. `shown`: the lines put to the model (all of
    `asked` unless given), over which a yes to nearly every line is judged."""
    said_yes: set[int] = set()
    said_no: dict[int, Reason] = {}
    for v in verdicts:
        if v is not None:
            said_yes |= v.yes
            said_no.update(v.no)
    seen = repeats(candidates)
    rules_keep = {i for i in asked if candidates[i].confidence >= KEEP}
    # a yes to (nearly) every line shown tells the lines apart no better than the rules: it lifts none
    lines = asked if shown is None else shown
    undiscerning = len(lines) >= YES_MIN and len(said_yes & set(lines)) >= YES_SHARE * len(lines)
    out = Judgement(set(rules_keep), set(), undiscerning=undiscerning)
    for i in asked:
        c = candidates[i]
        vetoed = i not in rules_keep and any(check(c, seen) for check in CHECKS.values())
        if i in said_yes and (i in rules_keep or not (undiscerning or vetoed)):
            out.accepted.add(i)
            out.confirmed.add(i)
            out.lifted += i not in rules_keep
        elif i in said_no and i in rules_keep:
            if reason_holds(said_no[i], c, seen):
                out.accepted.discard(i)
                out.dropped += 1
                out.reasons[said_no[i]] += 1
            else:
                out.refused += 1
    if out.dropped > max(DISTRUST_MIN - 1, DISTRUST_SHARE * len(rules_keep)):
        return Judgement(set(rules_keep), set(), refused=out.refused, distrusted=True, reasons=out.reasons)
    return out


def _opening(text: str, limit: int = NEXT_LINE_CHARS) -> str:
    """The start of a line, enough to tell body text from a heading: leader dots and runs of spaces
    closed up, cut at a word within `limit` characters."""
    text = _LEADERS.sub(" ", text).strip()
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0] if " " in text[:limit] else text[:limit]
    return f"{cut}…"


def line_for_model(number: int, c: Candidate, body: float) -> str:
    """One candidate as the model sees it: where, how it is set, the line itself, the opening of the
    line after it (the rules read all of it; the model needs to see only whether it reads on as body
    text, and every character of it is paid for on every batch)."""
    ratio = c.size / body if body else 1.0
    cues = [f"{ratio:.2f}x body size", "bold" if c.bold else "regular"]
    letters = _LETTERS.findall(c.title)
    if len(letters) >= 3 and all(ch.isupper() for ch in letters):
        cues.append("capitals")
    cues += [name for name, on in (("italic", c.italic), ("underlined", c.underlined)) if on]
    if c.mono:
        cues.append("fixed-pitch font")
    if c.lines > 1:
        cues.append(f"joined from {c.lines} printed lines")
    if c.grid:
        cues.append("among table cells")
    n = numbering(c.title)
    if n:
        cues.append(f"numbered {n.label}")
    return (
        f"{number}. page {c.page}; {', '.join(cues)}; line: {c.title!r}; next line: {_opening(c.context)!r}"
    )
