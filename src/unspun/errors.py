"""One place for unspun's error types (each carries a message fit to show a user as it is) and for the error
record that stands for an input that could not be analysed."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any


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


class RefusedURLError(FetchError):
    """A URL that will not be fetched at all: not http(s), or a host on a private, loopback or link-local
    address (on the first request or on a redirect) while private URLs are not allowed."""

    reason = "url_refused"


class PipelineError(UnspunError):
    """A pipeline that cannot be built: unknown stage, or a stage before the layers it needs."""

    reason = "pipeline"


class OptionsError(UnspunError):
    reason = "options"


class ModelMissingError(UnspunError):
    """A stage's shipped model is not installed."""

    reason = "model_missing"


class BratError(UnspunError):
    """A brat standoff file (`.ann`) that cannot be read, or read back into layers."""

    reason = "brat"


class UnreadableInputError(UnspunError):
    """An input that names nothing readable: a missing file, an empty glob, a permission error."""

    reason = "unreadable"


# -- the error record ------------------------------------------------------------------------------------

#: the schema id of the record that stands for an input that could not be analysed (JSON Lines output)
ERROR_SCHEMA_ID = "unspun/1-error"
#: reason of an error record for a bug (an exception that is not an `UnspunError`)
INTERNAL = "internal"
#: set to 1 to see the traceback of an internal error instead of its error record
DEBUG_ENV = "UNSPUN_DEBUG"


@dataclass(frozen=True, slots=True)
class ErrorRecord:
    """An input record that could not be analysed: which one, why (a short reason), a message for a person.

    >>> ErrorRecord("a.txt", "empty", "a.txt: the input is empty").to_dict()["schema"]
    'unspun/1-error'
    """

    id: str
    reason: str
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {"schema": ERROR_SCHEMA_ID, "id": self.id, "reason": self.reason, "message": self.message}


def to_error_record(exc: BaseException, record_id: str) -> ErrorRecord:
    """The error record of an exception raised while reading or analysing the record `record_id`."""
    if isinstance(exc, UnspunError):
        return ErrorRecord(record_id, exc.reason, str(exc))
    if isinstance(exc, OSError):
        where = exc.filename or record_id
        return ErrorRecord(record_id, UnreadableInputError.reason, f"{where}: {exc.strerror or exc}")
    return ErrorRecord(record_id, INTERNAL,
                       f"{record_id}: internal error ({type(exc).__name__}: {exc}); "
                       f"set {DEBUG_ENV}=1 for details and please report it")


def debugging() -> bool:
    """Whether internal errors should raise (with their traceback) instead of becoming error records."""
    return bool(os.environ.get(DEBUG_ENV))
