"""`unspun evaluate quotes`: the shipped model on PolNeAR's whole articles — source, cue and content spans
and whole relations, under exact and overlap match; the quality gate's figures.

Articles are read as the pipeline reads a page: each paragraph is one encoder text, and the quotes stage's
own functions (`stages.quotes.role_spans`, `link`) decode its spans and relations. Spans are scored per role
over each article's distinct gold fragments (a discontinuous span is one fragment per piece; a source
shared by several relations counts once). A relation is correct under overlap match when its content, cue
and source each overlap those of one gold relation (a missing source matches a missing source), and under
exact match when each is equal to one of that relation's fragments. An article annotated by two annotators
is scored against each annotation file as its own reference. Runs on the int8 model with onnxruntime.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from unspun.document import EDITORIAL, STRUCTURE, Document
from unspun.document import Span as DocSpan
from unspun.heads import QUOTE_ROLES, task_heads
from unspun.nlp import ParsedSegment, parse_segments
from unspun.stages.attribution_rules import merge_relations, merge_spans, rule_relations
from unspun.stages.head import read_ranges, words_of
from unspun.stages.quotes import TAGS_HEAD, Relation, RoleSpan, link, role_spans
from unspun.training import metrics as M
from unspun.training import polnear
from unspun.training.data import line_ranges

DEFAULT_DATA = Path("../shared/data")
DATASET = "polnear"
Span = tuple[int, int]


@dataclass
class ArticlePrediction:
    article: polnear.AnnotatedArticle
    spans: list[RoleSpan]
    relations: list[Relation]


def predict_articles(
    articles: list[polnear.AnnotatedArticle], model_dir: Path | None, rules: bool = True
) -> list[ArticlePrediction]:
    """Encode every paragraph once (an article read by two annotators is read once), decode as the stage;
    with `rules`, add the parse rules' relations as the stage does."""
    from unspun.encoder import get_encoder

    d, heads, _ = task_heads(model_dir, "quotes")
    texts = list(dict.fromkeys(a.text for a in articles))
    paras = [(k, lo, hi) for k, t in enumerate(texts) for lo, hi in line_ranges(t)]
    encoded = get_encoder(d).encode([texts[k][lo:hi] for k, lo, hi in paras], [lo for _, lo, _ in paras])
    spans: list[list[RoleSpan]] = [[] for _ in texts]
    relations: list[list[Relation]] = [[] for _ in texts]
    for (k, lo, hi), enc in zip(paras, encoded, strict=True):
        reading = read_ranges(enc, [(lo, hi)], heads)[0]
        if reading is None:
            continue
        found = role_spans(words_of(reading, TAGS_HEAD, texts[k]), texts[k])
        spans[k] += found
        previous = relations[k][-1].source if relations[k] else None
        relations[k] += link(found, previous)
    if rules:
        for k, text in enumerate(texts):
            ruled = rule_relations(parse_paragraphs(text), text)
            relations[k] = merge_relations(relations[k], ruled)
            spans[k] = merge_spans(spans[k], ruled)
    index = {t: k for k, t in enumerate(texts)}
    return [ArticlePrediction(a, spans[index[a.text]], relations[index[a.text]]) for a in articles]


def parse_paragraphs(text: str) -> list[ParsedSegment]:
    """spaCy's parse of an article's paragraphs, each parsed alone as the pipeline parses a page's."""
    doc = Document(text=text)
    for lo, hi in line_ranges(text):
        doc.add(STRUCTURE, DocSpan(lo, hi, EDITORIAL, None, {}, "structure"))
    return parse_segments(doc)


def _frag_match(pred: RoleSpan | None, frags: tuple[Span, ...], exact: bool) -> bool:
    if pred is None or not frags:
        return pred is None and not frags
    p = (pred.start, pred.end)
    return p in frags if exact else any(M.overlaps(p, f) for f in frags)


def relation_matches(rel: Relation, gold: polnear.Attribution, exact: bool) -> bool:
    return (
        _frag_match(rel.content, gold.content, exact)
        and _frag_match(rel.cue, gold.cue, exact)
        and _frag_match(rel.source, gold.source, exact)
    )


def relation_scores(preds: list[ArticlePrediction], exact: bool) -> dict[str, float]:
    tp_pred = tp_gold = n_pred = n_gold = 0
    for p in preds:
        gold = [a for a in p.article.attributions if a.content]
        n_pred += len(p.relations)
        n_gold += len(gold)
        tp_pred += sum(any(relation_matches(r, g, exact) for g in gold) for r in p.relations)
        tp_gold += sum(any(relation_matches(r, g, exact) for r in p.relations) for g in gold)
    return M.prf(tp_pred, n_pred, tp_gold, n_gold)


