"""`unspun train`: multi-task fine-tuning of the shared encoder, seeded, checkpointed and resumable.

Each task contributes its examples (one loader per source, `training.data`); an epoch is every task's
length-bucketed batches shuffled together, so tasks are sampled in proportion to their size (a task's
`rate` up- or down-samples it). A batch holds one task's examples; the losses of that task's heads are
summed with their weights. The best checkpoint on the validation metric is kept; `--export` turns it into
the shipped int8 ONNX model (`training.export`).
"""

from __future__ import annotations

import argparse
import functools
import json
import logging
import random
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from unspun.errors import UnspunError
from unspun.heads import SEQUENCE, SOFTMAX, HeadSpec, heads_for
from unspun.training.data import Features
from unspun.training.tasks import Task, TaskData, get_task, known_tasks

log = logging.getLogger("unspun.train")

DEFAULT_DATA = Path("../shared/data")
#: word-pieces per batch bucket pool: sort this many batches' worth of examples by length, then cut
BUCKET_BATCHES = 50
LR_ENCODER = 8e-5
LR_HEADS = 1e-3
WARMUP = 0.06
WEIGHT_DECAY = 0.01
#: token targets of pieces outside any word, for softmax token heads (cross-entropy's ignore index)
IGNORE = -100


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
    tasks: list[TaskData], feats: list[list[Features]], batch_size: int, seed: int, epoch: int
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


@dataclass
class Batch:
    """One batch of one task's examples as tensors: pieces with [CLS]/[SEP], the pieces the sequence heads
    pool, each head's targets and which rows carry them."""

    ids: Any  # (b, t) long
    mask: Any  # (b, t) long
    content: Any  # (b, t) bool: the example's own pieces ([CLS], [SEP], padding excluded)
    pool: Any  # (b, t) bool: the pieces the sequence heads read
    weight: Any  # (b,)
    targets: dict[str, Any]  # head -> (b,) class / (b, k) vector / (b, t) or (b, t, k) per piece
    has: dict[str, Any]  # head -> (b,) bool


def collate(feats: list[Features], task: Task, specs: list[HeadSpec], cls_id: int, sep_id: int) -> Batch:
    import torch

    width = max(len(f.ids) for f in feats) + 2
    b = len(feats)
    ids = torch.zeros(b, width, dtype=torch.long)
    mask = torch.zeros(b, width, dtype=torch.long)
    content = torch.zeros(b, width, dtype=torch.bool)
    pool = torch.zeros(b, width, dtype=torch.bool)
    weight = torch.ones(b)
    targets = {h.name: empty_targets(h, b, width) for h in specs}
    has = {h.name: torch.zeros(b, dtype=torch.bool) for h in specs}
    for r, f in enumerate(feats):
        n = len(f.ids)
        ids[r, 0] = cls_id
        ids[r, 1 : n + 1] = torch.from_numpy(f.ids)
        ids[r, n + 1] = sep_id
        mask[r, : n + 2] = 1
        content[r, 1 : n + 1] = True
        pool[r, 1 : n + 1] = True if f.pool is None else torch.from_numpy(f.pool)
        weight[r] = f.example.weight
        given = task.head_targets(f.example)
        for h in specs:
            if given.get(h.name) is None:
                continue
            has[h.name][r] = True
            value = given[h.name]
            if h.kind == SEQUENCE:
                targets[h.name][r] = torch.as_tensor(value, dtype=targets[h.name].dtype)
            else:
                pieces = word_to_pieces(np.asarray(value), f.piece_word, h)
                targets[h.name][r, 1 : n + 1] = torch.from_numpy(pieces)
    return Batch(ids, mask, content, pool, weight, targets, has)


def empty_targets(h: HeadSpec, b: int, width: int) -> Any:
    import torch

    k = len(h.labels)
    if h.kind == SEQUENCE:
        return torch.full((b,), IGNORE, dtype=torch.long) if h.loss == SOFTMAX else torch.zeros(b, k)
    if h.loss == SOFTMAX:
        return torch.full((b, width), IGNORE, dtype=torch.long)
    return torch.zeros(b, width) if k == 1 else torch.zeros(b, width, k)


def word_to_pieces(word_values: np.ndarray, piece_word: np.ndarray, h: HeadSpec) -> np.ndarray:
    """A token head's per-word targets spread to the word's pieces; pieces outside any word get 0 (a
    sigmoid head: "not tagged") or IGNORE (a softmax head)."""
    inside = piece_word >= 0
    picked = word_values[np.clip(piece_word, 0, None)]
    if h.loss == SOFTMAX:
        return np.where(inside, picked, IGNORE).astype(np.int64)
    fill = np.zeros_like(picked, dtype=np.float32)
    mask = inside.reshape(-1, *([1] * (picked.ndim - 1)))
    return np.where(mask, picked, fill).astype(np.float32)


