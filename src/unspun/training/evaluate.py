"""`unspun evaluate <task>`: a shipped (int8 ONNX) model on a benchmark split, with the benchmark's metrics.

Evaluation runs the same inference code as the pipeline stage (`unspun.encoder` + `unspun.stages.hate`),
not torch: the figures are those of what ships.

hate, on HateXplain (`--split test` for reported figures, `val` for choices): accuracy, macro-F1, AUROC,
bias AUCs over the paper's 10 communities, rationale token-F1 / IOU-F1 on the non-normal posts. The posts are
read as published (`--view plain`, the paper's setting) or written with punctuation (`--view written`). With
the plain view also: on `bias-madlibs` (if present under --data), the false-positive rate on non-toxic
template sentences per identity term; and, with PolNeAR's news, the share of news sentences still labelled
normal when each is written beside a toxic post ("beside": does a neighbour's tone leak into a sentence?).

hate-functional, on unspun's own functional test suite (`training.functional`, written from HateCheck's
taxonomy of 29 functionalities): accuracy overall, on hateful and non-hateful cases, per functionality and per
group. It reads no dataset.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
import time
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from unspun.errors import UnspunError
from unspun.heads import HATE_LABELS

DEFAULT_DATA = Path("../shared/data")
# Grids searched on val for the shipped decision rule.
TOXIC_GRID = tuple(round(x, 2) for x in np.arange(0.30, 0.71, 0.02))
RATIONALE_GRID = tuple(round(x, 2) for x in np.arange(0.20, 0.71, 0.05))
TARGET_GRID = tuple(round(x, 2) for x in np.arange(0.20, 0.71, 0.05))
# (hate-v7 chose -0.40, the edge of the earlier -0.40 grid; the wider grid picks the same)
HATE_OFFSET_GRID = tuple(round(x, 2) for x in np.arange(-0.80, 0.21, 0.02))
#: how HateXplain posts are read: as published (no punctuation) or as a person would type them
PLAIN, WRITTEN = "plain", "written"
VIEWS = (PLAIN, WRITTEN)


@dataclass
class PostPrediction:
    probs: np.ndarray  # (3,) hate, offensive, normal
    word_rationale: np.ndarray  # (n_words,) probability per HateXplain word
    target_probs: np.ndarray  # (n_targets,)
    target_labels: tuple[str, ...] = ()  # the target head's communities (a model's own, in its order)


def hate_heads(model_dir: Path | None) -> tuple[Path, dict[str, Any], Any]:
    """The model directory, its hate heads and its hate decision rule (`stages.hate.Decision`)."""
    from unspun.heads import task_heads
    from unspun.stages.hate import Decision

    d, heads, rule = task_heads(model_dir, "hate")
    return d, heads, Decision.from_rule(rule)


def predict_posts(
    texts_words: list[tuple[str, list[tuple[int, int]]]], model_dir: Path | None
) -> list[PostPrediction]:
    """Run the shipped encoder and hate heads over posts; rationale probabilities averaged per word."""
    from unspun.encoder import get_encoder
    from unspun.heads import word_scores
    from unspun.stages.hate import CLASS_HEAD, RATIONALE_HEAD, TARGET_HEAD
    from unspun.stages.head import read_range

    d, heads, _ = hate_heads(model_dir)
    out = []
    encoded = get_encoder(d).encode([t for t, _ in texts_words])
    for (text, spans), enc in zip(texts_words, encoded, strict=True):
        n_words = len(spans)
        reading = read_range(enc, 0, len(text), heads)
        if reading is None:
            labels = heads[TARGET_HEAD].labels
            out.append(
                PostPrediction(np.asarray([0.0, 0.0, 1.0]), np.zeros(n_words), np.zeros(len(labels)), labels)
            )
            continue
        starts = np.asarray([s for s, _ in spans])
        word = np.searchsorted(starts, reading.offsets[:, 0], side="right") - 1
        rationale = word_scores(reading.probs[RATIONALE_HEAD][:, 0], word, n_words)
        probs, targets = reading.probs[CLASS_HEAD], reading.probs[TARGET_HEAD]
        out.append(PostPrediction(probs, rationale, targets, heads[TARGET_HEAD].labels))
    return out


def hatexplain_predictions(
    data: Path, split: str, model_dir: Path | None, limit: int | None, view: str = PLAIN
):
    """Posts of a split and the model's predictions on them, read in `view`: "plain" (as published, no
    punctuation) or "written" (each post in `written_form`, with a fixed per-post seed)."""
    from unspun.training.data import load_hatexplain, written_form, written_view_rng

    if view not in VIEWS:
        raise UnspunError(f"unknown view {view!r}; views: {', '.join(VIEWS)}")
    posts = load_hatexplain(data, split)
    if limit:
        posts = posts[:limit]
    if view == PLAIN:
        texts = [(p.text, p.word_spans) for p in posts]
    else:
        texts = [written_form(p.words, written_view_rng(p.post_id)) for p in posts]
    return posts, predict_posts(texts, model_dir)


def hate_metrics(
    posts: list[Any], preds: list[PostPrediction], toxic: float, rationale: float, hate_offset: float = 0.0
) -> dict[str, Any]:
    from unspun.heads import BIAS_COMMUNITIES
    from unspun.stages.hate import decide
    from unspun.training import metrics as M

    y = np.asarray([HATE_LABELS.index(p.label) for p in posts])
    probs = np.stack([p.probs for p in preds])
    labels = [decide(dict(zip(HATE_LABELS, pr, strict=True)), toxic, hate_offset) for pr in probs]
    pred = np.asarray([HATE_LABELS.index(lb) for lb in labels])
    normal = HATE_LABELS.index("normal")
    bias = M.bias_aucs(y != normal, 1.0 - probs[:, normal], [set(p.targets) for p in posts], BIAS_COMMUNITIES)
    gold_r, pred_r = [], []
    for p, pr in zip(posts, preds, strict=True):
        if p.label == "normal" or p.rationale is None:
            continue
        gold_r.append(p.rationale >= 0.5)
        pred_r.append(pr.word_rationale >= rationale)
    rat = M.rationale_scores(gold_r, pred_r)
    return {
        "accuracy": round(M.accuracy(y, pred), 4),
        "macro_f1": round(M.macro_f1(y, pred, 3), 4),
        "auroc": round(M.auroc_ovr(y, probs), 4),
        "bias": {
            "subgroup": round(bias.subgroup, 4),
            "bpsn": round(bias.bpsn, 4),
            "bnsp": round(bias.bnsp, 4),
        },
        "rationale": {
            "token_f1": round(rat["token_f1"], 4),
            "iou_f1": round(rat["iou_f1"], 4),
            "n": len(gold_r),
        },
    }


def target_f1(posts: list[Any], preds: list[PostPrediction], threshold: float) -> float:
    """Micro-F1 of the target communities on non-normal posts (what the stage reports targets for)."""
    tp = fp = fn = 0
    for p, pr in zip(posts, preds, strict=True):
        if p.label == "normal":
            continue
        gold = {t for t in p.targets if t in pr.target_labels}
        got = {t for t, s in zip(pr.target_labels, pr.target_probs, strict=True) if s >= threshold}
        tp += len(gold & got)
        fp += len(got - gold)
        fn += len(gold - got)
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def calibrate_hate(model_dir: Path, data: Path) -> dict[str, float]:
    """The decision rule chosen on HateXplain val: toxicity threshold (macro-F1), rationale (token-F1),
    hate-vs-offensive offset (macro-F1), target threshold (micro-F1 of targets on non-normal posts).

    Chosen on both views of val at once (as published and written), so the thresholds suit text with
    punctuation as well as HateXplain's unpunctuated posts."""
    from unspun.training import metrics as M

    posts: list[Any] = []
    preds: list[PostPrediction] = []
    for view in VIEWS:
        p, pr = hatexplain_predictions(data, "val", model_dir, None, view)
        posts += p
        preds += pr
    # the toxicity threshold weighs HateXplain (explicit, mostly slurs) and ToxiGen dev (implicit hate about
    # groups, half of it adversarial) alike: a threshold fitted to one of them alone misses the other's hate
    tg_y, tg_p = toxigen_dev_predictions(data, model_dir) if (Path(data) / "toxigen").is_dir() else ([], None)

    def toxic_key(t: float) -> tuple[float, float]:
        f1 = hate_metrics(posts, preds, t, 0.5)["macro_f1"]
        if tg_p is not None:
            f1 = (f1 + M.macro_f1(np.asarray(tg_y, dtype=int), (1.0 - tg_p[:, 2] >= t).astype(int), 2)) / 2
        return f1, -abs(t - 0.5)

    toxic = max(TOXIC_GRID, key=toxic_key)
    offset = max(
        HATE_OFFSET_GRID,
        key=lambda o: (hate_metrics(posts, preds, toxic, 0.5, o)["macro_f1"], -abs(o)),
    )
    rationale = max(
        RATIONALE_GRID,
        key=lambda r: (hate_metrics(posts, preds, toxic, r)["rationale"]["token_f1"], -abs(r - 0.5)),
    )
    target = max(TARGET_GRID, key=lambda t: (target_f1(posts, preds, t), -abs(t - 0.5)))
    val = hate_metrics(posts, preds, toxic, rationale, offset)
    return {
        "toxic": toxic,
        "hate_offset": offset,
        "rationale": rationale,
        "target": target,
        "chosen_on": "hatexplain val, plain and written views"
        + ("; toxic also on toxigen dev (mean of the two macro-F1)" if tg_p is not None else ""),
        "val_macro_f1": val["macro_f1"],
        "val_token_f1": val["rationale"]["token_f1"],
        "val_target_f1": round(target_f1(posts, preds, target), 4),
    }


