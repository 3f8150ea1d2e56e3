"""Attribution by rule, from spaCy's dependency parse: the reported-speech patterns that need no learning.

The quotes stage's tagger reads frozen encoder states and misses edges a parse shows plainly, so three
patterns are read from the parse the sentence and entity stages already made (`unspun.nlp`):

- a speech verb of the lexicon (`data/speech_verbs.txt`) with a subject and a clausal complement: "Harbor
  officials *confirmed* that the consortium will keep …" — source = the subject's phrase, cue = the verb
  (with its particle: "pointed out"), content = the complement's phrase;
- a speech verb with a subject beside a quotation in its sentence that the parse links to it: "“We reached
  …,” Whitfield *told* the Ledger." — content = the quotation, marks and trailing comma included;
- "*according to* X, …" — source = X, content = the rest of the clause.

Each rule gives a `Relation` of the quotes stage; `merge_relations` prefers them to the tagger's where
both read the same relation (the evaluation measures what the rules add: docs/DECISIONS.md).
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources
from typing import Any

from unspun.nlp import ParsedSegment
from unspun.stages.quotes import Relation, RoleSpan, fit_quote_marks

#: a rule's relations carry this score (the tagger's carry their tags' mean probability)
RULE_SCORE = 1.0
_QUOTATION = re.compile(r"“[^”]{3,}”|\"[^\"\n]{3,}\"")
SUBJECTS = ("nsubj", "nsubjpass")


@cache
def speech_verbs() -> frozenset[str]:
    text = resources.files("unspun.data").joinpath("speech_verbs.txt").read_text("utf-8")
    return frozenset(line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#"))


def _phrase(seg: ParsedSegment, token: Any) -> tuple[int, int]:
    """A token's whole phrase (its subtree) in document offsets, trailing punctuation left out."""
    left, right = token.left_edge, token.right_edge
    while right.i > left.i and right.is_punct:
        right = right.doc[right.i - 1]
    return seg.start + left.idx, seg.start + right.idx + len(right.text)


def _role(name: str, span: tuple[int, int]) -> RoleSpan:
    return RoleSpan(name, span[0], span[1], RULE_SCORE)


def _cue(seg: ParsedSegment, verb: Any) -> tuple[int, int]:
    end = verb
    for child in verb.children:
        if child.dep_ == "prt" and child.i == end.i + 1:
            end = child
    return seg.start + verb.idx, seg.start + end.idx + len(end.text)


def _linked(seg: ParsedSegment, verb: Any, start: int, end: int) -> bool:
    """Whether the parse links the verb and the quotation at [start, end): a word of it hangs on the verb,
    or the verb on a word of it (a quotation inside a noun phrase — 'the "tough on crime" mayor we were
    promised' — is not what the verb reports)."""

    def inside(tok: Any) -> bool:
        return start <= seg.start + tok.idx < end

    return inside(verb.head) or any(inside(child) for child in verb.children)


def _quotation_beside(seg: ParsedSegment, sent: Any, verb: Any, text: str) -> tuple[int, int] | None:
    """The quotation of the sentence nearest the verb that does not hold it and that the parse links to it."""
    lo, hi = seg.start + sent.start_char, seg.start + sent.end_char
    at = seg.start + verb.idx
    found = [
        (m.start(), m.end())
        for m in _QUOTATION.finditer(text, lo, hi)
        if not m.start() <= at < m.end() and _linked(seg, verb, m.start(), m.end())
    ]
    if not found:
        return None
    start, end = min(found, key=lambda q: min(abs(q[0] - at), abs(q[1] - at)))
    return fit_quote_marks(start + 1, end - 1, text)


def _according_to(seg: ParsedSegment, sent: Any, tok: Any) -> Relation | None:
    """ "according to X, <content>" or "<content>, according to X" """
    nxt = tok.doc[tok.i + 1] if tok.i + 1 < len(tok.doc) else None
    if nxt is None or nxt.lower_ != "to":
        return None
    obj = next((c for c in nxt.children if c.dep_ == "pobj"), None)
    if obj is None:
        return None
    source = _phrase(seg, obj)
    cue = (seg.start + tok.idx, seg.start + nxt.idx + len(nxt.text))
    sent_lo, sent_hi = seg.start + sent.start_char, seg.start + sent.end_char
    before = (sent_lo, cue[0])
    after = (source[1], sent_hi)
    # the longer side of the sentence is the content, its commas and final stop left out
    lo, hi = max(before, after, key=lambda r: r[1] - r[0])
    text = seg.doc.text
    a, b = lo - seg.start, hi - seg.start
    while a < b and (text[a].isspace() or text[a] in ",;:"):
        a += 1
    while b > a and (text[b - 1].isspace() or text[b - 1] in ",;:."):
        b -= 1
    if b - a < 3:
        return None
    return Relation(
        _role("content", (seg.start + a, seg.start + b)), _role("cue", cue), _role("source", source)
    )


def rule_relations(segments: list[ParsedSegment], text: str) -> list[Relation]:
    """The relations the three patterns find in parsed segments of `text`, in text order."""
    verbs = speech_verbs()
    out: list[Relation] = []
    for seg in segments:
        for sent in seg.doc.sents:
            for tok in sent:
                low = tok.lower_
                if low == "according":
                    rel = _according_to(seg, sent, tok)
                    if rel is not None:
                        out.append(rel)
                    continue
                if low not in verbs or not tok.tag_.startswith("VB"):
                    continue
                subject = next((c for c in tok.children if c.dep_ in SUBJECTS), None)
                if subject is None:
                    continue
                complement = next((c for c in tok.children if c.dep_ == "ccomp"), None)
                content = None
                if complement is not None:
                    content = fit_quote_marks(*_phrase(seg, complement), text)
                    # a clause introduced by "that" starts at "that", as PolNeAR marks it
                    mark = next((c for c in complement.children if c.dep_ == "mark"), None)
                    if mark is not None and seg.start + mark.idx < content[0]:
                        content = (seg.start + mark.idx, content[1])
                else:
                    content = _quotation_beside(seg, sent, tok, text)
                if content is None:
                    continue
                source = _phrase(seg, subject)
                if source[0] < content[1] and content[0] < source[1]:
                    continue  # the subject lies inside the content: a misparse
                out.append(
                    Relation(_role("content", content), _role("cue", _cue(seg, tok)), _role("source", source))
                )
    return sorted(out, key=lambda r: r.start)


def merge_relations(tagged: list[Relation], ruled: list[Relation]) -> list[Relation]:
    """The rules' relations, and the tagger's whose content and cue no rule relation overlaps: where both
    read a relation, the parse's edges are the more precise (PolNeAR dev: docs/DECISIONS.md)."""

    def clashes(t: Relation, r: Relation) -> bool:
        same_cue = t.cue is not None and r.cue is not None and r.cue.overlaps(t.cue.start, t.cue.end)
        return r.content.overlaps(t.start, t.end) or same_cue

    kept = [t for t in tagged if not any(clashes(t, r) for r in ruled)]
    return sorted([*kept, *ruled], key=lambda r: r.start)


def merge_spans(tagged: list[RoleSpan], ruled: list[Relation]) -> list[RoleSpan]:
    """The role spans of a text once the rules have spoken: the rules' own, and the tagger's that no rule
    span of the same role overlaps."""
    from_rules = [s for r in ruled for s in (r.content, r.cue, r.source) if s is not None]
    kept = [t for t in tagged if not any(s.role == t.role and s.overlaps(t.start, t.end) for s in from_rules)]
    return sorted([*kept, *from_rules], key=lambda s: s.start)
