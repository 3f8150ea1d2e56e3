"""The structure stage: whose text each block is — the page's title, the author's own words (editorial), a
republished passage (quoted, with the outlet that carried it), or a comment (with its place in the thread).

HTML says what is quoted (`<blockquote cite>`). Plain text does not: a republished news passage is found by
its change of voice — first-person opinion, questions and exclamations in the writer's paragraphs against
attribution verbs, quotations and datelines in the news report — scored per paragraph, smoothed over
neighbours, and aligned with the blank-line layout where the layout sets passages apart.

A page whose whole body reads as a news report (a wire story, a newspaper's own article) is labelled
editorial: the text is the page's own report and nothing shows it was republished from elsewhere. Only an
explicit republishing statement ("Source: Reuters", "This article originally appeared in ...") makes such a
page quoted, attributed to the outlet named there. In plain text a passage found from the voice alone must
also say whose it is (an outlet that carries it); unattributed news prose is the page's own report.

The outlet of a passage is the one that carried it, read where pages write it: a closing credit line after
it ("[Engadget]", "— Reuters"), the blockquote's cite, the sentence that introduces it ("as summarized by
CNN:", "X reported:"), and only then an outlet the passage itself names — never one that merely received
someone's words ("told the BBC", "in an interview with ..."). In plain text, a credit line also marks the
paragraphs before it (back to a heading or the introducing sentence) as the passage, and an introducing
sentence that names an outlet marks the paragraph after it. A line crediting the post's source at its end
("Source: KGUN 9", "Via X") names the carrier of the news-register runs before it that name none, even
with the writer's closing words between. An embedded social post (a blockquote ending in "— Name (@handle)
date") is not a republished outlet passage. Two unmarked passages count in HTML too: a paragraph that is
one quotation end to end after an introduction naming another outlet, and a wire flash pasted verbatim
("06.48 Reuters - AGENCY SAYS …").
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
# A paragraph that says "I"/"we" (or asks, exclaims) this much per sentence is the writer's, whatever its
# neighbours or its layout section say.
OPINION_BREAK = 0.5
# Blank lines that set a passage apart when the rest of the page uses fewer (the example uses 3 vs 1).
MIN_SECTION_GAP = 2
# A quoted string shorter than this many words is a scare quote, not a quotation of a source.
MIN_QUOTATION_WORDS = 3
# A paragraph of fewer words (a byline, a date line) is never a passage found from the voice alone.
MIN_PASSAGE_WORDS = 4
# Characters before an outlet's mention searched for a recipient context ("told the BBC", "interview with").
RECIPIENT_WINDOW = 40
# A quotation left open at a paragraph's end goes on for at most this many paragraphs.
MAX_QUOTATION_PARAGRAPHS = 6
# A plain-text paragraph of one line and at most this many words, without a closing full stop, is a
# section heading: a passage credited after it does not reach back across it.
HEADING_MAX_WORDS = 16

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


@cache
def _quoting() -> dict[str, Any]:
    d = _data("quoting")
    return {
        "credit": [re.compile(p) for p in d["credit_lines"]],
        "credit_rejects": re.compile("|".join(d["credit_rejects"])),
        "credit_max_words": int(d["credit_max_words"]),
        "lead_in_end": re.compile(d["lead_in_end"]),
        "wire_flash": re.compile(d["wire_flash"]),
        "flash_min_words": int(d["flash_min_words"]),
        "lead_in_sentence": re.compile(d["lead_in_sentence"], re.IGNORECASE),
        "lead_in_word": re.compile(d["lead_in_words"], re.IGNORECASE),
        "source_credit": re.compile(d["source_credit"], re.IGNORECASE),
        "tip_credit": re.compile(d["tip_credit"], re.IGNORECASE),
        "recipient": re.compile(d["recipient_before"], re.IGNORECASE),
        "social": re.compile(d["social_post_credit"]),
        "speech": re.compile(d["speech_block"]),
    }


def register(text: str) -> Register:
    """Opinion and news cues of a paragraph, per sentence; words inside quotation marks are the source's."""
    v = _voice()
    quotations = [q for q in _QUOTED_STRING_RE.findall(text) if len(q.split()) >= MIN_QUOTATION_WORDS]
    own = _QUOTED_STRING_RE.sub(" ", text)
    sentences = max(1, len(_SENTENCE_END_RE.findall(text)))
    # "US" in capitals is the country, not the first person ("a cinema in the US state of Louisiana")
    words = [w.lower() for w in _WORD_RE.findall(own.replace("’", "'")) if w != "US"]
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


