"""How PTC's Repetition rows relate to recurrence: the figures behind the propaganda stage's Repetition rule.

For each split, over the gold technique rows (one per span and technique), with the stage's own functions
(`stages.propaganda.Recurrence` and `has_content_word`):

- the share of Repetition rows whose span recurs in its article (its words, in order, twice or more);
- the share of recurring rows that are Repetition (why recurrence alone would be a poor rule);
- the Repetition rows whose span holds only stop words (which the rule gives up).

    python tools/propaganda_recurrence.py [--data ../shared/data]
"""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path

from unspun.stages.propaganda import REPETITION, Recurrence, has_content_word
from unspun.training import ptc


def split_figures(data: Path, split: str) -> dict[str, int]:
    counts: Counter[str] = Counter()
    for article in ptc.load_articles(data, split):
        recurrence = Recurrence(article.text)
        for span in article.spans:
            if span.end <= span.start:
                continue
            phrase = article.text[span.start : span.end]
            repetition = span.technique == REPETITION
            recurs = recurrence.count(phrase) >= 2
            counts["rows"] += 1
            counts["repetition"] += repetition
            counts["recurring"] += recurs
            counts["repetition_recurring"] += repetition and recurs
            counts["repetition_stop_words_only"] += repetition and not has_content_word(phrase)
    return dict(counts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/data"))
    args = parser.parse_args()
    for split in ptc.SPLITS:
        c = split_figures(args.data, split)
        print(f"{split}: {c['rows']} technique rows, {c['repetition']} Repetition; "
              f"{c['repetition_recurring'] / c['repetition']:.0%} of Repetition rows recur; "
              f"{c['repetition_recurring'] / c['recurring']:.0%} of recurring rows are Repetition; "
              f"{c['repetition_stop_words_only']} Repetition rows of stop words only")


if __name__ == "__main__":
    main()
