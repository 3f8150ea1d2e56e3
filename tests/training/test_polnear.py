"""PolNeAR's brat files read into attributions, and the BIO tags the quotes tagger trains on."""

from __future__ import annotations

import pytest
from testpaths import SHARED_DATA

from unspun.heads import QUOTE_TAGS
from unspun.training import polnear
from unspun.training.data import DataError

TEXT = '"We endorse her," the daily wrote, adding that she is smart.\n\nShe won.'
ANN = """T1\tContent 0 17\t"We endorse her,"
T2\tSource 18 27\tthe daily
T3\tCue 28 33\twrote
T4\tAttribution 28 33\twrote
E1\tAttribution:T4 Content:T1 Cue:T3 Source:T2
T5\tCue 35 41\tadding
T6\tContent 42 59;62 70\tthat she is smart She won.
T7\tAttribution 35 41\tadding
E2\tAttribution:T7 Source:T2 Cue:T5 Content:T6
T8\tCue 62 65\tShe
E3\tAttribution-no-source:T8 Cue:T8 Content2:T1
#1\tAnnotatorNotes T1\ta note
"""


def test_read_article_keeps_each_role_fragments_and_shared_sources() -> None:
    art = polnear.read_article("a_x", TEXT, ANN)
    assert len(art.attributions) == 3
    first = art.attributions[0]
    assert (first.content, first.cue, first.source) == (((0, 17),), ((28, 33),), ((18, 27),))
    second = next(a for a in art.attributions if a.cue == ((35, 41),))
    assert second.source == ((18, 27),)
    assert second.content == ((42, 59), (62, 70))  # a discontinuous content keeps both fragments
    no_source = next(a for a in art.attributions if a.cue == ((62, 65),))
    assert no_source.source == () and no_source.content == ((0, 17),)  # "Content2" is a content role
    # a source shared by two relations is one gold span
    assert art.role_spans("source") == [(18, 27)]
    first_line = TEXT.index("\n")
    assert art.paragraphs() == [(0, first_line), (first_line + 2, len(TEXT))]


def test_word_tags_begin_each_fragment_and_continue_inside_it() -> None:
    text = "the daily wrote that she won"
    words = [(0, 3), (4, 9), (10, 15), (16, 20), (21, 24), (25, 28)]
    spans = {"source": [(0, 9)], "cue": [(10, 15)], "content": [(16, 24), (25, 28)]}
    tags = [QUOTE_TAGS[t] for t in polnear.word_tags(words, spans)]
    assert tags == ["B-source", "I-source", "B-cue", "B-content", "I-content", "B-content"]
    assert text[16:24] == "that she"
    # offsets of a window inside the article
    cue_only = {"source": [], "cue": [(10, 15)], "content": []}
    assert [QUOTE_TAGS[t] for t in polnear.word_tags([(0, 5)], cue_only, 10)] == ["B-cue"]


def test_unknown_split_and_missing_data_are_clear_errors(tmp_path) -> None:
    with pytest.raises(DataError, match="no split"):
        polnear.load_articles(tmp_path, "val")
    with pytest.raises(DataError, match="no PolNeAR data"):
        polnear.load_articles(tmp_path, "test")


@pytest.mark.skipif(not (SHARED_DATA / "polnear").is_dir(), reason="PolNeAR is not in ../shared/data")
def test_the_test_split_reads_every_annotation_file() -> None:
    arts = polnear.load_articles(SHARED_DATA, "test")
    assert len(arts) == 94  # 84 articles, some read by two annotators
    assert len({a.text for a in arts}) == 84
    assert sum(len(a.attributions) for a in arts) > 2000
    for a in arts[:10]:
        for att in a.attributions:
            for start, end in att.content + att.cue + att.source:
                assert 0 <= start < end <= len(a.text)
