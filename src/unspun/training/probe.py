"""`unspun train <task> --heads-only`: a task's heads fitted on the shipped encoder, which stays frozen.

The installed int8 encoder reads the task's training and validation examples once — the very states the
stage reads at run time — and only the task's linear heads are fitted on them, with the heads' own losses
(`training.train.head_loss`). The encoder and every other task's heads are copied unchanged, so adding a
task cannot move another task's figures; the price is a weaker head than joint fine-tuning gives
(docs/DECISIONS.md). The result is a complete model directory, calibrated like any export (each new task's
`calibrate` on the int8 model) and installed where `--install-dir` says (default: the package).
"""

from __future__ import annotations

import argparse
import json
import logging
import shutil
import time
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from unspun.encoder import CONFIG_FILE, ENCODER_FILE, TOKENIZER_FILE, Encoder, default_model_dir
from unspun.errors import UnspunError
from unspun.heads import (
    HEADS_FILE,
    SEQUENCE,
    SOFTMAX,
    ConvReader,
    Head,
    HeadSpec,
    load_heads,
    read_config,
    write_heads,
)
from unspun.training.data import Features
from unspun.training.tasks import Task, TaskData, get_task

log = logging.getLogger("unspun.train")

#: examples per encoder call while reading the task's data
ENCODE_BATCH = 64
#: rows per optimiser step, and passes over the rows, per head kind
FIT_BATCH = {SEQUENCE: 256, "token": 4096}
FIT_EPOCHS = {SEQUENCE: 60, "token": 8}
FIT_LR = 3e-3
FIT_WEIGHT_DECAY = 1e-4
#: a context reader's layers (their dilations), kernel and width; texts per step, passes, learning rate
#: and dropout when fitting it. Kernel 3 at dilations 1, 2, 4, 8, 16: each piece reads 31 pieces on each side
#: (with 15 the quotes tagger saw too little of a long quoted clause: PolNeAR dev word F1 0.680, now 0.697).
CONTEXT_DILATIONS = (1, 2, 4, 8, 16)
CONTEXT_KERNEL = 3
CONTEXT_SIZE = 64
CONTEXT_BATCH = 64
CONTEXT_EPOCHS = 14
CONTEXT_LR = 2e-3
CONTEXT_DROPOUT = 0.1


def encode_features(encoder: Encoder, feats: list[Features]) -> list[np.ndarray]:
    """Each example's piece states ((n_pieces, hidden), [CLS]/[SEP] dropped), read by the int8 encoder."""
    out: list[np.ndarray] = [np.zeros((0, 0), dtype=np.float32)] * len(feats)
    order = sorted(range(len(feats)), key=lambda i: len(feats[i].ids))
    for lo in range(0, len(order), ENCODE_BATCH):
        chunk = order[lo : lo + ENCODE_BATCH]
        width = max(len(feats[i].ids) for i in chunk) + 2
        ids = np.zeros((len(chunk), width), dtype=np.int64)
        mask = np.zeros((len(chunk), width), dtype=np.int64)
        for r, i in enumerate(chunk):
            n = len(feats[i].ids)
            ids[r, 0], ids[r, 1 : n + 1], ids[r, n + 1] = encoder.cls_id, feats[i].ids, encoder.sep_id
            mask[r, : n + 2] = 1
        states = encoder.run_batch(ids, mask)
        for r, i in enumerate(chunk):
            out[i] = states[r, 1 : len(feats[i].ids) + 1].astype(np.float32)
    return out


def cached_states(encoder: Encoder, feats: list[Features], cache: Path | None, name: str) -> list[np.ndarray]:
    """`encode_features`, kept in `cache/<name>.npz` (float16, with each example's piece ids so a cache of
    other examples is never read) when a cache directory is given: the encoder pass is most of a fit."""
    if cache is None:
        return encode_features(encoder, feats)
    path = Path(cache) / f"{name}.npz"
    ids = np.concatenate([f.ids for f in feats]) if feats else np.zeros(0, np.int64)
    lengths = np.asarray([len(f.ids) for f in feats], dtype=np.int64)
    if path.is_file():
        with np.load(path) as z:
            if np.array_equal(z["ids"], ids) and np.array_equal(z["lengths"], lengths):
                log.info("%s: encoder states read from %s", name, path)
                return np.split(z["states"].astype(np.float32), np.cumsum(lengths)[:-1])
    states = encode_features(encoder, feats)
    path.parent.mkdir(parents=True, exist_ok=True)
    flat = np.concatenate(states) if states else np.zeros((0, 0), np.float32)
    np.savez(path, ids=ids, lengths=lengths, states=flat.astype(np.float16))
    return states


