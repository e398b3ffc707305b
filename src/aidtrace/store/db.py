"""Connections, transactions and migrations for SQLite and PostgreSQL, behind one class.

SQL in this package is written once with `?` placeholders; for PostgreSQL they become `%s`.
Every write happens inside `transaction()`: SQLite takes the write lock at BEGIN
(IMMEDIATE), so a second writer waits (up to BUSY_SECONDS) instead of failing half-way;
PostgreSQL uses a normal transaction. Migrations, including the first creation of the
schema, hold a lock so that processes starting at once on a new database do not race. A
database whose schema is newer than this code is refused.
"""

from __future__ import annotations

import os
import re
import sqlite3
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

from aidtrace.errors import ConfigError, StoreError

Row = dict[str, Any]
_MIGRATION = re.compile(r"(\d{4})_(\w+)\.sql")
MIGRATION_LOCK = 0x41494454  # "AIDT": the PostgreSQL advisory lock key held while migrating
BUSY_SECONDS = 30  # how long a SQLite connection waits for another process's write lock


def _migrations() -> list[tuple[int, str, str]]:
    folder = resources.files("aidtrace") / "store" / "schema"
    found = []
    for entry in folder.iterdir():
        match = _MIGRATION.fullmatch(entry.name)
        if match:
            found.append((int(match.group(1)), match.group(2), entry.read_text(encoding="utf-8")))
    return sorted(found)


SCHEMA_VERSION = max(version for version, _name, _sql in _migrations())


def default_url() -> str:
    """AIDTRACE_DB, or aidtrace.db in the user's data directory."""
    if os.environ.get("AIDTRACE_DB"):
        return os.environ["AIDTRACE_DB"]
    from platformdirs import user_data_path

    return f"sqlite:///{user_data_path('aidtrace', appauthor=False, ensure_exists=True) / 'aidtrace.db'}"


def open_store(url: str | None = None) -> Store:
    """Open (creating and migrating if needed) the store at `url`."""
    store = Store(url or default_url())
    try:
        store.migrate()
    except BaseException:
        store.close()
        raise
    return store


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class Store:
    """One database connection; see the module docstring. Use as a context manager."""

    def __init__(self, url: str) -> None:
        self.url = url
        if url.startswith(("postgresql://", "postgres://")):
            self.dialect = "postgresql"
            self._conn = self._connect_postgres(url)
        elif url.startswith("sqlite:///") or "://" not in url:
            self.dialect = "sqlite"  # sqlite:///relative.db, sqlite:////absolute.db, or a plain path
            self._conn = self._connect_sqlite(url.removeprefix("sqlite:///"))
        else:
            raise ConfigError(
                f"unsupported database URL {url!r}; use sqlite:///path/to/file.db or postgresql://user@host/db"
            )
        self._depth = 0
        self._versioned: bool | None = None  # has the data_version table (schema 5+)?

    # --- connections -------------------------------------------------------------------

    @staticmethod
    def _connect_sqlite(path: str) -> Any:
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        try:
            conn = sqlite3.connect(path, isolation_level=None, timeout=BUSY_SECONDS, check_same_thread=False)
            conn.execute("PRAGMA foreign_keys = ON")
            _set_wal(conn)
            conn.execute("PRAGMA synchronous = NORMAL")  # with WAL: a killed process loses no commit
        except sqlite3.Error as err:
            raise StoreError(f"cannot open the SQLite database {path}: {err}") from None
        return conn

    @staticmethod
    def _connect_postgres(url: str) -> Any:
        try:
            import psycopg
            from psycopg.rows import dict_row
        except ImportError:
            raise ConfigError(
                "PostgreSQL needs the psycopg package: pip install 'aidtrace[postgres]'"
            ) from None
        try:
            return psycopg.connect(url, autocommit=True, row_factory=dict_row)
        except psycopg.Error as err:
            raise StoreError(f"cannot connect to PostgreSQL at {_redact(url)}: {err}".strip()) from None

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- statements ----------------------------------------------------------------------

    def _sql(self, sql: str) -> str:
        return sql.replace("?", "%s") if self.dialect == "postgresql" else sql

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        self._conn.execute(self._sql(sql), tuple(params))

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        if not rows:
            return
        if self.dialect == "postgresql":
            with self._conn.cursor() as cursor:
                cursor.executemany(self._sql(sql), [tuple(r) for r in rows])
        else:
            self._conn.executemany(sql, [tuple(r) for r in rows])

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        cursor = self._conn.execute(self._sql(sql), tuple(params))
        if self.dialect == "postgresql":
            return list(cursor.fetchall())  # dict_row: dicts already
        # one zip per row: dict(sqlite3.Row) looks every column up by name, which cost a
        # page of 50 measures 2 ms (a third of an uncached request)
        names = [column[0] for column in cursor.description or ()]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        rows = self.query(sql, params)
        return next(iter(rows[0].values())) if rows else None

    @contextmanager
    def transaction(self) -> Iterator[Store]:
        """One atomic unit of work; nested calls join the outer transaction. Committing it
        increases data_version, which tells readers that something changed."""
        if self._depth:
            self._depth += 1
            try:
                yield self
            finally:
                self._depth -= 1
            return
        self._depth = 1
        try:
            if self.dialect == "postgresql":
                with self._conn.transaction():
                    yield self
                    self._bump_version()
            else:
                self._conn.execute("BEGIN IMMEDIATE")
                try:
                    yield self
                    self._bump_version()
                except BaseException:
                    self._conn.execute("ROLLBACK")
                    raise
                self._conn.execute("COMMIT")
        finally:
            self._depth = 0

    def _has_version(self) -> bool:
        if self._versioned is None:
            self._versioned = self._has_table("data_version")
        return self._versioned

    def _bump_version(self) -> None:
        if self._has_version():
            self.execute("UPDATE data_version SET version = version + 1 WHERE id = 1")

    def data_version(self) -> int:
        """A number that changes whenever any process commits a write (0 before schema 5)."""
        if not self._has_version():
            return 0
        return int(self.scalar("SELECT version FROM data_version WHERE id = 1") or 0)

    # --- migrations ----------------------------------------------------------------------

    def schema_version(self) -> int:
        if not self._has_table("schema_migrations"):
            return 0
        return int(self.scalar("SELECT MAX(version) FROM schema_migrations") or 0)

    def migrate(self) -> None:
        """Apply pending migrations. Safe when several processes start on one new database at
        once: the check and every migration run in one transaction that holds the migration
        lock (SQLite: the write lock of BEGIN IMMEDIATE; PostgreSQL: an advisory lock), so
        the second process waits, then finds the schema current."""
        if self._has_table("schema_migrations") and self.schema_version() == SCHEMA_VERSION:
            return  # the common case: no lock taken
        with self.transaction():
            if self.dialect == "postgresql":
                self.execute("SELECT pg_advisory_xact_lock(?)", (MIGRATION_LOCK,))
            if not self._has_table("schema_migrations"):
                self.execute(
                    "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
                )
            current = self.schema_version()
            if current > SCHEMA_VERSION:
                raise StoreError(
                    f"the database {_redact(self.url)} has schema version {current}, newer than this aidtrace "
                    f"(version {SCHEMA_VERSION}); upgrade aidtrace or use another database"
                )
            for version, name, sql in _migrations():
                if version <= current:
                    continue
                for statement in _statements(sql, self.dialect):
                    self.execute(statement)
                self.execute(
                    "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                    (version, name, _now()),
                )
                self._versioned = None  # a migration may have added the data_version table
        self._versioned = None

    def _has_table(self, name: str) -> bool:
        if self.dialect == "postgresql":
            sql = "SELECT 1 FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = ?"
        else:
            sql = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?"
        return bool(self.query(sql, (name,)))

    def now(self) -> str:
        return _now()


