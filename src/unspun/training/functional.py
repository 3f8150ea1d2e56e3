"""`unspun evaluate hate-functional`: the hate layer on unspun's own functional test suite.

What the suite is
-----------------
Short comments, each testing one *functionality* of a hate speech classifier: 29 of them, named and labelled
as in the taxonomy of the HateCheck paper (Röttger et al., ACL 2021, "HateCheck: Functional Tests for Hate
Speech Detection Models"): derogation, threats, slurs (and their non-hateful homonyms and reclaimed uses),
profanity with and without hate, pronoun reference, negation, questions and opinions, neutral and positive
statements about groups, counter-speech, abuse of objects, individuals and non-protected groups, and
spelling variations of hate. The suite is **not HateCheck**: every template was written for this project
from the paper's list of functionalities, none comes from its test cases, and none reuses a frame of the
counter-speech training examples (`denounce_frames.txt`; a test checks it). Templates name protected groups
through placeholders and are expanded over every group of `functional_suite.json`; a few functionalities are
fixed texts.

How the model is scored
-----------------------
Each case is read as a whole text by the shipped model (the same inference code as the pipeline stage) and
labelled with the model's own decision rule (`unspun.stages.hate.decide`). The gold labels are binary, as in
the paper: a case is predicted **hateful when the decided label is hate or offensive**, non-hateful when it
is normal. Reported: accuracy overall, on hateful and on non-hateful cases, per functionality and per group,
and the counts of the decided labels, so that hate and offensive can still be told apart.
"""

from __future__ import annotations

import json
import random
import re
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from unspun.training.data import DataError

SUITE_FILE = "functional_suite.json"
TASK = "hate-functional"
HATEFUL, NON_HATEFUL = "hateful", "non-hateful"
GOLDS = (HATEFUL, NON_HATEFUL)
#: decided labels that count as a "hateful" prediction (the suite's gold labels are binary)
HATEFUL_LABELS = frozenset({"hate", "offensive"})

_PLACEHOLDER = re.compile(r"\{(?P<article>[aA]_)?(?P<name>[A-Za-z_]+)\}")
#: in a spelling-variation template, the word (or words, for "join") that the perturbation applies to
_MARKED = re.compile(r"<([^<>]+)>")
_VOWELS = "aeiou"
# leet speak: vowels become digits; s and t only when a word has no such vowel (so every word changes)
_LEET_VOWELS = {"a": "4", "e": "3", "i": "1", "o": "0"}
_LEET_CONSONANTS = {"s": "5", "t": "7"}


@dataclass(frozen=True)
class FunctionalCase:
    """One test case: its text, the functionality it tests (F1..F29), its gold label, the group it names."""

    text: str
    functionality: str
    gold: str
    group: str | None = None


@dataclass(frozen=True)
class Functionality:
    id: str
    section: str
    name: str
    gold: str


@dataclass(frozen=True)
class Suite:
    functionalities: tuple[Functionality, ...]
    cases: tuple[FunctionalCase, ...]


@dataclass(frozen=True)
class Score:
    """Accuracy of a set of cases, with the decided labels counted."""

    n: int
    correct: int
    labels: dict[str, int] = field(default_factory=dict)

    @property
    def accuracy(self) -> float | None:
        return self.correct / self.n if self.n else None

    def to_dict(self) -> dict[str, Any]:
        acc = self.accuracy
        return {"n": self.n, "accuracy": None if acc is None else round(acc, 4), "labels": dict(self.labels)}


@dataclass(frozen=True)
class FunctionalReport:
    overall: Score
    hateful: Score
    non_hateful: Score
    functionalities: dict[str, Score]
    groups: dict[str, Score]

    def to_dict(self, suite: Suite) -> dict[str, Any]:
        info = {f.id: f for f in suite.functionalities}
        return {
            "accuracy": {
                "overall": self.overall.to_dict(),
                HATEFUL: self.hateful.to_dict(),
                NON_HATEFUL: self.non_hateful.to_dict(),
            },
            "functionalities": [
                {
                    "id": fid,
                    "section": info[fid].section,
                    "name": info[fid].name,
                    "gold": info[fid].gold,
                    **score.to_dict(),
                }
                for fid, score in self.functionalities.items()
            ],
            "groups": {g: score.to_dict() for g, score in self.groups.items()},
        }


# -- the suite ----------------------------------------------------------------------------------------------


def perturb(text: str, kind: str) -> str:
    """A word (or, for "join", words) spelt as people obscure it; deterministic, and never the same text.

    swap: two adjacent letters swapped near the middle; drop: an inner vowel (else the middle letter)
    left out; join: the spaces removed; space: a space between every character; leet: digits for letters."""
    if kind == "join":
        out = "".join(text.split())
    elif " " in text:
        raise DataError(f"functional suite: {kind!r} perturbs one word, not {text!r}")
    elif kind == "space":
        out = " ".join(text)
    elif kind == "swap":
        out = _swap(text)
    elif kind == "drop":
        out = _drop(text)
    elif kind == "leet":
        out = "".join(_LEET_VOWELS.get(c.lower(), c) for c in text)
        if out == text:
            out = "".join(_LEET_CONSONANTS.get(c.lower(), c) for c in text)
    else:
        raise DataError(f"functional suite: unknown perturbation {kind!r}")
    if out == text:
        raise DataError(f"functional suite: {kind!r} leaves {text!r} unchanged")
    return out