def head_rows(
    spec: HeadSpec, task: Task, feats: list[Features], states: list[np.ndarray]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(inputs, targets, weights) of one head over the examples that carry its target: pooled ranges for a
    sequence head, every piece for a token head (targets spread from words as in joint training)."""
    from unspun.training.train import word_to_pieces

    xs: list[np.ndarray] = []
    ys: list[np.ndarray] = []
    ws: list[np.ndarray] = []
    for f, s in zip(feats, states, strict=True):
        target = task.head_targets(f.example).get(spec.name)
        if target is None or len(s) == 0:
            continue
        if spec.kind == SEQUENCE:
            pool = f.pool if f.pool is not None else np.ones(len(s), dtype=bool)
            if not pool.any():
                continue
            xs.append(s[pool].mean(axis=0, keepdims=True))
            ys.append(np.asarray([target]))
            ws.append(np.asarray([f.example.weight]))
        else:
            xs.append(s)
            ys.append(word_to_pieces(np.asarray(target), f.piece_word, spec))
            ws.append(np.full(len(s), f.example.weight))
    return np.concatenate(xs), np.concatenate(ys), np.concatenate(ws).astype(np.float32)


def fit_head(spec: HeadSpec, x: np.ndarray, y: np.ndarray, w: np.ndarray, seed: int) -> Head:
    """A linear head fitted by AdamW on its loss (softmax cross-entropy or sigmoid binary cross-entropy)."""
    import torch
    import torch.nn.functional as F

    torch.manual_seed(seed)
    kind = SEQUENCE if spec.kind == SEQUENCE else "token"
    layer = torch.nn.Linear(x.shape[1], len(spec.labels))
    opt = torch.optim.AdamW(layer.parameters(), lr=FIT_LR, weight_decay=FIT_WEIGHT_DECAY)
    X = torch.from_numpy(x)
    Y = (
        torch.from_numpy(y).long()
        if spec.loss == SOFTMAX
        else torch.from_numpy(y).float().reshape(len(y), -1)
    )
    W = torch.from_numpy(w)
    g = torch.Generator().manual_seed(seed)
    for _ in range(FIT_EPOCHS[kind]):
        for idx in torch.randperm(len(X), generator=g).split(FIT_BATCH[kind]):
            logits = layer(X[idx])
            if spec.loss == SOFTMAX:
                per_row = F.cross_entropy(logits, Y[idx], reduction="none")
            else:
                per_row = F.binary_cross_entropy_with_logits(logits, Y[idx], reduction="none").mean(1)
            loss = (per_row * W[idx]).sum() / W[idx].sum()
            opt.zero_grad()
            loss.backward()
            opt.step()
    weight = layer.weight.detach().numpy().astype(np.float32)
    bias = layer.bias.detach().numpy().astype(np.float32)
    return Head(spec.name, spec.kind, spec.labels, spec.loss, weight, bias, spec.task)


def fit_context_head(
    spec: HeadSpec,
    task: Task,
    feats: list[Features],
    states: list[np.ndarray],
    seed: int,
    validate: Any = None,
) -> Head:
    """A token head that reads its neighbours: each text's frozen piece states layer-normalised, dilated
    convolutions over them, and the linear layer over both, fitted by Adam on the head's loss (softmax
    cross-entropy, or sigmoid binary cross-entropy over the text's pieces). Pieces past a text's end are
    zeroed after every layer, as the run-time reader pads each text alone, and carry no loss.
    With `validate` (a fitted Head -> score), the pass with the best score is kept."""
    import torch
    import torch.nn.functional as F

    from unspun.training.train import IGNORE, word_to_pieces

    torch.manual_seed(seed)
    rows = []
    for f, st in zip(feats, states, strict=True):
        target = task.head_targets(f.example).get(spec.name)
        if target is not None and len(st):
            rows.append((st, word_to_pieces(np.asarray(target), f.piece_word, spec)))
    hidden = rows[0][0].shape[1]
    norm = torch.nn.LayerNorm(hidden)
    sizes = [hidden, *[CONTEXT_SIZE] * len(CONTEXT_DILATIONS)]
    convs = [
        torch.nn.Conv1d(
            sizes[i], sizes[i + 1], CONTEXT_KERNEL, padding=d * (CONTEXT_KERNEL - 1) // 2, dilation=d
        )
        for i, d in enumerate(CONTEXT_DILATIONS)
    ]
    linear = torch.nn.Linear(CONTEXT_SIZE + hidden, len(spec.labels))
    opt = torch.optim.Adam([p for m in (norm, *convs, linear) for p in m.parameters()], lr=CONTEXT_LR)
    order = sorted(range(len(rows)), key=lambda k: len(rows[k][0]))  # batches of similar lengths
    batches = [order[i : i + CONTEXT_BATCH] for i in range(0, len(order), CONTEXT_BATCH)]
    g = torch.Generator().manual_seed(seed)

    def export() -> Head:
        reader = ConvReader(
            norm.weight.detach().numpy().astype(np.float32),
            norm.bias.detach().numpy().astype(np.float32),
            tuple(c.weight.detach().numpy().astype(np.float32) for c in convs),
            tuple(c.bias.detach().numpy().astype(np.float32) for c in convs if c.bias is not None),
            CONTEXT_DILATIONS,
        )
        weight = linear.weight.detach().numpy().astype(np.float32)
        bias = linear.bias.detach().numpy().astype(np.float32)
        return Head(spec.name, spec.kind, spec.labels, spec.loss, weight, bias, spec.task, reader)

    best: tuple[float, Head] | None = None
    for epoch in range(CONTEXT_EPOCHS):
        total = 0.0
        for b in torch.randperm(len(batches), generator=g).tolist():
            batch = [rows[k] for k in batches[b]]
            x = torch.nn.utils.rnn.pad_sequence([torch.from_numpy(x) for x, _ in batch], batch_first=True)
            y = torch.nn.utils.rnn.pad_sequence(
                [torch.from_numpy(t) for _, t in batch], batch_first=True, padding_value=IGNORE
            )
            mask = torch.arange(x.shape[1])[None, :] < torch.tensor([len(t) for t, _ in batch])[:, None]
            mask = mask[:, None, :].float()
            normed = norm(x)
            h = normed.transpose(1, 2)
            for conv in convs:
                h = F.dropout(torch.relu(conv(h)) * mask, CONTEXT_DROPOUT, training=True)
            logits = linear(torch.cat([h.transpose(1, 2), normed], dim=-1))
            loss = _context_loss(spec, logits, y, mask[:, 0, :])
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += float(loss.detach())
        head = export()
        score = validate(head) if validate is not None else -float(epoch)
        mean_loss = total / len(batches)
        log.info("%s: pass %d, mean loss %.4f, validation %.4f", spec.name, epoch + 1, mean_loss, score)
        if best is None or score > best[0]:
            best = (score, head)
    assert best is not None
    return best[1]


def _context_loss(spec: HeadSpec, logits: Any, y: Any, inside: Any) -> Any:
    """A context head's loss over a padded batch: (texts, pieces, k) logits, targets padded with IGNORE,
    `inside` (texts, pieces) 1 on the texts' own pieces."""
    import torch.nn.functional as F

    from unspun.training.train import IGNORE

    if spec.loss == SOFTMAX:
        return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1), ignore_index=IGNORE)
    # a one-label head's targets are (texts, pieces); padding's IGNORE carries no loss (`inside`)
    target = y.reshape(*y.shape[:2], -1).float().clamp(min=0.0)
    per_piece = F.binary_cross_entropy_with_logits(logits, target, reduction="none").mean(-1)
    return (per_piece * inside).sum() / inside.sum().clamp(min=1.0)