def head_loss(h: HeadSpec, logits: Any, batch: Batch) -> Any:
    """The loss of one head on the rows that carry its target, weighted by the examples' weights: softmax
    heads cross-entropy, sigmoid heads binary cross-entropy; token heads averaged over each row's pieces."""
    import torch.nn.functional as F

    rows = batch.has[h.name]
    target = batch.targets[h.name][rows]
    w = batch.weight[rows]
    x = logits[rows]
    if h.kind == SEQUENCE:
        if h.loss == SOFTMAX:
            per_row = F.cross_entropy(x, target, reduction="none")
        else:
            per_row = F.binary_cross_entropy_with_logits(x, target, reduction="none").mean(1)
    else:
        c = batch.content[rows].float()
        if h.loss == SOFTMAX:
            per_piece = F.cross_entropy(x.transpose(1, 2), target, ignore_index=IGNORE, reduction="none")
            c = c * (target != IGNORE).float()
        else:
            x = x[..., 0] if len(h.labels) == 1 else x
            per_piece = F.binary_cross_entropy_with_logits(x, target, reduction="none")
            per_piece = per_piece if per_piece.dim() == 2 else per_piece.mean(-1)
        per_row = (per_piece * c).sum(1) / c.sum(1).clamp(min=1.0)
    return (per_row * w).sum() / w.sum()


def task_loss(out: dict[str, Any], batch: Batch, specs: list[HeadSpec]) -> Any:
    """The task's loss: its heads' losses, each with its weight (heads without targets in the batch add 0)."""
    import torch

    total = torch.zeros(())
    for h in specs:
        if batch.has[h.name].any():
            total = total + h.weight * head_loss(h, out[h.name], batch)
    return total


@dataclass
class Runner:
    """The model with what every step needs: the tokenizer's special ids, the tasks and their heads."""

    model: Any
    tasks: list[Task]
    data: list[TaskData]
    cls_id: int
    sep_id: int
    bf16: bool

    def specs(self, t: int) -> list[HeadSpec]:
        return self.tasks[t].heads()

    def batch(self, t: int, feats: list[Features]) -> Batch:
        return collate(feats, self.tasks[t], self.specs(t), self.cls_id, self.sep_id)

    def predict(self, t: int, feats: list[Features], batch_size: int = 64) -> dict[str, list[np.ndarray]]:
        """Head outputs (probabilities) for features, in order; token heads cut to each example's pieces."""
        import torch

        model = self.model
        model.eval()
        order = sorted(range(len(feats)), key=lambda i: len(feats[i].ids))
        res: dict[str, list[Any]] = {h.name: [None] * len(feats) for h in self.specs(t)}
        with torch.no_grad(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=self.bf16):
            for lo in range(0, len(order), batch_size):
                chunk = order[lo : lo + batch_size]
                batch = self.batch(t, [feats[i] for i in chunk])
                out = model(batch.ids, batch.mask, batch.pool)
                for name in res:
                    spec = model.specs[name]
                    logits = out[name]
                    probs = torch.softmax(logits, -1) if spec.loss == SOFTMAX else torch.sigmoid(logits)
                    for r, i in enumerate(chunk):
                        n = len(feats[i].ids)
                        res[name][i] = (probs[r] if spec.kind == SEQUENCE else probs[r, 1 : n + 1]).numpy()
        model.train()
        return res

    def validate(self) -> dict[str, float]:
        """Every task's val scores (prefixed by the task when there are several) and `key`, the mean of
        the tasks' keys: checkpoint selection weighs every task."""
        scores: dict[str, float] = {}
        keys = []
        for t, (task, data) in enumerate(zip(self.tasks, self.data, strict=True)):
            s = task.validate(functools.partial(self.predict, t), data)
            keys.append(s.get("key", 0.0))
            prefix = "" if len(self.tasks) == 1 else f"{task.name}."
            scores.update({prefix + k: v for k, v in s.items() if not (prefix and k == "key")})
        scores["key"] = float(np.mean(keys))
        return scores


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
    p.add_argument("--tasks", default=None, help=f"comma-separated tasks (known: {', '.join(known_tasks())})")
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
        "--init",
        type=Path,
        default=None,
        help="start from the weights of a run's checkpoint (e.g. runs/x/best.pt) instead of the base model",
    )
    p.add_argument("--lr-scale", type=float, default=1.0, help="scale both learning rates (fine-tuning on)")
    p.add_argument(
        "--rate",
        action="append",
        default=[],
        metavar="TASK=R",
        help="sample a task's batches at R times its size per epoch (hate=0.25: replay a trained task)",
    )
    p.add_argument(
        "--export",
        action="store_true",
        help="export <out>/best.pt to int8 ONNX, check it against fp32, install it in the package",
    )
    p.add_argument("--export-only", action="store_true", help="skip training, only --export")
    p.add_argument(
        "--heads-only",
        action="store_true",
        help="fit only these tasks' heads on the installed encoder, frozen, and install the model with them "
        "(the other tasks' heads and the encoder unchanged: training.probe)",
    )
    p.add_argument(
        "--base-model",
        type=Path,
        default=None,
        help="with --heads-only: the model to add to (default: package)",
    )
    p.add_argument(
        "--states-cache",
        type=Path,
        default=None,
        help="with --heads-only: keep the encoder's states of the task's examples here and reuse them",
    )
    p.add_argument(
        "--install-dir", type=Path, default=None, help="where --export installs (default: package)"
    )
    p.add_argument("--threads", type=int, default=2)
    p.add_argument(
        "--bf16",
        action="store_true",
        help="bf16 autocast: faster only on CPUs with native bf16 (AVX-512 BF16, AMX), far slower elsewhere",
    )
    p.add_argument("--save-every", type=int, default=200, help="steps between resumable checkpoints")
    p.add_argument("--evals-per-epoch", type=int, default=2)
    known, _ = p.parse_known_args(argv)
    names = [t for t in (known.tasks or known.task or "").split(",") if t]
    if not names:
        p.error("name a task: `unspun train hate` or --tasks hate")
    try:
        tasks = [get_task(n) for n in names]
    except UnspunError as exc:
        p.error(str(exc))
    for task in tasks:
        task.add_arguments(p.add_argument_group(f"task {task.name}"))  # type: ignore[arg-type]
    args = p.parse_args(argv)
    args.task_list = names
    args.rates = {}
    for item in args.rate:
        name, _, value = item.partition("=")
        try:
            args.rates[name] = float(value)
        except ValueError:
            p.error(f"--rate takes TASK=R (a number), not {item!r}")
        if name not in names:
            p.error(f"--rate names task {name!r}, which is not trained here ({', '.join(names)})")
    if args.out is None:
        args.out = Path("runs") / "-".join(names)
    return args


