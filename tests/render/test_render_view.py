"""The web page's view of an analysis: the HTML report's blocks, highlights and tables as plain data."""

from __future__ import annotations

from unspun.document import Document, Span
from unspun.render.view import page_view


def test_view_of_the_full_analysis(port_deal_analysis: Document) -> None:
    data = port_deal_analysis.to_dict()
    view = page_view(data)
    text = data["document"]["text"]
    assert view["text"] == text and view["title"] == data["document"]["title"]
    # one block per structure span, captioned by voice, comments with their depth
    kinds = [b["kind"] for b in view["blocks"]]
    assert kinds.count("comment") == 4 and kinds.count("quoted") == 4 and kinds[0] == "title"
    reply = [b for b in view["blocks"] if b["kind"] == "comment" and b["depth"] == 1]
    assert len(reply) == 1 and "Kay" in reply[0]["caption"]
    quoted = [b for b in view["blocks"] if b["kind"] == "quoted"][0]
    assert quoted["caption"] == "quoted — Coastal Ledger"
    layers = {layer["name"]: layer for layer in view["layers"]}
    assert list(layers) == ["quotes", "propaganda", "hate", "claims", "entities", "outlets", "rationale"]
    # normal hate spans are not drawn; the hate span carries its title; its rationale words are a layer
    hate = layers["hate"]
    assert [s["label"] for s in hate["spans"]] == ["hate"] and hate["labels"]["hate"]["count"] == 1
    assert "targets: Refugee" in hate["spans"][0]["title"]
    words = [text[s["start"] : s["end"]] for s in layers["rationale"]["spans"]]
    assert words == ["illegals", "vermin", "thrown out with the trash"]
    assert layers["hate"]["labels"]["hate"]["colour"] == "#dc2626"
    tables = {t["layer"]: t for t in view["tables"]}
    expected = {"structure", "hate", "entities", "outlets", "summary", "quotes", "propaganda", "claims"}
    assert expected <= set(tables)
    assert tables["hate"]["rows"][0][3] == "Refugee"
    assert view["warnings"] == ["propaganda: a hand-built warning <b>to render</b>"]


def test_a_later_layer_is_drawn_and_listed() -> None:
    doc = Document(text="The port will reopen, they said.", language="en")
    doc.add("structure", Span(0, 32, "editorial", None, {}, "structure"))
    doc.add("stance", Span(0, 20, "favour", 0.8, {}, "stance"))
    view = page_view(doc.to_dict())
    (layer,) = view["layers"]
    assert layer["name"] == "stance" and not layer["known"] and layer["spans"][0]["label"] == "favour"
    table = [t for t in view["tables"] if t["layer"] == "stance"][0]
    assert table["rows"] == [["favour", "0.80", "The port will reopen"]]
