"""Dataset loaders, one per task source, and their conversion to encoder features.

Every loader returns `Example`s: a text plus whatever labels its source has (a missing label is `None` and
its head's loss is masked). `featurize` tokenises with the shipped tokenizer (`unspun.encoder.tokenize`) and
maps word-level rationales onto word-pieces by character offsets.
"""

from __future__ import annotations

import csv
import html
import json
import random
import re
from collections import Counter
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from unspun.encoder import MAX_TOKENS, tokenize
from unspun.errors import UnspunError
from unspun.heads import HATE_LABELS, HATE_TARGETS

HATEXPLAIN_LABELS = {"hatespeech": "hate", "offensive": "offensive", "normal": "normal"}
#: a target community counts when at least this many of the 3 annotators named it (the paper's convention)
MIN_TARGET_VOTES = 2
#: pieces per example at training time, leaving room for [CLS] and [SEP]
MAX_PIECES = MAX_TOKENS - 2


class DataError(UnspunError):
    reason = "data"


def line_ranges(text: str) -> list[tuple[int, int]]:
    """Character ranges of a text's non-empty lines: the paragraphs of a corpus written one per line."""
    out, pos = [], 0
    for line in text.split("\n"):
        if line.strip():
            out.append((pos, pos + len(line)))
        pos += len(line) + 1
    return out


@dataclass
class Example:
    """One training/evaluation text with the labels its source provides (None = not annotated)."""

    text: str
    source: str
    label: int | None = None
    targets: np.ndarray | None = None  # (len(HATE_TARGETS),) 0/1
    # rationale per word: character spans of the words in `text` and a soft target per word
    word_spans: list[tuple[int, int]] = field(default_factory=list)
    word_rationale: np.ndarray | None = None
    weight: float = 1.0
    id: str = ""
    # the character range the sequence heads read (None: the whole text), e.g. a post beside a neighbour
    span: tuple[int, int] | None = None
    # targets of other tasks' heads, by head name (see `training.tasks.Task.head_targets`)
    labels: dict[str, Any] = field(default_factory=dict)


@dataclass
class HateXplainPost:
    """A HateXplain post as the paper reads it: majority label, communities of >= 2 annotators."""

    post_id: str
    words: list[str]
    text: str
    word_spans: list[tuple[int, int]]
    label: str  # hate / offensive / normal
    targets: list[str]  # communities named by >= 2 annotators (all names, not only HATE_TARGETS)
    rationale: np.ndarray | None  # (n_words,) mean of the annotators' 0/1 rationales, None if none given


def join_words(words: list[str]) -> tuple[str, list[tuple[int, int]]]:
    """Text of pre-tokenised words joined by spaces, and each word's character span in it."""
    spans = []
    pos = 0
    for w in words:
        spans.append((pos, pos + len(w)))
        pos += len(w) + 1
    return " ".join(words), spans


def hatexplain_dir(data: Path) -> Path:
    d = Path(data)
    if (d / "dataset.jsonl").is_file():
        return d
    if (d / "hatexplain" / "dataset.jsonl").is_file():
        return d / "hatexplain"
    raise DataError(f"no HateXplain data under {d} (expected dataset.jsonl and post_id_divisions.json)")


def load_hatexplain(data: Path, split: str) -> list[HateXplainPost]:
    """The posts of an official split (train / val / test); posts without a majority label are dropped."""
    d = hatexplain_dir(data)
    divisions = json.loads((d / "post_id_divisions.json").read_text("utf-8"))
    if split not in divisions:
        raise DataError(f"HateXplain has no split {split!r}; splits: {', '.join(divisions)}")
    ids = set(divisions[split])
    posts = []
    with (d / "dataset.jsonl").open(encoding="utf-8") as f:
        for line in f:
            rec = json.loads(line)
            if rec["post_id"] not in ids:
                continue
            votes = Counter(a["label"] for a in rec["annotators"])
            label, n = votes.most_common(1)[0]
            if n < 2:
                continue
            target_votes = Counter(t for a in rec["annotators"] for t in set(a["target"]))
            targets = [
                t for t, k in target_votes.items() if k >= MIN_TARGET_VOTES and t not in ("None", "Other")
            ]
            words = rec["post_tokens"]
            text, spans = join_words(words)
            rationale = None
            rats = [r for r in rec.get("rationales") or [] if len(r) == len(words)]
            if rats:
                rationale = np.mean(np.asarray(rats, dtype=np.float32), axis=0)
            posts.append(
                HateXplainPost(
                    rec["post_id"], words, text, spans, HATEXPLAIN_LABELS[label], sorted(targets), rationale
                )
            )
    return posts


