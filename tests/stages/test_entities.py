"""The entities stage: NER mentions, their clusters, canonical names and labels."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest

from unspun.document import Document, Span, validate
from unspun.nlp import PARSE_KEY
from unspun.pipeline import Pipeline
from unspun.readers import extract, source_from_string
from unspun.stages.entities import KEPT_LABELS, find_entities

pytestmark = pytest.mark.model
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def pipeline() -> Pipeline:
    return Pipeline(["structure", "sentences", "entities"])


@pytest.fixture(scope="module")
def port_deal(pipeline: Pipeline) -> Document:
    return pipeline.analyze((ROOT / "examples" / "port-deal.txt").read_text("utf-8"))


def clusters(doc: Document) -> dict[int, list[tuple[str, str, str]]]:
    """cluster id -> [(mention text, label, canonical)]."""
    out: dict[int, list[tuple[str, str, str]]] = defaultdict(list)
    for s in doc.layers["entities"]:
        out[s.attrs["cluster"]].append((doc.span_text(s), s.label, s.attrs["canonical"]))
    return out


def cluster_of(doc: Document, text: str) -> list[tuple[str, str, str]]:
    found = [c for c in clusters(doc).values() if any(t == text for t, _, _ in c)]
    assert len(found) == 1, f"{text!r} is in {len(found)} clusters"
    return found[0]


def entities_of(text: str) -> Document:
    doc = Document(text=text)
    doc.add("structure", Span(0, len(text), "editorial"))
    for m in find_entities(doc):
        attrs = {"canonical": m.canonical, "cluster": m.cluster}
        doc.add("entities", Span(m.start, m.end, m.label, attrs=attrs))
    return doc


@pytest.mark.parametrize("name", ["Dana Whitfield", "Paul Oduya", "Rita Alvarez"])
def test_port_deal_people(port_deal: Document, name: str) -> None:
    members = cluster_of(port_deal, name)
    assert {label for _, label, _ in members} == {"PERSON"}
    assert {canonical for _, _, canonical in members} == {name}


def test_port_deal_organisations(port_deal: Document) -> None:
    authority = cluster_of(port_deal, "Port Authority")
    assert len(authority) >= 3 and {(label, c) for _, label, c in authority} == {("ORG", "Port Authority")}
    meridian = cluster_of(port_deal, "Meridian Freight")
    assert {t for t, _, _ in meridian} == {"Meridian Freight", "Meridian"}
    assert {(label, c) for _, label, c in meridian} == {("ORG", "Meridian Freight")}


def test_port_deal_outlet_and_its_short_form_are_one_org(port_deal: Document) -> None:
    ledger = cluster_of(port_deal, "Coastal Ledger")
    assert sorted(t for t, _, _ in ledger) == ["Coastal Ledger", "Ledger"]
    assert {(label, c) for _, label, c in ledger} == {("ORG", "Coastal Ledger")}


def test_only_kept_labels_and_no_numbers(port_deal: Document) -> None:
    assert {s.label for s in port_deal.layers["entities"]} <= KEPT_LABELS
    texts = {port_deal.span_text(s) for s in port_deal.layers["entities"]}
    assert not texts & {"Tuesday", "$4.2 million", "March", "2019", "at least 40", "Two"}
    validate(port_deal.to_dict())


def test_entities_reuse_the_sentence_parse(pipeline: Pipeline) -> None:
    doc = extract(source_from_string("Dana Whitfield spoke.\n\nShe left."))
    for stage in pipeline.stages:  # stage by stage: the pipeline drops the parses when it is done
        stage(doc)
    parsed = doc.parses[PARSE_KEY]
    find_entities(doc)
    assert doc.parses[PARSE_KEY] is parsed


def test_defined_acronym_joins_its_long_name() -> None:
    doc = entities_of("Fighters of the Syrian Democratic Forces (SDF) took the town on Friday. "
                      "Later the SDF said its troops had withdrawn.")
    sdf = cluster_of(doc, "Syrian Democratic Forces")
    assert [t for t, _, _ in sdf] == ["Syrian Democratic Forces", "SDF", "SDF"]
    assert {(label, c) for _, label, c in sdf} == {("ORG", "Syrian Democratic Forces")}


def test_alias_groups() -> None:
    doc = entities_of("The Islamic State claimed the attack. ISIS fighters had regrouped, and IS later "
                      "released a video. The UN condemned it, and the United Nations sent envoys.")
    isis = cluster_of(doc, "ISIS")
    assert {t for t, _, _ in isis} == {"Islamic State", "ISIS", "IS"}
    assert {(label, c) for _, label, c in isis} == {("ORG", "Islamic State")}
    un = cluster_of(doc, "UN")
    assert {t for t, _, _ in un} == {"UN", "United Nations"} and {c for _, _, c in un} == {"United Nations"}


def test_shouted_words_are_not_acronyms() -> None:
    doc = entities_of("I am done with this. THIS IS A SCAM AND US TAXPAYERS PAY FOR IT.")
    texts = {doc.span_text(s) for s in doc.layers.get("entities", [])}
    assert not texts & {"IS", "US", "SCAM"}


def test_surname_after_full_name_and_titled_person() -> None:
    doc = entities_of("Company spokeswoman Ines Varga told reporters the figures were wrong. "
                      "Varga said the firm would appeal, and Ms Varga repeated it on Friday.")
    varga = cluster_of(doc, "Ines Varga")
    assert [t for t, _, _ in varga] == ["Ines Varga", "Varga", "Varga"]
    assert {(label, c) for _, label, c in varga} == {("PERSON", "Ines Varga")}


def test_possessive_and_article_are_not_in_the_canonical_name() -> None:
    doc = entities_of("The board of Baltic Lines met on Monday. Baltic Lines' lawyers and the Harbor "
                      "Council's staff attended.")
    for s in doc.layers["entities"]:
        assert not s.attrs["canonical"].lower().startswith("the ")
        assert not s.attrs["canonical"].endswith(("'s", "'"))


def test_particle_surname_is_one_person() -> None:
    doc = entities_of(
        "European Commission President Ursula von der Leyen said the bloc would respond. "
        "Von der Leyen added that talks would continue."
    )
    person = cluster_of(doc, "Ursula von der Leyen")
    assert {t for t, _, _ in person} == {"Ursula von der Leyen", "Von der Leyen"}
    assert {(label, c) for _, label, c in person} == {("PERSON", "Ursula von der Leyen")}
    assert not any(doc.span_text(s) == "Leyen" for s in doc.layers["entities"])


def test_nationality_is_not_an_organisations_short_form() -> None:
    doc = entities_of(
        "The Syrian Democratic Forces (SDF) said on Monday that Syrian troops had moved north of the river."
    )
    sdf = cluster_of(doc, "SDF")
    assert "Syrian" not in {t for t, _, _ in sdf}


def test_dateline_capitals_are_a_place() -> None:
    doc = entities_of("BEIRUT (Reuters) - Officials in Lebanon said on Monday that the port would reopen.")
    assert [label for t, label, _ in cluster_of(doc, "BEIRUT")] == ["GPE"]


def test_owner_possessive_splits_two_organisations() -> None:
    doc = entities_of("The video was distributed by RT's Ruptly agency on Tuesday, officials said.")
    texts = {doc.span_text(s): s.label for s in doc.layers["entities"]}
    assert texts.get("RT") == "ORG" and texts.get("Ruptly") == "ORG"
    assert "RT's Ruptly" not in texts
