"""Stages, their registry, and the pipeline that runs them in a checked order.

A stage is a small class with a pure `predict(doc)` and a `set_annotations(doc, result)`; it declares the
layers it `requires` and the ones it `assigns`, and apart from layers the shared artefacts (`Document.parses`,
e.g. the encoder's states) it `needs` and the ones it `provides`. `Pipeline` checks the order when it is
built, so a wrong order fails before any document is read. Stage modules are imported on first use:
`import unspun` stays fast.
"""

from __future__ import annotations

import contextlib
import importlib
import itertools
from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import cache
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

from unspun.document import Document, Span
from unspun.errors import (
    ErrorRecord,
    MalformedInputError,
    OptionsError,
    PipelineError,
    UnspunError,
    debugging,
    to_error_record,
)
from unspun.options import Options

if TYPE_CHECKING:
    from unspun.parts import Part
    from unspun.readers import Source

R = TypeVar("R")

#: documents per `Pipeline.pipe` batch: enough one-comment records to fill the encoder's batches of 32
#: windows, few enough that a batch of pages with their parses (megabytes each) stays small in memory
PIPE_BATCH_SIZE = 32

#: what the extractor provides before any stage runs: the text and its layout blocks
EXTRACTED = "blocks"

# The default order of DESIGN.md section 3 (read and extract run before these, in `Pipeline.analyze`).
DEFAULT_ORDER: tuple[str, ...] = (
    "structure", "sentences", "entities", "outlets", "encode",
    "quotes", "propaganda", "hate", "claims", "summary",
)

# name -> module that defines (and registers) the stage; imported only when a pipeline asks for it.
_STAGE_MODULES: dict[str, str] = {
    "structure": "unspun.stages.structure",
    "sentences": "unspun.stages.sentences",
    "entities": "unspun.stages.entities",
    "outlets": "unspun.stages.outlets",
    "encode": "unspun.stages.encode",
    "quotes": "unspun.stages.quotes",
    "propaganda": "unspun.stages.propaganda",
    "hate": "unspun.stages.hate",
    "claims": "unspun.stages.claims",
    "summary": "unspun.stages.summary",
}
_REGISTRY: dict[str, type[Stage[Any]]] = {}


class Stage(Generic[R]):
    """Base class of a pipeline stage. Subclasses set `name`, `requires`, `assigns` (layers), and where they
    share an artefact that is not a layer, `needs` and `provides`."""

    name: ClassVar[str]
    requires: ClassVar[tuple[str, ...]] = ()
    assigns: ClassVar[tuple[str, ...]] = ()
    #: shared artefacts (keys of `Document.parses`) read and made: checked in order like layers, never output
    needs: ClassVar[tuple[str, ...]] = ()
    provides: ClassVar[tuple[str, ...]] = ()
    #: the stage's model or rules only work on English; other languages get an empty layer and a warning
    english_only: ClassVar[bool] = False
    #: the stage holds a parse or the encoder's states of what it reads: a huge document goes through it in
    #: parts (`unspun.parts`), and the stage says how its spans move back into the document (`moved`)
    part_wise: ClassVar[bool] = False

    def __init__(self, options: Options) -> None:
        self.options = options

    @classmethod
    def available(cls) -> bool:
        """Whether the stage can run here (a model-backed stage: its model is installed)."""
        return True

    @classmethod
    def available_for(cls, options: Options) -> bool:
        """Whether the stage can run with these options (a model-backed stage: in their model directory
        when they name one, else the shipped one)."""
        return cls.available()

    def initialize(self) -> None:
        """Load now what the stage would load on first use (its model, its tables); once per process."""

    def predict(self, doc: Document) -> R:
        raise NotImplementedError

    def set_annotations(self, doc: Document, result: R) -> None:
        raise NotImplementedError

    def skips(self, doc: Document) -> bool:
        """Whether the stage passes over `doc` (an English-only stage, a document in another language)."""
        from unspun.language import runs_english_layers

        return self.english_only and not runs_english_layers(doc)

    def skip(self, doc: Document) -> None:
        """Pass over `doc`: its layers stay empty, with a warning and the reason in the summary."""
        for layer in self.assigns:
            doc.layer(layer)
        detection = doc.metadata.get("language_detection")
        confidence = (f", confidence {detection['confidence']:.2f}, no segment plausibly English"
                      if isinstance(detection, dict) and "confidence" in detection else "")
        doc.warn(f"{self.name}: skipped, it works on English text only (document language: {doc.language}"
                 f"{confidence})")
        doc.summary.setdefault("skipped", {})[self.name] = f"language {doc.language}"

    def moved(self, span: Span, part: Part) -> Span:
        """A span written on a part of a document (`unspun.parts`), moved to the document's offsets; a
        stage whose attributes hold offsets, segment indices or ids extends this."""
        return Span(span.start + part.start, span.end + part.start, span.label, span.score, span.attrs,
                    span.stage)

    def __call__(self, doc: Document) -> Document:
        if self.skips(doc):
            self.skip(doc)
        else:
            self.set_annotations(doc, self.predict(doc))
        return doc

    def pipe(self, docs: Sequence[Document]) -> Iterator[Document]:
        """Run over a batch of documents, yielding each one (all of them, in order) when it is done.

        A stage whose work gains from batches (the encoder) overrides this. If it raises, the pipeline runs
        the documents not yet yielded one at a time through `__call__`, so only the document at fault becomes
        an error record: an override must therefore compute before it annotates (predict the batch, then
        set the annotations of each document and yield it).
        """
        for doc in docs:
            yield self(doc)


