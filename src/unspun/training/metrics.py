"""Metrics of the benchmarks, written out so their definitions are visible (HateXplain, ERASER).

- classification: accuracy, macro-F1, AUROC (one-vs-rest, macro over the 3 classes, as the HateXplain code
  computes it with scikit-learn);
- bias (Borkan et al. 2019, as HateXplain uses it): per community subgroup AUC, BPSN AUC, BNSP AUC on the
  binary toxic (hate or offensive) vs normal task, scored by 1 - p(normal); combined over communities with
  the generalized mean of power p = -5;
- rationale plausibility (ERASER, DeYoung et al. 2020): token-level F1 (per post, averaged) and IOU-F1
  (a predicted span matches a gold span when their token IOU >= 0.5; micro F1 over spans);
- propaganda (SemEval-2020 Task 11, Da San Martino et al. 2020): span identification precision/recall/F1
  with partial-overlap credit over all articles' character spans, and technique classification micro-F1
  (with one label per gold span, precision = recall = accuracy) and macro-F1 over the techniques;
- check-worthiness (ClaimBuster; CLEF CheckThat! 2019 Task 1, Atanasova et al. 2019): precision, recall and
  F1 of the check-worthy class, macro-F1 over both classes; average precision of one debate's sentences
  ranked by score (the lab's scorer: the mean of the precision at each check-worthy sentence's rank, over
  the debate's check-worthy sentences) and its mean over debates (MAP).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: power of the generalized mean over communities (HateXplain / Borkan et al.)
BIAS_POWER = -5.0
#: ERASER's IOU threshold for a predicted rationale span to count as matching a gold one
IOU_THRESHOLD = 0.5


def accuracy(y: np.ndarray, pred: np.ndarray) -> float:
    return float(np.mean(y == pred)) if len(y) else 0.0


def macro_f1(y: np.ndarray, pred: np.ndarray, n_classes: int) -> float:
    f1s = []
    for c in range(n_classes):
        tp = np.sum((pred == c) & (y == c))
        fp = np.sum((pred == c) & (y != c))
        fn = np.sum((pred != c) & (y == c))
        denom = 2 * tp + fp + fn
        f1s.append(2 * tp / denom if denom else 0.0)
    return float(np.mean(f1s))


def binary_auc(y: np.ndarray, score: np.ndarray) -> float:
    """ROC AUC by the rank statistic (ties count half); nan when a class is absent."""
    y = np.asarray(y, dtype=bool)
    pos, neg = np.sum(y), np.sum(~y)
    if pos == 0 or neg == 0:
        return float("nan")
    order = np.argsort(score, kind="mergesort")
    s = np.asarray(score)[order]
    ranks = np.empty(len(s), dtype=np.float64)
    i = 0
    while i < len(s):  # average ranks over ties
        j = i
        while j + 1 < len(s) and s[j + 1] == s[i]:
            j += 1
        ranks[i : j + 1] = (i + j) / 2.0 + 1.0
        i = j + 1
    r = np.empty(len(s))
    r[order] = ranks
    return float((np.sum(r[y]) - pos * (pos + 1) / 2.0) / (pos * neg))


def auroc_ovr(y: np.ndarray, probs: np.ndarray) -> float:
    aucs = [binary_auc(y == c, probs[:, c]) for c in range(probs.shape[1])]
    return float(np.nanmean(aucs))


def generalized_mean(values: list[float], p: float = BIAS_POWER) -> float:
    v = np.asarray([x for x in values if not np.isnan(x)], dtype=np.float64)
    if len(v) == 0:
        return float("nan")
    with np.errstate(divide="ignore"):  # an AUC of 0 makes the mean 0, as it should
        return float(np.power(np.mean(np.power(v, p)), 1.0 / p))


@dataclass
class BiasScores:
    subgroup: float
    bpsn: float
    bnsp: float
    per_community: dict[str, dict[str, float]]


def bias_aucs(
    toxic: np.ndarray, score: np.ndarray, communities: list[set[str]], names: tuple[str, ...]
) -> BiasScores:
    """Subgroup, BPSN and BNSP AUCs per community and their generalized means (p = -5)."""
    toxic = np.asarray(toxic, dtype=bool)
    score = np.asarray(score, dtype=np.float64)
    per: dict[str, dict[str, float]] = {}
    for name in names:
        inside = np.asarray([name in c for c in communities], dtype=bool)
        if not inside.any():
            continue
        sub = binary_auc(toxic[inside], score[inside])
        # background positive, subgroup negative: toxic posts outside + normal posts inside
        bpsn_m = (~inside & toxic) | (inside & ~toxic)
        bnsp_m = (~inside & ~toxic) | (inside & toxic)
        per[name] = {
            "subgroup": sub,
            "bpsn": binary_auc(toxic[bpsn_m], score[bpsn_m]),
            "bnsp": binary_auc(toxic[bnsp_m], score[bnsp_m]),
        }
    return BiasScores(
        generalized_mean([v["subgroup"] for v in per.values()]),
        generalized_mean([v["bpsn"] for v in per.values()]),
        generalized_mean([v["bnsp"] for v in per.values()]),
        per,
    )


def _spans(mask: np.ndarray) -> list[tuple[int, int]]:
    spans = []
    start = None
    for i, m in enumerate(list(mask) + [False]):
        if m and start is None:
            start = i
        elif not m and start is not None:
            spans.append((start, i))
            start = None
    return spans


def rationale_scores(gold: list[np.ndarray], pred: list[np.ndarray]) -> dict[str, float]:
    """ERASER token-F1 (mean of per-post F1) and IOU-F1 (micro over spans) of hard 0/1 word rationales."""
    token_f1s = []
    matched_pred = total_pred = matched_gold = total_gold = 0
    for g, p in zip(gold, pred, strict=True):
        g = np.asarray(g, dtype=bool)
        p = np.asarray(p, dtype=bool)
        tp = np.sum(g & p)
        prec = tp / p.sum() if p.sum() else 0.0
        rec = tp / g.sum() if g.sum() else 0.0
        token_f1s.append(2 * prec * rec / (prec + rec) if prec + rec else 0.0)
        gs, ps = _spans(g), _spans(p)
        total_pred += len(ps)
        total_gold += len(gs)

        def iou(a: tuple[int, int], b: tuple[int, int]) -> float:
            inter = max(0, min(a[1], b[1]) - max(a[0], b[0]))
            union = max(a[1], b[1]) - min(a[0], b[0])
            return inter / union if union else 0.0

        matched_pred += sum(1 for s in ps if any(iou(s, t) >= IOU_THRESHOLD for t in gs))
        matched_gold += sum(1 for t in gs if any(iou(s, t) >= IOU_THRESHOLD for s in ps))
    prec = matched_pred / total_pred if total_pred else 0.0
    rec = matched_gold / total_gold if total_gold else 0.0
    return {
        "token_f1": float(np.mean(token_f1s)) if token_f1s else 0.0,
        "iou_f1": 2 * prec * rec / (prec + rec) if prec + rec else 0.0,
    }


Span = tuple[int, int]


def merge_spans(spans: list[Span], *, touching: bool = False) -> list[Span]:
    """Overlapping character spans merged into one (and touching ones too, with `touching`)."""
    out: list[Span] = []
    for a, b in sorted(spans):
        if out and (a <= out[-1][1] if touching else a < out[-1][1]):
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def si_scores(pred: dict[str, list[Span]], gold: dict[str, list[Span]]) -> dict[str, float]:
    """Span identification (SemEval-2020 Task 11, task SI). Over every article's predicted spans S
    (overlapping ones merged, as the task's scorer reads a submission) and gold spans T, with
    C(s, t, h) = |s ∩ t| / h in characters: P = sum C(s, t, |s|) / |S|, R = sum C(s, t, |t|) / |T|,
    F1 their harmonic mean."""
    p_sum = r_sum = 0.0
    n_pred = n_gold = 0
    for art in set(pred) | set(gold):
        ps = [s for s in merge_spans(pred.get(art, [])) if s[1] > s[0]]
        ts = [t for t in gold.get(art, []) if t[1] > t[0]]
        n_pred += len(ps)
        n_gold += len(ts)
        for s in ps:
            for t in ts:
                inter = min(s[1], t[1]) - max(s[0], t[0])
                if inter > 0:
                    p_sum += inter / (s[1] - s[0])
                    r_sum += inter / (t[1] - t[0])
    precision = p_sum / n_pred if n_pred else 0.0
    recall = r_sum / n_gold if n_gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1}


def tc_scores(gold: list[str], pred: list[str], labels: tuple[str, ...]) -> dict[str, object]:
    """Technique classification given the gold spans (task TC): one predicted label per gold row. Micro-F1
    (= accuracy here), macro-F1 over the labels that occur in gold or predictions, and per label precision,
    recall, F1 and support."""
    y, p = np.asarray(gold), np.asarray(pred)
    per: dict[str, dict[str, float]] = {}
    for label in labels:
        tp = float(np.sum((y == label) & (p == label)))
        n_gold, n_pred = float(np.sum(y == label)), float(np.sum(p == label))
        if not n_gold and not n_pred:
            continue
        prec = tp / n_pred if n_pred else 0.0
        rec = tp / n_gold if n_gold else 0.0
        f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
        per[label] = {"precision": prec, "recall": rec, "f1": f1, "support": int(n_gold)}
    return {
        "micro_f1": accuracy(y, p),
        "macro_f1": float(np.mean([v["f1"] for v in per.values()])) if per else 0.0,
        "per_label": per,
    }


def prf(tp_pred: int, n_pred: int, tp_gold: int, n_gold: int) -> dict[str, float]:
    """Precision (matched predictions / predictions), recall (matched gold / gold) and their F1."""
    precision = tp_pred / n_pred if n_pred else 0.0
    recall = tp_gold / n_gold if n_gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1}


def overlaps(a: Span, b: Span) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def span_match_scores(pred: dict[str, list[Span]], gold: dict[str, list[Span]]) -> dict[str, float]:
    """Span P/R/F1 under exact match (same start and end) and overlap match (at least one shared character;
    a prediction is correct when it overlaps some gold span, a gold span found when some prediction
    overlaps it), over every document's distinct spans."""
    n_pred = n_gold = exact = over_pred = over_gold = 0
    for doc in set(pred) | set(gold):
        ps = sorted({s for s in pred.get(doc, []) if s[1] > s[0]})
        ts = sorted({t for t in gold.get(doc, []) if t[1] > t[0]})
        n_pred += len(ps)
        n_gold += len(ts)
        exact += len(set(ps) & set(ts))
        over_pred += sum(any(overlaps(s, t) for t in ts) for s in ps)
        over_gold += sum(any(overlaps(s, t) for s in ps) for t in ts)
    e = prf(exact, n_pred, exact, n_gold)
    o = prf(over_pred, n_pred, over_gold, n_gold)
    return {
        "exact_precision": e["precision"],
        "exact_recall": e["recall"],
        "exact_f1": e["f1"],
        "overlap_precision": o["precision"],
        "overlap_recall": o["recall"],
        "overlap_f1": o["f1"],
        "n_pred": n_pred,
        "n_gold": n_gold,
    }


def binary_scores(gold: np.ndarray, pred: np.ndarray) -> dict[str, float]:
    """Precision, recall and F1 of the positive class, and macro-F1 over both classes, of 0/1 decisions."""
    g, p = np.asarray(gold, dtype=bool), np.asarray(pred, dtype=bool)
    tp, n_pred, n_gold = int(np.sum(g & p)), int(np.sum(p)), int(np.sum(g))
    return {**prf(tp, n_pred, tp, n_gold), "macro_f1": macro_f1(g.astype(int), p.astype(int), 2)}


#: thresholds searched for a binary decision on validation data
THRESHOLD_GRID = tuple(round(x, 2) for x in np.arange(0.05, 0.96, 0.01))


def best_threshold(gold: np.ndarray, score: np.ndarray,
                   grid: tuple[float, ...] = THRESHOLD_GRID) -> tuple[float, float]:
    """The threshold of `grid` whose decisions (score >= threshold) give the best positive-class F1, and
    that F1 (the lowest such threshold on a tie)."""
    best = (grid[0], -1.0)
    for t in grid:
        f1 = binary_scores(gold, np.asarray(score) >= t)["f1"]
        if f1 > best[1]:
            best = (t, f1)
    return best


def average_precision(gold: list[bool], score: list[float] | np.ndarray) -> float:
    """Average precision of items ranked by score, highest first (ties keep the input order, as the
    CheckThat! scorer's stable sort does): the precision at the rank of each positive, summed and divided
    by the number of positives; 0 when there is none."""
    order = sorted(range(len(gold)), key=lambda i: -float(score[i]))
    hits, total = 0, 0.0
    for rank, i in enumerate(order, start=1):
        if gold[i]:
            hits += 1
            total += hits / rank
    n_pos = sum(bool(g) for g in gold)
    return total / n_pos if n_pos else 0.0


def mean_average_precision(groups: list[str], gold: list[bool], score: list[float] | np.ndarray) -> float:
    """The mean over groups (debates) of each group's average precision, its items in input order."""
    by_group: dict[str, list[int]] = {}
    for i, g in enumerate(groups):
        by_group.setdefault(g, []).append(i)
    aps = [average_precision([gold[i] for i in idx], [float(score[i]) for i in idx])
           for idx in by_group.values()]
    return float(np.mean(aps)) if aps else 0.0
