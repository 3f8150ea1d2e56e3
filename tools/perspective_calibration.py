"""Reliability of the Perspective-compatible scores: expected calibration error on held-out data.

Runs each post through exactly what `POST /v1alpha1/comments:analyze` runs (the stages the hate layer needs,
`unspun.server.perspective.document_scores`: the comment's summary score is its worst sentence's) and
compares the scores with the human labels of held-out splits the model never trained on:

- HateXplain test: TOXICITY vs "hate or offensive" (majority label), SEVERE_TOXICITY vs "hate",
  IDENTITY_ATTACK vs "hate or offensive, with a target community named by >= 2 annotators";
- ToxiGen dev (our seeded 10 % of the annotated train split, `unspun.training.data.load_toxigen`):
  TOXICITY and IDENTITY_ATTACK vs "toxic" (toxicity_human above the line; every statement is about a group).

For each: ECE over 10 equal-width bins (the mean |observed rate - mean score| weighted by the bin's share),
Brier score, AUROC, the base rate and the mean score, and the reliability table of the bins. The lead
re-runs it on each new model; docs/PERSPECTIVE.md records the figures.

    python tools/perspective_calibration.py [--data ../shared/data] [--limit N] [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT.parent / "shared" / "data"
BINS = 10


@dataclass
class Check:
    """One attribute on one split: scores against binary human labels."""

    split: str
    attribute: str
    truth: str
    scores: np.ndarray
    labels: np.ndarray

    def bins(self) -> list[dict[str, Any]]:
        edges = np.linspace(0.0, 1.0, BINS + 1)
        which = np.clip(np.digitize(self.scores, edges[1:-1]), 0, BINS - 1)
        out = []
        for b in range(BINS):
            mask = which == b
            n = int(mask.sum())
            out.append({"bin": f"{edges[b]:.1f}-{edges[b + 1]:.1f}", "n": n,
                        "mean_score": float(self.scores[mask].mean()) if n else None,
                        "observed": float(self.labels[mask].mean()) if n else None})
        return out

    def ece(self) -> float:
        total = len(self.scores)
        gaps = (b["n"] / total * abs(b["observed"] - b["mean_score"]) for b in self.bins() if b["n"])
        return float(sum(gaps))

    def summary(self) -> dict[str, Any]:
        from unspun.training.metrics import binary_auc

        return {"split": self.split, "attribute": self.attribute, "truth": self.truth, "n": len(self.scores),
                "base_rate": float(self.labels.mean()), "mean_score": float(self.scores.mean()),
                "ece": self.ece(), "brier": float(np.mean((self.scores - self.labels) ** 2)),
                "auroc": binary_auc(self.labels.astype(bool), self.scores), "bins": self.bins()}


def score_texts(texts: list[str]) -> list[dict[str, float]]:
    """The Perspective summary scores of each text, as the endpoint computes them."""
    from unspun.options import Options
    from unspun.pipeline import Pipeline
    from unspun.server.perspective import STAGES, document_scores

    pipeline = Pipeline(options=Options(stages=STAGES, input_format="text", language="en")).initialize()
    out = []
    for result in pipeline.pipe(texts):
        if not hasattr(result, "layers"):
            raise RuntimeError(f"a post could not be analysed: {result}")
        out.append(document_scores(result)[0])  # type: ignore[arg-type]
    return out


def hatexplain_checks(data: Path, limit: int | None) -> list[Check]:
    from unspun.training.data import load_hatexplain

    posts = load_hatexplain(data, "test")[:limit]
    scores = score_texts([p.text for p in posts])
    toxic = np.array([p.label != "normal" for p in posts], dtype=float)
    hate = np.array([p.label == "hate" for p in posts], dtype=float)
    attack = np.array([p.label != "normal" and bool(p.targets) for p in posts], dtype=float)

    def col(name: str) -> np.ndarray:
        return np.array([s[name] for s in scores])

    return [Check("HateXplain test", "TOXICITY", "hate or offensive", col("TOXICITY"), toxic),
            Check("HateXplain test", "SEVERE_TOXICITY", "hate", col("SEVERE_TOXICITY"), hate),
            Check("HateXplain test", "IDENTITY_ATTACK", "toxic, target named", col("IDENTITY_ATTACK"),
                  attack)]


def toxigen_checks(data: Path, limit: int | None) -> list[Check]:
    from unspun.training.data import load_toxigen

    statements = load_toxigen(data, "dev")[:limit]
    scores = score_texts([s.text for s in statements])
    toxic = np.array([s.toxic for s in statements], dtype=float)
    return [Check("ToxiGen dev", name, "toxic (human)", np.array([s[name] for s in scores]), toxic)
            for name in ("TOXICITY", "IDENTITY_ATTACK")]


def markdown(results: list[dict[str, Any]], model: str) -> str:
    lines = [f"Model: {model}", "",
             "| split | attribute | truth | n | base rate | mean score | ECE | Brier | AUROC |",
             "|---|---|---|---:|---:|---:|---:|---:|---:|"]
    for r in results:
        lines.append(f"| {r['split']} | {r['attribute']} | {r['truth']} | {r['n']} | {r['base_rate']:.3f} | "
                     f"{r['mean_score']:.3f} | {r['ece']:.3f} | {r['brier']:.3f} | {r['auroc']:.3f} |")
    for r in results:
        if r["attribute"] != "TOXICITY":
            continue
        lines += ["", f"Reliability of TOXICITY, {r['split']}:", "",
                  "| score bin | n | mean score | observed rate |", "|---|---:|---:|---:|"]
        for b in r["bins"]:
            if b["n"]:
                lines.append(f"| {b['bin']} | {b['n']} | {b['mean_score']:.3f} | {b['observed']:.3f} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="datasets directory (../shared/data)")
    parser.add_argument("--limit", type=int, default=None, help="only the first N posts of each split")
    parser.add_argument("--json", action="store_true", help="print JSON instead of Markdown tables")
    args = parser.parse_args(argv)
    from unspun.encoder import default_model_dir
    from unspun.errors import UnspunError

    started = time.monotonic()
    results = []
    for checks in (hatexplain_checks, toxigen_checks):
        try:
            results += [c.summary() for c in checks(args.data, args.limit)]
        except UnspunError as exc:  # a dataset that is not there: say so, go on with the other
            print(f"skipped: {exc}", file=sys.stderr)
    if not results:
        print("error: no dataset found under " + str(args.data), file=sys.stderr)
        return 1
    config = json.loads((default_model_dir() / "config.json").read_text("utf-8"))
    model = f"{config.get('name')} ({config.get('trained_steps', '?')} steps)"
    if args.json:
        print(json.dumps({"model": model, "results": results}, indent=1))
    else:
        print(markdown(results, model))
    print(f"({time.monotonic() - started:.0f} s)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