def beside_normal_rate(
    data: Path, split: str, posts: list[Any], model_dir: Path | None, toxic_threshold: float
) -> dict[str, Any]:
    """Share of news sentences labelled normal when each is written beside a toxic post of the split's
    `posts` (in its written form) and read, as the stage reads a sentence, from its own range of the
    shared window. News: PolNeAR's test articles for the test split, its dev articles otherwise (never
    trained on)."""
    from unspun.encoder import get_encoder
    from unspun.stages.hate import CLASS_HEAD, decide
    from unspun.stages.head import read_range
    from unspun.training.data import beside_toxic, polnear_sentences, written_form, written_view_rng

    toxic = [written_form(p.words, written_view_rng(p.post_id))[0] for p in posts if p.label != "normal"]
    news = polnear_sentences(data, "test" if split == "test" else "dev")
    examples = beside_toxic(news, toxic, "beside-view")
    d, heads, decision = hate_heads(model_dir)
    labels = heads[CLASS_HEAD].labels
    normal = 0
    for ex, enc in zip(examples, get_encoder(d).encode([e.text for e in examples]), strict=True):
        assert ex.span is not None
        reading = read_range(enc, *ex.span, heads)
        normal += (
            reading is None
            or decide(reading.scores(CLASS_HEAD, labels), toxic_threshold, decision.hate_offset) == "normal"
        )
    return {"n": len(examples), "normal_rate": round(normal / max(1, len(examples)), 4)}


