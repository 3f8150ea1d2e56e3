"""The data model: JSON round trip, schema, offsets."""

from __future__ import annotations

import json

import jsonschema
import pytest

from unspun.document import Document, Span, json_schema, validate


def test_round_trip_keeps_every_layer_span_and_attribute(port_deal_analysis: Document) -> None:
    data = port_deal_analysis.to_dict()
    validate(data)
    again = Document.from_dict(json.loads(json.dumps(data)))
    assert again.to_dict() == data
    assert again.text == port_deal_analysis.text
    assert {name: len(spans) for name, spans in again.layers.items()} == {
        name: len(spans) for name, spans in port_deal_analysis.layers.items()}


def test_span_text_is_derived_from_the_document(port_deal_analysis: Document) -> None:
    data = port_deal_analysis.to_dict()
    for spans in data["layers"].values():
        for s in spans:
            assert s["text"] == data["document"]["text"][s["start"] : s["end"]]


def test_blocks_and_parses_are_not_serialised() -> None:
    doc = Document(text="abc")
    doc.parses["nlp"] = object()
    data = doc.to_dict()
    assert "blocks" not in data and "parses" not in data and "blocks" not in data["document"]
    json.dumps(data)


def test_span_outside_the_text_is_refused() -> None:
    with pytest.raises(ValueError, match=r"span \[2, 9\) of layer 'entities' lies outside the text \(0..3\)"):
        Document(text="abc").add("entities", Span(2, 9, "ORG"))


def test_from_dict_refuses_another_schema_and_a_mismatched_span() -> None:
    doc = Document(text="Hello world")
    doc.add("structure", Span(0, 11, "editorial"))
    data = doc.to_dict()
    with pytest.raises(ValueError, match="not an unspun/1 document"):
        Document.from_dict({**data, "schema": "other/2"})
    data["layers"]["structure"][0]["text"] = "Goodbye"
    with pytest.raises(ValueError, match="does not match the document text"):
        Document.from_dict(data)


@pytest.mark.parametrize("mutate", [
    lambda d: d["layers"]["hate"][0].update(label="toxic"),
    lambda d: d["layers"]["hate"][0]["attrs"].pop("scores"),
    lambda d: d["layers"]["structure"][-1]["attrs"].pop("depth"),
    lambda d: d["layers"]["quotes"][0]["attrs"].update(speaker={"start": 0}),
    lambda d: d["layers"]["entities"][0]["attrs"].update(cluster=-1),
    lambda d: d["layers"]["claims"][0].update(score=1.5),
    lambda d: d["document"].pop("language"),
    lambda d: d.update(extra=1),
], ids=["hate-label", "hate-scores", "comment-depth", "speaker-ref", "cluster", "score-range", "language",
        "extra-key"])
def test_schema_rejects_a_broken_contract(port_deal_analysis: Document, mutate) -> None:
    data = port_deal_analysis.to_dict()
    mutate(data)
    with pytest.raises(jsonschema.ValidationError):
        validate(data)


def test_schema_is_a_valid_draft_2020_12_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(json_schema())