def register_stage(cls: type[Stage[R]]) -> type[Stage[R]]:
    """Class decorator: make a stage known to pipelines by its `name`."""
    if not getattr(cls, "name", None):
        raise PipelineError(f"stage class {cls.__qualname__} has no name")
    _REGISTRY[cls.name] = cls
    _STAGE_MODULES.setdefault(cls.name, cls.__module__)
    return cls


def stage_class(name: str) -> type[Stage[Any]]:
    if name not in _REGISTRY:
        module = _STAGE_MODULES.get(name)
        if module is None:
            raise PipelineError(f"unknown stage {name!r}; known stages: {', '.join(known_stages())}")
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name != module:
                raise
            raise PipelineError(f"stage {name!r} is not part of this version of unspun") from exc
    return _REGISTRY[name]


def known_stages() -> list[str]:
    return list(dict.fromkeys([*DEFAULT_ORDER, *_STAGE_MODULES, *_REGISTRY]))


def default_stage_names(options: Options | None = None) -> tuple[str, ...]:
    """The default order, less the stages not implemented or whose model is not installed here (in the
    options' model directory when they name one)."""
    names = []
    for name in DEFAULT_ORDER:
        try:
            cls = stage_class(name)
        except PipelineError:
            continue
        if cls.available_for(options) if options is not None else cls.available():
            names.append(name)
    return tuple(names)


def check_order(stages: Iterable[type[Stage[Any]]]) -> None:
    """Raise PipelineError unless every stage comes after the stages that assign the layers it requires and
    provide the artefacts it needs."""
    layers = {EXTRACTED}
    artefacts: set[str] = set()
    seen: list[str] = []
    for cls in stages:
        order = " -> ".join([*seen, cls.name])
        missing = [layer for layer in cls.requires if layer not in layers]
        if missing:
            raise PipelineError(
                f"stage {cls.name!r} requires {', '.join(map(repr, missing))}, "
                f"which no earlier stage assigns (order: {order})"
            )
        absent = [name for name in cls.needs if name not in artefacts]
        if absent:
            raise PipelineError(
                f"stage {cls.name!r} needs {', '.join(map(repr, absent))}, "
                f"which no earlier stage provides (order: {order})"
            )
        if cls.name in seen:
            raise PipelineError(f"stage {cls.name!r} appears twice")
        seen.append(cls.name)
        layers.update(cls.assigns)
        artefacts.update(cls.provides)


