"""The words of a search and the FTS5 query made of them, with BM25's cost bounded.

BM25 costs a score for every row that holds any query word, and at 10,000 documents a common word is in
hundreds of thousands of rows. Words are taken rarest first (each one's row count read from the index,
counting no further than BUDGET) while the rows they match stay within BUDGET; the rarest is always kept
(and when it alone is in more rows, rows holding every word are tried first).
A word left out is one found in many rows: its IDF, and so its weight in BM25, is the lowest of the
question's. Measured in `benchmarks/search_bench.py` and `benchmarks/search_corpus.py` (see the README).

When every word is in more than BUDGET rows, each one's share of the rows is counted in a sample (the
rows of a few documents in a few places of the index): a word in half the rows or more is left out
(where every word is, only the rarest is kept), since FTS5's BM25 gives it no weight (its IDF is
floored near zero) while scoring it costs a pass over its whole posting list, the longest of the index
(at 10,000 documents about 40 ms a word, the most of a slow search).
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass

MAX_QUERY_WORDS = 32
TITLE, SUMMARY, BODY = 6.0, 2.0, 1.0  # BM25 weights of the columns: a title's word counts most
WIDE = 1000  # best rows ranked before documents are grouped
BUDGET = 10_000  # rows the words kept may match together
SHIFT = 24  # a row id is (document number << SHIFT) + its row within the document
SAMPLE_DOCUMENTS, SAMPLE_PLACES = 64, 4  # the sample a common word's share of the rows is counted in
WEIGHTLESS = 0.5  # a word in this share of the rows or more has no weight in FTS5's BM25
_STOP = frozenset(
    "the a an of in on at to for and or is are was were be by with what which who how does do did "  # noqa: SIM905
    "this that these those it its as from".split()
)


def query_words(text: str) -> list[str]:
    """The words of `text` to look for: stop words dropped unless nothing else is left, each once."""
    words = [w for w in re.findall(r"\w+", text.lower()) if w]
    kept = [w for w in words if w not in _STOP] or words
    return list(dict.fromkeys(kept))[:MAX_QUERY_WORDS]


def match_query(words: list[str]) -> str:
    """Words as an FTS5 query: each quoted (no FTS5 syntax from the user is read), any of them (BM25 ranks
    rows with more and rarer words first). "" for no words."""
    return " OR ".join(f'"{w}"' for w in words)


def rows_with(db: sqlite3.Connection, word: str, most: int) -> int:
    """How many rows hold `word` (stemmed as the index is), counted no further than `most`."""
    sql = "SELECT count(*) FROM (SELECT rowid FROM nodes WHERE nodes MATCH ? LIMIT ?)"
    return int(db.execute(sql, (match_query([word]), most)).fetchone()[0])


@dataclass(frozen=True)
class Sample:
    """Row id ranges standing for the index (the rows of up to SAMPLE_DOCUMENTS documents in
    SAMPLE_PLACES places) and how many rows they hold."""

    ranges: tuple[tuple[int, int], ...]
    rows: int


def sample(db: sqlite3.Connection) -> Sample:
    """The index's sample: its documents' numbers split evenly, a run of documents taken at each place
    (each run one row id range, which FTS5 seeks to without reading the rows before it)."""
    first, last = db.execute("SELECT min(id), max(id) FROM documents").fetchone()
    if first is None:
        return Sample((), 0)
    run = SAMPLE_DOCUMENTS // SAMPLE_PLACES
    if last - first + 1 <= SAMPLE_DOCUMENTS:
        starts = [first]
        run = last - first + 1
    else:
        starts = [
            first + place * (last - first + 1 - run) // (SAMPLE_PLACES - 1) for place in range(SAMPLE_PLACES)
        ]
    ranges = tuple((start << SHIFT, ((start + run) << SHIFT) - 1) for start in starts)
    sql = "SELECT count(*) FROM node_rows WHERE id BETWEEN ? AND ?"
    return Sample(ranges, sum(int(db.execute(sql, span).fetchone()[0]) for span in ranges))


def share(db: sqlite3.Connection, word: str, taken: Sample) -> float:
    """The share of the sample's rows that hold `word` (0 for an empty sample)."""
    if not taken.rows:
        return 0.0
    sql = "SELECT count(*) FROM nodes WHERE nodes MATCH ? AND rowid BETWEEN ? AND ?"
    held = sum(int(db.execute(sql, (match_query([word]), *span)).fetchone()[0]) for span in taken.ranges)
    return held / taken.rows


def fts_queries(db: sqlite3.Connection, text: str, budget: int = BUDGET) -> list[str]:
    """The FTS5 queries for `text`, to run in turn until one matches: its words rarest first while the
    rows they match stay within `budget` (the rarest always); words no row holds add nothing and are left
    out ([] when none is found). When even the rarest word is in more rows than `budget`, rows holding
    all the words are looked for first: fewer rows to score, and the ones BM25 ranks first. (On the
    synthetic 10,000-document library with page text, for queries made of a node's title: CPU p95 161
    -> 64 ms, its document in the top 5 59.5% -> 65.5%; without page text that top 5 fell, 78% -> 70%.)
    Then a word in WEIGHTLESS of the rows or more is left out of both (see above), and the other query
    is the rarest word by its share."""
    words = query_words(text)
    if len(words) < 2:
        return [match_query(words)] if words else []
    counted = sorted((rows_with(db, w, budget + 1), n, w) for n, w in enumerate(words))
    kept: list[tuple[int, str]] = []
    total = 0
    for rows, order, word in counted:
        if rows == 0:
            continue
        if kept and total + rows > budget:
            break
        kept.append((order, word))
        total += rows
    if not kept:
        return []
    query = match_query([w for _, w in sorted(kept)])
    found = [w for _, w in sorted((n, w) for rows, n, w in counted if rows)]
    if total > budget and len(found) > 1:  # even the rarest word is common: rows with all of them first
        return _common(db, found)
    return [query]


def _common(db: sqlite3.Connection, found: list[str]) -> list[str]:
    """The queries for words that are each in more than BUDGET rows: all of them less those in
    WEIGHTLESS of the rows or more, then the rarest alone (only the rarest where all are that common)."""
    taken = sample(db)
    shares = {word: share(db, word, taken) for word in found}
    rarest = min(found, key=lambda w: shares[w])
    kept = [w for w in found if shares[w] < WEIGHTLESS] or [rarest]
    if len(kept) == 1:
        return [match_query(kept)]
    return [" AND ".join(f'"{w}"' for w in kept), match_query([rarest])]
