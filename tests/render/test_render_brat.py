"""The brat rendering: type names that encode layer and label reversibly, the quotes layer written as PolNeAR
writes attributions, every layer read back as it was, and an annotator's edits read back with the edit."""

from __future__ import annotations

import random
import re
from typing import Any

import pytest
from render.bratcheck import assert_brat_reads

from unspun import brat
from unspun.document import Document, Span
from unspun.errors import BratError
from unspun.heads import PROPAGANDA_TECHNIQUES
from unspun.render.brat import (
    ANNOTATOR_STAGE,
    annotation_conf,
    layer_labels,
    parse_type_name,
    read_brat,
    render_brat,
    type_name,
    visual_conf,
)

BRAT_NAME = re.compile(r"^[A-Za-z0-9_-]+$")


# -- type names ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("layer", "label", "name"), [
    ("propaganda", "Name_Calling,Labeling", "propaganda_Name_Calling-2c-Labeling"),
    ("propaganda", "Flag-Waving", "propaganda_Flag--Waving"),
    ("propaganda", "Black-and-White_Fallacy", "propaganda_Black--and--White_Fallacy"),
    ("entities", "PERSON", "entities_PERSON"),
    ("claims", "check_worthy", "claims_check_worthy"),
    ("my_layer", "a b", "my-5f-layer_a-20-b"),
])
def test_type_names(layer: str, label: str, name: str) -> None:
    assert type_name(layer, label) == name
    assert parse_type_name(name) == (layer, label)


def test_type_names_are_reversible_and_in_brats_alphabet() -> None:
    rng = random.Random(12)
    alphabet = "ab_-,:| 0\t–é😀-2c_"
    cases = [("propaganda", t) for t in PROPAGANDA_TECHNIQUES]
    def word(low: int, high: int) -> str:
        return "".join(rng.choices(alphabet, k=rng.randint(low, high)))

    cases += [(word(1, 8), word(0, 12)) for _ in range(500)]
    for layer, label in cases:
        name = type_name(layer, label)
        assert BRAT_NAME.match(name), name
        assert parse_type_name(name) == (layer, label), name
    assert len({type_name(*case) for case in cases}) == len(set(cases))


@pytest.mark.parametrize("name", ["Source", "Discuss", "_label", "hate_a-zz-", "hate_a-b", "hate_é"])
def test_names_that_are_not_layer_types(name: str) -> None:
    with pytest.raises(ValueError):
        parse_type_name(name)


# -- the quotes layer, as PolNeAR writes attributions ------------------------------------------------------

QUOTES_TEXT = ('Rita Alvarez called the deal "a gift". She said it "treated our port like a vault" and added '
               'that the audit would come. It is said that the deal was rushed. "Follow the money." '
               'Officials said "no deal" and "no comment".')


def ref(text: str, phrase: str, after: int = 0) -> dict[str, Any]:
    start = text.index(phrase, after)
    return {"start": start, "end": start + len(phrase), "text": phrase}


def quotes_document() -> Document:
    """Quotes of every shape: shared speakers and cues, a pronoun speaker resolved, no speaker, no cue."""
    text = QUOTES_TEXT
    doc = Document(text=text, id="quotes.txt")
    rita, she, officials = ref(text, "Rita Alvarez"), ref(text, "She"), ref(text, "Officials")
    said = ref(text, "said", officials["start"])
    chain = [{"role": "speaker", "name": "Rita Alvarez"}, {"role": "outlet", "name": "Coastal Ledger"}]
    quotes = [
        ('"a gift"', "direct", rita, ref(text, "called"), {"outlet": "Coastal Ledger", "chain": chain}),
        ('it "treated our port like a vault"', "mixed", she, ref(text, "said"),
         {"outlet": "Coastal Ledger", "chain": chain, "speaker_resolved": rita}),
        ("the audit would come", "indirect", she, ref(text, "added"), {"outlet": None, "chain": []}),
        ("the deal was rushed", "indirect", None, ref(text, "is said"), {"outlet": None, "chain": []}),
        ('"Follow the money."', "direct", None, None, {"outlet": None, "chain": []}),
        ('"no deal"', "direct", officials, said, {"outlet": None, "chain": []}),
        ('"no comment"', "direct", officials, said, {"outlet": None, "chain": []}),
    ]
    for content, kind, speaker, cue, attrs in quotes:
        span = ref(text, content)
        voice = f"quoted:{speaker['text']}" if speaker else "quoted:unknown"
        doc.add("quotes", Span(span["start"], span["end"], kind, 0.8,
                               {"speaker": speaker, "cue": cue, **attrs, "voice": voice}, "quotes"))
    doc.add("entities", Span(rita["start"], rita["end"], "PERSON", None,
                             {"canonical": "Rita Alvarez", "cluster": 0}, "entities"))
    return doc


