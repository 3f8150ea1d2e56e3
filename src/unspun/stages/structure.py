"""The structure stage: whose text each block is — the page's title, the author's own words (editorial), a
republished passage (quoted, with the outlet that carried it), or a comment (with its place in the thread).

HTML says what is quoted (`<blockquote cite>`). Plain text does not: a republished news passage is found by
its change of voice — first-person opinion, questions and exclamations in the writer's paragraphs against
attribution verbs, quotations and datelines in the news report — scored per paragraph, smoothed over
neighbours, and aligned with the blank-line layout where the layout sets passages apart.

A page whose whole body reads as a news report (a wire story, a newspaper's own article) is labelled
editorial: the text is the page's own report and nothing shows it was republished from elsewhere. Only an
explicit republishing statement ("Source: Reuters", "This article originally appeared in ...") makes such a
page quoted, attributed to the outlet named there.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from unspun.document import COMMENT, EDITORIAL, QUOTED, STRUCTURE, TITLE, Document, Span
from unspun.gazetteer import (
    OutletMention,
    document_outlet_mentions,
    load_gazetteer,
    lookup_domain,
    lookup_name,
    url_host,
)
from unspun.language import runs_english_layers
from unspun.pipeline import Stage, register_stage

# A paragraph's register score is (news cues - opinion cues) per sentence; above this (after smoothing)
# it reads as a news report. One attribution per sentence with no first person scores ~1.
QUOTED_MIN_SCORE = 0.3
# Weight of a paragraph's own score against each neighbour's when smoothing (neighbours count 1).
SELF_WEIGHT = 2.0
# A paragraph this news-like on its own (and with no opinion cue) is news whatever its neighbours say:
# a one-paragraph passage between two opinionated ones would otherwise be smoothed away.
STRONG_NEWS_SCORE = 1.0
# A paragraph inside a quoted layout section that says "I"/"we" this much per sentence is the writer's.
OPINION_BREAK = 0.5
# Blank lines that set a passage apart when the rest of the page uses fewer (the example uses 3 vs 1).
MIN_SECTION_GAP = 2
# A quoted string shorter than this many words is a scare quote, not a quotation of a source.
MIN_QUOTATION_WORDS = 3

_QUOTED_STRING_RE = re.compile(r"\"[^\"]*\"|“[^”]*”|«[^»]*»|„[^“”]*[“”]")
_SENTENCE_END_RE = re.compile(r"[.!?]+(?=[\s\"”’)]|$)")
_WORD_RE = re.compile(r"[A-Za-z']+")


@dataclass(slots=True)
class Segment:
    """One structure span to write: a title, a paragraph or a comment, with its label and attrs."""

    start: int
    end: int
    label: str
    score: float | None
    attrs: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class Register:
    """The voice cues counted in one paragraph."""

    opinion: float
    news: float

    @property
    def score(self) -> float:
        return self.news - self.opinion


@cache
def _data(name: str) -> dict[str, Any]:
    return json.loads(resources.files("unspun.data").joinpath(f"structure_{name}.json").read_text("utf-8"))


@cache
def _voice() -> dict[str, Any]:
    d = _data("voice")
    return {
        "first": set(d["first_person"]),
        "second": set(d["second_person"]),
        "opinion": re.compile("|".join(d["opinion_markers"]), re.IGNORECASE),
        "attribution": [re.compile(p, re.IGNORECASE) for p in d["attribution_cues"]],
        "dateline": re.compile(d["dateline"]),
        "news_time": re.compile(d["news_time"], re.IGNORECASE),
        "republish": [re.compile(p, re.IGNORECASE) for p in d["republish_statements"]],
    }


def register(text: str) -> Register:
    """Opinion and news cues of a paragraph, per sentence; words inside quotation marks are the source's."""
    v = _voice()
    quotations = [q for q in _QUOTED_STRING_RE.findall(text) if len(q.split()) >= MIN_QUOTATION_WORDS]
    own = _QUOTED_STRING_RE.sub(" ", text)
    sentences = max(1, len(_SENTENCE_END_RE.findall(text)))
    words = [w.lower().replace("’", "'") for w in _WORD_RE.findall(own.replace("’", "'"))]
    first = sum(w in v["first"] for w in words)
    second = sum(w in v["second"] for w in words)
    marks = own.count("?") + own.count("!")
    opinion = first + 0.5 * second + marks + len(v["opinion"].findall(own))
    attribution = sum(len(p.findall(own)) for p in v["attribution"])
    dateline = 2 if v["dateline"].match(text) else 0
    news = attribution + 0.5 * len(quotations) + dateline + 0.5 * len(v["news_time"].findall(own))
    return Register(opinion=opinion / sentences, news=news / sentences)