def _swap(word: str) -> str:
    mid = (len(word) - 1) // 2
    # from the middle outwards, the first pair of different letters
    for k in sorted(range(len(word) - 1), key=lambda i: (abs(i - mid), i)):
        if word[k] != word[k + 1]:
            return word[:k] + word[k + 1] + word[k] + word[k + 2 :]
    return word


def _drop(word: str) -> str:
    inner = [k for k in range(1, len(word) - 1) if word[k].lower() in _VOWELS]
    k = min(inner, key=lambda i: (abs(i - len(word) // 2), i)) if inner else len(word) // 2
    return word[:k] + word[k + 1 :]


def fill(template: str, group: dict[str, str]) -> str:
    """A template with a group's forms in its placeholders: {plural}, {Plural} (capitalised), {a_singular}
    (with its article), {A_singular} (both)."""

    def one(m: re.Match[str]) -> str:
        name = m["name"]
        key = name.lower()
        if key not in group or key == "id":
            raise DataError(f"functional suite: unknown placeholder {m[0]!r} in {template!r}")
        value = group[key]
        article = m["article"]
        if article:
            value = ("an " if value[0].lower() in _VOWELS else "a ") + value
        if (article or name)[0].isupper():
            value = value[0].upper() + value[1:]
        return value

    return _PLACEHOLDER.sub(one, template)


def render(template: str, group: dict[str, str] | None, perturbation: str | None) -> str:
    """One case's text: placeholders filled, then the marked words perturbed (markers removed)."""
    text = fill(template, group) if group is not None else template
    if perturbation is not None:
        if not _MARKED.search(text):
            raise DataError(f"functional suite: nothing marked <...> to perturb in {template!r}")
        text = _MARKED.sub(lambda m: perturb(m[1], perturbation), text)
    elif "<" in text or ">" in text:
        raise DataError(f"functional suite: a <...> marker outside a spelling variation: {template!r}")
    if "{" in text or "}" in text:
        raise DataError(f"functional suite: a placeholder left unfilled in {template!r}")
    return text


def load_suite(path: Path | None = None) -> Suite:
    """The suite, expanded: templates over every group (in the file's order), then fixed cases."""
    if path is None:
        raw = resources.files("unspun.training").joinpath(SUITE_FILE).read_text("utf-8")
    else:
        raw = Path(path).read_text("utf-8")
    spec = json.loads(raw)
    groups: dict[str, dict[str, str]] = {g["id"]: g for g in spec["groups"]}
    functionalities = []
    cases = []
    for f in spec["functionalities"]:
        fid, gold = f["id"], f["gold"]
        if gold not in GOLDS:
            raise DataError(f"functional suite: {fid} has gold {gold!r}; golds: {', '.join(GOLDS)}")
        functionalities.append(Functionality(fid, f["section"], f["name"], gold))
        perturbation = f.get("perturbation")
        for template in f.get("templates", []):
            for gid, group in groups.items():
                cases.append(FunctionalCase(render(template, group, perturbation), fid, gold, gid))
        for text in f.get("cases", []):
            cases.append(FunctionalCase(render(text, None, perturbation), fid, gold))
        for gid, texts in f.get("group_cases", {}).items():
            if gid not in groups:
                raise DataError(f"functional suite: {fid} names an unknown group {gid!r}")
            cases += [FunctionalCase(render(t, None, perturbation), fid, gold, gid) for t in texts]
    return Suite(tuple(functionalities), tuple(cases))


def sample(cases: tuple[FunctionalCase, ...], limit: int | None) -> tuple[FunctionalCase, ...]:
    """About `limit` cases, each functionality in proportion to its size and never fewer than one; a fixed
    seed per functionality, so the same limit always picks the same cases (in suite order)."""
    if not limit or limit >= len(cases):
        return cases
    by_functionality: dict[str, list[int]] = {}
    for k, case in enumerate(cases):
        by_functionality.setdefault(case.functionality, []).append(k)
    keep: list[int] = []
    for fid, idx in by_functionality.items():
        n = max(1, round(len(idx) * limit / len(cases)))
        keep += random.Random(f"{TASK}-{fid}").sample(idx, min(n, len(idx)))
    return tuple(cases[k] for k in sorted(keep))


# -- scoring ------------------------------------------------------------------------------------------------


def predicted_gold(label: str) -> str:
    """The binary reading of a decided label: hate and offensive are hateful, normal is not."""
    return HATEFUL if label in HATEFUL_LABELS else NON_HATEFUL


def _score(pairs: list[tuple[FunctionalCase, str]]) -> Score:
    correct = sum(predicted_gold(label) == case.gold for case, label in pairs)
    return Score(len(pairs), correct, dict(sorted(Counter(label for _, label in pairs).items())))


def functional_metrics(cases: Sequence[FunctionalCase], labels: Sequence[str]) -> FunctionalReport:
    """Accuracy of decided labels (hate / offensive / normal) against the cases' binary gold labels."""
    if len(cases) != len(labels):
        raise ValueError(f"{len(cases)} cases but {len(labels)} labels")
    pairs = list(zip(cases, labels, strict=True))
    per_functionality: dict[str, list[tuple[FunctionalCase, str]]] = {}
    per_group: dict[str, list[tuple[FunctionalCase, str]]] = {}
    for case, label in pairs:
        per_functionality.setdefault(case.functionality, []).append((case, label))
        if case.group is not None:
            per_group.setdefault(case.group, []).append((case, label))
    return FunctionalReport(
        overall=_score(pairs),
        hateful=_score([p for p in pairs if p[0].gold == HATEFUL]),
        non_hateful=_score([p for p in pairs if p[0].gold == NON_HATEFUL]),
        functionalities={fid: _score(v) for fid, v in per_functionality.items()},
        groups={gid: _score(v) for gid, v in per_group.items()},
    )


def decided_labels(cases: tuple[FunctionalCase, ...], model_dir: Path | None) -> list[str]:
    """The shipped model's label for each case, read as one whole text with its own decision rule."""
    from unspun.heads import HATE_LABELS
    from unspun.stages.hate import decide
    from unspun.training.data import join_words
    from unspun.training.evaluate import hate_heads, predict_posts

    _, _, decision = hate_heads(model_dir)
    preds = predict_posts([join_words(case.text.split()) for case in cases], model_dir)
    return [
        decide(dict(zip(HATE_LABELS, p.probs, strict=True)), decision.toxic, decision.hate_offset)
        for p in preds
    ]


def run(*, model_dir: Path | None = None, limit: int | None = None) -> dict[str, Any]:
    """The suite (or an even sample of about `limit` cases) through the model; the --json object."""
    from unspun.training.evaluate import hate_heads

    d, _, dec = hate_heads(model_dir)
    t0 = time.time()
    suite = load_suite()
    cases = sample(suite.cases, limit)
    report = functional_metrics(cases, decided_labels(cases, d))
    return {
        "task": TASK,
        "suite": SUITE_FILE,
        "n": len(cases),
        "hateful_labels": sorted(HATEFUL_LABELS),
        "decision": {"toxic": dec.toxic, "hate_offset": dec.hate_offset},
        **report.to_dict(suite),
        "seconds": round(time.time() - t0, 1),
    }


def main(argv: list[str]) -> int:
    """`unspun evaluate hate-functional [--json] [--model DIR] [--limit N]`"""
    import argparse

    p = argparse.ArgumentParser(
        prog="unspun evaluate hate-functional", description="The hate model on unspun's functional suite."
    )
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--model", type=Path, default=None, help="model directory (default: the shipped model)")
    p.add_argument("--limit", type=int, default=None, help="an even sample of about N cases (speed)")
    args = p.parse_args(argv)
    res = run(model_dir=args.model, limit=args.limit)
    print(json.dumps(res) if args.json else format_text(res))
    return 0


def _pct(score: dict[str, Any]) -> str:
    return "   n/a" if score["accuracy"] is None else f"{100 * score['accuracy']:5.1f}%"


def _counts(labels: dict[str, int]) -> str:
    return " ".join(f"{k} {labels.get(k, 0)}" for k in ("hate", "offensive", "normal"))


def format_text(res: dict[str, Any]) -> str:
    acc = res["accuracy"]
    lines = [
        f"hate on unspun's functional suite (n={res['n']}; hateful = decided hate or offensive)",
        f"  accuracy {_pct(acc['overall'])}   on hateful cases {_pct(acc[HATEFUL])} (n={acc[HATEFUL]['n']})"
        f"   on non-hateful cases {_pct(acc[NON_HATEFUL])} (n={acc[NON_HATEFUL]['n']})",
        "",
        f"  {'id':<4} {'gold':<11} {'n':>4} {'acc':>6}  {'hate  off norm':<14}  functionality",
    ]
    for f in res["functionalities"]:
        labels = f["labels"]
        counts = f"{labels.get('hate', 0):>4} {labels.get('offensive', 0):>4} {labels.get('normal', 0):>4}"
        lines.append(f"  {f['id']:<4} {f['gold']:<11} {f['n']:>4} {_pct(f)}  {counts:<14}  {f['name']}")
    lines += ["", f"  {'group':<11} {'n':>4} {'acc':>6}  labels"]
    for gid, g in res["groups"].items():
        lines.append(f"  {gid:<11} {g['n']:>4} {_pct(g)}  {_counts(g['labels'])}")
    return "\n".join(lines)
