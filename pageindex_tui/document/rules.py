"""Thin horizontal rules drawn on a PDF page, and its link areas, read through pdfium; which text
lines the rules underline and which lines hold a link.

An underlined heading is plain text with a ruled line drawn just under it: a stroked line or a thin
filled rectangle (word processors draw one per word or one per run). The rules come from the page's
path objects, those inside form XObjects included; a rule is thin (at most RULE_THICKNESS points)
and much wider than thick. Pieces of one rule that touch or nearly touch are joined, so that words
underlined one by one read as one rule under the line.

A line is underlined when the rules just under it (between the lower part of its box and a little
below it) cover most of its width and none of them runs far beyond it: a table's row rules and a
page-wide separator span more than the text above them, and are not an underline.

A link annotation (a web address, or a jump within the document: a contents entry, a cross
reference) is often drawn underlined; `links` says which lines hold one, so that the reader of an
underline can tell a link from an underlined heading.

The caller holds pdfium's lock.
"""

from __future__ import annotations

import bisect
import ctypes
from dataclasses import dataclass

import pypdfium2.raw as raw

__all__ = ["Rule", "links", "page_links", "page_rules", "underlines"]

RULE_THICKNESS = 2.5  # points: thicker, and it is a bar or a box, not a rule
RULE_MIN_WIDTH = 4.0  # points
JOIN_GAP = 6.0  # points between two pieces of one rule (an underlined space left out)
MAX_OBJECTS = 20000  # a page with more drawn objects (a map, a chart) is not searched for rules
MAX_DEPTH = 4  # nested form XObjects searched
COVER = 0.8  # share of a line's width its underline covers
OVERHANG_EM = 1.5  # how far, in font sizes, an underline may run past either end of its line


@dataclass(frozen=True, order=True)
class Rule:
    y: float  # middle of the rule, top-down page coordinates
    x0: float
    x1: float


Matrix = tuple[float, float, float, float, float, float]
_IDENTITY: Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)


def _times(m: Matrix, n: Matrix) -> Matrix:
    """m then n (PDF's row-vector convention)."""
    a, b, c, d, e, f = m
    a2, b2, c2, d2, e2, f2 = n
    return (
        a * a2 + b * c2,
        a * b2 + b * d2,
        c * a2 + d * c2,
        c * b2 + d * d2,
        e * a2 + f * c2 + e2,
        e * b2 + f * d2 + f2,
    )


class _Reader:
    def __init__(self, page: raw.FPDF_PAGE, height: float) -> None:
        self.page = page
        self.height = height
        self.found: list[Rule] = []
        self.seen = 0
        self._box = [ctypes.c_float() for _ in range(4)]
        self._refs = [ctypes.byref(v) for v in self._box]
        self._fill = ctypes.c_int()
        self._stroke = ctypes.c_int()
        self._matrix = raw.FS_MATRIX()

    def walk(self, parent: raw.FPDF_PAGEOBJECT | None, count: int, m: Matrix, depth: int) -> None:
        """Look through `count` objects of the page (parent None) or of a form XObject.

        Called for every object of every page: pdfium's functions are bound to locals, and a
        path's bounds are tested before anything else is asked of it.
        """
        get_type, get_bounds = raw.FPDFPageObj_GetType, raw.FPDFPageObj_GetBounds
        get = raw.FPDFPage_GetObject if parent is None else raw.FPDFFormObj_GetObject
        owner = self.page if parent is None else parent
        path, form = raw.FPDF_PAGEOBJ_PATH, raw.FPDF_PAGEOBJ_FORM
        left, bottom, right, top = self._box
        refs = self._refs
        for k in range(min(count, MAX_OBJECTS - self.seen)):
            obj = get(owner, k)
            kind = get_type(obj)
            if kind == path:
                if get_bounds(obj, *refs):
                    self._path(obj, m, left.value, bottom.value, right.value, top.value)
            elif kind == form and depth < MAX_DEPTH and raw.FPDFPageObj_GetMatrix(obj, self._matrix):
                fm = self._matrix
                inner = _times((fm.a, fm.b, fm.c, fm.d, fm.e, fm.f), m)
                self.walk(obj, max(raw.FPDFFormObj_CountObjects(obj), 0), inner, depth + 1)
        self.seen += count

    def _path(
        self, obj: raw.FPDF_PAGEOBJECT, m: Matrix, left: float, bottom: float, right: float, top: float
    ) -> None:
        if top - bottom > RULE_THICKNESS and m is _IDENTITY:
            return  # the common case: a shape, not a rule
        if m is not _IDENTITY:  # inside a form: its bounds are in the form's space
            xs, ys = [], []
            for x, y in ((left, bottom), (right, top), (left, top), (right, bottom)):
                xs.append(m[0] * x + m[2] * y + m[4])
                ys.append(m[1] * x + m[3] * y + m[5])
            left, right, bottom, top = min(xs), max(xs), min(ys), max(ys)
        thick, wide = top - bottom, right - left
        if thick > RULE_THICKNESS or wide < RULE_MIN_WIDTH or wide < 3 * thick:
            return
        raw.FPDFPath_GetDrawMode(obj, ctypes.byref(self._fill), ctypes.byref(self._stroke))
        if self._fill.value == 0 and not self._stroke.value:  # a clipping path: nothing is drawn
            return
        self.found.append(Rule(round(self.height - (top + bottom) / 2, 1), left, right))


