"""Pipelines: the order is checked when a pipeline is built, with a message saying what to do; models load on
`initialize`; `pipe` gives one document or one error record per input, in order; parses stay behind."""

from __future__ import annotations

import pickle
from collections.abc import Iterator, Sequence
from typing import ClassVar

import pytest
from testpaths import ALL_PAGES, EXAMPLES

from unspun.document import Document, Span
from unspun.errors import DEBUG_ENV, ErrorRecord, NoContentError, OptionsError, PipelineError
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
from unspun.readers import extract, source_from_string
from unspun.readers.files import read_path


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


# -- pipe: one document or one error record per input, in order --------------------------------------------

PNG = b"\x89PNG\r\n\x1a\n" + bytes(200)
POST = "The council met on Monday.\n\nIt voted to close the library, which I think is a mistake."


def kinds(results: list[Document | ErrorRecord]) -> list[str]:
    return ["document" if isinstance(r, Document) else r.reason for r in results]


def test_pipe_gives_one_result_per_input_in_input_order(fast_pipeline: Pipeline) -> None:
    unread = ErrorRecord("crawl.warc#3", "malformed", "crawl.warc#3: the response is image/png, not a page")
    source = read_path(EXAMPLES / "port-deal.html")
    inputs: list[object] = [POST, "", PNG, unread, source, POST.encode("utf-8"), "  \n\t", 42,
                            "<html><body><nav><a href='/'>Home</a></nav></body></html>"]
    results = list(fast_pipeline.pipe(inputs, batch_size=3))  # type: ignore[arg-type]
    assert kinds(results) == ["document", "empty", "binary", "malformed", "document", "document", "empty",
                              "malformed", "no_content"]
    post, empty, binary, passed, page, from_bytes, blank, number, no_article = results
    assert isinstance(post, Document) and post.text.startswith("The council met")
    assert isinstance(page, Document) and page.id == str(EXAMPLES / "port-deal.html")
    assert isinstance(from_bytes, Document) and from_bytes.text == post.text
    assert passed is unread
    # an unnamed input is named by its position in its messages and its record
    assert empty == ErrorRecord("<input 1>", "empty", "<input 1>: the input is empty")
    assert isinstance(binary, ErrorRecord) and binary.id == "<input 2>" and "PNG image" in binary.message
    assert isinstance(number, ErrorRecord) and number.message.startswith("<input 7>: int is not an input")
    assert isinstance(no_article, ErrorRecord) and no_article.id == "<input 8>"
    assert isinstance(blank, ErrorRecord) and blank.id == "<input 6>"


def test_pipe_analyses_as_analyze_does(fast_pipeline: Pipeline) -> None:
    sources = [read_path(page) for page in ALL_PAGES]
    piped = list(fast_pipeline.pipe(sources, batch_size=4))
    assert all(isinstance(d, Document) for d in piped)
    assert [d.to_dict() for d in piped if isinstance(d, Document)] == [
        fast_pipeline.analyze(s).to_dict() for s in sources]


def test_pipe_reads_its_inputs_a_batch_at_a_time(fast_pipeline: Pipeline) -> None:
    pulled: list[int] = []

    def stream() -> Iterator[str]:
        for k in range(10):
            pulled.append(k)
            yield POST

    results = fast_pipeline.pipe(stream(), batch_size=4)
    next(results)
    assert pulled == [0, 1, 2, 3]  # a stream is not read to its end before the first result
    assert len(list(results)) == 9 and len(pulled) == 10
    with pytest.raises(OptionsError, match="batch_size must be a whole number of at least 1"):
        next(fast_pipeline.pipe([POST], batch_size=0))


class _FailsOnBoom(Stage[None]):
    """Raises on a document that says BOOM (a bug), or NOPE (an input it refuses)."""

    name: ClassVar[str] = "test_fails_on_boom"
    requires = ("structure",)
    assigns = ("test_boom",)

    def predict(self, doc: Document) -> None:
        if "BOOM" in doc.text:
            raise ZeroDivisionError("division by zero")
        if "NOPE" in doc.text:
            raise NoContentError(f"{doc.id}: nothing this stage can read")

    def set_annotations(self, doc: Document, result: None) -> None:
        doc.layer("test_boom").append(Span(0, 1, "seen"))


class _BatchFailsOnBoom(_FailsOnBoom):
    """Batches its work: one document that says BOOM fails the whole batch before anything is annotated."""

    name: ClassVar[str] = "test_batch_fails_on_boom"
    batches: ClassVar[list[int]] = []

    def pipe(self, docs: Sequence[Document]) -> Iterator[Document]:
        type(self).batches.append(len(docs))
        results = [self.predict(doc) for doc in docs]
        for doc, result in zip(docs, results, strict=True):
            self.set_annotations(doc, result)
            yield doc


register_stage(_FailsOnBoom)
register_stage(_BatchFailsOnBoom)