def _credited_name(written: str) -> str | None:
    """The outlet a credit names, when what it names reads as an outlet's name (capitalised, short, no
    handle, year or URL), resolved to its full name."""
    q = _quoting()
    name = re.sub(r"^(?:the|The)\s+", "", written.strip())
    if (
        name[:1].isupper() or name[:1].isdigit()
    ) and len(name.split()) <= q["credit_max_words"] and not q["credit_rejects"].search(name):
        return _canonical(name)
    return None


def credit_line(text: str) -> str | None:
    """The outlet a closing credit line names ("[Engadget]", "— Reuters", "(CNN)"), or None."""
    line = " ".join(text.split())
    for pattern in _quoting()["credit"]:
        if (m := pattern.match(line)) is not None and (name := _credited_name(m.group("outlet"))):
            return name
    return None


def source_credit(text: str) -> str | None:
    """The outlet a line crediting the post's source names ("Source: KGUN 9", "Via The Verge"), or None;
    a hat tip ("h/t Gawker") counts only when it names a known outlet (it mostly thanks a person)."""
    q = _quoting()
    m = q["source_credit"].match(" ".join(text.split()))
    if m is None:
        return None
    if q["tip_credit"].match(m.group("kind")) and lookup_name(m.group("outlet").strip()) is None:
        return None
    return _credited_name(m.group("outlet"))


def is_social_post_credit(text: str) -> bool:
    """Whether a line is an embedded post's byline ("— Name (@handle) December 11, 2016")."""
    return bool(_quoting()["social"].match(" ".join(text.split())))


def carrier_mentions(text: str, mentions: list[OutletMention], start: int, end: int) -> list[OutletMention]:
    """The outlet mentions inside `text[start:end]` that may carry a passage: not the recipient of
    someone's words ("told the BBC", "in an interview with CNN")."""
    recipient = _quoting()["recipient"]
    return [
        m
        for m in mentions
        if start <= m.start
        and m.end <= end
        and not recipient.search(text[max(start, m.start - RECIPIENT_WINDOW) : m.start])
    ]


def introduces(text: str) -> bool:
    """Whether a paragraph ends by introducing what follows ("… reported:", "Hilarious copy, below.",
    "Here's an excerpt from the interview the station did.")."""
    body = text.rstrip()
    q = _quoting()
    if q["lead_in_end"].search(body):
        return True
    if q["lead_in_word"].search(body) is None:  # no "here"/"below": no announcing sentence to look for
        return False
    # any sentence of the paragraph: sentence ends are guessed ("C.K. Walker" splits one), and a paragraph
    # that announces an excerpt introduces what follows it whatever the writer adds after the announcement
    starts = [0] + [m.end() for m in _SENTENCE_END_RE.finditer(body)]
    return any(_quoting()["lead_in_sentence"].match(body[k:].lstrip(" \"“”’')")) for k in starts)


def wire_flash(text: str) -> str | None:
    """The wire service of a flash pasted verbatim ("06.48 Reuters - AGENCY SAYS BODY RECOVERED …"): a
    known outlet, then a headline in capitals; None for anything else."""
    q = _quoting()
    m = q["wire_flash"].match(" ".join(text.split()))
    if m is None or len(_WORD_RE.findall(m.group("flash"))) < q["flash_min_words"]:
        return None
    profile = lookup_name(m.group("outlet").strip())
    return str(profile.name) if profile is not None else None


def source_credits(texts: list[str]) -> dict[int, str]:
    """The paragraphs (by index) that credit the post's source, and the outlet each names."""
    return {i: name for i, t in enumerate(texts) if (name := source_credit(t)) is not None}


def credited_after(credits: dict[int, str], index: int) -> str | None:
    """The outlet of the first source credit after paragraph `index`, if any."""
    return next((credits[k] for k in sorted(credits) if k > index), None)


def lead_in_outlet(text: str, start: int, end: int, mentions: list[OutletMention]) -> str | None:
    """The outlet an introducing paragraph names as the carrier: in its last sentence, else its last one."""
    carriers = carrier_mentions(text, mentions, start, end)
    if not carriers:
        return None
    body = text[start:end].rstrip()
    ends = [m.end() for m in _SENTENCE_END_RE.finditer(body[:-1])]
    last_sentence = start + (ends[-1] if ends else 0)
    in_last = [m for m in carriers if m.start >= last_sentence]
    return _canonical((in_last[0] if in_last else carriers[-1]).canonical)


