"""Fixtures, all of them (one place to look), and the --update-golden option."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from aidtrace.extractor.lexicon import Lexicon, load_lexicon
from aidtrace.store import Store, open_store

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden", action="store_true", help="rewrite tests/golden/cases/*.records.jsonl"
    )


@pytest.fixture(scope="session")
def lexicon() -> Lexicon:
    return load_lexicon()


@pytest.fixture(scope="session")
def shared() -> Path:
    """../shared beside the repository (development corpus and scorer), or skip."""
    if not (SHARED / "eval" / "score.py").is_file():
        pytest.skip(f"{SHARED} is absent: the development corpus and scorer live there")
    return SHARED


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))


POSTGRES_URL = os.environ.get("AIDTRACE_TEST_POSTGRES_URL")
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """An empty, migrated store on SQLite and, when AIDTRACE_TEST_POSTGRES_URL is set, PostgreSQL."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'test.db'}"
    else:
        if not POSTGRES_URL:
            pytest.skip("AIDTRACE_TEST_POSTGRES_URL is not set: no PostgreSQL server to test against")
        url = POSTGRES_URL
        _empty_postgres(url)
    with open_store(url) as opened:
        yield opened


@pytest.fixture(params=BACKENDS)
def new_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Callable[[], Store]]:
    """Opens a new, empty, migrated store at each call (SQLite, and PostgreSQL when
    configured: the one test database emptied, the store opened before it closed)."""
    if request.param == "postgresql" and not POSTGRES_URL:
        pytest.skip("AIDTRACE_TEST_POSTGRES_URL is not set: no PostgreSQL server to test against")
    opened: list[Store] = []

    def make() -> Store:
        if request.param == "sqlite":
            url = f"sqlite:///{tmp_path / f'test-{len(opened)}.db'}"
        else:
            for store in opened:
                store.close()
            url = str(POSTGRES_URL)
            _empty_postgres(url)
        opened.append(open_store(url))
        return opened[-1]

    yield make
    for store in opened:
        store.close()


def _empty_postgres(url: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP SCHEMA IF EXISTS public CASCADE")
        conn.execute("CREATE SCHEMA public")


@pytest.fixture(scope="session")
def examples(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the bundled top-level examples (not the Japan answer-key set, which
    `japan_key` gives): the many tests that ingest them stay small and their counts stable."""
    import shutil
    from importlib import resources

    bundled = Path(str(resources.files("aidtrace") / "examples"))
    copy = tmp_path_factory.mktemp("examples")
    for path in bundled.iterdir():
        if path.is_file():
            shutil.copy(path, copy / path.name)
    return copy


@pytest.fixture(scope="session")
def japan_key() -> Path:
    """The Japan answer-key set: documents in our own words and answer_key.json."""
    from importlib import resources

    return Path(str(resources.files("aidtrace") / "examples" / "japan"))
