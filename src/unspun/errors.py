"""One place for unspun's error types: each carries a message fit to show a user as it is."""

from __future__ import annotations


class UnspunError(Exception):
    """An input or a request that unspun cannot analyse; the message says why, for a person."""

    #: short machine-readable reason, used in corpus-mode error records and HTTP error bodies
    reason = "error"


class EmptyInputError(UnspunError):
    reason = "empty"


class BinaryInputError(UnspunError):
    reason = "binary"


class EncodingError(UnspunError):
    reason = "encoding"


class InputTooLargeError(UnspunError):
    reason = "too_large"


class NoContentError(UnspunError):
    """The input parsed, but held no text to analyse (e.g. HTML with no article)."""

    reason = "no_content"


class MalformedInputError(UnspunError):
    reason = "malformed"


class FetchError(UnspunError):
    reason = "fetch"


class PipelineError(UnspunError):
    """A pipeline that cannot be built: unknown stage, or a stage before the layers it needs."""

    reason = "pipeline"


class OptionsError(UnspunError):
    reason = "options"


class ModelMissingError(UnspunError):
    """A stage's shipped model is not installed."""

    reason = "model_missing"


class UnreadableInputError(UnspunError):
    """An input that names nothing readable: a missing file, an empty glob, a permission error."""

    reason = "unreadable"