def _is_own_outlet(outlet: str, doc: Document) -> bool:
    """Whether an outlet is the page's own (its site name or the outlet of its domain)."""
    own = [doc.site or ""]
    host = url_host(doc.url)
    if host and (profile := lookup_domain(host)) is not None:
        own.append(str(profile.name))
    names = {_compact(_canonical(n)) for n in own if n} | {_compact(n) for n in own if n}
    key = _compact(outlet)
    return any(n and key and (n in key or key in n) for n in names)


def _quotation_left_open(text: str) -> bool:
    """Whether a paragraph opens a quotation it does not close (it goes on in the next paragraphs)."""
    t = text.strip()
    if t.startswith("“"):
        return t.count("“") > t.count("”")
    return t.startswith('"') and t.count('"') % 2 == 1


def _quotation_closed(text: str) -> bool:
    """Whether a paragraph closes a quotation an earlier paragraph left open."""
    return text.count("”") > text.count("“") or text.count('"') % 2 == 1


def _quotations_run_on(texts: list[str], quoted: list[bool], hints: dict[int, str]) -> None:
    """A passage paragraph that leaves a quotation open (the typographic convention for a quotation of
    several paragraphs: no closing mark until the last) carries the passage on to the paragraph that closes
    it, within `MAX_QUOTATION_PARAGRAPHS` (updates `quoted` and `hints`)."""
    for i in range(len(texts)):
        if not quoted[i] or not _quotation_left_open(texts[i]):
            continue
        reach = range(i + 1, min(len(texts), i + 1 + MAX_QUOTATION_PARAGRAPHS))
        ends = [j for j in reach if _quotation_closed(texts[j])]
        if not ends:
            continue
        for j in range(i + 1, ends[0] + 1):
            quoted[j] = True
            if i in hints:
                hints[j] = hints[i]