class Pipeline:
    """Reads an input, extracts its text, and runs the stages in order over it."""

    def __init__(self, stages: Iterable[str] | None = None, *, options: Options | None = None) -> None:
        from unspun.options import stage_names

        if options is not None and not isinstance(options, Options):
            raise OptionsError(f"options must be an unspun.Options, not {type(options).__name__}")
        self.options = options or Options()
        names = stage_names(stages, "stages") if stages is not None else None
        names = names or self.options.stages or default_stage_names(self.options)
        classes = [stage_class(n) for n in names]
        check_order(classes)
        for cls in classes:
            if not cls.available_for(self.options):
                raise PipelineError(f"stage {cls.name!r} cannot run here: its model is not installed")
        self.stage_names = names
        self.stages: list[Stage[Any]] = [cls(self.options) for cls in classes]
        #: told (parts done, parts in all) while a huge document runs in parts (`unspun.parts`)
        self.progress: Callable[[int, int], None] | None = None

    def __repr__(self) -> str:
        return f"Pipeline({' -> '.join(['read', 'extract', *self.stage_names])})"

    def initialize(self) -> Pipeline:
        """Load every model and table the pipeline uses, so the first document does not pay for it (a
        server at start-up, a pool worker in its initialiser). Returns the pipeline. Loading is per process:
        a second pipeline with the same models finds them loaded."""
        if not self.options.language:
            from unspun.language import load_identifier

            load_identifier()
        for stage in self.stages:
            stage.initialize()
        return self

    def __call__(self, doc: Document) -> Document:
        """Run the stages over a document that was already extracted; its parses are dropped at the end. A
        huge document goes through the stages that parse or encode in parts (`unspun.parts`)."""
        from unspun.parts import PART_CHARS, run_in_parts

        try:
            with one_blas_thread():
                if len(doc.text) > PART_CHARS:
                    run_in_parts(doc, self.stages, progress=self.progress)
                else:
                    for stage in self.stages:
                        stage(doc)
        finally:
            doc.parses.clear()
        return doc

    def analyze(self, source: str | bytes | Source) -> Document:
        """Analyse one input: plain text or HTML (a string, or bytes of unknown encoding) or a
        `readers.Source`. Raises `UnspunError` for an input that cannot be analysed; see `pipe` for many."""
        from unspun.readers import extract

        return self(extract(self._source(source), options=self.options))

    def pipe(self, inputs: Iterable[str | bytes | Source | ErrorRecord], *,
             batch_size: int = PIPE_BATCH_SIZE) -> Iterator[Document | ErrorRecord]:
        """Analyse a stream of inputs: one `Document` or one `ErrorRecord` per input, in input order.

        An input is what `analyze` takes, or an `ErrorRecord` (an input a reader could not read), which
        passes through. A bad input never raises: an input that cannot be read or extracted, or on which a
        stage fails, becomes an error record with its reason (``internal`` for a bug, unless the
        ``UNSPUN_DEBUG`` environment variable asks for the traceback). Inputs are read `batch_size` at a
        time and each stage sees the batch (`Stage.pipe`): the encoder packs the windows of all its
        documents together. A string or bytes input is named ``<input N>`` (its position, from 0) in its
        messages and records.

        >>> for result in Pipeline(["structure", "summary"]).pipe(["A post.", ""]):  # doctest: +SKIP
        ...     print(type(result).__name__)
        Document
        ErrorRecord
        """
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
            raise OptionsError(f"batch_size must be a whole number of at least 1, not {batch_size!r}")
        items = iter(inputs)
        position = 0
        while batch := list(itertools.islice(items, batch_size)):
            with one_blas_thread():
                done = self._pipe_batch(batch, position)
            yield from done
            position += len(batch)

    def _pipe_batch(self, batch: list[Any], first: int) -> list[Document | ErrorRecord]:
        from unspun.parts import PART_CHARS

        read = [self._read(item, f"<input {first + k}>") for k, item in enumerate(batch)]
        ids = [record_id for record_id, _ in read]
        results = [result for _, result in read]
        for k, result in enumerate(results):  # huge documents alone, in parts (bounded memory)
            if isinstance(result, Document) and len(result.text) > PART_CHARS:
                try:
                    self(result)
                except Exception as error:
                    _raise_if_debugging(error)
                    results[k] = to_error_record(error, ids[k])
        huge = {k for k, r in enumerate(results) if isinstance(r, Document) and len(r.text) > PART_CHARS}
        for stage in self.stages:
            live = [(k, r) for k, r in enumerate(results) if isinstance(r, Document) and k not in huge]
            for j, exc in self._run_stage(stage, [doc for _, doc in live]).items():
                k, doc = live[j]
                doc.parses.clear()
                results[k] = to_error_record(exc, ids[k])
        for result in results:
            if isinstance(result, Document):
                result.parses.clear()
        return results

    def _read(self, item: Any, name: str) -> tuple[str, Document | ErrorRecord]:
        """(record id, the extracted document or the error record) of one input."""
        from unspun.readers import Source, extract

        if isinstance(item, ErrorRecord):
            return item.id, item
        record_id = (item.id if isinstance(item, Source) else "") or name
        try:
            source = self._source(item, name=name)
            return record_id, extract(source, options=self.options)
        except Exception as exc:
            _raise_if_debugging(exc)
            return record_id, to_error_record(exc, record_id)

    def _run_stage(self, stage: Stage[Any], docs: list[Document]) -> dict[int, Exception]:
        """Run one stage over a batch; the exceptions of the documents it failed on, by their index."""
        done = 0
        try:
            for _ in stage.pipe(docs):
                done += 1
        except Exception as exc:
            _raise_if_debugging(exc)
        else:
            if done != len(docs):
                raise PipelineError(f"stage {stage.name!r}: pipe() gave back {done} of {len(docs)} documents")
            return {}
        failed: dict[int, Exception] = {}
        for k in range(done, len(docs)):
            try:
                stage(docs[k])
            except Exception as exc:
                _raise_if_debugging(exc)
                failed[k] = exc
        return failed

    def _source(self, item: Any, *, name: str = "") -> Source:
        from unspun.readers import Source, source_from_bytes, source_from_string

        if isinstance(item, Source):
            return item
        if isinstance(item, str):
            return source_from_string(item, options=self.options, id=name)
        if isinstance(item, bytes):
            return source_from_bytes(item, name=name or "<bytes>", options=self.options)
        raise MalformedInputError(f"{name or '<input>'}: {type(item).__name__} is not an input; give text "
                                  f"or HTML as a str or bytes, or a readers.Source")


