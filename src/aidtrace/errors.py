"""Errors a user can act on. Anything else is a bug and keeps its traceback.

AidtraceError            base: str(err) says what, where and what to do
├── ConfigError          a bad setting, option or data file
├── InputError           a document we cannot read (recorded per document)
│   └── UnreadableDocument
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


class StoreError(AidtraceError):
    code = "store_error"
    status = 503


class NotFound(StoreError):
    code = "not_found"
    status = 404


class InvalidRequest(AidtraceError):
    code = "invalid_request"
    status = 400