@dataclass
class Progress:
    """Where a run stands: what a resumable checkpoint holds besides the weights and optimiser."""

    step: int = 0
    epoch: int = 0
    pos: int = 0  # next batch of the epoch's plan
    best: float = -1.0


def checkpoint_state(
    model: Any, opt: Any, sched: Any, at: Progress, args: argparse.Namespace
) -> dict[str, Any]:
    import torch

    return {
        "model": model.state_dict(),
        "opt": opt.state_dict(),
        "sched": sched.state_dict(),
        "step": at.step,
        "epoch": at.epoch,
        "pos": at.pos,
        "best": at.best,
        "tasks": args.task_list,
        "torch_rng": torch.get_rng_state(),
        "np_rng": np.random.get_state(),
        "py_rng": random.getstate(),
    }


def resume(path: Path, model: Any, opt: Any, sched: Any) -> Progress:
    import torch

    if not path.is_file():
        raise UnspunError(f"cannot resume: {path} does not exist")
    ck = torch.load(path, weights_only=False)
    model.load_state_dict(ck["model"])
    opt.load_state_dict(ck["opt"])
    sched.load_state_dict(ck["sched"])
    torch.set_rng_state(ck["torch_rng"])
    np.random.set_state(ck["np_rng"])
    random.setstate(ck["py_rng"])
    at = Progress(ck["step"], ck["epoch"], ck["pos"], ck["best"])
    log.info(
        "resumed from %s at step %d (epoch %d, batch %d), best val %.4f",
        path,
        at.step,
        at.epoch,
        at.pos,
        at.best,
    )
    return at


def save(obj: Any, path: Path) -> None:
    import torch

    tmp = path.with_suffix(".tmp")
    torch.save(obj, tmp)
    tmp.replace(path)


def init_from(model: Any, path: Path) -> None:
    """Start from a checkpoint's weights; heads the checkpoint lacks (a task added to a trained model) keep
    their fresh initialisation, anything else missing is an error."""
    import torch

    state = torch.load(path, weights_only=False)["model"]
    missing, unexpected = model.load_state_dict(state, strict=False)
    if unexpected or any(not k.startswith("heads.") for k in missing):
        raise UnspunError(f"{path} does not fit the model: missing {missing}, unexpected {unexpected}")
    new = sorted({k.split(".")[1] for k in missing})
    log.info("initialised from %s%s", path, f" (new heads: {', '.join(new)})" if new else "")