def target_vector(targets: list[str]) -> np.ndarray:
    return np.asarray([1.0 if t in targets else 0.0 for t in HATE_TARGETS], dtype=np.float32)


def hatexplain_examples(data: Path, split: str) -> list[Example]:
    out = []
    for p in load_hatexplain(data, split):
        out.append(
            Example(
                p.text,
                "hatexplain",
                HATE_LABELS.index(p.label),
                target_vector(p.targets),
                p.word_spans,
                p.rationale if p.label != "normal" else None,
                1.0,
                p.post_id,
            )
        )
    return out


_MENTION = re.compile(r"@\w+")
_URL = re.compile(r"https?://\S+")
_RT = re.compile(r"^\s*(?:!+\s*)?RT\b:?")


def clean_tweet(text: str) -> str:
    """Davidson tweets in HateXplain's form: entities decoded, handles as <user>, links dropped."""
    text = html.unescape(text)
    text = _RT.sub(" ", text)
    text = _MENTION.sub("<user>", text)
    text = _URL.sub(" ", text)
    return re.sub(r"\s+", " ", text).strip()


def davidson_examples(data: Path, *, seed: int, max_offensive: int, weight: float) -> list[Example]:
    """Davidson et al. 2017 (0 hate, 1 offensive, 2 neither); its large offensive class is subsampled."""
    path = Path(data) / "davidson" / "labeled_data.csv"
    if not path.is_file():
        raise DataError(f"Davidson data not found: {path}")
    by_class: dict[int, list[Example]] = {0: [], 1: [], 2: []}
    with path.open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            text = clean_tweet(row["tweet"])
            if not text:
                continue
            cls = int(row["class"])
            label = ("hate", "offensive", "normal")[cls]
            by_class[cls].append(
                Example(text, "davidson", HATE_LABELS.index(label), weight=weight, id=f"davidson-{row['']}")
            )
    rng = random.Random(seed)
    rng.shuffle(by_class[1])
    return by_class[0] + by_class[1][:max_offensive] + by_class[2]


_APOSTROPHE = re.compile(r"['’]")
_NOT_WORD = re.compile(r"[^\w\s<>]")


def hatexplain_form(text: str) -> str:
    """A text as HateXplain's pre-tokenised posts read: lower case, no punctuation, no apostrophes."""
    text = _NOT_WORD.sub(" ", _APOSTROPHE.sub("", text.lower()))
    return re.sub(r"\s+", " ", text).strip()


def punctuation_mix(examples: list[Example], *, seed: int, share: float) -> list[Example]:
    """Rewrite a seeded `share` of the examples in HateXplain's form.

    HateXplain posts carry no punctuation while Davidson tweets and news sentences do; without this mix the
    model learns "punctuation means normal" (a quoted slur with a full stop passed as normal).
    """
    rng = random.Random(seed)
    out = []
    for ex in examples:
        if rng.random() < share:
            text = hatexplain_form(ex.text)
            if text:
                ex = Example(text, ex.source, ex.label, ex.targets, [], None, ex.weight, ex.id + "-plain")
        out.append(ex)
    return out


# HateXplain's posts spell contractions without apostrophes; written English has them.
CONTRACTIONS = {
    "dont": "don't",
    "doesnt": "doesn't",
    "didnt": "didn't",
    "cant": "can't",
    "wont": "won't",
    "isnt": "isn't",
    "arent": "aren't",
    "wasnt": "wasn't",
    "werent": "weren't",
    "im": "i'm",
    "youre": "you're",
    "theyre": "they're",
    "thats": "that's",
    "whats": "what's",
    "ive": "i've",
    "shouldnt": "shouldn't",
    "wouldnt": "wouldn't",
    "couldnt": "couldn't",
    "hes": "he's",
    "lets": "let's",
}
_END_MARKS = (".", ".", "!", "?")
#: words before which written English often breaks a clause (a comma, sometimes a full stop)
_CLAUSE_STARTERS = frozenset(
    "and but so because they he she it we you i who which that then or if when these those".split()
)
COMMA_BEFORE_STARTER = 0.3
COMMA_ELSEWHERE = 0.03
#: share of inserted breaks written as a full stop instead of a comma
STOP_SHARE = 0.3
#: seed of the fixed written view of an evaluation split (validation, calibration, `evaluate --view written`)
WRITTEN_VIEW_SEED = "written-view"


