"""The model runtime's heads: what each task head is, its label set, and its weights at run time.

Every head is one linear layer over the shared encoder's states. A *sequence* head reads the mean of the
word-piece states of a character range (a sentence, a comment) exactly as in training (`training.model`); a
*token* head reads each piece — alone, or, when it declares a context reader (`HeadSpec.context`), through
a small bidirectional LSTM over the text's pieces that is fitted on the frozen encoder (`BiLSTM`). Both
the pipeline stages (`unspun.stages.head`) and training (`unspun.training`) import the registry from here,
so a head is declared once: `register_head(HeadSpec(...))`.

The shipped model directory holds `heads.npz` (`<head>.weight` (k, hidden), `<head>.bias` (k,), and a
context reader's `<head>.lstm.{w_ih,w_hh,b}`) and, in `config.json`, the heads' description and each
task's decision rule (`decisions[<task>]`, chosen on validation data when the model was exported).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from unspun.encoder import CONFIG_FILE, Encoded
from unspun.errors import ModelMissingError

HEADS_FILE = "heads.npz"
#: a BiLSTM context reader's arrays in heads.npz (`<head>.lstm.<name>`)
LSTM_ARRAYS = ("w_ih", "w_hh", "b")
#: texts a BiLSTM steps together
LSTM_BATCH = 64

# Head kinds: one output per character range (pooled), or one per word-piece.
SEQUENCE = "sequence"
TOKEN = "token"
# Losses (and so the output's normalisation): softmax over classes, or independent sigmoids.
SOFTMAX = "softmax"
SIGMOID = "sigmoid"
# A token head's context reader (HeadSpec.context).
BILSTM = "bilstm"


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
    #: BILSTM (a bidirectional LSTM over the text's pieces, fitted on the frozen encoder: `BiLSTM`)
    context: str = ""


HEADS: dict[str, HeadSpec] = {}


def register_head(spec: HeadSpec) -> HeadSpec:
    if spec.kind not in (SEQUENCE, TOKEN) or spec.loss not in (SOFTMAX, SIGMOID):
        raise ValueError(f"head {spec.name!r}: kind must be sequence/token and loss softmax/sigmoid")
    if spec.context not in ("", BILSTM) or spec.context and spec.kind != TOKEN:
        raise ValueError(f"head {spec.name!r}: only a token head reads a context ({BILSTM!r})")
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
# pieces.
register_head(HeadSpec("propaganda_spans", "propaganda", TOKEN, ("propaganda",), SIGMOID))
register_head(HeadSpec("propaganda_technique", "propaganda", SEQUENCE, PROPAGANDA_TECHNIQUES, SOFTMAX))


# --- quotes (attribution) --------------------------------------------------------------------------------
#: the roles of an attribution relation, as PolNeAR annotates them
QUOTE_ROLES: tuple[str, ...] = ("source", "cue", "content")
#: BIO tags over the roles: PolNeAR is univocal (a word has at most one role), so one softmax per word-piece
QUOTE_TAGS: tuple[str, ...] = ("O", *(f"{bi}-{role}" for role in QUOTE_ROLES for bi in ("B", "I")))
# Roles span clauses ("that the consortium will keep …") whose edges a piece's own state does not show, so
# the tagger reads its neighbours through a small BiLSTM (docs/DECISIONS.md).
register_head(HeadSpec("quotes_tags", "quotes", TOKEN, QUOTE_TAGS, SOFTMAX, context=BILSTM))


# --- run time ---------------------------------------------------------------------------------------------
def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


@dataclass(frozen=True)
class BiLSTM:
    """A one-layer bidirectional LSTM in numpy, with torch's `nn.LSTM` weights and gate order (i, f, g, o):
    direction 0 reads the pieces forwards, 1 backwards; the output is both directions' states side by side."""

    w_ih: np.ndarray  # (2, 4h, in)
    w_hh: np.ndarray  # (2, 4h, h)
    b: np.ndarray  # (2, 4h): torch's b_ih + b_hh

    @property
    def size(self) -> int:
        return int(self.w_hh.shape[2])

    def run(self, xs: list[np.ndarray]) -> list[np.ndarray]:
        """Each (n_i, in) sequence's (n_i, 2h) states: sequences of similar lengths stepped together, at
        most LSTM_BATCH at a time (the padded batch's memory stays small)."""
        out: list[np.ndarray] = [np.zeros((0, 2 * self.size), np.float32)] * len(xs)
        order = sorted(range(len(xs)), key=lambda k: len(xs[k]))
        for lo in range(0, len(order), LSTM_BATCH):
            chunk = order[lo : lo + LSTM_BATCH]
            for k, states in zip(chunk, self._run([xs[k] for k in chunk]), strict=True):
                out[k] = states
        return out

    def _run(self, xs: list[np.ndarray]) -> list[np.ndarray]:
        h_size, lengths = self.size, [len(x) for x in xs]
        steps = max(lengths)
        out = [np.zeros((n, 2 * h_size), np.float32) for n in lengths]
        for d in (0, 1):
            # each sequence starts at step 0 (backwards: reversed), so padding only ever follows it
            batch = np.zeros((len(xs), steps, xs[0].shape[1]), np.float32)
            for k, x in enumerate(xs):
                batch[k, : len(x)] = x if d == 0 else x[::-1]
            gates_x = batch @ self.w_ih[d].T + self.b[d]
            h = np.zeros((len(xs), h_size), np.float32)
            c = np.zeros_like(h)
            states = np.zeros((len(xs), steps, h_size), np.float32)
            for t in range(steps):
                g = gates_x[:, t] + h @ self.w_hh[d].T
                i, f = _sigmoid(g[:, :h_size]), _sigmoid(g[:, h_size : 2 * h_size])
                c = f * c + i * np.tanh(g[:, 2 * h_size : 3 * h_size])
                h = _sigmoid(g[:, 3 * h_size :]) * np.tanh(c)
                states[:, t] = h
            for k, n in enumerate(lengths):
                part = states[k, :n] if d == 0 else states[k, :n][::-1]
                out[k][:, d * h_size : (d + 1) * h_size] = part
        return out


