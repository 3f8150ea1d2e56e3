"""Building pipelines: the order is checked when a pipeline is built, with a message saying what to do."""

from __future__ import annotations

import pytest
from testpaths import EXAMPLES

from unspun.errors import PipelineError
from unspun.pipeline import DEFAULT_ORDER, Pipeline, check_order, default_stage_names, stage_class


def test_wrong_order_fails_at_build_time_with_the_missing_layer() -> None:
    with pytest.raises(PipelineError) as info:
        Pipeline(["summary", "structure"])
    assert str(info.value) == ("stage 'summary' requires 'structure', which no earlier stage assigns "
                               "(order: summary)")


def test_a_stage_whose_input_is_missing_names_the_order_so_far() -> None:
    with pytest.raises(PipelineError, match=r"stage 'sentences' requires 'structure'.*\(order: sentences\)"):
        Pipeline(["sentences"])


def test_unknown_and_duplicate_stages() -> None:
    with pytest.raises(PipelineError, match=r"unknown stage 'sentiment'; known stages: structure, sentences"):
        Pipeline(["structure", "sentiment"])
    with pytest.raises(PipelineError, match="stage 'structure' appears twice"):
        check_order([stage_class("structure"), stage_class("structure")])


def test_default_pipeline_follows_the_design_order() -> None:
    names = default_stage_names()
    assert names[0] == "structure" and names[-1] == "summary"
    assert list(names) == [n for n in DEFAULT_ORDER if n in names]
    check_order([stage_class(n) for n in names])


def test_fast_pipeline_analyses_both_example_pages(fast_pipeline: Pipeline) -> None:
    for page in ("port-deal.html", "port-deal.txt"):
        doc = fast_pipeline.analyze((EXAMPLES / page).read_text("utf-8"))
        labels = [s.label for s in doc.layers["structure"]]
        assert labels.count("comment") == 4 and labels.count("quoted") == 4 and labels[0] == "title"
        assert doc.summary["structure"]["max_depth"] == 1
        assert repr(fast_pipeline) == "Pipeline(read -> extract -> structure -> summary)"
