"""The entities stage: people, organisations, places... and which mentions name the same entity.

Mentions come from spaCy's NER over the shared parse (`unspun.nlp.parse_segments`), from the outlet
gazetteer, from the names in data/org_aliases.json, and from acronyms defined in the text. Mentions of one
entity share a `cluster` id and a `canonical` name: "Syrian Democratic Forces (SDF)" and later "SDF"; "IS",
"ISIS" and "Islamic State"; "Meridian" after "Meridian Freight"; "Whitfield" after "Dana Whitfield"; "the
Ledger" after "the Coastal Ledger". A cluster takes one label, chosen by rules that say why (an outlet is an
ORG; a name ending in "Authority" or "Freight" is an ORG; else the majority of spaCy's labels).
"""

from __future__ import annotations

import bisect
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from unspun.document import ENTITIES, SENTENCES, Document, Span
from unspun.gazetteer import document_outlet_mentions, load_gazetteer, name_key
from unspun.nlp import ParsedSegment, load_spacy, parse_segments, spacy_available
from unspun.parts import Part
from unspun.pipeline import Stage, register_stage

# The NER labels kept. DATE, TIME, MONEY, PERCENT, QUANTITY, ORDINAL, CARDINAL are dropped: numbers belong
# to the claims layer, not to entities; LANGUAGE and WORK_OF_ART are too noisy in the small model to be worth
# a user's attention.
KEPT_LABELS: frozenset[str] = frozenset(
    {"PERSON", "ORG", "GPE", "NORP", "LOC", "FAC", "EVENT", "LAW", "PRODUCT"}
)
# When a cluster's mentions disagree and no rule decides, ties go to the label listed first.
LABEL_PRIORITY: tuple[str, ...] = ("ORG", "PERSON", "GPE", "NORP", "LOC", "FAC", "EVENT", "LAW", "PRODUCT")
# Words inside a name that are not part of its initials or its short forms ("Department of State").
CONNECTORS = frozenset({"of", "and", "&", "the", "for", "de", "du", "la", "al", "el", "on", "in"})
# Entity types of a word that is never an organisation's short form: "Syrian" of "Syrian Democratic Forces".
NOT_ORG_SHORT_FORMS = frozenset({"NORP", "GPE", "LANGUAGE"})
# Two-letter acronyms ("IS", "US", "UN") are only read as names outside shouting: in "THIS IS A SCAM" they
# are words. A match whose neighbouring words (looked for this many characters away) are capitals too is
# shouting.
SHOUTING_WINDOW = 40
# An acronym defined in parentheses: "Syrian Democratic Forces (SDF)".
ACRONYM_RE = re.compile(r"\((?P<acr>[A-Z][A-Za-z&.]{1,9})\)")
# How far before "(SDF)" its long name may start, in characters.
ACRONYM_LOOKBACK = 200
CAPITALISED_WORD_RE = re.compile(r"[^\W\d_][\w'’.&-]*")
# A dateline: the place in capitals that opens a report ("WASHINGTON (Reuters) -", "BEIRUT, Lebanon —").
DATELINE_RE = re.compile(
    r"[ \t]*(?P<place>[A-Z][A-Z .'-]{1,40}?)(?:,\s*[A-Z][\w. ]{1,30})?\s*(?:\([^)]{2,30}\)\s*)?[—–-]{1,2}\s"
)
# Characters looked at on either side of a person's name for its particles ("von der", "bin").
PARTICLE_WINDOW = 40
# An owner's possessive before a name ("RT's Ruptly"): the owner is its own mention.
POSSESSIVE_RE = re.compile(r"^(?P<owner>.+?)[’']s\s+(?=\S)")

# Cluster ids of a huge document's parts (`unspun.parts`) are offset by the part's index times this: more
# clusters than a part of 200,000 characters can hold.
CLUSTERS_PER_PART = 1_000_000

@dataclass(frozen=True, slots=True)
class EntityMention:
    """One mention in the entities layer; `cluster` is shared by all mentions of one entity."""

    start: int
    end: int
    label: str
    canonical: str
    cluster: int


