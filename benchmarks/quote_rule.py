"""How long must a quote be before finding it on a page says something? Measured on the corpus's PDFs.

    python benchmarks/quote_rule.py --split dev      # tune the rule here
    python benchmarks/quote_rule.py --split check    # report it here

For quotes of k words (k = 1..10) taken at random from one page of a document, the share found (by the
verifier's own `quote_found`: case, punctuation, hyphenation and small slips aside) on another page of the
same document, chosen at random: a quote the model did not take from the cited page that would still
"verify" it; and the same share leaving out running lines (quotes printed on three or more pages of the
document, such as a header, a footer or a copyright line), which no length rules out.
ask/verify.py's MIN_QUOTE_WORDS is the smallest k past which longer quotes gain little on the dev half.
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

import pypdfium2 as pdfium

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import documents

from pageindex_tui.ask.verify import quote_found, words

MAX_PAGES = 60  # of each document, the first pages (big manuals would weigh too much)
PER_DOC = 40  # quotes of each length per document


def page_texts(path: Path) -> list[str]:
    pdf = pdfium.PdfDocument(path)
    try:
        return [pdf[i].get_textpage().get_text_range() for i in range(min(len(pdf), MAX_PAGES))]
    finally:
        pdf.close()


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--split", default="dev", choices=("dev", "check", "all"))
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    lengths = range(1, 11)
    found = dict.fromkeys(lengths, 0)
    tried = dict.fromkeys(lengths, 0)
    found_once = dict.fromkeys(lengths, 0)  # of quotes that are not running lines
    tried_once = dict.fromkeys(lengths, 0)
    docs = documents(args.split)
    for doc in docs:
        texts = page_texts(doc.path)
        pages = [(i, words(t)) for i, t in enumerate(texts)]
        joined = [" " + " ".join(w) + " " for _i, w in pages]
        full = [(i, w) for i, w in pages if len(w) >= 20]
        if len(full) < 2:
            continue
        for k in lengths:
            for _ in range(PER_DOC):
                (_i, have), (j, _other) = rng.sample(full, 2)
                start = rng.randrange(0, len(have) - k + 1)
                quote = " ".join(have[start : start + k])
                hit = quote_found(quote, texts[j])
                tried[k] += 1
                found[k] += hit
                if sum(f" {quote} " in page for page in joined) < 3:
                    tried_once[k] += 1
                    found_once[k] += hit
    print(f"{len(docs)} documents ({args.split}), first {MAX_PAGES} pages each, {PER_DOC} quotes per length")
    print(f"{'words':>5} {'found elsewhere':>20} {'not running lines':>22}")
    for k in lengths:
        share = found[k] / tried[k] if tried[k] else 0.0
        once = found_once[k] / tried_once[k] if tried_once[k] else 0.0
        both = f"{found[k]:>6}/{tried[k]:<5} {share:>6.1%}"
        print(f"{k:>5} {both} {found_once[k]:>8}/{tried_once[k]:<5} {once:>6.1%}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
