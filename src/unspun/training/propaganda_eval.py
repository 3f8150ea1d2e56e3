"""`unspun evaluate propaganda`: the shipped model on the Propaganda Techniques Corpus with SemEval-2020 Task
11's own metrics; the decision rule's calibration; the quality gate's figures.

Articles are read as the pipeline reads a page: each paragraph (line) is one encoder text, and the
propaganda stage's own functions (`stages.propaganda`) decode its spans. Span identification (SI) scores the
decoded spans against the gold spans of any technique; technique classification (TC) names the technique of
each gold span as the stage does: from its pooled pieces in its paragraph, its length and its recurrence in
the article (`decided_techniques`; a span with k gold techniques gets the k most likely). Runs on the int8
model with onnxruntime: no torch.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from unspun.heads import PROPAGANDA_TECHNIQUES, Head, task_heads
from unspun.stages.head import HeadReading, Word, read_ranges, words_of
from unspun.stages.propaganda import (
    SPANS_HEAD,
    TECHNIQUE_HEAD,
    Decision,
    LengthPrior,
    Recurrence,
    decided_techniques,
    span_runs,
)
from unspun.training import metrics as M
from unspun.training import ptc

DEFAULT_DATA = Path("../shared/data")
DATASET = "ptc-semeval2020"
#: span thresholds, word gaps and run peaks tried when calibrating on the held-out train articles
SPAN_GRID = tuple(round(x, 2) for x in np.arange(0.05, 0.71, 0.05))
GAP_GRID = (0, 1, 2)
PEAK_GRID = tuple(round(x, 2) for x in np.arange(0.0, 0.71, 0.05))
#: the length buckets of the technique prior: spans of up to 1, 2, 3, 5, 8, 13 words, and longer ones
LENGTH_EDGES = (1, 2, 3, 5, 8, 13)
#: least Repetition probabilities of a recurring span tried (0: the head's own)
REPEATED_GRID = (0.0, *(round(x, 1) for x in np.arange(0.1, 1.01, 0.1)))


@dataclass
class ArticleReading:
    """An article's paragraphs as the propaganda heads read them, with each paragraph's words."""

    article: ptc.Article
    readings: list[HeadReading]
    words: list[list[Word]]


def read_articles(articles: list[ptc.Article], model_dir: Path | None) -> list[ArticleReading]:
    """Encode every paragraph of the articles (one batched encoder pass) and read it with the heads."""
    from unspun.encoder import get_encoder

    d, heads, _ = task_heads(model_dir, "propaganda")
    paras = [(k, lo, hi) for k, a in enumerate(articles) for lo, hi in a.paragraphs()]
    encoded = get_encoder(d).encode(
        [articles[k].text[lo:hi] for k, lo, hi in paras], [lo for _, lo, _ in paras]
    )
    out = [ArticleReading(a, [], []) for a in articles]
    for (k, lo, hi), enc in zip(paras, encoded, strict=True):
        reading = read_ranges(enc, [(lo, hi)], heads)[0]
        if reading is not None:
            out[k].readings.append(reading)
            out[k].words.append(words_of(reading, SPANS_HEAD, articles[k].text))
    return out


def predicted_spans(read: list[ArticleReading], decision: Decision) -> dict[str, list[tuple[int, int]]]:
    """Every article's decoded spans (the stage's decoding, without the technique step)."""
    return {
        r.article.id: [(s, e) for words in r.words for s, e, _ in span_runs(words, decision, r.article.text)]
        for r in read
    }


def gold_si(articles: list[ptc.Article]) -> dict[str, list[tuple[int, int]]]:
    return {a.id: a.si_spans() for a in articles}


def technique_predictions(
    read: list[ArticleReading], heads: dict[str, Head], decision: Decision
) -> tuple[list[str], list[str]]:
    """Gold and predicted technique per gold row (a span with k gold rows: the k most likely), decided as the
    stage decides (`decided_techniques`: the length prior and the Repetition rule)."""
    head = {TECHNIQUE_HEAD: heads[TECHNIQUE_HEAD]}
    labels = heads[TECHNIQUE_HEAD].labels
    gold: list[str] = []
    pred: list[str] = []
    for r in read:
        recurrence = Recurrence(r.article.text)
        groups: dict[tuple[int, int], list[str]] = {}
        for s in r.article.spans:
            if s.end > s.start:
                groups.setdefault((s.start, s.end), []).append(s.technique)
        for (start, end), techs in groups.items():
            reading = next((x for x in r.readings if x.start <= start < x.end), None)
            ranked: list[str] = []
            if reading is not None and reading.encoded is not None:
                res = read_ranges(reading.encoded, [(start, min(end, reading.end))], head)[0]
                if res is not None:
                    probs = dict(zip(labels, res.probs[TECHNIQUE_HEAD].tolist(), strict=True))
                    probs = decided_techniques(probs, r.article.text[start:end], recurrence, decision)
                    ranked = sorted(probs, key=lambda label: -probs[label])
            ranked = ranked or [PROPAGANDA_TECHNIQUES[0]] * len(techs)
            gold += techs
            pred += ranked[: len(techs)]
    return gold, pred


def run(data: Path, split: str, model_dir: Path | None = None, limit: int | None = None) -> dict[str, Any]:
    articles = ptc.load_articles(data, split)[:limit] if limit else ptc.load_articles(data, split)
    d, heads, rule = task_heads(model_dir, "propaganda")
    decision = Decision.from_rule(rule)
    read = read_articles(articles, d)
    gold_spans = gold_si(articles)
    si = M.si_scores(predicted_spans(read, decision), gold_spans)
    gold, pred = technique_predictions(read, heads, decision)
    tc = M.tc_scores(gold, pred, PROPAGANDA_TECHNIQUES)
    return {
        "task": "propaganda",
        "dataset": DATASET,
        "split": split,
        "n": len(articles),
        "metrics": {
            "si_f1": si["f1"],
            "si_precision": si["precision"],
            "si_recall": si["recall"],
            "tc_micro_f1": tc["micro_f1"],
            "tc_macro_f1": tc["macro_f1"],
            "per_technique": tc["per_label"],
        },
        "gold_spans": sum(len(v) for v in gold_spans.values()),
        "gold_technique_rows": len(gold),
        "decision": {"span": decision.span, "gap": decision.gap, "peak": decision.peak,
                     "repeated": decision.repeated, "length_prior": decision.length is not None},
    }


def length_prior(articles: list[ptc.Article]) -> LengthPrior:
    """P(technique | length bucket) / P(technique) over the articles' gold technique rows, each count one
    more than seen (no bucket rules a technique out)."""
    edges = LENGTH_EDGES
    counts = {t: [1.0] * (len(edges) + 1) for t in PROPAGANDA_TECHNIQUES}
    bucket = LengthPrior(edges, {}).bucket
    for a in articles:
        for s in a.spans:
            if s.end > s.start:
                counts[s.technique][bucket(a.text[s.start : s.end])] += 1
    total = sum(map(sum, counts.values()))
    in_bucket = [sum(c[k] for c in counts.values()) for k in range(len(edges) + 1)]
    ratios = {
        t: tuple(round((c[k] / in_bucket[k]) / (sum(c) / total), 4) for k in range(len(edges) + 1))
        for t, c in counts.items()
    }
    return LengthPrior(edges, ratios)


def calibrate_propaganda(model_dir: Path, data: Path) -> dict[str, Any]:
    """The decision rule: the span threshold, word gap and run peak with the best SI F1 on the held-out train
    articles ("val"; a tie keeps the lower peak); the length prior counted on the train articles; the least
    Repetition probability of a recurring span (`with_repetition`) with the best TC micro-F1 on val, the
    length prior applied."""
    articles = ptc.load_articles(data, "val")
    read = read_articles(articles, model_dir)
    gold = gold_si(articles)
    best: tuple[float, float, int, float] = (-1.0, 0.5, 0, 0.0)
    for peak in PEAK_GRID:
        for gap in GAP_GRID:
            for span in (s for s in SPAN_GRID if s <= peak or peak == 0):
                f1 = M.si_scores(predicted_spans(read, Decision(span=span, gap=gap, peak=peak)), gold)["f1"]
                if f1 > best[0]:
                    best = (f1, span, gap, peak)
    _, heads, _ = task_heads(model_dir, "propaganda")
    length = length_prior(ptc.load_articles(data, "train"))

    def val_tc(decision: Decision) -> float:
        micro = M.tc_scores(*technique_predictions(read, heads, decision), PROPAGANDA_TECHNIQUES)["micro_f1"]
        assert isinstance(micro, float)
        return micro

    by_least = {least: val_tc(Decision(repeated=least, length=length)) for least in REPEATED_GRID}
    repeated = max(by_least, key=lambda least: (by_least[least], -least))  # a tie keeps the smaller change
    return {"span": best[1], "gap": best[2], "peak": best[3], "also": Decision().also, "repeated": repeated,
            "length_prior": length.to_dict(), "val_si_f1": round(best[0], 4),
            "val_tc_micro_f1": round(by_least[repeated], 4),
            "val_tc_micro_f1_head_alone": round(val_tc(Decision()), 4)}


def format_text(res: dict[str, Any]) -> str:
    m = res["metrics"]
    lines = [
        f"propaganda on {res['dataset']} {res['split']} ({res['n']} articles, "
        f"{res['gold_spans']} gold spans, "
        f"{res['gold_technique_rows']} technique rows; span threshold {res['decision']['span']}, "
        f"gap {res['decision']['gap']})",
        f"  span identification  P {m['si_precision']:.3f}  R {m['si_recall']:.3f}  F1 {m['si_f1']:.3f}",
        f"  technique (gold spans)  micro-F1 {m['tc_micro_f1']:.3f}  macro-F1 {m['tc_macro_f1']:.3f}",
        f"  {'technique':38} {'P':>6} {'R':>6} {'F1':>6} {'n':>5}",
    ]
    for name, v in sorted(m["per_technique"].items(), key=lambda kv: -kv[1]["support"]):
        lines.append(f"  {name:38} {v['precision']:6.3f} {v['recall']:6.3f} {v['f1']:6.3f} {v['support']:5d}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """`unspun evaluate propaganda …`"""
    p = argparse.ArgumentParser(
        prog="unspun evaluate propaganda",
        description="The propaganda model on PTC (SemEval-2020 Task 11): span identification and technique "
        "classification with the task's metrics. dev is our test split (the official test labels were "
        "never published); val is the held-out tenth of train used for calibration.",
    )
    p.add_argument(
        "--data", type=Path, default=DEFAULT_DATA, help="datasets directory or PTC's own directory"
    )
    p.add_argument("--split", default="dev", choices=ptc.SPLITS)
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--model", type=Path, default=None, help="model directory (default: the shipped model)")
    p.add_argument("--limit", type=int, default=None, help="evaluate only the first N articles (speed)")
    args = p.parse_args(sys.argv[1:] if argv is None else argv)
    res = run(args.data, args.split, args.model, args.limit)
    print(json.dumps(res) if args.json else format_text(res))
    return 0


def propaganda_gate(data: Path) -> dict[str, dict[str, Any]]:
    """The figures the quality gate holds: PTC dev span identification and technique classification."""
    m = run(data, "dev")["metrics"]
    return {"ptc_dev": {k: m[k] for k in ("si_f1", "tc_micro_f1", "tc_macro_f1")}}
