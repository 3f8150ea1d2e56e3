"""Stages, their registry, and the pipeline that runs them in a checked order.

A stage is a small class with a pure `predict(doc)` and a `set_annotations(doc, result)`; it declares the
layers it `requires` and the ones it `assigns`, and apart from layers the shared artefacts (`Document.parses`,
e.g. the encoder's states) it `needs` and the ones it `provides`. `Pipeline` checks the order when it is
built, so a wrong order fails before any document is read. Stage modules are imported on first use:
`import unspun` stays fast.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Iterator
from typing import Any, ClassVar, Generic, TypeVar

from unspun.document import Document
from unspun.errors import PipelineError
from unspun.options import Options

R = TypeVar("R")

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

    def __init__(self, options: Options) -> None:
        self.options = options

    @classmethod
    def available(cls) -> bool:
        """Whether the stage can run here (a model-backed stage: its model is installed)."""
        return True

    def initialize(self) -> None:
        """Load now what the stage would load on first use (its model, its tables); once per process."""

    def predict(self, doc: Document) -> R:
        raise NotImplementedError

    def set_annotations(self, doc: Document, result: R) -> None:
        raise NotImplementedError

    def __call__(self, doc: Document) -> Document:
        if self.english_only and doc.language not in (None, "en"):
            for layer in self.assigns:
                doc.layer(layer)
            doc.warn(
                f"{self.name}: skipped, it works on English text only (document language: {doc.language})"
            )
            doc.summary.setdefault("skipped", {})[self.name] = f"language {doc.language}"
            return doc
        self.set_annotations(doc, self.predict(doc))
        return doc


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


def default_stage_names() -> tuple[str, ...]:
    """The default order, less the stages not implemented or whose model is not installed here."""
    names = []
    for name in DEFAULT_ORDER:
        try:
            cls = stage_class(name)
        except PipelineError:
            continue
        if cls.available():
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
        self.options = options or Options()
        names = tuple(stages) if stages is not None else (self.options.stages or default_stage_names())
        classes = [stage_class(n) for n in names]
        check_order(classes)
        for cls in classes:
            if not cls.available():
                raise PipelineError(f"stage {cls.name!r} cannot run here: its model is not installed")
        self.stage_names = names
        self.stages: list[Stage[Any]] = [cls(self.options) for cls in classes]

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
        """Run the stages over a document that was already extracted."""
        for stage in self.stages:
            stage(doc)
        return doc

    def analyze(self, source: Any) -> Document:
        """Analyse one input: a `readers.Source`, or a string of plain text or HTML."""
        from unspun.readers import Source, extract, source_from_string

        if not isinstance(source, Source):
            source = source_from_string(source, options=self.options)
        return self(extract(source, options=self.options))

    def pipe(self, sources: Iterable[Any]) -> Iterator[Document]:
        for source in sources:
            yield self.analyze(source)
