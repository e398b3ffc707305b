"""Errors a user can act on. Anything else is a bug and keeps its traceback.

AidtraceError            base: str(err) says what, where and what to do
├── ConfigError          a bad setting, option or data file
├── InputError           a document we cannot read (recorded per document)
│   ├── UnreadableDocument
│   ├── InvalidMetadata  a manifest row, archive line or form field with a bad value
│   ├── DuplicateDocument two files that would get the same doc_id
│   └── OverBudget       (budget.py) over its time or memory budget
└── InvalidRequest       a bad CLI or API parameter
"""

from __future__ import annotations


class AidtraceError(Exception):
    """Base of every error aidtrace raises on purpose."""

    code = "error"
    status = 500


class ConfigError(AidtraceError):
    code = "config_error"
    status = 500


class InputError(AidtraceError):
    code = "input_error"
    status = 422


class UnreadableDocument(InputError):
    """A document that cannot be read: missing, empty, binary, oversized or malformed."""

    code = "unreadable_document"


class InvalidMetadata(InputError):
    """Metadata with an impossible value (published 2024-02-31, a title that is not text)."""

    code = "invalid_metadata"


class DuplicateDocument(InputError):
    """A second file whose doc_id is already taken by another file of the same run."""

    code = "duplicate_document"


class StoreError(AidtraceError):
    code = "store_error"
    status = 503


class NotFound(StoreError):
    code = "not_found"
    status = 404


class InvalidRequest(AidtraceError):
    code = "invalid_request"
    status = 400
