"""Paths for the reader tests: the shared example pages and our own fixture pages."""

from __future__ import annotations

from pathlib import Path

import pytest

_ROOT = Path(__file__).resolve().parents[2]
PAGES = _ROOT / "tests" / "fixtures" / "pages"


def examples_dir() -> Path:
    """The example pages: ../shared/examples beside the project, else the project's own copy."""
    shared = _ROOT.parent / "shared" / "examples"
    return shared if (shared / "port-deal.txt").exists() else _ROOT / "examples"


@pytest.fixture
def examples() -> Path:
    return examples_dir()


@pytest.fixture
def pages() -> Path:
    return PAGES
