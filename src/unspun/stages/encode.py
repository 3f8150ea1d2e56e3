"""The encode stage: one pass of the shared encoder over the document, read by every model-backed head.

Each structure span (title, paragraph, quoted passage, comment) is one text for the encoder: long ones are
windowed with overlap, short ones are packed together into batches (`unspun.encoder`). The result goes to
`doc.parses["encode"]` (never serialised); "encode" is a pseudo-layer name so that stages needing the
encoder's output can declare it in `requires`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from unspun.document import STRUCTURE, Document, Span
from unspun.encoder import Encoded, Encoder, get_encoder, model_installed
from unspun.pipeline import Stage, register_stage

ENCODE = "encode"


@dataclass
class EncodeOutput:
    """The encoder's states per structure span, in the order of the structure layer."""

    segments: list[Span]
    encoded: list[Encoded]
    by_start: dict[int, int] = field(default_factory=dict)

    def segment_of(self, start: int, end: int) -> int | None:
        """Index of the segment that contains the character range [start, end), if any."""
        for i, seg in enumerate(self.segments):
            if seg.start <= start and end <= seg.end:
                return i
        return None


def encode_document(doc: Document, encoder: Encoder) -> EncodeOutput:
    segments = [s for s in doc.layers.get(STRUCTURE, []) if s.end > s.start]
    segments.sort(key=lambda s: s.start)
    encoded = encoder.encode([doc.text[s.start : s.end] for s in segments], [s.start for s in segments])
    return EncodeOutput(segments, encoded)


@register_stage
class EncodeStage(Stage[EncodeOutput]):
    name = ENCODE
    requires = (STRUCTURE, "sentences")
    assigns = (ENCODE,)
    english_only = True

    @classmethod
    def available(cls) -> bool:
        return model_installed()

    @property
    def encoder(self) -> Encoder:
        return get_encoder(self.options.model_dir, self.options.threads)

    def predict(self, doc: Document) -> EncodeOutput:
        return encode_document(doc, self.encoder)

    def set_annotations(self, doc: Document, result: EncodeOutput) -> None:
        doc.parses[ENCODE] = result

    def __call__(self, doc: Document) -> Document:
        super().__call__(doc)
        # "encode" is a pseudo-layer: the base class makes an empty layer for a skipped (non-English)
        # document; it must not show up in the output
        if not doc.layers.get(ENCODE):
            doc.layers.pop(ENCODE, None)
        return doc