def build_optimiser(model: Any, total: int, lr_scale: float = 1.0) -> tuple[Any, Any]:
    """AdamW (encoder and heads at their own rates), linear warm-up then linear decay to 0 at `total`."""
    import torch

    head_params = [p for n, p in model.named_parameters() if not n.startswith("encoder.")]
    enc_params = [p for n, p in model.named_parameters() if n.startswith("encoder.")]
    opt = torch.optim.AdamW(
        [
            {"params": enc_params, "lr": LR_ENCODER * lr_scale},
            {"params": head_params, "lr": LR_HEADS * lr_scale},
        ],
        weight_decay=WEIGHT_DECAY,
    )
    warm = max(1, int(total * WARMUP))

    def lr_at(step: int) -> float:
        return step / warm if step < warm else max(0.0, (total - step) / max(1, total - warm))

    return opt, torch.optim.lr_scheduler.LambdaLR(opt, lr_at)


def evaluate_and_keep_best(runner: Runner, at: Progress, args: argparse.Namespace) -> None:
    scores = runner.validate()
    key = scores.get("key", 0.0)
    log.info(
        "val epoch %d step %d: %s", at.epoch, at.step, json.dumps({k: round(v, 4) for k, v in scores.items()})
    )
    if key > at.best:
        at.best = key
        best = {"model": runner.model.state_dict(), "tasks": args.task_list, "step": at.step, "val": scores}
        save(best, args.out / "best.pt")
        log.info("new best (key %.4f) saved to %s", key, args.out / "best.pt")


def train(args: argparse.Namespace) -> int:
    import torch

    from unspun.encoder import load_tokenizer
    from unspun.training.model import MultiTaskModel, base_model_path

    torch.set_num_threads(args.threads)
    seed_all(args.seed)
    base = base_model_path()
    tokenizer = load_tokenizer(str(base / "tokenizer.json"))
    tasks = [get_task(t) for t in args.task_list]
    data = [task.build(args, tokenizer) for task in tasks]
    for d in data:
        d.rate = args.rates.get(d.name, d.rate)
    model = MultiTaskModel(base, heads_for(args.task_list))
    if args.init:
        init_from(model, args.init)
    model.train()
    runner = Runner(
        model, tasks, data, tokenizer.token_to_id("[CLS]"), tokenizer.token_to_id("[SEP]"), args.bf16
    )
    # epoch 0's plan with its rewrites (rows added per epoch count too; later epochs add about as many)
    steps_per_epoch = len(epoch_plan(data, [d.epoch_train(0) for d in data], args.batch_size, args.seed, 0))
    total = args.max_steps or steps_per_epoch * args.epochs
    opt, sched = build_optimiser(model, total, args.lr_scale)
    last = args.out / "last.pt"
    at = resume(last, model, opt, sched) if args.resume else Progress()
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
    t0, seen, run_loss = time.time(), 0, 0.0
    while at.epoch < args.epochs and at.step < total:
        epoch_feats = [d.epoch_train(at.epoch) for d in data]
        plan = epoch_plan(data, epoch_feats, args.batch_size, args.seed, at.epoch)
        while at.pos < len(plan) and at.step < total:
            t, idx = plan[at.pos]
            batch = runner.batch(t, [epoch_feats[t][i] for i in idx])
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=args.bf16):
                out = model(batch.ids, batch.mask, batch.pool)
            loss = task_loss(out, batch, runner.specs(t))
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            at.step += 1
            at.pos += 1
            seen += len(idx)
            run_loss += loss.item()
            if at.step % 20 == 0:
                log.info(
                    "epoch %d step %d/%d (batch %d/%d) loss %.4f | %.1f ex/s",
                    at.epoch,
                    at.step,
                    total,
                    at.pos,
                    len(plan),
                    run_loss / 20,
                    seen / (time.time() - t0),
                )
                run_loss = 0.0
            part_done = at.pos in eval_at or at.step >= total
            if part_done:
                evaluate_and_keep_best(runner, at, args)
            if at.step % args.save_every == 0 or part_done:
                nxt = Progress(at.step, at.epoch + 1, 0, at.best) if at.pos >= len(plan) else at
                save(checkpoint_state(model, opt, sched, nxt, args), last)
        if at.pos >= len(plan):
            at.epoch, at.pos = at.epoch + 1, 0
    log.info("training done: %d steps in %.0f s; best %.4f", at.step, time.time() - t0, at.best)
    return 0


def main(argv: list[str] | None = None) -> int:
    import sys

    args = parse_args(sys.argv[1:] if argv is None else argv)
    setup_logging(args.out)
    try:
        if args.heads_only:
            from unspun.training.probe import train_heads_only

            train_heads_only(args)
            return 0
        readers = [h.name for h in heads_for(args.task_list) if h.context]
        if readers:
            # the joint model (training.model) has linear heads only; a context reader is fitted on the
            # frozen encoder
            raise UnspunError(
                f"heads {', '.join(readers)} read a context and are fitted with --heads-only "
                "(joint fine-tuning of a context reader is not built yet)"
            )
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
