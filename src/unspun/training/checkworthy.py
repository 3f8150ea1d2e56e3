"""Check-worthiness data: ClaimBuster and CLEF CheckThat! 2019 Task 1, as sentences with a 0/1 label.

- ClaimBuster (`claimbuster/train.json`, `test.json`: the published split of Arslan et al. 2020): presidential
  debate sentences, 1 = check-worthy factual sentence. It has no dev split, so a seeded tenth of train
  (`CB_VAL_SHARE`, drawn per sentence id with `CB_VAL_SEED`) is our validation split: model selection and
  the threshold are chosen there, never on test.
- CLEF CheckThat! 2019 Task 1 (`clef-checkthat/clef19/CT19-T1-Training.csv`, `CT19-T1-Test.csv`): whole
  debates and speeches, one row per sentence, 1 = chosen for fact-checking by a fact-checking outlet. Its
  test gold is for evaluation only; a seeded handful of training debates (`CLEF_VAL_DEBATES`, drawn with
  `CLEF_VAL_SEED`) is held out to measure the ranking on validation.

The evaluation sets share sentences with the training sets (the 2016 debates are in both ClaimBuster and
CLEF): `training_sentences` drops from training every sentence whose text is also in a test split we report
on, so no test sentence is ever trained on.
"""

from __future__ import annotations

import csv
import json
import random
import re
from dataclasses import dataclass
from pathlib import Path

from unspun.training.data import DataError

#: the splits each loader knows: train less our validation part, that part, the published test
SPLITS = ("train", "val", "test")
CB_VAL_SHARE = 0.1
CB_VAL_SEED = "claimbuster-val"
#: training debates of CLEF 2019 held out for validation (of 19), drawn with CLEF_VAL_SEED
CLEF_VAL_DEBATES = 4
CLEF_VAL_SEED = "clef19-val"
CB_DATASET = "claimbuster"
CLEF_DATASET = "clef2019-task1"
CLEF_FILES = {"train": "CT19-T1-Training.csv", "test": "CT19-T1-Test.csv"}


@dataclass(frozen=True)
class CheckSentence:
    """One sentence with its check-worthiness label; CLEF sentences know their debate and line."""

    id: str
    text: str
    label: int  # 1 check-worthy, 0 not
    debate: str = ""
    line: int = 0
    speaker: str = ""


def _split_name(split: str, dataset: str) -> str:
    if split not in SPLITS:
        raise DataError(f"{dataset} has splits {', '.join(SPLITS)} here, not {split!r}")
    return split


def claimbuster_dir(data: Path) -> Path:
    """ClaimBuster's own directory, from it or from the datasets directory above it."""
    d = Path(data)
    for cand in (d, d / "claimbuster"):
        if (cand / "train.json").is_file() and (cand / "test.json").is_file():
            return cand
    raise DataError(f"no ClaimBuster data under {d} (expected train.json and test.json)")


def in_cb_val(sentence_id: object) -> bool:
    """Whether a ClaimBuster train sentence is in our validation tenth (fixed per id, whatever the order)."""
    return random.Random(f"{CB_VAL_SEED}-{sentence_id}").random() < CB_VAL_SHARE


def load_claimbuster(data: Path, split: str) -> list[CheckSentence]:
    """The sentences of a split: "train" (less the val tenth), "val" (that tenth) or "test" (published)."""
    _split_name(split, CB_DATASET)
    path = claimbuster_dir(data) / ("test.json" if split == "test" else "train.json")
    try:
        rows = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise DataError(f"ClaimBuster file cannot be read: {path}: {exc}") from exc
    out = []
    for r in rows:
        if split != "test" and in_cb_val(r["sentence_id"]) != (split == "val"):
            continue
        text = " ".join(str(r["text"]).split())
        if text:
            out.append(CheckSentence(f"cb-{r['sentence_id']}", text, int(r["label"])))
    return out


def clef_dir(data: Path) -> Path:
    """CLEF CheckThat! 2019's directory (clef19/), from it, from clef-checkthat/ or from the datasets
    directory."""
    d = Path(data)
    for cand in (d, d / "clef19", d / "clef-checkthat" / "clef19"):
        if (cand / CLEF_FILES["test"]).is_file():
            return cand
    raise DataError(f"no CLEF CheckThat! 2019 Task 1 data under {d} (expected clef19/{CLEF_FILES['test']})")


def clef_val_debates(debates: list[str]) -> set[str]:
    """The training debates held out for validation: a seeded draw from the sorted debate names."""
    return set(random.Random(CLEF_VAL_SEED).sample(sorted(debates), CLEF_VAL_DEBATES))


def load_clef19(data: Path, split: str) -> list[CheckSentence]:
    """CLEF 2019 Task 1 sentences of a split: "train" (less the val debates), "val" (those debates) or
    "test" (the test gold), in debate and line order."""
    _split_name(split, CLEF_DATASET)
    path = clef_dir(data) / CLEF_FILES["test" if split == "test" else "train"]
    try:
        with path.open(encoding="utf-8", newline="") as f:
            rows = list(csv.DictReader(f))
    except OSError as exc:
        raise DataError(f"CLEF file cannot be read: {path}: {exc}") from exc
    if split != "test":
        val = clef_val_debates(sorted({r["file_name"] for r in rows}))
        rows = [r for r in rows if (r["file_name"] in val) == (split == "val")]
    out = []
    for r in rows:
        try:
            line, label = int(r["line_number"]), int(r["label"])
        except (KeyError, ValueError) as exc:
            raise DataError(f"{path}: a row without a line number or 0/1 label: {r}") from exc
        text = " ".join((r.get("text") or "").split())
        debate = r["file_name"]
        out.append(CheckSentence(f"{debate}:{line}", text, label, debate, line, r.get("speaker") or ""))
    return sorted(out, key=lambda s: (s.debate, s.line))


_SPACE_PUNCT = re.compile(r"[^\w]+")


def text_key(text: str) -> str:
    """A sentence's identity across datasets: lower case, runs of non-word characters as one space."""
    return _SPACE_PUNCT.sub(" ", text.lower()).strip()


def test_keys(data: Path) -> set[str]:
    """The texts of every test split we report on (ClaimBuster test, CLEF 2019 test) that can be read."""
    keys: set[str] = set()
    for loader in (load_claimbuster, load_clef19):
        try:
            keys |= {text_key(s.text) for s in loader(data, "test")}
        except DataError:
            continue
    return keys


def training_sentences(sentences: list[CheckSentence], excluded: set[str]) -> list[CheckSentence]:
    """`sentences` less the empty ones and those whose text is in `excluded` (a test split's texts)."""
    return [s for s in sentences if s.text and text_key(s.text) not in excluded]