def page_rules(page: raw.FPDF_PAGE, height: float) -> list[Rule]:
    """The page's thin horizontal rules, pieces on one height joined, sorted top-down."""
    reader = _Reader(page, height)
    count = raw.FPDFPage_CountObjects(page)
    if count > MAX_OBJECTS:
        return []
    reader.walk(None, max(count, 0), _IDENTITY, 0)
    joined: list[Rule] = []
    for rule in sorted(reader.found):
        last = joined[-1] if joined else None
        if (
            last is not None
            and abs(rule.y - last.y) <= 1.0
            and rule.x0 <= last.x1 + JOIN_GAP
            and rule.x1 >= last.x0 - JOIN_GAP
        ):
            joined[-1] = Rule(last.y, min(last.x0, rule.x0), max(last.x1, rule.x1))
        else:
            joined.append(rule)
    return joined


Box = tuple[float, float, float, float, float]  # a text line's x0, x1, top, bottom (top-down) and font size


def _under(rules: list[Rule], ys: list[float], box: Box) -> Rule | None:
    """The span of the rules that underline `box`, or None when they do not."""
    x0, x1, top, bottom, size = box
    width = x1 - x0
    if width <= 0:
        return None
    high = top + 0.6 * (bottom - top)  # below a strike-through, which crosses the letters' middle
    low = bottom + max(1.5, 0.25 * size)
    overhang = max(OVERHANG_EM * size, 3.0)
    covered = 0.0
    span: Rule | None = None
    for k in range(bisect.bisect_left(ys, high), bisect.bisect_right(ys, low)):
        rule = rules[k]
        if rule.x1 <= x0 or rule.x0 >= x1:
            continue
        if rule.x0 < x0 - overhang or rule.x1 > x1 + overhang:
            return None  # a rule under more than this text: a table's or a separator
        covered += min(rule.x1, x1) - max(rule.x0, x0)
        span = rule if span is None else Rule(span.y, min(span.x0, rule.x0), max(span.x1, rule.x1))
    return span if covered >= COVER * width else None


def underlines(boxes: list[Box], rules: list[Rule]) -> list[bool]:
    """Which of a page's text boxes `rules` (page_rules) underline.

    A rule with text set close under it, no wider than it and not underlined itself, is a
    fraction's bar (or a stacked label's), not an underline: an underlined heading's next line, if
    that close, is body text running past the heading's end; the next entry of a list whose every
    line is underlined (a contents page's links) has its own rule.
    """
    if not rules:
        return [False] * len(boxes)
    ys = [rule.y for rule in rules]
    spans = [_under(rules, ys, box) for box in boxes]
    out = []
    for box, span in zip(boxes, spans, strict=True):
        if span is not None:
            reach = box[4] * 0.8
            middle = (box[2] + box[3]) / 2  # a denominator's box may reach above the bar
            span = (
                None
                if any(
                    middle < other[2] < span.y + reach
                    and span.x0 - reach <= other[0]
                    and other[1] <= span.x1 + reach
                    and below is None
                    for other, below in zip(boxes, spans, strict=True)
                    if other is not box
                )
                else span
            )
        out.append(span is not None)
    return out


def page_links(page: raw.FPDF_PAGE, height: float) -> list[tuple[float, float, float, float]]:
    """The page's link annotations' areas as (x0, x1, top, bottom), top-down."""
    out = []
    pos = ctypes.c_int(0)
    link = raw.FPDF_LINK()
    rect = raw.FS_RECTF()
    while raw.FPDFLink_Enumerate(page, ctypes.byref(pos), ctypes.byref(link)):
        if raw.FPDFLink_GetAnnotRect(link, rect):
            low, high = sorted((rect.bottom, rect.top))
            out.append((min(rect.left, rect.right), max(rect.left, rect.right), height - high, height - low))
    return out


def links(boxes: list[Box], areas: list[tuple[float, float, float, float]]) -> list[bool]:
    """Which text boxes have a link area over part of them (across their middle height)."""
    out = []
    for x0, x1, top, bottom, _size in boxes:
        middle = (top + bottom) / 2
        out.append(
            any(a0 < x1 and a1 > x0 and a_top <= middle <= a_bottom for a0, a1, a_top, a_bottom in areas)
        )
    return out
