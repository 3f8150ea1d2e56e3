"""`unspun train`: multi-task fine-tuning of the shared encoder, seeded, checkpointed and resumable.

Each task contributes its examples (one loader per source, `training.data`); an epoch is every task's
length-bucketed batches shuffled together, so tasks are sampled in proportion to their size (a task's
`rate` up- or down-samples it). A batch holds one task's examples; the losses of that task's heads are
summed with their weights. The best checkpoint on the validation metric is kept; `--export` turns it into
the shipped int8 ONNX model (`training.export`).
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from unspun.errors import UnspunError
from unspun.training.heads import HATE_LABELS, HATE_TARGETS

log = logging.getLogger("unspun.train")
NORMAL = HATE_LABELS.index("normal")
#: val views that enter checkpoint selection; others are reported only
SELECTION_VIEWS = ("plain", "written")

DEFAULT_DATA = Path("../shared/data")
#: word-pieces per batch bucket pool: sort this many batches' worth of examples by length, then cut
BUCKET_BATCHES = 50
LR_ENCODER = 8e-5
LR_HEADS = 1e-3
WARMUP = 0.06
WEIGHT_DECAY = 0.01


@dataclass
class TaskData:
    name: str
    train: list[Any]  # Features
    val: dict[str, list[Any]]  # view name -> Features ("plain": the split as published)
    rate: float = 1.0
    # examples rewritten anew each epoch: epoch -> {train index: Features} (a pure function, for resuming);
    # indices from len(train) up are rows added for that epoch
    rewrite: Callable[[int], dict[int, Any]] | None = None

    def epoch_train(self, epoch: int) -> list[Any]:
        if self.rewrite is None:
            return self.train
        feats = list(self.train)
        for k, f in self.rewrite(epoch).items():
            if k < len(self.train):
                feats[k] = f
            else:  # rows added for this epoch only (keys from len(train) up)
                feats.append(f)
        return feats


def build_task(task: str, args: argparse.Namespace, tokenizer: Any) -> TaskData:
    from unspun.training import data as D

    if task == "hate":
        posts = D.hatexplain_examples(args.data, "train")
        extra: list[Any] = []
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
        log.info(
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
        silver = [len(posts) + i for i, ex in enumerate(extra) if ex.source == "silver-normal"]
        toxic = [k for k, ex in enumerate(posts) if ex.label != NORMAL]
        denounce_from = [k for k, ex in enumerate(train) if ex.label == HATE_LABELS.index("hate")]
        frames = D.denounce_frames()

        def rewrite(epoch: int) -> dict[int, Any]:
            rng = random.Random(f"{args.seed}-written-{epoch}")
            out: dict[int, Any] = D.written_share(posts, rng, args.punct_share)
            if args.misspell_share > 0:
                # a slur obscured ("n1gger", "f a g") is still a slur
                mrng = random.Random(f"{args.seed}-misspell-{epoch}")
                for k in toxic:
                    if mrng.random() < args.misspell_share:
                        out[k] = D.misspelled_example(out.get(k, posts[k]), mrng)
            if args.denounce_share > 0:
                # a toxic statement quoted to condemn it is counter-speech (normal), read as a new row
                drng = random.Random(f"{args.seed}-denounce-{epoch}")
                added = len(train)
                for k in denounce_from:
                    if drng.random() < args.denounce_share:
                        out[added] = D.denounced_example(train[k], drng.choice(frames))
                        added += 1
            if args.context_share > 0 and silver and toxic:
                # a post beside a news sentence, read from the post; a news sentence beside a toxic post,
                # read from the sentence (normal)
                crng = random.Random(f"{args.seed}-context-{epoch}")
                for k in range(len(posts)):
                    if crng.random() < args.context_share:
                        news = train[crng.choice(silver)].text
                        out[k] = D.with_neighbour(out.get(k, posts[k]), news, crng)
                for j in silver:
                    if crng.random() < args.context_share:
                        t = crng.choice(toxic)
                        out[j] = D.with_neighbour(train[j], out.get(t, posts[t]).text, crng)
            feats = D.featurize(tokenizer, list(out.values()))
            # a range cut off by the window is not worth a row
            return {k: f for k, f in zip(out, feats, strict=True) if f.pool is None or f.pool.any()}

        val = D.hatexplain_examples(args.data, "val")
        written_val = [D.written_example(ex, D.written_view_rng(ex.id)) for ex in val]
        return TaskData(
            "hate",
            D.featurize(tokenizer, train),
            {
                "plain": D.featurize(tokenizer, val),
                "written": D.featurize(tokenizer, written_val),
                "beside": D.featurize(tokenizer, beside_view(args.data, written_val)),
                "toxigen": D.featurize(tokenizer, D.toxigen_examples(args.data, "dev"))
                if args.toxigen_weight > 0
                else [],
            },
            rewrite=rewrite,
        )
    raise UnspunError(f"unknown task {task!r}; known tasks: hate")


def beside_view(data: Path, written_val: list[Any]) -> list[Any]:
    """News sentences (PolNeAR dev, held out) each beside a toxic val post, read from the sentence."""
    from unspun.training import data as D

    toxic = [ex.text for ex in written_val if ex.label != NORMAL]
    return D.beside_toxic(D.polnear_sentences(data, "dev"), toxic, "beside-view")


def make_batches(feats: list[Any], batch_size: int, rng: random.Random) -> list[list[int]]:
    """Length-bucketed batches of indices: shuffle, sort within pools, cut, shuffle the batches."""
    idx = list(range(len(feats)))
    rng.shuffle(idx)
    pool = batch_size * BUCKET_BATCHES
    batches = []
    for lo in range(0, len(idx), pool):
        chunk = sorted(idx[lo : lo + pool], key=lambda i: len(feats[i].ids))
        batches += [chunk[j : j + batch_size] for j in range(0, len(chunk), batch_size)]
    rng.shuffle(batches)
    return batches


def epoch_plan(
    tasks: list[TaskData], feats: list[list[Any]], batch_size: int, seed: int, epoch: int
) -> list[tuple[int, list[int]]]:
    """The (task index, batch) order of one epoch over each task's features of that epoch (bucketed by
    their own lengths: rewritten examples may be longer); a pure function of the seed and epoch."""
    rng = random.Random(seed * 1000 + epoch)
    plan = []
    for t, task in enumerate(tasks):
        batches = make_batches(feats[t], batch_size, rng)
        n = int(round(len(batches) * task.rate))
        plan += [(t, batches[k % len(batches)]) for k in range(n)]
    rng.shuffle(plan)
    return plan


def collate(feats: list[Any], cls_id: int, sep_id: int, n_targets: int) -> dict[str, Any]:
    import torch

    width = max(len(f.ids) for f in feats) + 2
    b = len(feats)
    ids = torch.zeros(b, width, dtype=torch.long)
    mask = torch.zeros(b, width, dtype=torch.long)
    content = torch.zeros(b, width, dtype=torch.bool)
    pool = torch.zeros(b, width, dtype=torch.bool)
    label = torch.full((b,), -100, dtype=torch.long)
    targets = torch.zeros(b, n_targets)
    has_targets = torch.zeros(b, dtype=torch.bool)
    rationale = torch.zeros(b, width)
    has_rationale = torch.zeros(b, dtype=torch.bool)
    weight = torch.ones(b)
    for r, f in enumerate(feats):
        n = len(f.ids)
        ids[r, 0] = cls_id
        ids[r, 1 : n + 1] = torch.from_numpy(f.ids)
        ids[r, n + 1] = sep_id
        mask[r, : n + 2] = 1
        content[r, 1 : n + 1] = True
        pool[r, 1 : n + 1] = True if f.pool is None else torch.from_numpy(f.pool)
        ex = f.example
        weight[r] = ex.weight
        if ex.label is not None:
            label[r] = ex.label
        if ex.targets is not None:
            targets[r] = torch.from_numpy(ex.targets)
            has_targets[r] = True
        if f.rationale is not None:
            rationale[r, 1 : n + 1] = torch.from_numpy(f.rationale)
            has_rationale[r] = True
    return {
        "ids": ids,
        "mask": mask,
        "content": content,
        "pool": pool,
        "label": label,
        "targets": targets,
        "has_targets": has_targets,
        "rationale": rationale,
        "has_rationale": has_rationale,
        "weight": weight,
    }


def task_loss(out: dict[str, Any], batch: dict[str, Any], task: str) -> Any:
    import torch
    import torch.nn.functional as F

    from unspun.training.heads import HEADS

    total = torch.zeros(())
    w = batch["weight"]
    if task == "hate":
        lab = batch["label"] >= 0
        if lab.any():
            ce = F.cross_entropy(out["hate_class"][lab], batch["label"][lab], reduction="none")
            total = total + HEADS["hate_class"].weight * (ce * w[lab]).sum() / w[lab].sum()
        ht = batch["has_targets"]
        if ht.any():
            bce = F.binary_cross_entropy_with_logits(
                out["hate_targets"][ht], batch["targets"][ht], reduction="none"
            ).mean(1)
            total = total + HEADS["hate_targets"].weight * (bce * w[ht]).sum() / w[ht].sum()
        hr = batch["has_rationale"]
        if hr.any():
            logits = out["hate_rationale"][hr][..., 0]
            c = batch["content"][hr].float()
            bce = F.binary_cross_entropy_with_logits(logits, batch["rationale"][hr], reduction="none")
            per_post = (bce * c).sum(1) / c.sum(1).clamp(min=1.0)
            total = total + HEADS["hate_rationale"].weight * per_post.mean()
        return total
    raise UnspunError(f"no loss defined for task {task!r}")


def predict_feats(
    model: Any, feats: list[Any], cls_id: int, sep_id: int, n_targets: int, *, batch_size: int, bf16: bool
) -> dict[str, list[np.ndarray]]:
    """Head outputs (probabilities) for features, in order; token heads cut to each example's pieces."""
    import torch

    model.eval()
    order = sorted(range(len(feats)), key=lambda i: len(feats[i].ids))
    res: dict[str, list[Any]] = {name: [None] * len(feats) for name in model.heads}
    with torch.no_grad(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
        for lo in range(0, len(order), batch_size):
            chunk = order[lo : lo + batch_size]
            batch = collate([feats[i] for i in chunk], cls_id, sep_id, n_targets)
            out = model(batch["ids"], batch["mask"], batch["pool"])
            for name, logits in out.items():
                spec = model.specs[name]
                probs = torch.softmax(logits, -1) if spec.loss == "softmax" else torch.sigmoid(logits)
                for r, i in enumerate(chunk):
                    if spec.kind == "token":
                        n = len(feats[i].ids)
                        res[name][i] = probs[r, 1 : n + 1].numpy()
                    else:
                        res[name][i] = probs[r].numpy()
    model.train()
    return res


def validate(
    model: Any, task: TaskData, tok_ids: tuple[int, int], args: argparse.Namespace
) -> dict[str, float]:
    """Val scores per view ("plain" unprefixed, others prefixed) and `key`, the selection score: mean over
    the SELECTION_VIEWS of macro-F1 + 0.1 AUROC. Other views (all-normal sentences beside toxic posts)
    report the share read as normal."""
    if task.name != "hate":
        return {}
    from unspun.training import metrics as M

    scores: dict[str, float] = {}
    keys = []
    for view, feats in task.val.items():
        if not feats:
            continue
        if view == "toxigen":
            # ToxiGen dev: is a statement toxic (hate or offensive)? AUROC enters selection as a view's key
            res = predict_feats(model, feats, *tok_ids, len(HATE_TARGETS), batch_size=64, bf16=args.bf16)
            y = np.asarray([f.example.label != NORMAL for f in feats])
            tox = np.asarray([1.0 - p[NORMAL] for p in res["hate_class"]])
            scores["toxigen_auroc"] = M.binary_auc(y, tox)
            keys.append(scores["toxigen_auroc"])
            continue
        if view not in SELECTION_VIEWS:
            res = predict_feats(model, feats, *tok_ids, len(HATE_TARGETS), batch_size=64, bf16=args.bf16)
            scores[f"{view}_normal_rate"] = float(np.mean([p.argmax() == NORMAL for p in res["hate_class"]]))
            continue
        s = hate_val_scores(model, feats, tok_ids, args)
        keys.append(s["macro_f1"] + 0.1 * s["auroc"])
        prefix = "" if view == "plain" else f"{view}_"
        scores.update({prefix + k: v for k, v in s.items()})
    scores["key"] = float(np.mean(keys))
    return scores


def hate_val_scores(
    model: Any, feats: list[Any], tok_ids: tuple[int, int], args: argparse.Namespace
) -> dict[str, float]:
    from unspun.training import metrics as M

    res = predict_feats(model, feats, *tok_ids, len(HATE_TARGETS), batch_size=64, bf16=args.bf16)
    probs = np.stack(res["hate_class"])
    y = np.asarray([f.example.label for f in feats])
    pred = probs.argmax(1)
    gold_r, pred_r = [], []
    for f, p in zip(feats, res["hate_rationale"], strict=True):
        if f.example.word_rationale is None:
            continue
        n_words = len(f.example.word_spans)
        word_p = word_scores(p[:, 0], f.piece_word, n_words)
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


def word_scores(piece_scores: np.ndarray, piece_word: np.ndarray, n_words: int) -> np.ndarray:
    """A word's rationale score: the mean of its pieces' scores (0 for a word with no piece)."""
    sums = np.zeros(n_words)
    counts = np.zeros(n_words)
    ok = piece_word >= 0
    np.add.at(sums, piece_word[ok], piece_scores[ok])
    np.add.at(counts, piece_word[ok], 1)
    return sums / np.maximum(counts, 1)


def seed_all(seed: int) -> None:
    import torch

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def setup_logging(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    fmt = logging.Formatter("%(asctime)s %(levelname)s %(message)s")
    root = logging.getLogger("unspun")
    root.setLevel(logging.INFO)
    fh = logging.FileHandler(out / "train.log")
    fh.setFormatter(fmt)
    sh = logging.StreamHandler()
    sh.setFormatter(fmt)
    root.handlers[:] = [fh, sh]
    root.propagate = False  # onnxruntime's quantiser configures the root logger: do not log twice


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="unspun train", description=__doc__.splitlines()[0])
    p.add_argument("task", nargs="?", help="task to train (same as --tasks TASK)")
    p.add_argument("--tasks", default=None, help="comma-separated tasks (known: hate)")
    p.add_argument(
        "--data", type=Path, default=DEFAULT_DATA, help="datasets directory (default ../shared/data)"
    )
    p.add_argument("--out", type=Path, default=None, help="run directory (default runs/<tasks>)")
    p.add_argument("--epochs", type=int, default=4)
    p.add_argument("--seed", type=int, default=13)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--max-steps", type=int, default=None, help="stop after this many steps (smoke tests)")
    p.add_argument("--resume", action="store_true", help="continue from <out>/last.pt")
    p.add_argument(
        "--export",
        action="store_true",
        help="export <out>/best.pt to int8 ONNX, check it against fp32, install it in the package",
    )
    p.add_argument("--export-only", action="store_true", help="skip training, only --export")
    p.add_argument(
        "--install-dir", type=Path, default=None, help="where --export installs (default: package)"
    )
    p.add_argument("--threads", type=int, default=2)
    p.add_argument(
        "--no-bf16", dest="bf16", action="store_false", help="train in fp32 (default: bf16 autocast)"
    )
    p.add_argument("--save-every", type=int, default=200, help="steps between resumable checkpoints")
    p.add_argument("--evals-per-epoch", type=int, default=2)
    p.add_argument(
        "--davidson-weight", type=float, default=0.5, help="loss weight of Davidson tweets (0: none)"
    )
    p.add_argument("--davidson-max-offensive", type=int, default=4000)
    p.add_argument(
        "--toxigen-weight", type=float, default=1.0, help="loss weight of ToxiGen statements (0: none)"
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
        help="share of hate-labelled texts also trained quoted inside a denouncing frame (normal), each epoch",
    )
    p.add_argument("--silver-n", type=int, default=3000, help="silver normal news/debate sentences (0: none)")
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
        help="share of HateXplain posts and of silver sentences trained beside a neighbour, drawn each epoch",
    )
    p.add_argument(
        "--plain-share",
        type=float,
        default=0.5,
        help="share of Davidson/silver texts rewritten without punctuation, as HateXplain posts are",
    )
    args = p.parse_args(argv)
    tasks = [t for t in (args.tasks or args.task or "").split(",") if t]
    if not tasks:
        p.error("name a task: `unspun train hate` or --tasks hate")
    args.task_list = tasks
    if args.out is None:
        args.out = Path("runs") / "-".join(tasks)
    return args