def written_form(words: list[str], rng: random.Random) -> tuple[str, list[tuple[int, int]]]:
    """HateXplain's pre-tokenised words as a person would type them: apostrophes in contractions, commas
    (some full stops) at a random share of clause boundaries, a final mark. Each word keeps its own span,
    so word-level rationales stay aligned.

    HateXplain posts carry no punctuation while the news and comments the stage reads do; a model that
    never saw toxic text with punctuation learns "punctuation means normal" (a comment ending in a full
    stop passed as normal).
    """
    words = [CONTRACTIONS.get(w, w) for w in words]
    parts: list[str] = []
    spans = []
    pos = 0
    for k, w in enumerate(words):
        if k:
            p_break = COMMA_BEFORE_STARTER if w in _CLAUSE_STARTERS else COMMA_ELSEWHERE
            sep = " "
            if k > 1 and rng.random() < p_break:
                sep = ". " if rng.random() < STOP_SHARE else ", "
            parts.append(sep)
            pos += len(sep)
        parts.append(w)
        spans.append((pos, pos + len(w)))
        pos += len(w)
    if words:
        parts.append(rng.choice(_END_MARKS))
    return "".join(parts), spans


def written_example(ex: Example, rng: random.Random) -> Example:
    """`ex` (a HateXplain post) in `written_form`, with the same labels and rationale."""
    words = [ex.text[a:b] for a, b in ex.word_spans]
    text, spans = written_form(words, rng)
    return Example(
        text, ex.source, ex.label, ex.targets, spans, ex.word_rationale, ex.weight, ex.id + "-written"
    )


def written_view_rng(post_id: str) -> random.Random:
    """The fixed per-post generator of a split's written view: the same text whatever the order or limit."""
    return random.Random(f"{WRITTEN_VIEW_SEED}-{post_id}")


def written_share(examples: list[Example], rng: random.Random, share: float) -> dict[int, Example]:
    """A random `share` of the examples that have word spans, in written form: {index: rewritten}."""
    return {
        k: written_example(ex, rng) for k, ex in enumerate(examples) if ex.word_spans and rng.random() < share
    }


#: a neighbouring sentence keeps at most this many words (the pair must fit in one 128-piece window)
NEIGHBOUR_WORDS = 30


def with_neighbour(ex: Example, neighbour: str, rng: random.Random) -> Example:
    """`ex` written next to `neighbour` (before or after it), its labels read from its own range (`span`).

    At run time a sentence is pooled inside its paragraph's window, beside other sentences; a model that
    only saw whole posts lets a paragraph's tone leak into every sentence of it. Training on ranges beside
    neighbours (a toxic post beside a news sentence, a news sentence beside a toxic post) teaches the heads
    to read their own range.
    """
    neighbour = " ".join(neighbour.split()[:NEIGHBOUR_WORDS])
    lo, hi = ex.span or (0, len(ex.text))
    if rng.random() < 0.5:
        text, shift = f"{neighbour} {ex.text}", len(neighbour) + 1
    else:
        text, shift = f"{ex.text} {neighbour}", 0
    return Example(
        text,
        ex.source,
        ex.label,
        ex.targets,
        [(a + shift, b + shift) for a, b in ex.word_spans],
        ex.word_rationale,
        ex.weight,
        ex.id + "-beside",
        (lo + shift, hi + shift),
        dict(ex.labels),
    )


def beside_toxic(news: list[str], toxic_texts: list[str], seed: str) -> list[Example]:
    """News sentences, each written beside a toxic text and read from the sentence (label normal): how much
    a neighbour's tone leaks into a sentence pooled inside its paragraph. One per toxic text, cycling
    through `news`."""
    rng = random.Random(seed)
    normal = HATE_LABELS.index("normal")
    out = []
    for i, toxic in enumerate(toxic_texts if news else []):
        sentence = Example(news[i % len(news)], "news", normal, id=f"beside-{i}")
        out.append(with_neighbour(sentence, toxic, rng))
    return out