def _set_wal(conn: sqlite3.Connection) -> None:
    """Switch to WAL. Two processes creating one new file at once can both need the lock
    that switching takes, and SQLite then answers "locked" at once instead of waiting for
    the busy timeout; so wait and retry here."""
    deadline = time.monotonic() + BUSY_SECONDS
    while True:
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as err:
            if "locked" not in str(err) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def _statements(sql: str, dialect: str | None = None) -> list[str]:
    """The statements of a migration file for `dialect`: comments dropped, split at
    semicolons that end a line. A line `-- dialect: sqlite` (or `postgresql`, or `all`)
    starts a section run on that database only; a trigger's body (`BEGIN` ... `END;`) and a
    `$$`-quoted function body stay one statement."""
    statements: list[str] = []
    current: list[str] = []
    section = "all"
    for raw in sql.splitlines():
        marker = _SECTION.fullmatch(raw.strip())
        if marker:
            section = marker.group(1)
            continue
        if dialect is not None and section not in ("all", dialect):
            continue
        line = raw.split("--", 1)[0].rstrip()  # no "--" inside strings either
        current.append(line)
        text = "\n".join(current).strip()
        if line.endswith(";") and not _open_body(text):
            statements.append(text.removesuffix(";").strip())
            current = []
    tail = "\n".join(current).strip()
    return [s for s in (*statements, tail) if s]


def _open_body(text: str) -> bool:
    """Whether `text` stops inside a trigger's body or a $$-quoted body (its semicolons
    end no statement)."""
    if text.count("$$") % 2:
        return True
    trigger = re.match(r"CREATE\s+TRIGGER\b", text, re.IGNORECASE)
    return bool(trigger) and not re.search(r"\bEND;$", text, re.IGNORECASE)


_SECTION = re.compile(r"--\s*dialect:\s*(sqlite|postgresql|all)\s*")


def _redact(url: str) -> str:
    return re.sub(r"://([^:/@]+):[^@]*@", r"://\1:***@", url)
