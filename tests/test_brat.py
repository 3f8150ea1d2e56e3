"""brat standoff reading and writing (`unspun.brat`): PolNeAR's lines as they are, write -> parse identity,
and errors that name the line."""

from __future__ import annotations

import pytest
from testpaths import SHARED_DATA

from unspun import brat
from unspun.brat import Annotations, Attribute, BratError, Event, Relation, TextBound
from unspun.errors import UnspunError

# A text and an .ann shaped like PolNeAR's: a discontinuous content, a content whose covered text crosses a
# line break (continued on the next physical line), an event without a source (with PolNeAR's trailing
# space), a note and an attribute.
TEXT = "Kay said: “the port\nis ours” and more.\nIt is said the fees are gone."
ANN = (
    "T1\tSource 0 3\tKay\n"
    "T2\tCue 4 8\tsaid\n"
    "T3\tContent 10 28\t“the port\n"
    "is ours”\n"
    "T4\tAttribution 4 8\tsaid\n"
    "E1\tAttribution:T4 Content:T3 Cue:T2 Source:T1\n"
    "T5\tContent 10 14;15 19\t“the port\n"
    "T6\tAttribution-no-source 42 49\tis said\n"
    "E2\tAttribution-no-source:T6 Content:T5 \n"
    "R1\tCarrier Arg1:T3 Arg2:T1\n"
    "A1\tKind E1 direct\n"
    "M2\tNegated E2\n"
    "#1\tAnnotatorNotes T3\tShould the closing mark be in?\n"
)


def test_parse_reads_polnear_shaped_lines() -> None:
    ann = brat.parse(ANN, TEXT)
    assert list(ann.textbounds) == ["T1", "T2", "T3", "T4", "T5", "T6"]
    assert ann.textbounds["T3"] == TextBound("T3", "Content", ((10, 28),))
    # the covered text crossed a line break: its second line is not an annotation of its own
    assert TEXT[10:28] == "“the port\nis ours”"
    assert ann.textbounds["T5"].fragments == ((10, 14), (15, 19))
    assert (ann.textbounds["T5"].start, ann.textbounds["T5"].end) == (10, 19)
    assert ann.events["E1"] == Event("E1", "Attribution", "T4",
                                     (("Content", "T3"), ("Cue", "T2"), ("Source", "T1")))
    assert ann.events["E2"] == Event("E2", "Attribution-no-source", "T6", (("Content", "T5"),))
    assert ann.relations["R1"] == Relation("R1", "Carrier", "T3", "T1")
    assert ann.attribute_of("E1", "Kind") == "direct"
    assert ann.attribute_of("E2", "Negated") == "true"  # a binary attribute (no value)
    assert ann.attribute_of("E2", "Kind") is None
    assert ann.note_of("T3") == "Should the closing mark be in?" and ann.note_of("T1") is None


def test_write_then_parse_is_the_identity() -> None:
    ann = brat.parse(ANN, TEXT)
    written = brat.write(ann, TEXT)
    assert brat.parse(written, TEXT) == ann
    # covered text is written on one line each, so every line is an annotation
    assert all(line[0] in "TERAM#" for line in written.splitlines())
    assert "T3\tContent 10 28\t“the port is ours”" in written.splitlines()
    assert "T5\tContent 10 14;15 19\t“the port" in written.splitlines()


def test_write_keeps_every_unicode_line_break_off_the_line() -> None:
    text = "a\u2028b\u0085c\rd"
    ann = Annotations(textbounds={"T1": TextBound("T1", "Content", ((0, len(text)),))},
                      notes={"#1": ("T1", "one\u2029two")})
    written = brat.write(ann, text)
    assert written.count("\n") == 2 and not any(ch in written for ch in brat.UNICODE_LINE_BREAKS + "\r")
    assert brat.parse(written, text).textbounds == ann.textbounds


def test_built_annotations_round_trip() -> None:
    text = "Rita Alvarez called it a gift."
    ann = Annotations(
        textbounds={"T1": TextBound("T1", "Source", ((0, 12),)), "T2": TextBound("T2", "Cue", ((13, 19),)),
                    "T3": TextBound("T3", "Content", ((20, 22), (23, 29)))},
        events={"E1": Event("E1", "Attribution", "T2", (("Content", "T3"), ("Source", "T1")))},
        relations={"R1": Relation("R1", "Said", "T1", "T3")},
        attributes={"A1": Attribute("A1", "Kind", "E1", "mixed"), "A2": Attribute("A2", "Hedged", "E1")},
        notes={"#1": ("E1", '{"outlet": "Coastal Ledger"}')},
    )
    assert brat.parse(brat.write(ann, text), text) == ann


@pytest.mark.parametrize(("ann", "line", "what"), [
    ("T1\tSource 0 3\tKay\nT2\tCue 8 4\tsaid\n", 2, "outside the text"),
    ("T1\tSource 0 3\tKay\n\nT2\tCue 4 800\tsaid\n", 3, "outside the text"),
    ("T1\tSource 0 3\tKay\nE1\tAttribution\n", 2, "not a brat annotation"),
    ("T1\tSource zero three\tKay\n", 1, "not a brat annotation"),
    ("T1\tSource 0 3\tKay\nA1\tKind\n", 2, "not a brat annotation"),
])
def test_errors_name_the_line(ann: str, line: int, what: str) -> None:
    with pytest.raises(BratError, match=f"^line {line}: .*{what}"):
        brat.parse(ann, TEXT)
    assert issubclass(BratError, UnspunError)


def test_without_the_text_fragments_are_not_checked_against_it() -> None:
    assert brat.parse("T1\tSource 0 800\tKay\n").textbounds["T1"].end == 800


POLNEAR = SHARED_DATA / "polnear" / "train" / "attributions"


@pytest.mark.skipif(not POLNEAR.is_dir(), reason="needs ../shared/data/polnear")
def test_polnear_files_parse_with_every_annotation_and_identity() -> None:
    files = sorted(POLNEAR.glob("*.ann"))[:40]
    texts = POLNEAR.parent / "text"
    for path in files:
        text = (texts / (path.stem.rsplit("_", 1)[0] + ".txt")).read_text("utf-8")
        content = path.read_text("utf-8")
        ann = brat.parse(content, text)
        ids = [line.split("\t", 1)[0] for line in content.splitlines() if line[:1] in "TE" and "\t" in line]
        assert len(ann.textbounds) + len(ann.events) == len([i for i in ids if i[1:].isdigit()])
        for event in ann.events.values():
            assert ann.textbounds[event.trigger].type == event.type
        assert brat.parse(brat.write(ann, text), text) == ann


@pytest.mark.parametrize(("text", "start", "end", "fragments"), [
    ("one line", 0, 8, ((0, 8),)),
    ("para one\npara two", 0, 17, ((0, 8), (9, 17))),
    ("a\n\nb\r\nc", 0, 7, ((0, 1), (3, 4), (6, 7))),
    ("x\u2028y\u0085z", 0, 5, ((0, 1), (2, 3), (4, 5))),
    ("tab\tkept", 0, 8, ((0, 8),)),
    ("\nhead", 0, 5, ((1, 5),)),
    ("ab\n\ncd", 2, 4, ((2, 2),)),
])
def test_line_fragments_are_brats_own(text: str, start: int, end: int, fragments: tuple) -> None:
    assert brat.line_fragments(text, start, end) == fragments
