"""The parse rules of the quotes layer on sentences of the example page's kind (spaCy's real parse)."""

from __future__ import annotations

from unspun.document import EDITORIAL, STRUCTURE, Document, Span
from unspun.nlp import parse_segments
from unspun.stages.attribution_rules import merge_relations, rule_relations
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


def test_no_speech_verb_no_relation() -> None:
    assert relations("The port lost $2 million last year, and the mayor resigned.") == []


def test_merge_keeps_the_tagger_and_adds_what_it_missed() -> None:
    def rel(a: int, b: int) -> Relation:
        return Relation(RoleSpan("content", a, b, 0.5), None, None)

    tagged, ruled = [rel(0, 10)], [rel(5, 12), rel(20, 30)]
    assert [(r.start, r.end) for r in merge_relations(tagged, ruled)] == [(0, 10), (20, 30)]