@cache
def _blas() -> Any:
    """numpy's BLAS libraries, as threadpoolctl sees them (None without threadpoolctl)."""
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:  # pragma: no cover - a dependency; without it BLAS keeps its threads
        return None
    import numpy  # noqa: F401 - its BLAS must be loaded for the controller to find it

    return ThreadpoolController()


@contextlib.contextmanager
def one_blas_thread() -> Iterator[None]:
    """numpy's BLAS on one thread while the pipeline runs, as it was before after it.

    The stages multiply small matrices (a sentence's pieces by a head's weights, the quotes tagger's
    convolutions), where BLAS's extra threads cost more to wake and spin than they share: on 60 news
    articles (`benchmarks/bench_pipeline.py --with-models`) the quotes stage took 1.6 s instead of 2.8,
    0.10 of the encode stage's time instead of 0.20 (benchmarks/README.md). The encoder's threads
    (onnxruntime, `Options.threads`) are not BLAS's and are left alone.
    """
    controller = _blas()
    with controller.limit(limits=1, user_api="blas") if controller is not None else contextlib.nullcontext():
        yield


def _raise_if_debugging(exc: Exception) -> None:
    """Re-raise a bug (not an `UnspunError`) with its traceback when UNSPUN_DEBUG asks for it."""
    if debugging() and not isinstance(exc, UnspunError):
        raise exc
