"""The quotes stage's rules on hand-made spans: quotation marks, kinds, linking contents to cues and
sources, pronoun speakers, the chain of custody and the per-speaker summary."""

from __future__ import annotations

from unspun.document import (
    COMMENT,
    EDITORIAL,
    ENTITIES,
    OUTLETS,
    QUOTED,
    QUOTES,
    SENTENCES,
    STRUCTURE,
    Document,
    Span,
)
from unspun.stages.quotes import (
    Relation,
    RoleSpan,
    custody_chain,
    fit_quote_marks,
    kind_of,
    link,
    quotes_summary,
    resolve_pronoun,
)


def role(text: str, part: str, name: str, after: int = 0) -> RoleSpan:
    start = text.index(part, after)
    return RoleSpan(name, start, start + len(part), 0.9)


def test_a_quotation_is_widened_to_its_marks_and_trailing_comma() -> None:
    text = "“We endorse her without hesitation,” the daily wrote."
    start = text.index("We")
    end = text.index("hesitation") + len("hesitation")
    lo, hi = fit_quote_marks(start, end, text)
    assert text[lo:hi] == "“We endorse her without hesitation,”"
    # reported speech is left as the tagger read it: no marks to fit
    text = "She said that the port was sold."
    start = text.index("the port")
    assert fit_quote_marks(start, len(text) - 1, text) == (start, len(text) - 1)
    # a part of a text starting at character 100
    lo, hi = fit_quote_marks(100 + 1, 100 + 3, '"ab," c', 100)
    assert (lo, hi) == (100, 105)


def test_kinds() -> None:
    assert kind_of("“We reached the best outcome available under the contract,”") == "direct"
    assert kind_of('the company had "always acted within the terms of its lease."') == "mixed"
    assert kind_of("that at least 40 containers were moved off the books") == "indirect"


def test_link_pairs_contents_with_the_nearest_cue_and_its_source() -> None:
    text = "“It is over,” Whitfield told the Ledger. Oduya said the company had acted lawfully, adding more."
    content1 = role(text, "“It is over,”", "content")
    source1 = role(text, "Whitfield", "source")
    cue1 = role(text, "told", "cue")
    source2 = role(text, "Oduya", "source")
    cue2 = role(text, "said", "cue")
    content2 = role(text, "the company had acted lawfully", "content")
    cue3 = role(text, "adding", "cue")
    content3 = role(text, "more", "content")
    rels = link([content1, source1, cue1, source2, cue2, content2, cue3, content3])
    assert [(r.content, r.cue, r.source, r.source_shared) for r in rels] == [
        (content1, cue1, source1, False),
        (content2, cue2, source2, False),
        (content3, cue3, source2, True),  # "adding" continues Oduya's source
    ]


def test_a_content_without_a_cue_nearby_is_no_relation() -> None:
    text = "The port was sold." + " " * 300 + "she said"
    assert link([role(text, "The port was sold", "content"), role(text, "said", "cue")]) == []


def test_a_pronoun_speaker_resolves_to_the_nearest_earlier_person() -> None:
    text = "The Port Authority confirmed it. Rita Alvarez objected. She said she would demand an audit."
    doc = Document(text=text)
    authority, alvarez, she = (
        role(text, "The Port Authority", "source"),
        role(text, "Rita Alvarez", "source"),
        role(text, "She", "source"),
    )
    doc.add(ENTITIES, Span(alvarez.start, alvarez.end, "PERSON", None, {}, "entities"))
    doc.add(ENTITIES, Span(authority.start + 4, authority.end, "ORG", None, {}, "entities"))
    assert resolve_pronoun(doc, she, [authority, alvarez]) == alvarez
    # "it" skips the person for the organisation
    it = RoleSpan("source", 0, 0, 1.0)
    doc2 = Document(text="it")
    doc2.layers = doc.layers
    doc2.text = text + " it"
    it = RoleSpan("source", len(text) + 1, len(text) + 3, 1.0)
    assert resolve_pronoun(doc2, it, [authority, alvarez]) == authority
    # a name is never "resolved"
    assert resolve_pronoun(doc, alvarez, [authority]) is None