def lines(ann: str, prefix: str) -> list[str]:
    return [line for line in ann.splitlines() if line.startswith(prefix)]


def test_quotes_are_written_as_polnear_writes_attributions() -> None:
    ann = render_brat(quotes_document().to_dict()).ann
    assert lines(ann, "E") == [
        "E1\tAttribution:T5 Content:T4 Cue:T3 Source:T2",
        "E2\tAttribution:T9 Content:T8 Cue:T7 Source:T6",
        # "She" again: the same Source, referenced by a second event
        "E3\tAttribution:T12 Content:T11 Cue:T10 Source:T6",
        "E4\tAttribution-no-source:T15 Content:T14 Cue:T13",
        # no speaker and no cue: the trigger lies on the content
        "E5\tAttribution-no-source:T17 Content:T16",
        "E6\tAttribution:T21 Content:T20 Cue:T19 Source:T18",
        "E7\tAttribution:T21 Content:T22 Cue:T19 Source:T18",
    ]
    assert lines(ann, "T2\t") + lines(ann, "T3\t") + lines(ann, "T4\t") + lines(ann, "T5\t") == [
        "T2\tSource 0 12\tRita Alvarez", "T3\tCue 13 19\tcalled", 'T4\tContent 29 37\t"a gift"',
        "T5\tAttribution 13 19\tcalled"]
    assert "T17\tAttribution-no-source 157 176\t\"Follow the money.\"" in ann.splitlines()
    assert lines(ann, "A") == [f"A{n}\tKind E{n} {kind}" for n, kind in enumerate(
        ["direct", "mixed", "indirect", "indirect", "direct", "direct", "direct"], 1)]
    # the carrier, chain, voice and a resolved pronoun are in the event's note, as JSON
    parsed = brat.parse(ann, QUOTES_TEXT)
    assert '"outlet": "Coastal Ledger"' in (parsed.note_of("E1") or "")
    resolved = '"speaker_resolved": {"start": 0, "end": 12, "text": "Rita Alvarez"}'
    assert resolved in (parsed.note_of("E2") or "")


def test_quotes_read_as_polnear_attributions() -> None:
    """What a PolNeAR reader takes from each event: source, cue and content text, and the trigger's type."""
    doc = quotes_document()
    files = render_brat(doc.to_dict())
    parsed = brat.parse(files.ann, files.txt)
    read = []
    for event in parsed.events.values():
        trigger = parsed.textbounds[event.trigger]
        assert trigger.type == event.type
        roles = {role: parsed.textbounds[ref] for role, ref in event.args}
        assert {tb.type for tb in roles.values()} == set(roles)
        read.append({role: files.txt[tb.start:tb.end] for role, tb in roles.items()})
    expected = []
    for q in doc.layers["quotes"]:
        roles = {"Content": doc.span_text(q), "Cue": q.attrs["cue"], "Source": q.attrs["speaker"]}
        expected.append({role: v if isinstance(v, str) else v["text"] for role, v in roles.items() if v})
    assert read == expected


def test_our_polnear_loader_reads_the_quotes_layer_as_training_data() -> None:
    from unspun.training.polnear import read_article

    doc = quotes_document()
    files = render_brat(doc.to_dict())
    article = read_article("quotes", files.txt, files.ann)

    def fragments(ref: dict[str, Any] | None) -> tuple[tuple[int, int], ...]:
        return ((ref["start"], ref["end"]),) if ref else ()

    expected = {(fragments(q.attrs["speaker"]), fragments(q.attrs["cue"]), ((q.start, q.end),))
                for q in doc.layers["quotes"]}
    assert {(a.source, a.cue, a.content) for a in article.attributions} == expected
    assert len(article.attributions) == len(doc.layers["quotes"])
    # a source shared by two quotes is one source span of the article, as in PolNeAR
    assert len(article.role_spans("source")) == len({q.attrs["speaker"]["start"] for q in doc.layers["quotes"]
                                                     if q.attrs["speaker"]})


def test_quotes_round_trip() -> None:
    data = quotes_document().to_dict()
    files = render_brat(data)
    assert_brat_reads(files)
    assert files.txt == QUOTES_TEXT
    assert read_brat(files.txt, files.ann).to_dict()["layers"] == data["layers"]


# -- every layer, and an annotator's edits -----------------------------------------------------------------


def test_every_layer_round_trips(port_deal_analysis: Document) -> None:
    data = port_deal_analysis.to_dict()
    files = render_brat(data)
    assert_brat_reads(files)
    assert files.txt == port_deal_analysis.text
    back = read_brat(files.txt, files.ann)
    assert back.to_dict()["layers"] == data["layers"]
    assert list(back.layers) == list(data["layers"])