def toxigen_dev_predictions(
    data: Path, model_dir: Path | None, limit: int | None = None
) -> tuple[list[bool], np.ndarray]:
    """ToxiGen dev statements' gold (toxicity > 3) and the model's class probabilities."""
    from unspun.training.data import join_words, load_toxigen

    statements = load_toxigen(data, "dev")[:limit] if limit else load_toxigen(data, "dev")
    preds = predict_posts([join_words(s.text.split()) for s in statements], model_dir)
    return [s.toxic for s in statements], np.stack([p.probs for p in preds])


def toxigen_dev_scores(
    data: Path, model_dir: Path | None, limit: int | None, decision: Any
) -> dict[str, Any]:
    """ToxiGen's human-annotated statements of our dev tenth (never trained on; it takes part in checkpoint
    selection, so it is a validation figure, not a test): AUROC of 1 - p(normal) against the paper's
    toxicity > 3, and the accuracy of the decided label read the same way (hate or offensive = toxic)."""
    from unspun.stages.hate import decide
    from unspun.training import metrics as M

    toxic, probs = toxigen_dev_predictions(data, model_dir, limit)
    y = np.asarray(toxic)
    said = [
        decide(dict(zip(HATE_LABELS, p, strict=True)), decision.toxic, decision.hate_offset) != "normal"
        for p in probs
    ]
    return {
        "n": len(y),
        "auroc": round(M.binary_auc(y, 1.0 - probs[:, 2]), 4),
        "accuracy": round(float(np.mean(np.asarray(said) == y)), 4),
    }


