"""The quotes task: attribution source, cue and content spans (PolNeAR), as BIO tags per word.

Training data (`unspun train quotes`): the PolNeAR train articles, read as the pipeline reads a page (each
paragraph one encoder text, cut into its windows), a BIO tag per word (`training.polnear`). Validation on
PolNeAR dev: word-level F1 of each role (B and I together); their mean selects checkpoints. Evaluation on
whole test articles with the stage's own decoding and relation rules, and the quality gate, run the shipped
int8 model (`training.quotes_eval`).
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path
from typing import Any

import numpy as np

from unspun.heads import QUOTE_ROLES, word_scores
from unspun.training import polnear
from unspun.training.tasks import Predict, Task, TaskData, register_task


def role_of_tags(tags: np.ndarray) -> np.ndarray:
    """Each word's role index (0: none, 1..: QUOTE_ROLES) from BIO tag indices (QUOTE_TAGS is "O", then
    B- and I- of each role in turn)."""
    return (np.asarray(tags) + 1) // 2


@register_task
class QuotesTask(Task):
    name = "quotes"

    @classmethod
    def add_arguments(cls, p: argparse.ArgumentParser) -> None:
        pass

    def build(self, args: argparse.Namespace, tokenizer: Any) -> TaskData:
        from unspun.training.data import featurize

        train = polnear.load_articles(args.data, "train")
        dev = polnear.load_articles(args.data, "dev")
        train_ex = polnear.tag_examples(tokenizer, train)
        logging.getLogger("unspun.train").info(
            "quotes: %d train annotation files (%d dev): %d paragraph windows",
            len(train),
            len(dev),
            len(train_ex),
        )
        return TaskData(
            self.name,
            featurize(tokenizer, train_ex),
            {"tags": featurize(tokenizer, polnear.tag_examples(tokenizer, dev))},
        )

    def validate(self, predict: Predict, data: TaskData) -> dict[str, float]:
        feats = data.val.get("tags") or []
        if not feats:
            return {"key": 0.0}
        res = predict(feats)
        gold, pred = [], []
        for f, p in zip(feats, res[polnear.TAGS_HEAD], strict=True):
            n = len(f.example.word_spans)
            gold.append(role_of_tags(f.example.labels[polnear.TAGS_HEAD]))
            pred.append(role_of_tags(word_scores(p, f.piece_word, n).argmax(1)))
        g, q = np.concatenate(gold), np.concatenate(pred)
        scores = {}
        for k, role in enumerate(QUOTE_ROLES, 1):
            tp = float(np.sum((g == k) & (q == k)))
            denom = float(np.sum(g == k) + np.sum(q == k))
            scores[f"{role}_word_f1"] = 2 * tp / denom if denom else 0.0
        scores["key"] = float(np.mean([scores[f"{r}_word_f1"] for r in QUOTE_ROLES]))
        return scores

    def calibrate(self, model_dir: Path, data: Path) -> dict[str, Any]:
        from unspun.training.quotes_eval import calibrate_quotes

        return calibrate_quotes(model_dir, data)

    def evaluate(self, argv: list[str]) -> int:
        from unspun.training.quotes_eval import main

        return main(argv)

    def gate(self, data: Path) -> dict[str, dict[str, Any]]:
        from unspun.training.quotes_eval import quotes_gate

        return quotes_gate(data)
