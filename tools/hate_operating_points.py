"""Operating points of the shipped hate model: for toxicity thresholds (1 - p(normal)), the false-positive
rate on non-toxic bias-madlibs sentences and the accuracy on unspun's functional suite (overall, hateful,
non-hateful cases). Use it to choose `Options.thresholds["hate"]` for a stricter or a more lenient reading.

    .venv/bin/python tools/hate_operating_points.py [--data ../shared/data] [--model DIR] [--every 10]
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

import numpy as np

from unspun.training import functional as F
from unspun.training.data import join_words
from unspun.training.evaluate import predict_posts

THRESHOLDS = (0.4, 0.46, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", type=Path, default=Path("../shared/data"))
    p.add_argument("--model", type=Path, default=None)
    p.add_argument("--every", type=int, default=10, help="read every Nth non-toxic madlibs sentence")
    args = p.parse_args()
    with (args.data / "bias-madlibs" / "bias_madlibs_77k.csv").open(encoding="utf-8", newline="") as f:
        rows = [r for r in csv.DictReader(f) if r["Label"] == "NOT_BAD"][:: args.every]
    madlibs = np.stack(
        [x.probs for x in predict_posts([join_words(r["Text"].split()) for r in rows], args.model)]
    )
    cases = F.load_suite().cases
    probs = np.stack(
        [x.probs for x in predict_posts([join_words(c.text.split()) for c in cases], args.model)]
    )
    gold = np.asarray([c.gold == F.HATEFUL for c in cases])
    print(f"| toxic threshold | madlibs FPR (n={len(rows)}) | suite overall | hateful | non-hateful |")
    print("|---:|---:|---:|---:|---:|")
    for t in THRESHOLDS:
        said = 1.0 - probs[:, 2] >= t
        fpr = float(np.mean(1.0 - madlibs[:, 2] >= t))
        print(
            f"| {t:.2f} | {fpr:.3f} | {np.mean(said == gold):.3f} | {np.mean(said[gold]):.3f} "
            f"| {np.mean(~said[~gold]):.3f} |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
