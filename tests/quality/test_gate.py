"""Quality gate: every task's shipped figures stay at or above the floors recorded for it.

`src/unspun/models/<model>/floors.json` holds, per registered task, groups of floors that sit a little under
the figures measured when the model was shipped (MODEL_CARD.md); `Task.gate` measures the same groups on the
shipped int8 model through the stages' own inference code. A change that makes a model worse fails here; a
floor is lowered only when a model is shipped on purpose with the trade-off written in its model card.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from testpaths import SHARED_DATA

from unspun.encoder import default_model_dir, model_installed
from unspun.training.tasks import get_task, known_tasks

FLOORS = default_model_dir() / "floors.json"

pytestmark = [pytest.mark.quality, pytest.mark.model]


def recorded() -> dict[str, Any]:
    return {k: v for k, v in json.loads(FLOORS.read_text("utf-8")).items() if k != "note"}


def flat(figures: dict[str, Any], prefix: str = "") -> dict[str, float]:
    out: dict[str, float] = {}
    for k, v in figures.items():
        if isinstance(v, dict):
            out.update(flat(v, f"{prefix}{k}."))
        elif isinstance(v, float | int) and not isinstance(v, bool):
            out[f"{prefix}{k}"] = float(v)
    return out


def test_every_task_of_the_shipped_model_has_floors() -> None:
    from unspun.heads import load_heads

    shipped = load_heads(default_model_dir()).tasks
    assert shipped <= set(known_tasks())
    assert shipped <= set(recorded()), f"tasks without floors: {shipped - set(recorded())}"


@pytest.fixture(scope="module", params=sorted(recorded()))
def gated(request: pytest.FixtureRequest) -> tuple[str, dict[str, Any]]:
    task = request.param
    if not (SHARED_DATA / "hatexplain" / "dataset.jsonl").is_file():
        pytest.skip(f"the benchmarks are not available at {SHARED_DATA} (../shared/data beside the project)")
    if not model_installed():
        pytest.fail("the shipped encoder is missing: the quality gate cannot pass without it")
    return task, get_task(task).gate(SHARED_DATA)


def test_figures_stay_above_their_floors(gated: tuple[str, dict[str, Any]]) -> None:
    task, figures = gated
    for group, floors in recorded()[task].items():
        got = flat(figures.get(group, {}))
        missing = sorted(set(flat(floors)) - set(got))
        assert not missing, f"{task} {group}: not measured: {missing}"
        below = {k: (got[k], f) for k, f in flat(floors).items() if got[k] < f}
        assert not below, f"{task} {group} below the recorded floors (got, floor): {below}"
