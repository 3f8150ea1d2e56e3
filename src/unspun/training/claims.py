"""The claims task: is a sentence a check-worthy factual claim?

Training data (`unspun train claims --heads-only`): ClaimBuster train less its seeded validation tenth, and
optionally CLEF CheckThat! 2019 Task 1 train less its held-out debates (`--clef-weight`); every sentence
that is also in a test split we report on is left out (`training.checkworthy`). One sigmoid head reads the
pooled sentence. Validation: ClaimBuster val F1 of the check-worthy class at its best threshold (the
selection key) and AUROC, and the mean average precision over the held-out CLEF debates. Calibration (the
threshold, on ClaimBuster val), evaluation and the quality gate run the shipped int8 model
(`training.claims_eval`).
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path
from typing import Any

import numpy as np

from unspun.training import checkworthy as C
from unspun.training.data import Example, featurize
from unspun.training.tasks import Predict, Task, TaskData, register_task

#: the claims head (unspun.heads) and the stage's label
CLAIMS_HEAD = "claims"
#: validation views
CB_VIEW, CLEF_VIEW = "claimbuster", "clef"


def sentence_examples(sentences: list[C.CheckSentence], source: str, weight: float,
                      positive_weight: float = 1.0) -> list[Example]:
    """Sentences as examples of the claims head (target (1,): 1.0 check-worthy); positives weigh
    `weight * positive_weight`."""
    return [
        Example(
            s.text,
            source,
            weight=weight * (positive_weight if s.label else 1.0),
            id=s.id,
            labels={CLAIMS_HEAD: np.asarray([float(s.label)], dtype=np.float32)},
        )
        for s in sentences
    ]


@register_task
class ClaimsTask(Task):
    name = "claims"

    @classmethod
    def add_arguments(cls, p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--clef-weight",
            type=float,
            default=0.0,
            help="loss weight of CLEF CheckThat! 2019 train sentences beside ClaimBuster's (0: none)",
        )
        p.add_argument(
            "--positive-weight",
            type=float,
            default=1.0,
            help="loss weight of check-worthy sentences relative to the others (class weighting)",
        )

    def build(self, args: argparse.Namespace, tokenizer: Any) -> TaskData:
        excluded = C.test_keys(args.data)
        cb_all = C.load_claimbuster(args.data, "train")
        cb = C.training_sentences(cb_all, excluded)
        train = sentence_examples(cb, C.CB_DATASET, 1.0, args.positive_weight)
        clef_all: list[C.CheckSentence] = []
        clef: list[C.CheckSentence] = []
        if args.clef_weight > 0:
            clef_all = C.load_clef19(args.data, "train")
            clef = C.training_sentences(clef_all, excluded)
            train += sentence_examples(clef, C.CLEF_DATASET, args.clef_weight, args.positive_weight)
        cb_val = C.load_claimbuster(args.data, "val")
        clef_val = [s for s in C.load_clef19(args.data, "val") if s.text]
        logging.getLogger("unspun.train").info(
            "claims: %d ClaimBuster train sentences (%d check-worthy), %d CLEF 2019 train sentences (weight "
            "%.2f); %d left out (empty, or also in a test split); val %d ClaimBuster, %d CLEF (%d debates)",
            len(cb),
            sum(s.label for s in cb),
            len(clef),
            args.clef_weight,
            len(cb_all) + len(clef_all) - len(cb) - len(clef),
            len(cb_val),
            len(clef_val),
            len({s.debate for s in clef_val}),
        )
        return TaskData(
            self.name,
            featurize(tokenizer, train),
            {
                CB_VIEW: featurize(tokenizer, sentence_examples(cb_val, C.CB_DATASET, 1.0)),
                CLEF_VIEW: featurize(tokenizer, sentence_examples(clef_val, C.CLEF_DATASET, 1.0)),
            },
        )

    def validate(self, predict: Predict, data: TaskData) -> dict[str, float]:
        from unspun.training import metrics as M

        scores: dict[str, float] = {}
        feats = data.val.get(CB_VIEW) or []
        if feats:
            prob = np.asarray([p[0] for p in predict(feats)[CLAIMS_HEAD]])
            gold = np.asarray([f.example.labels[CLAIMS_HEAD][0] >= 0.5 for f in feats])
            t, f1 = M.best_threshold(gold, prob)
            scores.update({"cb_f1": f1, "cb_threshold": t, "cb_auroc": M.binary_auc(gold, prob)})
        feats = data.val.get(CLEF_VIEW) or []
        if feats:
            prob = np.asarray([p[0] for p in predict(feats)[CLAIMS_HEAD]])
            checked = [bool(f.example.labels[CLAIMS_HEAD][0] >= 0.5) for f in feats]
            debates = [f.example.id.rpartition(":")[0] for f in feats]
            scores["clef_map"] = M.mean_average_precision(debates, checked, prob)
        scores["key"] = scores.get("cb_f1", 0.0)
        return scores

    def calibrate(self, model_dir: Path, data: Path) -> dict[str, Any]:
        from unspun.training.claims_eval import calibrate_claims

        return calibrate_claims(model_dir, data)

    def evaluate(self, argv: list[str]) -> int:
        from unspun.training.claims_eval import main

        return main(argv)

    def gate(self, data: Path) -> dict[str, dict[str, Any]]:
        from unspun.training.claims_eval import claims_gate

        return claims_gate(data)
