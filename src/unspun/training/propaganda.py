"""The propaganda task: spans that use one of SemEval-2020 Task 11's 14 techniques, and which technique.

Training data (`unspun train propaganda`): the PTC train articles less a seeded tenth (`training.ptc`),
read per paragraph window (span head: a target per word) and per gold span in its paragraph (technique
head). Validation on that tenth: word-level F1 of the span head at its best threshold and the technique
head's accuracy on gold spans; their mean selects checkpoints. Calibration, evaluation (the task's own SI
and TC metrics on whole articles) and the quality gate run the shipped int8 model
(`training.propaganda_eval`).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import numpy as np

from unspun.heads import word_scores
from unspun.training import ptc
from unspun.training.tasks import Predict, Task, TaskData, register_task

#: thresholds tried for the span head's word-level F1 during validation
VAL_THRESHOLDS = (0.2, 0.3, 0.4, 0.5, 0.6)


@register_task
class PropagandaTask(Task):
    name = "propaganda"

    @classmethod
    def add_arguments(cls, p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--technique-weight",
            type=float,
            default=1.0,
            help="loss weight of the technique examples (one per gold span) beside the span windows",
        )

    def build(self, args: argparse.Namespace, tokenizer: Any) -> TaskData:
        import logging

        from unspun.training.data import featurize

        train_articles = ptc.load_articles(args.data, "train")
        val_articles = ptc.load_articles(args.data, "val")
        spans = ptc.span_examples(tokenizer, train_articles)
        techniques = ptc.technique_examples(train_articles)
        for ex in techniques:
            ex.weight = args.technique_weight
        logging.getLogger("unspun.train").info(
            "propaganda: %d train articles (%d val): %d paragraph windows, %d technique spans",
            len(train_articles),
            len(val_articles),
            len(spans),
            len(techniques),
        )
        train = [f for f in featurize(tokenizer, spans + techniques) if f.pool is None or f.pool.any()]
        tc_val = featurize(tokenizer, ptc.technique_examples(val_articles))
        return TaskData(
            self.name,
            train,
            {
                "spans": featurize(tokenizer, ptc.span_examples(tokenizer, val_articles)),
                "techniques": [f for f in tc_val if f.pool is not None and f.pool.any()],
            },
        )

    def validate(self, predict: Predict, data: TaskData) -> dict[str, float]:
        scores: dict[str, float] = {}
        spans = data.val.get("spans") or []
        if spans:
            res = predict(spans)
            gold, prob = [], []
            for f, p in zip(spans, res[ptc.SPANS_HEAD], strict=True):
                n = len(f.example.word_spans)
                gold.append(f.example.labels[ptc.SPANS_HEAD] >= 0.5)
                prob.append(word_scores(p[:, 0], f.piece_word, n))
            g, q = np.concatenate(gold), np.concatenate(prob)
            best = max(VAL_THRESHOLDS, key=lambda t: word_f1(g, q >= t))
            scores["word_f1"] = word_f1(g, q >= best)
            scores["word_threshold"] = best
        techniques = [f for f in data.val.get("techniques") or [] if ptc.TECHNIQUE_HEAD in f.example.labels]
        if techniques:
            res = predict(techniques)
            pred = np.stack(res[ptc.TECHNIQUE_HEAD]).argmax(1)
            y = np.asarray([f.example.labels[ptc.TECHNIQUE_HEAD] for f in techniques])
            scores["tc_accuracy"] = float(np.mean(pred == y))
        scores["key"] = float(np.mean([scores.get("word_f1", 0.0), scores.get("tc_accuracy", 0.0)]))
        return scores

    def calibrate(self, model_dir: Path, data: Path) -> dict[str, Any]:
        from unspun.training.propaganda_eval import calibrate_propaganda

        return calibrate_propaganda(model_dir, data)

    def evaluate(self, argv: list[str]) -> int:
        from unspun.training.propaganda_eval import main

        return main(argv)

    def gate(self, data: Path) -> dict[str, dict[str, Any]]:
        from unspun.training.propaganda_eval import propaganda_gate

        return propaganda_gate(data)


def word_f1(gold: np.ndarray, pred: np.ndarray) -> float:
    tp = float(np.sum(gold & pred))
    denom = float(np.sum(gold) + np.sum(pred))
    return 2 * tp / denom if denom else 0.0
