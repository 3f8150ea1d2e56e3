"""The error record: one shape for every input that could not be analysed, made from the exception."""

from __future__ import annotations

import dataclasses

import pytest

from unspun.errors import (
    DEBUG_ENV,
    ERROR_SCHEMA_ID,
    INTERNAL,
    EmptyInputError,
    ErrorRecord,
    to_error_record,
)


def test_unspun_error_keeps_its_reason_and_message() -> None:
    record = to_error_record(EmptyInputError("a.txt: the input is empty"), "a.txt")
    assert record == ErrorRecord("a.txt", "empty", "a.txt: the input is empty")
    assert record.to_dict() == {"schema": ERROR_SCHEMA_ID, "id": "a.txt", "reason": "empty",
                                "message": "a.txt: the input is empty"}


def test_os_error_is_unreadable_and_names_the_file() -> None:
    exc = PermissionError(13, "Permission denied", "/srv/page.html")
    record = to_error_record(exc, "page")
    assert (record.reason, record.message) == ("unreadable", "/srv/page.html: Permission denied")
    assert to_error_record(OSError("disk gone"), "page").message == "page: disk gone"


def test_any_other_exception_is_internal_and_says_how_to_see_it() -> None:
    record = to_error_record(ZeroDivisionError("division by zero"), "p.txt")
    assert record.reason == INTERNAL
    assert record.message == (f"p.txt: internal error (ZeroDivisionError: division by zero); "
                              f"set {DEBUG_ENV}=1 for details and please report it")


def test_records_are_frozen_and_hashable() -> None:
    record = ErrorRecord("a", "empty", "a: empty")
    with pytest.raises(dataclasses.FrozenInstanceError):
        record.reason = "other"  # type: ignore[misc]
    assert len({record, ErrorRecord("a", "empty", "a: empty")}) == 1
