"""The words of a search and the FTS5 query made of them, with BM25's cost bounded.

BM25 costs a score for every row that holds any query word, and at 10,000 documents a common word is in
hundreds of thousands of rows. Words are taken rarest first (each one's row count read from the index,
counting no further than BUDGET) while the rows they match stay within BUDGET; the rarest is always kept
(and when it alone is in more rows, rows holding every word are tried first).
A word left out is one found in many rows: its IDF, and so its weight in BM25, is the lowest of the
question's. Measured in `benchmarks/search_bench.py` and `benchmarks/search_corpus.py` (see the README).
"""

from __future__ import annotations

import re
import sqlite3

MAX_QUERY_WORDS = 32
TITLE, SUMMARY, BODY = 6.0, 2.0, 1.0  # BM25 weights of the columns: a title's word counts most
WIDE = 1000  # best rows ranked before documents are grouped
BUDGET = 10_000  # rows the words kept may match together
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


def fts_queries(db: sqlite3.Connection, text: str, budget: int = BUDGET) -> list[str]:
    """The FTS5 queries for `text`, to run in turn until one matches: its words rarest first while the
    rows they match stay within `budget` (the rarest always); words no row holds add nothing and are left
    out ([] when none is found). When even the rarest word is in more rows than `budget`, rows holding
    all the words are looked for first: fewer rows to score, and the ones BM25 ranks first. (On the
    synthetic 10,000-document library with page text, for queries made of a node's title: CPU p95 161
    -> 64 ms, its document in the top 5 59.5% -> 65.5%; without page text that top 5 fell, 78% -> 70%.)"""
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
        return [" AND ".join(f'"{w}"' for w in found), query]
    return [query]