def madlibs_terms() -> list[str]:
    text = resources.files("unspun.training").joinpath("madlibs_terms.txt").read_text("utf-8")
    terms = [w.strip().lower() for w in text.splitlines() if w.strip() and not w.startswith("#")]
    return sorted(terms, key=len, reverse=True)


def madlibs_fpr(data: Path, model_dir: Path | None, limit: int | None, toxic: float) -> dict[str, Any]:
    # hate vs offensive does not matter here: a false positive is any non-normal label
    """False-positive rate (predicted hate/offensive) on NOT_BAD madlibs sentences, overall and per term."""
    from unspun.stages.hate import decide
    from unspun.training.data import join_words

    path = Path(data) / "bias-madlibs" / "bias_madlibs_77k.csv"
    with path.open(encoding="utf-8", newline="") as f:
        rows = [r for r in csv.DictReader(f) if r["Label"] == "NOT_BAD"]
    if limit:
        step = max(1, len(rows) // limit)  # an even sample over the file's template order
        rows = rows[::step][:limit]
    terms = madlibs_terms()
    patterns = [(t, re.compile(rf"\b{re.escape(t)}\b")) for t in terms]
    posts = []
    for r in rows:
        words = r["Text"].split()
        posts.append(join_words(words))
    preds = predict_posts(posts, model_dir)
    per: dict[str, list[int]] = {}
    flagged = 0
    for r, pr in zip(rows, preds, strict=True):
        fp = int(decide(dict(zip(HATE_LABELS, pr.probs, strict=True)), toxic) != "normal")
        flagged += fp
        low = r["Text"].lower()
        term = next((t for t, pat in patterns if pat.search(low)), "(none)")
        per.setdefault(term, []).append(fp)
    per_term = {t: round(sum(v) / len(v), 4) for t, v in sorted(per.items())}
    return {
        "n": len(rows),
        "fpr": round(flagged / max(1, len(rows)), 4),
        "fpr_per_term": per_term,
        "worst_terms": sorted(per_term, key=lambda t: per_term[t], reverse=True)[:5],
    }


def run(
    task: str,
    *,
    data: Path,
    split: str,
    model_dir: Path | None = None,
    limit: int | None = None,
    view: str = PLAIN,
) -> dict:
    """Evaluate the shipped model (or `model_dir`) on a task's benchmark split; the --json object."""
    if task != "hate":
        raise UnspunError(f"no HateXplain evaluation for task {task!r}")
    d, _, dec = hate_heads(model_dir)
    t0 = time.time()
    posts, preds = hatexplain_predictions(Path(data), split, d, limit, view)
    metrics = hate_metrics(posts, preds, dec.toxic, dec.rationale, dec.hate_offset)
    result: dict[str, Any] = {
        "task": "hate",
        "dataset": "hatexplain",
        "split": split,
        "view": view,
        "n": len(posts),
        "metrics": metrics,
        "decision": {"toxic": dec.toxic, "hate_offset": dec.hate_offset, "rationale": dec.rationale},
        "target_f1": round(target_f1(posts, preds, dec.target), 4),
    }
    root = Path(data)
    # madlibs sentences are written text already: measured once, with the plain view
    madlibs = root / "bias-madlibs" / "bias_madlibs_77k.csv"
    if view == PLAIN and (root / "hatexplain").is_dir() and madlibs.is_file():
        result["madlibs"] = madlibs_fpr(root, d, limit, dec.toxic)
    if view == PLAIN and (root / "polnear").is_dir():
        result["beside"] = beside_normal_rate(root, split, posts, d, dec.toxic)
    if view == PLAIN and (root / "toxigen").is_dir():
        result["toxigen_dev"] = toxigen_dev_scores(root, d, limit, dec)
    result["seconds"] = round(time.time() - t0, 1)
    return result


def format_text(res: dict[str, Any]) -> str:
    m = res["metrics"]
    lines = [
        f"{res['task']} on {res['dataset']} {res['split']}, {res['view']} view (n={res['n']})",
        f"  accuracy {m['accuracy']:.4f}   macro-F1 {m['macro_f1']:.4f}   AUROC {m['auroc']:.4f}",
        f"  bias (GMB, p=-5): subgroup {m['bias']['subgroup']:.4f}  BPSN {m['bias']['bpsn']:.4f}  "
        f"BNSP {m['bias']['bnsp']:.4f}",
        f"  rationale: token-F1 {m['rationale']['token_f1']:.4f}  IOU-F1 {m['rationale']['iou_f1']:.4f}",
        f"  targets micro-F1 (non-normal posts) {res.get('target_f1', float('nan')):.4f}",
    ]
    if "beside" in res:
        lines.append(
            f"  news sentences beside a toxic post, labelled normal: {res['beside']['normal_rate']:.4f} "
            f"(n={res['beside']['n']})"
        )
    if "toxigen_dev" in res:
        tg = res["toxigen_dev"]
        lines.append(
            f"  ToxiGen dev statements (validation): AUROC {tg['auroc']:.4f}, accuracy toxic vs not "
            f"{tg['accuracy']:.4f} (n={tg['n']})"
        )
    if "madlibs" in res:
        md = res["madlibs"]
        lines.append(
            f"  bias-madlibs: FPR on non-toxic sentences {md['fpr']:.4f} (n={md['n']}); worst terms: "
            + ", ".join(f"{t} {md['fpr_per_term'][t]:.3f}" for t in md["worst_terms"])
        )
    return "\n".join(lines)


def main_hate(argv: list[str]) -> int:
    """`unspun evaluate hate …`"""
    p = argparse.ArgumentParser(prog="unspun evaluate hate", description="The hate model on HateXplain.")
    p.add_argument(
        "--data",
        type=Path,
        default=DEFAULT_DATA,
        help="datasets directory, or HateXplain's own directory (default ../shared/data)",
    )
    p.add_argument("--split", default="test")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--model", type=Path, default=None, help="model directory (default: the shipped model)")
    p.add_argument("--limit", type=int, default=None, help="evaluate only the first N examples (speed)")
    p.add_argument(
        "--view",
        choices=VIEWS,
        default=PLAIN,
        help="read HateXplain posts as published (plain, the paper's setting) or written with punctuation",
    )
    args = p.parse_args(argv)
    data = args.data
    # accept the dataset's own directory too (../shared/data/hatexplain)
    if (data / "dataset.jsonl").is_file():
        data = data.parent
    res = run("hate", data=data, split=args.split, model_dir=args.model, limit=args.limit, view=args.view)
    print(json.dumps(res) if args.json else format_text(res))
    return 0


def hate_gate(data: Path) -> dict[str, dict[str, Any]]:
    """The figures the quality gate holds: HateXplain test as published and written, and "beside"."""
    plain = run("hate", data=data, split="test", view=PLAIN)
    written = run("hate", data=data, split="test", view=WRITTEN)
    from unspun.training import functional

    suite = functional.run()
    return {
        "hatexplain_test": plain["metrics"],
        "hatexplain_test_written": written["metrics"],
        "beside": plain.get("beside", {}),
        "toxigen_dev": plain.get("toxigen_dev", {}),
        "madlibs": {"non_fpr": 1.0 - plain["madlibs"]["fpr"]} if "madlibs" in plain else {},
        "functional": {
            "overall": suite["accuracy"]["overall"]["accuracy"],
            "hateful": suite["accuracy"]["hateful"]["accuracy"],
            "non_hateful": suite["accuracy"]["non-hateful"]["accuracy"],
            **{f["id"]: f["accuracy"] for f in suite["functionalities"]},
        },
    }


#: evaluations that are no training task of their own: name -> module with main(argv)
EXTRA_EVALUATIONS = {
    "hate-functional": "unspun.training.functional",
    "structure": "unspun.training.structure_eval",
}


def main(argv: list[str] | None = None) -> int:
    """`unspun evaluate <task> [options]`: the task's own evaluation command."""
    import importlib

    from unspun.training.tasks import get_task, known_tasks

    argv = sys.argv[1:] if argv is None else argv
    names = [*known_tasks(), *EXTRA_EVALUATIONS]
    if not argv or argv[0].startswith("-"):
        print(
            f"usage: unspun evaluate {{{','.join(names)}}} [options]  (--help after the name)",
            file=sys.stderr,
        )
        return 2
    name, rest = argv[0], argv[1:]
    try:
        if name in EXTRA_EVALUATIONS:
            return int(importlib.import_module(EXTRA_EVALUATIONS[name]).main(rest))
        return get_task(name).evaluate(rest)
    except UnspunError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