def test_spans_across_lines_are_fragments_and_read_back_whole() -> None:
    text = "First paragraph.\n\nSecond one,\r\nthird line.\nLast."
    doc = Document(text=text)
    doc.add("structure", Span(0, text.index("Last") - 1, "editorial", None, {}, "structure"))
    doc.add("propaganda", Span(text.index("one"), text.index("third") + 5, "Doubt", 0.5, {}, "propaganda"))
    files = render_brat(doc.to_dict())
    assert_brat_reads(files)
    assert lines(files.ann, "T1\t") == ["T1\tstructure_editorial 0 16;18 29;31 42\t"
                                        "First paragraph. Second one, third line."]
    assert read_brat(files.txt, files.ann).to_dict()["layers"] == doc.to_dict()["layers"]


def test_attrs_with_line_separators_round_trip() -> None:
    text = "Kay wrote:\u2028it is\u0085over."
    doc = Document(text=text)
    comment = {"author": "Kay\u2028K.", "depth": 0}
    doc.add("structure", Span(0, len(text), "comment", None, comment, "structure"))
    doc.add("hate", Span(11, len(text), "normal", 0.97, {"targets": [], "note\u2029": "\u0085"}, "hate"))
    files = render_brat(doc.to_dict())
    assert_brat_reads(files)
    assert len(files.ann.splitlines()) == 4 and files.ann.count("\n") == 4
    assert read_brat(files.txt, files.ann).to_dict()["layers"] == doc.to_dict()["layers"]


def replace_line(ann: str, prefix: str, new: str) -> str:
    [old] = lines(ann, prefix)
    return ann.replace(old + "\n", new + "\n" if new else "")


def test_an_annotators_edits_read_back(port_deal_analysis: Document) -> None:
    data = port_deal_analysis.to_dict()
    text = port_deal_analysis.text
    files = render_brat(data)
    ann = files.ann
    parsed = brat.parse(ann, text)
    by_type_and_text = {(tb.type, text[tb.start:tb.end]): tb.id for tb in parsed.textbounds.values()}

    # a span moved: "SHOCKER" widened to "SHOCKER: Port Authority"
    shocker = by_type_and_text[("propaganda_Loaded_Language", "SHOCKER")]
    ann = replace_line(ann, f"{shocker}\t", f"{shocker}\tpropaganda_Loaded_Language 0 23\tSHOCKER: Port")
    # a label changed: "Every honest taxpayer …" is Loaded Language, not Flag-Waving
    flag = next(tb for tb in parsed.textbounds.values() if tb.type == "propaganda_Flag--Waving")
    ann = replace_line(ann, f"{flag.id}\t", f"{flag.id}\tpropaganda_Loaded_Language {flag.start} {flag.end}")
    # a quote's kind changed, and its speaker moved (to "spokesperson Dana Whitfield")
    dana = next(e for e in parsed.events.values()
                if text[parsed.textbounds[dict(e.args)["Source"]].start:].startswith("Dana"))
    source = parsed.textbounds[dict(dana.args)["Source"]]
    kind = next(a for a in parsed.attributes.values() if a.target == dana.id)
    ann = replace_line(ann, f"{kind.id}\t", f"{kind.id}\tKind {dana.id} mixed")
    ann = replace_line(ann, f"{source.id}\t", f"{source.id}\tSource {source.start - 13} {source.end}\tx")
    # a span added by the annotator (no note), and one deleted (its note goes with it)
    ann += "T900\thate_offensive 1568 1667\tThose dock workers\n"
    claim = by_type_and_text[("claims_check_worthy",
                              "at least 40 containers were moved off the books in March")]
    note = next(n for n, (target, _) in parsed.notes.items() if target == claim)
    ann = replace_line(replace_line(ann, f"{claim}\t", ""), f"{note}\t", "")

    back = read_brat(text, ann).to_dict()["layers"]
    expected = data["layers"]
    for span in expected["propaganda"]:
        if span["text"] == "SHOCKER":
            span.update(end=23, text=text[:23])
        if span["label"] == "Flag-Waving":
            span["label"] = "Loaded_Language"
    for span in expected["quotes"]:
        if span["attrs"]["speaker"]["text"] == "Dana Whitfield":
            span["label"] = "mixed"
            start = span["attrs"]["speaker"]["start"] - 13
            span["attrs"]["speaker"] = {"start": start, "end": source.end, "text": text[start:source.end]}
            assert span["attrs"]["speaker"]["text"] == "spokesperson Dana Whitfield"
    expected["hate"].append({"start": 1568, "end": 1667, "text": text[1568:1667], "label": "offensive",
                             "score": None, "attrs": {}, "stage": ANNOTATOR_STAGE})
    expected["hate"].sort(key=lambda s: (s["start"], -s["end"]))  # stable: the original span stays first
    expected["claims"] = [s for s in expected["claims"] if not s["text"].startswith("at least 40")]
    assert back == expected