def checkpoint_state(
    model: Any, opt: Any, sched: Any, step: int, epoch: int, pos: int, best: float, args: argparse.Namespace
) -> dict[str, Any]:
    import torch

    return {
        "model": model.state_dict(),
        "opt": opt.state_dict(),
        "sched": sched.state_dict(),
        "step": step,
        "epoch": epoch,
        "pos": pos,
        "best": best,
        "tasks": args.task_list,
        "torch_rng": torch.get_rng_state(),
        "np_rng": np.random.get_state(),
        "py_rng": random.getstate(),
    }


def save(obj: Any, path: Path) -> None:
    import torch

    tmp = path.with_suffix(".tmp")
    torch.save(obj, tmp)
    tmp.replace(path)


def train(args: argparse.Namespace) -> int:
    import torch

    from unspun.encoder import load_tokenizer
    from unspun.training.heads import heads_for
    from unspun.training.model import MultiTaskModel, base_model_path

    torch.set_num_threads(args.threads)
    seed_all(args.seed)
    base = base_model_path()
    tokenizer = load_tokenizer(str(base / "tokenizer.json"))
    tok_ids = (tokenizer.token_to_id("[CLS]"), tokenizer.token_to_id("[SEP]"))
    specs = heads_for(args.task_list)
    tasks = [build_task(t, args, tokenizer) for t in args.task_list]
    model = MultiTaskModel(base, specs)
    model.train()
    head_params = [p for n, p in model.named_parameters() if not n.startswith("encoder.")]
    enc_params = [p for n, p in model.named_parameters() if n.startswith("encoder.")]
    opt = torch.optim.AdamW(
        [{"params": enc_params, "lr": LR_ENCODER}, {"params": head_params, "lr": LR_HEADS}],
        weight_decay=WEIGHT_DECAY,
    )
    steps_per_epoch = len(epoch_plan(tasks, [t.train for t in tasks], args.batch_size, args.seed, 0))
    total = args.max_steps or steps_per_epoch * args.epochs
    warm = max(1, int(total * WARMUP))

    def lr_at(step: int) -> float:
        return step / warm if step < warm else max(0.0, (total - step) / max(1, total - warm))

    sched = torch.optim.lr_scheduler.LambdaLR(opt, lr_at)
    step, start_epoch, start_pos, best = 0, 0, 0, -1.0
    last = args.out / "last.pt"
    if args.resume:
        if not last.is_file():
            raise UnspunError(f"cannot resume: {last} does not exist")
        ck = torch.load(last, weights_only=False)
        model.load_state_dict(ck["model"])
        opt.load_state_dict(ck["opt"])
        sched.load_state_dict(ck["sched"])
        step, start_epoch, start_pos, best = ck["step"], ck["epoch"], ck["pos"], ck["best"]
        torch.set_rng_state(ck["torch_rng"])
        np.random.set_state(ck["np_rng"])
        random.setstate(ck["py_rng"])
        log.info(
            "resumed from %s at step %d (epoch %d, batch %d), best val %.4f",
            last,
            step,
            start_epoch,
            start_pos,
            best,
        )
    (args.out / "args.json").write_text(json.dumps({k: str(v) for k, v in vars(args).items()}, indent=1))
    log.info(
        "tasks %s: %d steps/epoch, %d steps total, batch %d, bf16=%s, threads %d",
        args.task_list,
        steps_per_epoch,
        total,
        args.batch_size,
        args.bf16,
        args.threads,
    )
    eval_at = {round(steps_per_epoch * (k + 1) / args.evals_per_epoch) for k in range(args.evals_per_epoch)}
    t0 = time.time()
    seen = 0
    run_loss = 0.0
    for epoch in range(start_epoch, args.epochs):
        epoch_feats = [task.epoch_train(epoch) for task in tasks]
        plan = epoch_plan(tasks, epoch_feats, args.batch_size, args.seed, epoch)
        pos0 = start_pos if epoch == start_epoch else 0
        for pos in range(pos0, len(plan)):
            if step >= total:
                break
            t, idx = plan[pos]
            task = tasks[t]
            batch = collate([epoch_feats[t][i] for i in idx], *tok_ids, len(HATE_TARGETS))
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=args.bf16):
                out = model(batch["ids"], batch["mask"], batch["pool"])
            loss = task_loss(out, batch, task.name)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            step += 1
            seen += len(idx)
            run_loss += loss.item()
            if step % 20 == 0:
                el = time.time() - t0
                log.info(
                    "epoch %d step %d/%d (batch %d/%d) loss %.4f | %.1f ex/s",
                    epoch,
                    step,
                    total,
                    pos + 1,
                    len(plan),
                    run_loss / 20,
                    seen / el,
                )
                run_loss = 0.0
            done_epoch_part = (pos + 1) in eval_at or step >= total
            if done_epoch_part:
                scores = validate(model, tasks[0], tok_ids, args)
                key = scores.get("key", 0.0)
                log.info(
                    "val epoch %d step %d: %s",
                    epoch,
                    step,
                    json.dumps({k: round(v, 4) for k, v in scores.items()}),
                )
                if key > best:
                    best = key
                    save(
                        {"model": model.state_dict(), "tasks": args.task_list, "step": step, "val": scores},
                        args.out / "best.pt",
                    )
                    log.info("new best (key %.4f) saved to %s", key, args.out / "best.pt")
            if step % args.save_every == 0 or done_epoch_part:
                nxt_epoch, nxt_pos = (epoch, pos + 1) if pos + 1 < len(plan) else (epoch + 1, 0)
                save(checkpoint_state(model, opt, sched, step, nxt_epoch, nxt_pos, best, args), last)
        if step >= total:
            break
    log.info("training done: %d steps in %.0f s; best %.4f", step, time.time() - t0, best)
    return 0


def main(argv: list[str] | None = None) -> int:
    import sys

    args = parse_args(sys.argv[1:] if argv is None else argv)
    setup_logging(args.out)
    try:
        if not args.export_only:
            train(args)
        if args.export or args.export_only:
            from unspun.training.export import export_run

            export_run(args.out, install_dir=args.install_dir, data=args.data, threads=args.threads)
    except UnspunError as exc:
        log.error("%s", exc)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