def probe_predict(heads: dict[str, Head], feats: list[Features], states: list[np.ndarray]) -> dict[str, list]:
    """The fitted heads' outputs in the shape `Task.validate` reads (as `training.train.Runner.predict`)."""
    out: dict[str, list[np.ndarray]] = {name: [] for name in heads}
    for f, s in zip(feats, states, strict=True):
        pool = f.pool if f.pool is not None else np.ones(len(s), dtype=bool)
        for name, h in heads.items():
            if h.kind == SEQUENCE:
                # an empty range pools to zeros, as the torch model's masked mean gives
                empty = np.zeros((1, s.shape[1]), np.float32)
                x = s[pool].mean(axis=0, keepdims=True) if pool.any() else empty
                out[name].append(h(x)[0])
            else:
                out[name].append(h(s))
    return out


def val_predictor(encoder: Encoder, heads: dict[str, Head], data: TaskData, cache: Path | None = None) -> Any:
    """`Task.validate`'s predict over the fitted heads: each validation view read by the encoder once."""
    states = {}
    for view, feats in data.val.items():
        read = cached_states(encoder, feats, cache, f"{data.name}-val-{view}")
        states.update({id(f): s for f, s in zip(feats, read, strict=True)})
    # a task may validate on a subset of a view (the examples that carry a head's target)
    return lambda feats: probe_predict(heads, feats, [states[id(f)] for f in feats])


