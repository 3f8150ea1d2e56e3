"""The shared encoder at run time: tokenise once, window, and run the int8 ONNX model.

Texts (segments of a document: a title, a paragraph, a comment) are tokenised with the shipped
`tokenizer.json`; texts longer than one window are cut into windows of at most `MAX_TOKENS` word-pieces
that overlap by `STRIDE` pieces, and the states of overlapping pieces are averaged. Windows of all texts are
sorted by length and packed into batches, so short comments share a batch and pad little. Each word-piece
keeps the character offsets of its text, so every head's output maps back to the document exactly.

The model and tokenizer load lazily, once per process for each (model directory, threads) (`get_encoder`).
Training uses the same tokenisation (`tokenize`), so the pieces the heads learn on are the pieces they see
here.
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from unspun.errors import ModelMissingError

#: the encoder's window: all-MiniLM-L6-v2 was trained at 128 word-pieces (DESIGN.md section 3)
MAX_TOKENS = 128
#: overlap between consecutive windows of a long text, so every piece has some context on both sides
STRIDE = 32
#: windows per onnxruntime call: 32 x 128 is the measured sweet spot on 2 cores (DESIGN.md section 4)
BATCH_SIZE = 32
#: onnxruntime's own memory arena keeps the largest batch's activations for good and grows each time a
#: larger shape comes (+117 MB by a batch of 32 x 128 pieces): a server's memory crept up for as long as
#: new shapes came. Without it memory follows the batch in hand, for ~3 % more encoder time (measured on
#: batches of 8-32 windows of 24-128 pieces; docs/DECISIONS.md, "The HTTP service").
USE_MEMORY_ARENA = False

#: the shipped model directory name inside the package (`unspun/models/<name>/`)
DEFAULT_MODEL = "minilm-multitask"
MODELS_DIR = Path(__file__).parent / "models"
ENCODER_FILE = "encoder.int8.onnx"
TOKENIZER_FILE = "tokenizer.json"
CONFIG_FILE = "config.json"
#: what an installed model directory must hold
MODEL_FILES = (ENCODER_FILE, TOKENIZER_FILE, CONFIG_FILE)


@cache
def load_tokenizer(path: str) -> Any:
    """A `tokenizers.Tokenizer` from a tokenizer.json, with its own truncation and padding turned off."""
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(path)
    tok.no_truncation()
    tok.no_padding()
    return tok


@dataclass(slots=True)
class Tokens:
    """The word-pieces of one text, without [CLS]/[SEP]: ids and character offsets into that text."""

    ids: np.ndarray  # (n,) int64
    offsets: np.ndarray  # (n, 2) int64, end exclusive
    word_ids: np.ndarray  # (n,) int64: the tokenizer's word of each piece (punctuation is its own word)

    def __len__(self) -> int:
        return len(self.ids)


def tokenize(tokenizer: Any, texts: list[str]) -> list[Tokens]:
    """Tokenise texts in one batch call; special tokens are added per window later."""
    out = []
    for enc in tokenizer.encode_batch(texts, add_special_tokens=False):
        ids = np.asarray(enc.ids, dtype=np.int64)
        offsets = np.asarray(enc.offsets, dtype=np.int64).reshape(-1, 2)
        words = np.asarray([-1 if w is None else w for w in enc.word_ids], dtype=np.int64)
        out.append(Tokens(ids, offsets, words))
    return out


def windows(n: int, max_pieces: int = MAX_TOKENS - 2, stride: int = STRIDE) -> list[tuple[int, int]]:
    """Piece ranges [a, b) covering 0..n, each at most `max_pieces` long, overlapping by `stride`."""
    if n <= max_pieces:
        return [(0, n)]
    step = max_pieces - stride
    spans = []
    a = 0
    while True:
        b = min(a + max_pieces, n)
        spans.append((a, b))
        if b == n:
            return spans
        a += step


@dataclass(slots=True)
class Encoded:
    """The encoder's output for one text: a state per word-piece, and the pieces' character offsets."""

    start: int  # character offset of the text in its document (0 for a free-standing text)
    offsets: np.ndarray  # (n, 2) document character offsets of the pieces
    states: np.ndarray  # (n, hidden) float32
    word_ids: np.ndarray | None = None  # (n,) the tokenizer's word index of each piece

    def pieces_in(self, start: int, end: int) -> np.ndarray:
        """Indices of the pieces that lie inside the character range [start, end)."""
        if len(self.offsets) == 0:
            return np.zeros(0, dtype=np.int64)
        inside = (self.offsets[:, 0] >= start) & (self.offsets[:, 1] <= end)
        return np.flatnonzero(inside)


@dataclass
class Encoder:
    """The ONNX encoder with its tokenizer; use `get_encoder()` to share one per process."""

    model_dir: Path
    threads: int | None = None
    config: dict[str, Any] = field(default_factory=dict)
    _session: Any = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.model_dir = Path(self.model_dir)
        for name in MODEL_FILES:
            if not (self.model_dir / name).is_file():
                raise ModelMissingError(
                    f"the shared encoder is not installed: {self.model_dir / name} is missing"
                )
        self.config = json.loads((self.model_dir / CONFIG_FILE).read_text("utf-8"))
        self.tokenizer = load_tokenizer(str(self.model_dir / TOKENIZER_FILE))
        self.cls_id = self.tokenizer.token_to_id("[CLS]")
        self.sep_id = self.tokenizer.token_to_id("[SEP]")

    @property
    def session(self) -> Any:
        with self._lock:
            if self._session is None:
                import onnxruntime as ort

                opts = ort.SessionOptions()
                opts.intra_op_num_threads = self.threads or (os.cpu_count() or 1)
                opts.inter_op_num_threads = 1
                opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
                opts.enable_cpu_mem_arena = USE_MEMORY_ARENA
                self._session = ort.InferenceSession(
                    str(self.model_dir / ENCODER_FILE), opts, providers=["CPUExecutionProvider"]
                )
            return self._session

    def load(self) -> Encoder:
        """Load the ONNX session now instead of on the first batch; returns the encoder."""
        _ = self.session
        return self

    def run_batch(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """Raw encoder call: (b, t) ids and mask -> (b, t, hidden) float32 states."""
        feeds = {"input_ids": ids, "attention_mask": mask}
        names = {i.name for i in self.session.get_inputs()}
        if "token_type_ids" in names:
            feeds["token_type_ids"] = np.zeros_like(ids)
        return self.session.run(None, feeds)[0]

    def encode(
        self, texts: list[str], starts: list[int] | None = None, batch_size: int = BATCH_SIZE
    ) -> list[Encoded]:
        """Encode texts (one pass over all their windows, packed into batches); offsets shift by `starts`."""
        starts = starts if starts is not None else [0] * len(texts)
        toks = tokenize(self.tokenizer, texts)
        # every window: (text index, piece range)
        wins = [(i, a, b) for i, t in enumerate(toks) for a, b in windows(len(t))]
        hidden = int(self.config.get("hidden_size", 384))
        sums = [np.zeros((len(t), hidden), dtype=np.float32) for t in toks]
        counts = [np.zeros(len(t), dtype=np.float32) for t in toks]
        order = sorted(range(len(wins)), key=lambda k: wins[k][2] - wins[k][1])
        for lo in range(0, len(order), batch_size):
            chunk = [wins[k] for k in order[lo : lo + batch_size]]
            width = max(b - a for _, a, b in chunk) + 2
            ids = np.zeros((len(chunk), width), dtype=np.int64)
            mask = np.zeros((len(chunk), width), dtype=np.int64)
            for r, (i, a, b) in enumerate(chunk):
                n = b - a
                ids[r, 0] = self.cls_id
                ids[r, 1 : n + 1] = toks[i].ids[a:b]
                ids[r, n + 1] = self.sep_id
                mask[r, : n + 2] = 1
            states = self.run_batch(ids, mask)
            for r, (i, a, b) in enumerate(chunk):
                sums[i][a:b] += states[r, 1 : b - a + 1]
                counts[i][a:b] += 1.0
        out = []
        for i, t in enumerate(toks):
            states = sums[i] / np.maximum(counts[i], 1.0)[:, None]
            out.append(Encoded(starts[i], t.offsets + starts[i], states, t.word_ids))
        return out


_ENCODERS: dict[tuple[Path, int | None], Encoder] = {}
_ENCODERS_LOCK = threading.Lock()


def default_model_dir() -> Path:
    return MODELS_DIR / DEFAULT_MODEL


def model_installed(model_dir: Path | None = None) -> bool:
    d = Path(model_dir) if model_dir else default_model_dir()
    return all((d / name).is_file() for name in MODEL_FILES)


def get_encoder(model_dir: Path | None = None, threads: int | None = None) -> Encoder:
    """The process-wide encoder of `model_dir` (default: the shipped one) run on `threads` onnxruntime
    threads (default: every core), loaded on first use: one per (model directory, threads)."""
    key = (Path(model_dir or default_model_dir()).resolve(), threads)
    with _ENCODERS_LOCK:
        if key not in _ENCODERS:
            _ENCODERS[key] = Encoder(key[0], threads=threads)
        return _ENCODERS[key]
