"""The store: documents, records, measures, runs and failures in SQLite or PostgreSQL.

    open_store(url)  ->  Store          "sqlite:///path.db", a plain path, or "postgresql://..."

One Store class serves both databases: the schema (store/schema/*.sql) is portable SQL,
and the few differences (placeholders, transactions, connection) live in `db.py`. All SQL
of the project lives in this package.
"""

from aidtrace.store.db import SCHEMA_VERSION, Store, default_url, open_store

__all__ = ["SCHEMA_VERSION", "Store", "default_url", "open_store"]
