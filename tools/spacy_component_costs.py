"""What each spaCy component costs on news paragraphs: the figures behind corpus mode's limit (issue 13).

The pipeline's shared parse (`unspun.nlp.load_spacy`: tok2vec, tagger, parser, ner) runs over the paragraphs
of the first N PTC train articles, whole and with one component left out at a time, in one process. Each
run's CPU seconds are printed, and so is each component's share of the whole parse: the whole parse's time
less the time without that component. Run it twice and compare within one run: machines are noisy.

    python tools/spacy_component_costs.py [--data ../shared/data] [--limit 80] [--repeat 2]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from unspun.nlp import PIPE_BATCH_SIZE, load_spacy
from unspun.training import ptc


def paragraphs(data: Path, limit: int) -> list[str]:
    articles = ptc.load_articles(data, "train")[:limit]
    return [p for a in articles for p in a.text.split("\n") if p.strip()]


def cpu_seconds(texts: list[str], disable: list[str]) -> float:
    nlp = load_spacy()
    started = time.process_time()
    for _ in nlp.pipe(texts, batch_size=PIPE_BATCH_SIZE, disable=disable):
        pass
    return time.process_time() - started


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", type=Path, default=Path("../shared/data"))
    p.add_argument("--limit", type=int, default=80, help="PTC train articles")
    p.add_argument("--repeat", type=int, default=2)
    args = p.parse_args()
    texts = paragraphs(args.data, args.limit)
    nlp = load_spacy()
    chars = sum(map(len, texts))
    print(f"{len(texts)} paragraphs, {chars:,} characters; components {', '.join(nlp.pipe_names)}")
    for run in range(1, args.repeat + 1):
        whole = cpu_seconds(texts, [])
        print(f"run {run}: whole parse {whole:.2f} CPU s")
        for component in nlp.pipe_names:
            without = cpu_seconds(texts, [component])
            share = (whole - without) / whole
            print(f"  without {component:8} {without:6.2f} s   ({share:5.1%} of the whole)")
        tokens = cpu_seconds(texts, list(nlp.pipe_names))
        print(f"  tokenizer alone  {tokens:6.2f} s   ({tokens / whole:5.1%})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