def score(preds: list[ArticlePrediction]) -> dict[str, Any]:
    metrics: dict[str, Any] = {}
    for role in QUOTE_ROLES:
        gold = {p.article.id: p.article.role_spans(role) for p in preds}
        pred = {p.article.id: [(s.start, s.end) for s in p.spans if s.role == role] for p in preds}
        metrics[role] = {k: round(v, 4) for k, v in M.span_match_scores(pred, gold).items()}
    exact, overlap = relation_scores(preds, True), relation_scores(preds, False)
    metrics["relation"] = {
        "exact_f1": round(exact["f1"], 4),
        "exact_precision": round(exact["precision"], 4),
        "exact_recall": round(exact["recall"], 4),
        "overlap_f1": round(overlap["f1"], 4),
        "overlap_precision": round(overlap["precision"], 4),
        "overlap_recall": round(overlap["recall"], 4),
    }
    return metrics


def run(
    data: Path, split: str, model_dir: Path | None = None, limit: int | None = None, rules: bool = True
) -> dict[str, Any]:
    articles = polnear.load_articles(data, split)
    if limit:
        articles = articles[:limit]
    preds = predict_articles(articles, model_dir, rules)
    return {
        "task": "quotes",
        "dataset": DATASET,
        "split": split,
        "n": len(articles),
        "articles": len({a.text for a in articles}),
        "metrics": score(preds),
        "gold_relations": sum(len(a.attributions) for a in articles),
        "rules": rules,
    }


def calibrate_quotes(model_dir: Path, data: Path) -> dict[str, Any]:
    """The tagger is decoded as its most probable valid BIO sequence (`stages.head.bio_path`), with no
    threshold to choose; the rule records the dev figures it was accepted on."""
    m = run(data, "dev", model_dir)["metrics"]
    return {"decoder": "bio-viterbi", "dev_content_overlap_f1": m["content"]["overlap_f1"]}


def format_text(res: dict[str, Any]) -> str:
    m = res["metrics"]
    how = "tagger and rules" if res["rules"] else "tagger alone"
    lines = [
        f"quotes on {res['dataset']} {res['split']} ({res['articles']} articles, {res['n']} annotation "
        f"files, {res['gold_relations']} gold relations; {how})",
        f"  {'':10} {'exact P':>8} {'R':>6} {'F1':>6}   {'overlap P':>9} {'R':>6} {'F1':>6}",
    ]
    for name in (*QUOTE_ROLES, "relation"):
        v = m[name]
        lines.append(
            f"  {name:10} {v['exact_precision']:8.3f} {v['exact_recall']:6.3f} {v['exact_f1']:6.3f}"
            f"   {v['overlap_precision']:9.3f} {v['overlap_recall']:6.3f} {v['overlap_f1']:6.3f}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """`unspun evaluate quotes …`"""
    p = argparse.ArgumentParser(
        prog="unspun evaluate quotes",
        description="The attribution model on PolNeAR: source, cue and content spans and whole relations on "
        "whole articles, exact and overlap match. Each annotator's file of an article is its own reference.",
    )
    p.add_argument("--data", type=Path, default=DEFAULT_DATA, help="datasets directory or PolNeAR's own")
    p.add_argument("--split", default="test", choices=polnear.SPLITS)
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--model", type=Path, default=None, help="model directory (default: the shipped model)")
    p.add_argument("--limit", type=int, default=None, help="evaluate only the first N annotation files")
    p.add_argument("--no-rules", action="store_true", help="the tagger alone, without the parse rules")
    args = p.parse_args(sys.argv[1:] if argv is None else argv)
    res = run(args.data, args.split, args.model, args.limit, rules=not args.no_rules)
    print(json.dumps(res) if args.json else format_text(res))
    return 0


def quotes_gate(data: Path) -> dict[str, dict[str, Any]]:
    """The figures the quality gate holds: PolNeAR test overlap F1 per role, exact content F1, relations."""
    m = run(data, "test")["metrics"]
    return {
        "polnear_test": {
            "source_overlap_f1": m["source"]["overlap_f1"],
            "cue_overlap_f1": m["cue"]["overlap_f1"],
            "content_overlap_f1": m["content"]["overlap_f1"],
            "content_exact_f1": m["content"]["exact_f1"],
            "relation_overlap_f1": m["relation"]["overlap_f1"],
        }
    }
