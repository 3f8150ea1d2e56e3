"""The registry of training tasks: what `train`, `export`, `evaluate` and the quality gate loop over.

A task owns its data and its judgement; everything generic (collating, losses from each head's kind,
batching, checkpoints, the int8 export) lives in `training.train` and `training.export`. A task provides:

- `add_arguments(parser)`: its own command-line options of `unspun train` (data weights, augmentation);
- `build(args, tokenizer)`: its train features, validation views and per-epoch rewrites (`TaskData`);
- `head_targets(example)`: each of its heads' target for one example (None: not annotated, masked);
- `validate(predict, data)`: validation scores from the model's outputs, with `key` for checkpoint selection;
- `calibrate(model_dir, data)`: the decision rule shipped in config.json (`decisions[task]`), chosen on
  validation data with the exported int8 model;
- `evaluate(argv)`: `unspun evaluate <task>`, the figures of the shipped model on a benchmark;
- `gate(data)`: the figures the quality gate holds to the floors in `floors.json[<task>]`.

Adding a task is one class with `@register_task`, and its heads one `register_head` line in `unspun.heads`.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from unspun.errors import UnspunError
from unspun.heads import HeadSpec, heads_for
from unspun.training.data import Example, Features

#: the model's outputs on features, per head, in order (token heads: (n_pieces, k) per example)
Predict = Callable[[list[Features]], dict[str, list[np.ndarray]]]


@dataclass
class TaskData:
    name: str
    train: list[Features]
    #: validation views: name -> features ("plain": the split as published)
    val: dict[str, list[Features]]
    rate: float = 1.0
    #: examples rewritten anew each epoch: epoch -> {train index: Features} (a pure function, for resuming);
    #: indices from len(train) up are rows added for that epoch
    rewrite: Callable[[int], dict[int, Features]] | None = None
    #: the last epoch's rows (the schedule counts epoch 0's before training reads them)
    _last: tuple[int, list[Features]] | None = field(default=None, repr=False)

    def epoch_train(self, epoch: int) -> list[Features]:
        if self.rewrite is None:
            return self.train
        if self._last is not None and self._last[0] == epoch:
            return self._last[1]
        feats = list(self.train)
        for k, f in self.rewrite(epoch).items():
            if k < len(self.train):
                feats[k] = f
            else:  # rows added for this epoch only (keys from len(train) up)
                feats.append(f)
        self._last = (epoch, feats)
        return feats


class Task:
    """Base class of a training task; subclasses set `name` and implement `build` and `validate`."""

    name: ClassVar[str]

    @classmethod
    def heads(cls) -> list[HeadSpec]:
        return heads_for([cls.name])

    @classmethod
    def add_arguments(cls, parser: argparse.ArgumentParser) -> None:
        """The task's own options of `unspun train` (default: none)."""

    def build(self, args: argparse.Namespace, tokenizer: Any) -> TaskData:
        raise NotImplementedError

    def head_targets(self, example: Example) -> dict[str, Any]:
        """Per head: a class index (softmax sequence head), a vector (sigmoid sequence head), or per word
        of `example.word_spans` a value / class index (token head); a missing key is not annotated."""
        return dict(example.labels)

    def validate(self, predict: Predict, data: TaskData) -> dict[str, float]:
        raise NotImplementedError

    def calibrate(self, model_dir: Path, data: Path) -> dict[str, Any]:
        """The decision rule to ship in config.json (default: none; the stage's defaults apply)."""
        return {}

    def evaluate(self, argv: list[str]) -> int:
        raise UnspunError(f"no evaluation for task {self.name!r}")

    def gate(self, data: Path) -> dict[str, dict[str, Any]]:
        """Figures of the shipped model, grouped as in floors.json[<task>] (default: none)."""
        return {}


TASKS: dict[str, type[Task]] = {}


def register_task(cls: type[Task]) -> type[Task]:
    """Class decorator: make a task known to train, export, evaluate and the quality gate."""
    TASKS[cls.name] = cls
    return cls


def get_task(name: str) -> Task:
    _load_builtin_tasks()
    if name not in TASKS:
        raise UnspunError(f"unknown task {name!r}; known tasks: {', '.join(sorted(TASKS))}")
    return TASKS[name]()


def known_tasks() -> list[str]:
    _load_builtin_tasks()
    return sorted(TASKS)


def _load_builtin_tasks() -> None:
    # the shipped tasks register themselves on import
    import unspun.training.claims  # noqa: F401
    import unspun.training.hate  # noqa: F401
    import unspun.training.propaganda  # noqa: F401
    import unspun.training.quotes  # noqa: F401