@dataclass(frozen=True)
class Head:
    """A head's weights, applied with numpy."""

    name: str
    kind: str
    labels: tuple[str, ...]
    loss: str
    weight: np.ndarray  # (k, hidden), or (k, 2 * lstm size) after a context reader
    bias: np.ndarray  # (k,)
    task: str = ""
    #: a token head's context reader (its input is then a text's pieces in order)
    context: BiLSTM | None = None

    def __call__(self, x: np.ndarray) -> np.ndarray:
        """Probabilities for (n, hidden) inputs: softmax or independent sigmoids, (n, k). A head with a
        context reader reads `x` as one text's pieces in order."""
        if self.context is not None:
            return self.sequences([x])[0]
        return self._linear(x)

    def sequences(self, xs: list[np.ndarray]) -> list[np.ndarray]:
        """The head over several texts' pieces at once (a context reader steps them together)."""
        if self.context is None:
            return [self._linear(x) for x in xs]
        kept = [k for k, x in enumerate(xs) if len(x)]
        out = [np.zeros((0, len(self.labels)), np.float32) for _ in xs]
        for k, states in zip(kept, self.context.run([xs[k] for k in kept]), strict=True):
            out[k] = self._linear(states)
        return out

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
        if spec.get("context") == BILSTM:
            context = BiLSTM(*(arrays[f"{name}.lstm.{k}"].astype(np.float32) for k in LSTM_ARRAYS))
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
    specs = {}
    for h in heads:
        arrays[f"{h.name}.weight"] = np.asarray(h.weight, dtype=np.float32)
        arrays[f"{h.name}.bias"] = np.asarray(h.bias, dtype=np.float32)
        specs[h.name] = {"kind": h.kind, "labels": list(h.labels), "loss": h.loss, "task": h.task}
        if h.context is not None:
            for key in LSTM_ARRAYS:
                arrays[f"{h.name}.lstm.{key}"] = np.asarray(getattr(h.context, key), dtype=np.float32)
            specs[h.name]["context"] = BILSTM
    np.savez(d / HEADS_FILE, **arrays)
    plain = [h for h in heads if h.context is None]
    cfg = {"hidden_size": int(plain[0].weight.shape[1]) if plain else 0, **config, "heads": specs}
    (d / CONFIG_FILE).write_text(json.dumps(cfg, indent=1) + "\n", "utf-8")


def pool(enc: Encoded, start: int, end: int) -> np.ndarray | None:
    """Mean state of the pieces inside [start, end); None when the range holds no piece."""
    idx = enc.pieces_in(start, end)
    if len(idx) == 0:
        return None
    return enc.states[idx].mean(axis=0)


def word_scores(piece_scores: np.ndarray, piece_word: np.ndarray, n_words: int) -> np.ndarray:
    """A word's score from its pieces' scores: their mean (0 for a word with no piece; pieces with word -1
    are ignored). Rationales and tags are judged per word, in training, evaluation and the stages alike."""
    sums = np.zeros((n_words, *piece_scores.shape[1:]))
    counts = np.zeros(n_words)
    ok = piece_word >= 0
    np.add.at(sums, piece_word[ok], piece_scores[ok])
    np.add.at(counts, piece_word[ok], 1)
    return sums / np.maximum(counts, 1).reshape(-1, *([1] * (piece_scores.ndim - 1)))
