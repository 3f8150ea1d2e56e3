"""The parse rules of the quotes layer on sentences of the example page's kind (spaCy's real parse)."""

from __future__ import annotations

from unspun.document import EDITORIAL, STRUCTURE, Document, Span
from unspun.nlp import parse_segments
from unspun.stages.attribution_rules import merge_relations, merge_spans, rule_relations
from unspun.stages.quotes import Relation, RoleSpan


def relations(text: str) -> list[tuple[str, str, str]]:
    doc = Document(text=text)
    doc.add(STRUCTURE, Span(0, len(text), EDITORIAL, None, {}, "structure"))
    rels = rule_relations(parse_segments(doc), text)

    def t(s: RoleSpan | None) -> str:
        return text[s.start : s.end] if s else ""

    return [(t(r.source), t(r.cue), t(r.content)) for r in rels]


def test_a_speech_verb_with_subject_and_clause() -> None:
    text = "Harbor officials confirmed on Tuesday that Meridian Freight will keep $4.2 million in fees."
    assert relations(text) == [
        ("Harbor officials", "confirmed", "that Meridian Freight will keep $4.2 million in fees")
    ]


def test_a_quotation_beside_its_speaker_and_verb() -> None:
    text = '"We reached the best outcome available under the contract," spokesperson Dana Whitfield told '
    text += "the Ledger."
    assert relations(text) == [
        (
            "spokesperson Dana Whitfield",
            "told",
            '"We reached the best outcome available under the contract,"',
        )
    ]


def test_according_to() -> None:
    text = "According to the city's auditor, the port lost $2 million last year."
    assert relations(text) == [("the city's auditor", "According to", "the port lost $2 million last year")]


def test_a_quotation_inside_a_noun_phrase_is_not_what_the_verb_reports() -> None:
    assert relations('So much for the "tough on corruption" mayor we were all promised.') == []


def test_no_speech_verb_no_relation() -> None:
    assert relations("The port lost $2 million last year, and the mayor resigned.") == []


def test_merge_prefers_the_rules_where_both_read_a_relation() -> None:
    def rel(a: int, b: int, cue: tuple[int, int] | None = None) -> Relation:
        return Relation(RoleSpan("content", a, b, 0.5), RoleSpan("cue", *cue, 0.5) if cue else None, None)

    tagged = [rel(0, 10), rel(40, 50, (52, 56)), rel(70, 80)]
    ruled = [rel(5, 12), rel(20, 30, (53, 55))]
    # the first tagged relation shares its content with a rule's, the second its cue; the third stands
    assert [(r.start, r.end) for r in merge_relations(tagged, ruled)] == [(5, 12), (20, 30), (70, 80)]
    spans = [RoleSpan("content", 0, 10, 0.5), RoleSpan("cue", 60, 62, 0.5), RoleSpan("source", 6, 9, 0.5)]
    merged = merge_spans(spans, ruled)
    # a tagged span gives way to a rule span of its role only
    assert [(s.role, s.start) for s in merged] == [
        ("content", 5),
        ("source", 6),
        ("content", 20),
        ("cue", 53),
        ("cue", 60),
    ]