def identity_terms() -> set[str]:
    text = resources.files("unspun.training").joinpath("identity_terms.txt").read_text("utf-8")
    return {w.strip().lower() for w in text.splitlines() if w.strip() and not w.startswith("#")}


_SENT_END = re.compile(r"(?:(?<=[.!?])|(?<=[.!?][\"”’)]))\s+(?=[\"“‘(]?[A-Z])")


def polnear_sentences(data: Path, split: str) -> list[str]:
    """The sentences of PolNeAR's news articles of a split (paragraphs split at sentence ends)."""
    d = Path(data) / "polnear" / split / "text"
    out: list[str] = []
    for p in sorted(d.glob("*.txt")) if d.is_dir() else []:
        for para in p.read_text("utf-8").split("\n\n"):
            out += [s.strip() for s in _SENT_END.split(para.strip()) if s.strip()]
    return out


def silver_normal_examples(data: Path, *, seed: int, n: int, weight: float) -> list[Example]:
    """News and debate sentences labelled `normal` (silver): ClaimBuster train + PolNeAR train articles.

    Every sentence that names a group (identity_terms.txt) is a candidate; we keep all such sentences up to
    half of `n` and fill the rest with a random sample.
    """
    data = Path(data)
    sentences: list[str] = []
    cb = data / "claimbuster" / "train.json"
    if cb.is_file():
        sentences += [r["text"] for r in json.loads(cb.read_text("utf-8"))]
    sentences += polnear_sentences(data, "train")
    sentences = [s for s in dict.fromkeys(sentences) if 20 <= len(s) <= 600]
    if not sentences:
        raise DataError(
            f"no silver sentences found under {data} (claimbuster/train.json, polnear/train/text)"
        )
    terms = identity_terms()
    rng = random.Random(seed)
    rng.shuffle(sentences)
    group = [s for s in sentences if terms & set(re.findall(r"[a-z]+", s.lower()))]
    chosen = group[: n // 2]
    taken = set(chosen)
    chosen += [s for s in sentences if s not in taken][: n - len(chosen)]
    return [
        Example(s, "silver-normal", HATE_LABELS.index("normal"), weight=weight, id=f"silver-{i}")
        for i, s in enumerate(chosen)
    ]


@dataclass
class Features:
    """An example tokenised: pieces (no special tokens) and the per-piece rationale target."""

    ids: np.ndarray
    rationale: np.ndarray | None  # (n,) soft target per piece
    piece_word: np.ndarray  # (n,) index of the word each piece belongs to (-1: none)
    example: Example
    pool: np.ndarray | None = None  # (n,) the pieces the sequence heads read (None: all)


def featurize(tokenizer: object, examples: list[Example]) -> list[Features]:
    out = []
    toks = tokenize(tokenizer, [e.text for e in examples])
    for ex, t in zip(examples, toks, strict=True):
        ids = t.ids[:MAX_PIECES]
        offsets = t.offsets[:MAX_PIECES]
        piece_word = np.full(len(ids), -1, dtype=np.int64)
        if ex.word_spans:
            starts = np.asarray([s for s, _ in ex.word_spans])
            ends = np.asarray([e for _, e in ex.word_spans])
            # the word whose span holds the piece's first character
            idx = np.searchsorted(starts, offsets[:, 0], side="right") - 1
            ok = (idx >= 0) & (offsets[:, 0] < ends[np.clip(idx, 0, None)])
            piece_word = np.where(ok, idx, -1)
        rationale = None
        if ex.word_rationale is not None:
            rationale = np.where(piece_word >= 0, ex.word_rationale[np.clip(piece_word, 0, None)], 0.0)
            rationale = rationale.astype(np.float32)
        pool = None
        if ex.span is not None:
            lo, hi = ex.span
            pool = (offsets[:, 0] >= lo) & (offsets[:, 1] <= hi) & (offsets[:, 1] > offsets[:, 0])
        out.append(Features(ids, rationale, piece_word, ex, pool))
    return out


# ToxiGen's 13 groups as the target head's communities (Chinese and Mexican people fold into the wider
# groups HateXplain annotates; LGBTQ+ statements train the "Homosexual" community, shown as LGBTQ+ people).
TOXIGEN_TARGETS = {
    "asian": "Asian",
    "black": "African",
    "chinese": "Asian",
    "jewish": "Jewish",
    "latino": "Hispanic",
    "lgbtq": "Homosexual",
    "mental_dis": "Disability",
    "physical_dis": "Disability",
    "mexican": "Hispanic",
    "middle_east": "Arab",
    "muslim": "Islam",
    "native_american": "Indigenous",
    "women": "Women",
    # the demonstrations' file names
    "immigrant": "Refugee",
    "mental_disability": "Disability",
    "physical_disability": "Disability",
    "native_american_sentences": "Indigenous",
    "middle_east_sentences": "Arab",
}
#: ToxiGen's paper calls a statement toxic when the annotators' mean toxicity (1-5) is above this
TOXIGEN_TOXIC_ABOVE = 3.0
#: statements this close to the line get half weight: the annotators themselves were split on them
TOXIGEN_BORDER = 0.7
#: share of the annotated train statements kept out of training as our own ToxiGen dev split (seeded)
TOXIGEN_DEV_SHARE = 0.1
TOXIGEN_DEV_SEED = "toxigen-dev"


@dataclass
class ToxiGenStatement:
    text: str
    group: str  # ToxiGen's target_group
    toxicity: float  # toxicity_human, 1-5

    @property
    def toxic(self) -> bool:
        return self.toxicity > TOXIGEN_TOXIC_ABOVE


def load_toxigen(data: Path, split: str) -> list[ToxiGenStatement]:
    """ToxiGen's human-annotated train statements, cut into our `train` and `dev` splits (a seeded 10 %
    for dev). The annotated test split is a held-out benchmark of the project and is never read here."""
    if split not in ("train", "dev"):
        raise DataError(f"ToxiGen has splits train and dev here (its test split is held out), not {split!r}")
    path = Path(data) / "toxigen" / "toxigen_annotated_train.csv"
    if not path.is_file():
        raise DataError(f"ToxiGen data not found: {path}")
    out = []
    with path.open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            text = " ".join(row["text"].split())
            if not text:
                continue
            in_dev = random.Random(f"{TOXIGEN_DEV_SEED}-{text}").random() < TOXIGEN_DEV_SHARE
            if in_dev == (split == "dev"):
                out.append(ToxiGenStatement(text, row["target_group"], float(row["toxicity_human"])))
    return out


def toxigen_examples(data: Path, split: str, *, weight: float = 1.0) -> list[Example]:
    """ToxiGen statements as hate-task examples: toxic ones are `hate` (statements about a group, most of
    them implicit stereotypes), the others `normal`; the group is the target either way (a neutral
    statement is still about it). Statements near the toxicity line weigh half."""
    out = []
    for i, s in enumerate(load_toxigen(data, split)):
        label = HATE_LABELS.index("hate" if s.toxic else "normal")
        w = weight * (0.5 if abs(s.toxicity - TOXIGEN_TOXIC_ABOVE) < TOXIGEN_BORDER else 1.0)
        targets = target_vector([TOXIGEN_TARGETS[s.group]] if s.group in TOXIGEN_TARGETS else [])
        out.append(Example(s.text, "toxigen", label, targets, weight=w, id=f"toxigen-{split}-{i}"))
    return out


def toxigen_demonstrations(data: Path, *, weight: float = 1.0) -> list[Example]:
    """ToxiGen's hand-written prompt statements (`<category>__<hate|neutral>_<group>_sentences.txt`)."""
    d = Path(data) / "toxigen" / "demonstrations"
    out = []
    for path in sorted(d.glob("*.txt")) if d.is_dir() else []:
        _, _, rest = path.stem.partition("__")
        kind, _, group = rest.partition("_")
        group = group.removesuffix("_sentences")
        target = TOXIGEN_TARGETS.get(group)
        if kind not in ("hate", "neutral"):
            continue
        label = HATE_LABELS.index("hate" if kind == "hate" else "normal")
        for k, line in enumerate(path.read_text("utf-8").splitlines()):
            text = " ".join(line.strip().lstrip("-").split())
            if text:
                tv = target_vector([target] if target else [])
                out.append(Example(text, "toxigen-demo", label, tv, weight=weight, id=f"{path.stem}-{k}"))
    return out


_LEET = {"a": "4", "e": "3", "i": "1", "o": "0", "s": "5", "t": "7"}


def misspell(word: str, rng: random.Random) -> str:
    """One of the ways people obscure a word: a letter dropped, doubled or swapped with its neighbour,
    a space or a symbol between letters, or leetspeak digits (HateCheck's spelling-variation classes)."""
    if len(word) < 4 or not word.isalpha():
        return word
    k = rng.randrange(1, len(word) - 1)
    kind = rng.randrange(6)
    if kind == 0:
        return word[:k] + word[k + 1 :]
    if kind == 1:
        return word[:k] + word[k] + word[k:]
    if kind == 2:
        return word[: k - 1] + word[k] + word[k - 1] + word[k + 1 :]
    if kind == 3:
        return " ".join(word)
    if kind == 4:
        return word[:k] + rng.choice("*.-_") + word[k + 1 :]
    leet = "".join(_LEET.get(c, c) if rng.random() < 0.7 else c for c in word)
    return leet if leet != word else word[:k] + "*" + word[k + 1 :]


def misspelled_example(ex: Example, rng: random.Random) -> Example:
    """`ex` with its strongest rationale word (else a random long word) misspelled; spans stay aligned."""
    words = [ex.text[a:b] for a, b in ex.word_spans]
    if not words:
        return ex
    if ex.word_rationale is not None and ex.word_rationale.max() > 0:
        k = int(np.argmax(ex.word_rationale + rng.random() * 1e-3))
    else:
        k = rng.randrange(len(words))
    words[k] = misspell(words[k], rng)
    text, spans = join_words(words)
    return Example(
        text, ex.source, ex.label, ex.targets, spans, ex.word_rationale, ex.weight, ex.id + "-misspelt", None
    )


def denounce_frames() -> list[str]:
    text = resources.files("unspun.training").joinpath("denounce_frames.txt").read_text("utf-8")
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]


