"""The hate task: hate / offensive / normal, target communities and rationale words.

Training data (`unspun train hate`): HateXplain train (labels, targets of >= 2 annotators, rationales),
Davidson tweets, ToxiGen's human-annotated statements (less a seeded dev tenth) and demonstrations, and
silver normal news sentences; each epoch rewrites a share of them (written with punctuation, beside a
neighbour, misspelt, quoted to be denounced). Validation: HateXplain val as published and written (macro-F1
+ 0.1 AUROC each), ToxiGen dev (AUROC), and news sentences beside a toxic post (reported). Calibration,
evaluation and the quality gate run the shipped int8 model (`training.evaluate`).
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path
from typing import Any

import numpy as np

from unspun.heads import HATE_LABELS
from unspun.training import data as D
from unspun.training.tasks import Predict, Task, TaskData, register_task

NORMAL = HATE_LABELS.index("normal")
HATE = HATE_LABELS.index("hate")
#: val views that enter checkpoint selection by macro-F1 + 0.1 AUROC; "toxigen" enters by its AUROC
SELECTION_VIEWS = ("plain", "written")


@register_task
class HateTask(Task):
    name = "hate"

    @classmethod
    def add_arguments(cls, p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--davidson-weight", type=float, default=0.5, help="loss weight of Davidson tweets (0: none)"
        )
        p.add_argument("--davidson-max-offensive", type=int, default=4000)
        p.add_argument(
            "--toxigen-weight", type=float, default=1.0, help="loss weight of ToxiGen statements (0: none)"
        )
        p.add_argument(
            "--silver-n", type=int, default=3000, help="silver normal news/debate sentences (0: none)"
        )
        p.add_argument("--silver-weight", type=float, default=0.5)
        p.add_argument(
            "--punct-share",
            type=float,
            default=0.5,
            help="share of HateXplain posts written with punctuation, drawn each epoch (their text has none)",
        )
        p.add_argument(
            "--context-share",
            type=float,
            default=0.15,
            help="share of HateXplain posts and of silver sentences trained beside a neighbour, each epoch",
        )
        p.add_argument(
            "--misspell-share",
            type=float,
            default=0.15,
            help="share of toxic HateXplain posts whose rationale word is misspelt, drawn each epoch",
        )
        p.add_argument(
            "--denounce-share",
            type=float,
            default=0.08,
            help="share of hate-labelled texts also trained quoted in a denouncing frame (normal)",
        )
        p.add_argument(
            "--swap-share",
            type=float,
            default=0.0,
            help="share of normal texts naming a group also trained with other groups' words, each epoch",
        )
        p.add_argument(
            "--plain-share",
            type=float,
            default=0.5,
            help="share of Davidson/silver texts rewritten without punctuation, as HateXplain posts are",
        )

    def build(self, args: argparse.Namespace, tokenizer: Any) -> TaskData:
        import logging

        posts = D.hatexplain_examples(args.data, "train")
        extra = self.extra_examples(args)
        logging.getLogger("unspun.train").info(
            "hate: %d HateXplain train posts (%.0f %% written anew each epoch, %.0f %% beside a news "
            "sentence, %.0f %% of toxic ones misspelt), %d extra examples (Davidson weight %.2f, ToxiGen "
            "weight %.2f, silver normal weight %.2f)",
            len(posts),
            100 * args.punct_share,
            100 * args.context_share,
            100 * args.misspell_share,
            len(extra),
            args.davidson_weight,
            args.toxigen_weight,
            args.silver_weight,
        )
        train = posts + extra
        val = D.hatexplain_examples(args.data, "val")
        written_val = [D.written_example(ex, D.written_view_rng(ex.id)) for ex in val]
        toxigen_dev = D.toxigen_examples(args.data, "dev") if args.toxigen_weight > 0 else []
        return TaskData(
            self.name,
            D.featurize(tokenizer, train),
            {
                "plain": D.featurize(tokenizer, val),
                "written": D.featurize(tokenizer, written_val),
                "beside": D.featurize(tokenizer, beside_view(args.data, written_val)),
                "toxigen": D.featurize(tokenizer, toxigen_dev),
            },
            rewrite=EpochRewrite(args, tokenizer, train, n_posts=len(posts)),
        )

    @staticmethod
    def extra_examples(args: argparse.Namespace) -> list[D.Example]:
        extra: list[D.Example] = []
        if args.davidson_weight > 0:
            extra += D.davidson_examples(
                args.data,
                seed=args.seed,
                max_offensive=args.davidson_max_offensive,
                weight=args.davidson_weight,
            )
        if args.silver_n > 0:
            extra += D.silver_normal_examples(
                args.data, seed=args.seed, n=args.silver_n, weight=args.silver_weight
            )
        if args.toxigen_weight > 0:
            extra += D.toxigen_examples(args.data, "train", weight=args.toxigen_weight)
            extra += D.toxigen_demonstrations(args.data, weight=args.toxigen_weight)
        if args.plain_share > 0:
            extra = D.punctuation_mix(extra, seed=args.seed, share=args.plain_share)
        return extra

    def head_targets(self, example: D.Example) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if example.label is not None:
            out["hate_class"] = example.label
        if example.targets is not None:
            out["hate_targets"] = example.targets
        if example.word_rationale is not None:
            out["hate_rationale"] = example.word_rationale
        return out

    def validate(self, predict: Predict, data: TaskData) -> dict[str, float]:
        """Val scores per view ("plain" unprefixed, others prefixed) and `key`: the mean over the
        SELECTION_VIEWS of macro-F1 + 0.1 AUROC and ToxiGen dev's AUROC. "beside" (news sentences, all
        normal, beside toxic posts) reports the share read as normal."""
        from unspun.training import metrics as M

        scores: dict[str, float] = {}
        keys = []
        for view, feats in data.val.items():
            if not feats:
                continue
            res = predict(feats)
            probs = np.stack(res["hate_class"])
            if view == "toxigen":
                y = np.asarray([f.example.label != NORMAL for f in feats])
                scores["toxigen_auroc"] = M.binary_auc(y, 1.0 - probs[:, NORMAL])
                keys.append(scores["toxigen_auroc"])
            elif view in SELECTION_VIEWS:
                s = hatexplain_scores(feats, probs, res["hate_rationale"])
                keys.append(s["macro_f1"] + 0.1 * s["auroc"])
                prefix = "" if view == "plain" else f"{view}_"
                scores.update({prefix + k: v for k, v in s.items()})
            else:
                scores[f"{view}_normal_rate"] = float(np.mean(probs.argmax(1) == NORMAL))
        scores["key"] = float(np.mean(keys)) if keys else 0.0
        return scores

    def calibrate(self, model_dir: Path, data: Path) -> dict[str, Any]:
        from unspun.training.evaluate import calibrate_hate

        return calibrate_hate(model_dir, data)

    def evaluate(self, argv: list[str]) -> int:
        from unspun.training.evaluate import main_hate

        return main_hate(argv)

    def gate(self, data: Path) -> dict[str, dict[str, Any]]:
        from unspun.training.evaluate import hate_gate

        return hate_gate(data)


def hatexplain_scores(
    feats: list[D.Features], probs: np.ndarray, rationale: list[np.ndarray]
) -> dict[str, float]:
    from unspun.heads import word_scores
    from unspun.training import metrics as M

    y = np.asarray([f.example.label for f in feats])
    pred = probs.argmax(1)
    gold_r, pred_r = [], []
    for f, p in zip(feats, rationale, strict=True):
        if f.example.word_rationale is None:
            continue
        word_p = word_scores(p[:, 0], f.piece_word, len(f.example.word_spans))
        gold_r.append(f.example.word_rationale >= 0.5)
        pred_r.append(word_p >= 0.5)
    rat = M.rationale_scores(gold_r, pred_r)
    return {
        "accuracy": M.accuracy(y, pred),
        "macro_f1": M.macro_f1(y, pred, 3),
        "auroc": M.auroc_ovr(y, probs),
        "token_f1": rat["token_f1"],
        "iou_f1": rat["iou_f1"],
    }


def beside_view(data: Path, written_val: list[D.Example]) -> list[D.Example]:
    """News sentences (PolNeAR dev, held out) each beside a toxic val post, read from the sentence."""
    toxic = [ex.text for ex in written_val if ex.label != NORMAL]
    return D.beside_toxic(D.polnear_sentences(data, "dev"), toxic, "beside-view")


class EpochRewrite:
    """The rows rewritten for one epoch, a pure function of the seed and the epoch (so a resumed run sees
    the same data): HateXplain posts written with punctuation, toxic posts with their slur misspelt, hate
    quoted inside a denouncing frame (new rows, normal), posts beside a news sentence and news sentences
    beside a toxic post (each read from its own range)."""

    def __init__(
        self, args: argparse.Namespace, tokenizer: Any, train: list[D.Example], *, n_posts: int
    ) -> None:
        self.args = args
        self.tokenizer = tokenizer
        self.train = train
        self.posts = train[:n_posts]
        self.silver = [k for k, ex in enumerate(train) if ex.source == "silver-normal"]
        self.toxic = [k for k, ex in enumerate(self.posts) if ex.label != NORMAL]
        self.hateful = [k for k, ex in enumerate(train) if ex.label == HATE]
        self.frames = D.denounce_frames()
        self.swappable = D.swappable(train) if args.swap_share > 0 else []

    def __call__(self, epoch: int) -> dict[int, D.Features]:
        a, posts = self.args, self.posts
        seed = a.seed
        out: dict[int, D.Example] = D.written_share(
            posts, random.Random(f"{seed}-written-{epoch}"), a.punct_share
        )
        # a slur obscured ("n1gger", "f a g") is still a slur
        mrng = random.Random(f"{seed}-misspell-{epoch}")
        for k in self.toxic:
            if a.misspell_share > 0 and mrng.random() < a.misspell_share:
                out[k] = D.misspelled_example(out.get(k, posts[k]), mrng)
        # a hateful statement quoted to condemn it is counter-speech: a new row, normal
        drng = random.Random(f"{seed}-denounce-{epoch}")
        added = len(self.train)
        for k in self.hateful:
            if a.denounce_share > 0 and drng.random() < a.denounce_share:
                out[added] = D.denounced_example(self.train[k], drng.choice(self.frames))
                added += 1
        # a sentence that is fine about one group is fine about another: a new row, normal
        srng = random.Random(f"{seed}-swap-{epoch}")
        for k in self.swappable:
            if srng.random() < a.swap_share:
                out[added] = D.identity_swapped(self.train[k], srng)
                added += 1
        if a.context_share > 0 and self.silver and self.toxic:
            crng = random.Random(f"{seed}-context-{epoch}")
            for k in range(len(posts)):
                if crng.random() < a.context_share:
                    news = self.train[crng.choice(self.silver)].text
                    out[k] = D.with_neighbour(out.get(k, posts[k]), news, crng)
            for j in self.silver:
                if crng.random() < a.context_share:
                    t = crng.choice(self.toxic)
                    out[j] = D.with_neighbour(self.train[j], out.get(t, posts[t]).text, crng)
        feats = D.featurize(self.tokenizer, list(out.values()))
        # a range cut off by the window is not worth a row
        return {k: f for k, f in zip(out, feats, strict=True) if f.pool is None or f.pool.any()}
