"""The model runtime's heads: what each task head is, its label set, and its weights at run time.

Every head is one linear layer over the shared encoder's states. A *sequence* head reads the mean of the
word-piece states of a character range (a sentence, a comment) exactly as in training (`training.model`); a
*token* head reads each piece — alone, or, when it declares a context reader (`HeadSpec.context`), through
dilated convolutions over the text's pieces fitted on the frozen encoder (`ConvReader`). Both
the pipeline stages (`unspun.stages.head`) and training (`unspun.training`) import the registry from here,
so a head is declared once: `register_head(HeadSpec(...))`.

The shipped model directory holds `heads.npz` (`<head>.weight` (k, hidden), `<head>.bias` (k,), and a
context reader's `<head>.norm.{weight,bias}` and `<head>.conv<i>.{weight,bias}`) and, in `config.json`,
the heads' description and each task's decision rule (`decisions[<task>]`, chosen on validation data when
the model was exported).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path
from typing import Any

import numpy as np

from unspun.encoder import CONFIG_FILE
from unspun.errors import ModelMissingError

HEADS_FILE = "heads.npz"

# Head kinds: one output per character range (pooled), or one per word-piece.
SEQUENCE = "sequence"
TOKEN = "token"
# Losses (and so the output's normalisation): softmax over classes, or independent sigmoids.
SOFTMAX = "softmax"
SIGMOID = "sigmoid"
# A token head's context reader (HeadSpec.context): dilated convolutions over the text's pieces.
CONV = "conv"
#: torch's LayerNorm epsilon, which the context reader's normalisation repeats
LAYER_NORM_EPS = 1e-5


@dataclass(frozen=True)
class HeadSpec:
    """One output head: its name, the task that trains it, its kind, labels and loss."""

    name: str
    task: str
    kind: str  # SEQUENCE / TOKEN
    labels: tuple[str, ...]
    loss: str  # SOFTMAX / SIGMOID
    #: weight of this head's loss in its task's total
    weight: float = 1.0
    #: a token head's reading of its neighbours before the linear layer: "" (none: each piece alone) or
    #: CONV (dilated convolutions over the text's pieces, fitted on the frozen encoder: `ConvReader`)
    context: str = ""


HEADS: dict[str, HeadSpec] = {}


def register_head(spec: HeadSpec) -> HeadSpec:
    if spec.kind not in (SEQUENCE, TOKEN) or spec.loss not in (SOFTMAX, SIGMOID):
        raise ValueError(f"head {spec.name!r}: kind must be sequence/token and loss softmax/sigmoid")
    if spec.context not in ("", CONV) or spec.context and spec.kind != TOKEN:
        raise ValueError(f"head {spec.name!r}: only a token head reads a context ({CONV!r})")
    HEADS[spec.name] = spec
    return spec


def heads_for(tasks: list[str]) -> list[HeadSpec]:
    heads = [h for h in HEADS.values() if h.task in tasks]
    if not heads:
        raise ValueError(
            f"no heads registered for tasks {tasks}; known tasks: {sorted({h.task for h in HEADS.values()})}"
        )
    return heads


# --- hate -------------------------------------------------------------------------------------------------
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

register_head(HeadSpec("hate_class", "hate", SEQUENCE, HATE_LABELS, SOFTMAX))
register_head(HeadSpec("hate_targets", "hate", SEQUENCE, HATE_TARGETS, SIGMOID, weight=0.5))
# One logit per word-piece: is it part of the annotators' rationale?
register_head(HeadSpec("hate_rationale", "hate", TOKEN, ("rationale",), SIGMOID, weight=1.0))


# --- propaganda ------------------------------------------------------------------------------------------
#: the 14 techniques of SemEval-2020 Task 11, as its label files spell them
PROPAGANDA_TECHNIQUES: tuple[str, ...] = (
    "Loaded_Language",
    "Name_Calling,Labeling",
    "Repetition",
    "Exaggeration,Minimisation",
    "Doubt",
    "Appeal_to_fear-prejudice",
    "Flag-Waving",
    "Causal_Oversimplification",
    "Slogans",
    "Appeal_to_Authority",
    "Black-and-White_Fallacy",
    "Thought-terminating_Cliches",
    "Whataboutism,Straw_Men,Red_Herring",
    "Bandwagon,Reductio_ad_hitlerum",
)
# Span-then-classify (docs/DECISIONS.md): one logit per word-piece, "inside a technique span" (any
# technique: spans of different techniques overlap), then the technique of each span read from its pooled
# pieces. Each piece is read alone: a context reader (as the quotes tagger's) was tried and not kept
# (docs/DECISIONS.md).
register_head(HeadSpec("propaganda_spans", "propaganda", TOKEN, ("propaganda",), SIGMOID))
register_head(HeadSpec("propaganda_technique", "propaganda", SEQUENCE, PROPAGANDA_TECHNIQUES, SOFTMAX))


# --- quotes (attribution) --------------------------------------------------------------------------------
#: the roles of an attribution relation, as PolNeAR annotates them
QUOTE_ROLES: tuple[str, ...] = ("source", "cue", "content")
#: BIO tags over the roles: PolNeAR is univocal (a word has at most one role), so one softmax per word-piece
QUOTE_TAGS: tuple[str, ...] = ("O", *(f"{bi}-{role}" for role in QUOTE_ROLES for bi in ("B", "I")))
# Roles span clauses ("that the consortium will keep …") whose edges a piece's own state does not show, so
# the tagger reads its neighbours through dilated convolutions (docs/DECISIONS.md).
register_head(HeadSpec("quotes_tags", "quotes", TOKEN, QUOTE_TAGS, SOFTMAX, context=CONV))


# --- claims ---------------------------------------------------------------------------------------------
# One sigmoid over the pooled sentence: is it a check-worthy factual claim (ClaimBuster's "check-worthy
# factual sentence", CLEF CheckThat!'s "worth fact-checking")? Its probability is the claim's score.
register_head(HeadSpec("claims", "claims", SEQUENCE, ("check_worthy",), SIGMOID))


# --- run time ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ConvReader:
    """A token head's context reader: the piece states layer-normalised, then dilated 1-d convolutions over
    the text's pieces (ReLU after each; torch's `Conv1d` weights (out, in, kernel), zero padding at the
    text's ends), whose output is read beside the normalised state itself."""

    norm_weight: np.ndarray  # (in,)
    norm_bias: np.ndarray  # (in,)
    weights: tuple[np.ndarray, ...]  # per layer (out, in, kernel)
    biases: tuple[np.ndarray, ...]  # per layer (out,)
    dilations: tuple[int, ...]

    @property
    def reach(self) -> int:
        """How many pieces on each side a piece's output reads."""
        return sum(d * (w.shape[2] - 1) // 2 for w, d in zip(self.weights, self.dilations, strict=True))

    @cached_property
    def taps(self) -> tuple[np.ndarray, ...]:
        """Per layer, its kernel's taps side by side: (in, kernel * out), tap j in columns j * out on."""
        return tuple(np.ascontiguousarray(np.concatenate(list(w.transpose(2, 1, 0)), axis=1))
                     for w in self.weights)

    def run(self, x: np.ndarray) -> np.ndarray:
        """(n, in) piece states of one text, in order -> (n, out + in)."""
        x = x.astype(np.float32)
        mean = x.mean(axis=1, keepdims=True)
        var = x.var(axis=1, keepdims=True)
        normed = (x - mean) / np.sqrt(var + LAYER_NORM_EPS) * self.norm_weight + self.norm_bias
        h, n = normed, len(x)
        for taps, w, b, d in zip(self.taps, self.weights, self.biases, self.dilations, strict=True):
            out_size, _, kernel = w.shape
            # every piece through every tap in one product, then each output sums its neighbours' taps
            # (piece t reads piece t + j*d - pad through tap j; beyond the text's ends, zeros): the same
            # sum as a product over the pieces laid side by side with their neighbours, without that copy
            through = h @ taps
            pad = d * (kernel - 1) // 2
            out = np.broadcast_to(b, (n, out_size)).astype(np.float32)
            for j in range(kernel):
                shift = j * d - pad
                lo, hi = max(0, -shift), min(n, n - shift)
                if hi > lo:
                    out[lo:hi] += through[lo + shift : hi + shift, j * out_size : (j + 1) * out_size]
            h = np.maximum(out, 0.0)
        return np.concatenate([h, normed], axis=1)


@dataclass(frozen=True)
class Head:
    """A head's weights, applied with numpy."""

    name: str
    kind: str
    labels: tuple[str, ...]
    loss: str
    weight: np.ndarray  # (k, hidden), or (k, the reader's size) after a context reader
    bias: np.ndarray  # (k,)
    task: str = ""
    #: a token head's context reader (its input is then a text's pieces in order)
    context: ConvReader | None = None

    def __call__(self, x: np.ndarray) -> np.ndarray:
        """Probabilities for (n, hidden) inputs: softmax or independent sigmoids, (n, k). A head with a
        context reader reads `x` as one text's pieces in order."""
        if self.context is not None:
            x = self.context.run(x)
        return self._linear(x)

    def _linear(self, x: np.ndarray) -> np.ndarray:
        logits = x @ self.weight.T + self.bias
        if self.loss == SOFTMAX:
            logits = logits - logits.max(axis=-1, keepdims=True)
            e = np.exp(logits)
            return e / e.sum(axis=-1, keepdims=True)
        return 1.0 / (1.0 + np.exp(-logits))


@dataclass(frozen=True)
class InstalledHeads:
    """The heads of one model directory, with each task's decision rule and display names."""

    heads: dict[str, Head]
    decisions: dict[str, dict[str, Any]]
    config: dict[str, Any]

    def for_task(self, task: str) -> dict[str, Head]:
        return {name: h for name, h in self.heads.items() if h.task == task}

    @property
    def tasks(self) -> set[str]:
        return {h.task for h in self.heads.values()}


def read_config(model_dir: Path) -> dict[str, Any]:
    path = Path(model_dir) / CONFIG_FILE
    try:
        return dict(json.loads(path.read_text("utf-8")))
    except (OSError, ValueError) as exc:
        raise ModelMissingError(f"the model's config cannot be read: {path}: {exc}") from exc


def installed_tasks(model_dir: Path) -> set[str]:
    """The tasks whose heads a model directory holds (empty when it holds none or cannot be read)."""
    if not (Path(model_dir) / HEADS_FILE).is_file():
        return set()
    try:
        cfg = read_config(model_dir)
    except ModelMissingError:
        return set()
    return {spec.get("task", "") for spec in cfg.get("heads", {}).values()}


def decisions_of(cfg: dict[str, Any]) -> dict[str, dict[str, Any]]:
    decisions = dict(cfg.get("decisions") or {})
    if "hate_decision" in cfg:  # config.json of releases before the decision rules were keyed by task
        decisions.setdefault("hate", cfg["hate_decision"])
    return decisions


@cache
def load_heads(model_dir: Path) -> InstalledHeads:
    """The heads of a model directory, loaded once per process."""
    npz_path = Path(model_dir) / HEADS_FILE
    if not npz_path.is_file():
        raise ModelMissingError(f"the model's heads are not installed: {npz_path} is missing")
    cfg = read_config(model_dir)
    arrays = np.load(npz_path)
    heads = {}
    for name, spec in cfg["heads"].items():
        context = None
        if spec.get("context") == CONV:
            dilations = tuple(int(d) for d in spec["dilations"])
            context = ConvReader(
                arrays[f"{name}.norm.weight"].astype(np.float32),
                arrays[f"{name}.norm.bias"].astype(np.float32),
                tuple(arrays[f"{name}.conv{i}.weight"].astype(np.float32) for i in range(len(dilations))),
                tuple(arrays[f"{name}.conv{i}.bias"].astype(np.float32) for i in range(len(dilations))),
                dilations,
            )
        heads[name] = Head(
            name,
            spec["kind"],
            tuple(spec["labels"]),
            spec["loss"],
            arrays[f"{name}.weight"].astype(np.float32),
            arrays[f"{name}.bias"].astype(np.float32),
            spec.get("task", ""),
            context,
        )
    return InstalledHeads(heads, decisions_of(cfg), cfg)


def task_heads(model_dir: Path | None, task: str) -> tuple[Path, dict[str, Head], dict[str, Any]]:
    """A model directory (None: the shipped one), its heads of `task` and the task's decision rule: what
    each task's evaluation reads."""
    from unspun.encoder import default_model_dir

    d = Path(model_dir) if model_dir else default_model_dir()
    installed = load_heads(d)
    heads = installed.for_task(task)
    if not heads:
        raise ModelMissingError(f"the model in {d} has no {task} heads (train them: `unspun train {task}`)")
    return d, heads, installed.decisions.get(task, {})


def write_heads(model_dir: Path, heads: list[Head], config: dict[str, Any]) -> None:
    """Write heads.npz and config.json (the heads' description beside `config`) into a model directory:
    what export installs, and what tests build by hand."""
    d = Path(model_dir)
    d.mkdir(parents=True, exist_ok=True)
    arrays = {}
    specs: dict[str, dict[str, Any]] = {}
    for h in heads:
        arrays[f"{h.name}.weight"] = np.asarray(h.weight, dtype=np.float32)
        arrays[f"{h.name}.bias"] = np.asarray(h.bias, dtype=np.float32)
        specs[h.name] = {"kind": h.kind, "labels": list(h.labels), "loss": h.loss, "task": h.task}
        if h.context is not None:
            arrays[f"{h.name}.norm.weight"] = np.asarray(h.context.norm_weight, dtype=np.float32)
            arrays[f"{h.name}.norm.bias"] = np.asarray(h.context.norm_bias, dtype=np.float32)
            for i, (w, b) in enumerate(zip(h.context.weights, h.context.biases, strict=True)):
                arrays[f"{h.name}.conv{i}.weight"] = np.asarray(w, dtype=np.float32)
                arrays[f"{h.name}.conv{i}.bias"] = np.asarray(b, dtype=np.float32)
            specs[h.name] |= {"context": CONV, "dilations": list(h.context.dilations)}
    np.savez(d / HEADS_FILE, **arrays)
    plain = [h for h in heads if h.context is None]
    cfg = {"hidden_size": int(plain[0].weight.shape[1]) if plain else 0, **config, "heads": specs}
    (d / CONFIG_FILE).write_text(json.dumps(cfg, indent=1) + "\n", "utf-8")


def word_scores(piece_scores: np.ndarray, piece_word: np.ndarray, n_words: int) -> np.ndarray:
    """A word's score from its pieces' scores: their mean (0 for a word with no piece; pieces with word -1
    are ignored). Rationales and tags are judged per word, in training, evaluation and the stages alike."""
    sums = np.zeros((n_words, *piece_scores.shape[1:]))
    counts = np.zeros(n_words)
    ok = piece_word >= 0
    np.add.at(sums, piece_word[ok], piece_scores[ok])
    np.add.at(counts, piece_word[ok], 1)
    return sums / np.maximum(counts, 1).reshape(-1, *([1] * (piece_scores.ndim - 1)))