@dataclass(frozen=True)
class _Aliases:
    group_of: dict[str, int]  # name key -> group index
    groups: list[dict[str, Any]]
    pattern: re.Pattern[str]
    org_heads: frozenset[str]
    person_titles: frozenset[str]
    honorifics: frozenset[str]
    name_particles: frozenset[str]


@cache
def _aliases() -> _Aliases:
    data = json.loads(resources.files("unspun.data").joinpath("org_aliases.json").read_text("utf-8"))
    group_of: dict[str, int] = {}
    names: set[str] = set()
    for i, group in enumerate(data["groups"]):
        for name in group["names"]:
            group_of.setdefault(name_key(name), i)
            names.add(name)
    alternation = "|".join(re.escape(n).replace(r"\ ", r"\s+") for n in sorted(names, key=len, reverse=True))
    pattern = re.compile(rf"(?<![\w.-])(?:{alternation})(?![\w-]|\.\w)")
    return _Aliases(
        group_of,
        data["groups"],
        pattern,
        frozenset(data["org_head_words"]),
        frozenset(data["person_titles"]),
        frozenset(data["honorifics"]),
        frozenset(data["name_particles"]),
    )


# -- mentions -------------------------------------------------------------------------------------------


@dataclass
class _Mention:
    start: int
    end: int
    text: str
    label: str | None  # spaCy's label, or the label a rule gives; None: decided by the cluster
    source: str  # ner, outlet, alias, acronym, short
    canonical: str | None = None  # a canonical name a source already knows (outlet, alias group)
    group: int | None = None  # alias group index
    links: list[str] = field(default_factory=list)  # name keys this mention is known to share an entity with