@pytest.mark.parametrize("stage", ["test_fails_on_boom", "test_batch_fails_on_boom"])
def test_a_stage_failing_on_one_document_fails_only_that_one(stage: str,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(DEBUG_ENV, raising=False)
    _BatchFailsOnBoom.batches.clear()
    pipeline = Pipeline(["structure", stage, "summary"])
    inputs = [POST, "BOOM goes the post.\n\nAnd more of it.", POST, "NOPE, says this one.", POST]
    results = list(pipeline.pipe(inputs, batch_size=5))
    assert kinds(results) == ["document", "internal", "document", "no_content", "document"]
    boom = results[1]
    assert isinstance(boom, ErrorRecord) and boom.id == "<input 1>"
    assert "internal error (ZeroDivisionError: division by zero)" in boom.message
    assert results[3] == ErrorRecord("<input 3>", "no_content", "<input 3>: nothing this stage can read")
    for doc in (results[0], results[2], results[4]):
        assert isinstance(doc, Document)
        # annotated once by the failing stage (not again when the batch was retried), then by the next stage
        assert [s.label for s in doc.layers["test_boom"]] == ["seen"] and "layers" in doc.summary
        assert doc.parses == {}
    if stage == "test_batch_fails_on_boom":
        assert _BatchFailsOnBoom.batches == [5]  # one batch; then one document at a time


def test_debugging_raises_a_bug_instead_of_recording_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(DEBUG_ENV, "1")
    pipeline = Pipeline(["structure", "test_fails_on_boom"])
    assert kinds(list(pipeline.pipe(["", "NOPE, says this one."]))) == ["empty", "no_content"]
    with pytest.raises(ZeroDivisionError):
        list(pipeline.pipe([POST, "BOOM goes the post."]))


# -- documents leave the pipeline without their parses ------------------------------------------------------


def test_documents_leave_without_their_parses(fast_pipeline: Pipeline) -> None:
    text = (EXAMPLES / "port-deal.html").read_text("utf-8")
    by_hand = extract(source_from_string(text))
    for stage in fast_pipeline.stages:
        stage(by_hand)
    assert by_hand.parses  # the structure stage shares the outlet mentions through them...
    assert fast_pipeline.analyze(text).parses == {}  # ...and the pipeline drops them when it is done
    (piped,) = fast_pipeline.pipe([text])
    assert isinstance(piped, Document) and piped.parses == {}


@pytest.mark.model
def test_an_analysed_page_pickles_small(default_pipeline: Pipeline) -> None:
    """What a process pool or Ray ships back: ~10 KB for the example page (2.8 MB with its parses)."""
    text = (EXAMPLES / "port-deal.html").read_text("utf-8")
    doc = default_pipeline.analyze(text)
    assert "sentences" in doc.layers and doc.parses == {}
    assert len(pickle.dumps(doc)) < 50_000
    (piped,) = default_pipeline.pipe([text])
    assert isinstance(piped, Document) and len(pickle.dumps(piped)) < 50_000
    back = pickle.loads(pickle.dumps(piped))
    assert back.id == "<input 0>" and back.layers == doc.layers and back.summary == doc.summary


class _LosesDocuments(Stage[None]):
    name: ClassVar[str] = "test_loses_documents"

    def pipe(self, docs: Sequence[Document]) -> Iterator[Document]:
        yield from docs[:1]


register_stage(_LosesDocuments)


def test_a_stage_that_loses_documents_is_a_loud_bug() -> None:
    with pytest.raises(PipelineError, match="'test_loses_documents': pipe\\(\\) gave back 1 of 2 documents"):
        list(Pipeline(["test_loses_documents"]).pipe([POST, POST]))


def test_the_pipeline_runs_numpy_blas_on_one_thread_and_gives_it_back() -> None:
    """Heads multiply small matrices: BLAS threads only spin (pipeline.one_blas_thread); the caller's own
    setting comes back after the pipeline."""
    import numpy as np
    from threadpoolctl import threadpool_info, threadpool_limits


    def blas_threads() -> set[int]:
        return {lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"}

    np.ones((2, 2)) @ np.ones((2, 2))  # BLAS loaded
    if not blas_threads():
        pytest.skip("numpy has no BLAS that threadpoolctl can see here")
    seen: list[set[int]] = []

    class Recording(Stage[None]):
        name = "blas_probe"

        def predict(self, doc: Document) -> None:
            seen.append(blas_threads())

        def set_annotations(self, doc: Document, result: None) -> None:
            pass

    pipeline = Pipeline(["structure"])
    pipeline.stages.append(Recording(pipeline.options))
    with threadpool_limits(2, "blas"):
        list(pipeline.pipe(["One post.", "Another post."]))
        pipeline.analyze("A third post.")
        assert blas_threads() == {2}
    assert seen == [{1}, {1}, {1}]
