"""`unspun evaluate claims`: the shipped model on ClaimBuster and CLEF CheckThat! 2019 Task 1; the claims
threshold's calibration; the quality gate's figures.

Each sentence is one encoder text, read by the claims stage's own function (`stages.claims.claim_score`) on
the int8 model with onnxruntime: no torch. ClaimBuster: precision, recall and F1 of the check-worthy class
and macro-F1 at the shipped threshold. CLEF 2019 Task 1: the same at that threshold, and the lab's ranking
measure, mean average precision over the debates (each debate's sentences ranked by score).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

from unspun.training import checkworthy as C
from unspun.training import metrics as M
from unspun.training.data import DataError

DEFAULT_DATA = Path("../shared/data")
TASK = "claims"
DATASETS = {"claimbuster": C.CB_DATASET, "clef2019": C.CLEF_DATASET}


def score_sentences(texts: list[str], model_dir: Path | None) -> np.ndarray:
    """The claims head's probability for each text, read as one sentence (0 for a text with no piece)."""
    from unspun.encoder import get_encoder
    from unspun.heads import task_heads
    from unspun.stages.claims import claim_score
    from unspun.stages.head import read_range

    d, heads, _ = task_heads(model_dir, TASK)
    out = np.zeros(len(texts))
    for k, (text, enc) in enumerate(zip(texts, get_encoder(d).encode(texts), strict=True)):
        reading = read_range(enc, 0, len(text), heads)
        out[k] = claim_score(reading) if reading is not None else 0.0
    return out


def threshold_of(model_dir: Path | None) -> float:
    from unspun.heads import task_heads
    from unspun.stages.claims import DEFAULT_THRESHOLD

    _, _, rule = task_heads(model_dir, TASK)
    return float(rule.get("threshold", DEFAULT_THRESHOLD))


def which_dataset(data: Path, dataset: str | None) -> str:
    """The dataset named, else the one `data` is the directory of (the datasets directory: ClaimBuster)."""
    if dataset:
        return DATASETS[dataset]
    d = Path(data)
    if (d / "train.json").is_file() or (d / "claimbuster").is_dir():
        return C.CB_DATASET
    try:
        C.clef_dir(d)
    except DataError:
        return C.CB_DATASET  # its loader says what is missing
    return C.CLEF_DATASET


def load(data: Path, dataset: str, split: str) -> list[C.CheckSentence]:
    loader = C.load_clef19 if dataset == C.CLEF_DATASET else C.load_claimbuster
    return loader(data, split)


def run(
    data: Path,
    split: str,
    *,
    dataset: str | None = None,
    model_dir: Path | None = None,
    limit: int | None = None,
) -> dict[str, Any]:
    name = which_dataset(data, dataset)
    sentences = load(data, name, split)[:limit] if limit else load(data, name, split)
    score = score_sentences([s.text for s in sentences], model_dir)
    gold = np.asarray([s.label == 1 for s in sentences])
    metrics: dict[str, float] = M.binary_scores(gold, score >= threshold_of(model_dir))
    if name == C.CLEF_DATASET:
        metrics["map"] = M.mean_average_precision([s.debate for s in sentences], list(gold), score)
    return {"task": TASK, "dataset": name, "split": split, "n": len(sentences), "metrics": metrics}


def calibrate_claims(model_dir: Path, data: Path) -> dict[str, Any]:
    """The threshold with the best check-worthy F1 on ClaimBuster's validation tenth (never its test)."""
    sentences = C.load_claimbuster(data, "val")
    score = score_sentences([s.text for s in sentences], model_dir)
    t, f1 = M.best_threshold(np.asarray([s.label == 1 for s in sentences]), score)
    chosen_on = "claimbuster val (a seeded tenth of train), best F1"
    return {"threshold": t, "chosen_on": chosen_on, "val_f1": round(f1, 4)}


def format_text(res: dict[str, Any], threshold: float) -> str:
    m = res["metrics"]
    lines = [
        f"claims on {res['dataset']} {res['split']} ({res['n']} sentences, threshold {threshold})",
        f"  check-worthy  P {m['precision']:.3f}  R {m['recall']:.3f}  F1 {m['f1']:.3f}   "
        f"macro-F1 {m['macro_f1']:.3f}",
    ]
    if "map" in m:
        lines.append(f"  MAP over debates {m['map']:.4f}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """`unspun evaluate claims …`"""
    p = argparse.ArgumentParser(
        prog="unspun evaluate claims",
        description="The claims model on ClaimBuster (its published train/test split; val is our seeded "
        "tenth of train) or CLEF CheckThat! 2019 Task 1 (test gold; val is our held-out train debates): "
        "precision, recall, F1 of the check-worthy class, macro-F1, and for CLEF the lab's MAP over "
        "debates.",
    )
    p.add_argument(
        "--data",
        type=Path,
        default=DEFAULT_DATA,
        help="the datasets directory, or ClaimBuster's or CLEF CheckThat!'s own directory",
    )
    p.add_argument("--dataset", choices=sorted(DATASETS), default=None,
                   help="which benchmark (default: the one --data is the directory of; ClaimBuster)")
    p.add_argument("--split", default="test", choices=C.SPLITS)
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--model", type=Path, default=None, help="model directory (default: the shipped model)")
    p.add_argument("--limit", type=int, default=None, help="evaluate only the first N sentences (speed)")
    args = p.parse_args(sys.argv[1:] if argv is None else argv)
    res = run(args.data, args.split, dataset=args.dataset, model_dir=args.model, limit=args.limit)
    print(json.dumps(res) if args.json else format_text(res, threshold_of(args.model)))
    return 0


def claims_gate(data: Path) -> dict[str, dict[str, Any]]:
    """The figures the quality gate holds: ClaimBuster test and CLEF 2019 Task 1 test."""
    cb = run(data, "test", dataset="claimbuster")["metrics"]
    clef = run(data, "test", dataset="clef2019")["metrics"]
    return {
        "claimbuster_test": {k: cb[k] for k in ("precision", "recall", "f1", "macro_f1")},
        "clef2019_test": {"map": clef["map"]},
    }