def _clean_text(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _trim_ent(seg: ParsedSegment, ent: Any) -> tuple[int, int] | None:
    """An entity's document offsets less a leading article or honorific ("Ms"), a trailing possessive and
    punctuation: "Ms Varga" is a mention of "Varga", which joins "Ines Varga"."""
    honorifics = _aliases().honorifics
    tokens = list(ent)
    while tokens and (tokens[0].lower_ == "the" or tokens[0].is_punct or tokens[0].lower_ in honorifics):
        tokens.pop(0)
    while tokens and (tokens[-1].lower_ in ("'s", "’s", "'") or tokens[-1].is_punct or tokens[-1].is_space):
        tokens.pop()
    if not tokens:
        return None
    return seg.start + tokens[0].idx, seg.start + tokens[-1].idx + len(tokens[-1].text)


def _titled_person(seg: ParsedSegment, ent: Any) -> str | None:
    """PERSON for a 2-3 word capitalised name right after a title or role ("spokeswoman Ines Varga"),
    which the small model sometimes tags PRODUCT or ORG; None when the rule does not apply."""
    aliases = _aliases()
    words = [t.text for t in ent if not t.is_punct]
    if not 2 <= len(words) <= 3 or ent.start == 0 or not all(w[0].isupper() for w in words):
        return None
    if words[-1] in aliases.org_heads:
        return None
    return "PERSON" if seg.doc[ent.start - 1].lower_ in aliases.person_titles else None


def _ner_mentions(doc: Document, segments: list[ParsedSegment]) -> list[_Mention]:
    out = []
    for seg in segments:
        for ent in seg.doc.ents:
            if ent.label_ not in KEPT_LABELS:
                continue
            offsets = _trim_ent(seg, ent)
            # an all-capitals "name" amid capitals is a shouted word ("THIS IS A SCAM"), not an entity
            if offsets is None:
                continue
            text = doc.text[offsets[0] : offsets[1]]
            if text.isupper() and _shouting(doc.text, *offsets):
                continue
            label = _titled_person(seg, ent) or ent.label_
            start, end = offsets
            if label == "PERSON":
                end = _through_particles(doc.text, end)
            owner = POSSESSIVE_RE.match(doc.text[start:end])
            if owner and _is_outlet_or_alias(owner.group("owner")):
                # "RT's Ruptly": two organisations, the owner and what it owns
                name = owner.group("owner")
                out.append(_Mention(start, start + len(name), _clean_text(name), "ORG", "ner"))
                start += owner.end()  # "RT's Ruptly": Ruptly (RT is found as an outlet of its own)
            if label != "GPE" and _in_dateline(doc.text, start, end):
                label = "GPE"  # the capitals opening a report are its place, whatever the tagger said
            out.append(_Mention(start, end, _clean_text(doc.text[start:end]), label, "ner"))
    return out


@cache
def _particle_surname_re() -> re.Pattern[str]:
    """Particles then a capitalised word, from a name's end: " von der Leyen", " der Leyen", " Leyen"."""
    particles = "|".join(map(re.escape, sorted(_aliases().name_particles, key=len, reverse=True)))
    return re.compile(rf"(?:[ \t]+(?:{particles}))*[ \t]+[^\W\d_a-z][\w'’-]*")


def _through_particles(text: str, end: int) -> int:
    """The end of a person's name that the tagger cut at or before its particles ("Ursula von der" +
    "Leyen", "Ursula" + "von der Leyen"): it runs on through them to the capitalised surname."""
    particles = _aliases().name_particles
    before = text[max(0, end - PARTICLE_WINDOW) : end].split()
    after = text[end : end + PARTICLE_WINDOW]
    ends_in_particle = bool(before) and before[-1] in particles
    next_is_particle = bool(after.split()) and after.split()[0] in particles
    if not (ends_in_particle or next_is_particle):
        return end
    m = _particle_surname_re().match(after)
    return end + m.end() if m else end


def _in_dateline(text: str, start: int, end: int) -> bool:
    """Whether text[start:end] is the place of a dateline ("WASHINGTON" in "WASHINGTON (Reuters) -")."""
    if not text[start:end].isupper():
        return False
    line_start = text.rfind("\n", 0, start) + 1
    m = DATELINE_RE.match(text, line_start)
    if m is None:
        return False
    return m.start("place") <= start and end <= m.end("place") + 1


def _is_outlet_or_alias(name: str) -> bool:
    from unspun.gazetteer import lookup_name

    return lookup_name(name) is not None or name_key(name) in _aliases().group_of


def _outlet_mentions(doc: Document, segments: list[ParsedSegment]) -> list[_Mention]:
    # over the whole text, so that "the Ledger" in one paragraph resolves to "the Coastal Ledger" in another
    return [
        _Mention(m.start, m.end, _clean_text(m.name), "ORG", "outlet", canonical=m.canonical)
        for m in document_outlet_mentions(doc, within=_segment_spans(segments))
    ]


def _segment_spans(segments: list[ParsedSegment]) -> list[tuple[int, int]]:
    """The parsed pieces as (start, end); pieces of one long segment are separate texts here too."""
    return [(s.start, s.end) for s in segments]


def _shouting(text: str, start: int, end: int) -> bool:
    """Whether the words on either side of text[start:end] (on its line) are in capitals too."""
    before = re.findall(r"[^\W\d_]+", text[max(0, start - SHOUTING_WINDOW) : start].split("\n")[-1])
    after = re.findall(r"[^\W\d_]+", text[end : end + SHOUTING_WINDOW].split("\n")[0])
    neighbours = before[-1:] + after[:1]
    return bool(neighbours) and all(w.isupper() for w in neighbours)


def _alias_mentions(doc: Document, segments: list[ParsedSegment]) -> list[_Mention]:
    aliases = _aliases()
    out = []
    for start, end in _segment_spans(segments):
        for m in aliases.pattern.finditer(doc.text, start, end):
            name = m.group()
            if len(name) <= 2 and name.isupper() and _shouting(doc.text, m.start(), m.end()):
                continue
            group = aliases.group_of[name_key(name)]
            g = aliases.groups[group]
            out.append(
                _Mention(
                    m.start(),
                    m.end(),
                    _clean_text(name),
                    g["label"],
                    "alias",
                    canonical=g["names"][0],
                    group=group,
                )
            )
    return out


def _initials(words: list[str]) -> str:
    return "".join(w[0].upper() for w in words if w.lower() not in CONNECTORS)


def _acronym_mentions(doc: Document, segments: list[ParsedSegment]) -> list[_Mention]:
    """ "Long Name (LN)": the long name, the acronym, and every later use of the acronym, linked together."""
    out: list[_Mention] = []
    for start, end in _segment_spans(segments):
        for m in ACRONYM_RE.finditer(doc.text, start, end):
            acronym = m.group("acr")
            letters = "".join(c for c in acronym if c.isupper())
            before_start = max(start, m.start() - ACRONYM_LOOKBACK)
            before = doc.text[before_start : m.start()].rstrip()
            words = list(CAPITALISED_WORD_RE.finditer(before))
            # the longest run of words right before the parenthesis whose initials are the acronym's capitals
            best = None
            for i in range(len(words) - 1, -1, -1):
                run = words[i:]
                if any(before[a.end() : b.start()].strip() for a, b in zip(run, run[1:], strict=False)):
                    break
                texts = [w.group() for w in run]
                if not (texts[0][0].isupper() and texts[-1][0].isupper()):
                    continue
                if _initials(texts) == letters:
                    best = run
            if best is None or len(letters) < 2:
                continue
            long_start, long_end = before_start + best[0].start(), before_start + best[-1].end()
            long_text = _clean_text(doc.text[long_start:long_end])
            key = name_key(long_text)
            out.append(_Mention(long_start, long_end, long_text, None, "acronym", links=[name_key(acronym)]))
            acr_start = m.start("acr")
            out.append(_Mention(acr_start, acr_start + len(acronym), acronym, None, "acronym", links=[key]))
            for later in re.finditer(rf"(?<![\w.-]){re.escape(acronym)}(?![\w-])", doc.text):
                if later.start() != acr_start and _in_segments(later.start(), segments):
                    out.append(_Mention(later.start(), later.end(), acronym, None, "acronym", links=[key]))
    return out


def _in_segments(pos: int, segments: list[ParsedSegment]) -> bool:
    # segments are in text order and do not overlap: the one that could hold `pos` is found by bisection
    # (a linear scan per match made a page of 50,000 paragraphs quadratic)
    k = bisect.bisect_right(segments, pos, key=lambda s: s.start) - 1
    return k >= 0 and segments[k].start <= pos < segments[k].end


def _resolve_overlaps(mentions: list[_Mention]) -> list[_Mention]:
    """One mention per stretch of text: the longest; at equal extent, merge what each source knows."""
    precedence = {"outlet": 0, "alias": 1, "acronym": 2, "ner": 3, "short": 4}
    chosen: dict[tuple[int, int], _Mention] = {}
    # the chosen mentions never overlap, so kept sorted by start their ends are sorted too: whether a new
    # mention overlaps one of them is two comparisons with its neighbours (linear in the page, not quadratic)
    starts: list[int] = []
    ends: list[int] = []
    for m in sorted(mentions, key=lambda m: (-(m.end - m.start), precedence[m.source], m.start)):
        same = chosen.get((m.start, m.end))
        if same is not None:
            same.links.extend(m.links)
            if same.label is None or (m.source == "ner" and same.source == "acronym"):
                same.label = m.label or same.label
            continue
        k = bisect.bisect_left(starts, m.start)
        if (k > 0 and ends[k - 1] > m.start) or (k < len(starts) and starts[k] < m.end):
            continue
        starts.insert(k, m.start)
        ends.insert(k, m.end)
        chosen[(m.start, m.end)] = m
    return sorted(chosen.values(), key=lambda m: m.start)


# -- clusters -------------------------------------------------------------------------------------------


class _UnionFind:
    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def _words(text: str) -> list[str]:
    return [w for w in re.split(r"\s+", text) if w]


def _cluster(mentions: list[_Mention]) -> list[int]:
    """Cluster roots: same name key, same alias group, same outlet, acronym links, short forms."""
    uf = _UnionFind(len(mentions))
    first_by_key: dict[str, int] = {}
    first_by_group: dict[int, int] = {}
    first_by_canonical: dict[str, int] = {}
    for i, m in enumerate(mentions):
        for key in (name_key(m.text), *m.links):
            if key in first_by_key:
                uf.union(first_by_key[key], i)
            else:
                first_by_key[key] = i
        if m.group is not None:
            uf.union(first_by_group.setdefault(m.group, i), i)
        if m.source == "outlet" and m.canonical:
            uf.union(first_by_canonical.setdefault(name_key(m.canonical), i), i)
    return [uf.find(i) for i in range(len(mentions))]


def _short_form_owner(word: str, fulls: dict[str, list[int]]) -> int | None:
    owners = fulls.get(word, [])
    return owners[0] if len(set(owners)) == 1 else None


def _short_forms(
    doc: Document,
    segments: list[ParsedSegment],
    mentions: list[_Mention],
    roots: list[int],
    labels: dict[int, str],
) -> list[_Mention]:
    """Single-word mentions of a multi-word PERSON (its surname) or ORG (its first, distinctive word).

    "Whitfield" after "Dana Whitfield"; "Meridian" after "Meridian Freight". A word is only read as a short
    form when exactly one entity could own it, when the parser tags it a proper noun, and (for an ORG's
    first word) when the text never uses it as an ordinary lower-case word ("Port" of "Port Authority").
    """
    heads = _aliases().org_heads
    lower_words = {w.lower() for w in re.findall(r"\b[a-z][\w'-]*", doc.text)}
    surnames: dict[str, list[int]] = {}
    firsts: dict[str, list[int]] = {}
    for m, root in zip(mentions, roots, strict=True):
        words = _words(m.text)
        if len(words) < 2:
            continue
        if labels[root] == "PERSON":
            surnames.setdefault(words[-1], []).append(root)
        elif labels[root] == "ORG":
            first = words[0]
            if first.lower() not in CONNECTORS and first not in heads and first.lower() not in lower_words:
                firsts.setdefault(first, []).append(root)
    out: list[_Mention] = []
    for seg in segments:
        for token in seg.doc:
            if token.tag_ not in ("NNP", "NNPS"):
                continue
            owner = _short_form_owner(token.text, surnames)
            if owner is None and token.ent_type_ not in NOT_ORG_SHORT_FORMS:
                # "Syrian" (a nationality) is not a short form of "Syrian Democratic Forces"
                owner = _short_form_owner(token.text, firsts)
            if owner is None:
                continue
            start = seg.start + token.idx
            owner_mention = mentions[roots.index(owner)]
            out.append(
                _Mention(
                    start,
                    start + len(token.text),
                    token.text,
                    None,
                    "short",
                    links=[name_key(owner_mention.text)],
                )
            )
    return out


def _cluster_label(members: list[_Mention]) -> str:
    """The label of an entity, by the most reliable evidence first."""
    if any(m.source == "outlet" for m in members):
        return "ORG"  # a news outlet is an organisation, whatever the tagger thought ("Ledger": PRODUCT)
    groups = [m for m in members if m.group is not None]
    if groups:
        return _aliases().groups[groups[0].group]["label"]  # type: ignore[index]
    heads = _aliases().org_heads
    if any(len(_words(m.text)) > 1 and _words(m.text)[-1] in heads for m in members):
        return "ORG"  # "Meridian Freight", "Port Authority": the head word says organisation
    votes = Counter(m.label for m in members if m.label)
    if not votes:
        return "ORG"  # only acronym evidence: defined acronyms name organisations far more than anything
    # a longer mention is better evidence than a short form: weight by words
    weighted = Counter[str]()
    for m in members:
        if m.label:
            weighted[m.label] += len(_words(m.text))
    best = max(weighted.values())
    return next(label for label in LABEL_PRIORITY if weighted.get(label) == best)


def _canonical(members: list[_Mention]) -> str:
    known = [m.canonical for m in members if m.canonical]
    if known:
        return max(known, key=lambda c: (len(_words(c)), len(c)))
    best = max((m.text for m in members), key=lambda t: (len(_words(t)), len(t)))
    best = re.sub(r"^(?:the|The)\s+", "", best)
    return re.sub(r"[’']s$", "", best)


def find_entities(doc: Document) -> list[EntityMention]:
    """The entity mentions of a document, each with its cluster and canonical name (see module docstring)."""
    segments = parse_segments(doc)
    mentions = _resolve_overlaps(
        _outlet_mentions(doc, segments)
        + _alias_mentions(doc, segments)
        + _acronym_mentions(doc, segments)
        + _ner_mentions(doc, segments)
    )
    _link_particle_surnames(mentions)
    roots = _cluster(mentions)
    labels = _labels(mentions, roots)
    shorts = _short_forms(doc, segments, mentions, roots, labels)
    if shorts:
        mentions = _resolve_overlaps(mentions + shorts)
        roots = _cluster(mentions)
        labels = _labels(mentions, roots)
    members: dict[int, list[_Mention]] = {}
    for m, root in zip(mentions, roots, strict=True):
        members.setdefault(root, []).append(m)
    canonical = {root: _canonical(ms) for root, ms in members.items()}
    cluster_id: dict[int, int] = {}
    out = []
    for m, root in zip(mentions, roots, strict=True):
        cid = cluster_id.setdefault(root, len(cluster_id))
        out.append(EntityMention(m.start, m.end, labels[root], canonical[root], cid))
    return out


def _link_particle_surnames(mentions: list[_Mention]) -> None:
    """A mention that is a person's particle surname ("Von der Leyen", which the tagger may call an ORG)
    joins that person ("Ursula von der Leyen")."""
    particles = _aliases().name_particles
    surnames: dict[str, str] = {}
    if not any(m.label == "PERSON" and particles & set(_words(m.text)[1:-1]) for m in mentions):
        return
    for m in mentions:
        words = _words(m.text)
        if m.label == "PERSON" and len(words) >= 3 and words[-2].lower() in particles:
            k = len(words) - 1
            while k > 1 and words[k - 1].lower() in particles:
                k -= 1
            surnames.setdefault(name_key(" ".join(words[k:])), name_key(m.text))
    for m in mentions:
        person = surnames.get(name_key(m.text))
        if person is not None and person != name_key(m.text):
            m.links.append(person)
            m.label = "PERSON"


def _labels(mentions: list[_Mention], roots: list[int]) -> dict[int, str]:
    members: dict[int, list[_Mention]] = {}
    for m, root in zip(mentions, roots, strict=True):
        members.setdefault(root, []).append(m)
    return {root: _cluster_label(ms) for root, ms in members.items()}


@register_stage
class EntitiesStage(Stage[list[EntityMention]]):
    name = "entities"
    requires = (SENTENCES,)
    assigns = (ENTITIES,)
    # the English model's NER on other languages gives confident nonsense
    english_only = True
    part_wise = True

    def moved(self, span: Span, part: Part) -> Span:
        # clusters are numbered per part: numbered apart, the parts' clusters stay apart
        moved = super().moved(span, part)
        moved.attrs = {**span.attrs, "cluster": span.attrs["cluster"] + part.index * CLUSTERS_PER_PART}
        return moved

    @classmethod
    def available(cls) -> bool:
        return spacy_available()

    def initialize(self) -> None:
        load_spacy()
        load_gazetteer()
        _aliases()

    def predict(self, doc: Document) -> list[EntityMention]:
        return find_entities(doc)

    def set_annotations(self, doc: Document, result: list[EntityMention]) -> None:
        layer = doc.layer(ENTITIES)
        for m in result:
            layer.append(
                Span(
                    m.start,
                    m.end,
                    m.label,
                    attrs={"canonical": m.canonical, "cluster": m.cluster},
                    stage=self.name,
                )
            )
