"""Quality gate of the structure layer on real pages: `unspun evaluate structure` on the development set
(../shared/data/realpages-dev, never copied into the project) stays at or above the figures recorded in
structure_floors.json. Runs the readers and the structure stage only (no model), in seconds; skipped where
the set is not beside the project."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from testpaths import SHARED_DATA

from unspun.training.structure_eval import GOLD_FILE, run

pytestmark = pytest.mark.quality
FLOORS = json.loads((Path(__file__).parent / "structure_floors.json").read_text("utf-8"))
DATA = SHARED_DATA / "realpages-dev"


@pytest.fixture(scope="module")
def totals() -> dict[str, Any]:
    if not (DATA / GOLD_FILE).is_file():
        pytest.skip(f"the real-pages set is not available at {DATA}")
    return run(DATA)["totals"]


def _figure(totals: dict[str, Any], key: str) -> float:
    group, name = key.split(".", 1)
    value = totals[group][name]
    if isinstance(value, dict):
        return float(value["rate"] if "rate" in value and "right" in value else value.get("wrong", 0))
    return float(value)


@pytest.mark.parametrize("key", sorted(FLOORS["floors"]))
def test_figure_at_or_above_its_floor(totals: dict[str, Any], key: str) -> None:
    assert _figure(totals, key) >= FLOORS["floors"][key], f"{key}: {_figure(totals, key)}"


@pytest.mark.parametrize("key", sorted(FLOORS["max"]))
def test_count_at_or_below_its_ceiling(totals: dict[str, Any], key: str) -> None:
    assert _figure(totals, key) <= FLOORS["max"][key], f"{key}: {_figure(totals, key)}"


def test_every_page_is_analysed(totals: dict[str, Any]) -> None:
    assert totals["all"]["analysed"] == totals["all"]["pages"]