def _score_with(
    name: str, heads: dict[str, Head], task: Task, predict: Any, data: TaskData, head: Head
) -> float:
    """The task's validation key with `head` as its head `name` (the other heads as fitted so far)."""
    heads[name] = head
    return float(task.validate(predict, data)["key"])


def train_heads_only(args: argparse.Namespace) -> Path:
    """Fit the named tasks' heads on the installed encoder and install the model with them."""
    source = Path(args.base_model) if args.base_model else default_model_dir()
    installed = load_heads(source)
    target = Path(args.install_dir) if args.install_dir else default_model_dir()
    encoder = Encoder(source, threads=args.threads)
    new: list[Head] = []
    for name in args.task_list:
        task = get_task(name)
        t0 = time.time()
        data: TaskData = task.build(args, encoder.tokenizer)
        cache = Path(args.states_cache) if args.states_cache else None
        train_states = cached_states(encoder, data.train, cache, f"{name}-train")
        log.info(
            "%s: %d train examples read by the encoder in %.0f s", name, len(data.train), time.time() - t0
        )
        heads: dict[str, Head] = {}
        predictor = val_predictor(encoder, heads, data, cache)  # reads `heads` as they are fitted
        # the plain heads first: a context reader's passes are scored by the task's validation, which may
        # read the task's other heads too (propaganda's spans and techniques)
        for spec in sorted(task.heads(), key=lambda h: bool(h.context)):
            if spec.context:
                score = partial(_score_with, spec.name, heads, task, predictor, data)
                heads[spec.name] = fit_context_head(spec, task, data.train, train_states, args.seed, score)
                log.info("%s: head %s fitted on %d texts", name, spec.name, len(data.train))
                continue
            x, y, w = head_rows(spec, task, data.train, train_states)
            heads[spec.name] = fit_head(spec, x, y, w, args.seed)
            log.info("%s: head %s fitted on %d rows", name, spec.name, len(x))
        scores = task.validate(predictor, data)
        log.info("%s val: %s", name, json.dumps({k: round(v, 4) for k, v in scores.items()}))
        new += heads.values()
    kept = [h for h in installed.heads.values() if h.task not in args.task_list]
    if target.resolve() != source.resolve():
        target.mkdir(parents=True, exist_ok=True)
        for file in (ENCODER_FILE, TOKENIZER_FILE):
            shutil.copyfile(source / file, target / file)
    config = {k: v for k, v in read_config(source).items() if k != "heads"}
    config["tasks"] = sorted({*config.get("tasks", []), *args.task_list})
    # the record of earlier heads-only fits is kept (propaganda's stays beside a later claims fit)
    config["heads_only"] = dict(config.get("heads_only") or {}) | {
        name: f"fitted on the frozen encoder of {config.get('name', source.name)}" for name in args.task_list
    }
    decisions = dict(installed.decisions)
    # calibration reads the model from disk, so it is written first and again with the chosen rules
    write_heads(target, kept + new, config | {"decisions": decisions})
    load_heads.cache_clear()
    for name in args.task_list:
        decisions[name] = get_task(name).calibrate(target, args.data)
        log.info("%s decision rule chosen on val: %s", name, decisions[name])
    write_heads(target, kept + new, config | {"decisions": decisions})
    load_heads.cache_clear()
    if not (target / HEADS_FILE).is_file() or not (target / CONFIG_FILE).is_file():
        raise UnspunError(f"the model was not written to {target}")
    log.info("installed %s with heads %s", target, ", ".join(h.name for h in kept + new))
    return target
