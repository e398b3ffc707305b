"""aidtrace: evidence-linked records of international support for Ukraine, from documents."""

from aidtrace.api import extract, extract_path, extract_paths
from aidtrace.errors import AidtraceError, ConfigError, InputError, InvalidRequest, UnreadableDocument
from aidtrace.model import Amount, Document, DocumentResult, Failure, Record, Span
from aidtrace.settings import Settings, load_settings

__version__ = "0.1.0"

__all__ = [
    "AidtraceError",
    "Amount",
    "ConfigError",
    "Document",
    "DocumentResult",
    "Failure",
    "InputError",
    "InvalidRequest",
    "Record",
    "Settings",
    "Span",
    "UnreadableDocument",
    "__version__",
    "extract",
    "extract_path",
    "extract_paths",
    "load_settings",
]
