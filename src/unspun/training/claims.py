"""The claims task: is a sentence a check-worthy factual claim?

Training data (`unspun train claims --heads-only`): ClaimBuster train less its seeded validation tenth, each
sentence alone and (`--claims-context-share`) again beside another one, read from its own range; optionally
CLEF CheckThat! 2019 Task 1 train less its held-out debates (`--clef-weight`). Every sentence that is also in
a test split we report on is left out (`training.checkworthy`). One sigmoid head reads the pooled sentence.
Validation: ClaimBuster val F1 of the check-worthy class at its best threshold (the selection key) and AUROC,
the same with each val sentence beside another, and the mean average precision over the held-out CLEF
debates. Calibration (the threshold, on ClaimBuster val), evaluation and the quality gate run the shipped
int8 model (`training.claims_eval`).
"""

from __future__ import annotations

import argparse
import logging
import random
from pathlib import Path
from typing import Any

import numpy as np

from unspun.training import checkworthy as C
from unspun.training.data import Example, featurize, with_neighbour
from unspun.training.tasks import Predict, Task, TaskData, register_task

#: the claims head (unspun.heads) and the stage's label
CLAIMS_HEAD = "claims"
#: validation views: ClaimBuster val alone and each sentence beside another (reported), CLEF val debates
CB_VIEW, CB_BESIDE_VIEW, CLEF_VIEW = "claimbuster", "claimbuster_beside", "clef"
#: seeds of the neighbours drawn for training sentences and for the "beside" validation view
CONTEXT_SEED = "claims-beside"
CONTEXT_VAL_SEED = "claims-beside-val"


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


def beside_neighbours(examples: list[Example], texts: list[str], share: float, seed: str) -> list[Example]:
    """A seeded `share` of the examples, each written beside a random text of `texts` and read from its own
    range (`data.with_neighbour`): a sentence in a page is pooled inside its paragraph's window, and a head
    that only saw sentences alone lets the neighbours' topic and tone leak into its score."""
    rng = random.Random(seed)
    return [with_neighbour(ex, rng.choice(texts), rng) for ex in examples if texts and rng.random() < share]


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
            # its own name: `unspun train --tasks hate,claims` adds both tasks' options to one parser, and
            # hate's --context-share is another share of other texts
            "--claims-context-share",
            type=float,
            default=1.0,
            help="share of ClaimBuster train sentences also trained beside a random other one, read from "
            "their own range (the stage reads a sentence inside its paragraph)",
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
        seed = f"{CONTEXT_SEED}-{args.seed}"
        train += beside_neighbours(train, [s.text for s in cb], args.claims_context_share, seed)
        clef_all: list[C.CheckSentence] = []
        clef: list[C.CheckSentence] = []
        if args.clef_weight > 0:
            clef_all = C.load_clef19(args.data, "train")
            clef = C.training_sentences(clef_all, excluded)
            train += sentence_examples(clef, C.CLEF_DATASET, args.clef_weight, args.positive_weight)
        cb_val = C.load_claimbuster(args.data, "val")
        cb_val_examples = sentence_examples(cb_val, C.CB_DATASET, 1.0)
        cb_beside = beside_neighbours(cb_val_examples, [s.text for s in cb_val], 1.0, CONTEXT_VAL_SEED)
        clef_val = [s for s in C.load_clef19(args.data, "val") if s.text]
        logging.getLogger("unspun.train").info(
            "claims: %d ClaimBuster train sentences (%d check-worthy; %d more beside a neighbour), %d CLEF "
            "2019 train sentences (weight %.2f); %d left out (empty, or also in a test split); val %d "
            "ClaimBuster, %d CLEF (%d debates)",
            len(cb),
            sum(s.label for s in cb),
            len(train) - len(cb) - len(clef),
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
                CB_VIEW: featurize(tokenizer, cb_val_examples),
                CB_BESIDE_VIEW: featurize(tokenizer, cb_beside),
                CLEF_VIEW: featurize(tokenizer, sentence_examples(clef_val, C.CLEF_DATASET, 1.0)),
            },
        )

    def validate(self, predict: Predict, data: TaskData) -> dict[str, float]:
        from unspun.training import metrics as M

        scores: dict[str, float] = {}
        for view, prefix in ((CB_VIEW, "cb"), (CB_BESIDE_VIEW, "cb_beside")):
            feats = data.val.get(view) or []
            if feats:
                prob = np.asarray([p[0] for p in predict(feats)[CLAIMS_HEAD]])
                gold = np.asarray([f.example.labels[CLAIMS_HEAD][0] >= 0.5 for f in feats])
                t, f1 = M.best_threshold(gold, prob)
                scores.update({f"{prefix}_f1": f1, f"{prefix}_threshold": t,
                               f"{prefix}_auroc": M.binary_auc(gold, prob)})
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