#: a quoted statement keeps at most this many words (the frame and quote must fit one window)
QUOTED_WORDS = 40


def denounced_example(ex: Example, frame: str) -> Example:
    """A toxic text quoted inside a frame that denounces it: counter-speech, labelled `normal`, about the
    same groups. Teaches that hateful words quoted to condemn them are not the writer's hate."""
    quoted = " ".join(ex.text.split()[:QUOTED_WORDS])
    return Example(
        frame.replace("{s}", quoted),
        ex.source + "-denounced",
        HATE_LABELS.index("normal"),
        ex.targets,
        weight=ex.weight,
        id=ex.id + "-denounced",
    )


def identity_swaps() -> dict[str, list[str]]:
    text = resources.files("unspun.training").joinpath("identity_swaps.json").read_text("utf-8")
    data = json.loads(text)
    return {form: list(data[form]) for form in ("adjective", "plural")}


def _swap_pattern(words: list[str]) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    return re.compile(rf"\b({alternatives})\b", re.IGNORECASE)


def swappable(examples: list[Example]) -> list[int]:
    """Indices of the normal examples that name a group (by a word of identity_swaps.json)."""
    swaps = identity_swaps()
    pattern = _swap_pattern(swaps["adjective"] + swaps["plural"])
    normal = HATE_LABELS.index("normal")
    return [k for k, ex in enumerate(examples) if ex.label == normal and pattern.search(ex.text)]


def identity_swapped(ex: Example, rng: random.Random) -> Example:
    """`ex` (a normal text) with each group word replaced by another group's word of the same form: a text
    that is fine about one group is fine about another (counterfactual augmentation against "the group's
    name alone is toxic"). Its targets are not trained (the group changed); word rationales are dropped."""
    swaps = identity_swaps()
    form_of = {w: form for form, words in swaps.items() for w in words}

    def other(m: re.Match[str]) -> str:
        word = m.group(0).lower()
        new = rng.choice([w for w in swaps[form_of[word]] if w != word])
        return new.capitalize() if m.group(0)[0].isupper() else new

    # one pass over both forms, longest words first: an inserted word is never swapped again
    text = _swap_pattern(list(form_of)).sub(other, ex.text)
    return Example(text, ex.source + "-swapped", ex.label, None, weight=ex.weight, id=ex.id + "-swapped")