def _plain_heading(text: str) -> bool:
    """A plain-text section heading: one short line with no closing full stop, colon or quotation."""
    line = text.strip()
    return (
        "\n" not in line
        and 0 < len(line.split()) <= HEADING_MAX_WORDS
        and line[:1].isupper()
        and not line.endswith((".", ":", ";", ",", '"', "”", "’", "…"))
    )


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
        # a paragraph in the writer's own voice (first person, questions) is not pulled into a passage by
        # its news-like neighbours
        quoted = [
            (s > QUOTED_MIN_SCORE and regs[i].opinion < OPINION_BREAK)
            or (raw[i] >= STRONG_NEWS_SCORE and regs[i].opinion == 0)
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
        hints: dict[int, str] = {}  # body index -> the outlet a credit line or an introduction names
        # Blocks from markup carry no blank-line layout: there a quotation element says what is quoted.
        from_markup = any(b.kind == "blockquote" for b in body) or not all(
            "gap_before" in b.attrs for b in body
        )
        english = runs_english_layers(doc)
        if from_markup:
            labels = [QUOTED if b.kind == "blockquote" else EDITORIAL for b in body]
            self._social_posts_are_not_passages(body, texts, labels)
            self._introduced_quotations(doc, body, texts, labels, hints, mentions)
        elif body:
            quoted = [False] * len(body)
            if english:
                gaps = [int(b.attrs["gap_before"]) for b in body]
                quoted, smooth = voice_labels(texts, gaps)
                scores = [_confidence(s) for s in smooth]
                republished = _republished_by(texts)
                if republished is not None and not any(quoted):
                    quoted = [i != republished[0] for i in range(len(body))]
                else:
                    quoted = self._attributed_only(doc.text, body, quoted, mentions, hints)
            else:
                doc.warn("structure: quoted passages in unmarked text are recognised from English cues only")
            self._cued_passages(doc.text, body, texts, quoted, hints, mentions)
            _quotations_run_on(texts, quoted, hints)
            labels = [QUOTED if q else EDITORIAL for q in quoted]
        for i, t in enumerate(texts):
            if labels[i] == EDITORIAL and (flash := wire_flash(t)) and not _is_own_outlet(flash, doc):
                labels[i], hints[i] = QUOTED, flash
        passages = self._passages(doc.text, body, texts, labels, mentions, hints)
        for block in doc.blocks:
            if block.kind == "title":
                segments.append(Segment(block.start, block.end, TITLE, None, {}))
            elif block.kind == "comment":
                attrs = {k: block.attrs.get(k) for k in ("index", "depth", "parent", "author", "time")}
                segments.append(Segment(block.start, block.end, COMMENT, None, attrs))
        for i, block in enumerate(body):
            attrs = passages.get(i, {})
            segments.append(Segment(block.start, block.end, labels[i], scores[i], attrs))
        segments.sort(key=lambda s: s.start)
        return segments

    @staticmethod
    def _social_posts_are_not_passages(body: list[Any], texts: list[str], labels: list[str]) -> None:
        """An embedded post (a quotation ending in "— Name (@handle) date") is no outlet's passage, nor is
        a quotation that opens with its own speech attribution ("He told the interviewer: “…")."""
        speech = _quoting()["speech"]
        for i, text in enumerate(texts):
            if labels[i] != QUOTED:
                continue
            key = body[i].attrs.get("passage")
            opens = i == 0 or body[i - 1].kind != "blockquote" or body[i - 1].attrs.get("passage") != key
            if is_social_post_credit(text):
                j = i
                while j >= 0 and labels[j] == QUOTED and body[j].attrs.get("passage") == key:
                    labels[j] = EDITORIAL
                    j -= 1
            elif opens and speech.match(text):
                j = i
                while j < len(body) and body[j].kind == "blockquote" and body[j].attrs.get("passage") == key:
                    labels[j] = EDITORIAL
                    j += 1

    @staticmethod
    def _introduced_quotations(
        doc: Document,
        body: list[Any],
        texts: list[str],
        labels: list[str],
        hints: dict[int, str],
        mentions: list[OutletMention],
    ) -> None:
        """HTML: a paragraph that is one quotation from end to end, after an introduction naming another
        outlet as its carrier ("Twitter issued a statement to Slate …:"), is that outlet's passage though
        the markup does not quote it (updates `labels` and `hints`). The page's own outlet introducing
        its own correspondent is the page's text."""
        for i in range(1, len(body)):
            if labels[i] != EDITORIAL or labels[i - 1] != EDITORIAL or not introduces(texts[i - 1]):
                continue
            whole = texts[i].strip()
            if not _QUOTED_STRING_RE.fullmatch(whole) or len(whole.split()) < MIN_PASSAGE_WORDS:
                continue
            outlet = lead_in_outlet(doc.text, body[i - 1].start, body[i - 1].end, mentions)
            if outlet is not None and not _is_own_outlet(outlet, doc):
                labels[i] = QUOTED
                hints[i] = outlet

    @staticmethod
    def _attributed_only(
        text: str, body: list[Any], quoted: list[bool], mentions: list[OutletMention], hints: dict[int, str]
    ) -> list[bool]:
        """Voice-found runs that name an outlet carrying them and sit between the writer's own words; an
        unattributed run of news prose, or one that opens or goes on the page's own report (after a date
        line, after an introduction that already took its one paragraph), is the page's reporting, not a
        republished passage; a byline or a date line is no passage. A line crediting the post's source
        ("Source: KGUN 9") after a run names its carrier when the run names none (written to `hints`)."""
        texts = [text[b.start : b.end] for b in body]
        sources = source_credits(texts)
        out = [
            q and i not in sources and len(t.split()) >= MIN_PASSAGE_WORDS
            for i, (q, t) in enumerate(zip(quoted, texts, strict=True))
        ]
        i = 0
        while i < len(out):
            if not out[i]:
                i += 1
                continue
            j = i
            while j + 1 < len(out) and out[j + 1]:
                j += 1
            named = carrier_mentions(text, mentions, body[i].start, body[j].end)
            credited = credited_after(sources, j)
            # a change of voice on both sides: the writer's own words (first person, questions) around it
            framed = all(k < 0 or k >= len(out) or register(texts[k]).opinion > 0 for k in (i - 1, j + 1))
            if (not named and not credited) or not framed:
                out[i : j + 1] = [False] * (j + 1 - i)
            elif not named and credited:
                hints.update({k: credited for k in range(i, j + 1)})
            i = j + 1
        return out

    @staticmethod
    def _cued_passages(
        text: str,
        body: list[Any],
        texts: list[str],
        quoted: list[bool],
        hints: dict[int, str],
        mentions: list[OutletMention],
    ) -> None:
        """Plain text: passages a credit line closes or an introducing sentence opens (updates `quoted`)."""
        credits = {i: name for i, t in enumerate(texts) if (name := credit_line(t)) is not None}
        sources = source_credits(texts)
        for i, outlet in credits.items():
            quoted[i] = False
            run: list[int] = []
            j = i - 1
            while j >= 0 and j not in credits and not _plain_heading(texts[j]) and not introduces(texts[j]):
                run.append(j)
                j -= 1
            if j < 0:  # nothing bounds it: only the paragraph right above is surely the credited one
                run = run[:1]
            for k in run:
                quoted[k] = True
                hints[k] = outlet
        for i, t in enumerate(texts[:-1]):
            nxt = i + 1
            if not introduces(t) or nxt in credits or nxt in hints or _plain_heading(texts[nxt]):
                continue
            # the outlet the introduction names, else the one the post credits as its source after it
            introduced = lead_in_outlet(text, body[i].start, body[i].end, mentions) or credited_after(
                sources, i
            )
            if introduced is None:
                continue
            quoted[i], quoted[nxt] = False, True
            hints[nxt] = introduced
            # the introduction opens one paragraph: news prose after it needs evidence of its own
            k = nxt + 1
            while k < len(texts) and quoted[k] and k not in hints:
                quoted[k] = False
                k += 1

    def _passages(
        self,
        text: str,
        body: list[Any],
        texts: list[str],
        labels: list[str],
        mentions: list[OutletMention],
        hints: dict[int, str],
    ) -> dict[int, dict[str, Any]]:
        """attrs (outlet, url, passage) of each quoted body block, by its index in `body`."""
        runs: list[list[int]] = []
        for i, label in enumerate(labels):
            key = body[i].attrs.get("passage") if body[i].kind == "blockquote" else None
            prev_key = body[i - 1].attrs.get("passage") if i and body[i - 1].kind == "blockquote" else None
            same_hint = not runs or hints.get(i) == hints.get(i - 1)
            if label == QUOTED and runs and runs[-1][-1] == i - 1 and key == prev_key and same_hint:
                runs[-1].append(i)
            elif label == QUOTED:
                runs.append([i])
        republished = _republished_by(texts)
        out: dict[int, dict[str, Any]] = {}
        previous: tuple[int, str | None] = (-2, None)  # (last block of the previous run, its outlet)
        for n, run in enumerate(runs):
            cite = next((body[i].attrs.get("cite") for i in run if body[i].attrs.get("cite")), None)
            outlet = self._run_outlet(text, body, texts, labels, run, cite, mentions, hints)
            if outlet is None and previous[0] == run[0] - 1:
                outlet = previous[1]  # a passage right after another, with no word of the writer's between
            outlet = outlet or (republished[1] if republished else None)
            previous = (run[-1], outlet)
            for i in run:
                out[i] = {"outlet": outlet, "url": cite, "passage": n}
        return out

    @staticmethod
    def _run_outlet(
        text: str,
        body: list[Any],
        texts: list[str],
        labels: list[str],
        run: list[int],
        cite: str | None,
        mentions: list[OutletMention],
        hints: dict[int, str],
    ) -> str | None:
        """The outlet that carried one passage (see the module docstring for the order of the evidence)."""
        if run[0] in hints:
            return hints[run[0]]
        credited = next((c for i in run if (c := credit_line(str(body[i].attrs.get("credit") or "")))), None)
        if credited:
            return credited
        after = run[-1] + 1
        if after < len(body) and labels[after] == EDITORIAL and (credit := credit_line(texts[after])):
            return credit
        host = url_host(cite)
        if host and (profile := lookup_domain(host)) is not None:
            return str(profile.name)
        before = run[0] - 1
        lead_in = before >= 0 and labels[before] == EDITORIAL
        if lead_in and introduces(texts[before]):
            outlet = lead_in_outlet(text, body[before].start, body[before].end, mentions)
            if outlet:
                return outlet
        ranges = [(body[i].start, body[i].end) for i in run]
        # With a cite URL every name inside may spell out its host ("told the Tribune" on tribune.example);
        # without one, only a name that carries words can be the passage's outlet.
        inside = mentions if host else [m for a, b in ranges for m in carrier_mentions(text, mentions, a, b)]
        outlet = passage_outlet(ranges, cite, inside)
        if outlet is None and lead_in:  # "The Times reported on Tuesday." then the passage
            outlet = passage_outlet([(body[before].start, body[before].end)], None, mentions)
        return outlet

    def set_annotations(self, doc: Document, result: list[Segment]) -> None:
        layer = doc.layer(STRUCTURE)
        layer.clear()
        for seg in result:
            doc.add(STRUCTURE, Span(seg.start, seg.end, seg.label, seg.score, seg.attrs, stage=self.name))