def test_an_annotator_may_add_a_quote_and_a_free_text_note() -> None:
    text = 'Kay said "no." Fred thinks it is over.'
    ann = ("T1\tSource 0 3\tKay\nT2\tCue 4 8\tsaid\nT3\tContent 9 14\t\"no.\"\nT4\tAttribution 4 8\tsaid\n"
           "E1\tAttribution:T4 Content:T3 Cue:T2 Source:T1\n"
           "T5\tSource 15 19\tFred\nT6\tCue 20 26\tthinks\nT7\tContent 27 38\tit is over.\n"
           "T8\tAttribution 20 26\tthinks\nE2\tAttribution:T8 Source:T5 Cue:T6 Content:T7\n"
           "#1\tAnnotatorNotes E2\tnot sure this is an attribution\n")
    quotes = read_brat(text, ann).layers["quotes"]
    assert [(q.label, q.attrs["speaker"]["text"], q.attrs["cue"]["text"], q.stage) for q in quotes] == [
        ("direct", "Kay", "said", ANNOTATOR_STAGE), ("indirect", "Fred", "thinks", ANNOTATOR_STAGE)]
    assert quotes[1].attrs["note"] == "not sure this is an attribution" and quotes[0].score is None


CUE_AND_TRIGGER = "T1\tCue 4 8\tsaid\nT2\tAttribution 4 8\tsaid\n"


@pytest.mark.parametrize(("ann", "message"), [
    ("T1\tDiscuss 0 3\tKay\n", "T1: type 'Discuss' is neither"),
    (CUE_AND_TRIGGER + "E1\tAttribution:T2 Cue:T1\n", "E1: an attribution without"),
    (CUE_AND_TRIGGER + "E1\tAttribution:T2 Content:T9\n", "E1: argument Content:T9"),
    ("T1\tContent 0 3\tKay\nT2\tSaying 4 8\tsaid\nE1\tSaying:T2 Content:T1\n",
     "T2: type 'Saying' is neither"),
    ("T1\tContent 0 3\tKay\nT2\tAttribution 4 8\tsaid\nE1\tAttribution:T2 Content:T1 Topic:T1\n",
     "E1: an attribution has Content"),
    ("T1\tentities_PERSON 0 3\tKay\nT2\tentities_PERSON 0 3\tKay\nR1\tSame Arg1:T1 Arg2:T2\n",
     "R1: relations"),
    ("T1\tentities_PERSON 0 3\tKay\n#1\tAnnotatorNotes T1\t{\"score\": 1, \"attrs\": [], \"stage\": \"x\"}\n",
     "T1: the note's attrs"),
    ("T1\tentities_PERSON 0 30\tKay\n", "line 1: T1 has fragments"),
    ("T1\tContent 0 3\tKay\nT2\tAttribution 4 8\tsaid\nE1\tAttribution:T2 Content:T1\n"
     "A1\tKind E1 in-direct\n",
     "E1: Kind 'in-direct' is not a label"),
    ("T1\tContent 0 3\tKay\nT2\tContent 4 8\tsaid\nE1\tSaying:T2 Content:T1\n", "E1: event type 'Saying'"),
])
def test_what_does_not_fit_the_export_is_an_error(ann: str, message: str) -> None:
    with pytest.raises(BratError, match=re.escape(message)):
        read_brat("Kay said it.", ann)


# -- brat's configuration ------------------------------------------------------------------------------------


def declared_types(conf: str) -> set[str]:
    declared, section = set(), ""
    for line in conf.splitlines():
        if line.startswith("["):
            section = line
        elif line.strip() and not line.startswith(("#", "!", "<")) and section in ("[entities]", "[events]"):
            declared.add(line.strip().split("\t")[0])
    return declared


def test_annotation_conf_declares_every_type_written(port_deal_analysis: Document) -> None:
    labels = layer_labels(quotes_document().to_dict())
    labels = layer_labels(port_deal_analysis.to_dict(), labels)
    conf = annotation_conf(labels)
    for doc in (quotes_document(), port_deal_analysis):
        parsed = brat.parse(render_brat(doc.to_dict()).ann)
        assert {tb.type for tb in parsed.textbounds.values()} <= declared_types(conf)
    # every known technique is offered to the annotator, found or not; a layer's labels are grouped under it
    assert all(type_name("propaganda", t) in declared_types(conf) for t in PROPAGANDA_TECHNIQUES)
    assert "!propaganda\n\tpropaganda_Loaded_Language\n" in conf
    assert "Kind\tArg:<EVENT>, Value:direct|indirect|mixed" in conf
    visual = visual_conf(labels)
    shown = "propaganda_Name_Calling-2c-Labeling | propaganda: Name_Calling,Labeling | Name_Calling,Labeling"
    assert shown in visual