def port_doc() -> tuple[Document, Relation, Relation]:
    own = "The mayor lied again."
    passage = "“We reached the best outcome,” Dana Whitfield told the Ledger."
    comment = "The mayor's office said the same thing in 2019."
    text = f"{own}\n\n{passage}\n\n{comment}"
    doc = Document(text=text, site="The Dockside Patriot")
    p0, c0 = text.index(passage), text.index(comment)
    doc.add(STRUCTURE, Span(0, len(own), EDITORIAL, None, {}, "structure"))
    doc.add(STRUCTURE, Span(p0, p0 + len(passage), QUOTED, None, {"outlet": "Coastal Ledger"}, "structure"))
    doc.add(STRUCTURE, Span(c0, len(text), COMMENT, None, {"index": 0, "author": "Fred M."}, "structure"))
    for s, e in ((0, len(own)), (p0, p0 + len(passage)), (c0, len(text))):
        doc.add(SENTENCES, Span(s, e, "sentence", None, {}, "sentences"))
    ledger = text.index("the Ledger")
    doc.add(
        OUTLETS,
        Span(ledger, ledger + len("the Ledger"), "outlet", None, {"canonical": "Coastal Ledger"}, "outlets"),
    )
    quote = Relation(
        role(text, "“We reached the best outcome,”", "content"),
        role(text, "told", "cue"),
        role(text, "Dana Whitfield", "source"),
    )
    said = Relation(
        role(text, "the same thing in 2019", "content"),
        role(text, "said", "cue"),
        role(text, "The mayor's office", "source"),
    )
    return doc, quote, said


def test_the_chain_runs_from_the_speaker_through_the_outlets_to_the_page() -> None:
    doc, quote, said = port_doc()
    chain = custody_chain(doc, quote, "Dana Whitfield", None)
    assert [link["name"] for link in chain] == ["Dana Whitfield", "Coastal Ledger", "The Dockside Patriot"]
    assert [link["role"] for link in chain] == ["speaker", "outlet", "page"]
    chain = custody_chain(doc, said, "The mayor's office", None)
    assert [(link["role"], link["name"]) for link in chain] == [
        ("speaker", "The mayor's office"),
        ("commenter", "Fred M."),
        ("page", "The Dockside Patriot"),
    ]
    # reported inside another relation: the outer relation's chain follows
    outer = [{"role": "speaker", "name": "the agency's owner"}, {"role": "page", "name": "blog"}]
    chain = custody_chain(doc, said, "a fighter", outer)
    assert [(link["role"], link["name"]) for link in chain] == [
        ("speaker", "a fighter"),
        ("reported_by", "the agency's owner"),
        ("page", "blog"),
    ]


def test_the_summary_lists_what_each_speaker_and_outlet_said() -> None:
    doc, quote, _ = port_doc()
    attrs = {
        "speaker": {"start": quote.source.start, "end": quote.source.end, "text": "Dana Whitfield"},
        "outlet": "Coastal Ledger",
    }
    doc.add(QUOTES, Span(quote.start, quote.end, "direct", 0.9, attrs, "quotes"))
    summary = quotes_summary(doc, doc.layers[QUOTES])
    assert summary["by_speaker"] == {"Dana Whitfield": ["“We reached the best outcome,”"]}
    assert summary["by_outlet"] == {"Coastal Ledger": ["“We reached the best outcome,”"]}


def test_a_role_span_is_widened_to_the_words_it_cuts() -> None:
    from unspun.stages.quotes import whole_words

    text = "The mayor's office said so."
    start = text.index("s office")
    assert text[slice(*whole_words(start, start + len("s office"), text))] == "mayor's office"
    assert whole_words(4, 9, text) == (4, 9)  # "mayor" is whole already
    assert text[slice(*whole_words(0, 2, text))] == "The"
