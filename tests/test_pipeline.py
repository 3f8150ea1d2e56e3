"""Building pipelines: the order is checked when a pipeline is built, with a message saying what to do."""

from __future__ import annotations

from typing import ClassVar

import pytest
from testpaths import EXAMPLES

from unspun.document import Document, Span
from unspun.errors import PipelineError
from unspun.options import Options
from unspun.pipeline import (
    DEFAULT_ORDER,
    Pipeline,
    Stage,
    check_order,
    default_stage_names,
    register_stage,
    stage_class,
)


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


# -- shared artefacts: declared apart from layers ----------------------------------------------------------


class _MakesArtefact(Stage[None]):
    name: ClassVar[str] = "test_makes_artefact"
    requires = ("structure",)
    provides = ("test_artefact",)
    english_only = True

    def predict(self, doc: Document) -> None:
        return None

    def set_annotations(self, doc: Document, result: None) -> None:
        doc.parses["test_artefact"] = "made"


class _ReadsArtefact(Stage[None]):
    name: ClassVar[str] = "test_reads_artefact"
    needs = ("test_artefact",)
    assigns = ("test_read",)

    def predict(self, doc: Document) -> None:
        return None

    def set_annotations(self, doc: Document, result: None) -> None:
        doc.layer("test_read").append(Span(0, 1, str(doc.parses.get("test_artefact"))))


class _LayerOfTheSameName(Stage[None]):
    name: ClassVar[str] = "test_layer_named_like_the_artefact"
    assigns = ("test_artefact",)


for _cls in (_MakesArtefact, _ReadsArtefact, _LayerOfTheSameName):
    register_stage(_cls)


def test_an_artefact_is_checked_in_order_like_a_layer() -> None:
    Pipeline(["structure", "test_makes_artefact", "test_reads_artefact"])
    with pytest.raises(PipelineError) as info:
        Pipeline(["structure", "test_reads_artefact", "test_makes_artefact"])
    assert str(info.value) == ("stage 'test_reads_artefact' needs 'test_artefact', which no earlier stage "
                               "provides (order: structure -> test_reads_artefact)")
    # a layer is not an artefact, even under the same name
    with pytest.raises(PipelineError, match="needs 'test_artefact'"):
        Pipeline(["test_layer_named_like_the_artefact", "test_reads_artefact"])


def test_an_artefact_is_never_a_layer_even_when_its_stage_is_skipped() -> None:
    pipeline = Pipeline(["structure", "test_makes_artefact", "test_reads_artefact"])
    english = pipeline.analyze("The council met on Monday.\n\nIt voted to close the library.")
    assert [s.label for s in english.layers["test_read"]] == ["made"]
    french = pipeline.analyze("Le conseil municipal a voté lundi la fermeture de deux bibliothèques.\n\n"
                              "Les parents sont très en colère et prévoient une manifestation samedi.")
    assert french.language == "fr" and "test_artefact" not in french.layers
    assert french.summary["skipped"] == {"test_makes_artefact": "language fr"}
    assert [s.label for s in french.layers["test_read"]] == ["None"]


# -- initialize: models loaded before the first document ----------------------------------------------------

_INITIALIZED: list[str] = []


class _CountsInitialize(Stage[None]):
    name: ClassVar[str] = "test_counts_initialize"
    requires = ("structure",)

    def initialize(self) -> None:
        _INITIALIZED.append(self.name)

    def predict(self, doc: Document) -> None:
        return None

    def set_annotations(self, doc: Document, result: None) -> None:
        return None


register_stage(_CountsInitialize)


def test_initialize_runs_every_stage_once_and_returns_the_pipeline(monkeypatch: pytest.MonkeyPatch) -> None:
    from unspun.stages.structure import StructureStage

    calls: list[str] = []
    monkeypatch.setattr(StructureStage, "initialize", lambda self: calls.append(self.name))
    _INITIALIZED.clear()
    pipeline = Pipeline(["structure", "test_counts_initialize", "summary"])
    assert calls == [] and _INITIALIZED == []  # building loads nothing
    assert pipeline.initialize() is pipeline
    assert calls == ["structure"] and _INITIALIZED == ["test_counts_initialize"]


def test_initialize_loads_the_tables_of_the_fast_stages() -> None:
    from unspun import gazetteer, language

    gazetteer._gazetteer.cache_clear()
    language.load_identifier.cache_clear()
    Pipeline(["structure", "summary"]).initialize()
    assert gazetteer._gazetteer.cache_info().currsize == 1
    assert language.load_identifier.cache_info().currsize == 1
    language.load_identifier.cache_clear()
    Pipeline(["structure"], options=Options(language="en")).initialize()  # a forced language: no identifier
    assert language.load_identifier.cache_info().currsize == 0


@pytest.mark.model
def test_initialize_loads_spacy_once_for_the_stages_that_share_it() -> None:
    from unspun import nlp

    if not nlp.spacy_available():
        pytest.skip("no spaCy model installed")
    nlp.load_spacy.cache_clear()
    Pipeline(["structure", "sentences", "entities"]).initialize()
    info = nlp.load_spacy.cache_info()
    assert (info.misses, info.hits) == (1, 1)  # sentences loaded it, entities found it loaded