def _smooth(scores: list[float]) -> list[float]:
    out = []
    for i, s in enumerate(scores):
        total, weight = SELF_WEIGHT * s, SELF_WEIGHT
        for j in (i - 1, i + 1):
            if 0 <= j < len(scores):
                total += scores[j]
                weight += 1
        out.append(total / weight)
    return out


def _confidence(score: float) -> float:
    """A 0-1 confidence from a register score's distance to the threshold."""
    return round(1 / (1 + math.exp(-3 * abs(score - QUOTED_MIN_SCORE))), 3)


# -- outlets -----------------------------------------------------------------------------------------


def _compact(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def _canonical(name: str) -> str:
    profile = lookup_name(name)
    return profile.name if profile is not None else name


def passage_outlet(
    ranges: list[tuple[int, int]], cite: str | None, mentions: list[OutletMention]
) -> str | None:
    """The outlet that carried a passage (its `ranges` of the text): from its cite URL, the outlets it
    names (the gazetteer's mentions of the whole text, short forms resolved to full names), or both."""
    resolved = [m.canonical for m in mentions if any(a <= m.start and m.end <= b for a, b in ranges)]
    host = url_host(cite)
    if host:
        profile = lookup_domain(host)
        if profile is not None:
            return str(profile.name)
        site = host.rsplit(".", 1)[0].rsplit(".", 1)[-1]  # "news.coastal-ledger.com" -> "coastal-ledger"
        label = _compact(site)
        matching = [r for r in resolved if _compact(r) and (_compact(r) in label or label in _compact(r))]
        if matching:
            best = max(matching, key=len)
            words = [w for w in re.split(r"[-_]", site) if w]
            # Only the short form was written ("the Tribune"): the hyphenated domain spells the full name.
            if len(words) > len(best.split()) and _compact(best) != label and label.endswith(_compact(best)):
                return _canonical(" ".join(w.capitalize() for w in words))
            return _canonical(best)
        return _canonical(resolved[0]) if resolved else host
    return _canonical(resolved[0]) if resolved else None


# -- the stage ---------------------------------------------------------------------------------------


def _sections(gaps: list[int]) -> list[int] | None:
    """Section number of each body paragraph when the layout sets passages apart, else None."""
    if len(gaps) < 2:
        return None
    usual = min(gaps[1:])
    if max(gaps[1:]) < max(MIN_SECTION_GAP, usual + 1):
        return None
    section, out = 0, []
    for i, gap in enumerate(gaps):
        if i > 0 and gap >= max(MIN_SECTION_GAP, usual + 1):
            section += 1
        out.append(section)
    return out


def voice_labels(texts: list[str], gaps: list[int] | None) -> tuple[list[bool], list[float]]:
    """Which body paragraphs are a republished news passage (plain text), and the scores behind it."""
    regs = [register(t) for t in texts]
    raw = [r.score for r in regs]
    sections = _sections(gaps) if gaps else None
    if sections is None:
        smooth = _smooth(raw)
        quoted = [
            s > QUOTED_MIN_SCORE or (raw[i] >= STRONG_NEWS_SCORE and regs[i].opinion == 0)
            for i, s in enumerate(smooth)
        ]
    else:
        smooth = [0.0] * len(raw)
        quoted = [False] * len(raw)
        for sec in sorted(set(sections)):
            idx = [i for i, s in enumerate(sections) if s == sec]
            mean = sum(raw[i] for i in idx) / len(idx)
            for i in idx:
                smooth[i] = mean
                quoted[i] = mean > QUOTED_MIN_SCORE and regs[i].opinion < OPINION_BREAK
    # Quoting needs a second voice: with no opinionated paragraph of the writer's own, the page is a
    # report in its own right (a wire story), not a report republished inside commentary.
    if not any(r.opinion > 0 and not q for r, q in zip(regs, quoted, strict=True)):
        quoted = [False] * len(raw)
    return quoted, smooth


def _republished_by(texts: list[str]) -> tuple[int, str] | None:
    """The paragraph that says the page republishes another outlet's report, and that outlet."""
    for i, text in enumerate(texts):
        for pattern in _voice()["republish"]:
            if m := pattern.match(text.strip()):
                return i, _canonical(m.group("outlet").strip().removeprefix("the ").removeprefix("The "))
    return None


@register_stage
class StructureStage(Stage[list[Segment]]):
    """Label every title, paragraph and comment block: title / editorial / quoted / comment."""

    name = "structure"
    requires = ("blocks",)
    assigns = (STRUCTURE,)

    def initialize(self) -> None:
        load_gazetteer()
        _voice()

    def predict(self, doc: Document) -> list[Segment]:
        segments: list[Segment] = []
        mentions = document_outlet_mentions(doc)
        body = [b for b in doc.blocks if b.kind in ("paragraph", "blockquote")]
        texts = [doc.text[b.start : b.end] for b in body]
        labels: list[str] = [EDITORIAL] * len(body)
        scores: list[float | None] = [None] * len(body)
        marked = any(b.kind == "blockquote" for b in body)
        english = runs_english_layers(doc)
        if marked:
            labels = [QUOTED if b.kind == "blockquote" else EDITORIAL for b in body]
        elif english and body:
            gaps = (
                [int(b.attrs["gap_before"]) for b in body]
                if all("gap_before" in b.attrs for b in body)
                else None
            )
            quoted, smooth = voice_labels(texts, gaps)
            scores = [_confidence(s) for s in smooth]
            republished = _republished_by(texts)
            if republished is not None and not any(quoted):
                quoted = [i != republished[0] for i in range(len(body))]
            labels = [QUOTED if q else EDITORIAL for q in quoted]
        elif body and not english and not marked:
            doc.warn("structure: quoted passages in unmarked text are recognised from English cues only")
        passages = self._passages(body, texts, labels, mentions)
        for block in doc.blocks:
            if block.kind == "title":
                segments.append(Segment(block.start, block.end, TITLE, None, {}))
            elif block.kind == "comment":
                attrs = {k: block.attrs.get(k) for k in ("index", "depth", "parent", "author", "time")}
                segments.append(Segment(block.start, block.end, COMMENT, None, attrs))
        for i, block in enumerate(body):
            attrs = passages.get(i, {})
            segments.append(
                Segment(block.start, block.end, labels[i], scores[i] if not marked else None, attrs)
            )
        segments.sort(key=lambda s: s.start)
        return segments

    def _passages(
        self, body: list[Any], texts: list[str], labels: list[str], mentions: list[OutletMention]
    ) -> dict[int, dict[str, Any]]:
        """attrs (outlet, url, passage) of each quoted body block, by its index in `body`."""
        runs: list[list[int]] = []
        for i, label in enumerate(labels):
            key = body[i].attrs.get("passage") if body[i].kind == "blockquote" else None
            prev_key = body[i - 1].attrs.get("passage") if i and body[i - 1].kind == "blockquote" else None
            if label == QUOTED and runs and runs[-1][-1] == i - 1 and key == prev_key:
                runs[-1].append(i)
            elif label == QUOTED:
                runs.append([i])
        republished = _republished_by(texts)
        out: dict[int, dict[str, Any]] = {}
        for n, run in enumerate(runs):
            cite = next((body[i].attrs.get("cite") for i in run if body[i].attrs.get("cite")), None)
            outlet = passage_outlet([(body[i].start, body[i].end) for i in run], cite, mentions)
            if outlet is None and run[0] > 0 and labels[run[0] - 1] == EDITORIAL:
                lead_in = body[run[0] - 1]  # "The Times reported:"
                outlet = passage_outlet([(lead_in.start, lead_in.end)], None, mentions)
            outlet = outlet or (republished[1] if republished else None)
            for i in run:
                out[i] = {"outlet": outlet, "url": cite, "passage": n}
        return out

    def set_annotations(self, doc: Document, result: list[Segment]) -> None:
        layer = doc.layer(STRUCTURE)
        layer.clear()
        for seg in result:
            doc.add(STRUCTURE, Span(seg.start, seg.end, seg.label, seg.score, seg.attrs, stage=self.name))
