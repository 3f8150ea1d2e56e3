"""The registry of task heads that share the encoder.

A head is either a *sequence* head (one vector per text, from the masked mean of its word-piece states) or a
*token* head (one vector per word-piece). Every head is a single linear layer, so the shipped runtime applies
it with numpy (`unspun.heads`) after the one ONNX encoder pass. Later tasks (propaganda tags, attribution
tags, check-worthiness) add entries here and a loader in `training.data`; they then train on the same encoder.
"""

from __future__ import annotations

from dataclasses import dataclass

SEQUENCE = "sequence"
TOKEN = "token"

# Loss kinds: softmax cross-entropy over classes, or independent sigmoids (multi-label / soft token targets).
SOFTMAX = "softmax"
SIGMOID = "sigmoid"

HATE_LABELS: tuple[str, ...] = ("hate", "offensive", "normal")

# HateXplain target communities named by >= 2 annotators on at least ~30 train posts ("None" and "Other"
# are not groups), and the ToxiGen groups they do not cover. The first ten are the communities of the
# HateXplain paper's bias evaluation.
HATE_TARGETS: tuple[str, ...] = (
    "African",
    "Islam",
    "Jewish",
    "Homosexual",
    "Women",
    "Refugee",
    "Arab",
    "Caucasian",
    "Asian",
    "Hispanic",
    "Men",
    "Disability",
    "Christian",
    # not a HateXplain community (2 posts): ToxiGen's native_american statements (~690) train it
    "Indigenous",
)
BIAS_COMMUNITIES: tuple[str, ...] = HATE_TARGETS[:10]


@dataclass(frozen=True)
class HeadSpec:
    """One output head: its name, kind (sequence/token), labels and loss."""

    name: str
    task: str
    kind: str
    labels: tuple[str, ...]
    loss: str
    #: weight of this head's loss in the task's total
    weight: float = 1.0


HEADS: dict[str, HeadSpec] = {}


def register_head(spec: HeadSpec) -> HeadSpec:
    HEADS[spec.name] = spec
    return spec


register_head(HeadSpec("hate_class", "hate", SEQUENCE, HATE_LABELS, SOFTMAX))
register_head(HeadSpec("hate_targets", "hate", SEQUENCE, HATE_TARGETS, SIGMOID, weight=0.5))
# One logit per word-piece: is it part of the annotators' rationale?
register_head(HeadSpec("hate_rationale", "hate", TOKEN, ("rationale",), SIGMOID, weight=1.0))


def heads_for(tasks: list[str]) -> list[HeadSpec]:
    heads = [h for h in HEADS.values() if h.task in tasks]
    if not heads:
        raise ValueError(
            f"no heads registered for tasks {tasks}; known tasks: {sorted({h.task for h in HEADS.values()})}"
        )
    return heads
